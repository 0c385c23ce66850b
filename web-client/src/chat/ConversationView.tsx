import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import type { ConversationMemberDto, MessageDto, MessagePriority, UserDto } from '../api/types';
import { AttachmentGallery } from '../attachments/Attachments';
import { dragHasFiles } from '../attachments/files';
import { useUploads } from '../attachments/useUploads';
import { refusalKey } from '../i18n/reasons';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeEvent, useRealtimeStore } from '../realtime/context';
import { hasOlder, typingUsers, type PendingMessage } from '../realtime/store';
import { href } from '../router';
import { rest } from '../session';
import { ErrorText, PresenceDot } from '../ui/common';
import { NotifyLevelMenu } from './NotifyLevelMenu';
import { formatDateTime, formatTime, joinNames } from '../ui/format';
import { Markdown } from '../ui/Markdown';
import { knownUser, rememberUsers, useUser, useUsersVersion } from '../users/cache';
import { AckControls, PriorityLabel, useMyAcks } from './Acknowledgement';
import { Composer, excerpt } from './Composer';

const PAGE = 50;

/**
 * One conversation: history with scroll-back, live messages, pending sends, typing, "read by", urgent messages
 * with their acknowledgements, and the composer.
 * `focusSeq` (a link to one message, e.g. from a notification) is scrolled into view and marked.
 */
