import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConversationDto } from '../generated/ConversationDto';
import type { ServerEvent } from '../generated/ServerEvent';
import { hasOlder, RealtimeStore, typingUsers } from './store';
import { attachment } from '../attachments/testing';
import { conversation, FakeSocket, message } from './testing';

const ME = 'user-me';
const PEER = 'user-peer';
const C1 = 'conv-1';
const C2 = 'conv-2';

function ready(
  conversations: ConversationDto[],
  presence: { user_id: string; status: 'online' | 'away' | 'offline' }[] = [],
  unreadNotifications = 0,
): ServerEvent {
  return { type: 'ready', user_id: ME, session_id: 's-1', connection_id: 'conn-1', live_calls: [], conversations, presence, unread_notifications: unreadNotifications };
}

function setup(options: { token?: (fresh: boolean) => Promise<string | null> } = {}) {
  const sockets: FakeSocket[] = [];
  const onSignedOut = vi.fn();
  const token = vi.fn(options.token ?? (async () => 'token-1'));
  const store = new RealtimeStore({
    url: 'ws://test/api/v1/ws',
    token,
    onSignedOut,
    random: () => 1,
    ackTimeoutMs: 10_000,
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  const latest = () => {
    const s = sockets[sockets.length - 1];
    if (s === undefined) throw new Error('no socket yet');
    return s;
  };
  /** Starts, opens the socket and delivers `ready`. */
  const connect = async (conversations: ConversationDto[]) => {
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    latest().open();
    latest().receive(ready(conversations));
    return latest();
  };
  const seqs = (id: string) => store.getState().conversations[id]?.messages.map((m) => m.seq);
  return { store, sockets, latest, connect, seqs, onSignedOut, token };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('connecting', () => {
  it('sends the auth frame first, then becomes connected on ready', async () => {
    const { store, latest } = setup();
    store.start();
    expect(store.getState().status).toBe('connecting');
    await vi.advanceTimersByTimeAsync(0);
    latest().open();
    expect(latest().sent[0]).toEqual({ type: 'auth', token: 'token-1' });
    latest().receive(ready([conversation(C1, 3)], [{ user_id: PEER, status: 'online' }]));
    const state = store.getState();
    expect(state.status).toBe('connected');
    expect(state.userId).toBe(ME);
    expect(state.presence[PEER]).toBe('online');
    expect(state.conversations[C1]?.cursor).toBe(3);
    // Own status announced after ready.
    expect(latest().framesOf('presence')).toEqual([{ type: 'presence', status: 'online' }]);
  });

  it('signs out on 1008 session ended instead of reconnecting', async () => {
    const { store, latest, onSignedOut, sockets } = setup();
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    latest().open();
    latest().drop(1008, 'session ended');
    expect(store.getState().status).toBe('signed_out');
    expect(onSignedOut).toHaveBeenCalledExactlyOnceWith('session_ended');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });
});

describe('ordering and de-duplication by seq', () => {
  it('appends live messages in seq order and drops duplicates', async () => {
    const { connect, seqs, store } = setup();
    const ws = await connect([conversation(C1, 2)]);
    ws.receive({ type: 'message', message: message(C1, 3) });
    ws.receive({ type: 'message', message: message(C1, 3) });
    ws.receive({ type: 'message', message: message(C1, 4) });
    ws.receive({ type: 'message', message: message(C1, 2) }); // at or below the cursor: not shown twice
    expect(seqs(C1)).toEqual([3, 4]);
    expect(store.getState().conversations[C1]?.cursor).toBe(4);
  });

  it('holds a message that skips ahead until the gap is filled', async () => {
    const { connect, seqs, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    ws.receive({ type: 'message', message: message(C1, 2) });
    ws.receive({ type: 'message', message: message(C1, 3) });
    expect(seqs(C1)).toEqual([]);
    expect(store.getState().conversations[C1]?.cursor).toBe(0);
    ws.receive({ type: 'message', message: message(C1, 1) });
    expect(seqs(C1)).toEqual([1, 2, 3]);
    expect(store.getState().conversations[C1]?.cursor).toBe(3);
  });

  it('merges REST history pages below live messages without repeating any', async () => {
    const { connect, seqs, store } = setup();
    const ws = await connect([conversation(C1, 5)]);
    ws.receive({ type: 'message', message: message(C1, 6) });
    expect(hasOlder(store.getState().conversations[C1]!)).toBe(true);
    store.mergeHistory(C1, [3, 4, 5, 6].map((s) => message(C1, s)));
    store.mergeHistory(C1, [1, 2, 3].map((s) => message(C1, s)));
    expect(seqs(C1)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(hasOlder(store.getState().conversations[C1]!)).toBe(false);
  });

  it('counts unread messages from others, not my own', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 1)]);
    ws.receive({ type: 'message', message: message(C1, 2) });
    ws.receive({ type: 'message', message: message(C1, 3) });
    expect(store.getState().conversations[C1]?.info.unread).toBe(2);
    ws.receive({ type: 'message', message: message(C1, 4, { sender_id: ME }) });
    expect(store.getState().conversations[C1]?.info.unread).toBe(0);
  });

  it('applies a recall, even one that arrives before its message', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    ws.receive({ type: 'message', message: message(C1, 1) });
    ws.receive({ type: 'message_recalled', conversation_id: C1, seq: 1 });
    ws.receive({ type: 'message_recalled', conversation_id: C1, seq: 2 });
    ws.receive({ type: 'message', message: message(C1, 2) });
    const list = store.getState().conversations[C1]?.messages ?? [];
    expect(list.map((m) => [m.seq, m.recalled, m.body])).toEqual([
      [1, true, ''],
      [2, true, ''],
    ]);
  });
});

