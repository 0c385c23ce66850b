// The per-conversation state of the realtime store as a pure reducer:
// `(state, action) => state`, with no socket, no timers and no globals, so the
// delivery rules can be tested by feeding it actions (conversationReducer.test.ts).
// store.ts owns the connection and the clock and dispatches what it receives.
//
// The rules:
// - messages are kept ascending by `seq`, each seq once. The cursor is the
//   highest seq with no gap below it in the live tail; a live or synced message
//   that skips ahead is held back (`held`) until the gap is filled, so the list
//   never shows a hole. A live message at or below the cursor only refreshes a
//   copy we have; REST history (`history`) may extend the list downwards;
// - a recall tombstones the message, also one that is held back, and one that
//   has not arrived yet (`earlyRecalls`, applied when it comes);
// - optimistic sends (`pending`, per `client_msg_id`): `sent` once acked, gone
//   once their message is in the list (matched by client_msg_id or by the acked
//   seq), `failed` on a refusal, `sending` again on a retry;
// - unread = last_seq − my read position; my own messages and acks move my
//   read position, and every read position only ever moves forward;
// - typing entries expire at the time given by the caller (the reducer has no
//   clock) and are cleared by a message from the typist;
// - acknowledgements of `ack_required` messages (SPEC §7): `message_acked`
//   raises the message's `ack_count` (never lowers it: acknowledgements are
//   never taken back, so a stale copy from REST keeps the higher count), moves
//   the user from `pending` to `acks` in the list loaded from
//   GET …/acks, and remembers my own acknowledgement (`ackedByMe`), which
//   is what decides whether I am still asked to acknowledge.
// - edits (SPEC §8): `edited` (the `message_edited` event, or my own edit as
//   the server answered it) replaces the text, mentions and `edited_at` of the
//   message wherever this tab has it (the list, a copy held back, the
//   sidebar's last message); a recalled or system message is never edited,
//   and an edit older than the one shown is ignored, so events may come twice
//   or out of order. A REST copy older than the edit shown keeps the newer text;
// - reactions (SPEC §8): `reaction` adds or takes back one user's emoji. It
//   is a set operation, so the same event twice changes nothing, and my own
//   toggle applied at once (optimistically) makes the server's echo a no-op;
//   an entry whose last user is gone disappears.
//
// A no-op returns the very same state object, and a change that is not visible
// (a message held back) keeps the same `conversations` object, so the store
// publishes only what changed.

import type { AttachmentDto } from '../generated/AttachmentDto';
import type { ConversationDto } from '../generated/ConversationDto';
import type { ConversationMemberDto } from '../generated/ConversationMemberDto';
import type { ErrorReason } from '../generated/ErrorReason';
import type { MessageAcks } from '../generated/MessageAcks';
import type { MessageDto } from '../generated/MessageDto';
import type { MessagePriority } from '../generated/MessagePriority';
import type { NotifyLevel } from '../generated/NotifyLevel';

/** `sending`: not acked yet (queued while offline); `sent`: acked, its message not here yet; `failed`: needs a retry. */
export type PendingState = 'sending' | 'sent' | 'failed';

export interface PendingMessage {
  clientMsgId: string;
  conversationId: string;
  body: string;
  replyToSeq?: number;
  /** How urgent the sender marked it; absent means `normal`. */
  priority?: MessagePriority;
  /** Whether each recipient must acknowledge it; absent means no. */
  ackRequired?: boolean;
  /** Files it carries (uploaded already; sent by id), in the order chosen. */
  attachments?: readonly AttachmentDto[];
  state: PendingState;
  /** Set by the ack. */
  seq?: number;
  /** The server's error code when it refused the send (`timeout` when no ack came). */
  error?: string;
  /** The server's reason word when it refused the send. */
  reason?: ErrorReason;
  /** When the user pressed send (ms since epoch), to order several pending ones. */
  queuedAt: number;
}

