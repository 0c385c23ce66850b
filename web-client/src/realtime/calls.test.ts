// The realtime store's part in video calls (SPEC §9): this socket's
// connection id, live calls from `ready` and the `call_*` events, the ring
// that stops by itself, and `signal` frames out and their refusals.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallDto } from '../generated/CallDto';
import type { ServerEvent } from '../generated/ServerEvent';
import { RING_FOR_MS } from './callsReducer';
import { liveCallIn, RealtimeStore } from './store';
import { conversation, FakeSocket } from './testing';

const ME = 'user-me';
const C1 = 'conv-1';

function call(extra: Partial<CallDto> = {}): CallDto {
  return {
    id: 'call-1',
    conversation_id: C1,
    started_by: 'user-wang',
    started_at: new Date(Date.now()).toISOString(),
    participants: [{ user_id: 'user-wang', connection_id: 'conn-wang', joined_at: new Date(Date.now()).toISOString() }],
    declined_by: [],
    max_participants: 6,
    ...extra,
  };
}

function ready(connectionId: string, liveCalls: CallDto[] = []): ServerEvent {
  return { type: 'ready', user_id: ME, session_id: 's-1', connection_id: connectionId, live_calls: liveCalls, conversations: [conversation(C1, 0)], presence: [], unread_notifications: 0 };
}

async function connected() {
  const sockets: FakeSocket[] = [];
  const store = new RealtimeStore({
    url: 'ws://test/api/v1/ws',
    token: async () => 'token',
    random: () => 1,
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  const events: ServerEvent[] = [];
  store.onEvent((e) => events.push(e));
  store.start();
  await vi.advanceTimersByTimeAsync(0);
  sockets[0]!.open();
  return { store, sockets, events, socket: sockets[0]! };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-06T08:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('calls in the realtime store', () => {
  it('keeps the connection id of each ready, and the live calls it lists', async () => {
    const { store, socket, sockets } = await connected();
    expect(store.getState().connectionId).toBeNull();
    socket.receive(ready('conn-1', [call()]));
    expect(store.getState().connectionId).toBe('conn-1');
    expect(liveCallIn(store.getState().calls, C1)?.id).toBe('call-1');

    // A reconnect brings a new connection id, and the list as it is now.
    socket.drop();
    await vi.advanceTimersByTimeAsync(1_000);
    sockets[1]!.open();
    sockets[1]!.receive(ready('conn-2', []));
    expect(store.getState().connectionId).toBe('conn-2');
    expect(liveCallIn(store.getState().calls, C1)).toBeUndefined();
  });

  it('rings on call_started, stops on call_ended; listeners see the events after the store', async () => {
    const { store, socket, events } = await connected();
    socket.receive(ready('conn-1'));
    const c = call();
    socket.receive({ type: 'call_started', call: c });
    expect(store.getState().calls.ringing).toEqual(['call-1']);
    expect(events.at(-1)).toEqual({ type: 'call_started', call: c });
    socket.receive({ type: 'call_updated', call: { ...c, declined_by: [ME] } });
    expect(store.getState().calls.ringing).toEqual([]);
    socket.receive({ type: 'call_ended', call: { ...c, ended_at: new Date().toISOString() } });
    expect(store.getState().calls.live).toEqual({});
  });

  it('stops an unanswered ring by itself after RING_FOR_MS', async () => {
    const { store, socket } = await connected();
    socket.receive(ready('conn-1'));
    socket.receive({ type: 'call_started', call: call() });
    await vi.advanceTimersByTimeAsync(RING_FOR_MS - 1_000);
    expect(store.getState().calls.ringing).toEqual(['call-1']);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(store.getState().calls.ringing).toEqual([]);
    expect(liveCallIn(store.getState().calls, C1)?.id).toBe('call-1');
  });

  it('stops ringing at once when asked, and applies a call a REST answer carries', async () => {
    const { store, socket } = await connected();
    socket.receive(ready('conn-1'));
    socket.receive({ type: 'call_started', call: call() });
    store.stopRinging('call-1');
    expect(store.getState().calls.ringing).toEqual([]);
    store.applyCall(call({ ended_at: new Date().toISOString() }));
    expect(store.getState().calls.live).toEqual({});
  });

  it('sends signal frames with a request id; a refusal of one is not taken for a failed message', async () => {
    const { store, socket, events } = await connected();
    expect(store.sendSignal('call-1', 'conn-x', { kind: 'media' })).toBeNull(); // no ready yet: nothing to send on
    socket.receive(ready('conn-1'));
    const id = store.sendSignal('call-1', 'conn-wang', { kind: 'candidate', candidate: { candidate: 'c' } });
    expect(id).toMatch(/^signal-/);
    expect(socket.framesOf('signal')).toEqual([
      { type: 'signal', id, call_id: 'call-1', to_connection_id: 'conn-wang', data: { kind: 'candidate', candidate: { candidate: 'c' } } },
    ]);
    const pendingBefore = store.getState().conversations[C1];
    socket.receive({ type: 'error', id: id!, code: 'conflict', reason: 'not_in_call', message: 'not in call' });
    expect(store.getState().conversations[C1]).toBe(pendingBefore);
    expect(events.at(-1)).toMatchObject({ type: 'error', reason: 'not_in_call' });
  });

  it('passes signals from others on to listeners untouched', async () => {
    const { socket, events } = await connected();
    socket.receive(ready('conn-1'));
    const signal: ServerEvent = { type: 'signal', call_id: 'call-1', from_user_id: 'user-wang', from_connection_id: 'conn-wang', data: { kind: 'media', audio: true } };
    socket.receive(signal);
    expect(events.at(-1)).toEqual(signal);
  });
});
