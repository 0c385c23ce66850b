// The time left until a due time, or how long it is overdue (SPEC §7), kept
// current: the component re-renders exactly when its text changes (deadline.ts
// says when), so an item turns overdue on screen the moment it does.

import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/useI18n';
import { deadlineState, formatDeadline, type DeadlineState } from './deadline';
import { formatDateTime } from './format';

/** Where `dueAt` stands now, re-evaluated whenever that changes; null without a due time. */
export function useDeadline(dueAt: string | undefined): DeadlineState | null {
  const [tick, setTick] = useState(0);
  const state = dueAt === undefined ? null : deadlineState(dueAt, Date.now());
  useEffect(() => {
    if (dueAt === undefined) return;
    const current = deadlineState(dueAt, Date.now());
    if (current === null) return;
    // A few ms late rather than early, so the text has really changed when it renders again.
    const timer = setTimeout(() => setTick((n) => n + 1), current.nextChangeMs + 5);
    return () => clearTimeout(timer);
  }, [dueAt, tick]);
  return state;
}

/**
 * "剩余 8 分钟" / "8 min left", or, once past, "已超时 12 分钟" / "Overdue by
 * 12 min" in a filled box with a warning sign: the words carry it, not only
 * the colour. The due time itself is in the title and for screen readers.
 */
export function DeadlineBadge({ dueAt }: { dueAt: string | undefined }) {
  const { t, locale } = useI18n();
  const state = useDeadline(dueAt);
  if (dueAt === undefined || state === null) return null;
  const due = t('deadline.dueAt', { time: formatDateTime(dueAt, locale) });
  return (
    <span className={state.overdue ? 'deadline deadline--overdue' : 'deadline'} data-overdue={state.overdue} title={due}>
      {state.overdue && (
        <span className="deadline__icon" aria-hidden="true">
          ⚠
        </span>
      )}
      <span className="deadline__text">{formatDeadline(state, t)}</span>
      <span className="visually-hidden"> ({due})</span>
    </span>
  );
}
