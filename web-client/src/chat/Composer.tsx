import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { MessageDto, UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeStore } from '../realtime/context';
import { knownUser } from '../users/cache';
import { insertMention, matchMembers, mentionAt, type MentionQuery } from './mentions';
import { isMarked, MarksPanel, MarksSummary, MarksToggle, NO_MARKS, type Marks } from './SendMarks';

const MAX_CHARS = 16_000;

interface Props {
  conversationId: string;
  members: readonly UserDto[];
  me: string | null;
  replyTo: MessageDto | null;
  onCancelReply: () => void;
  onSent: () => void;
}

/**
 * Enter sends, Shift+Enter starts a new line; `@` opens a member list (arrows,
 * Enter or Tab, Escape). The "!" beside Send marks the next message urgent or
 * emergency and/or asks for acknowledgements; the marks apply to one message.
 */
export function Composer({ conversationId, members, me, replyTo, onCancelReply, onSent }: Props) {
  const { t } = useI18n();
  const store = useRealtimeStore();
  const [text, setText] = useState('');
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  const [tooLong, setTooLong] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const inputId = useId();
  const listId = useId();
  const hintId = useId();
  const marksId = useId();
  const [marks, setMarks] = useState<Marks>(NO_MARKS);
  const [marksOpen, setMarksOpen] = useState(false);
  const toggleRef = useRef<HTMLButtonElement>(null);

  // Marks belong to the message being written here, never to another conversation's.
  useEffect(() => {
    setMarks(NO_MARKS);
    setMarksOpen(false);
  }, [conversationId]);

  const matches = mention === null ? [] : matchMembers(members, mention.query, me);
  const open = matches.length > 0;

  function update(value: string, caret: number) {
    setText(value);
    setTooLong([...value].length > MAX_CHARS);
    const m = mentionAt(value, caret);
    setMention(m);
    setActive(0);
    if (value.trim() !== '') store.typing(conversationId);
  }

  function pick(user: UserDto) {
    const el = ref.current;
    if (mention === null || el === null) return;
    const next = insertMention(text, el.selectionStart, mention, user.username);
    setText(next.text);
    setMention(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  }

  function send() {
    const body = text.trim();
    if (body === '' || [...body].length > MAX_CHARS) return;
    store.send(conversationId, body, replyTo?.seq, marks);
    setMarks(NO_MARKS);
    setMarksOpen(false);
    setText('');
    setMention(null);
    onCancelReply();
    onSent();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // An IME (pinyin) uses Enter to confirm its candidate: never send then.
    if (e.nativeEvent.isComposing || e.keyCode === 229) return;
    if (open) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const delta = e.key === 'ArrowDown' ? 1 : -1;
        setActive((i) => (i + delta + matches.length) % matches.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        const chosen = matches[active];
        if (chosen !== undefined) pick(chosen);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setMention(null);
        return;
      }
    }
    if (e.key === 'Escape' && replyTo !== null) {
      onCancelReply();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  }

  const replyName = replyTo === null ? '' : (knownUser(replyTo.sender_id)?.display_name ?? '');

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {replyTo !== null && (
        <div className="composer__reply">
          <span>
            {t('chat.replyingTo', { name: replyName })} <q>{excerpt(replyTo)}</q>
          </span>
          <button type="button" className="button button--small" onClick={onCancelReply}>
            {t('chat.cancelReply')}
          </button>
        </div>
      )}
      {marksOpen && (
        <MarksPanel
          id={marksId}
          marks={marks}
          onChange={setMarks}
          onClose={() => {
            setMarksOpen(false);
            toggleRef.current?.focus();
          }}
        />
      )}
      {!marksOpen && isMarked(marks) && <MarksSummary marks={marks} onClear={() => setMarks(NO_MARKS)} />}
      <div className="composer__row">
        <label htmlFor={inputId} className="visually-hidden">
          {t('chat.messageLabel')}
        </label>
        <textarea
          id={inputId}
          ref={ref}
          className="composer__input"
          rows={2}
          value={text}
          placeholder={t('chat.placeholder')}
          aria-describedby={hintId}
          aria-autocomplete="list"
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          aria-invalid={tooLong}
          onChange={(e) => update(e.target.value, e.target.selectionStart)}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setMention(null), 150)}
        />
        <MarksToggle marks={marks} open={marksOpen} panelId={marksId} onToggle={() => setMarksOpen(!marksOpen)} buttonRef={toggleRef} />
        <button type="submit" className="button button--send" disabled={text.trim() === '' || tooLong}>
          {t('chat.send')}
        </button>
      </div>
      <p id={hintId} className="composer__hint">
        {tooLong ? t('chat.tooLong', { max: MAX_CHARS }) : t('chat.hint')}
      </p>
      {open && (
        <ul id={listId} role="listbox" className="mention-list" aria-label={t('chat.mentionList')}>
          {matches.map((u, i) => (
            <li
              key={u.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'mention-list__item mention-list__item--active' : 'mention-list__item'}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(u);
              }}
            >
              <strong>{u.display_name}</strong> <span className="muted">@{u.username}</span>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

export function excerpt(m: MessageDto, max = 60): string {
  const flat = m.body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
