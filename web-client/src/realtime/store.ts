// The one websocket connection of this tab and everything it knows (SPEC §4,
// docs/protocol.md). Components read an immutable snapshot through
// `useSyncExternalStore`; nothing else opens a socket.
//
// What it owns:
// - the connection: auth frame, `ready`, reconnect with jittered backoff,
//   `sync` from per-conversation cursors after every `ready`. A heartbeat pings
//   every PING_EVERY_MS and treats a socket that answers nothing within
//   PONG_DEADLINE_MS as dead (a dead link may never deliver `close`), and a
//   socket with no `ready` within READY_TIMEOUT_MS as failed. The browser's
//   `offline` event shows `offline` at once; `online` reconnects at once.
//   Attempts that keep failing before `ready` while the server answers HTTP
//   (`probe`) mean the server refuses this page's socket (an Origin missing
//   from ALLOWED_ORIGINS is refused before the upgrade, which the browser only
//   reports as a failed connection): `refused` is set so the UI can say so.
//   The server's close reason (a WsCloseReason) decides between signing out
//   (`session_ended`, `account_deactivated`), a fresh token (`invalid_token`)
//   and a plain reconnect; an unknown close text is just a drop;
// - per-conversation state: message lists ordered and de-duplicated by `seq`
//   with gaps held back, recalls, pending sends, unread counts, read positions
//   and typing. Its rules live in the pure reducer of conversationReducer.ts;
//   the store turns frames, REST pages and user actions into its actions and
//   publishes the result;
// - optimistic sends on the wire: a pending entry goes out per
//   `client_msg_id`, is marked `failed` when no ack comes in time, and is
//   retried and replayed after a reconnect with the same `client_msg_id`,
//   which the server stores at most once. What is not acked yet is kept per
//   user in storage (outbox.ts) and restored on load, so a reload or a crashed
//   tab loses nothing; it goes out after the next `ready`;
// - the clock of typing indicators (shown 5 s after the last event) and presence;
// - edits and reactions (SPEC §8): `message_edited` and `reaction` events,
//   my own edit as the server answered it, and my own reaction applied at
//   once (the echo is then a no-op), through the same reducer;
// - acknowledgements of `ack_required` messages (SPEC §7): `message_acked`
//   events and the lists and answers the conversation view loads over REST
//   go through the same reducer;
// - the user's notifications (SPEC §7): the unread count from `ready`, live
//   `notification` and `notifications_read` events, and the list the
//   notification centre loads over REST, by the pure reducer of
//   notificationsReducer.ts;
// - video calls (SPEC §9): this socket's `connection_id` (signalling
//   addresses sockets), the live calls of the user's conversations and the
//   ones ringing here, by the pure reducer of callsReducer.ts, with the timer
//   that stops an unanswered ring; `signal` frames go out through
//   sendSignal(). The call itself (media, peers) lives in calls/, which
//   listens to `signal`, `call_*` and `ready` through onEvent.
//
// Workflow events (case_updated, triage_changed, …) are passed on to
// `onEvent` listeners; the feature screens apply the object an event carries
// to what they show (triage/queue.ts, consults/live.ts, referrals/live.ts,
// teams/live.ts, through useAsync's `apply`) and re-fetch only what an event
// does not carry (roster_changed names only ids).

import type { AttachmentDto } from '../generated/AttachmentDto';
import type { ClientFrame } from '../generated/ClientFrame';
import type { ConversationDto } from '../generated/ConversationDto';
import type { ConversationMemberDto } from '../generated/ConversationMemberDto';
import type { MessageAcks } from '../generated/MessageAcks';
import type { MessageDto } from '../generated/MessageDto';
import type { MessagePriority } from '../generated/MessagePriority';
import type { OwnStatus } from '../generated/OwnStatus';
import type { NotifyLevel } from '../generated/NotifyLevel';
import type { PresenceStatus } from '../generated/PresenceStatus';
import { applyDuty, dutyFromReady, type DutyByUser } from './presence';
import type { ServerEvent } from '../generated/ServerEvent';
import type { WsCloseReason } from '../generated/WsCloseReason';
import { isErrorReason, parseCloseReason } from '../i18n/reasons';
import {
  anyoneTyping,
  conversationReducer,
  findPending,
  initialConversations,
  syncCursors,
  type ConversationAction,
  type ConversationsState,
  type ConversationState,
  type PendingMessage,
} from './conversationReducer';
import {
  initialNotifications,
  notificationsReducer,
  type NotificationsAction,
  type NotificationsState,
} from './notificationsReducer';
import type { OutboxEntry, OutboxPersistence } from './outbox';
import { callsReducer, initialCalls, ringEndsAt, type CallsAction, type CallsState } from './callsReducer';
import type { CallDto } from '../generated/CallDto';

