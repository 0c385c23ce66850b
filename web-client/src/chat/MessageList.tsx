import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ConversationMemberDto, MessageDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeStore } from '../realtime/context';
import { hasOlder } from '../realtime/store';
import { rest } from '../session';
import { useUsersVersion } from '../users/cache';
import { AckControls, useMyAcks } from './Acknowledgement';
import { canEdit } from './MessageEditor';
import { MessageHistoryDialog } from './MessageHistoryDialog';
import { MessageItem, PendingItem } from './MessageItem';
import { useReactionToggle } from './Reactions';
import { loadDownTo } from './jump';
import { dividerSeq, firstUnreadSeq, newMessagesBelow } from './readingPosition';
import { SystemEntry } from './SystemEntry';

const PAGE = 50;
/** How long the message a link points at stays highlighted. */
const HIGHLIGHT_MS = 3_000;
/** Closer than this to the end counts as "at the bottom". */
const NEAR_BOTTOM_PX = 48;

interface Props {
  conversationId: string;
  members: readonly ConversationMemberDto[];
  /** A message to show (a link, a search result): loaded with some context, scrolled to and highlighted for a moment. */
  focusSeq: number | undefined;
  /** The message being edited in place, if any. */
  editingSeq: number | null;
  onEdit: (seq: number | null) => void;
  onReply: (m: MessageDto) => void;
  onError: (error: unknown) => void;
}

/**
 * The messages of a conversation: history with scroll-back, live messages,
 * timeline entries and pending sends, in seq order. Opening it with unread
 * messages scrolls to the first of them, under an "Unread messages" divider;
 * a message a link points at is loaded (with what precedes it) and scrolled
 * to instead. It stays pinned to the bottom while the reader is there; scrolled
 * up, new messages from others show as a "New messages ↓" pill that takes the
 * reader down. Reaching the bottom marks the conversation read.
 */