export interface ConversationState {
  info: ConversationDto;
  /** Messages with seq ≤ cursor that this tab has, ascending by seq, each seq once. */
  messages: readonly MessageDto[];
  /** Highest seq received with no gap below it in the live tail. */
  cursor: number;
  pending: readonly PendingMessage[];
  /** user id → when their typing indicator expires (ms since epoch). */
  typing: Readonly<Record<string, number>>;
  /** user id → highest seq they have read (from GET /conversations/{id} and `read` events). */
  readBy: Readonly<Record<string, number>>;
  /** seq → who has and who has not acknowledged it, once loaded (GET …/acks), kept current by `message_acked`. */
  acks: Readonly<Record<number, MessageAcks>>;
  /** seq → when I acknowledged it, for the messages I know I have acknowledged. */
  ackedByMe: Readonly<Record<number, string>>;
}

export interface ConversationsState {
  /** The signed-in user (from `ready`): their messages and reads move their own read position. */
  me: string | null;
  /** What the screens see. */
  conversations: Readonly<Record<string, ConversationState>>;
  /** Messages that arrived ahead of a gap, per conversation, by seq. */
  held: Readonly<Record<string, ReadonlyMap<number, MessageDto>>>;
  /** Recalls of messages not received yet, per conversation. */
  earlyRecalls: Readonly<Record<string, ReadonlySet<number>>>;
}

export type ConversationAction =
  /** The socket's `ready`: the user's conversations as the server has them now. */
  | { type: 'ready'; userId: string; conversations: readonly ConversationDto[] }
  /** Live `message` events and `sync` replays. */
  | { type: 'messages'; messages: readonly MessageDto[] }
  /** A page of `GET /conversations/{id}/messages`. */
  | { type: 'history'; conversationId: string; messages: readonly MessageDto[] }
  | { type: 'recalled'; conversationId: string; seq: number }
  /** Someone is typing; shown until `until` (ms since epoch). */
  | { type: 'typing'; conversationId: string; userId: string; until: number }
  /** Drops typing indicators that ran out at `now`. */
  | { type: 'typing_expired'; now: number }
  | { type: 'read'; conversationId: string; userId: string; seq: number }
  /** Starting read positions of every member, from `GET /conversations/{id}`. */
  | { type: 'read_positions'; conversationId: string; members: readonly ConversationMemberDto[] }
  /**
   * Someone acknowledged a message: the `message_acked` event (with the
   * message's `ackCount` so far), or my own acknowledgement answered over REST
   * (no count: the event that follows brings it).
   */
  | { type: 'message_acked'; conversationId: string; seq: number; userId: string; at: string; ackCount?: number }
  /** The answer of GET /conversations/{id}/messages/{seq}/acks. */
  | { type: 'acks_loaded'; conversationId: string; seq: number; acks: MessageAcks }
  /** A message's new text: the `message_edited` event, or my own edit as `PUT …/messages/{seq}` answered it. */
  | { type: 'edited'; conversationId: string; seq: number; body: string; editedAt: string; mentions: readonly string[] }
  /** Someone added (`added`) or took back an emoji: the `reaction` event, or my own toggle applied at once. */
  | { type: 'reaction'; conversationId: string; seq: number; userId: string; emoji: string; added: boolean }
  | { type: 'conversation_added'; info: ConversationDto }
  | { type: 'conversation_removed'; conversationId: string }
  /** My notification level of a conversation, saved over REST (SPEC §7). */
  | { type: 'notify_level'; conversationId: string; level: NotifyLevel }
  /** The user pressed send. */
  | { type: 'send'; pending: PendingMessage }
  /** An unsent message from the last page load, in its conversation as last seen. */
  | { type: 'pending_restored'; info: ConversationDto; pending: PendingMessage }
  /** The server's ack of the `send` whose request id (= client_msg_id) is `clientMsgId`. */
  | { type: 'ack'; clientMsgId: string; conversationId: string; seq: number }
  /** A send was refused, or no ack came in time (`error: 'timeout'`). */
  | { type: 'send_failed'; clientMsgId: string; error: string; reason?: ErrorReason }
  | { type: 'retry'; clientMsgId: string }
  | { type: 'discard'; clientMsgId: string };