export type { ConversationState, PendingMessage, PendingState } from './conversationReducer';
export { awaitsMyAck, hasOlder, lastActivity, oldestLoaded, tombstone, typingUsers } from './conversationReducer';
export type { NotificationsState } from './notificationsReducer';
export type { CallsState } from './callsReducer';
export { isInCall, isOlderCall, liveCallIn } from './callsReducer';

/**
 * `offline`: the browser says it has no network (no attempt is made until it
 * says `online`, but for a slow fallback); `reconnecting`: the link was lost or
 * the attempts fail, and the store keeps trying with backoff.
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'signed_out';

/** The server answers HTTP but refuses this page's websocket, attempt after attempt. */
export interface SocketRefusal {
  /** The last close reason the server gave, when it gave a known one (none for a refused upgrade). */
  closeReason: WsCloseReason | null;
}

export interface RealtimeState {
  status: ConnectionStatus;
  userId: string | null;
  /** Counts `ready` frames: screens re-fetch what sync does not cover when it changes. */
  epoch: number;
  conversations: Readonly<Record<string, ConversationState>>;
  presence: Readonly<Record<string, PresenceStatus>>;
  /** Contacts' last known duty status (SPEC §7; presence.ts): absent means unknown, taken as on duty. */
  duty: DutyByUser;
  /** Set while the server keeps refusing the websocket although it answers HTTP; cleared by `ready`. */
  refused: SocketRefusal | null;
  /** The user's notifications: the unread count and the list loaded so far (notificationsReducer.ts). */
  notifications: NotificationsState;
  /** This socket's id from `ready` (signals are addressed to it); null before the first `ready`. */
  connectionId: string | null;
  /** Live calls in the user's conversations and those ringing here (callsReducer.ts). */
  calls: CallsState;
}

/** The part of the browser WebSocket the store uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface RealtimeOptions {
  url: string;
  /** An access token (refreshed first when `fresh`), or null once signed out. Rejects on network trouble. */
  token: (fresh: boolean) => Promise<string | null>;
  createSocket?: (url: string) => SocketLike;
  /** Called when the server ends the session (close reason `session_ended` or `account_deactivated`). */
  onSignedOut?: (reason: WsCloseReason) => void;
  /**
   * Whether the server answers plain HTTP (e.g. `GET /me`), asked after
   * REFUSED_AFTER_FAILURES attempts in a row failed before `ready`: true means
   * the socket itself is being refused. Without it the store assumes it does.
   */
  probe?: () => Promise<boolean>;
  now?: () => number;
  random?: () => number;
  /** A send not acked this long after it went out on an open socket is marked failed. */
  ackTimeoutMs?: number;
  /** Where unacked sends are kept across reloads (see outbox.ts); restored by the constructor. */
  outbox?: OutboxPersistence;
}

const OPEN = 1;
export const TYPING_SHOWN_MS = 5_000;
const TYPING_THROTTLE_MS = 3_000;
/** How often a connected socket is pinged. */
export const PING_EVERY_MS = 20_000;
/** A ping answered by no frame at all (pong or anything else) within this long means the link is dead. */
export const PONG_DEADLINE_MS = 10_000;
/** A socket that has not brought `ready` this long after it was created is given up (the server allows 10 s for auth). */
export const READY_TIMEOUT_MS = 15_000;
/** Attempts in a row that fail before `ready` until the store asks whether the server refuses the socket. */
export const REFUSED_AFTER_FAILURES = 3;
const PRESENCE_EVERY_MS = 45_000;
/** Longest wait between attempts; also the fallback retry while the browser says it is offline. */
export const MAX_BACKOFF_MS = 30_000;
/** Refusals worth sending again by themselves after a reload; any other stays failed until the user decides. */
const TRANSIENT_ERRORS = new Set(['timeout', 'rate_limited', 'internal']);

type SendFrame = Extract<ClientFrame, { type: 'send' }>;

/** How a message is marked when sent (SPEC §7); left out, it is an ordinary one. */
export interface SendMarks {
  priority?: MessagePriority;
  ackRequired?: boolean;
}

/** Only what differs from the defaults (`normal`, no acknowledgement), as kept on a pending send. */
function marksOf(marks: SendMarks): Pick<PendingMessage, 'priority' | 'ackRequired'> {
  return {
    ...(marks.priority === undefined || marks.priority === 'normal' ? {} : { priority: marks.priority }),
    ...(marks.ackRequired === true ? { ackRequired: true } : {}),
  };
}

type Listener = () => void;
type EventListener = (event: ServerEvent) => void;

