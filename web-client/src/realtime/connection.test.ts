// The connection indicator's states as the store drives them: heartbeat and
// pong deadline, ready timeout, the browser's offline/online events, a socket
// the server keeps refusing, and the server's close reasons (old and new).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConversationDto } from '../generated/ConversationDto';
import type { ServerEvent } from '../generated/ServerEvent';
import {
  MAX_BACKOFF_MS,
  PING_EVERY_MS,
  PONG_DEADLINE_MS,
  READY_TIMEOUT_MS,
  REFUSED_AFTER_FAILURES,
  RealtimeStore,
} from './store';
import { conversation, FakeSocket, message } from './testing';

const ME = 'user-me';
const C1 = 'conv-1';

function ready(conversations: ConversationDto[] = []): ServerEvent {
  return { type: 'ready', user_id: ME, session_id: 's-1', connection_id: 'conn-1', live_calls: [], conversations, presence: [], unread_notifications: 0 };
}

function setup(options: { probe?: () => Promise<boolean> } = {}) {
  const sockets: FakeSocket[] = [];
  const onSignedOut = vi.fn();
  const token = vi.fn(async (_fresh: boolean) => 'token-1');
  const store = new RealtimeStore({
    url: 'ws://test/api/v1/ws',
    token,
    onSignedOut,
    random: () => 1,
    ...(options.probe === undefined ? {} : { probe: options.probe }),
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
  const status = () => store.getState().status;
  /** Starts, opens the socket and delivers `ready`. */
  const connect = async (conversations: ConversationDto[] = []) => {
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    latest().open();
    latest().receive(ready(conversations));
    return latest();
  };
  /** Lets the pending reconnect run: the backoff with random() = 1 is at most MAX_BACKOFF_MS. */
  const nextAttempt = async () => {
    const before = sockets.length;
    for (let waited = 0; sockets.length === before && waited < MAX_BACKOFF_MS; waited += 100) {
      await vi.advanceTimersByTimeAsync(100);
    }
    if (sockets.length === before) throw new Error('no new attempt');
    return latest();
  };
  return { store, sockets, latest, status, connect, nextAttempt, onSignedOut, token };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('heartbeat', () => {
  it('pings every PING_EVERY_MS and stays connected while frames come back', async () => {
    const { connect, status } = setup();
    const ws = await connect();
    await vi.advanceTimersByTimeAsync(PING_EVERY_MS);
    expect(ws.framesOf('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    ws.receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(PONG_DEADLINE_MS);
    expect(status()).toBe('connected');
    await vi.advanceTimersByTimeAsync(PING_EVERY_MS - PONG_DEADLINE_MS - 1_000);
    expect(ws.framesOf('ping')).toHaveLength(2);
    // Any frame counts, not only a pong.
    ws.receive({ type: 'presence', user_id: 'user-peer', status: 'online' });
    await vi.advanceTimersByTimeAsync(PONG_DEADLINE_MS);
    expect(status()).toBe('connected');
    expect(ws.closed).toBe(false);
  });

  it('treats a ping answered by nothing within PONG_DEADLINE_MS as a dead link: reconnecting, then a new socket and a sync', async () => {
    const { connect, status, sockets, nextAttempt } = setup();
    const ws = await connect([conversation(C1, 2)]);
    await vi.advanceTimersByTimeAsync(PING_EVERY_MS + PONG_DEADLINE_MS - 1);
    expect(status()).toBe('connected');
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.closed).toBe(true);
    expect(status()).toBe('reconnecting');

    const second = await nextAttempt();
    expect(sockets).toHaveLength(2);
    second.open();
    second.receive(ready([conversation(C1, 3)]));
    expect(status()).toBe('connected');
    expect(second.framesOf('sync')[0]?.cursors).toEqual({ [C1]: 2 });
  });

  it('gives up a socket that brings no ready within READY_TIMEOUT_MS', async () => {
    const { store, latest, status, nextAttempt } = setup();
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    const silent = latest();
    silent.open(); // the auth frame goes out, but nothing comes back
    await vi.advanceTimersByTimeAsync(READY_TIMEOUT_MS - 1);
    expect(silent.closed).toBe(false);
    expect(status()).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(silent.closed).toBe(true);
    expect(status()).toBe('reconnecting');
    const next = await nextAttempt();
    next.open();
    next.receive(ready());
    expect(status()).toBe('connected');
  });
});

describe('browser offline and online', () => {
  it('shows offline at once, drops the socket and waits; online reconnects at once and syncs what was missed', async () => {
    const { connect, store, status, sockets, latest } = setup();
    const ws = await connect([conversation(C1, 4)]);
    store.setNetwork(false);
    expect(status()).toBe('offline');
    expect(ws.closed).toBe(true);
    // A send meanwhile waits for the connection.
    const id = store.send(C1, '离线时写的');
    expect(ws.framesOf('send')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets).toHaveLength(1); // no attempt while offline
    expect(status()).toBe('offline');

    store.setNetwork(true);
    expect(status()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets).toHaveLength(2);
    const second = latest();
    second.open();
    second.receive(ready([conversation(C1, 6)]));
    expect(status()).toBe('connected');
    expect(second.framesOf('sync')[0]?.cursors).toEqual({ [C1]: 4 });
    expect(second.framesOf('send').map((f) => f.client_msg_id)).toEqual([id]);
    second.receive({ type: 'message', message: message(C1, 5) });
    second.receive({ type: 'message', message: message(C1, 6) });
    expect(store.getState().conversations[C1]?.messages.map((m) => m.seq)).toEqual([5, 6]);
  });

  it('still tries now and then while offline, and a socket that gets through wins over the browser', async () => {
    const { connect, store, status, sockets, latest } = setup();
    await connect();
    store.setNetwork(false);
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF_MS - 1);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    latest().drop(1006); // really offline: stays offline, no refusal counted
    expect(status()).toBe('offline');
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF_MS);
    latest().open();
    latest().receive(ready());
    expect(status()).toBe('connected');
    expect(store.getState().refused).toBeNull();
  });

  it('online while connected checks the link with a ping instead of reconnecting', async () => {
    const { connect, store, sockets, status } = setup();
    const ws = await connect();
    store.setNetwork(true);
    expect(ws.framesOf('ping')).toHaveLength(1);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(PONG_DEADLINE_MS);
    expect(status()).toBe('reconnecting');
  });
});

describe('a socket the server refuses', () => {
  it(`says so after ${REFUSED_AFTER_FAILURES} attempts in a row fail before ready while the server answers HTTP`, async () => {
    const probe = vi.fn(async () => true);
    const { store, latest, status, nextAttempt } = setup({ probe });
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    // A 403 at the upgrade: the browser reports a close without ever opening.
    latest().drop(1006);
    for (let i = 1; i < REFUSED_AFTER_FAILURES; i += 1) {
      expect(store.getState().refused).toBeNull();
      (await nextAttempt()).drop(1006);
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(probe).toHaveBeenCalled();
    expect(store.getState().refused).toEqual({ closeReason: null });
    expect(status()).toBe('reconnecting');

    // It keeps trying; once the server lets it in, the explanation goes away.
    const next = await nextAttempt();
    next.open();
    next.receive(ready());
    expect(status()).toBe('connected');
    expect(store.getState().refused).toBeNull();
  });

  it('is only a lost connection when the server does not answer HTTP either', async () => {
    const probe = vi.fn(async () => false);
    const { store, latest, nextAttempt } = setup({ probe });
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    latest().drop(1006);
    for (let i = 1; i < REFUSED_AFTER_FAILURES + 1; i += 1) (await nextAttempt()).drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(probe).toHaveBeenCalled();
    expect(store.getState().refused).toBeNull();
    expect(store.getState().status).toBe('reconnecting');
  });

  it('names the close reason the server gave, and asks for a fresh token after invalid_token', async () => {
    const { store, latest, token, nextAttempt } = setup({ probe: async () => true });
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    latest().open();
    latest().drop(1008, 'invalid_token');
    for (let i = 1; i < REFUSED_AFTER_FAILURES; i += 1) {
      const ws = await nextAttempt();
      expect(token).toHaveBeenLastCalledWith(true);
      ws.open();
      ws.drop(1008, 'invalid_token');
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().refused).toEqual({ closeReason: 'invalid_token' });
  });

  it('does not count drops of a connection that had reached ready', async () => {
    const { connect, store, nextAttempt } = setup({ probe: async () => true });
    const ws = await connect();
    ws.drop(1006);
    for (let i = 1; i < REFUSED_AFTER_FAILURES; i += 1) {
      const next = await nextAttempt();
      next.open();
      next.receive(ready());
      next.drop(1006);
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().refused).toBeNull();
  });
});

describe('close reasons', () => {
  it.each([
    ['session_ended', 'session_ended'],
    ['account_deactivated', 'account_deactivated'],
    // Servers from before the reason words sent phrases.
    ['session ended', 'session_ended'],
    ['account deactivated', 'account_deactivated'],
  ])('signs out on %j', async (text, reason) => {
    const { connect, status, onSignedOut, sockets } = setup();
    const ws = await connect();
    ws.drop(1008, text);
    expect(status()).toBe('signed_out');
    expect(onSignedOut).toHaveBeenCalledExactlyOnceWith(reason);
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF_MS);
    expect(sockets).toHaveLength(1);
  });

  it.each(['too_slow', 'server_shutdown', 'idle_timeout', 'too slow; reconnect and sync', 'something new', ''])(
    'reconnects and syncs after %j',
    async (text) => {
      const { connect, status, onSignedOut, nextAttempt, token } = setup();
      const ws = await connect([conversation(C1, 1)]);
      ws.drop(1013, text);
      expect(status()).toBe('reconnecting');
      const next = await nextAttempt();
      expect(token).toHaveBeenLastCalledWith(false);
      next.open();
      next.receive(ready([conversation(C1, 1)]));
      expect(status()).toBe('connected');
      expect(next.framesOf('sync')).toHaveLength(1);
      expect(onSignedOut).not.toHaveBeenCalled();
    },
  );
});
