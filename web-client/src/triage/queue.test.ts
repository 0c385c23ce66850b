import { describe, expect, it } from 'vitest';
import type { CaseDto, Priority } from '../api/types';
import { applyTriageChange } from './queue';

const TEAM = 'team-1';
const OTHER_TEAM = 'team-2';

const kase = (id: string, priority: Priority, minute: number, extra: Partial<CaseDto> = {}): CaseDto => ({
  id,
  team_id: TEAM,
  patient: { id: `p-${id}`, name: id, sex: 'unknown' },
  title: id,
  summary: '',
  status: 'triage',
  priority,
  source: 'intake',
  created_by: 'u',
  conversation_id: `c-${id}`,
  created_at: `2026-11-23T02:${String(minute).padStart(2, '0')}:00Z`,
  updated_at: `2026-11-23T02:${String(minute).padStart(2, '0')}:00Z`,
  ...extra,
});
const ids = (queue: CaseDto[]) => queue.map((c) => c.id);

// Most urgent first, then the one waiting longest.
const queue = [kase('urgent-old', 'urgent', 1), kase('urgent-new', 'urgent', 5), kase('routine', 'routine', 0)];

describe('applyTriageChange', () => {
  it('puts a new intake in its place by priority, then age', () => {
    expect(ids(applyTriageChange(queue, TEAM, kase('emergency', 'emergency', 9)))).toEqual(['emergency', 'urgent-old', 'urgent-new', 'routine']);
    expect(ids(applyTriageChange(queue, TEAM, kase('urgent-mid', 'urgent', 3)))).toEqual(['urgent-old', 'urgent-mid', 'urgent-new', 'routine']);
    expect(ids(applyTriageChange(queue, TEAM, kase('routine-new', 'routine', 9)))).toEqual(['urgent-old', 'urgent-new', 'routine', 'routine-new']);
    expect(ids(applyTriageChange([], TEAM, kase('first', 'routine', 9)))).toEqual(['first']);
  });

  it('moves a case whose priority changed, without repeating it', () => {
    expect(ids(applyTriageChange(queue, TEAM, kase('routine', 'emergency', 0)))).toEqual(['routine', 'urgent-old', 'urgent-new']);
    expect(ids(applyTriageChange(queue, TEAM, kase('urgent-old', 'routine', 1)))).toEqual(['urgent-new', 'routine', 'urgent-old']);
  });

  it('replaces a waiting case with its new copy', () => {
    const next = applyTriageChange(queue, TEAM, kase('urgent-new', 'urgent', 5, { title: 'renamed' }));
    expect(next.map((c) => c.title)).toEqual(['urgent-old', 'renamed', 'routine']);
  });

  it('takes out a case that was assigned, declined or closed', () => {
    expect(ids(applyTriageChange(queue, TEAM, kase('urgent-old', 'urgent', 1, { status: 'open', assignee_id: 'doc' })))).toEqual(['urgent-new', 'routine']);
    expect(ids(applyTriageChange(queue, TEAM, kase('routine', 'routine', 0, { status: 'closed', decline_reason: 'no' })))).toEqual(['urgent-old', 'urgent-new']);
  });

  it('takes out a case transferred to another team, and the other team gets it', () => {
    const moved = kase('urgent-old', 'urgent', 1, { team_id: OTHER_TEAM });
    expect(ids(applyTriageChange(queue, TEAM, moved))).toEqual(['urgent-new', 'routine']);
    expect(ids(applyTriageChange([], OTHER_TEAM, moved))).toEqual(['urgent-old']);
  });

  it('leaves the queue as it is for a case that is not waiting there', () => {
    expect(applyTriageChange(queue, TEAM, kase('elsewhere', 'urgent', 2, { team_id: OTHER_TEAM }))).toBe(queue);
    expect(applyTriageChange(queue, TEAM, kase('done', 'urgent', 2, { status: 'open' }))).toBe(queue);
  });
});
