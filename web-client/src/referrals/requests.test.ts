import { describe, expect, it } from 'vitest';
import { KEEP_SLOT } from '../slots/week';
import { acceptRequest, completeRequest } from './requests';

const accept = { direction: 'up' as const, slot: '', appointment: '', assignee: '', followUpPlan: '' };

describe('acceptRequest', () => {
  it('sends nothing when nothing is chosen (triage later, no appointment)', () => {
    expect(acceptRequest(accept)).toEqual({});
  });

  it('books a slot of the team instead of a typed time', () => {
    expect(acceptRequest({ ...accept, slot: 'slot-9', appointment: '2026-12-08T09:30', assignee: 'u-li' })).toEqual({ slot_id: 'slot-9', assignee_id: 'u-li' });
  });

  it('keeps the slot booked with the referral by sending none', () => {
    expect(acceptRequest({ ...accept, slot: KEEP_SLOT, appointment: '2026-12-08T09:30' })).toEqual({});
  });

  it('takes a typed appointment time without a slot', () => {
    expect(acceptRequest({ ...accept, appointment: '2026-12-08T09:30' })).toEqual({ appointment_at: new Date('2026-12-08T09:30').toISOString() });
  });

  it('carries the follow-up plan of a patient sent down only', () => {
    expect(acceptRequest({ ...accept, followUpPlan: '两周后复查' })).toEqual({});
    expect(acceptRequest({ ...accept, direction: 'down', followUpPlan: ' 两周后复查 ' })).toEqual({ follow_up_plan: '两周后复查' });
  });
});

describe('completeRequest', () => {
  it('sends the outcome, and the plan with a referral down', () => {
    expect(completeRequest({ direction: 'up', outcome: ' 冠脉造影未见狭窄 ', followUpPlan: '复查' })).toEqual({ outcome: '冠脉造影未见狭窄' });
    expect(completeRequest({ direction: 'down', outcome: '病情平稳', followUpPlan: '每月随访血压' })).toEqual({ outcome: '病情平稳', follow_up_plan: '每月随访血压' });
  });
});
