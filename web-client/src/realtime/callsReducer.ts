// The live video calls of the user's conversations (SPEC §9) as a pure
// reducer: `(state, action) => state`, with no socket and no timer (the clock
// comes in with the actions), so the rules can be tested by feeding it
// actions (callsReducer.test.ts). store.ts feeds it `ready`, the `call_*`
// events and the calls the REST answers carry; the header's call button, the
// incoming-call banner and the call itself (calls/) read it.
//
// The rules:
// - `live` holds every call that has not ended, by id, as last heard: from
//   `ready` (`live_calls`, which replaces the list: a reconnect may have
//   missed an end), `call_started`, `call_updated` and REST answers. A call
//   with `ended_at`, and `call_ended`, take it out; so does losing the
//   conversation. A call's lists only grow (who joined, from which socket,
//   and who declined are never taken off), so a copy with shorter lists than
//   the one held is older (an event that crossed nodes slowly, a REST answer
//   overtaken by events) and is not applied (isOlderCall);
// - `ringing` lists the calls that ring here, oldest first: started by
//   someone else, and I have neither declined it nor joined it (on any of my
//   devices: `declined_by` and the participants say so). A call rings from
//   its `call_started`, and after a reload from `ready` while it is younger
//   than RING_FOR_MS; it stops when it no longer qualifies, when it ends,
//   when I dismiss it here (`stop_ringing`, e.g. declining before the server
//   answers) and RING_FOR_MS after it started (`ring_timeout`). A call that
//   stopped ringing never rings again.
//
// A no-op returns the very same state object, so the store publishes only changes.

import type { CallDto } from '../generated/CallDto';

/** How long an unanswered call rings (like a phone), counted from its start. */
export const RING_FOR_MS = 45_000;

export interface CallsState {
  /** Calls that have not ended, in the user's conversations, by id. */
  live: Readonly<Record<string, CallDto>>;
  /** Ids of the calls ringing here, oldest first. */
  ringing: readonly string[];
}

export type CallsAction =
  /** The socket's `ready`: the live calls, and whether a recent one should (still) ring. */
  | { type: 'ready'; me: string; calls: readonly CallDto[]; now: number }
  /** `call_started`. */
  | { type: 'started'; me: string; call: CallDto; now: number }
  /** `call_updated`, or a call as a REST answer gave it (join, leave, decline, GET). */
  | { type: 'updated'; me: string; call: CallDto }
  /** `call_ended`. */
  | { type: 'ended'; call: CallDto }
  /** Stop ringing this one here (declined, or accepted, before the server said so). */
  | { type: 'stop_ringing'; callId: string }
  /** Time has passed: calls that have rung for RING_FOR_MS stop. */
  | { type: 'ring_timeout'; now: number }
  /** The conversation is gone (`conversation_removed`): so are its calls. */
  | { type: 'conversation_removed'; conversationId: string };

export const initialCalls: CallsState = { live: {}, ringing: [] };

/** Whether I am in the call now, from any of my sockets. */
export function isInCall(call: CallDto, me: string): boolean {
  return call.participants.some((p) => p.user_id === me && p.left_at === undefined);
}

/** Whether the call should ring for me: live, someone else's, and neither declined nor joined by me. */
export function ringsFor(call: CallDto, me: string): boolean {
  return call.ended_at === undefined && call.started_by !== me && !call.declined_by.includes(me) && !isInCall(call, me);
}

/** Whether `incoming` is an older copy of `known` (shorter lists: they only grow). */
export function isOlderCall(incoming: CallDto, known: CallDto | undefined): boolean {
  return known !== undefined && (incoming.participants.length < known.participants.length || incoming.declined_by.length < known.declined_by.length);
}

/** The live call of a conversation, if any (a conversation has at most one). */
export function liveCallIn(state: CallsState, conversationId: string): CallDto | undefined {
  return Object.values(state.live).find((c) => c.conversation_id === conversationId);
}

/** When a ringing call stops ringing by itself (ms since the epoch); NaN for an unreadable start. */
export function ringEndsAt(call: CallDto): number {
  return Date.parse(call.started_at) + RING_FOR_MS;
}

function stillYoung(call: CallDto, now: number): boolean {
  const ends = ringEndsAt(call);
  return Number.isFinite(ends) && now < ends;
}

export function callsReducer(state: CallsState, action: CallsAction): CallsState {
  switch (action.type) {
    case 'ready': {
      const live: Record<string, CallDto> = {};
      for (const call of action.calls) if (call.ended_at === undefined) live[call.id] = call;
      const keep = state.ringing.filter((id) => live[id] !== undefined && ringsFor(live[id], action.me));
      const fresh = action.calls
        .filter((c) => live[c.id] !== undefined && !keep.includes(c.id) && ringsFor(c, action.me) && stillYoung(c, action.now))
        .sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at))
        .map((c) => c.id);
      return { live, ringing: sameList(state.ringing, [...keep, ...fresh]) };
    }
    case 'started': {
      const call = action.call;
      if (call.ended_at !== undefined) return callsReducer(state, { type: 'ended', call });
      const known = state.live[call.id] !== undefined;
      if (isOlderCall(call, state.live[call.id])) return state;
      const live = { ...state.live, [call.id]: call };
      const ring = !known && ringsFor(call, action.me) && stillYoung(call, action.now) && !state.ringing.includes(call.id);
      return { live, ringing: ring ? [...state.ringing, call.id] : withoutStopped(state.ringing, live, action.me) };
    }
    case 'updated': {
      const call = action.call;
      if (call.ended_at !== undefined) return callsReducer(state, { type: 'ended', call });
      if (state.live[call.id] === call || isOlderCall(call, state.live[call.id])) return state;
      const live = { ...state.live, [call.id]: call };
      return { live, ringing: withoutStopped(state.ringing, live, action.me) };
    }
    case 'ended': {
      if (state.live[action.call.id] === undefined && !state.ringing.includes(action.call.id)) return state;
      const live = { ...state.live };
      delete live[action.call.id];
      return { live, ringing: sameList(state.ringing, state.ringing.filter((id) => id !== action.call.id)) };
    }
    case 'stop_ringing': {
      if (!state.ringing.includes(action.callId)) return state;
      return { ...state, ringing: state.ringing.filter((id) => id !== action.callId) };
    }
    case 'ring_timeout': {
      const ringing = state.ringing.filter((id) => {
        const call = state.live[id];
        return call !== undefined && stillYoung(call, action.now);
      });
      return ringing.length === state.ringing.length ? state : { ...state, ringing };
    }
    case 'conversation_removed': {
      const gone = Object.values(state.live).filter((c) => c.conversation_id === action.conversationId);
      if (gone.length === 0) return state;
      const live = { ...state.live };
      for (const c of gone) delete live[c.id];
      return { live, ringing: state.ringing.filter((id) => live[id] !== undefined) };
    }
  }
}

/** The ringing list without the calls that no longer ring for me (same array when nothing changed). */
function withoutStopped(ringing: readonly string[], live: Readonly<Record<string, CallDto>>, me: string): readonly string[] {
  return sameList(
    ringing,
    ringing.filter((id) => {
      const call = live[id];
      return call !== undefined && ringsFor(call, me);
    }),
  );
}

function sameList(before: readonly string[], after: readonly string[]): readonly string[] {
  return before.length === after.length && before.every((id, i) => id === after[i]) ? before : after;
}