export class RealtimeStore {
  private state: RealtimeState = {
    status: 'idle',
    userId: null,
    epoch: 0,
    conversations: {},
    presence: {},
    duty: {},
    refused: null,
    notifications: initialNotifications,
    connectionId: null,
    calls: initialCalls,
  };
  private readonly listeners = new Set<Listener>();
  private readonly eventListeners = new Set<EventListener>();
  private ws: SocketLike | null = null;
  private attempt = 0;
  /** Attempts in a row that ended before `ready`. */
  private failures = 0;
  /** The last known reason the server closed a socket with, since the last `ready`. */
  private lastCloseReason: WsCloseReason | null = null;
  private probing = false;
  /** The browser said `offline` and has not said `online` since (and no socket got through meanwhile). */
  private networkDown = false;
  private running = false;
  /** Bumped by stop(), so a connect() still waiting for its token gives up. */
  private generation = 0;
  private beat: ReturnType<typeof setInterval> | null = null;
  /** Runs out PONG_DEADLINE_MS after a ping unless a frame arrives first. */
  private pongDeadline: ReturnType<typeof setTimeout> | null = null;
  /** Runs out READY_TIMEOUT_MS after a socket was created unless `ready` arrives first. */
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  /** Stops the oldest ring when it has rung RING_FOR_MS. */
  private ringTimer: ReturnType<typeof setTimeout> | null = null;
  private signalCount = 0;
  /** The reducer's state; `state.conversations` is always its `conversations`. */
  private conv: ConversationsState = initialConversations;
  private readonly ackTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastTypingSent = new Map<string, number>();
  private ownStatus: OwnStatus = 'online';
  private lastPresenceSent = 0;
  /** What the outbox storage holds, as `id:state:error|…`, to write only on a change. */
  private savedOutbox = '';
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly ackTimeoutMs: number;
  private readonly createSocket: (url: string) => SocketLike;

  constructor(private readonly options: RealtimeOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.restoreOutbox();
  }

  // --- subscription ---------------------------------------------------------

  getState = (): RealtimeState => this.state;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Every server event, after the store has applied it. */
  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private set(next: Partial<RealtimeState>): void {
    this.state = { ...this.state, ...next };
    this.saveOutbox();
    for (const listener of this.listeners) listener();
  }

  // --- outbox persistence -----------------------------------------------------

  /**
   * Puts the unsent messages of the last page load back, each in its
   * conversation as last seen, so they show (pending) before `ready`. The ones
   * still `sending`, or failed for a passing reason, go out after `ready`.
   */
  private restoreOutbox(): void {
    const saved = this.options.outbox?.load();
    if (saved === undefined || saved.entries.length === 0) return;
    for (const e of saved.entries) {
      const info = saved.conversations[e.conversationId];
      if (info === undefined) continue;
      const retry = e.state === 'sending' || e.error === undefined || TRANSIENT_ERRORS.has(e.error);
      const pending: PendingMessage = {
        clientMsgId: e.clientMsgId,
        conversationId: info.id,
        body: e.body,
        state: retry ? 'sending' : 'failed',
        queuedAt: e.queuedAt,
        ...(e.replyToSeq === undefined ? {} : { replyToSeq: e.replyToSeq }),
        ...(e.priority === undefined ? {} : { priority: e.priority }),
        ...(e.ackRequired === true ? { ackRequired: true } : {}),
        ...(e.attachments === undefined || e.attachments.length === 0 ? {} : { attachments: e.attachments }),
        ...(retry || e.error === undefined ? {} : { error: e.error }),
        ...(retry || !isErrorReason(e.reason) ? {} : { reason: e.reason }),
      };
      this.dispatch({ type: 'pending_restored', info, pending }, false);
    }
    this.saveOutbox();
  }

  /** Writes the unacked sends to the outbox storage when they changed. */
  private saveOutbox(): void {
    const outbox = this.options.outbox;
    if (outbox === undefined) return;
    const entries: OutboxEntry[] = [];
    const conversations: Record<string, ConversationDto> = {};
    for (const c of Object.values(this.state.conversations)) {
      for (const p of c.pending) {
        if (p.state === 'sent') continue; // acked: durable on the server
        entries.push({
          clientMsgId: p.clientMsgId,
          conversationId: p.conversationId,
          body: p.body,
          state: p.state,
          queuedAt: p.queuedAt,
          ...(p.replyToSeq === undefined ? {} : { replyToSeq: p.replyToSeq }),
          ...(p.priority === undefined ? {} : { priority: p.priority }),
          ...(p.ackRequired === undefined ? {} : { ackRequired: p.ackRequired }),
          ...(p.attachments === undefined || p.attachments.length === 0 ? {} : { attachments: [...p.attachments] }),
          ...(p.error === undefined ? {} : { error: p.error }),
          ...(p.reason === undefined ? {} : { reason: p.reason }),
        });
        conversations[c.info.id] = c.info;
      }
    }
    const signature = entries.map((e) => `${e.clientMsgId}:${e.state}:${e.error ?? ''}`).join('|');
    if (signature === this.savedOutbox) return;
    this.savedOutbox = signature;
    outbox.save({ entries: entries.sort((a, b) => a.queuedAt - b.queuedAt), conversations });
  }

