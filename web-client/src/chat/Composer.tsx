import { useEffect, useId, useLayoutEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import type { MessageDto, UserDto } from '../api/types';
import { formatFileSize, MAX_ATTACHMENTS, pastedFiles } from '../attachments/files';
import { canSend, isUploading, percent, type UploadItem } from '../attachments/queue';
import { uploadErrorMessage } from '../attachments/uploadErrors';
import type { Uploads } from '../attachments/useUploads';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeStore } from '../realtime/context';
import { knownUser } from '../users/cache';
import { MentionList } from './MentionList';
import { insertMention, matchMentions, mentionAt, mentionToken, type MentionCandidate, type MentionQuery } from './mentions';
import { usePinyin } from './pinyin';
import { useDraft } from './useDraft';
import { isMarked, MarksPanel, MarksSummary, MarksToggle, NO_MARKS, type Marks } from './SendMarks';

const MAX_CHARS = 16_000;

interface Props {
  conversationId: string;
  members: readonly UserDto[];
  me: string | null;
  replyTo: MessageDto | null;
  onCancelReply: () => void;
  onSent: () => void;
  /** The files being attached to this message (also fed by drops on the conversation). */
  uploads: Uploads;
  /** ArrowUp in an empty composer: edit my last message; true when there was one to edit. */
  onEditLast?: () => boolean;
}

/**
 * Enter sends, Shift+Enter starts a new line; `@` opens a member list (arrows,
 * Enter or Tab, Escape). The "!" beside Send marks the next message urgent or
 * emergency and/or asks for acknowledgements; the marks apply to one message.
 * The paperclip (or pasting an image, or dropping files on the conversation)
 * uploads files at once; Send waits for them and sends them with the message.
 * What is typed is kept as the conversation's draft (useDraft.ts) until sent;
 * ArrowUp in an empty composer edits my last message.
 */
export function Composer({ conversationId, members, me, replyTo, onCancelReply, onSent, uploads, onEditLast }: Props) {
  const { t } = useI18n();
  const fileRef = useRef<HTMLInputElement>(null);
  const store = useRealtimeStore();
  const [text, setText] = useDraft(conversationId, me);
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

  // Group mentions (@team, @oncall) where there is a team; names also match by pinyin once it is loaded.
  const groups = useRealtime((s) => (s.conversations[conversationId]?.info.kind ?? 'direct') !== 'direct');
  usePinyin();
  const matches = mention === null ? [] : matchMentions(members, mention.query, me, { groups });
  const open = matches.length > 0;

  function update(value: string, caret: number) {
    setText(value);
    setTooLong([...value].length > MAX_CHARS);
    const m = mentionAt(value, caret);
    setMention(m);
    setActive(0);
    if (value.trim() !== '') store.typing(conversationId);
  }

  // Where the caret goes once a picked mention is in the field. Applied as
  // soon as React has written the new text (a layout effect), never later:
  // a deferred move could land after the next keystroke and put the caret
  // back before what was just typed.
  const pendingCaret = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    const caret = pendingCaret.current;
    if (el === null || caret === null) return;
    pendingCaret.current = null;
    el.focus();
    el.setSelectionRange(caret, caret);
  }, [text]);

  function pick(candidate: MentionCandidate) {
    const el = ref.current;
    if (mention === null || el === null) return;
    const next = insertMention(text, el.selectionStart, mention, mentionToken(candidate));
    pendingCaret.current = next.caret;
    setText(next.text);
    setMention(null);
  }

  function send() {
    const body = text.trim();
    if ([...body].length > MAX_CHARS || !canSend(body, uploads.queue)) return;
    store.send(conversationId, body, replyTo?.seq, marks, uploads.take());
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
    if (e.key === 'ArrowUp' && text === '' && onEditLast?.() === true) {
      e.preventDefault();
      return;
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

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const files = pastedFiles(e.clipboardData);
    if (files.length === 0) return; // text: pasted as usual
    e.preventDefault();
    uploads.add(files);
  }

  const replyName = replyTo === null ? '' : (knownUser(replyTo.sender_id)?.display_name ?? '');
  const uploading = isUploading(uploads.queue);

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
      {uploads.queue.items.length > 0 && (
        <ul className="uploads" aria-label={t('attach.pending')}>
          {uploads.queue.items.map((item) => (
            <UploadChip key={item.key} item={item} onRemove={() => uploads.remove(item.key)} />
          ))}
        </ul>
      )}
      {uploads.queue.overflow > 0 && (
        <p role="alert" className="form-error composer__alert">
          {t('attach.tooMany', { max: MAX_ATTACHMENTS })}
        </p>
      )}
      <div className="composer__row">
        <button
          type="button"
          className="button composer__attach"
          aria-label={t('attach.button')}
          title={t('attach.button')}
          onClick={() => fileRef.current?.click()}
        >
          <PaperclipIcon />
        </button>
        <input
          ref={fileRef}
          type="file"
          multiple
          hidden
          tabIndex={-1}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = ''; // the same file can be chosen again
            uploads.add(files);
          }}
        />
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
          onPaste={onPaste}
          onBlur={() => setTimeout(() => setMention(null), 150)}
        />
        <MarksToggle marks={marks} open={marksOpen} panelId={marksId} onToggle={() => setMarksOpen(!marksOpen)} buttonRef={toggleRef} />
        <button type="submit" className="button button--send" disabled={!canSend(text, uploads.queue) || tooLong}>
          {t('chat.send')}
        </button>
      </div>
      <p id={hintId} className="composer__hint">
        {tooLong ? t('chat.tooLong', { max: MAX_CHARS }) : uploading ? t('attach.waitForUploads') : t('chat.hint')}
      </p>
      {open && <MentionList id={listId} matches={matches} active={active} onPick={pick} />}
    </form>
  );
}

/** The start of a message, for a reply's quote; a message of files only is named by its files. */
export function excerpt(m: MessageDto, max = 60): string {
  const flat = m.body.replace(/\s+/g, ' ').trim() || `📎 ${(m.attachments ?? []).map((a) => a.name).join(', ')}`;
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** One file being attached: name, size, progress, then "uploaded" or why it was refused; × cancels or removes it. */
function UploadChip({ item, onRemove }: { item: UploadItem; onRemove: () => void }) {
  const { t, locale } = useI18n();
  const { name, status } = item;
  const pct = percent(item);
  return (
    <li className={`upload upload--${status}`}>
      <div className="upload__row">
        <span className="upload__name" title={name}>
          {name}
        </span>
        <span className="upload__size">{formatFileSize(item.size, locale)}</span>
        {status === 'done' && (
          <span className="upload__done">
            <span aria-hidden="true">✓ </span>
            {t('attach.uploaded')}
          </span>
        )}
        <button
          type="button"
          className="upload__remove"
          aria-label={status === 'uploading' ? t('attach.cancel', { name }) : t('attach.remove', { name })}
          title={status === 'uploading' ? t('attach.cancel', { name }) : t('attach.remove', { name })}
          onClick={onRemove}
        >
          <span aria-hidden="true">×</span>
        </button>
      </div>
      {status === 'uploading' && (
        <div
          className="upload__bar"
          role="progressbar"
          aria-label={t('attach.uploading', { name })}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          aria-valuetext={`${pct}%`}
        >
          <span className="upload__fill" style={{ width: `${pct}%` }} />
        </div>
      )}
      {status === 'failed' && (
        <p role="alert" className="upload__error">
          {uploadErrorMessage(t, locale, item.error, name)}
        </p>
      )}
    </li>
  );
}

function PaperclipIcon() {
  return (
    <svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" />
    </svg>
  );
}
