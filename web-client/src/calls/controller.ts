// The call this tab takes part in (SPEC §9), one at a time: getting the
// camera and microphone, starting or joining over REST with this socket's
// `connection_id`, the mesh of peer links (peer.ts) to every other
// participant's socket, the controls (mute, camera, screen share), leaving,
// and how it ended. Components read an immutable snapshot through
// useSyncExternalStore (context.tsx); the browser's media APIs, the peer
// connections, the REST calls and the realtime store come in as `deps`, so
// the rules are tested with fakes (controller.test.ts).
//
// The flow: start (or accept, or join) → `preparing` (camera and microphone,
// and the ICE servers, at once) → `joining` (POST start-and-join, or join;
// a 409 `call_in_progress` names the live call, which is joined instead) →
// `in_call`. When neither camera nor microphone can be had the user is told
// why (`media_blocked`) and may try again, cancel, or join listen-only: the
// links then receive only. One of the two missing is only noted.
//
// In the call, the participants the server lists are the truth: each live
// one (another socket) gets a link, each one that left loses it. A signal
// from a socket the call does not list yet (its `call_updated` is still on
// the way, perhaps through another node) opens its link at once; such a link
// is dropped only if the call still does not list it after LINK_GRACE_MS.
//
// The socket can change under a call: after a reconnect (`ready` with a new
// `connection_id`) the call is joined again from the new socket if it is
// still live (`ready.live_calls`), every link is made anew (this side joined
// last, so it opens them all), and the media goes on; if it ended meanwhile,
// it ends here too. Joining from another device of mine ends it here
// (`moved`): the server moved me there.

import { isApiError } from '../api/errors';
import type { CallDto, CallParticipantDto, IceServers } from '../api/types';
import type { ServerEvent } from '../generated/ServerEvent';
import { isOlderCall, liveCallIn, type RealtimeState } from '../realtime/store';
import { IceConfigCache } from './iceConfig';
import { acquireMedia, mediaProblemOf, type MediaEnvironment, type MediaProblem } from './media';
import { opensTo, parseSignal, PeerLink, type MediaState, type OutgoingTracks, type PeerConnectionLike, type SignalData } from './peer';

export type CallPhase = 'idle' | 'preparing' | 'media_blocked' | 'joining' | 'in_call' | 'ended';

/** Why a call stopped here: it ended; the one rung declined; I joined on another device; it could not go on. */
export type EndReason = 'ended' | 'declined' | 'moved' | 'failed';

/** `ended.error` when there was no live connection to join with. */
export const OFFLINE = 'offline';

/** How long a link opened by a signal may wait for the call to list its socket. */
export const LINK_GRACE_MS = 15_000;

export interface RemoteParticipant {
  connectionId: string;
  userId: string;
  /** What arrives from them (one audio and one video track at most). */
  tracks: readonly MediaStreamTrack[];
  connection: RTCPeerConnectionState;
  /** What they say they send; null until they say. */
  media: MediaState | null;
}

export interface CallEnd {
  reason: EndReason;
  /** Who declined (for `declined`). */
  declinedBy: readonly string[];
  /** What failed (for `failed`): an ApiError, or OFFLINE. */
  error?: unknown;
}

export interface CallState {
  phase: CallPhase;
  conversationId: string | null;
  call: CallDto | null;
  microphone: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  audioOn: boolean;
  videoOn: boolean;
  /** Why the camera or microphone is missing (both in `media_blocked`; one, as a note, in a call). */
  mediaProblem: MediaProblem | null;
  /** Joined without camera and microphone. */
  listenOnly: boolean;
  /** The socket changed and the call is being joined again from the new one. */
  rejoining: boolean;
  remotes: readonly RemoteParticipant[];
  ended: CallEnd | null;
  /** An action in the call that failed (e.g. ending it for everyone); the call goes on. */
  error: unknown;
  screenFailed: boolean;
  minimized: boolean;
}

export const idleCall: CallState = {
  phase: 'idle',
  conversationId: null,
  call: null,
  microphone: null,
  camera: null,
  screen: null,
  audioOn: false,
  videoOn: false,
  mediaProblem: null,
  listenOnly: false,
  rejoining: false,
  remotes: [],
  ended: null,
  error: undefined,
  screenFailed: false,
  minimized: false,
};

