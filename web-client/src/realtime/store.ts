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
// - per-conversation message lists, ordered and de-duplicated by `seq`. The
//   cursor is the highest seq with no gap below it in the live tail; anything
//   that skips ahead is held back until the gap is filled, so the list never
//   shows a hole. REST history (older pages) merges into the same list;
// - optimistic sends: a pending entry per `client_msg_id`, `sent` once acked,
//   gone once its message is in the list, `failed` on a refusal or an ack that
//   never comes; retried and replayed after a reconnect with the same
//   `client_msg_id`, which the server stores at most once. What is not acked
//   yet is kept per user in storage (outbox.ts) and restored on load, so a
//   reload or a crashed tab loses nothing; it goes out after the next `ready`;
// - typing (5 s after the last event, cleared by a message from the typist),
//   read positions ("read by"), unread counts and presence.
//
// Workflow events (case_updated, triage_changed, …) are passed on to
// `onEvent` listeners; the feature screens re-fetch what they show.

import type { ClientFrame } from '../generated/ClientFrame';
import type { ConversationDto } from '../generated/ConversationDto';
import type { ConversationMemberDto } from '../generated/ConversationMemberDto';
import type { MessageDto } from '../generated/MessageDto';
import type { OwnStatus } from '../generated/OwnStatus';
import type { PresenceStatus } from '../generated/PresenceStatus';
import type { ServerEvent } from '../generated/ServerEvent';
import type { ErrorReason } from '../generated/ErrorReason';
import type { WsCloseReason } from '../generated/WsCloseReason';
import { isErrorReason, parseCloseReason } from '../i18n/reasons';
import type { OutboxEntry, OutboxPersistence } from './outbox';

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

/** `sending`: not acked yet (queued while offline); `sent`: acked, its message not here yet; `failed`: needs a retry. */
export type PendingState = 'sending' | 'sent' | 'failed';

export interface PendingMessage {
  clientMsgId: string;
  conversationId: string;
  body: string;
  replyToSeq?: number;
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
}

export interface RealtimeState {
  status: ConnectionStatus;
  userId: string | null;
  /** Counts `ready` frames: screens re-fetch what sync does not cover when it changes. */
  epoch: number;
  conversations: Readonly<Record<string, ConversationState>>;
  presence: Readonly<Record<string, PresenceStatus>>;
  /** Set while the server keeps refusing the websocket although it answers HTTP; cleared by `ready`. */
  refused: SocketRefusal | null;
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
type Listener = () => void;
type EventListener = (event: ServerEvent) => void;

export class RealtimeStore {
  private state: RealtimeState = { status: 'idle', userId: null, epoch: 0, conversations: {}, presence: {}, refused: null };
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
  /** Messages that arrived ahead of a gap, per conversation. */
  private readonly held = new Map<string, Map<number, MessageDto>>();
  /** Recalls of messages not received yet: `${conversation}:${seq}`. */
  private readonly earlyRecalls = new Set<string>();
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
    const conversations: Record<string, ConversationState> = {};
    for (const e of saved.entries) {
      const info = saved.conversations[e.conversationId];
      if (info === undefined) continue;
      const c = conversations[info.id] ?? emptyConversation(info);
      if (c.pending.some((p) => p.clientMsgId === e.clientMsgId)) continue;
      const retry = e.state === 'sending' || e.error === undefined || TRANSIENT_ERRORS.has(e.error);
      const p: PendingMessage = {
        clientMsgId: e.clientMsgId,
        conversationId: info.id,
        body: e.body,
        state: retry ? 'sending' : 'failed',
        queuedAt: e.queuedAt,
        ...(e.replyToSeq === undefined ? {} : { replyToSeq: e.replyToSeq }),
        ...(retry || e.error === undefined ? {} : { error: e.error }),
        ...(retry || !isErrorReason(e.reason) ? {} : { reason: e.reason }),
      };
      conversations[info.id] = { ...c, pending: [...c.pending, p] };
    }
    this.state = { ...this.state, conversations };
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

