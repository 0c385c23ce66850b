import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attachment } from '../attachments/testing';
import { createAuthStore, memoryStorage, type KeyValueStorage, type Session } from '../auth/store';
import type { ConversationDto } from '../generated/ConversationDto';
import type { MessageDto } from '../generated/MessageDto';
import { clearOutboxOnSignOut, createOutboxPersistence, OUTBOX_MAX_AGE_MS, outboxKey } from './outbox';
import { RealtimeStore } from './store';
import { conversation as teamConversation, FakeSocket, message as peerMessage } from './testing';

const ME = 'user-me';
const OTHER = 'user-other';
const C1 = 'conv-1';
const C2 = 'conv-2';

function conversation(id: string, lastSeq: number): ConversationDto {
  return teamConversation(id, lastSeq, { title: `title of ${id}` });
}

/** One of my own messages, as the server echoes it back. */
function message(conversationId: string, seq: number, extra: Partial<MessageDto> = {}): MessageDto {
  return peerMessage(conversationId, seq, { sender_id: ME, client_msg_id: `c-${seq}`, created_at: '2026-11-23T02:00:00Z', ...extra });
}

/** A tab: a store persisting into `storage` for `user`; `load()` is a page (re)load. */
function tab(storage: KeyValueStorage, user = ME, options: { active?: () => boolean } = {}) {
  const sockets: FakeSocket[] = [];
  const store = new RealtimeStore({
    url: 'ws://test/api/v1/ws',
    token: async () => 'token',
    random: () => 1,
    ackTimeoutMs: 10_000,
    outbox: createOutboxPersistence(storage, user, options),
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  const connect = async (conversations: ConversationDto[]) => {
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    const ws = sockets[sockets.length - 1]!;
    ws.open();
    ws.receive({ type: 'ready', user_id: user, session_id: 's', connection_id: 'conn-1', live_calls: [], conversations, presence: [], unread_notifications: 0 });
    return ws;
  };
  const pending = (id: string) => store.getState().conversations[id]?.pending.map((p) => [p.body, p.state]);
  return { store, sockets, connect, pending };
}

function saved(storage: KeyValueStorage, user = ME): { entries: { clientMsgId: string; body: string; state: string }[] } | null {
  const raw = storage.getItem(outboxKey(user));
  return raw === null ? null : (JSON.parse(raw) as { entries: { clientMsgId: string; body: string; state: string }[] });
}

/** Writes an unsent message while offline and reloads: returns the storage and the message's client_msg_id. */
async function writtenOffline(body = '离线消息', conversationId = C1, lastSeq = 3) {
  const storage = memoryStorage();
  const first = tab(storage);
  const ws = await first.connect([conversation(conversationId, lastSeq)]);
  ws.drop();
  const id = first.store.send(conversationId, body);
  first.store.stop();
  return { storage, id };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('persisting the outbox', () => {
  it('keeps an unacked send under the user key, with its conversation, until the ack', async () => {
    const storage = memoryStorage();
    const { store, connect } = tab(storage);
    const ws = await connect([conversation(C1, 3)]);
    expect(storage.getItem(outboxKey(ME))).toBeNull();

    const id = store.send(C1, '请会诊', 2);
    const raw = JSON.parse(storage.getItem(outboxKey(ME)) ?? 'null');
    expect(raw.entries).toEqual([{ clientMsgId: id, conversationId: C1, body: '请会诊', replyToSeq: 2, state: 'sending', queuedAt: expect.any(Number) }]);
    expect(raw.conversations[C1].title).toBe(`title of ${C1}`);

    ws.receive({ type: 'ack', id, conversation_id: C1, seq: 4, message_id: 'm4', created_at: '2026-11-23T02:00:04Z' });
    expect(storage.getItem(outboxKey(ME))).toBeNull();
  });

  it('keeps a failed send, and forgets one the user discards', async () => {
    const storage = memoryStorage();
    const { store, connect } = tab(storage);
    const ws = await connect([conversation(C1, 0)]);
    const id = store.send(C1, 'too long?');
    ws.receive({ type: 'error', id, code: 'too_large', reason: 'body_too_large', message: 'too large' });
    expect(saved(storage)?.entries.map((e) => e.state)).toEqual(['failed']);
    store.discard(id);
    expect(saved(storage)).toBeNull();
  });

  it('writes nothing once the user is no longer signed in here', async () => {
    const storage = memoryStorage();
    let signedIn = true;
    const { store, connect } = tab(storage, ME, { active: () => signedIn });
    await connect([conversation(C1, 0)]);
    signedIn = false;
    store.send(C1, 'after sign-out');
    expect(storage.getItem(outboxKey(ME))).toBeNull();
  });
});

describe('restoring after a reload', () => {
  it('shows the unsent message in its conversation before the socket is ready', async () => {
    const { storage, id } = await writtenOffline();
    const second = tab(storage);
    const c = second.store.getState().conversations[C1];
    expect(c?.info.title).toBe(`title of ${C1}`);
    expect(c?.pending.map((p) => [p.clientMsgId, p.body, p.state])).toEqual([[id, '离线消息', 'sending']]);
    expect(second.store.getState().status).toBe('idle');
  });

  it('re-sends it with the same client_msg_id once ready, and clears it on the ack', async () => {
    const { storage, id } = await writtenOffline();
    const second = tab(storage);
    const ws = await second.connect([conversation(C1, 3)]);
    expect(ws.sends()).toEqual([{ type: 'send', id, conversation_id: C1, client_msg_id: id, body: '离线消息' }]);
    expect(saved(storage)?.entries.map((e) => e.clientMsgId)).toEqual([id]);

    ws.receive({ type: 'ack', id, conversation_id: C1, seq: 4, message_id: 'm4', created_at: '2026-11-23T02:00:04Z' });
    ws.receive({ type: 'message', message: message(C1, 4, { client_msg_id: id, body: '离线消息' }) });
    expect(second.pending(C1)).toEqual([]);
    expect(second.store.getState().conversations[C1]?.messages.map((m) => m.seq)).toEqual([4]);
    expect(storage.getItem(outboxKey(ME))).toBeNull();

    // A third load has nothing left to send.
    const third = tab(storage);
    const ws3 = await third.connect([conversation(C1, 4)]);
    expect(ws3.sends()).toEqual([]);
  });

  it('keeps an urgent message urgent: priority and acknowledgement survive the reload and go out again', async () => {
    const storage = memoryStorage();
    const first = tab(storage);
    const ws = await first.connect([conversation(C1, 3)]);
    ws.drop();
    const id = first.store.send(C1, '患者血压 70/40 mmHg，请立即到场', undefined, { priority: 'emergency', ackRequired: true });
    first.store.stop();
    expect(saved(storage)?.entries[0]).toMatchObject({ clientMsgId: id, priority: 'emergency', ackRequired: true });

    const second = tab(storage);
    expect(second.store.getState().conversations[C1]?.pending[0]).toMatchObject({ priority: 'emergency', ackRequired: true, state: 'sending' });
    const ws2 = await second.connect([conversation(C1, 3)]);
    expect(ws2.sends()).toEqual([
      { type: 'send', id, conversation_id: C1, client_msg_id: id, body: '患者血压 70/40 mmHg，请立即到场', priority: 'emergency', ack_required: true },
    ]);
  });

  it('keeps the files of a message written offline, and sends them by id after the reload', async () => {
    const storage = memoryStorage();
    const first = tab(storage);
    const ws = await first.connect([conversation(C1, 3)]);
    ws.drop();
    const files = [attachment('att-1', { conversation_id: C1, name: 'wound.png' })];
    const id = first.store.send(C1, '', undefined, {}, files);
    first.store.stop();

    const second = tab(storage);
    expect(second.store.getState().conversations[C1]?.pending[0]?.attachments?.map((a) => a.name)).toEqual(['wound.png']);
    const ws2 = await second.connect([conversation(C1, 3)]);
    expect(ws2.sends()).toEqual([{ type: 'send', id, conversation_id: C1, client_msg_id: id, body: '', attachment_ids: ['att-1'] }]);
  });

  it('drops a stored entry with neither text nor a valid file', () => {
    const storage = memoryStorage();
    const base = { conversationId: C1, state: 'sending', queuedAt: Date.now(), body: '' };
    const entries = [
      { ...base, clientMsgId: 'a' },
      { ...base, clientMsgId: 'b', attachments: [{ id: 'x' }] },
      { ...base, clientMsgId: 'c', attachments: [attachment('att-9', { conversation_id: C1 })] },
    ];
    storage.setItem(outboxKey(ME), JSON.stringify({ v: 1, entries, conversations: { [C1]: conversation(C1, 0) } }));
    const pending = tab(storage).store.getState().conversations[C1]?.pending ?? [];
    expect(pending.map((p) => [p.clientMsgId, p.attachments?.map((a) => a.id)])).toEqual([['c', ['att-9']]]);
  });

  it('restores an ordinary message without marks, and ignores marks it does not know', async () => {
    const storage = memoryStorage();
    const base = { conversationId: C1, state: 'sending', queuedAt: Date.now() };
    const entries = [
      { ...base, clientMsgId: 'a', body: 'plain' },
      { ...base, clientMsgId: 'b', body: 'odd', priority: 'critical', ackRequired: 'yes' },
      { ...base, clientMsgId: 'c', body: 'urgent', priority: 'urgent' },
    ];
    storage.setItem(outboxKey(ME), JSON.stringify({ v: 1, entries, conversations: { [C1]: conversation(C1, 0) } }));
    const pending = tab(storage).store.getState().conversations[C1]?.pending ?? [];
    expect(pending.map((p) => [p.body, p.priority, p.ackRequired])).toEqual([
      ['plain', undefined, undefined],
      ['odd', undefined, undefined],
      ['urgent', 'urgent', undefined],
    ]);
  });

  it('shows one copy when the server already had it (the ack was lost): sync and the repeated ack dedup', async () => {
    const { storage, id } = await writtenOffline('只存一次', C1, 3);
    const second = tab(storage);
    // The server stored it as seq 4 before the connection died.
    const ws = await second.connect([conversation(C1, 4)]);
    expect(ws.sends().map((f) => f.client_msg_id)).toEqual([id]);
    expect(ws.sent.find((f) => f.type === 'sync')).toMatchObject({ cursors: { [C1]: 3 } });
    ws.receive({ type: 'message', message: message(C1, 4, { client_msg_id: id, body: '只存一次' }) });
    ws.receive({ type: 'ack', id, conversation_id: C1, seq: 4, message_id: 'm4', created_at: '2026-11-23T02:00:04Z' });
    ws.receive({ type: 'message', message: message(C1, 4, { client_msg_id: id, body: '只存一次' }) });
    const c = second.store.getState().conversations[C1];
    expect(c?.messages.map((m) => m.body)).toEqual(['只存一次']);
    expect(c?.pending).toEqual([]);
    expect(storage.getItem(outboxKey(ME))).toBeNull();
  });

  it('clears a restored entry when REST history shows it was stored', async () => {
    const { storage, id } = await writtenOffline();
    const second = tab(storage);
    second.store.mergeHistory(C1, [message(C1, 4, { client_msg_id: id })]);
    expect(second.pending(C1)).toEqual([]);
    expect(storage.getItem(outboxKey(ME))).toBeNull();
  });

  it('keeps the order of several unsent messages across conversations', async () => {
    const storage = memoryStorage();
    const first = tab(storage);
    const ws = await first.connect([conversation(C1, 0), conversation(C2, 0)]);
    ws.drop();
    first.store.send(C1, 'one');
    vi.advanceTimersByTime(1);
    first.store.send(C2, 'two');
    vi.advanceTimersByTime(1);
    first.store.send(C1, 'three');
    first.store.stop();

    const second = tab(storage);
    expect(second.pending(C1)).toEqual([
      ['one', 'sending'],
      ['three', 'sending'],
    ]);
    const ws2 = await second.connect([conversation(C1, 0), conversation(C2, 0)]);
    expect(ws2.sends().map((f) => f.body)).toEqual(['one', 'three', 'two']);
  });

  it('re-sends a send that timed out, but leaves one the server refused for the user to decide', async () => {
    const storage = memoryStorage();
    const first = tab(storage);
    const ws = await first.connect([conversation(C1, 0)]);
    first.store.send(C1, 'timed out');
    const refused = first.store.send(C1, 'refused');
    ws.receive({ type: 'error', id: refused, code: 'forbidden', reason: 'case_team_only', message: 'no' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(first.pending(C1)).toEqual([
      ['timed out', 'failed'],
      ['refused', 'failed'],
    ]);
    first.store.stop();

    const second = tab(storage);
    expect(second.pending(C1)).toEqual([
      ['timed out', 'sending'],
      ['refused', 'failed'],
    ]);
    expect(second.store.getState().conversations[C1]?.pending[1]).toMatchObject({ error: 'forbidden', reason: 'case_team_only' });
    const ws2 = await second.connect([conversation(C1, 0)]);
    expect(ws2.sends().map((f) => f.body)).toEqual(['timed out']);
  });

  it('drops unsent messages of a conversation the user has lost', async () => {
    const { storage } = await writtenOffline();
    const second = tab(storage);
    await second.connect([conversation(C2, 0)]);
    expect(second.store.getState().conversations[C1]).toBeUndefined();
    expect(storage.getItem(outboxKey(ME))).toBeNull();
  });

  it('is per user: another user signing in here restores nothing', async () => {
    const { storage } = await writtenOffline();
    const other = tab(storage, OTHER);
    expect(other.store.getState().conversations).toEqual({});
    expect(saved(storage, ME)?.entries).toHaveLength(1);
  });

  it('ignores malformed storage and entries older than a week', async () => {
    const storage = memoryStorage();
    storage.setItem(outboxKey(ME), '{not json');
    expect(tab(storage).store.getState().conversations).toEqual({});

    const fresh = { clientMsgId: 'a', conversationId: C1, body: 'fresh', state: 'sending', queuedAt: Date.now() };
    const stale = { ...fresh, clientMsgId: 'b', body: 'stale', queuedAt: Date.now() - OUTBOX_MAX_AGE_MS - 1 };
    const broken = { ...fresh, clientMsgId: 'c', body: '' };
    const orphan = { ...fresh, clientMsgId: 'd', conversationId: 'unknown' };
    storage.setItem(outboxKey(ME), JSON.stringify({ v: 1, entries: [fresh, stale, broken, orphan, fresh], conversations: { [C1]: conversation(C1, 0) } }));
    expect(tab(storage).pending(C1)).toEqual([['fresh', 'sending']]);
  });
});

describe('several tabs and sign-out', () => {
  it("one tab's save keeps the other tab's unsent messages", async () => {
    const storage = memoryStorage();
    const a = tab(storage);
    const b = tab(storage);
    const wsA = await a.connect([conversation(C1, 0)]);
    const wsB = await b.connect([conversation(C1, 0)]);
    wsA.drop();
    wsB.drop();
    a.store.send(C1, 'from tab a');
    const fromB = b.store.send(C1, 'from tab b');
    expect(saved(storage)?.entries.map((e) => e.body)).toEqual(['from tab a', 'from tab b']);
    b.store.discard(fromB);
    expect(saved(storage)?.entries.map((e) => e.body)).toEqual(['from tab a']);
  });

  it('clears the outbox when the user signs out, not when the session merely expires', () => {
    const storage = memoryStorage();
    const auth = createAuthStore(memoryStorage());
    const session = (id: string): Session => ({ accessToken: 'a', refreshToken: 'r', user: { id } as Session['user'] });
    clearOutboxOnSignOut(auth, storage);
    storage.setItem(outboxKey(ME), 'x');
    auth.signIn(session(ME));
    auth.signOut('expired');
    expect(storage.getItem(outboxKey(ME))).toBe('x');
    auth.signIn(session(ME));
    auth.signOut('user');
    expect(storage.getItem(outboxKey(ME))).toBeNull();
  });
});