/** The realtime store as a call uses it. */
export interface CallStore {
  getState(): RealtimeState;
  onEvent(listener: (event: ServerEvent) => void): () => void;
  sendSignal(callId: string, toConnectionId: string, data: unknown): string | null;
  applyCall(call: CallDto): void;
  stopRinging(callId: string): void;
}

/** The REST calls a call makes (endpoints.ts). */
export interface CallRest {
  startCall(conversationId: string, body: { connection_id?: string }): Promise<CallDto>;
  joinCall(id: string, connectionId: string): Promise<CallDto>;
  leaveCall(id: string): Promise<CallDto>;
  declineCall(id: string): Promise<CallDto>;
  endCall(id: string): Promise<CallDto>;
  iceServers(): Promise<IceServers>;
}

export interface CallDeps {
  store: CallStore;
  rest: CallRest;
  media: MediaEnvironment;
  createPeer: (configuration: RTCConfiguration) => PeerConnectionLike;
  /** Relay only (iceConfig.ts). */
  relayOnly: () => boolean;
  now?: () => number;
}

type Intent = { kind: 'start'; conversationId: string } | { kind: 'join'; conversationId: string; callId: string };
type SignalEvent = Extract<ServerEvent, { type: 'signal' }>;

interface LinkEntry {
  link: PeerLink;
  userId: string;
  createdAt: number;
}

export class CallController {
  private state: CallState = idleCall;
  private readonly listeners = new Set<() => void>();
  private readonly links = new Map<string, LinkEntry>();
  /** The socket this tab joined the call from. */
  private joinedConnection: string | null = null;
  /** Every socket this tab has been in the call from (a reconnect changes it). */
  private readonly ownSockets = new Set<string>();
  private intent: Intent | null = null;
  /** Signals that came while a join (or a join again from a new socket) was in flight. */
  private early: SignalEvent[] = [];
  private rtc: RTCConfiguration = { iceServers: [] };
  /** The call I am ending for everyone: its end needs no notice here. */
  private ending: string | null = null;
  /** Bumped whenever the call is torn down, so a continuation of an older one stops. */
  private run = 0;
  private readonly ice: IceConfigCache;
  private readonly now: () => number;

  constructor(private readonly deps: CallDeps) {
    this.now = deps.now ?? Date.now;
    this.ice = new IceConfigCache(() => deps.rest.iceServers(), deps.relayOnly, this.now);
  }

  /**
   * Starts listening to the realtime store (`ready`, `call_*`, `signal`);
   * the returned function stops listening and leaves any call (sign-out,
   * the shell going away).
   */
  attach(): () => void {
    const unsubscribe = this.deps.store.onEvent((event) => this.onEvent(event));
    return () => {
      unsubscribe();
      void this.leave();
    };
  }

  // --- subscription -------------------------------------------------------------

  getState = (): CallState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(next: Partial<CallState>): void {
    this.state = { ...this.state, ...next };
    for (const listener of this.listeners) listener();
  }

  // --- what the user does -------------------------------------------------------

  /** The header's button: starts a call in the conversation, joins its live one, or shows the one I am in. */
  async start(conversationId: string): Promise<void> {
    const s = this.state;
    if (s.conversationId === conversationId && (s.phase === 'in_call' || s.phase === 'joining' || s.phase === 'preparing' || s.phase === 'media_blocked')) {
      if (s.minimized) this.set({ minimized: false });
      return;
    }
    const live = liveCallIn(this.deps.store.getState().calls, conversationId);
    await this.enter(live === undefined ? { kind: 'start', conversationId } : { kind: 'join', conversationId, callId: live.id });
  }

  /** Accepts a ringing call (leaving any other call first). */
  async accept(call: CallDto): Promise<void> {
    this.deps.store.stopRinging(call.id);
    if (this.state.call?.id === call.id && this.state.phase === 'in_call') return;
    await this.enter({ kind: 'join', conversationId: call.conversation_id, callId: call.id });
  }