  private setConversation(id: string, update: (c: ConversationState) => ConversationState): void {
    const current = this.state.conversations[id];
    if (current === undefined) return;
    const next = update(current);
    if (next === current) return;
    this.set({ conversations: { ...this.state.conversations, [id]: next } });
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
    this.reconnectTimer = this.typingTimer = null;
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
        this.accept([event.message], false);
        break;
      case 'ack':
        this.onAck(event.id, event.conversation_id, event.seq);
        break;
      case 'error':
        if (event.id !== undefined) this.onSendError(event.id, event.code, event.reason);
        break;
      case 'message_recalled':
        this.recall(event.conversation_id, event.seq);
        break;
      case 'typing':
        this.onTyping(event.conversation_id, event.user_id);
        break;
      case 'read':
        this.onRead(event.conversation_id, event.user_id, event.seq);
        break;
      case 'presence':
        this.set({ presence: { ...this.state.presence, [event.user_id]: event.status } });
        break;
      case 'conversation_added':
        this.addConversation(event.conversation);
        break;
      case 'conversation_removed':
        this.removeConversation(event.conversation_id);
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
    this.held.clear(); // the sync below re-sends everything after our cursors
    const previous = this.state.conversations;
    const conversations: Record<string, ConversationState> = {};
    const cursors: Record<string, number> = {};
    for (const info of event.conversations) {
      const known = previous[info.id];
      if (known === undefined) {
        conversations[info.id] = emptyConversation(info);
      } else if (info.last_seq < known.cursor) {
        // Our copy is from another database: start at the server's position, keeping what is unsent.
        conversations[info.id] = { ...emptyConversation(info), pending: known.pending };
      } else {
        if (known.cursor < info.last_seq) cursors[info.id] = known.cursor;
        conversations[info.id] = { ...known, info: { ...info, last_seq: Math.max(info.last_seq, known.cursor) }, typing: {} };
      }
    }
    const presence: Record<string, PresenceStatus> = {};
    for (const entry of event.presence) presence[entry.user_id] = entry.status;
    this.state = {
      status: 'connected',
      userId: event.user_id,
      epoch: this.state.epoch + 1,
      conversations,
      presence,
      refused: null,
    };
    this.write({ type: 'sync', id: `sync-${this.state.epoch}`, cursors });
    this.sendPresence();
    for (const c of Object.values(conversations)) {
      for (const p of c.pending) if (p.state === 'sending') this.transmit(p);
    }
    this.set({});
  }

  /** Merges messages (live, synced or from REST history) into their conversations. */
  private accept(messages: readonly MessageDto[], history: boolean): void {
    const byConversation = new Map<string, MessageDto[]>();
    for (const m of messages) {
      const list = byConversation.get(m.conversation_id) ?? [];
      list.push(m);
      byConversation.set(m.conversation_id, list);
    }
    for (const [id, list] of byConversation) this.setConversation(id, (c) => this.merge(c, list, history));
  }

