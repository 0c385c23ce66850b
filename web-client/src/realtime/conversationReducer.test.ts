import { describe, expect, it } from 'vitest';
import type { ConversationDto } from '../generated/ConversationDto';
import type { MessageDto } from '../generated/MessageDto';
import type { UserDto } from '../generated/UserDto';
import type { MessageAcks } from '../generated/MessageAcks';
import {
  anyoneTyping,
  awaitsMyAck,
  conversationReducer,
  findPending,
  hasOlder,
  initialConversations,
  syncCursors,
  typingUsers,
  type ConversationAction,
  type ConversationsState,
  type ConversationState,
  type PendingMessage,
} from './conversationReducer';
import { conversation, message } from './testing';

const ME = 'user-me';
const PEER = 'user-peer';
const OTHER = 'user-other';
const C1 = 'conv-1';
const C2 = 'conv-2';

/**
 * Applies the actions one by one, checking on the way that the reducer never
 * changes the state it is given (a deep copy taken before must still equal it).
 */
function run(state: ConversationsState, ...actions: ConversationAction[]): ConversationsState {
  let current = state;
  for (const action of actions) {
    const before = structuredClone(current);
    const next = conversationReducer(current, action);
    expect(current).toEqual(before);
    current = next;
  }
  return current;
}

/** Signed in as ME with these conversations, as after `ready`. */
function readyWith(...conversations: ConversationDto[]): ConversationsState {
  return run(initialConversations, { type: 'ready', userId: ME, conversations });
}

function conv(state: ConversationsState, id = C1): ConversationState {
  const c = state.conversations[id];
  if (c === undefined) throw new Error(`no conversation ${id}`);
  return c;
}

const seqs = (state: ConversationsState, id = C1) => conv(state, id).messages.map((m) => m.seq);

const live = (...messages: MessageDto[]): ConversationAction => ({ type: 'messages', messages });

function pendingSend(clientMsgId: string, conversationId = C1, extra: Partial<PendingMessage> = {}): PendingMessage {
  return { clientMsgId, conversationId, body: `body of ${clientMsgId}`, state: 'sending', queuedAt: 1_000, ...extra };
}

describe('delivery order by seq', () => {
  it('appends messages that come in order and moves the cursor, last_seq and last_message', () => {
    const s = run(readyWith(conversation(C1, 2)), live(message(C1, 3)), live(message(C1, 4)));
    expect(seqs(s)).toEqual([3, 4]);
    expect(conv(s).cursor).toBe(4);
    expect(conv(s).info.last_seq).toBe(4);
    expect(conv(s).info.last_message?.seq).toBe(4);
  });

  it('holds a message that skips ahead, without a visible change, until the gap is filled', () => {
    const start = readyWith(conversation(C1, 0));
    const held = run(start, live(message(C1, 2)), live(message(C1, 3)));
    expect(held.conversations).toBe(start.conversations);
    expect(conv(held).cursor).toBe(0);
    const filled = run(held, live(message(C1, 1)));
    expect(seqs(filled)).toEqual([1, 2, 3]);
    expect(conv(filled).cursor).toBe(3);
    expect(filled.held).toEqual({});
  });

  it('sorts a batch that arrives out of order', () => {
    const s = run(readyWith(conversation(C1, 0)), live(message(C1, 3), message(C1, 1), message(C1, 2)));
    expect(seqs(s)).toEqual([1, 2, 3]);
    expect(conv(s).cursor).toBe(3);
  });

  it('keeps messages of different conversations apart in one batch', () => {
    const s = run(readyWith(conversation(C1, 0), conversation(C2, 5)), live(message(C1, 1), message(C2, 6), message(C1, 2)));
    expect(seqs(s, C1)).toEqual([1, 2]);
    expect(seqs(s, C2)).toEqual([6]);
  });

  it('shows a message delivered twice once, and leaves the state alone for the repeat', () => {
    const once = run(readyWith(conversation(C1, 2)), live(message(C1, 3)));
    const twice = run(once, live(message(C1, 3)));
    expect(twice).toBe(once);
    expect(seqs(twice)).toEqual([3]);
  });

  it('holds a message delivered twice ahead of a gap once', () => {
    const s = run(readyWith(conversation(C1, 0)), live(message(C1, 2)), live(message(C1, 2)), live(message(C1, 1)));
    expect(seqs(s)).toEqual([1, 2]);
  });

  it('does not insert a live message at or below the cursor that it does not have (that could open a hole)', () => {
    const start = readyWith(conversation(C1, 5));
    expect(run(start, live(message(C1, 4)))).toBe(start);
    expect(seqs(start)).toEqual([]);
  });

  it('refreshes a copy it has when the same seq comes again changed', () => {
    const s = run(readyWith(conversation(C1, 0)), live(message(C1, 1)), live(message(C1, 1, { body: 'edited' })));
    expect(conv(s).messages.map((m) => m.body)).toEqual(['edited']);
  });

  it('fills a gap with the sync that follows a reconnect; the live message that overtook it is not lost', () => {
    let s = run(readyWith(conversation(C1, 0)), live(message(C1, 1), message(C1, 2)));
    // Away: the server moves on to 4, and seq 5 arrives live before the sync's replay.
    s = run(s, { type: 'ready', userId: ME, conversations: [conversation(C1, 4)] });
    expect(syncCursors(s)).toEqual({ [C1]: 2 });
    s = run(s, live(message(C1, 5)));
    expect(seqs(s)).toEqual([1, 2]);
    s = run(s, live(message(C1, 3), message(C1, 4)));
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5]);
    expect(conv(s).cursor).toBe(5);
    expect(syncCursors(s)).toEqual({});
  });

  it('ignores messages of a conversation it does not know', () => {
    const start = readyWith(conversation(C1, 0));
    expect(run(start, live(message(C2, 1)))).toBe(start);
  });
});

