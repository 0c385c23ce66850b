// How the next message goes out (SPEC §7): 普通/紧急/危急 and whether each
// recipient must acknowledge it. A small toggle beside Send opens the choices
// inline above the input (no floating menu, so it fits a 360 px phone); while
// anything is set, a line above the input says so until the message is sent.

import { useEffect, useId, useRef, type KeyboardEvent, type Ref } from 'react';
import type { MessagePriority } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { PriorityLabel } from './Acknowledgement';

export interface Marks {
  priority: MessagePriority;
  ackRequired: boolean;
}

export const NO_MARKS: Marks = { priority: 'normal', ackRequired: false };

const PRIORITIES: readonly MessagePriority[] = ['normal', 'urgent', 'emergency'];

export function isMarked(marks: Marks): boolean {
  return marks.priority !== 'normal' || marks.ackRequired;
}

/** The toggle beside Send: a warning sign, coloured (and named) by what is set. */
export function MarksToggle({
  marks,
  open,
  panelId,
  onToggle,
  buttonRef,
}: {
  marks: Marks;
  open: boolean;
  panelId: string;
  onToggle: () => void;
  buttonRef: Ref<HTMLButtonElement>;
}) {
  const { t } = useI18n();
  return (
    <button
      ref={buttonRef}
      type="button"
      className={`button composer__marks-toggle composer__marks-toggle--${marks.priority}${marks.ackRequired ? ' composer__marks-toggle--ack' : ''}`}
      aria-expanded={open}
      aria-controls={panelId}
      aria-label={t('chat.marks.open')}
      title={t('chat.marks.open')}
      onClick={onToggle}
    >
      <span aria-hidden="true">!</span>
    </button>
  );
}

/** The choices, shown inline above the input while open. Escape or Done closes them. */
export function MarksPanel({ id, marks, onChange, onClose }: { id: string; marks: Marks; onChange: (marks: Marks) => void; onClose: () => void }) {
  const { t } = useI18n();
  const legendId = useId();
  const hintId = useId();
  const name = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLInputElement>('input[type=radio]:checked')?.focus();
  }, []);
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  }
  return (
    <div id={id} ref={ref} className="composer__marks" role="group" aria-label={t('chat.marks.open')} onKeyDown={onKeyDown}>
      <fieldset className="marks__priority">
        <legend id={legendId}>{t('chat.marks.legend')}</legend>
        {PRIORITIES.map((p) => (
          <label key={p} className={`marks__option marks__option--${p}`}>
            <input type="radio" name={name} value={p} checked={marks.priority === p} onChange={() => onChange({ ...marks, priority: p })} />
            {p === 'normal' ? t('chat.priority.normal') : t(`priority.${p}`)}
          </label>
        ))}
      </fieldset>
      <label className="marks__ack">
        <input type="checkbox" checked={marks.ackRequired} aria-describedby={hintId} onChange={(e) => onChange({ ...marks, ackRequired: e.target.checked })} />
        {t('chat.ackRequired')}
      </label>
      <p id={hintId} className="marks__hint">
        {t('chat.ackRequiredHint')}
      </p>
      <button type="button" className="button button--small" onClick={onClose}>
        {t('chat.marks.done')}
      </button>
    </div>
  );
}

/** "本条消息标记为：⚠ 危急 · 需要确认 [恢复普通]" while the panel is closed and something is set. */
export function MarksSummary({ marks, onClear }: { marks: Marks; onClear: () => void }) {
  const { t } = useI18n();
  return (
    <div className="composer__marks-summary" role="status">
      <span>{t('chat.marks.summary')}</span> <PriorityLabel priority={marks.priority} />
      {marks.ackRequired && <span className="msg-ack-tag">{t('chat.ackRequired')}</span>}
      <button type="button" className="link-button" onClick={onClear}>
        {t('chat.marks.clear')}
      </button>
    </div>
  );
}
