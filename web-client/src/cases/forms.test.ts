import { describe, expect, it } from 'vitest';
import { consultRequest, referralRequest } from './forms';

const blank = {
  team: 'team-cardio',
  direction: 'up' as const,
  reason: ' 阵发性房颤，请心内科评估 ',
  summary: '  ',
  diagnoses: [],
  purpose: '',
  precautions: '',
  followUpPlan: '',
  slot: '',
};

describe('referralRequest', () => {
  it('sends only what was filled in, trimmed', () => {
    expect(referralRequest(blank)).toEqual({ to_team_id: 'team-cardio', direction: 'up', reason: '阵发性房颤，请心内科评估' });
  });

  it('carries the whole form and the slot', () => {
    expect(
      referralRequest({
        ...blank,
        summary: '心悸2周，心电图示房颤。',
        diagnoses: [{ code: 'I48.0', text: '阵发性心房颤动' }],
        purpose: ' 评估射频消融指征 ',
        precautions: '华法林抗凝中',
        slot: 'slot-1',
      }),
    ).toEqual({
      to_team_id: 'team-cardio',
      direction: 'up',
      reason: '阵发性房颤，请心内科评估',
      summary: '心悸2周，心电图示房颤。',
      diagnoses: [{ code: 'I48.0', text: '阵发性心房颤动' }],
      purpose: '评估射频消融指征',
      precautions: '华法林抗凝中',
      slot_id: 'slot-1',
    });
  });

  it('sends the follow-up plan with a referral down only', () => {
    expect(referralRequest({ ...blank, followUpPlan: '两周后复查心电图' }).follow_up_plan).toBeUndefined();
    expect(referralRequest({ ...blank, direction: 'down', followUpPlan: ' 两周后复查心电图 ' }).follow_up_plan).toBe('两周后复查心电图');
    expect(referralRequest({ ...blank, direction: 'down', followUpPlan: ' ' }).follow_up_plan).toBeUndefined();
  });
});

describe('consultRequest', () => {
  it('sends the question with the summary and diagnoses when given', () => {
    expect(consultRequest({ consultantIds: ['u1'], question: ' 围手术期血糖如何管理？ ', summary: '', diagnoses: [], urgency: 'urgent' })).toEqual({
      consultant_ids: ['u1'],
      question: '围手术期血糖如何管理？',
      urgency: 'urgent',
    });
    expect(
      consultRequest({ consultantIds: ['u1', 'u2'], question: 'Q', summary: ' 2型糖尿病5年 ', diagnoses: [{ code: 'E11.9', text: '2型糖尿病' }], urgency: 'routine' }),
    ).toEqual({
      consultant_ids: ['u1', 'u2'],
      question: 'Q',
      summary: '2型糖尿病5年',
      diagnoses: [{ code: 'E11.9', text: '2型糖尿病' }],
      urgency: 'routine',
    });
  });
});