describe('REST history', () => {
  it('merges older pages below live messages without repeating any', () => {
    let s = run(readyWith(conversation(C1, 5)), live(message(C1, 6)));
    expect(hasOlder(conv(s))).toBe(true);
    s = run(s, { type: 'history', conversationId: C1, messages: [3, 4, 5, 6].map((n) => message(C1, n)) });
    s = run(s, { type: 'history', conversationId: C1, messages: [1, 2, 3].map((n) => message(C1, n)) });
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(hasOlder(conv(s))).toBe(false);
  });

  it('files a page under the conversation it was asked for', () => {
    const s = run(readyWith(conversation(C1, 2)), { type: 'history', conversationId: C1, messages: [message('elsewhere', 1), message('elsewhere', 2)] });
    expect(conv(s).messages.map((m) => [m.seq, m.conversation_id])).toEqual([
      [1, C1],
      [2, C1],
    ]);
  });

  it('an empty page changes nothing', () => {
    const start = readyWith(conversation(C1, 2));
    expect(run(start, { type: 'history', conversationId: C1, messages: [] })).toBe(start);
  });
});

describe('recall', () => {
  it('turns a message into a tombstone, also as the last message of the conversation', () => {
    const s = run(readyWith(conversation(C1, 0)), live(message(C1, 1), message(C1, 2)), { type: 'recalled', conversationId: C1, seq: 2 });
    expect(conv(s).messages.map((m) => [m.seq, m.recalled, m.body])).toEqual([
      [1, false, 'message 1'],
      [2, true, ''],
    ]);
    expect(conv(s).info.last_message).toMatchObject({ seq: 2, recalled: true, body: '', mentions: [] });
  });

  it('applies a recall that arrives before its message', () => {
    let s = run(readyWith(conversation(C1, 0)), { type: 'recalled', conversationId: C1, seq: 1 });
    s = run(s, live(message(C1, 1)));
    expect(conv(s).messages.map((m) => m.recalled)).toEqual([true]);
    expect(s.earlyRecalls).toEqual({});
  });

  it('applies a recall to a message held back by a gap', () => {
    let s = run(readyWith(conversation(C1, 0)), live(message(C1, 2)), { type: 'recalled', conversationId: C1, seq: 2 });
    s = run(s, live(message(C1, 1)));
    expect(conv(s).messages.map((m) => [m.seq, m.recalled])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('applies a recall of an older message to the history page that brings it', () => {
    let s = run(readyWith(conversation(C1, 3)), { type: 'recalled', conversationId: C1, seq: 2 });
    s = run(s, { type: 'history', conversationId: C1, messages: [1, 2, 3].map((n) => message(C1, n)) });
    expect(conv(s).messages.map((m) => m.recalled)).toEqual([false, true, false]);
  });

  it('a recall repeated, or in an unknown conversation, changes nothing', () => {
    const once = run(readyWith(conversation(C1, 0)), live(message(C1, 1)), { type: 'recalled', conversationId: C1, seq: 1 });
    expect(run(once, { type: 'recalled', conversationId: C1, seq: 1 })).toBe(once);
    expect(run(once, { type: 'recalled', conversationId: C2, seq: 1 })).toBe(once);
  });
});

describe('pending sends', () => {
  it('matches the ack to the pending send by client_msg_id, then drops it when its message arrives', () => {
    let s = run(readyWith(conversation(C1, 4)), { type: 'send', pending: pendingSend('a') }, { type: 'send', pending: pendingSend('b') });
    expect(conv(s).pending.map((p) => p.state)).toEqual(['sending', 'sending']);
    s = run(s, { type: 'ack', clientMsgId: 'b', conversationId: C1, seq: 5 });
    expect(conv(s).pending.map((p) => [p.clientMsgId, p.state, p.seq])).toEqual([
      ['a', 'sending', undefined],
      ['b', 'sent', 5],
    ]);
    s = run(s, live(message(C1, 5, { sender_id: ME, client_msg_id: 'b' })));
    expect(conv(s).pending.map((p) => p.clientMsgId)).toEqual(['a']);
    expect(seqs(s)).toEqual([5]);
  });

  it('drops an acked send when a message with its seq arrives', () => {
    let s = run(readyWith(conversation(C1, 0)), { type: 'send', pending: pendingSend('a') }, { type: 'ack', clientMsgId: 'a', conversationId: C1, seq: 1 });
    s = run(s, live(message(C1, 1, { sender_id: ME, client_msg_id: 'not-the-same' })));
    expect(conv(s).pending).toEqual([]);
  });

  it('drops the pending send when the ack comes after its message', () => {
    let s = run(readyWith(conversation(C1, 0)), { type: 'send', pending: pendingSend('a') });
    s = run(s, live(message(C1, 1, { sender_id: ME, client_msg_id: 'a' })));
    expect(conv(s).pending).toEqual([]);
    // Also when the echo did not carry the client_msg_id we know it by (a repeat ack after a reconnect).
    s = run(s, { type: 'send', pending: pendingSend('b') }, live(message(C1, 2, { sender_id: ME, client_msg_id: 'other' })));
    s = run(s, { type: 'ack', clientMsgId: 'b', conversationId: C1, seq: 2 });
    expect(conv(s).pending).toEqual([]);
  });

  it('a message from another tab with my client_msg_id clears the pending entry without an ack', () => {
    let s = run(readyWith(conversation(C1, 0)), { type: 'send', pending: pendingSend('a') });
    s = run(s, live(message(C1, 1, { sender_id: ME, client_msg_id: 'a' })));
    expect(conv(s).pending).toEqual([]);
  });

  it('ignores an ack it has no pending send for', () => {
    const start = run(readyWith(conversation(C1, 0)), { type: 'send', pending: pendingSend('a') });
    expect(run(start, { type: 'ack', clientMsgId: 'zzz', conversationId: C1, seq: 1 })).toBe(start);
    expect(run(start, { type: 'ack', clientMsgId: 'a', conversationId: C2, seq: 1 })).toBe(start);
  });

  it('marks a refused send failed with its code and reason, and a retry makes it `sending` again without them', () => {
    let s = run(readyWith(conversation(C1, 0)), { type: 'send', pending: pendingSend('a') });
    s = run(s, { type: 'send_failed', clientMsgId: 'a', error: 'rate_limited', reason: 'sending_too_fast' });
    expect(conv(s).pending[0]).toMatchObject({ state: 'failed', error: 'rate_limited', reason: 'sending_too_fast' });
    expect(findPending(s, 'a')).toHaveLength(1);
    s = run(s, { type: 'retry', clientMsgId: 'a' });
    expect(conv(s).pending[0]).toEqual(pendingSend('a'));
  });

  it('fails only a send still waiting for its ack, and retries only a failed one', () => {
    const sent = run(readyWith(conversation(C1, 0)), { type: 'send', pending: pendingSend('a') }, { type: 'ack', clientMsgId: 'a', conversationId: C1, seq: 1 });
    expect(run(sent, { type: 'send_failed', clientMsgId: 'a', error: 'timeout' })).toBe(sent);
    expect(run(sent, { type: 'retry', clientMsgId: 'a' })).toBe(sent);
  });

  it('discards a send the user gave up on', () => {
    let s = run(readyWith(conversation(C1, 0)), { type: 'send', pending: pendingSend('a') }, { type: 'send_failed', clientMsgId: 'a', error: 'invalid' });
    s = run(s, { type: 'discard', clientMsgId: 'a' });
    expect(conv(s).pending).toEqual([]);
    expect(run(s, { type: 'discard', clientMsgId: 'a' })).toBe(s);
  });

  it('restores unsent messages before `ready`, once each, and keeps them through it', () => {
    const info = conversation(C1, 3);
    let s = run(
      initialConversations,
      { type: 'pending_restored', info, pending: pendingSend('a') },
      { type: 'pending_restored', info, pending: pendingSend('b') },
      { type: 'pending_restored', info, pending: pendingSend('a') },
    );
    expect(conv(s).pending.map((p) => p.clientMsgId)).toEqual(['a', 'b']);
    expect(conv(s).cursor).toBe(3);
    s = run(s, { type: 'ready', userId: ME, conversations: [conversation(C1, 5)] });
    expect(conv(s).pending.map((p) => p.clientMsgId)).toEqual(['a', 'b']);
    expect(syncCursors(s)).toEqual({ [C1]: 3 });
  });

  it('ignores a send to a conversation it does not know', () => {
    const start = readyWith(conversation(C1, 0));
    expect(run(start, { type: 'send', pending: pendingSend('a', C2) })).toBe(start);
  });
});

describe('acknowledgements of urgent messages', () => {
  const urgent = (seq: number, extra: Partial<MessageDto> = {}) => message(C1, seq, { priority: 'emergency', ack_required: true, ...extra });
  const acked = (seq: number, userId: string, ackCount?: number, at = `2026-12-05T08:0${seq}:00Z`): ConversationAction => ({
    type: 'message_acked',
    conversationId: C1,
    seq,
    userId,
    at,
    ...(ackCount === undefined ? {} : { ackCount }),
  });
  const loaded = (seq: number, acks: MessageAcks): ConversationAction => ({ type: 'acks_loaded', conversationId: C1, seq, acks });
  const countOf = (s: ConversationsState, seq: number) => conv(s).messages.find((m) => m.seq === seq)?.ack_count;

  it('raises the ack_count of the message, and of the last message, from message_acked', () => {
    let s = run(readyWith(conversation(C1, 0)), live(urgent(1, { sender_id: ME })));
    s = run(s, acked(1, PEER, 1));
    expect(countOf(s, 1)).toBe(1);
    expect(conv(s).info.last_message?.ack_count).toBe(1);
    s = run(s, acked(1, OTHER, 2));
    expect(countOf(s, 1)).toBe(2);
  });

  it('never lowers the count: a late event, a repeat and an older copy from REST keep the highest', () => {
    let s = run(readyWith(conversation(C1, 0)), live(urgent(1, { sender_id: ME })), acked(1, OTHER, 2));
    const before = s;
    expect(run(s, acked(1, PEER, 1))).toBe(before);
    expect(run(s, acked(1, OTHER, 2))).toBe(before);
    s = run(s, { type: 'history', conversationId: C1, messages: [urgent(1, { sender_id: ME, ack_count: 1 })] });
    expect(countOf(s, 1)).toBe(2);
    s = run(s, { type: 'history', conversationId: C1, messages: [urgent(1, { sender_id: ME, ack_count: 3 })] });
    expect(countOf(s, 1)).toBe(3);
  });

  it('counts a message held back by a gap, so it shows right once released', () => {
    let s = run(readyWith(conversation(C1, 0)), live(urgent(2)));
    s = run(s, acked(2, OTHER, 1));
    expect(conv(s).messages).toEqual([]);
    s = run(s, live(message(C1, 1)));
    expect(countOf(s, 2)).toBe(1);
  });

  it('ignores an acknowledgement of a conversation it does not know, and of a message it has not loaded (history brings the count)', () => {
    const s = readyWith(conversation(C1, 5));
    expect(run(s, acked(3, PEER, 1))).toBe(s);
    expect(run(s, { type: 'message_acked', conversationId: C2, seq: 1, userId: PEER, at: '2026-12-05T08:00:00Z', ackCount: 1 })).toBe(s);
  });

  it('moves the user from pending to acknowledged in a loaded list, oldest first, once', () => {
    let s = run(readyWith(conversation(C1, 0)), live(urgent(1, { sender_id: ME })));
    s = run(s, loaded(1, { acks: [{ user_id: OTHER, at: '2026-12-05T08:00:00Z' }], pending: [PEER, 'user-third'], due_at: '2026-12-05T08:10:00Z' }));
    expect(countOf(s, 1)).toBe(1);
    s = run(s, acked(1, PEER, 2, '2026-12-05T08:03:00Z'));
    expect(conv(s).acks[1]).toEqual({
      acks: [
        { user_id: OTHER, at: '2026-12-05T08:00:00Z' },
        { user_id: PEER, at: '2026-12-05T08:03:00Z' },
      ],
      pending: ['user-third'],
      due_at: '2026-12-05T08:10:00Z',
    });
    expect(run(s, acked(1, PEER, 2, '2026-12-05T08:03:00Z'))).toBe(s);
  });

  it('keeps what events told when a list read before them arrives after them', () => {
    let s = run(readyWith(conversation(C1, 0)), live(urgent(1, { sender_id: ME })));
    s = run(s, loaded(1, { acks: [], pending: [PEER, OTHER] }));
    s = run(s, acked(1, PEER, 1, '2026-12-05T08:01:00Z'));
    // A reload of the list that was read before PEER acknowledged.
    s = run(s, loaded(1, { acks: [], pending: [PEER, OTHER] }));
    expect(conv(s).acks[1]?.acks.map((a) => a.user_id)).toEqual([PEER]);
    expect(conv(s).acks[1]?.pending).toEqual([OTHER]);
    expect(countOf(s, 1)).toBe(1);
  });

  it('asks me to acknowledge until I have: by my own REST answer, by the event from another tab, or by the loaded list', () => {
    const start = run(readyWith(conversation(C1, 0)), live(urgent(1), message(C1, 2), urgent(3, { sender_id: ME }), urgent(4, { recalled: true })));
    const m = (s: ConversationsState, seq: number) => conv(s).messages.find((x) => x.seq === seq)!;
    expect(awaitsMyAck(conv(start), m(start, 1), ME)).toBe(true);
    // Not an ordinary message, not my own, not a recalled one, not before I know who I am.
    expect(awaitsMyAck(conv(start), m(start, 2), ME)).toBe(false);
    expect(awaitsMyAck(conv(start), m(start, 3), ME)).toBe(false);
    expect(awaitsMyAck(conv(start), m(start, 4), ME)).toBe(false);
    expect(awaitsMyAck(conv(start), m(start, 1), null)).toBe(false);

    const byRest = run(start, acked(1, ME));
    expect(conv(byRest).ackedByMe).toEqual({ 1: '2026-12-05T08:01:00Z' });
    expect(countOf(byRest, 1)).toBe(0); // the event brings the count
    expect(awaitsMyAck(conv(byRest), m(byRest, 1), ME)).toBe(false);

    const byEvent = run(start, acked(1, ME, 1));
    expect(countOf(byEvent, 1)).toBe(1);
    expect(awaitsMyAck(conv(byEvent), m(byEvent, 1), ME)).toBe(false);

    const stillPending = run(start, loaded(1, { acks: [{ user_id: OTHER, at: '2026-12-05T08:00:00Z' }], pending: [ME] }));
    expect(awaitsMyAck(conv(stillPending), m(stillPending, 1), ME)).toBe(true);
    const byList = run(start, loaded(1, { acks: [{ user_id: ME, at: '2026-12-05T08:00:00Z' }], pending: [] }));
    expect(conv(byList).ackedByMe[1]).toBe('2026-12-05T08:00:00Z');
    expect(awaitsMyAck(conv(byList), m(byList, 1), ME)).toBe(false);
  });

  it('keeps acknowledgements through a reconnect', () => {
    let s = run(readyWith(conversation(C1, 0)), live(urgent(1)), acked(1, ME, 1));
    s = run(s, { type: 'ready', userId: ME, conversations: [conversation(C1, 1)] });
    expect(conv(s).ackedByMe[1]).toBe('2026-12-05T08:01:00Z');
  });

  it('keeps the marks of a pending send', () => {
    const s = run(readyWith(conversation(C1, 0)), { type: 'send', pending: pendingSend('a', C1, { priority: 'urgent', ackRequired: true }) });
    expect(conv(s).pending[0]).toMatchObject({ priority: 'urgent', ackRequired: true });
  });
});

describe('unread counts', () => {
  it('counts messages from others', () => {
    const s = run(readyWith(conversation(C1, 1)), live(message(C1, 2)), live(message(C1, 3)));
    expect(conv(s).info.unread).toBe(2);
  });

  it('my own message means I have read everything up to it', () => {
    let s = run(readyWith(conversation(C1, 1)), live(message(C1, 2), message(C1, 3)));
    s = run(s, live(message(C1, 4, { sender_id: ME })));
    expect(conv(s).info.last_read_seq).toBe(4);
    expect(conv(s).info.unread).toBe(0);
    s = run(s, live(message(C1, 5)));
    expect(conv(s).info.unread).toBe(1);
  });

  it('the ack of my send moves my read position', () => {
    const s = run(readyWith(conversation(C1, 2, { last_read_seq: 1, unread: 1 })), { type: 'send', pending: pendingSend('a') }, { type: 'ack', clientMsgId: 'a', conversationId: C1, seq: 3 });
    expect(conv(s).info.last_read_seq).toBe(3);
  });

  it('reading brings my count down; a message held back is not counted yet', () => {
    let s = run(readyWith(conversation(C1, 3, { last_read_seq: 1, unread: 2 })), { type: 'read', conversationId: C1, userId: ME, seq: 3 });
    expect(conv(s).info.unread).toBe(0);
    s = run(s, live(message(C1, 5)));
    expect(conv(s).info.unread).toBe(0);
    s = run(s, live(message(C1, 4)));
    expect(conv(s).info.unread).toBe(2);
  });

  it("another member's read does not change my count", () => {
    const s = run(readyWith(conversation(C1, 3, { last_read_seq: 1, unread: 2 })), { type: 'read', conversationId: C1, userId: PEER, seq: 3 });
    expect(conv(s).info.unread).toBe(2);
    expect(conv(s).readBy[PEER]).toBe(3);
  });
});

describe('read positions move only forward', () => {
  it('for other members', () => {
    let s = run(readyWith(conversation(C1, 3)), { type: 'read', conversationId: C1, userId: PEER, seq: 3 });
    const after = run(s, { type: 'read', conversationId: C1, userId: PEER, seq: 2 });
    expect(after).toBe(s);
    s = after;
    expect(conv(s).readBy[PEER]).toBe(3);
  });

  it('for me', () => {
    const s = run(readyWith(conversation(C1, 5, { last_read_seq: 1, unread: 4 })), { type: 'read', conversationId: C1, userId: ME, seq: 4 });
    const back = run(s, { type: 'read', conversationId: C1, userId: ME, seq: 2 });
    expect(conv(back).info.last_read_seq).toBe(4);
    expect(conv(back).info.unread).toBe(1);
  });

  it('when the starting positions from REST are older than what events told', () => {
    let s = run(readyWith(conversation(C1, 5)), { type: 'read', conversationId: C1, userId: PEER, seq: 4 });
    s = run(s, {
      type: 'read_positions',
      conversationId: C1,
      members: [
        { user: user(PEER), last_read_seq: 2 },
        { user: user(OTHER), last_read_seq: 5 },
      ],
    });
    expect(conv(s).readBy).toEqual({ [PEER]: 4, [OTHER]: 5 });
  });

  it("a sender's own message counts as read by them", () => {
    let s = run(readyWith(conversation(C1, 0)), { type: 'read', conversationId: C1, userId: PEER, seq: 0 }, live(message(C1, 1), message(C1, 2)));
    expect(conv(s).readBy[PEER]).toBe(2);
    s = run(s, { type: 'history', conversationId: C1, messages: [message(C1, 1)] });
    expect(conv(s).readBy[PEER]).toBe(2);
  });
});

describe('typing', () => {
  it('shows someone typing until the given time, not me, and clears it when they post', () => {
    let s = run(
      readyWith(conversation(C1, 0)),
      { type: 'typing', conversationId: C1, userId: PEER, until: 5_000 },
      { type: 'typing', conversationId: C1, userId: ME, until: 5_000 },
    );
    expect(typingUsers(conv(s), 1_000)).toEqual([PEER]);
    expect(typingUsers(conv(s), 5_000)).toEqual([]);
    s = run(s, live(message(C1, 1)));
    expect(conv(s).typing).toEqual({});
  });

  it('expires indicators at the given time and says whether any is left', () => {
    let s = run(
      readyWith(conversation(C1, 0), conversation(C2, 0)),
      { type: 'typing', conversationId: C1, userId: PEER, until: 2_000 },
      { type: 'typing', conversationId: C2, userId: OTHER, until: 6_000 },
    );
    expect(run(s, { type: 'typing_expired', now: 1_000 })).toBe(s);
    s = run(s, { type: 'typing_expired', now: 3_000 });
    expect(conv(s, C1).typing).toEqual({});
    expect(anyoneTyping(s)).toBe(true);
    s = run(s, { type: 'typing_expired', now: 6_000 });
    expect(anyoneTyping(s)).toBe(false);
  });
});

describe('ready and membership', () => {
  it('keeps what it has of known conversations, drops lost ones and clears typing', () => {
    let s = run(
      readyWith(conversation(C1, 0), conversation(C2, 0)),
      live(message(C1, 1)),
      { type: 'typing', conversationId: C1, userId: PEER, until: 9_000 },
    );
    s = run(s, { type: 'ready', userId: ME, conversations: [conversation(C1, 1, { title: 'renamed' })] });
    expect(Object.keys(s.conversations)).toEqual([C1]);
    expect(seqs(s)).toEqual([1]);
    expect(conv(s).info.title).toBe('renamed');
    expect(conv(s).typing).toEqual({});
    expect(s.me).toBe(ME);
  });

  it('starts over at the server position when the server is behind our cursor, keeping unsent messages', () => {
    let s = run(readyWith(conversation(C1, 0)), live(message(C1, 1), message(C1, 2)), { type: 'send', pending: pendingSend('a') });
    s = run(s, { type: 'ready', userId: ME, conversations: [conversation(C1, 1)] });
    expect(seqs(s)).toEqual([]);
    expect(conv(s).cursor).toBe(1);
    expect(conv(s).pending.map((p) => p.clientMsgId)).toEqual(['a']);
    expect(syncCursors(s)).toEqual({});
  });

  it('drops what was held back: the sync after `ready` sends it again', () => {
    let s = run(readyWith(conversation(C1, 0)), live(message(C1, 3)));
    s = run(s, { type: 'ready', userId: ME, conversations: [conversation(C1, 3)] });
    expect(s.held).toEqual({});
    s = run(s, live(message(C1, 1), message(C1, 2), message(C1, 3)));
    expect(seqs(s)).toEqual([1, 2, 3]);
  });

  it('adds a conversation live, and an update of a known one never moves its last_seq below the cursor', () => {
    let s = run(readyWith(), { type: 'conversation_added', info: conversation(C1, 4) });
    expect(conv(s).cursor).toBe(4);
    s = run(s, live(message(C1, 5)), { type: 'conversation_added', info: conversation(C1, 2, { title: 'new title' }) });
    expect(conv(s).info).toMatchObject({ title: 'new title', last_seq: 5 });
    expect(seqs(s)).toEqual([5]);
  });

  it('removes a conversation with what it held back', () => {
    let s = run(readyWith(conversation(C1, 0), conversation(C2, 0)), live(message(C1, 2)));
    s = run(s, { type: 'conversation_removed', conversationId: C1 });
    expect(Object.keys(s.conversations)).toEqual([C2]);
    expect(s.held).toEqual({});
    expect(run(s, { type: 'conversation_removed', conversationId: C1 })).toBe(s);
  });
});

function user(id: string): UserDto {
  return { id, username: id, display_name: id, role: 'user', title: '', institution: '', care_level: 'tertiary', specialties: [], active: true, created_at: '2026-01-01T00:00:00Z' };
}

describe('notification level', () => {
  it('sets my level of a conversation, and is a no-op for the same level or an unknown conversation', () => {
    const state = readyWith(conversation(C1, 0));
    const muted = run(state, { type: 'notify_level', conversationId: C1, level: 'none' });
    expect(conv(muted).info.notify).toBe('none');
    expect(run(state, { type: 'notify_level', conversationId: C1, level: 'all' })).toBe(state);
    expect(run(state, { type: 'notify_level', conversationId: 'nowhere', level: 'none' })).toBe(state);
  });
});