describe('reconnect and sync', () => {
  it('reconnects with backoff and syncs from each cursor', async () => {
    const { connect, store, sockets, latest, seqs } = setup();
    const first = await connect([conversation(C1, 2), conversation(C2, 7)]);
    first.receive({ type: 'message', message: message(C1, 3) });

    first.drop(1006);
    expect(store.getState().status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(499);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);

    const second = latest();
    second.open();
    // The server moved on while we were away: C1 to 5, C2 unchanged.
    second.receive(ready([conversation(C1, 5), conversation(C2, 7)]));
    expect(store.getState().status).toBe('connected');
    expect(second.framesOf('sync')).toEqual([{ type: 'sync', id: expect.any(String), cursors: { [C1]: 3 } }]);

    // A live message overtakes the sync: held until 4 and 5 arrive.
    second.receive({ type: 'message', message: message(C1, 6) });
    expect(seqs(C1)).toEqual([3]);
    second.receive({ type: 'message', message: message(C1, 4) });
    second.receive({ type: 'message', message: message(C1, 5) });
    second.receive({ type: 'synced', id: 'x' });
    expect(seqs(C1)).toEqual([3, 4, 5, 6]);
    expect(store.getState().epoch).toBe(2);
  });

  it('backs off exponentially while the server is down, and resets after ready', async () => {
    const { store, sockets, latest } = setup();
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    latest().drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    latest().drop(1006);
    await vi.advanceTimersByTimeAsync(999);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(3);
    latest().open();
    latest().receive(ready([]));
    latest().drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(sockets).toHaveLength(4);
  });

  it('drops conversations the user lost and resets one whose server copy is behind', async () => {
    const { connect, store, latest, seqs } = setup();
    const ws = await connect([conversation(C1, 0), conversation(C2, 0)]);
    ws.receive({ type: 'message', message: message(C1, 1) });
    ws.receive({ type: 'message', message: message(C1, 2) });
    ws.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    latest().open();
    latest().receive(ready([conversation(C1, 1)])); // restored from a backup: behind our cursor
    expect(store.getState().conversations[C2]).toBeUndefined();
    expect(store.getState().conversations[C1]?.cursor).toBe(1);
    expect(seqs(C1)).toEqual([]);
  });

  it('asks for a fresh token after a 1008 invalid token close', async () => {
    const { store, latest, token } = setup();
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    latest().open();
    latest().drop(1008, 'invalid token');
    await vi.advanceTimersByTimeAsync(500);
    expect(token).toHaveBeenLastCalledWith(true);
  });

  it('closes a silent connection itself and reconnects', async () => {
    const { connect, sockets, store } = setup();
    const ws = await connect([]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(ws.framesOf('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ws.closed).toBe(true);
    expect(store.getState().status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(500);
    expect(sockets).toHaveLength(2);
  });
});

describe('optimistic sends', () => {
  it('shows a pending message, confirms it by ack, then replaces it with the message', async () => {
    const { connect, store, seqs } = setup();
    const ws = await connect([conversation(C1, 4)]);
    const id = store.send(C1, '请会诊', 4);
    const frame = ws.framesOf('send')[0];
    expect(frame).toEqual({ type: 'send', id, conversation_id: C1, client_msg_id: id, body: '请会诊', reply_to_seq: 4 });
    expect(store.getState().conversations[C1]?.pending.map((p) => p.state)).toEqual(['sending']);

    ws.receive({ type: 'ack', id, conversation_id: C1, seq: 5, message_id: 'm5', created_at: '2026-11-23T02:00:05Z' });
    expect(store.getState().conversations[C1]?.pending.map((p) => [p.state, p.seq])).toEqual([['sent', 5]]);

    ws.receive({ type: 'message', message: message(C1, 5, { sender_id: ME, client_msg_id: id, body: '请会诊' }) });
    expect(store.getState().conversations[C1]?.pending).toEqual([]);
    expect(seqs(C1)).toEqual([5]);
  });

  it('a message from another tab with my client_msg_id clears the pending entry', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    const id = store.send(C1, 'hello');
    ws.receive({ type: 'message', message: message(C1, 1, { sender_id: ME, client_msg_id: id }) });
    expect(store.getState().conversations[C1]?.pending).toEqual([]);
  });

  it('marks a refused send failed, and retries it with the same client_msg_id', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    const id = store.send(C1, 'hello');
    ws.receive({ type: 'error', id, code: 'rate_limited', reason: 'sending_too_fast', message: 'sending too fast; slow down' });
    expect(store.getState().conversations[C1]?.pending[0]).toMatchObject({ state: 'failed', error: 'rate_limited', reason: 'sending_too_fast' });

    store.retry(id);
    const sends = ws.framesOf('send');
    expect(sends).toHaveLength(2);
    expect(sends[1]?.client_msg_id).toBe(id);
    expect(store.getState().conversations[C1]?.pending[0]?.state).toBe('sending');
  });

  it('sends the marks of an urgent message, and again on a retry', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    const id = store.send(C1, '血钾 6.8 mmol/L', undefined, { priority: 'emergency', ackRequired: true });
    ws.receive({ type: 'error', id, code: 'rate_limited', reason: 'sending_too_fast', message: 'slow down' });
    store.retry(id);
    const expected = { type: 'send', id, conversation_id: C1, client_msg_id: id, body: '血钾 6.8 mmol/L', priority: 'emergency', ack_required: true };
    expect(ws.framesOf('send')).toEqual([expected, expected]);
    // An ordinary message carries neither field.
    store.send(C1, 'plain', undefined, { priority: 'normal', ackRequired: false });
    expect(ws.framesOf('send')[2]).not.toHaveProperty('priority');
    expect(ws.framesOf('send')[2]).not.toHaveProperty('ack_required');
  });

  it('sends uploaded files by id, with an empty body allowed, and shows them on the pending message', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    const files = [attachment('att-1', { conversation_id: C1 }), attachment('att-2', { conversation_id: C1, kind: 'pdf', name: 'lab-report.pdf' })];
    const id = store.send(C1, '', undefined, {}, files);
    expect(ws.framesOf('send')).toEqual([{ type: 'send', id, conversation_id: C1, client_msg_id: id, body: '', attachment_ids: ['att-1', 'att-2'] }]);
    expect(store.getState().conversations[C1]?.pending[0]?.attachments?.map((a) => a.name)).toEqual(['att-1.png', 'lab-report.pdf']);
    // A retry carries them again; a message without files carries no field.
    ws.receive({ type: 'error', id, code: 'conflict', reason: 'attachment_already_sent', message: 'used' });
    store.retry(id);
    expect(ws.framesOf('send')[1]).toMatchObject({ attachment_ids: ['att-1', 'att-2'] });
    store.send(C1, 'plain');
    expect(ws.framesOf('send')[2]).not.toHaveProperty('attachment_ids');
  });

  it('applies message_acked, my own acknowledgement over REST and a loaded list of acknowledgements', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    ws.receive({ type: 'message', message: message(C1, 1, { sender_id: PEER, priority: 'urgent', ack_required: true }) });
    ws.receive({ type: 'message', message: message(C1, 2, { sender_id: ME, priority: 'emergency', ack_required: true }) });
    store.applyOwnAck(C1, 1, '2026-12-05T08:00:00Z');
    expect(store.getState().conversations[C1]?.ackedByMe).toEqual({ 1: '2026-12-05T08:00:00Z' });
    store.setAcks(C1, 2, { acks: [], pending: [PEER], due_at: '2026-12-05T08:02:00Z' });
    ws.receive({ type: 'message_acked', conversation_id: C1, seq: 2, user_id: PEER, at: '2026-12-05T08:01:00Z', ack_count: 1 });
    const c = store.getState().conversations[C1];
    expect(c?.messages[1]?.ack_count).toBe(1);
    expect(c?.acks[2]).toEqual({ acks: [{ user_id: PEER, at: '2026-12-05T08:01:00Z' }], pending: [], due_at: '2026-12-05T08:02:00Z' });
  });

  it('marks a send failed when no ack comes in time', async () => {
    const { connect, store } = setup();
    await connect([conversation(C1, 0)]);
    store.send(C1, 'hello');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(store.getState().conversations[C1]?.pending[0]?.state).toBe('failed');
  });

  it('queues sends while offline and replays them after ready with the same client_msg_id', async () => {
    const { connect, store, latest } = setup();
    const ws = await connect([conversation(C1, 0)]);
    ws.drop(1006);
    const id = store.send(C1, 'written offline');
    expect(ws.framesOf('send')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000); // no ack timer while offline
    expect(store.getState().conversations[C1]?.pending[0]?.state).toBe('sending');

    const second = latest();
    second.open();
    second.receive(ready([conversation(C1, 0)]));
    expect(second.framesOf('send').map((f) => f.client_msg_id)).toEqual([id]);
  });

  it('resends an unacked message after a reconnect; the repeated ack and the sync leave one copy', async () => {
    const { connect, store, latest, seqs } = setup();
    const ws = await connect([conversation(C1, 0)]);
    const id = store.send(C1, 'hello');
    ws.drop(1006); // lost before the ack: was it stored?
    await vi.advanceTimersByTimeAsync(500);
    const second = latest();
    second.open();
    second.receive(ready([conversation(C1, 1)])); // it was: the server is at seq 1
    expect(second.framesOf('send').map((f) => f.client_msg_id)).toEqual([id]);
    expect(second.framesOf('sync')[0]?.cursors).toEqual({ [C1]: 0 });
    second.receive({ type: 'message', message: message(C1, 1, { sender_id: ME, client_msg_id: id }) });
    second.receive({ type: 'ack', id, conversation_id: C1, seq: 1, message_id: 'm1', created_at: '2026-11-23T02:00:01Z' });
    expect(seqs(C1)).toEqual([1]);
    expect(store.getState().conversations[C1]?.pending).toEqual([]);
  });
});