  /** Declines a ringing call: it stops ringing here at once, and on my other devices once the server says so. */
  async decline(callId: string): Promise<void> {
    this.deps.store.stopRinging(callId);
    try {
      this.deps.store.applyCall(await this.deps.rest.declineCall(callId));
    } catch {
      // It ended meanwhile, or the network is gone: it has stopped ringing here either way.
    }
  }

  /** After `media_blocked`: ask for the camera and microphone again. */
  async retryMedia(): Promise<void> {
    if (this.state.phase !== 'media_blocked') return;
    const run = this.run;
    this.set({ phase: 'preparing' });
    const media = await acquireMedia(this.deps.media);
    if (run !== this.run) return stopAll([media.microphone, media.camera]);
    await this.useMedia(media.microphone, media.camera, media.problem);
  }

  /** After `media_blocked`: join with neither camera nor microphone, receiving only. */
  async joinListenOnly(): Promise<void> {
    if (this.state.phase !== 'media_blocked') return;
    this.set({ listenOnly: true });
    await this.join();
  }

  /** Gives up before being in the call (while preparing or blocked). */
  cancel(): void {
    if (this.state.phase !== 'preparing' && this.state.phase !== 'media_blocked') return;
    this.teardown();
    this.set(idleCall);
  }

  /** Leaves the call (it ends when the last one leaves). */
  async leave(): Promise<void> {
    const call = this.state.call;
    const inCall = this.state.phase === 'in_call' || this.state.phase === 'joining';
    this.teardown();
    this.set(idleCall);
    if (call === null || !inCall) return;
    try {
      this.deps.store.applyCall(await this.deps.rest.leaveCall(call.id));
    } catch {
      // Gone already, or offline: the server takes me out when this socket closes.
    }
  }

  /** Ends the call for everyone (its starter, the team's lead, an admin); a refusal is shown and the call goes on. */
  async endForEveryone(): Promise<void> {
    const call = this.state.call;
    if (call === null || this.state.phase !== 'in_call') return;
    this.set({ error: undefined });
    this.ending = call.id;
    try {
      const ended = await this.deps.rest.endCall(call.id);
      this.deps.store.applyCall(ended);
      if (this.state.call?.id === call.id) {
        this.teardown();
        this.set(idleCall);
      }
    } catch (error) {
      if (this.state.call?.id === call.id) this.set({ error });
    } finally {
      this.ending = null;
    }
  }

  /** Closes the "call ended" notice. */
  dismiss(): void {
    if (this.state.phase === 'ended') this.set(idleCall);
  }

  setMinimized(minimized: boolean): void {
    if (this.state.minimized !== minimized) this.set({ minimized });
  }

  toggleAudio(): void {
    const mic = this.state.microphone;
    if (mic === null) return;
    mic.enabled = !mic.enabled;
    this.set({ audioOn: mic.enabled });
    this.announceMedia();
  }

  toggleVideo(): void {
    const camera = this.state.camera;
    if (camera === null) return;
    camera.enabled = !camera.enabled;
    this.set({ videoOn: camera.enabled });
    this.announceMedia();
  }

  /** Whether this browser can share a screen (not phones). */
  canShareScreen(): boolean {
    return this.deps.media.getDisplayMedia !== undefined;
  }

  /** Shares a screen or window instead of the camera, on every link (replaceTrack). */
  async shareScreen(): Promise<void> {
    const get = this.deps.media.getDisplayMedia;
    if (get === undefined || this.state.phase !== 'in_call' || this.state.screen !== null) return;
    this.set({ screenFailed: false });
    const run = this.run;
    let track: MediaStreamTrack | null;
    try {
      track = (await get({ video: true, audio: false })).getVideoTracks()[0] ?? null;
    } catch (error) {
      // Closing the browser's picker is a choice, not a failure.
      if (mediaProblemOf(error) !== 'denied') this.set({ screenFailed: true });
      return;
    }
    if (track === null) return;
    if (run !== this.run) return track.stop();
    const screen = track;
    // The browser's own "Stop sharing" ends the track.
    screen.addEventListener('ended', () => {
      if (this.state.screen === screen) void this.stopSharing();
    });
    this.set({ screen });
    await Promise.all([...this.links.values()].map((e) => e.link.setTrack('video', screen)));
    this.announceMedia();
  }