export const initialConversations: ConversationsState = { me: null, conversations: {}, held: {}, earlyRecalls: {} };

export function conversationReducer(state: ConversationsState, action: ConversationAction): ConversationsState {
  switch (action.type) {
    case 'ready':
      return ready(state, action.userId, action.conversations);
    case 'messages':
      return receive(state, action.messages, false);
    case 'history':
      if (action.messages.length === 0) return state;
      return receive(
        state,
        action.messages.map((m) => (m.conversation_id === action.conversationId ? m : { ...m, conversation_id: action.conversationId })),
        true,
      );
    case 'recalled':
      return recall(state, action.conversationId, action.seq);
    case 'typing':
      if (action.userId === state.me) return state;
      return update(state, action.conversationId, (c) =>
        c.typing[action.userId] === action.until ? c : { ...c, typing: { ...c.typing, [action.userId]: action.until } },
      );
    case 'typing_expired':
      return expireTyping(state, action.now);
    case 'read':
      return read(state, action.conversationId, action.userId, action.seq);
    case 'read_positions':
      return update(state, action.conversationId, (c) => {
        let readBy = c.readBy;
        for (const m of action.members) {
          if ((readBy[m.user.id] ?? 0) < m.last_read_seq || readBy[m.user.id] === undefined) {
            readBy = { ...readBy, [m.user.id]: Math.max(readBy[m.user.id] ?? 0, m.last_read_seq) };
          }
        }
        return readBy === c.readBy ? c : { ...c, readBy };
      });
    case 'message_acked':
      return acknowledged(state, action);
    case 'acks_loaded':
      return acksLoaded(state, action.conversationId, action.seq, action.acks);
    case 'edited': {
      const { body, editedAt, mentions } = action;
      return mapMessage(state, action.conversationId, action.seq, (m) => withEdit(m, body, editedAt, mentions));
    }
    case 'reaction': {
      const { userId, emoji, added } = action;
      return mapMessage(state, action.conversationId, action.seq, (m) => {
        const current = m.reactions ?? [];
        const reactions = toggleReaction(current, userId, emoji, added);
        return reactions === current ? m : { ...m, reactions };
      });
    }
    case 'conversation_added': {
      const info = action.info;
      if (state.conversations[info.id] === undefined) return withConversation(state, info.id, emptyConversation(info));
      return update(state, info.id, (c) => ({ ...c, info: { ...info, last_seq: Math.max(info.last_seq, c.cursor) } }));
    }
    case 'notify_level': {
      const c = state.conversations[action.conversationId];
      if (c === undefined || (c.info.notify ?? 'all') === action.level) return state;
      return update(state, action.conversationId, (x) => ({ ...x, info: { ...x.info, notify: action.level } }));
    }
    case 'conversation_removed': {
      const id = action.conversationId;
      if (state.conversations[id] === undefined) return state;
      const { [id]: _gone, ...conversations } = state.conversations;
      const { [id]: _held, ...held } = state.held;
      return { ...state, conversations, held };
    }
    case 'send':
      return update(state, action.pending.conversationId, (c) => ({ ...c, pending: [...c.pending, action.pending] }));
    case 'pending_restored': {
      const { info, pending } = action;
      const c = state.conversations[info.id] ?? emptyConversation(info);
      if (c.pending.some((p) => p.clientMsgId === pending.clientMsgId)) return state;
      return withConversation(state, info.id, { ...c, pending: [...c.pending, { ...pending, conversationId: info.id }] });
    }
    case 'ack':
      return ack(state, action.clientMsgId, action.conversationId, action.seq);
    case 'send_failed': {
      const { error, reason } = action;
      return mapPending(state, action.clientMsgId, (p) =>
        p.state === 'sending' ? { ...p, state: 'failed', error, ...(reason === undefined ? {} : { reason }) } : p,
      );
    }
    case 'retry':
      return mapPending(state, action.clientMsgId, (p) => {
        if (p.state !== 'failed') return p;
        const { error: _error, reason: _reason, ...rest } = p;
        return { ...rest, state: 'sending' };
      });
    case 'discard': {
      let next = state;
      for (const c of Object.values(state.conversations)) {
        if (!c.pending.some((p) => p.clientMsgId === action.clientMsgId)) continue;
        next = update(next, c.info.id, (conv) => ({ ...conv, pending: conv.pending.filter((p) => p.clientMsgId !== action.clientMsgId) }));
      }
      return next;
    }
  }
}