describe('typing, read receipts and presence', () => {
  it('shows typing for 5 s and clears it when that person posts', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    ws.receive({ type: 'typing', conversation_id: C1, user_id: PEER });
    expect(typingUsers(store.getState().conversations[C1], Date.now())).toEqual([PEER]);
    ws.receive({ type: 'message', message: message(C1, 1) });
    expect(typingUsers(store.getState().conversations[C1], Date.now())).toEqual([]);

    ws.receive({ type: 'typing', conversation_id: C1, user_id: PEER });
    await vi.advanceTimersByTimeAsync(6_000);
    expect(store.getState().conversations[C1]?.typing).toEqual({});
  });

  it('throttles my typing frames to one per 3 s per conversation', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 0)]);
    store.typing(C1);
    store.typing(C1);
    await vi.advanceTimersByTimeAsync(3_000);
    store.typing(C1);
    expect(ws.framesOf('typing')).toHaveLength(2);
  });

  it('tracks read positions and my unread count', async () => {
    const { connect, store } = setup();
    const ws = await connect([conversation(C1, 3, { last_read_seq: 1, unread: 2 })]);
    store.markRead(C1, 3);
    expect(ws.framesOf('read')).toEqual([{ type: 'read', conversation_id: C1, seq: 3 }]);
    expect(store.getState().conversations[C1]?.info.unread).toBe(0);
    store.markRead(C1, 2); // never backwards
    expect(ws.framesOf('read')).toHaveLength(1);

    ws.receive({ type: 'read', conversation_id: C1, user_id: PEER, seq: 3 });
    ws.receive({ type: 'read', conversation_id: C1, user_id: PEER, seq: 2 });
    expect(store.getState().conversations[C1]?.readBy[PEER]).toBe(3);
  });

  it('follows presence events', async () => {
    const { connect, store } = setup();
    const ws = await connect([]);
    ws.receive({ type: 'presence', user_id: PEER, status: 'away' });
    expect(store.getState().presence[PEER]).toBe('away');
  });

  it('adds and removes conversations live and passes workflow events on', async () => {
    const { connect, store } = setup();
    const ws = await connect([]);
    const seen: string[] = [];
    store.onEvent((e) => seen.push(e.type));
    ws.receive({ type: 'conversation_added', conversation: conversation(C2, 4, { kind: 'direct', peer_id: PEER }) });
    expect(store.getState().conversations[C2]?.cursor).toBe(4);
    ws.receive({ type: 'conversation_removed', conversation_id: C2 });
    expect(store.getState().conversations[C2]).toBeUndefined();
    expect(seen).toEqual(['conversation_added', 'conversation_removed']);
  });
});

