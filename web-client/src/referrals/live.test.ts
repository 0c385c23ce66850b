import { describe, expect, it } from 'vitest';
import type { ReferralDto } from '../api/types';
import { applyReferralToBox, applyReferralToCase, concernsCase } from './live';

const MINE = 'team-mine';
const THEIRS = 'team-theirs';
const CASE = 'case-1';
const TARGET = 'case-9';

const referral = (id: string, minute: number, extra: Partial<ReferralDto> = {}): ReferralDto => ({
  id,
  case_id: CASE,
  from_team_id: THEIRS,
  to_team_id: MINE,
  direction: 'up',
  patient: { id: 'p-1', name: '冯德明', sex: 'male', birth_date: '1955-09-12' },
  priority: 'routine',
  reason: `reason ${id}`,
  summary: '',
  diagnoses: [],
  purpose: '',
  precautions: '',
  status: 'pending',
  target_case_id: TARGET,
  conversation_id: `c-${id}`,
  created_by: 'u',
  created_at: `2026-11-23T02:${String(minute).padStart(2, '0')}:00Z`,
  updated_at: `2026-11-23T02:${String(minute).padStart(2, '0')}:00Z`,
  ...extra,
});
const ids = (list: readonly ReferralDto[] | undefined) => list?.map((r) => r.id);
const myTeams = new Set([MINE]);

describe('applyReferralToBox', () => {
  const shown = { items: [referral('c', 3), referral('b', 2)], more: false };

  it('puts a new referral to my team at the top of incoming, not in outgoing', () => {
    expect(ids(applyReferralToBox(shown, 'incoming', myTeams, referral('d', 4))?.items)).toEqual(['d', 'c', 'b']);
    expect(applyReferralToBox(shown, 'outgoing', myTeams, referral('d', 4))).toBe(shown);
  });

  it('puts a new referral from my team in outgoing', () => {
    const sent = referral('d', 4, { from_team_id: MINE, to_team_id: THEIRS });
    expect(ids(applyReferralToBox({ items: [], more: false }, 'outgoing', myTeams, sent)?.items)).toEqual(['d']);
    expect(applyReferralToBox(shown, 'incoming', myTeams, sent)).toBe(shown);
  });

  it('replaces one it shows with its new state, even before my teams are known', () => {
    const accepted = referral('b', 2, { status: 'accepted', appointment_at: '2026-12-01T08:00:00Z' });
    expect(applyReferralToBox(shown, 'incoming', myTeams, accepted)?.items.map((r) => r.status)).toEqual(['pending', 'accepted']);
    expect(applyReferralToBox(shown, 'incoming', undefined, accepted)?.items.map((r) => r.status)).toEqual(['pending', 'accepted']);
  });

  it('asks for a reload of a new one while my teams are unknown, or when they do not include either side', () => {
    expect(applyReferralToBox(shown, 'incoming', undefined, referral('d', 4))).toBeUndefined();
    expect(applyReferralToBox(shown, 'incoming', new Set(['team-other']), referral('d', 4))).toBeUndefined();
  });
});

describe('applyReferralToCase', () => {
  const list = [referral('a', 1), referral('b', 2)];

  it('concerns the referring case and the case it created', () => {
    expect(concernsCase(referral('a', 1), CASE)).toBe(true);
    expect(concernsCase(referral('a', 1), TARGET)).toBe(true);
    expect(concernsCase(referral('a', 1), 'case-x')).toBe(false);
  });

  it('appends a new referral (oldest first) and replaces a known one', () => {
    expect(ids(applyReferralToCase(list, CASE, referral('c', 3)))).toEqual(['a', 'b', 'c']);
    expect(ids(applyReferralToCase(list, TARGET, referral('c', 3)))).toEqual(['a', 'b', 'c']);
    expect(applyReferralToCase(list, CASE, referral('b', 2, { status: 'completed', outcome: 'ok' })).map((r) => r.status)).toEqual(['pending', 'completed']);
  });

  it("ignores another case's referral", () => {
    expect(applyReferralToCase(list, 'case-x', referral('c', 3))).toBe(list);
  });
});
