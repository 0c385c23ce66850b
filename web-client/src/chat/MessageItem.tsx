import { useMemo, type ReactNode } from 'react';
import type { MessageDto, MessagePriority, UserDto } from '../api/types';
import { AttachmentGallery } from '../attachments/Attachments';
import { refusalKey } from '../i18n/reasons';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeStore } from '../realtime/context';
import type { PendingMessage } from '../realtime/store';
import { formatDateTime, formatTime, joinNames } from '../ui/format';
import { Markdown } from '../ui/Markdown';
import { useUser } from '../users/cache';
import { PriorityLabel } from './Acknowledgement';
import { excerpt } from './Composer';
import { MessageBody } from './MessageBody';
import { MessageEditor } from './MessageEditor';
import { ReactionChips, ReactionPicker } from './Reactions';

interface ItemProps {
  conversationId: string;
  message: MessageDto;
  me: string | null;
  replied: MessageDto | undefined;
  readers: UserDto[];
  /** The message a link pointed at, highlighted for a moment. */
  focused: boolean;
  /** Being edited in place. */
  editing: boolean;
  /** Mine and still editable (canEdit). */
  editable: boolean;
  onReply: () => void;
  onRecall: () => void;
  onEdit: () => void;
  onEditDone: () => void;
  onHistory: () => void;
  onReact: (emoji: string, added: boolean) => void;
  /** Its acknowledgement controls (AckControls), when it asks for acknowledgements. */
  ack: ReactNode;
}

/** Class names for how urgent a message is: `message--urgent`, `message--emergency`. */
export function priorityClass(priority: MessagePriority | undefined): string {
  return priority === undefined || priority === 'normal' ? '' : ` message--${priority}`;
}

/**
 * One message written by a person: sender, time, urgency, the quote it replies
 * to, its text (folded when long; "(edited)" with the time once edited) and
 * files, its reactions, and the actions: reply, react, edit and recall (mine),
 * edit history (edited ones), acknowledgement, "read by" (mine).
 */
export function MessageItem(props: ItemProps) {
  const { conversationId, message: m, me, replied, readers, focused, editing, editable, ack } = props;
  const { t, locale } = useI18n();
  const sender = useUser(m.sender_id);
  const name = sender?.display_name ?? t('chat.someone');
  const mine = me !== null && m.sender_id === me;
  const urgent = !m.recalled ? priorityClass(m.priority) : '';
  const reactions = useMemo(() => m.reactions ?? [], [m.reactions]);
  const myEmoji = useMemo(() => new Set(reactions.filter((r) => me !== null && r.user_ids.includes(me)).map((r) => r.emoji)), [reactions, me]);
  return (
    <li className={`message${mine ? ' message--mine' : ''}${urgent}${focused ? ' message--focused' : ''}`} data-seq={m.seq}>
      <div className="message__meta">
        <strong className="message__sender">{name}</strong>
        <time dateTime={m.created_at} title={formatDateTime(m.created_at, locale)}>
          {formatTime(m.created_at, locale)}
        </time>
        {!m.recalled && <PriorityLabel priority={m.priority} />}
        {!m.recalled && m.edited_at !== undefined && (
          <span className="message__edited" title={t('chat.editedAt', { time: formatDateTime(m.edited_at, locale) })}>
            {t('chat.edited')}
          </span>
        )}
      </div>
      {m.reply_to_seq !== undefined && <ReplyQuote seq={m.reply_to_seq} replied={replied} />}
      {m.recalled ? (
        <p className="message__recalled">{mine ? t('chat.recalledMine') : t('chat.recalled', { name })}</p>
      ) : editing ? (
        <MessageEditor conversationId={conversationId} message={m} onDone={props.onEditDone} />
      ) : (
        <>
          {m.body !== '' && <MessageBody body={m.body} />}
          <AttachmentGallery attachments={m.attachments ?? []} />
        </>
      )}
      {!m.recalled && <ReactionChips reactions={reactions} me={me} onToggle={props.onReact} />}
      <div className="message__footer">
        {!m.recalled && (
          <span className="message__actions">
            <button type="button" className="link-button" onClick={props.onReply} aria-label={t('chat.replyTo', { name })}>
              {t('chat.reply')}
            </button>
            <ReactionPicker label={t('chat.reactTo', { name })} mineEmoji={myEmoji} onPick={props.onReact} />
            {editable && !editing && (
              <button type="button" className="link-button" onClick={props.onEdit}>
                {t('chat.edit')}
              </button>
            )}
            {m.edited_at !== undefined && (
              <button type="button" className="link-button" onClick={props.onHistory}>
                {t('chat.history')}
              </button>
            )}
            {mine && (
              <button type="button" className="link-button" onClick={props.onRecall}>
                {t('chat.recall')}
              </button>
            )}
          </span>
        )}
        {ack}
        {mine && readers.length > 0 && (
          <span className="read-by" title={joinNames(readers.map((u) => u.display_name), locale)} tabIndex={0}>
            {t('chat.readBy', { count: readers.length })}
            <span className="visually-hidden">: {joinNames(readers.map((u) => u.display_name), locale)}</span>
          </span>
        )}
      </div>
    </li>
  );
}

export function ReplyQuote({ seq, replied }: { seq: number; replied: MessageDto | undefined }) {
  const { t } = useI18n();
  const author = useUser(replied?.sender_id);
  if (replied === undefined) return <blockquote className="message__quote">{t('chat.replyToSeq', { seq })}</blockquote>;
  return (
    <blockquote className="message__quote">
      <strong>{author?.display_name ?? t('chat.someone')}</strong>: {replied.recalled ? t('chat.recalledShort') : excerpt(replied)}
    </blockquote>
  );
}

/** A message of mine not confirmed yet: sending, sent, or failed with why, Retry and Discard. */
export function PendingItem({ pending: p, replied }: { pending: PendingMessage; replied: MessageDto | undefined }) {
  const { t } = useI18n();
  const store = useRealtimeStore();
  const connected = useRealtime((s) => s.status === 'connected');
  return (
    <li className={`message message--mine message--${p.state}${priorityClass(p.priority)}`} data-pending={p.clientMsgId}>
      {(p.priority !== undefined || p.ackRequired === true) && (
        <div className="message__meta">
          <PriorityLabel priority={p.priority} />
          {p.ackRequired === true && <span className="msg-ack-tag">{t('chat.ackRequired')}</span>}
        </div>
      )}
      {p.replyToSeq !== undefined && <ReplyQuote seq={p.replyToSeq} replied={replied} />}
      {p.body !== '' && <Markdown source={p.body} className="message__body" />}
      <AttachmentGallery attachments={p.attachments ?? []} />
      <div className="message__footer" role="status">
        {p.state === 'sending' && <span className="muted">{connected ? t('chat.sending') : t('chat.queued')}</span>}
        {p.state === 'sent' && <span className="muted">{t('chat.sent')}</span>}
        {p.state === 'failed' && (
          <>
            <span className="message__failed">
              {t('chat.failed')}
              {/* Why, in the client's own words: the reason's text, or the code's when the server gave none. */}
              {' · '}
              {p.error === 'timeout' ? t('chat.failedTimeout') : t(refusalKey(p.error, p.reason))}
            </span>
            <button type="button" className="button button--small" onClick={() => store.retry(p.clientMsgId)}>
              {t('chat.retry')}
            </button>
            <button type="button" className="link-button" onClick={() => store.discard(p.clientMsgId)}>
              {t('chat.discard')}
            </button>
          </>
        )}
      </div>
    </li>
  );
}