// --- queries ------------------------------------------------------------------

export function emptyConversation(info: ConversationDto): ConversationState {
  return { info, messages: [], cursor: info.last_seq, pending: [], typing: {}, readBy: {}, acks: {}, ackedByMe: {} };
}

/** A recalled copy of a message: the body, mentions and files are gone, its place stays. */
export function tombstone(m: MessageDto): MessageDto {
  return m.recalled ? m : { ...m, body: '', mentions: [], attachments: [], recalled: true };
}

/** What to ask `sync` for right after `ready`: each conversation whose cursor is behind the server. */
export function syncCursors(state: ConversationsState): Record<string, number> {
  const cursors: Record<string, number> = {};
  for (const c of Object.values(state.conversations)) if (c.cursor < c.info.last_seq) cursors[c.info.id] = c.cursor;
  return cursors;
}

/** Every pending send with this client_msg_id (normally one). */
export function findPending(state: ConversationsState, clientMsgId: string): PendingMessage[] {
  const found: PendingMessage[] = [];
  for (const c of Object.values(state.conversations)) for (const p of c.pending) if (p.clientMsgId === clientMsgId) found.push(p);
  return found;
}

/** Whether any typing indicator is still shown. */
export function anyoneTyping(state: ConversationsState): boolean {
  return Object.values(state.conversations).some((c) => Object.keys(c.typing).length > 0);
}

/** Users typing in a conversation right now, other than me. */
export function typingUsers(c: ConversationState | undefined, now: number): string[] {
  if (c === undefined) return [];
  return Object.entries(c.typing)
    .filter(([, until]) => until > now)
    .map(([user]) => user);
}

/**
 * Whether I am still asked to acknowledge this message: it asks for it, it is
 * someone else's, not recalled, and I have not acknowledged it (as far as this
 * tab knows: `ackedByMe`, or the loaded list).
 */
export function awaitsMyAck(c: ConversationState, m: MessageDto, me: string | null): boolean {
  if (!m.ack_required || m.recalled || me === null || m.sender_id === me) return false;
  if (c.ackedByMe[m.seq] !== undefined) return false;
  return !(c.acks[m.seq]?.acks.some((a) => a.user_id === me) ?? false);
}

/** Activity time for ordering the sidebar: the newest message, else 0. */
export function lastActivity(c: ConversationState): number {
  const at = c.info.last_message?.created_at;
  return at === undefined ? 0 : Date.parse(at);
}

/** Seq of the oldest message loaded, or undefined when none is. */
export function oldestLoaded(c: ConversationState): number | undefined {
  return c.messages[0]?.seq;
}

/** More history exists before what is loaded. */
export function hasOlder(c: ConversationState): boolean {
  const oldest = oldestLoaded(c);
  return oldest === undefined ? c.cursor > 0 : oldest > 1;
}

// --- transitions ----------------------------------------------------------------

function withConversation(state: ConversationsState, id: string, c: ConversationState): ConversationsState {
  return { ...state, conversations: { ...state.conversations, [id]: c } };
}

/** Applies `change` to a known conversation; unknown ones and no-ops leave the state as it is. */
function update(state: ConversationsState, id: string, change: (c: ConversationState) => ConversationState): ConversationsState {
  const current = state.conversations[id];
  if (current === undefined) return state;
  const next = change(current);
  return next === current ? state : withConversation(state, id, next);
}