  /**
   * Runs a conversation action through the reducer and publishes the result
   * when the screens can see a change (`publish: false` only updates the
   * snapshot, for callers that publish later). Ack timers of sends that are no
   * longer waiting for an ack are dropped.
   */
  private dispatch(action: ConversationAction, publish = true): void {
    const next = conversationReducer(this.conv, action);
    if (next === this.conv) return;
    this.conv = next;
    this.dropSettledAckTimers();
    if (next.conversations === this.state.conversations) return;
    if (publish) this.set({ conversations: next.conversations });
    else this.state = { ...this.state, conversations: next.conversations };
  }

  /** Runs a notifications action through its reducer and publishes the result when it changed. */
  private notify(action: NotificationsAction, publish = true): void {
    const next = notificationsReducer(this.state.notifications, action);
    if (next === this.state.notifications) return;
    if (publish) this.set({ notifications: next });
    else this.state = { ...this.state, notifications: next };
  }

  /** Runs a calls action through its reducer, publishes a change, and times the next ring to stop. */
  private callsDispatch(action: CallsAction, publish = true): void {
    const next = callsReducer(this.state.calls, action);
    if (next === this.state.calls) return;
    if (publish) this.set({ calls: next });
    else this.state = { ...this.state, calls: next };
    this.scheduleRingTimeout();
  }

  private scheduleRingTimeout(): void {
    if (this.ringTimer !== null) clearTimeout(this.ringTimer);
    this.ringTimer = null;
    const calls = this.state.calls;
    const ends = calls.ringing.map((id) => calls.live[id]).filter((c) => c !== undefined).map(ringEndsAt);
    if (ends.length === 0) return;
    const delay = Math.max(0, Math.min(...ends) - this.now());
    this.ringTimer = setTimeout(() => {
      this.ringTimer = null;
      this.callsDispatch({ type: 'ring_timeout', now: this.now() });
    }, delay + 50);
  }

  /** An ack timer runs only for a send still `sending`: one acked, failed, discarded or delivered needs none. */
  private dropSettledAckTimers(): void {
    for (const clientMsgId of [...this.ackTimers.keys()]) {
      if (!findPending(this.conv, clientMsgId).some((p) => p.state === 'sending')) this.clearAckTimer(clientMsgId);
    }
  }

  // --- connection -----------------------------------------------------------

  start(): void {
    if (this.running) return;
    this.running = true;
    this.set({ status: 'connecting' });
    void this.connect(false);
  }

