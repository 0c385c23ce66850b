import { describe, expect, it } from 'vitest';
import type { CaseDto, FollowUpDto, MyWork } from '../api/types';
import { affectsWork, badgeText, isEmptyWork, navBadges, overdueIds } from './live';

const empty: MyWork = {
  assigned_cases: [],
  consults_to_answer: [],
  referrals_to_handle: [],
  unacknowledged: [],
  triage_queue: [],
  follow_ups_due: [],
  overdue: { cases: [], consults: [], messages: [], follow_ups: [] },
};
const aCase = (id: string) => ({ id }) as CaseDto;

describe('my work', () => {
  it('refetches after workflow events, notifications and acknowledgements, not after chatter', () => {
    for (const type of ['notification', 'triage_changed', 'case_updated', 'consult_updated', 'referral_updated', 'message_acked']) {
      expect(affectsWork({ type } as never)).toBe(true);
    }
    for (const type of ['message', 'typing', 'presence', 'read', 'pong']) expect(affectsWork({ type } as never)).toBe(false);
  });
  it('is empty only when every list is', () => {
    expect(isEmptyWork(empty)).toBe(true);
    expect(isEmptyWork({ ...empty, triage_queue: [aCase('c1')] })).toBe(false);
    expect(isEmptyWork({ ...empty, assigned_cases: [aCase('c1')] })).toBe(false);
    expect(isEmptyWork({ ...empty, follow_ups_due: [{ id: 'f1' } as FollowUpDto] })).toBe(false);
  });
  it('knows which items are overdue', () => {
    const ids = overdueIds({ ...empty, overdue: { cases: [aCase('c1')], consults: [], messages: [], follow_ups: [{ id: 'f1' } as FollowUpDto] } });
    expect(ids.cases.has('c1')).toBe(true);
    expect(ids.consults.size).toBe(0);
    expect(ids.followUps.has('f1')).toBe(true);
  });
  it('counts the nav badges from the triage queue and the consults to answer', () => {
    expect(navBadges(null)).toEqual({ triage: 0, consults: 0 });
    expect(navBadges({ ...empty, triage_queue: [aCase('a'), aCase('b')], consults_to_answer: [{} as never] })).toEqual({ triage: 2, consults: 1 });
    expect(badgeText(3)).toBe('3');
    expect(badgeText(50)).toBe('50+');
  });
});