function mapPending(state: ConversationsState, clientMsgId: string, change: (p: PendingMessage) => PendingMessage): ConversationsState {
  let next = state;
  for (const c of Object.values(state.conversations)) {
    const p = c.pending.find((x) => x.clientMsgId === clientMsgId);
    if (p === undefined) continue;
    const changed = change(p);
    if (changed === p) continue;
    next = update(next, c.info.id, (conv) => ({ ...conv, pending: conv.pending.map((x) => (x === p ? changed : x)) }));
  }
  return next;
}

function ready(state: ConversationsState, userId: string, infos: readonly ConversationDto[]): ConversationsState {
  const previous = state.conversations;
  const conversations: Record<string, ConversationState> = {};
  for (const info of infos) {
    const known = previous[info.id];
    if (known === undefined) {
      conversations[info.id] = emptyConversation(info);
    } else if (info.last_seq < known.cursor) {
      // Our copy is from another database: start at the server's position, keeping what is unsent.
      conversations[info.id] = { ...emptyConversation(info), pending: known.pending };
    } else {
      conversations[info.id] = { ...known, info: { ...info, last_seq: Math.max(info.last_seq, known.cursor) }, typing: {} };
    }
  }
  // What was held back is dropped: the sync that follows `ready` re-sends everything after the cursors.
  return { ...state, me: userId, conversations, held: {} };
}

/** Merges messages (live, synced or from REST history) into their conversations. */
function receive(state: ConversationsState, messages: readonly MessageDto[], history: boolean): ConversationsState {
  const byConversation = new Map<string, MessageDto[]>();
  for (const m of messages) {
    const list = byConversation.get(m.conversation_id) ?? [];
    list.push(m);
    byConversation.set(m.conversation_id, list);
  }
  let next = state;
  for (const [id, list] of byConversation) next = merge(next, id, list, history);
  return next;
}

/**
 * `history`: a REST page, a contiguous range that may extend the list downwards.
 * A live or synced message at or below the cursor only refreshes a copy we
 * have (a tombstone); inserting it could open a hole in the list.
 */
