// The team deadline settings form (SPEC §7) as plain data: the inputs are
// strings (what the user typed), checked here as whole minutes from 1 to
// 43,200, and turned into a PATCH that replaces only the groups that changed
// (the server takes each group whole).

import type { AckMinutes, MinutesByPriority, TeamSettings, TeamSettingsPatch } from '../api/types';

export const MIN_MINUTES = 1;
export const MAX_MINUTES = 43_200;

export type DeadlineGroup = 'triage_minutes' | 'consult_minutes' | 'ack_minutes';

/** The fields of each group, most urgent first, as the form shows them. */
export const GROUP_FIELDS = {
  triage_minutes: ['emergency', 'urgent', 'routine'],
  consult_minutes: ['emergency', 'urgent', 'routine'],
  ack_minutes: ['emergency', 'urgent'],
} as const satisfies Record<DeadlineGroup, readonly string[]>;

export const GROUPS: readonly DeadlineGroup[] = ['triage_minutes', 'consult_minutes', 'ack_minutes'];

/** What is typed into each input, by group and field. */
export type DeadlineDraft = { [G in DeadlineGroup]: Record<(typeof GROUP_FIELDS)[G][number], string> };

export function draftOf(settings: TeamSettings): DeadlineDraft {
  const s = (n: number) => String(n);
  return {
    triage_minutes: { emergency: s(settings.triage_minutes.emergency), urgent: s(settings.triage_minutes.urgent), routine: s(settings.triage_minutes.routine) },
    consult_minutes: { emergency: s(settings.consult_minutes.emergency), urgent: s(settings.consult_minutes.urgent), routine: s(settings.consult_minutes.routine) },
    ack_minutes: { emergency: s(settings.ack_minutes.emergency), urgent: s(settings.ack_minutes.urgent) },
  };
}

/** Whole minutes in range, or null. Accepts surrounding spaces and full-width digits (a Chinese IME may type them). */
export function parseMinutes(text: string): number | null {
  const ascii = text.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (!/^\d+$/.test(ascii)) return null;
  const n = Number(ascii);
  return n >= MIN_MINUTES && n <= MAX_MINUTES ? n : null;
}

/** The inputs that do not hold valid minutes, as `group.field`. */
export function invalidFields(draft: DeadlineDraft): Set<string> {
  const bad = new Set<string>();
  for (const group of GROUPS) {
    for (const [field, text] of Object.entries(draft[group])) if (parseMinutes(text) === null) bad.add(`${group}.${field}`);
  }
  return bad;
}

/**
 * The PATCH for a valid draft: each group that differs from `saved`, whole;
 * `{}` when nothing changed; null while any input is invalid.
 */
export function patchFrom(draft: DeadlineDraft, saved: TeamSettings): TeamSettingsPatch | null {
  if (invalidFields(draft).size > 0) return null;
  const n = (text: string) => parseMinutes(text) ?? 0;
  const triage: MinutesByPriority = { emergency: n(draft.triage_minutes.emergency), urgent: n(draft.triage_minutes.urgent), routine: n(draft.triage_minutes.routine) };
  const consult: MinutesByPriority = { emergency: n(draft.consult_minutes.emergency), urgent: n(draft.consult_minutes.urgent), routine: n(draft.consult_minutes.routine) };
  const ack: AckMinutes = { emergency: n(draft.ack_minutes.emergency), urgent: n(draft.ack_minutes.urgent) };
  const same = (a: object, b: object) => Object.entries(a).every(([k, v]) => (b as Record<string, unknown>)[k] === v);
  return {
    ...(same(triage, saved.triage_minutes) ? {} : { triage_minutes: triage }),
    ...(same(consult, saved.consult_minutes) ? {} : { consult_minutes: consult }),
    ...(same(ack, saved.ack_minutes) ? {} : { ack_minutes: ack }),
  };
}
