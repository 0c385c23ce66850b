// "My work" (GET /me/work, SPEC §7) aggregates many lists, so live events
// do not patch it: a relevant event schedules one debounced refetch.
// Pure helpers: which events matter, what is overdue, the nav badge counts.

import type { MyWork } from '../api/types';
import type { ServerEvent } from '../generated/ServerEvent';

/** Events after which My work may have changed (a notification too: e.g. a follow-up came due or was done). */
export function affectsWork(event: ServerEvent): boolean {
  switch (event.type) {
    case 'notification':
    case 'triage_changed':
    case 'case_updated':
    case 'consult_updated':
    case 'referral_updated':
    case 'message_acked':
      return true;
    default:
      return false;
  }
}

/** Whether there is nothing at all to show (the triage queue counts only for those who triage). */
export function isEmptyWork(work: MyWork): boolean {
  return (
    work.assigned_cases.length === 0 &&
    work.consults_to_answer.length === 0 &&
    work.referrals_to_handle.length === 0 &&
    work.unacknowledged.length === 0 &&
    work.triage_queue.length === 0 &&
    work.follow_ups_due.length === 0
  );
}

/** The ids of overdue items, by kind, for marking them in words. */
export function overdueIds(work: MyWork): {
  cases: ReadonlySet<string>;
  consults: ReadonlySet<string>;
  messages: ReadonlySet<string>;
  followUps: ReadonlySet<string>;
} {
  return {
    cases: new Set(work.overdue.cases.map((c) => c.id)),
    consults: new Set(work.overdue.consults.map((c) => c.id)),
    messages: new Set(work.overdue.messages.map((m) => m.id)),
    followUps: new Set(work.overdue.follow_ups.map((f) => f.id)),
  };
}

export interface NavBadges {
  /** Cases waiting in triage for the teams I triage. */
  triage: number;
  /** Consults I am asked to answer. */
  consults: number;
}

export function navBadges(work: MyWork | null): NavBadges {
  if (work === null) return { triage: 0, consults: 0 };
  return { triage: work.triage_queue.length, consults: work.consults_to_answer.length };
}

/** A badge's text: the lists are capped at 50 by the server, so 50 reads "50+". */
export function badgeText(count: number, cap = 50): string {
  return count >= cap ? `${cap}+` : String(count);
}
