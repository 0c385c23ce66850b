import { describe, expect, it } from 'vitest';
import type { BreakGlassDto } from '../api/types';
import { activeGrantOf, byRecency, isActive, reasonLongEnough } from './breakGlass';

const NOW = Date.parse('2026-05-01T08:00:00Z');
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

function grant(id: string, userId: string, startedMinutes: number, expiresMinutes: number): BreakGlassDto {
  return { id, case_id: 'case-1', user_id: userId, user_name: userId, reason: '患者在急诊', started_at: at(startedMinutes), expires_at: at(expiresMinutes) };
}

describe('break-glass, the pure parts', () => {
  it('wants a reason of five characters as a person counts them', () => {
    expect(reasonLongEnough('急诊抢救中')).toBe(true);
    expect(reasonLongEnough('急诊抢救')).toBe(false);
    expect(reasonLongEnough('   abcd   ')).toBe(false);
    expect(reasonLongEnough('coma!')).toBe(true);
  });

  it('counts access as running until it expires', () => {
    expect(isActive(grant('g', 'u', -10, 50), NOW)).toBe(true);
    expect(isActive(grant('g', 'u', -70, -10), NOW)).toBe(false);
    expect(isActive(grant('g', 'u', -60, 0), NOW)).toBe(false);
  });

  it("finds the reader's own running access, not someone else's or an expired one", () => {
    const grants = [grant('old', 'me', -120, -60), grant('other', 'zhang', -5, 55), grant('mine', 'me', -5, 55)];
    expect(activeGrantOf(grants, 'me', NOW)?.id).toBe('mine');
    expect(activeGrantOf(grants.slice(0, 2), 'me', NOW)).toBeUndefined();
    expect(activeGrantOf(grants, undefined, NOW)).toBeUndefined();
  });

  it('lists running access first, then the most recent', () => {
    const grants = [grant('ended-early', 'a', -300, -240), grant('running', 'b', -30, 30), grant('ended-late', 'c', -90, -30)];
    expect(byRecency(grants, NOW).map((g) => g.id)).toEqual(['running', 'ended-late', 'ended-early']);
  });
});