function merge(state: ConversationsState, id: string, incoming: readonly MessageDto[], history: boolean): ConversationsState {
  const c = state.conversations[id];
  if (c === undefined) return state;
  const recalls = new Set(state.earlyRecalls[id]);
  const held = new Map(state.held[id]);
  const bySeq = new Map<number, MessageDto>();
  let changedBelow = false;
  let heldChanged = false;
  for (const raw of incoming) {
    const m = recalls.delete(raw.seq) ? tombstone(raw) : raw;
    if (m.seq <= c.cursor) {
      if (history || c.messages.some((x) => x.seq === m.seq)) {
        bySeq.set(m.seq, m);
        changedBelow = true;
      }
    } else {
      held.set(m.seq, m);
      heldChanged = true;
    }
  }
  let cursor = c.cursor;
  const released: MessageDto[] = [];
  for (let next = held.get(cursor + 1); next !== undefined; next = held.get(cursor + 1)) {
    held.delete(cursor + 1);
    cursor += 1;
    released.push(next);
    bySeq.set(next.seq, next);
  }

  // The hidden parts first: what is still held back, what recalls are still waiting.
  let next: ConversationsState = state;
  if (heldChanged || released.length > 0) {
    const { [id]: _old, ...others } = state.held;
    next = { ...next, held: held.size > 0 ? { ...others, [id]: held } : others };
  }
  if (recalls.size !== (state.earlyRecalls[id]?.size ?? 0)) {
    const { [id]: _old, ...others } = state.earlyRecalls;
    next = { ...next, earlyRecalls: recalls.size > 0 ? { ...others, [id]: recalls } : others };
  }
  if (!changedBelow && released.length === 0) return next;

  // Merge into the ordered list; a seq already there is replaced, never repeated.
  const merged = new Map<number, MessageDto>();
  for (const m of c.messages) merged.set(m.seq, m);
  let changed = false;
  for (const [seq, incomingCopy] of bySeq) {
    const old = merged.get(seq);
    // Acknowledgements are never taken back: a copy older than an event we had keeps the higher count.
    let m = old !== undefined && old.ack_count > incomingCopy.ack_count ? { ...incomingCopy, ack_count: old.ack_count } : incomingCopy;
    // A copy read before an edit this tab has shown keeps the newer text.
    if (old !== undefined && !m.recalled && newerEdit(old.edited_at, m.edited_at)) {
      m = { ...m, body: old.body, mentions: old.mentions, ...(old.edited_at === undefined ? {} : { edited_at: old.edited_at }) };
    }
    if (old === undefined || old.recalled !== m.recalled || old.body !== m.body || old.ack_count !== m.ack_count || old.edited_at !== m.edited_at || !sameReactions(old.reactions, m.reactions)) {
      merged.set(seq, m);
      changed = true;
    }
  }
  if (!changed && cursor === c.cursor) return next;
  const list = [...merged.values()].sort((a, b) => a.seq - b.seq);

  let info = c.info;
  const newest = list[list.length - 1];
  if (cursor > info.last_seq || (newest !== undefined && newest.seq === Math.max(cursor, info.last_seq))) {
    info = { ...info, last_seq: Math.max(cursor, info.last_seq) };
    if (newest !== undefined && newest.seq === info.last_seq) info = { ...info, last_message: newest };
  }
  let readBy = c.readBy;
  let typing = c.typing;
  for (const m of released) {
    if (m.sender_id === state.me && m.seq > info.last_read_seq) info = { ...info, last_read_seq: m.seq };
    if ((readBy[m.sender_id] ?? 0) < m.seq) readBy = { ...readBy, [m.sender_id]: m.seq };
    if (typing[m.sender_id] !== undefined) {
      const { [m.sender_id]: _gone, ...rest } = typing;
      typing = rest;
    }
  }
  info = { ...info, unread: Math.max(0, info.last_seq - info.last_read_seq) };
  // A pending send is done once its message is here: by client_msg_id (also one sent from another tab), or by its acked seq.
  const have = new Set(list.map((m) => m.client_msg_id));
  const seqs = new Set(list.map((m) => m.seq));
  const pending = c.pending.filter((p) => !(have.has(p.clientMsgId) || (p.seq !== undefined && seqs.has(p.seq))));
  return withConversation(next, id, {
    ...c,
    info,
    messages: list,
    cursor,
    readBy,
    typing,
    pending: pending.length === c.pending.length ? c.pending : pending,
  });
}

function recall(state: ConversationsState, id: string, seq: number): ConversationsState {
  const c = state.conversations[id];
  if (c === undefined) return state;
  const target = c.messages.find((m) => m.seq === seq);
  if (target === undefined) {
    const held = state.held[id];
    const early = held?.get(seq);
    if (held !== undefined && early !== undefined) {
      return { ...state, held: { ...state.held, [id]: new Map(held).set(seq, tombstone(early)) } };
    }
    const recalls = state.earlyRecalls[id];
    if (recalls?.has(seq) === true) return state;
    return { ...state, earlyRecalls: { ...state.earlyRecalls, [id]: new Set(recalls).add(seq) } };
  }
  if (target.recalled) return state;
  const messages = c.messages.map((m) => (m.seq === seq ? tombstone(m) : m));
  const last = c.info.last_message;
  const info = last !== undefined && last.seq === seq ? { ...c.info, last_message: tombstone(last) } : c.info;
  return withConversation(state, id, { ...c, messages, info });
}

function expireTyping(state: ConversationsState, now: number): ConversationsState {
  let conversations: Record<string, ConversationState> | null = null;
  for (const [id, c] of Object.entries(state.conversations)) {
    const live = Object.entries(c.typing).filter(([, until]) => until > now);
    if (live.length === Object.keys(c.typing).length) continue;
    conversations ??= { ...state.conversations };
    conversations[id] = { ...c, typing: Object.fromEntries(live) };
  }
  return conversations === null ? state : { ...state, conversations };
}