  async stopSharing(): Promise<void> {
    const screen = this.state.screen;
    if (screen === null) return;
    screen.stop();
    this.set({ screen: null });
    await Promise.all([...this.links.values()].map((e) => e.link.setTrack('video', this.state.camera)));
    this.announceMedia();
  }

  // --- getting in -----------------------------------------------------------------

  private async enter(intent: Intent): Promise<void> {
    if (this.state.phase === 'in_call' || this.state.phase === 'joining') await this.leave();
    this.teardown();
    const run = this.run;
    this.intent = intent;
    this.set({ ...idleCall, phase: 'preparing', conversationId: intent.conversationId });
    const [media, rtc] = await Promise.all([acquireMedia(this.deps.media), this.ice.configuration()]);
    if (run !== this.run) return stopAll([media.microphone, media.camera]);
    this.rtc = rtc;
    await this.useMedia(media.microphone, media.camera, media.problem);
  }

  private async useMedia(microphone: MediaStreamTrack | null, camera: MediaStreamTrack | null, problem: MediaProblem | null): Promise<void> {
    if (microphone === null && camera === null) {
      this.set({ phase: 'media_blocked', mediaProblem: problem ?? 'other' });
      return;
    }
    this.set({ microphone, camera, audioOn: microphone !== null, videoOn: camera !== null, mediaProblem: problem, listenOnly: false });
    await this.join();
  }

  private async join(): Promise<void> {
    const intent = this.intent;
    if (intent === null) return;
    const run = this.run;
    const realtime = this.deps.store.getState();
    const connectionId = realtime.connectionId;
    if (realtime.status !== 'connected' || connectionId === null) return this.finish('failed', [], OFFLINE);
    this.set({ phase: 'joining' });
    let call: CallDto;
    try {
      call = intent.kind === 'start' ? await this.startOrJoin(intent.conversationId, connectionId) : await this.deps.rest.joinCall(intent.callId, connectionId);
    } catch (error) {
      if (run === this.run) this.finish('failed', [], error);
      return;
    }
    if (run !== this.run) {
      // Given up meanwhile: leave what was joined.
      this.deps.rest.leaveCall(call.id).then((c) => this.deps.store.applyCall(c), () => {});
      return;
    }
    this.joinedConnection = connectionId;
    this.ownSockets.add(connectionId);
    this.deps.store.applyCall(call);
    this.set({ phase: 'in_call', call, conversationId: call.conversation_id });
    if (this.deps.store.getState().connectionId !== connectionId) {
      // The socket changed while the join was on its way: join from the new one.
      void this.rejoin(call.id);
      return;
    }
    this.syncLinks(call);
    this.replayEarly(call.id);
  }

  /** Handles the signals that came while joining (a newcomer's first words may overtake the answer to my join). */
  private replayEarly(callId: string): void {
    const early = this.early.filter((e) => e.call_id === callId);
    this.early = [];
    for (const e of early) this.onSignal(e);
  }

