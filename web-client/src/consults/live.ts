// Consult lists kept current from `consult_updated` events, which carry the
// consult as it is now.

import { newestFirst, oldestFirst, placeInWindow, upsertSorted, type Window } from '../api/lists';
import type { BoxKind, ConsultDto } from '../api/types';

/** Whether a consult is in my incoming box (I am asked) or outgoing box (I asked), as `GET /consults?box=` has it. */
export function inConsultBox(consult: ConsultDto, box: BoxKind, me: string): boolean {
  return box === 'incoming' ? consult.consultant_ids.includes(me) : consult.requested_by === me;
}

/**
 * A box (newest first, a window of it loaded) after a `consult_updated`;
 * undefined, to load it again, while it is not known who I am.
 */
export function applyConsultToBox(window: Window<ConsultDto>, box: BoxKind, me: string | null, consult: ConsultDto): Window<ConsultDto> | undefined {
  if (me === null) return undefined;
  return placeInWindow(window, consult, inConsultBox(consult, box, me), newestFirst);
}

/** The consults of a case (oldest first, all of them) after a `consult_updated`. */
export function applyConsultToCase(list: ConsultDto[], caseId: string, consult: ConsultDto): ConsultDto[] {
  return consult.case_id === caseId ? upsertSorted(list, consult, oldestFirst) : list;
}