export function ConversationView({ conversationId, embedded = false, focusSeq }: { conversationId: string; embedded?: boolean; focusSeq?: number | undefined }) {
  const { t, locale } = useI18n();
  const store = useRealtimeStore();
  const conv = useRealtime((s) => s.conversations[conversationId]);
  const me = useRealtime((s) => s.userId);
  const epoch = useRealtime((s) => s.epoch);
  const connected = useRealtime((s) => s.status === 'connected');
  const [members, setMembers] = useState<readonly ConversationMemberDto[]>([]);
  const [replyTo, setReplyTo] = useState<MessageDto | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const listRef = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);
  const exists = conv !== undefined;
  const uploads = useUploads(conversationId);
  // Files dragged over the conversation: counted per element entered, so moving over a child does not flicker.
  const [dragDepth, setDragDepth] = useState(0);
  const dropProps = {
    onDragEnter: (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer)) return;
      e.preventDefault();
      setDragDepth((n) => n + 1);
    },
    onDragOver: (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer)) return;
      setDragDepth((n) => Math.max(0, n - 1));
    },
    onDrop: (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer)) return;
      e.preventDefault();
      setDragDepth(0);
      uploads.add([...e.dataTransfer.files]);
    },
  };

  // Members and their read positions; again after a reconnect or a roster change.
  const [membersTick, setMembersTick] = useState(0);
  useEffect(() => {
    if (!exists) return;
    let live = true;
    rest.conversation(conversationId).then(
      (detail) => {
        if (!live) return;
        rememberUsers(detail.members.map((m) => m.user));
        setMembers(detail.members);
        store.setReadPositions(conversationId, detail.members);
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [conversationId, exists, epoch, membersTick, store]);
  useRealtimeEvent((e) => {
    if (e.type === 'roster_changed' && conv?.info.team_id === e.team_id) setMembersTick((n) => n + 1);
    if (e.type === 'consult_updated' && conv?.info.consult_id === e.consult.id) setMembersTick((n) => n + 1);
  });

  // The newest page on open, and again after each reconnect (picks up recalls that sync does not replay).
  useEffect(() => {
    if (!exists) return;
    const cursor = store.getState().conversations[conversationId]?.cursor ?? 0;
    if (cursor === 0) return;
    let live = true;
    rest.history(conversationId, { before_seq: cursor + 1, limit: PAGE }).then(
      (page) => {
        if (live) store.mergeHistory(conversationId, page.items);
      },
      (failure: unknown) => {
        if (live) setError(failure);
      },
    );
    return () => {
      live = false;
    };
  }, [conversationId, exists, epoch, store]);

  const loadOlder = useCallback(async () => {
    const c = store.getState().conversations[conversationId];
    if (c === undefined || !hasOlder(c) || loadingOlder) return;
    const before = c.messages[0]?.seq ?? c.cursor + 1;
    setLoadingOlder(true);
    try {
      const page = await rest.history(conversationId, { before_seq: before, limit: PAGE });
      store.mergeHistory(conversationId, page.items);
    } catch (failure) {
      setError(failure);
    } finally {
      setLoadingOlder(false);
    }
  }, [conversationId, loadingOlder, store]);

  // Keep the view pinned to the bottom for new messages; keep the reading position when older ones are prepended.
  const messages = conv?.messages ?? [];
  const pending = conv?.pending ?? [];
  const firstSeq = messages[0]?.seq;
  const lastSeq = messages[messages.length - 1]?.seq;
  const prev = useRef<{ first: number | undefined; height: number; top: number }>({ first: undefined, height: 0, top: 0 });
  useLayoutEffect(() => {
    const el = listRef.current;
    if (el === null) return;
    const before = prev.current;
    if (before.first !== undefined && firstSeq !== undefined && firstSeq < before.first) {
      el.scrollTop = el.scrollHeight - before.height + before.top;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    prev.current = { first: firstSeq, height: el.scrollHeight, top: el.scrollTop };
  }, [firstSeq, lastSeq, pending.length]);

  // The message a link points at: scrolled into view once it is loaded (older pages are loaded until it is).
  const focusedSeq = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (focusSeq === undefined || focusedSeq.current === focusSeq) return;
    const el = listRef.current?.querySelector<HTMLElement>(`.message[data-seq="${focusSeq}"]`);
    if (el !== null && el !== undefined) {
      focusedSeq.current = focusSeq;
      atBottom.current = false;
      el.scrollIntoView?.({ block: 'center' });
      return;
    }
    const c = store.getState().conversations[conversationId];
    const oldest = c?.messages[0]?.seq;
    if (c !== undefined && oldest !== undefined && focusSeq < oldest && hasOlder(c)) void loadOlder();
  }, [focusSeq, firstSeq, lastSeq, conversationId, loadOlder, store]);

  const markRead = useCallback(() => {
    const c = store.getState().conversations[conversationId];
    if (c === undefined || document.visibilityState !== 'visible' || !atBottom.current) return;
    store.markRead(conversationId, c.cursor);
  }, [conversationId, store]);
  useEffect(() => {
    markRead();
  }, [markRead, lastSeq, connected]);
  useEffect(() => {
    document.addEventListener('visibilitychange', markRead);
    return () => document.removeEventListener('visibilitychange', markRead);
  }, [markRead]);

  function onScroll() {
    const el = listRef.current;
    if (el === null) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    prev.current = { first: firstSeq, height: el.scrollHeight, top: el.scrollTop };
    if (atBottom.current) markRead();
    if (el.scrollTop < 80) void loadOlder();
  }

  useMyAcks(conversationId, messages, me);
  const users = useMemo(() => members.map((m) => m.user), [members]);
  const bySeq = useMemo(() => new Map(messages.map((m) => [m.seq, m])), [messages]);
  const typing = typingUsers(conv, Date.now());
  useUsersVersion(useMemo(() => [...new Set([...messages.map((m) => m.sender_id), ...typing])], [messages, typing]));

  if (conv === undefined) {
    return (
      <section className="conversation conversation--missing">
        <p>{t('chat.notFound')}</p>
      </section>
    );
  }
  const { info } = conv;
  const readBy = conv.readBy;

  async function recall(m: MessageDto) {
    try {
      await rest.recall(conversationId, m.seq);
      store.applyRecall(conversationId, m.seq);
    } catch (failure) {
      setError(failure);
    }
  }

  const headingId = `conv-heading-${conversationId}`;
  return (
    <section
      className={`${embedded ? 'conversation conversation--embedded' : 'conversation'}${dragDepth > 0 ? ' conversation--dropping' : ''}`}
      aria-labelledby={headingId}
      {...dropProps}
    >
      {dragDepth > 0 && (
        <div className="conversation__drop" aria-hidden="true">
          {t('attach.dropHere')}
        </div>
      )}
      <header className="conversation__header">
        {info.kind === 'direct' && <PeerPresence peerId={info.peer_id} />}
        <h1 id={headingId} tabIndex={-1} className={embedded ? 'conversation__title conversation__title--small' : 'conversation__title'}>
          {embedded ? t('chat.discussion') : info.title}
        </h1>
        <span className="muted conversation__kind">{t(`kind.${info.kind}`)}</span>
        {info.case_id !== undefined && !embedded && (
          <a className="button button--small" href={href({ name: 'case', caseId: info.case_id })}>
            {t('chat.openCase')}
          </a>
        )}
        {!embedded && <NotifyLevelMenu conversationId={conversationId} />}
        {members.length > 0 && (
          <span className="muted conversation__members" title={joinNames(members.map((m) => m.user.display_name), locale)}>
            {t('chat.memberCount', { count: members.length })}
          </span>
        )}
      </header>

      <ol className="messages" ref={listRef} onScroll={onScroll} aria-label={t('chat.messages')} aria-live="polite" aria-relevant="additions">
        {hasOlder(conv) && (
          <li className="messages__older">
            <button type="button" className="button button--small" onClick={() => void loadOlder()} disabled={loadingOlder}>
              {loadingOlder ? t('common.loading') : t('chat.loadOlder')}
            </button>
          </li>
        )}
        {!hasOlder(conv) && messages.length === 0 && pending.length === 0 && <li className="messages__empty muted">{t('chat.empty')}</li>}
        {messages.map((m) => (
          <MessageItem
            key={m.seq}
            message={m}
            mine={m.sender_id === me}
            replied={m.reply_to_seq === undefined ? undefined : bySeq.get(m.reply_to_seq)}
            readers={m.sender_id === me ? members.filter((x) => x.user.id !== me && (readBy[x.user.id] ?? x.last_read_seq) >= m.seq).map((x) => x.user) : []}
            onReply={() => setReplyTo(m)}
            onRecall={() => void recall(m)}
            locale={locale}
            focused={m.seq === focusSeq}
            ack={<AckControls conversationId={conversationId} message={m} mine={m.sender_id === me} members={members} onError={setError} />}
          />
        ))}
        {pending.map((p) => (
          <PendingItem key={p.clientMsgId} pending={p} replied={p.replyToSeq === undefined ? undefined : bySeq.get(p.replyToSeq)} />
        ))}
      </ol>

      <div className="typing" aria-live="polite">
        {typing.length > 0 &&
          t(typing.length === 1 ? 'chat.typingOne' : 'chat.typingMany', {
            names: joinNames(typing.map((id) => knownUser(id)?.display_name ?? '…'), locale),
          })}
      </div>
      {error !== undefined && <ErrorText error={error} />}
      <Composer
        conversationId={conversationId}
        members={users}
        me={me}
        replyTo={replyTo}
        onCancelReply={() => setReplyTo(null)}
        onSent={() => {
          atBottom.current = true;
        }}
        uploads={uploads}
      />
    </section>
  );
}

function PeerPresence({ peerId }: { peerId: string | undefined }) {
  const status = useRealtime((s) => (peerId === undefined ? undefined : s.presence[peerId]));
  const duty = useRealtime((s) => (peerId === undefined ? undefined : s.duty[peerId]));
  return <PresenceDot status={status} duty={duty} />;
}

interface ItemProps {
  message: MessageDto;
  mine: boolean;
  replied: MessageDto | undefined;
  readers: UserDto[];
  onReply: () => void;
  onRecall: () => void;
  locale: 'en' | 'zh-CN';
  /** The message a link pointed at. */
  focused: boolean;
  /** Its acknowledgement controls (AckControls), when it asks for acknowledgements. */
  ack: ReactNode;
}

/** Class names for how urgent a message is: `message--urgent`, `message--emergency`. */
function priorityClass(priority: MessagePriority | undefined): string {
  return priority === undefined || priority === 'normal' ? '' : ` message--${priority}`;
}

function MessageItem({ message: m, mine, replied, readers, onReply, onRecall, locale, focused, ack }: ItemProps) {
  const { t } = useI18n();
  const sender = useUser(m.sender_id);
  const name = sender?.display_name ?? t('chat.someone');
  const urgent = !m.recalled ? priorityClass(m.priority) : '';
  return (
    <li className={`message${mine ? ' message--mine' : ''}${urgent}${focused ? ' message--focused' : ''}`} data-seq={m.seq}>
      <div className="message__meta">
        <strong className="message__sender">{name}</strong>
        <time dateTime={m.created_at} title={formatDateTime(m.created_at, locale)}>
          {formatTime(m.created_at, locale)}
        </time>
        {!m.recalled && <PriorityLabel priority={m.priority} />}
      </div>
      {m.reply_to_seq !== undefined && <ReplyQuote seq={m.reply_to_seq} replied={replied} />}
      {m.recalled ? (
        <p className="message__recalled">{mine ? t('chat.recalledMine') : t('chat.recalled', { name })}</p>
      ) : (
        <>
          {m.body !== '' && <Markdown source={m.body} className="message__body" />}
          <AttachmentGallery attachments={m.attachments ?? []} />
        </>
      )}
      <div className="message__footer">
        {!m.recalled && (
          <button type="button" className="link-button" onClick={onReply} aria-label={t('chat.replyTo', { name })}>
            {t('chat.reply')}
          </button>
        )}
        {mine && !m.recalled && (
          <button type="button" className="link-button" onClick={onRecall}>
            {t('chat.recall')}
          </button>
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

function ReplyQuote({ seq, replied }: { seq: number; replied: MessageDto | undefined }) {
  const { t } = useI18n();
  const author = useUser(replied?.sender_id);
  if (replied === undefined) return <blockquote className="message__quote">{t('chat.replyToSeq', { seq })}</blockquote>;
  return (
    <blockquote className="message__quote">
      <strong>{author?.display_name ?? t('chat.someone')}</strong>: {replied.recalled ? t('chat.recalledShort') : excerpt(replied)}
    </blockquote>
  );
}

function PendingItem({ pending: p, replied }: { pending: PendingMessage; replied: MessageDto | undefined }) {
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