  /** Starts the conversation's call (joining it from this socket); one already live is joined instead. */
  private async startOrJoin(conversationId: string, connectionId: string): Promise<CallDto> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.deps.rest.startCall(conversationId, { connection_id: connectionId });
      } catch (error) {
        if (!isApiError(error) || error.reason !== 'call_in_progress') throw error;
        if (error.call !== undefined) return this.deps.rest.joinCall(error.call.id, connectionId);
        // It ended between the server's two looks: try again, once.
        if (attempt > 0) throw error;
      }
    }
  }

  /** Joins the call again from the current socket (after a reconnect); every link is made anew. */
  private async rejoin(callId: string): Promise<void> {
    const run = this.run;
    const connectionId = this.deps.store.getState().connectionId;
    if (connectionId === null) return;
    this.closeLinks();
    this.early = [];
    this.set({ rejoining: true, remotes: [] });
    let call: CallDto;
    try {
      call = await this.deps.rest.joinCall(callId, connectionId);
    } catch (error) {
      if (run !== this.run) return;
      if (isApiError(error) && (error.reason === 'call_ended' || error.reason === 'call_not_found')) return this.finish('ended', []);
      return this.finish('failed', [], error);
    }
    if (run !== this.run) return;
    this.joinedConnection = connectionId;
    this.ownSockets.add(connectionId);
    this.deps.store.applyCall(call);
    this.set({ call, rejoining: false });
    if (this.deps.store.getState().connectionId !== connectionId) return void this.rejoin(callId);
    this.syncLinks(call);
    this.replayEarly(callId);
  }

  // --- the server's word ----------------------------------------------------------

  private onEvent(event: ServerEvent): void {
    switch (event.type) {
      case 'ready':
        this.onReconnected(event.live_calls ?? []);
        break;
      case 'call_started':
      case 'call_updated':
        if (this.isMine(event.call.id)) this.onCall(event.call);
        break;
      case 'call_ended':
        if (this.isMine(event.call.id)) this.onEnded(event.call);
        break;
      case 'signal':
        this.onSignal(event);
        break;
      case 'error':
        // A signal refused because the call is over: so it is here.
        if (event.id?.startsWith('signal-') === true && event.reason === 'call_ended' && this.state.phase === 'in_call') this.finish('ended', []);
        break;
      default:
        break;
    }
  }

  private isMine(callId: string): boolean {
    if (this.state.call?.id === callId) return true;
    return this.state.phase === 'joining' && this.intent?.kind === 'join' && this.intent.callId === callId;
  }

  private onCall(call: CallDto): void {
    if (call.ended_at !== undefined) return this.onEnded(call);
    if (this.state.phase !== 'in_call') return;
    // Participants are never taken off the list: one without my socket is older than my join
    // (an event that crossed nodes more slowly than the answer to my join). It changes nothing.
    const mine = this.joinedConnection;
    if ((mine !== null && !call.participants.some((p) => p.connection_id === mine)) || isOlderCall(call, this.state.call ?? undefined)) return;
    this.set({ call });
    if (!this.state.rejoining) this.syncLinks(call);
  }

  private onEnded(call: CallDto): void {
    if (this.state.phase !== 'in_call' && this.state.phase !== 'joining') return;
    if (this.ending === call.id) {
      this.teardown();
      this.set(idleCall);
      return;
    }
    const me = this.deps.store.getState().userId;
    const nobodyElse = !call.participants.some((p) => p.user_id !== me);
    if (nobodyElse && call.declined_by.length > 0) return this.finish('declined', call.declined_by.filter((id) => id !== me));
    this.finish('ended', []);
  }

  private onReconnected(liveCalls: readonly CallDto[]): void {
    if (this.state.phase !== 'in_call') return; // a join in flight checks the socket when it lands
    const id = this.state.call?.id;
    if (id === undefined) return;
    const live = liveCalls.find((c) => c.id === id);
    if (live === undefined || live.ended_at !== undefined) return this.finish('ended', []);
    void this.rejoin(id);
  }

  private onSignal(event: SignalEvent): void {
    const phase = this.state.phase;
    const callId = this.state.call?.id;
    if ((phase === 'joining' && callId === undefined) || (phase === 'in_call' && this.state.rejoining && event.call_id === callId)) {
      if (this.early.length < 500) this.early.push(event);
      return;
    }
    if (phase !== 'in_call' || event.call_id !== callId) return;
    const data = parseSignal(event.data);
    if (data === null) return;
    let entry = this.links.get(event.from_connection_id);
    if (entry === undefined) {
      const listed = this.state.call?.participants.find((p) => p.connection_id === event.from_connection_id);
      if (listed?.left_at !== undefined) return; // from a socket that has left
      // Not listed yet: a newcomer, who opens the link.
      entry = this.openLink(event.from_connection_id, event.from_user_id, false);
    }
    void entry.link.receive(data);
  }

  // --- the mesh ---------------------------------------------------------------------

  /** Makes the links match the call: one per other live participant, none for those who left. */
  private syncLinks(call: CallDto): void {
    const realtime = this.deps.store.getState();
    const me = realtime.userId;
    const mine = this.joinedConnection;
    const self = call.participants.find((p) => p.connection_id === mine);
    if (self === undefined) return; // older than my join (see onCall)
    if (self.left_at !== undefined) {
      // In from a socket this tab never had: I joined on another device, and the server moved me there.
      const elsewhere = call.participants.some(
        (p) => p.user_id === me && p.left_at === undefined && !this.ownSockets.has(p.connection_id) && p.connection_id !== realtime.connectionId,
      );
      if (elsewhere) return this.finish('moved', []);
      // This socket died and the rejoin after `ready` is coming; or the server let me go while the socket lives: join again.
      if (realtime.connectionId === mine && mine !== null) void this.rejoin(call.id);
      return;
    }
    for (const p of call.participants) {
      if (p.left_at !== undefined || p.connection_id === mine || p.user_id === me) continue;
      if (!this.links.has(p.connection_id)) this.openLink(p.connection_id, p.user_id, opensTo(self, p));
    }
    const now = this.now();
    for (const [connectionId, entry] of this.links) {
      const p: CallParticipantDto | undefined = call.participants.find((x) => x.connection_id === connectionId);
      const gone = p === undefined ? now - entry.createdAt > LINK_GRACE_MS : p.left_at !== undefined;
      if (gone) {
        entry.link.close();
        this.links.delete(connectionId);
      }
    }
    this.publishRemotes();
  }

  private openLink(connectionId: string, userId: string, opener: boolean): LinkEntry {
    const pc = this.deps.createPeer(this.rtc);
    const link = new PeerLink({
      pc,
      opener,
      send: (data) => this.signal(connectionId, data),
      outgoing: () => this.outgoing(),
      onChange: () => this.publishRemotes(),
    });
    const entry: LinkEntry = { link, userId, createdAt: this.now() };
    this.links.set(connectionId, entry);
    link.open();
    this.signal(connectionId, { kind: 'media', ...this.mediaState() });
    this.publishRemotes();
    return entry;
  }

  private signal(connectionId: string, data: SignalData): void {
    const callId = this.state.call?.id;
    // Lost when the socket is down: the rejoin after the reconnect negotiates every link again.
    if (callId !== undefined) this.deps.store.sendSignal(callId, connectionId, data);
  }

  private outgoing(): OutgoingTracks {
    return { audio: this.state.microphone, video: this.state.screen ?? this.state.camera };
  }

  private mediaState(): MediaState {
    const { microphone, camera, screen } = this.state;
    return {
      audio: microphone !== null && microphone.enabled,
      video: screen !== null || (camera !== null && camera.enabled),
      screen: screen !== null,
    };
  }

  private announceMedia(): void {
    const data: SignalData = { kind: 'media', ...this.mediaState() };
    for (const connectionId of this.links.keys()) this.signal(connectionId, data);
  }

  /** The remote tiles, in the order the participants joined. */
  private publishRemotes(): void {
    const order = new Map((this.state.call?.participants ?? []).map((p, i) => [p.connection_id, i]));
    const remotes = [...this.links.entries()]
      .filter(([, e]) => !e.link.closed)
      .sort(([a], [b]) => (order.get(a) ?? Number.MAX_SAFE_INTEGER) - (order.get(b) ?? Number.MAX_SAFE_INTEGER))
      .map(
        ([connectionId, e]): RemoteParticipant => ({
          connectionId,
          userId: e.userId,
          tracks: e.link.tracks,
          connection: e.link.connectionState,
          media: e.link.remoteMedia,
        }),
      );
    this.set({ remotes });
  }

  // --- getting out ------------------------------------------------------------------

  private finish(reason: EndReason, declinedBy: readonly string[], error?: unknown): void {
    const conversationId = this.state.conversationId;
    this.teardown();
    this.set({ ...idleCall, phase: 'ended', conversationId, ended: { reason, declinedBy, ...(error === undefined ? {} : { error }) } });
  }

  private closeLinks(): void {
    for (const entry of this.links.values()) entry.link.close();
    this.links.clear();
  }

  /** Closes every link, stops the camera, microphone and screen, forgets the call. */
  private teardown(): void {
    this.run += 1;
    this.closeLinks();
    stopAll([this.state.microphone, this.state.camera, this.state.screen]);
    this.joinedConnection = null;
    this.ownSockets.clear();
    this.intent = null;
    this.early = [];
  }
}

function stopAll(tracks: readonly (MediaStreamTrack | null)[]): void {
  for (const track of tracks) track?.stop();
}
