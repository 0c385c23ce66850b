// The pure parts of break-glass access (SPEC §11): a doctor outside a case
// reads it for a while, with a stated reason that everyone who reads the case
// sees, until `expires_at`.

import type { BreakGlassDto } from '../api/types';

/** At least this many characters of reason (the server's rule, counted as a person counts them: 急诊 is two). */
export const MIN_REASON_CHARS = 5;

export function reasonLongEnough(reason: string): boolean {
  return [...reason.trim()].length >= MIN_REASON_CHARS;
}

export function isActive(grant: BreakGlassDto, now: number): boolean {
  return Date.parse(grant.expires_at) > now;
}

/** The reader's own access still running, if any: the case is theirs to read, not to write in. */
export function activeGrantOf(grants: readonly BreakGlassDto[], userId: string | undefined, now: number): BreakGlassDto | undefined {
  return grants.find((g) => g.user_id === userId && isActive(g, now));
}

/** Running ones first, then the most recent first. */
export function byRecency(grants: readonly BreakGlassDto[], now: number): BreakGlassDto[] {
  return [...grants].sort((a, b) => Number(isActive(b, now)) - Number(isActive(a, now)) || Date.parse(b.started_at) - Date.parse(a.started_at));
}
