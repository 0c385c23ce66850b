// The triage queue of a team kept current from `triage_changed` events, which
// carry the case that entered, moved or left (SPEC §2: waiting cases, most
// urgent first, then the one waiting longest).

import type { CaseDto } from '../api/types';
import { upsertSorted, withoutId } from '../api/lists';
import { byTriageOrder } from '../cases/priorities';

/** Whether a case waits in this team's queue. */
export function waitsInQueue(kase: CaseDto, teamId: string): boolean {
  return kase.team_id === teamId && kase.status === 'triage';
}

/**
 * The queue of `teamId` after a `triage_changed` about `kase`: the case is put
 * in its place while it waits in this team (a new intake or referral, a new
 * priority), and taken out once it does not (assigned, declined, transferred).
 */
export function applyTriageChange(queue: CaseDto[], teamId: string, kase: CaseDto): CaseDto[] {
  return waitsInQueue(kase, teamId) ? upsertSorted(queue, kase, byTriageOrder) : withoutId(queue, kase.id);
}