function read(state: ConversationsState, id: string, userId: string, seq: number): ConversationsState {
  return update(state, id, (c) => {
    let next = c;
    if ((c.readBy[userId] ?? 0) < seq) next = { ...next, readBy: { ...c.readBy, [userId]: seq } };
    if (userId === state.me && seq > c.info.last_read_seq) {
      const info = { ...next.info, last_read_seq: seq };
      next = { ...next, info: { ...info, unread: Math.max(0, info.last_seq - seq) } };
    }
    return next;
  });
}

function ack(state: ConversationsState, clientMsgId: string, id: string, seq: number): ConversationsState {
  return update(state, id, (c) => {
    const p = c.pending.find((x) => x.clientMsgId === clientMsgId);
    if (p === undefined) return c;
    // Its message came first: nothing left to wait for.
    if (c.messages.some((m) => m.seq === seq)) return { ...c, pending: c.pending.filter((x) => x !== p) };
    const info = seq > c.info.last_read_seq ? { ...c.info, last_read_seq: seq } : c.info;
    return { ...c, info, pending: c.pending.map((x) => (x === p ? { ...x, state: 'sent' as const, seq } : x)) };
  });
}

/**
 * Applies `change` to message `seq` wherever this tab has it: the list, a copy
 * held back by a gap, and the conversation's last message. Unchanged copies
 * keep the same objects, and a change nowhere returns the same state.
 */
function mapMessage(state: ConversationsState, id: string, seq: number, change: (m: MessageDto) => MessageDto): ConversationsState {
  const c = state.conversations[id];
  if (c === undefined) return state;
  let next = state;
  const heldMap = state.held[id];
  const held = heldMap?.get(seq);
  if (heldMap !== undefined && held !== undefined) {
    const changed = change(held);
    if (changed !== held) next = { ...next, held: { ...next.held, [id]: new Map(heldMap).set(seq, changed) } };
  }
  let conv = c;
  const index = c.messages.findIndex((m) => m.seq === seq);
  const shown = c.messages[index];
  if (shown !== undefined) {
    const changed = change(shown);
    if (changed !== shown) conv = { ...conv, messages: c.messages.map((m, i) => (i === index ? changed : m)) };
  }
  const last = c.info.last_message;
  if (last !== undefined && last.seq === seq) {
    const changed = change(last);
    if (changed !== last) conv = { ...conv, info: { ...conv.info, last_message: changed } };
  }
  return conv === c ? next : withConversation(next, id, conv);
}

/** Whether edit time `a` is later than `b` (a text that was never edited is the oldest). */
function newerEdit(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return false;
  return b === undefined || Date.parse(a) > Date.parse(b);
}

/** The message with a new text; the same object for a recalled or system message, a stale edit or one already shown. */
function withEdit(m: MessageDto, body: string, editedAt: string, mentions: readonly string[]): MessageDto {
  if (m.recalled || m.kind === 'system' || newerEdit(m.edited_at, editedAt)) return m;
  if (m.body === body && m.edited_at === editedAt) return m;
  return { ...m, body, edited_at: editedAt, mentions: [...mentions] };
}

type Reactions = MessageDto['reactions'];

/** Adds or takes back one user's emoji; the same array when that changes nothing. */
export function toggleReaction(reactions: Reactions, userId: string, emoji: string, added: boolean): Reactions {
  const index = reactions.findIndex((r) => r.emoji === emoji);
  const entry = reactions[index];
  const has = entry?.user_ids.includes(userId) ?? false;
  if (added === has) return reactions;
  if (added) {
    if (entry === undefined) return [...reactions, { emoji, user_ids: [userId] }];
    return reactions.map((r, i) => (i === index ? { ...r, user_ids: [...r.user_ids, userId] } : r));
  }
  const userIds = entry!.user_ids.filter((u) => u !== userId);
  return userIds.length === 0 ? reactions.filter((_, i) => i !== index) : reactions.map((r, i) => (i === index ? { ...r, user_ids: userIds } : r));
}

