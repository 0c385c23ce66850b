// Deadlines (SPEC §7): the time left until an item's `due_at`, or how long it
// is overdue, in the reader's language ("剩余 8 分钟" / "8 min left",
// "已超时 12 分钟" / "Overdue by 12 min"), and when that text next changes, so
// a screen can re-render exactly then instead of polling.
//
// Time left is rounded up (the last minute reads "1 min left", never "0 min");
// time overdue is rounded down (the first minute reads just "Overdue").

import type { Translate } from '../i18n';

const MINUTE = 60_000;

export interface DeadlineState {
  /** The due time has passed (at the due time itself it has). */
  overdue: boolean;
  /** Whole minutes left (rounded up) or overdue (rounded down). */
  minutes: number;
  /** Milliseconds until `minutes` or `overdue` changes. */
  nextChangeMs: number;
}

/** Where `now` stands against `dueAt`; null when `dueAt` is not a time. */
export function deadlineState(dueAt: string, now: number): DeadlineState | null {
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return null;
  const left = due - now;
  if (left > 0) {
    const rest = left % MINUTE;
    return { overdue: false, minutes: Math.ceil(left / MINUTE), nextChangeMs: rest === 0 ? MINUTE : rest };
  }
  const late = now - due; // not -left, which is -0 at the due time itself
  return { overdue: true, minutes: Math.floor(late / MINUTE), nextChangeMs: MINUTE - (late % MINUTE) };
}

/** "8 分钟", "2 小时 5 分钟", "3 天 2 小时" / "8 min", "2 h 5 min", "3 d 2 h". */
export function formatMinutes(minutes: number, t: Translate): string {
  if (minutes < 60) return t('deadline.minutes', { minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest === 0 ? t('deadline.hours', { hours }) : t('deadline.hoursMinutes', { hours, minutes: rest });
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours === 0 ? t('deadline.days', { days }) : t('deadline.daysHours', { days, hours: restHours });
}

/** "剩余 8 分钟" / "8 min left", "已超时 12 分钟" / "Overdue by 12 min", "已超时" / "Overdue". */
export function formatDeadline(state: DeadlineState, t: Translate): string {
  if (!state.overdue) return t('deadline.left', { duration: formatMinutes(state.minutes, t) });
  if (state.minutes === 0) return t('deadline.overdue');
  return t('deadline.overdueBy', { duration: formatMinutes(state.minutes, t) });
}