describe('notifications', () => {
  const note = (id: string) => ({
    id,
    kind: 'assigned' as const,
    title: '胸痛3天',
    body: '孙丽',
    link: { case_id: 'case-1' },
    created_at: '2026-12-05T02:00:00Z',
  });

  it('takes the unread count from ready, bumps it per notification and sets it from notifications_read', async () => {
    const { store, latest } = setup();
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    latest().open();
    latest().receive(ready([], [], 2));
    expect(store.getState().notifications.unread).toBe(2);

    const events: string[] = [];
    store.onEvent((e) => events.push(e.type));
    latest().receive({ type: 'notification', notification: note('n-1') });
    expect(store.getState().notifications.unread).toBe(3);
    expect(store.getState().notifications.items.map((n) => n.id)).toEqual(['n-1']);
    latest().receive({ type: 'notifications_read', unread: 0 });
    expect(store.getState().notifications.unread).toBe(0);
    expect(store.getState().notifications.items[0]?.read_at).toBeDefined();
    expect(events).toEqual(['notification', 'notifications_read']); // passed on too (desktop, announcements)
  });

  it('publishes a change to subscribers, and nothing for a no-op', async () => {
    const { store, connect } = setup();
    const ws = await connect([]);
    let published = 0;
    store.subscribe(() => (published += 1));
    ws.receive({ type: 'notifications_read', unread: 0 });
    expect(published).toBe(0);
    store.updateNotifications({ type: 'page', items: [note('n-1')], nextCursor: null, first: true });
    expect(published).toBe(1);
    store.updateNotifications({ type: 'marked', ids: ['n-1'], at: '2026-12-05T03:00:00Z' });
    expect(store.getState().notifications.items[0]?.read_at).toBe('2026-12-05T03:00:00Z');
  });

  it('keeps the count across a reconnect that brings a new one, and marks the loaded list for reloading', async () => {
    const { store, latest, connect } = setup();
    const ws = await connect([]);
    store.updateNotifications({ type: 'page', items: [note('n-1')], nextCursor: null, first: true });
    ws.drop();
    await vi.advanceTimersByTimeAsync(1_000);
    latest().open();
    latest().receive(ready([], [], 4));
    expect(store.getState().notifications.unread).toBe(4);
    expect(store.getState().notifications.stale).toBe(true);
  });
});