/** Same emoji in the same order, each with the same users. */
function sameReactions(a: Reactions | undefined, b: Reactions | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return (
    x.length === y.length &&
    x.every((r, i) => {
      const s = y[i]!;
      return r.emoji === s.emoji && r.user_ids.length === s.user_ids.length && r.user_ids.every((u, j) => u === s.user_ids[j]);
    })
  );
}

/** A copy of the message with at least `count` acknowledgements (the same object when it has them already). */
function withAckCount(m: MessageDto, count: number | undefined): MessageDto {
  return count === undefined || m.ack_count >= count ? m : { ...m, ack_count: count };
}

/** Adds one acknowledgement to a loaded list (oldest first), taking its user out of `pending`; the same object when it is there. */
function addAck(list: MessageAcks, userId: string, at: string): MessageAcks {
  if (list.acks.some((a) => a.user_id === userId)) return list;
  const acks = [...list.acks, { user_id: userId, at }].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { ...list, acks, pending: list.pending.filter((u) => u !== userId) };
}

function acknowledged(state: ConversationsState, action: Extract<ConversationAction, { type: 'message_acked' }>): ConversationsState {
  const { conversationId: id, seq, userId, at, ackCount } = action;
  const c = state.conversations[id];
  if (c === undefined) return state;

  // A message held back by a gap gets its count too, so it shows right once released.
  let next = state;
  const held = state.held[id]?.get(seq);
  if (held !== undefined) {
    const counted = withAckCount(held, ackCount);
    if (counted !== held) next = { ...next, held: { ...next.held, [id]: new Map(state.held[id]).set(seq, counted) } };
  }

  let conv = c;
  const index = c.messages.findIndex((m) => m.seq === seq);
  const shown = c.messages[index];
  if (shown !== undefined) {
    const counted = withAckCount(shown, ackCount);
    if (counted !== shown) conv = { ...conv, messages: conv.messages.map((m, i) => (i === index ? counted : m)) };
  }
  const last = c.info.last_message;
  if (last !== undefined && last.seq === seq) {
    const counted = withAckCount(last, ackCount);
    if (counted !== last) conv = { ...conv, info: { ...conv.info, last_message: counted } };
  }
  const list = c.acks[seq];
  if (list !== undefined) {
    const added = addAck(list, userId, at);
    if (added !== list) conv = { ...conv, acks: { ...conv.acks, [seq]: added } };
  }
  if (userId === state.me && c.ackedByMe[seq] === undefined) conv = { ...conv, ackedByMe: { ...conv.ackedByMe, [seq]: at } };
  return conv === c ? next : withConversation(next, id, conv);
}

/**
 * Stores a loaded list of acknowledgements. It may have been read before an
 * event this tab has already applied, so what is known already is kept:
 * acknowledgements are only ever added.
 */
function acksLoaded(state: ConversationsState, id: string, seq: number, loaded: MessageAcks): ConversationsState {
  return update(state, id, (c) => {
    let list = loaded;
    for (const a of c.acks[seq]?.acks ?? []) list = addAck(list, a.user_id, a.at);
    const mine = state.me === null ? undefined : list.acks.find((a) => a.user_id === state.me);
    const index = c.messages.findIndex((m) => m.seq === seq);
    const shown = c.messages[index];
    const counted = shown === undefined ? undefined : withAckCount(shown, list.acks.length);
    return {
      ...c,
      acks: { ...c.acks, [seq]: list },
      ...(mine !== undefined && c.ackedByMe[seq] === undefined ? { ackedByMe: { ...c.ackedByMe, [seq]: mine.at } } : {}),
      ...(counted !== undefined && counted !== shown ? { messages: c.messages.map((m, i) => (i === index ? counted : m)) } : {}),
    };
  });
}
