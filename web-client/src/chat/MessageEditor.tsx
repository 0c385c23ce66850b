import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { MessageDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeStore } from '../realtime/context';
import { rest } from '../session';
import { ErrorText } from '../ui/common';

/** The longest text a message may have (the same limit as a send). */
export const MAX_MESSAGE_CHARS = 16_000;

/** How long after sending a message its sender may edit it (the server's default MESSAGE_EDIT_WINDOW_SECS). */
export const EDIT_WINDOW_MS = 24 * 3600_000;

/** Whether I may still edit a message: mine, written by a person, not recalled, within the edit window. */
export function canEdit(m: MessageDto, me: string | null, now = Date.now()): boolean {
  return me !== null && m.sender_id === me && m.kind !== 'system' && !m.recalled && now - Date.parse(m.created_at) < EDIT_WINDOW_MS;
}

/**
 * Edits a message in place: its text in a box, Save and Cancel; Enter saves
 * (Shift+Enter is a new line), Escape cancels. Saved with PUT …/messages/{seq};
 * a refusal is shown in words and the text kept, so nothing typed is lost.
 */
export function MessageEditor({ conversationId, message, onDone }: { conversationId: string; message: MessageDto; onDone: () => void }) {
  const { t } = useI18n();
  const store = useRealtimeStore();
  const [text, setText] = useState(message.body);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const ref = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();

  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const body = text.trim();
  const tooLong = [...body].length > MAX_MESSAGE_CHARS;

  async function save() {
    if (saving) return;
    if (body === message.body.trim()) return onDone();
    if (body === '' || tooLong) return;
    setSaving(true);
    try {
      store.applyEdit(await rest.editMessage(conversationId, message.seq, body));
      onDone();
    } catch (failure) {
      setError(failure);
      setSaving(false);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.nativeEvent.isComposing || e.keyCode === 229) return; // an IME confirms its candidate with Enter
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onDone();
    } else if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void save();
    }
  }

  return (
    <form
      className="message-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <textarea
        ref={ref}
        className="message-editor__input"
        aria-label={t('chat.editLabel')}
        aria-describedby={hintId}
        aria-invalid={tooLong || body === ''}
        rows={Math.min(10, Math.max(2, text.split('\n').length))}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        disabled={saving}
      />
      <div className="message-editor__row">
        <span id={hintId} className="muted message-editor__hint">
          {tooLong ? t('chat.tooLong', { max: MAX_MESSAGE_CHARS }) : t('chat.editHint')}
        </span>
        <button type="button" className="button button--small" onClick={onDone} disabled={saving}>
          {t('chat.editCancel')}
        </button>
        <button type="submit" className="button button--small button--primary" disabled={saving || body === '' || tooLong}>
          {t('chat.editSave')}
        </button>
      </div>
      {error !== undefined && <ErrorText error={error} />}
    </form>
  );
}