describe('edits and reactions (SPEC §8)', () => {
  it('applies message_edited and reaction events, and my own reaction at once with its echo counted once', async () => {
    const { store, connect } = setup();
    const socket = await connect([conversation(C1, 0)]);
    socket.receive({ type: 'message', message: message(C1, 1) });
    socket.receive({ type: 'message_edited', conversation_id: C1, seq: 1, body: '改后的文字', edited_at: '2026-11-23T03:00:00Z', mentions: [] });
    const edited = store.getState().conversations[C1]?.messages[0];
    expect(edited).toMatchObject({ body: '改后的文字', edited_at: '2026-11-23T03:00:00Z' });

    store.applyOwnReaction(C1, 1, '收到', true);
    socket.receive({ type: 'reaction', conversation_id: C1, seq: 1, user_id: ME, emoji: '收到', added: true });
    socket.receive({ type: 'reaction', conversation_id: C1, seq: 1, user_id: PEER, emoji: '收到', added: true });
    expect(store.getState().conversations[C1]?.messages[0]?.reactions).toEqual([{ emoji: '收到', user_ids: [ME, PEER] }]);
    socket.receive({ type: 'reaction', conversation_id: C1, seq: 1, user_id: PEER, emoji: '收到', added: false });
    expect(store.getState().conversations[C1]?.messages[0]?.reactions).toEqual([{ emoji: '收到', user_ids: [ME] }]);
  });

  it('applies my edit as the server answered it', async () => {
    const { store, connect } = setup();
    const socket = await connect([conversation(C1, 0)]);
    socket.receive({ type: 'message', message: message(C1, 1, { sender_id: ME }) });
    store.applyEdit(message(C1, 1, { sender_id: ME, body: 'fixed typo', edited_at: '2026-11-23T03:00:00Z' }));
    expect(store.getState().conversations[C1]?.messages[0]?.body).toBe('fixed typo');
  });
});
