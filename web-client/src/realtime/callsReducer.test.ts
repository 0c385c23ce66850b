// Live calls and the ring, from events to state (SPEC §9).
import { describe, expect, it } from 'vitest';
import type { CallDto } from '../generated/CallDto';
import { callsReducer, initialCalls, isInCall, liveCallIn, RING_FOR_MS, ringsFor, type CallsAction, type CallsState } from './callsReducer';

const ME = 'user-me';
const WANG = 'user-wang';
const T0 = Date.parse('2026-12-06T08:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function call(id: string, extra: Partial<CallDto> = {}): CallDto {
  return {
    id,
    conversation_id: `conv-${id}`,
    started_by: WANG,
    started_at: at(0),
    participants: [{ user_id: WANG, connection_id: 'conn-wang', joined_at: at(0) }],
    declined_by: [],
    max_participants: 6,
    ...extra,
  };
}

const run = (state: CallsState, ...actions: CallsAction[]) => actions.reduce(callsReducer, state);
const started = (c: CallDto, now = T0 + 1_000): CallsAction => ({ type: 'started', me: ME, call: c, now });
const updated = (c: CallDto): CallsAction => ({ type: 'updated', me: ME, call: c });

describe('live calls', () => {
  it('a started call is live in its conversation until it ends', () => {
    const c = call('c1');
    let s = run(initialCalls, started(c));
    expect(liveCallIn(s, 'conv-c1')).toBe(c);
    expect(liveCallIn(s, 'conv-other')).toBeUndefined();
    s = run(s, { type: 'ended', call: { ...c, ended_at: at(60_000) } });
    expect(liveCallIn(s, 'conv-c1')).toBeUndefined();
    expect(s.ringing).toEqual([]);
  });

  it('an update carrying ended_at ends it too; an update of an unknown call makes it known', () => {
    let s = run(initialCalls, updated(call('c2')));
    expect(Object.keys(s.live)).toEqual(['c2']);
    s = run(s, updated({ ...call('c2'), ended_at: at(5_000) }));
    expect(s.live).toEqual({});
  });

  it('ready replaces the list (an end missed while away is not kept) and takes ended ones out', () => {
    let s = run(initialCalls, started(call('old')));
    s = run(s, { type: 'ready', me: ME, calls: [call('new', { started_at: at(-600_000) }), call('gone', { ended_at: at(0) })], now: T0 });
    expect(Object.keys(s.live)).toEqual(['new']);
  });

  it('losing the conversation drops its calls and their ring', () => {
    let s = run(initialCalls, started(call('c3')), started(call('c4')));
    s = run(s, { type: 'conversation_removed', conversationId: 'conv-c3' });
    expect(Object.keys(s.live)).toEqual(['c4']);
    expect(s.ringing).toEqual(['c4']);
  });

  it('an older copy of a call (shorter lists: they only grow) does not undo a newer one', () => {
    const c = call('c1');
    const joined = { ...c, participants: [...c.participants, { user_id: 'user-li', connection_id: 'conn-li', joined_at: at(2_000) }] };
    const declined = { ...joined, declined_by: ['user-zhang'] };
    const s = run(initialCalls, started(c), updated(declined));
    expect(callsReducer(s, updated(c))).toBe(s);
    expect(callsReducer(s, updated(joined))).toBe(s);
    const left = { ...declined, participants: [declined.participants[0]!, { ...declined.participants[1]!, left_at: at(5_000) }] };
    expect(run(s, updated(left)).live.c1).toBe(left);
  });

  it('a no-op keeps the very same state', () => {
    const c = call('c5');
    const s = run(initialCalls, started(c));
    expect(callsReducer(s, updated(c))).toBe(s);
    expect(callsReducer(s, { type: 'stop_ringing', callId: 'nope' })).toBe(s);
    expect(callsReducer(s, { type: 'ended', call: call('nope') })).toBe(s);
    expect(callsReducer(s, { type: 'ring_timeout', now: T0 + 1_000 })).toBe(s);
  });
});

describe('the ring', () => {
  it("rings for someone else's call, not for my own", () => {
    expect(run(initialCalls, started(call('c1'))).ringing).toEqual(['c1']);
    expect(run(initialCalls, started(call('c2', { started_by: ME }))).ringing).toEqual([]);
  });

  it('stops when I decline it, on any device (declined_by names me)', () => {
    const c = call('c1');
    const s = run(initialCalls, started(c), updated({ ...c, declined_by: [ME] }));
    expect(s.ringing).toEqual([]);
    expect(Object.keys(s.live)).toEqual(['c1']); // still live for the others
  });

  it('stops when I join it from any socket, and does not start again when I leave', () => {
    const c = call('c1');
    const joined = { ...c, participants: [...c.participants, { user_id: ME, connection_id: 'conn-phone', joined_at: at(3_000) }] };
    let s = run(initialCalls, started(c), updated(joined));
    expect(s.ringing).toEqual([]);
    expect(isInCall(joined, ME)).toBe(true);
    const left = { ...joined, participants: [c.participants[0]!, { ...joined.participants[1]!, left_at: at(9_000) }] };
    s = run(s, updated(left));
    expect(isInCall(left, ME)).toBe(false);
    expect(s.ringing).toEqual([]);
  });

  it('stops when the call ends, and when dismissed here', () => {
    let s = run(initialCalls, started(call('c1')), started(call('c2')));
    expect(s.ringing).toEqual(['c1', 'c2']);
    s = run(s, { type: 'ended', call: call('c1') }, { type: 'stop_ringing', callId: 'c2' });
    expect(s.ringing).toEqual([]);
    s = run(s, updated(call('c2')));
    expect(s.ringing).toEqual([]); // a call that stopped ringing never rings again
  });

  it('stops by itself RING_FOR_MS after the call started', () => {
    let s = run(initialCalls, started(call('c1')));
    s = run(s, { type: 'ring_timeout', now: T0 + RING_FOR_MS - 1 });
    expect(s.ringing).toEqual(['c1']);
    s = run(s, { type: 'ring_timeout', now: T0 + RING_FOR_MS });
    expect(s.ringing).toEqual([]);
    expect(run(initialCalls, started(call('late'), T0 + RING_FOR_MS + 1)).ringing).toEqual([]);
  });

  it('after a reload, a call that started moments ago rings on; an older one does not', () => {
    const s = run(initialCalls, {
      type: 'ready',
      me: ME,
      calls: [call('recent', { started_at: at(-5_000) }), call('old', { started_at: at(-RING_FOR_MS - 1) }), call('mine', { started_by: ME })],
      now: T0,
    });
    expect(s.ringing).toEqual(['recent']);
    expect(Object.keys(s.live).sort()).toEqual(['mine', 'old', 'recent']);
  });

  it('ready keeps ringing what still rings and drops what ended or was answered meanwhile', () => {
    const a = call('a');
    const b = call('b');
    let s = run(initialCalls, started(a), started(b));
    s = run(s, { type: 'ready', me: ME, calls: [{ ...b, declined_by: [ME] }], now: T0 + 2_000 });
    expect(s.ringing).toEqual([]);
    expect(ringsFor({ ...b, declined_by: [ME] }, ME)).toBe(false);
  });
});