  /**
   * `history`: a REST page, a contiguous range that may extend the list downwards.
   * A live or synced message at or below the cursor only refreshes a copy we
   * have (a tombstone); inserting it could open a hole in the list.
   */
  private merge(c: ConversationState, incoming: readonly MessageDto[], history: boolean): ConversationState {
    const id = c.info.id;
    const held = this.held.get(id) ?? new Map<number, MessageDto>();
    const bySeq = new Map<number, MessageDto>();
    let changedBelow = false;
    for (const raw of incoming) {
      const m = this.earlyRecalls.delete(`${id}:${raw.seq}`) ? tombstone(raw) : raw;
      if (m.seq <= c.cursor) {
        if (history || c.messages.some((x) => x.seq === m.seq)) {
          bySeq.set(m.seq, m);
          changedBelow = true;
        }
      } else {
        held.set(m.seq, m);
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
    if (held.size > 0) this.held.set(id, held);
    else this.held.delete(id);
    if (!changedBelow && released.length === 0) return c;

    // Merge into the ordered list; a seq already there is replaced, never repeated.
    const merged = new Map<number, MessageDto>();
    for (const m of c.messages) merged.set(m.seq, m);
    let changed = false;
    for (const [seq, m] of bySeq) {
      const old = merged.get(seq);
      if (old === undefined || old.recalled !== m.recalled || old.body !== m.body) {
        merged.set(seq, m);
        changed = true;
      }
    }
    if (!changed && cursor === c.cursor) return c;
    const list = [...merged.values()].sort((a, b) => a.seq - b.seq);

    const me = this.state.userId;
    let info = c.info;
    const newest = list[list.length - 1];
    if (cursor > info.last_seq || (newest !== undefined && newest.seq === Math.max(cursor, info.last_seq))) {
      info = { ...info, last_seq: Math.max(cursor, info.last_seq) };
      if (newest !== undefined && newest.seq === info.last_seq) info = { ...info, last_message: newest };
    }
    let readBy = c.readBy;
    let typing = c.typing;
    for (const m of released) {
      if (m.sender_id === me && m.seq > info.last_read_seq) info = { ...info, last_read_seq: m.seq };
      if ((readBy[m.sender_id] ?? 0) < m.seq) readBy = { ...readBy, [m.sender_id]: m.seq };
      if (typing[m.sender_id] !== undefined) {
        const { [m.sender_id]: _gone, ...rest } = typing;
        typing = rest;
      }
    }
    info = { ...info, unread: Math.max(0, info.last_seq - info.last_read_seq) };
    const have = new Set(list.map((m) => m.client_msg_id));
    const seqs = new Set(list.map((m) => m.seq));
    const pending = c.pending.filter((p) => !(have.has(p.clientMsgId) || (p.seq !== undefined && seqs.has(p.seq))));
    for (const p of c.pending) if (!pending.includes(p)) this.clearAckTimer(p.clientMsgId);
    return { ...c, info, messages: list, cursor, readBy, typing, pending: pending.length === c.pending.length ? c.pending : pending };
  }

  private recall(conversationId: string, seq: number): void {
    const c = this.state.conversations[conversationId];
    if (c === undefined) return;
    const target = c.messages.find((m) => m.seq === seq);
    if (target === undefined) {
      const held = this.held.get(conversationId)?.get(seq);
      if (held !== undefined) this.held.get(conversationId)?.set(seq, tombstone(held));
      else this.earlyRecalls.add(`${conversationId}:${seq}`);
      return;
    }
    this.setConversation(conversationId, (conv) => {
      const messages = conv.messages.map((m) => (m.seq === seq ? tombstone(m) : m));
      const last = conv.info.last_message;
      const info = last !== undefined && last.seq === seq ? { ...conv.info, last_message: tombstone(last) } : conv.info;
      return { ...conv, messages, info };
    });
  }

  private onTyping(conversationId: string, userId: string): void {
    if (userId === this.state.userId) return;
    this.setConversation(conversationId, (c) => ({ ...c, typing: { ...c.typing, [userId]: this.now() + TYPING_SHOWN_MS } }));
    this.scheduleTypingSweep();
  }

  private scheduleTypingSweep(): void {
    if (this.typingTimer !== null) return;
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      const now = this.now();
      let pendingAny = false;
      const conversations = { ...this.state.conversations };
      let changed = false;
      for (const [id, c] of Object.entries(conversations)) {
        const live = Object.entries(c.typing).filter(([, until]) => until > now);
        if (live.length !== Object.keys(c.typing).length) {
          conversations[id] = { ...c, typing: Object.fromEntries(live) };
          changed = true;
        }
        if (live.length > 0) pendingAny = true;
      }
      if (changed) this.set({ conversations });
      if (pendingAny) this.scheduleTypingSweep();
    }, 1_000);
  }

  private onRead(conversationId: string, userId: string, seq: number): void {
    this.setConversation(conversationId, (c) => {
      let next = c;
      if ((c.readBy[userId] ?? 0) < seq) next = { ...next, readBy: { ...c.readBy, [userId]: seq } };
      if (userId === this.state.userId && seq > c.info.last_read_seq) {
        const info = { ...next.info, last_read_seq: seq };
        next = { ...next, info: { ...info, unread: Math.max(0, info.last_seq - seq) } };
      }
      return next;
    });
  }

  private onAck(requestId: string, conversationId: string, seq: number): void {
    this.clearAckTimer(requestId);
    this.setConversation(conversationId, (c) => {
      const p = c.pending.find((x) => x.clientMsgId === requestId);
      if (p === undefined) return c;
      if (c.messages.some((m) => m.seq === seq)) {
        return { ...c, pending: c.pending.filter((x) => x !== p) };
      }
      const info = seq > c.info.last_read_seq ? { ...c.info, last_read_seq: seq } : c.info;
      return { ...c, info, pending: c.pending.map((x) => (x === p ? { ...x, state: 'sent' as const, seq } : x)) };
    });
  }

  private onSendError(requestId: string, code: string, reason: unknown): void {
    this.clearAckTimer(requestId);
    // An older server sends no reason, a newer one may send a word this client does not know: the code then speaks.
    this.markFailed(requestId, code, isErrorReason(reason) ? reason : undefined);
  }

  private markFailed(clientMsgId: string, code: string, reason?: ErrorReason): void {
    for (const c of Object.values(this.state.conversations)) {
      const p = c.pending.find((x) => x.clientMsgId === clientMsgId);
      if (p === undefined || p.state !== 'sending') continue;
      const failed: PendingMessage = { ...p, state: 'failed', error: code, ...(reason === undefined ? {} : { reason }) };
      this.setConversation(c.info.id, (conv) => ({
        ...conv,
        pending: conv.pending.map((x) => (x === p ? failed : x)),
      }));
    }
  }