export function MessageList({ conversationId, members, focusSeq, editingSeq, onEdit, onReply, onError }: Props) {
  const { t } = useI18n();
  const store = useRealtimeStore();
  const conv = useRealtime((s) => s.conversations[conversationId]);
  const me = useRealtime((s) => s.userId);
  const epoch = useRealtime((s) => s.epoch);
  const connected = useRealtime((s) => s.status === 'connected');
  const listRef = useRef<HTMLOListElement>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [historySeq, setHistorySeq] = useState<number | null>(null);
  const react = useReactionToggle(conversationId, onError);

  // Where reading starts: a linked message, else the first unread one (fixed when the conversation opens), else the bottom.
  const [firstUnread] = useState(() => firstUnreadSeq(store.getState().conversations[conversationId]));
  const target = focusSeq ?? firstUnread;
  const atBottom = useRef(target === undefined);
  const [pinned, setPinned] = useState(atBottom.current);
  /** The newest seq the reader has seen at the bottom: what is newer counts for the pill. */
  const [seenSeq, setSeenSeq] = useState(() => store.getState().conversations[conversationId]?.cursor ?? 0);
  const [highlight, setHighlight] = useState<number | undefined>(undefined);

  const messages = useMemo(() => conv?.messages ?? [], [conv?.messages]);
  const pending = conv?.pending ?? [];
  const firstSeq = messages[0]?.seq;
  const lastSeq = messages[messages.length - 1]?.seq;

  // The newest page on open, and again after each reconnect (picks up recalls and edits that sync does not replay).
  const exists = conv !== undefined;
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
        if (live) onError(failure);
      },
    );
    return () => {
      live = false;
    };
  }, [conversationId, exists, epoch, store, onError]);

  const loadOlder = useCallback(async () => {
    const c = store.getState().conversations[conversationId];
    if (c === undefined || !hasOlder(c) || loadingOlder) return;
    const before = c.messages[0]?.seq ?? c.cursor + 1;
    setLoadingOlder(true);
    try {
      const page = await rest.history(conversationId, { before_seq: before, limit: PAGE });
      store.mergeHistory(conversationId, page.items);
    } catch (failure) {
      onError(failure);
    } finally {
      setLoadingOlder(false);
    }
  }, [conversationId, loadingOlder, store, onError]);

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

  /** Reads whether the list is at its end now; at the end, what is there counts as seen and read. */
  const measure = useCallback(() => {
    const el = listRef.current;
    if (el === null) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    setPinned(atBottom.current);
    if (atBottom.current) {
      const newest = store.getState().conversations[conversationId]?.cursor ?? 0;
      setSeenSeq((s) => Math.max(s, newest));
      markRead();
    }
  }, [conversationId, markRead, store]);

  // Pinned to the bottom for new messages and for my own sends; the reading position kept when older ones are prepended.
  const prev = useRef<{ first: number | undefined; height: number; top: number; pending: number }>({ first: undefined, height: 0, top: 0, pending: pending.length });
  useLayoutEffect(() => {
    const el = listRef.current;
    if (el === null) return;
    const before = prev.current;
    if (pending.length > before.pending) {
      atBottom.current = true; // I just sent something: show it
      setPinned(true);
    }
    if (before.first !== undefined && firstSeq !== undefined && firstSeq < before.first) {
      el.scrollTop = el.scrollHeight - before.height + before.top;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
      if (lastSeq !== undefined) setSeenSeq((s) => Math.max(s, lastSeq));
    }
    prev.current = { first: firstSeq, height: el.scrollHeight, top: el.scrollTop, pending: pending.length };
  }, [firstSeq, lastSeq, pending.length]);

  // The starting point (a linked message or the first unread): scrolled to once loaded; older pages are loaded until it is.
  const reached = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (target === undefined || reached.current === target) return;
    const list = listRef.current;
    const linked = target === focusSeq;
    const el = list?.querySelector<HTMLElement>(linked ? `.message[data-seq="${target}"]` : '.messages__unread');
    if (el !== null && el !== undefined) {
      reached.current = target;
      atBottom.current = false;
      scrollWithin(list!, el, linked ? 'center' : 'start');
      if (linked) setHighlight(target);
      measure();
      return;
    }
    const c = store.getState().conversations[conversationId];
    const oldest = c?.messages[0]?.seq;
    // Everything from a little before it up to what is loaded, in one go (jump.ts), so the list stays contiguous.
    if (c !== undefined && oldest !== undefined && target < oldest && hasOlder(c)) loadDownTo(store, conversationId, target).catch(onError);
  }, [target, focusSeq, firstSeq, lastSeq, conversationId, measure, store, onError]);

  useEffect(() => {
    if (highlight === undefined) return;
    const timer = setTimeout(() => setHighlight(undefined), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlight]);

  // The message being edited is brought into view (ArrowUp may pick one scrolled away).
  useEffect(() => {
    if (editingSeq === null) return;
    listRef.current?.querySelector<HTMLElement>(`.message[data-seq="${editingSeq}"]`)?.scrollIntoView?.({ block: 'nearest' });
  }, [editingSeq]);

  function onScroll() {
    const el = listRef.current;
    if (el === null) return;
    measure();
    prev.current = { ...prev.current, first: firstSeq, height: el.scrollHeight, top: el.scrollTop };
    if (el.scrollTop < 80) void loadOlder();
  }

  function toBottom() {
    const el = listRef.current;
    if (el === null) return;
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    measure();
  }

  useMyAcks(conversationId, messages, me);
  const bySeq = useMemo(() => new Map(messages.map((m) => [m.seq, m])), [messages]);
  useUsersVersion(useMemo(() => [...new Set(messages.map((m) => m.sender_id))], [messages]));
  if (conv === undefined) return null;
  const readBy = conv.readBy;
  const divider = dividerSeq(messages, firstUnread);
  const fresh = pinned ? 0 : newMessagesBelow(messages, seenSeq, me);

  async function recall(m: MessageDto) {
    try {
      await rest.recall(conversationId, m.seq);
      store.applyRecall(conversationId, m.seq);
    } catch (failure) {
      onError(failure);
    }
  }

  return (
    <div className="messages-frame">
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
          <MessageRow key={m.seq} divider={m.seq === divider}>
            {m.kind === 'system' ? (
              <SystemEntry message={m} />
            ) : (
              <MessageItem
                conversationId={conversationId}
                message={m}
                me={me}
                replied={m.reply_to_seq === undefined ? undefined : bySeq.get(m.reply_to_seq)}
                readers={m.sender_id === me ? members.filter((x) => x.user.id !== me && (readBy[x.user.id] ?? x.last_read_seq) >= m.seq).map((x) => x.user) : []}
                focused={m.seq === highlight}
                editing={m.seq === editingSeq}
                editable={canEdit(m, me)}
                onReply={() => onReply(m)}
                onRecall={() => void recall(m)}
                onEdit={() => onEdit(m.seq)}
                onEditDone={() => onEdit(null)}
                onHistory={() => setHistorySeq(m.seq)}
                onReact={(emoji, added) => react(m.seq, emoji, added)}
                ack={<AckControls conversationId={conversationId} message={m} mine={m.sender_id === me} members={members} onError={onError} />}
              />
            )}
          </MessageRow>
        ))}
        {pending.map((p) => (
          <PendingItem key={p.clientMsgId} pending={p} replied={p.replyToSeq === undefined ? undefined : bySeq.get(p.replyToSeq)} />
        ))}
      </ol>
      {fresh > 0 && (
        <button type="button" className="new-messages" onClick={toBottom}>
          {fresh === 1 ? t('chat.newMessage') : t('chat.newMessages', { count: fresh })}
        </button>
      )}
      {historySeq !== null && <MessageHistoryDialog conversationId={conversationId} seq={historySeq} onClose={() => setHistorySeq(null)} />}
    </div>
  );
}

/** A message, with the "Unread messages" divider above it when reading starts there. */
function MessageRow({ divider, children }: { divider: boolean; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <>
      {divider && (
        <li className="messages__unread" role="separator" aria-label={t('chat.unreadDivider')}>
          <span>{t('chat.unreadDivider')}</span>
        </li>
      )}
      {children}
    </>
  );
}

/**
 * Scrolls the list (only the list: a conversation embedded in the case page
 * must not move the page) so `el` is at its top, or in its middle.
 */
function scrollWithin(list: HTMLElement, el: HTMLElement, block: 'start' | 'center'): void {
  const box = list.getBoundingClientRect();
  const target = el.getBoundingClientRect();
  const delta = block === 'start' ? target.top - box.top - 8 : target.top + target.height / 2 - (box.top + list.clientHeight / 2);
  list.scrollTop += delta;
}
