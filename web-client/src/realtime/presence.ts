// Contacts' duty status (SPEC §7) beside their presence, as pure helpers: the
// `ready` frame's presence entries carry each contact's `duty`, and a
// `presence` event carries `duty` only when it changed (absent: unchanged).
// So the last known duty per user is kept, and an entry or event without one
// leaves it as it was.

import type { DutyStatus } from '../generated/DutyStatus';
import type { PresenceEntry } from '../generated/PresenceEntry';

export type DutyByUser = Readonly<Record<string, DutyStatus>>;

/** The duty after one presence entry or event; the very same object when nothing changed. */
export function applyDuty(duty: DutyByUser, entry: Pick<PresenceEntry, 'user_id' | 'duty'>): DutyByUser {
  if (entry.duty === undefined || duty[entry.user_id] === entry.duty) return duty;
  return { ...duty, [entry.user_id]: entry.duty };
}

/** The duty after `ready`: its entries' duty over what was known (entries without duty keep the old value). */
export function dutyFromReady(duty: DutyByUser, entries: readonly PresenceEntry[]): DutyByUser {
  return entries.reduce(applyDuty, duty);
}

/** Whether a duty is worth a badge beside the presence dot (on duty is the ordinary case). */
export function showsDuty(duty: DutyStatus | undefined): duty is 'off_duty' | 'do_not_disturb' {
  return duty === 'off_duty' || duty === 'do_not_disturb';
}