  addConversation(info: ConversationDto): void {
    const known = this.state.conversations[info.id];
    if (known !== undefined) {
      this.setConversation(info.id, (c) => ({ ...c, info: { ...info, last_seq: Math.max(info.last_seq, c.cursor) } }));
      return;
    }
    this.set({ conversations: { ...this.state.conversations, [info.id]: emptyConversation(info) } });
  }

  private removeConversation(id: string): void {
    if (this.state.conversations[id] === undefined) return;
    const { [id]: gone, ...rest } = this.state.conversations;
    for (const p of gone?.pending ?? []) this.clearAckTimer(p.clientMsgId);
    this.held.delete(id);
    this.set({ conversations: rest });
  }

  // --- outgoing -------------------------------------------------------------

  /** Posts a message optimistically; returns its client_msg_id. */
  send(conversationId: string, body: string, replyToSeq?: number): string {
    const clientMsgId = newId();
    const pending: PendingMessage = {
      clientMsgId,
      conversationId,
      body,
      state: 'sending',
      queuedAt: this.now(),
      ...(replyToSeq === undefined ? {} : { replyToSeq }),
    };
    this.setConversation(conversationId, (c) => ({ ...c, pending: [...c.pending, pending] }));
    this.lastTypingSent.delete(conversationId);
    this.transmit(pending);
    return clientMsgId;
  }

  /** Sends a failed message again with the same client_msg_id. */
  retry(clientMsgId: string): void {
    for (const c of Object.values(this.state.conversations)) {
      const p = c.pending.find((x) => x.clientMsgId === clientMsgId);
      if (p === undefined || p.state !== 'failed') continue;
      const again: PendingMessage = { ...p, state: 'sending' };
      delete again.error;
      delete again.reason;
      this.setConversation(c.info.id, (conv) => ({ ...conv, pending: conv.pending.map((x) => (x === p ? again : x)) }));
      this.transmit(again);
    }
  }

  /** Drops a failed message the user gave up on. */
  discard(clientMsgId: string): void {
    for (const c of Object.values(this.state.conversations)) {
      if (!c.pending.some((x) => x.clientMsgId === clientMsgId)) continue;
      this.clearAckTimer(clientMsgId);
      this.setConversation(c.info.id, (conv) => ({ ...conv, pending: conv.pending.filter((x) => x.clientMsgId !== clientMsgId) }));
    }
  }

  private transmit(p: PendingMessage): void {
    const frame: SendFrame = {
      type: 'send',
      id: p.clientMsgId,
      conversation_id: p.conversationId,
      client_msg_id: p.clientMsgId,
      body: p.body,
      ...(p.replyToSeq === undefined ? {} : { reply_to_seq: p.replyToSeq }),
    };
    if (!this.write(frame)) return; // offline: replayed after the next `ready`
    this.clearAckTimer(p.clientMsgId);
    this.ackTimers.set(
      p.clientMsgId,
      setTimeout(() => {
        this.ackTimers.delete(p.clientMsgId);
        this.markFailed(p.clientMsgId, 'timeout');
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
    if (this.write({ type: 'read', conversation_id: conversationId, seq })) this.onRead(conversationId, me, seq);
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
    if (messages.length === 0) return;
    this.accept(
      messages.map((m) => (m.conversation_id === conversationId ? m : { ...m, conversation_id: conversationId })),
      true,
    );
  }

  /** Starting read positions of every member, from `GET /conversations/{id}`. */
  setReadPositions(conversationId: string, members: readonly ConversationMemberDto[]): void {
    this.setConversation(conversationId, (c) => {
      const readBy = { ...c.readBy };
      for (const m of members) readBy[m.user.id] = Math.max(readBy[m.user.id] ?? 0, m.last_read_seq);
      return { ...c, readBy };
    });
  }

  /** Applies a recall this tab made over REST without waiting for the event. */
  applyRecall(conversationId: string, seq: number): void {
    this.recall(conversationId, seq);
  }
}

function emptyConversation(info: ConversationDto): ConversationState {
  return { info, messages: [], cursor: info.last_seq, pending: [], typing: {}, readBy: {} };
}

export function tombstone(m: MessageDto): MessageDto {
  return m.recalled ? m : { ...m, body: '', mentions: [], recalled: true };
}

function newId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Users typing in a conversation right now, other than me. */
export function typingUsers(c: ConversationState | undefined, now: number): string[] {
  if (c === undefined) return [];
  return Object.entries(c.typing)
    .filter(([, until]) => until > now)
    .map(([user]) => user);
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