  /** Close for good (sign-out, unmount). */
  stop(): void {
    this.running = false;
    this.generation += 1;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws !== null) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(1000, 'bye');
    }
    if (this.state.status !== 'signed_out') this.set({ status: 'idle' });
  }

  private clearTimers(): void {
    this.clearSocketTimers();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    if (this.typingTimer !== null) clearTimeout(this.typingTimer);
    if (this.ringTimer !== null) clearTimeout(this.ringTimer);
    this.reconnectTimer = this.typingTimer = this.ringTimer = null;
  }

  /** The timers that belong to the current socket: heartbeat, pong deadline, ready timeout, acks. */
  private clearSocketTimers(): void {
    if (this.beat !== null) clearInterval(this.beat);
    if (this.pongDeadline !== null) clearTimeout(this.pongDeadline);
    if (this.readyTimer !== null) clearTimeout(this.readyTimer);
    this.beat = this.pongDeadline = this.readyTimer = null;
    for (const timer of this.ackTimers.values()) clearTimeout(timer);
    this.ackTimers.clear();
  }

  private async connect(fresh: boolean): Promise<void> {
    const generation = this.generation;
    let token: string | null;
    try {
      token = await this.options.token(fresh);
    } catch {
      if (this.running && generation === this.generation) this.scheduleReconnect(false);
      return;
    }
    if (!this.running || generation !== this.generation) return;
    if (token === null) return this.signedOut(null);
    let ws: SocketLike;
    try {
      ws = this.createSocket(this.options.url);
    } catch {
      return this.failed();
    }
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'auth', token } satisfies ClientFrame));
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      // Any frame shows the link is alive.
      if (this.pongDeadline !== null) clearTimeout(this.pongDeadline);
      this.pongDeadline = null;
      let frame: ServerEvent;
      try {
        frame = JSON.parse(String(event.data)) as ServerEvent;
      } catch {
        return;
      }
      this.handle(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.closed(event.code, event.reason);
    };
    ws.onerror = () => {
      // A close event follows; that is where we reconnect.
    };
    this.clearSocketTimers();
    this.readyTimer = setTimeout(() => {
      this.readyTimer = null;
      // Opened (or not) but no `ready`: give this attempt up and count it as failed.
      if (this.ws === ws && this.state.status !== 'connected') this.abandon(ws);
    }, READY_TIMEOUT_MS);
    this.beat = setInterval(() => this.heartbeat(), PING_EVERY_MS);
  }

  private heartbeat(): void {
    const ws = this.ws;
    if (ws === null || this.state.status !== 'connected') return;
    this.ping(ws);
    if (this.now() - this.lastPresenceSent >= PRESENCE_EVERY_MS) {
      // Presence is kept per login session; re-announcing keeps it right when another tab closes.
      this.sendPresence();
    }
  }

  /** Pings and arms the deadline: no frame at all before it runs out means the link is dead. */
  private ping(ws: SocketLike): void {
    if (!this.write({ type: 'ping' })) return;
    if (this.pongDeadline !== null) return;
    this.pongDeadline = setTimeout(() => {
      this.pongDeadline = null;
      if (this.ws === ws) this.abandon(ws);
    }, PONG_DEADLINE_MS);
  }

  /** Drops a socket the server may never close for us (dead link, no `ready`), then reconnects as after any drop. */
  private abandon(ws: SocketLike): void {
    ws.onclose = null;
    ws.onmessage = null;
    ws.close();
    this.closed(1006, '');
  }

  private closed(code: number, reasonText: string): void {
    this.ws = null;
    this.clearSocketTimers();
    if (!this.running) return;
    const reason = parseCloseReason(reasonText);
    if (reason === 'session_ended' || reason === 'account_deactivated') return this.signedOut(reason);
    if (reason !== null) this.lastCloseReason = reason;
    // A policy close (a refused token) asks for a fresh token first.
    this.failed(code === 1008 || reason === 'invalid_token');
  }

  /** An attempt ended (before or after `ready`): show it and try again after the backoff. */
  private failed(fresh = false): void {
    if (this.state.status !== 'connected' && !this.networkDown) this.failures += 1;
    const status = this.networkDown ? 'offline' : 'reconnecting';
    if (this.state.status !== status) this.set({ status });
    this.scheduleReconnect(fresh);
    if (this.failures >= REFUSED_AFTER_FAILURES) void this.checkRefused();
  }

  /** Asks whether the server answers HTTP; if it does while the socket keeps failing, the socket is being refused. */
  private async checkRefused(): Promise<void> {
    if (this.probing) return;
    const generation = this.generation;
    this.probing = true;
    let reachable: boolean;
    try {
      reachable = this.options.probe === undefined ? true : await this.options.probe();
    } catch {
      reachable = false;
    } finally {
      this.probing = false;
    }
    if (!this.running || generation !== this.generation || this.state.status === 'connected') return;
    if (this.failures < REFUSED_AFTER_FAILURES) return;
    if (!reachable) {
      if (this.state.refused !== null) this.set({ refused: null });
      return;
    }
    // The server answered, so the network is there whatever the browser said.
    this.networkDown = false;
    const refused = this.state.refused;
    if (refused === null || refused.closeReason !== this.lastCloseReason) {
      this.set({ refused: { closeReason: this.lastCloseReason }, ...(this.state.status === 'offline' ? { status: 'reconnecting' as const } : {}) });
    }
  }

  private scheduleReconnect(fresh: boolean): void {
    if (!this.running) return;
    if (this.state.status !== 'reconnecting' && this.state.status !== 'offline') {
      this.set({ status: this.state.epoch === 0 ? 'connecting' : 'reconnecting' });
    }
    // While the browser says it is offline, only a slow fallback attempt (in case it is wrong); `online` retries at once.
    const delay = this.networkDown
      ? MAX_BACKOFF_MS
      : Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt++) * (0.5 + this.random() / 2);
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect(fresh);
    }, delay);
  }

  /** Skip the backoff wait (the browser came back online, the user clicked "reconnect"). */
  reconnectNow(): void {
    if (!this.running) return;
    if (this.ws !== null) {
      // Connected: make sure the link is really alive. Still waiting for `ready`: let that attempt finish.
      if (this.state.status === 'connected') this.ping(this.ws);
      return;
    }
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.attempt = 0;
    void this.connect(false);
  }

  /**
   * The browser's `online`/`offline` events. Offline shows at once and drops the
   * socket (browsers may keep a dead one open for minutes); online reconnects at
   * once, and the `ready` that follows syncs what was missed.
   */
  setNetwork(online: boolean): void {
    if (!this.running) return;
    if (!online) {
      this.networkDown = true;
      const ws = this.ws;
      if (ws !== null) {
        ws.onclose = null;
        ws.onmessage = null;
        ws.close();
        this.ws = null;
      }
      this.clearSocketTimers();
      this.set({ status: 'offline', refused: null });
      this.scheduleReconnect(false);
      return;
    }
    if (!this.networkDown) return this.reconnectNow();
    this.networkDown = false;
    this.failures = 0;
    if (this.state.status === 'offline') this.set({ status: this.state.epoch === 0 ? 'connecting' : 'reconnecting' });
    this.reconnectNow();
  }

  private signedOut(reason: WsCloseReason | null): void {
    this.running = false;
    this.clearTimers();
    this.set({ status: 'signed_out', refused: null });
    this.options.onSignedOut?.(reason ?? 'session_ended');
  }

  private write(frame: ClientFrame): boolean {
    const ws = this.ws;
    if (ws === null || ws.readyState !== OPEN || this.state.status !== 'connected') return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  // --- incoming -------------------------------------------------------------

  /** Applies one server frame. Public for tests; the socket calls it. */
  handle(event: ServerEvent): void {
    switch (event.type) {
      case 'ready':
        this.onReady(event);
        break;
      case 'message':
        this.dispatch({ type: 'messages', messages: [event.message] });
        break;
      case 'ack':
        this.onAck(event.id, event.conversation_id, event.seq);
        break;
      case 'error':
        // A refused `signal` is the call's business (calls/ listens for it); any other id is a send's.
        if (event.id !== undefined && !event.id.startsWith('signal-')) this.onSendError(event.id, event.code, event.reason);
        break;
      case 'message_recalled':
        this.dispatch({ type: 'recalled', conversationId: event.conversation_id, seq: event.seq });
        break;
      case 'message_edited':
        this.dispatch({
          type: 'edited',
          conversationId: event.conversation_id,
          seq: event.seq,
          body: event.body,
          editedAt: event.edited_at,
          mentions: event.mentions,
        });
        break;
      case 'reaction':
        this.dispatch({
          type: 'reaction',
          conversationId: event.conversation_id,
          seq: event.seq,
          userId: event.user_id,
          emoji: event.emoji,
          added: event.added,
        });
        break;
      case 'message_acked':
        this.dispatch({
          type: 'message_acked',
          conversationId: event.conversation_id,
          seq: event.seq,
          userId: event.user_id,
          at: event.at,
          ackCount: event.ack_count,
        });
        break;
      case 'typing':
        this.onTyping(event.conversation_id, event.user_id);
        break;
      case 'read':
        this.dispatch({ type: 'read', conversationId: event.conversation_id, userId: event.user_id, seq: event.seq });
        break;
      case 'presence':
        this.set({ presence: { ...this.state.presence, [event.user_id]: event.status }, duty: applyDuty(this.state.duty, event) });
        break;
      case 'conversation_added':
        this.addConversation(event.conversation);
        break;
      case 'conversation_removed':
        this.dispatch({ type: 'conversation_removed', conversationId: event.conversation_id });
        this.callsDispatch({ type: 'conversation_removed', conversationId: event.conversation_id });
        break;
      case 'call_started':
        if (this.state.userId !== null) this.callsDispatch({ type: 'started', me: this.state.userId, call: event.call, now: this.now() });
        break;
      case 'call_updated':
        if (this.state.userId !== null) this.callsDispatch({ type: 'updated', me: this.state.userId, call: event.call });
        break;
      case 'call_ended':
        this.callsDispatch({ type: 'ended', call: event.call });
        break;
      case 'notification':
        this.notify({ type: 'received', notification: event.notification });
        break;
      case 'notifications_read':
        this.notify({ type: 'read_elsewhere', unread: event.unread });
        break;
      default:
        break;
    }
    for (const listener of this.eventListeners) listener(event);
  }

  private onReady(event: Extract<ServerEvent, { type: 'ready' }>): void {
    this.attempt = 0;
    this.failures = 0;
    this.lastCloseReason = null;
    this.networkDown = false;
    if (this.readyTimer !== null) clearTimeout(this.readyTimer);
    this.readyTimer = null;
    this.dispatch({ type: 'ready', userId: event.user_id, conversations: event.conversations }, false);
    // An older server sends no count: keep what we know.
    if (typeof event.unread_notifications === 'number') this.notify({ type: 'ready', unread: event.unread_notifications }, false);
    // An older server sends neither: no calls then.
    this.state = { ...this.state, connectionId: typeof event.connection_id === 'string' ? event.connection_id : null };
    this.callsDispatch({ type: 'ready', me: event.user_id, calls: Array.isArray(event.live_calls) ? event.live_calls : [], now: this.now() }, false);
    const presence: Record<string, PresenceStatus> = {};
    for (const entry of event.presence) presence[entry.user_id] = entry.status;
    this.state = {
      status: 'connected',
      userId: event.user_id,
      epoch: this.state.epoch + 1,
      conversations: this.conv.conversations,
      presence,
      duty: dutyFromReady(this.state.duty, event.presence),
      refused: null,
      notifications: this.state.notifications,
      connectionId: this.state.connectionId,
      calls: this.state.calls,
    };
    this.write({ type: 'sync', id: `sync-${this.state.epoch}`, cursors: syncCursors(this.conv) });
    this.sendPresence();
    for (const c of Object.values(this.conv.conversations)) {
      for (const p of c.pending) if (p.state === 'sending') this.transmit(p);
    }
    this.set({});
  }

  private onTyping(conversationId: string, userId: string): void {
    if (userId === this.state.userId) return;
    this.dispatch({ type: 'typing', conversationId, userId, until: this.now() + TYPING_SHOWN_MS });
    this.scheduleTypingSweep();
  }

  private scheduleTypingSweep(): void {
    if (this.typingTimer !== null) return;
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      this.dispatch({ type: 'typing_expired', now: this.now() });
      if (anyoneTyping(this.conv)) this.scheduleTypingSweep();
    }, 1_000);
  }

  private onAck(requestId: string, conversationId: string, seq: number): void {
    this.clearAckTimer(requestId);
    this.dispatch({ type: 'ack', clientMsgId: requestId, conversationId, seq });
  }

  private onSendError(requestId: string, code: string, reason: unknown): void {
    this.clearAckTimer(requestId);
    // An older server sends no reason, a newer one may send a word this client does not know: the code then speaks.
    this.dispatch({ type: 'send_failed', clientMsgId: requestId, error: code, ...(isErrorReason(reason) ? { reason } : {}) });
  }

  /** My notification level of a conversation changed (saved with PUT …/notify). */
  setNotifyLevel(conversationId: string, level: NotifyLevel): void {
    this.dispatch({ type: 'notify_level', conversationId, level });
  }

  addConversation(info: ConversationDto): void {
    this.dispatch({ type: 'conversation_added', info });
  }

  // --- outgoing -------------------------------------------------------------

  /**
   * Posts a message optimistically; returns its client_msg_id. `marks` (urgent
   * or emergency, acknowledgement required) and `attachments` (files already
   * uploaded to the conversation, sent by id; the body may then be empty)
   * travel with it, also through the outbox and every resend.
   */
  send(conversationId: string, body: string, replyToSeq?: number, marks: SendMarks = {}, attachments: readonly AttachmentDto[] = []): string {
    const clientMsgId = newId();
    const pending: PendingMessage = {
      clientMsgId,
      conversationId,
      body,
      state: 'sending',
      queuedAt: this.now(),
      ...(replyToSeq === undefined ? {} : { replyToSeq }),
      ...marksOf(marks),
      ...(attachments.length === 0 ? {} : { attachments: [...attachments] }),
    };
    this.dispatch({ type: 'send', pending });
    this.lastTypingSent.delete(conversationId);
    this.transmit(pending);
    return clientMsgId;
  }

  /** Sends a failed message again with the same client_msg_id. */
  retry(clientMsgId: string): void {
    const failed = new Set(findPending(this.conv, clientMsgId).filter((p) => p.state === 'failed').map((p) => p.conversationId));
    if (failed.size === 0) return;
    this.dispatch({ type: 'retry', clientMsgId });
    for (const p of findPending(this.conv, clientMsgId)) if (p.state === 'sending' && failed.has(p.conversationId)) this.transmit(p);
  }

  /** Drops a failed message the user gave up on. */
  discard(clientMsgId: string): void {
    this.dispatch({ type: 'discard', clientMsgId });
  }

  private transmit(p: PendingMessage): void {
    const frame: SendFrame = {
      type: 'send',
      id: p.clientMsgId,
      conversation_id: p.conversationId,
      client_msg_id: p.clientMsgId,
      body: p.body,
      ...(p.replyToSeq === undefined ? {} : { reply_to_seq: p.replyToSeq }),
      ...(p.priority === undefined ? {} : { priority: p.priority }),
      ...(p.ackRequired === true ? { ack_required: true } : {}),
      ...(p.attachments === undefined || p.attachments.length === 0 ? {} : { attachment_ids: p.attachments.map((a) => a.id) }),
    };
    if (!this.write(frame)) return; // offline: replayed after the next `ready`
    this.clearAckTimer(p.clientMsgId);
    this.ackTimers.set(
      p.clientMsgId,
      setTimeout(() => {
        this.ackTimers.delete(p.clientMsgId);
        this.dispatch({ type: 'send_failed', clientMsgId: p.clientMsgId, error: 'timeout' });
      }, this.ackTimeoutMs),
    );
  }

  private clearAckTimer(clientMsgId: string): void {
    const timer = this.ackTimers.get(clientMsgId);
    if (timer !== undefined) clearTimeout(timer);
    this.ackTimers.delete(clientMsgId);
  }

  /** Tells the others the user is typing, at most every 3 s per conversation. */
  typing(conversationId: string): void {
    const now = this.now();
    if (now - (this.lastTypingSent.get(conversationId) ?? -Infinity) < TYPING_THROTTLE_MS) return;
    if (this.write({ type: 'typing', conversation_id: conversationId })) this.lastTypingSent.set(conversationId, now);
  }

  /** Moves the user's read position forward (no-op when it is there already). */
  markRead(conversationId: string, seq: number): void {
    const c = this.state.conversations[conversationId];
    const me = this.state.userId;
    if (c === undefined || me === null || seq <= c.info.last_read_seq) return;
    if (this.write({ type: 'read', conversation_id: conversationId, seq })) this.dispatch({ type: 'read', conversationId, userId: me, seq });
  }

  setOwnPresence(status: OwnStatus): void {
    if (status === this.ownStatus) return;
    this.ownStatus = status;
    this.sendPresence();
  }

  private sendPresence(): void {
    if (this.write({ type: 'presence', status: this.ownStatus })) this.lastPresenceSent = this.now();
  }

  // --- from REST --------------------------------------------------------------

  /** Merges a page of `GET /conversations/{id}/messages` into the list. */
  mergeHistory(conversationId: string, messages: readonly MessageDto[]): void {
    this.dispatch({ type: 'history', conversationId, messages });
  }

  /** Starting read positions of every member, from `GET /conversations/{id}`. */
  setReadPositions(conversationId: string, members: readonly ConversationMemberDto[]): void {
    this.dispatch({ type: 'read_positions', conversationId, members });
  }

  /** Feeds the notifications reducer what came over REST or what the user did (a page, a marking, the server's count). */
  updateNotifications(action: Extract<NotificationsAction, { type: 'page' | 'marked' | 'marked_all' | 'count' }>): void {
    this.notify(action);
  }

  /** My acknowledgement of a message, as the server answered it over REST (the `message_acked` event brings the count). */
  applyOwnAck(conversationId: string, seq: number, at: string): void {
    const me = this.state.userId;
    if (me !== null) this.dispatch({ type: 'message_acked', conversationId, seq, userId: me, at });
  }

  /** Who has and who has not acknowledged a message, from `GET /conversations/{id}/messages/{seq}/acks`. */
  setAcks(conversationId: string, seq: number, acks: MessageAcks): void {
    this.dispatch({ type: 'acks_loaded', conversationId, seq, acks });
  }

  /** My edit as `PUT …/messages/{seq}` answered it (the updated message), without waiting for `message_edited`. */
  applyEdit(message: MessageDto): void {
    if (message.edited_at === undefined) return;
    this.dispatch({
      type: 'edited',
      conversationId: message.conversation_id,
      seq: message.seq,
      body: message.body,
      editedAt: message.edited_at,
      mentions: message.mentions,
    });
  }

  /**
   * Shows my reaction added or taken back at once, before the server answers
   * (its `reaction` echo then changes nothing); on a refusal the caller applies
   * the opposite to put it back.
   */
  applyOwnReaction(conversationId: string, seq: number, emoji: string, added: boolean): void {
    const me = this.state.userId;
    if (me !== null) this.dispatch({ type: 'reaction', conversationId, seq, userId: me, emoji, added });
  }

  // --- video calls ---------------------------------------------------------------

  /**
   * Sends a `signal` frame (SDP or ICE, opaque to the server) to one socket of
   * a call; returns its request id, which a refusal (`error`) echoes, or null
   * when there is no open socket to send it on.
   */
  sendSignal(callId: string, toConnectionId: string, data: unknown): string | null {
    this.signalCount += 1;
    const id = `signal-${this.signalCount}`;
    return this.write({ type: 'signal', id, call_id: callId, to_connection_id: toConnectionId, data }) ? id : null;
  }

  /** A call as a REST answer gave it (start, join, leave, decline, end): applied without waiting for its event. */
  applyCall(call: CallDto): void {
    const me = this.state.userId;
    if (me !== null) this.callsDispatch({ type: 'updated', me, call });
  }

  /** Stops a call ringing here at once (the user declined or accepted it; the server's word follows). */
  stopRinging(callId: string): void {
    this.callsDispatch({ type: 'stop_ringing', callId });
  }

  /** Applies a recall this tab made over REST without waiting for the event. */
  applyRecall(conversationId: string, seq: number): void {
    this.dispatch({ type: 'recalled', conversationId, seq });
  }
}

function newId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
