// One link of the mesh: my RTCPeerConnection to one other participant's
// socket, and the signalling that sets it up (SPEC §9: every participant
// connects to every other, at most CALL_MAX_PARTICIPANTS; media goes browser
// to browser, or through TURN, never through Consilium).
//
// Who opens a link is decided the same way at both ends, from the call as the
// server describes it: the participant who joined later opens the link to
// everyone already there (adds the audio and video transceivers, so it sends
// the first offer); a tie in `joined_at` goes to the greater connection id
// (opensTo). So two newcomers never both offer by rule. Anything later (a
// listen-only participant starting to share a screen, an ICE restart) may
// renegotiate from either end; collisions are then resolved by "perfect
// negotiation" (W3C WebRTC §10.7): the end that did not open the link is the
// polite one, which rolls back its own offer and takes the other's; the
// impolite one ignores the colliding offer (and the candidates that belonged to it).
//
// Incoming signals are handled one at a time in arrival order (a candidate
// waits for the description before it). The link has exactly one audio and
// one video transceiver, in that order; sending is switched with
// replaceTrack (mute, camera off and screen share need no renegotiation), and
// a side without a microphone or camera offers or answers `recvonly` for it
// (listen-only).
//
// The signal payloads (`data`, opaque to the server) are:
//   {kind: 'description', description: {type: 'offer'|'answer', sdp}}
//   {kind: 'candidate', candidate: RTCIceCandidateInit}
//   {kind: 'media', audio, video, screen}  what I send, for the others' tiles
// Anything else, or anything malformed, is ignored: it comes from another user.

export type MediaKind = 'audio' | 'video';

/** What a participant says it sends, shown on their tile. */
export interface MediaState {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

export interface DescriptionInit {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface CandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export type SignalData =
  | { kind: 'description'; description: DescriptionInit }
  | { kind: 'candidate'; candidate: CandidateInit }
  | ({ kind: 'media' } & MediaState);

/** The part of a transceiver the link uses (tests pass fakes). */
export interface TransceiverLike {
  direction: RTCRtpTransceiverDirection;
  readonly sender: { readonly track: MediaStreamTrack | null; replaceTrack(track: MediaStreamTrack | null): Promise<void> };
  readonly receiver: { readonly track: MediaStreamTrack };
}

/** The part of RTCPeerConnection the link uses (tests pass fakes). */
export interface PeerConnectionLike {
  readonly signalingState: RTCSignalingState;
  readonly connectionState: RTCPeerConnectionState;
  readonly localDescription: { readonly type: RTCSdpType; readonly sdp: string } | null;
  onnegotiationneeded: ((event: Event) => void) | null;
  onicecandidate: ((event: { readonly candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null;
  ontrack: ((event: { readonly track: MediaStreamTrack }) => void) | null;
  onconnectionstatechange: ((event: Event) => void) | null;
  addTransceiver(trackOrKind: MediaStreamTrack | MediaKind, init?: RTCRtpTransceiverInit): TransceiverLike;
  getTransceivers(): TransceiverLike[];
  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
  restartIce(): void;
  close(): void;
}

/** A participant's place in the call, enough to tell who joined later. */
export interface Arrival {
  connection_id: string;
  joined_at: string;
}

/** Whether `me` opens the link to `them`: the later arrival does (a tie: the greater connection id). */
export function opensTo(me: Arrival, them: Arrival): boolean {
  const mine = Date.parse(me.joined_at);
  const theirs = Date.parse(them.joined_at);
  if (mine !== theirs && Number.isFinite(mine) && Number.isFinite(theirs)) return mine > theirs;
  return me.connection_id > them.connection_id;
}

/** A signal payload from another participant, or null when it is not one of ours (ignored). */
export function parseSignal(data: unknown): SignalData | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  switch (d.kind) {
    case 'description': {
      const desc = d.description;
      if (typeof desc !== 'object' || desc === null) return null;
      const { type, sdp } = desc as Record<string, unknown>;
      if ((type !== 'offer' && type !== 'answer') || typeof sdp !== 'string') return null;
      return { kind: 'description', description: { type, sdp } };
    }
    case 'candidate': {
      const c = d.candidate;
      if (typeof c !== 'object' || c === null) return null;
      const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = c as Record<string, unknown>;
      if (typeof candidate !== 'string') return null;
      return {
        kind: 'candidate',
        candidate: {
          candidate,
          ...(typeof sdpMid === 'string' ? { sdpMid } : {}),
          ...(typeof sdpMLineIndex === 'number' ? { sdpMLineIndex } : {}),
          ...(typeof usernameFragment === 'string' ? { usernameFragment } : {}),
        },
      };
    }
    case 'media':
      return { kind: 'media', audio: d.audio === true, video: d.video === true, screen: d.screen === true };
    default:
      return null;
  }
}

/** The tracks I send right now: the microphone, and the screen while sharing else the camera (null: none). */
export interface OutgoingTracks {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

export interface PeerLinkOptions {
  pc: PeerConnectionLike;
  /** I open this link: I add the transceivers and make the first offer. The other end is then the polite one. */
  opener: boolean;
  send: (data: SignalData) => void;
  outgoing: () => OutgoingTracks;
  /** The connection state, the received tracks or the other's media state changed. */
  onChange: () => void;
}

export class PeerLink {
  /** The tracks received so far (one audio, one video at most). */
  tracks: readonly MediaStreamTrack[] = [];
  /** What the other side says it sends; null until it says. */
  remoteMedia: MediaState | null = null;
  closed = false;
  readonly opener: boolean;
  private readonly pc: PeerConnectionLike;
  private readonly polite: boolean;
  private readonly options: PeerLinkOptions;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingAnswer = false;
  /** The answering side sets up its transceivers once, on the first offer. */
  private prepared = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: PeerLinkOptions) {
    this.options = options;
    this.pc = options.pc;
    this.opener = options.opener;
    this.polite = !options.opener;
    const pc = this.pc;
    pc.onnegotiationneeded = () => void this.negotiate();
    pc.onicecandidate = ({ candidate }) => {
      // The end of gathering (null) needs no message: the other side does not wait for it.
      if (candidate === null || this.closed) return;
      const init = candidate.toJSON();
      if (typeof init.candidate !== 'string' || init.candidate === '') return;
      this.options.send({ kind: 'candidate', candidate: candidateInit(init) });
    };
    pc.ontrack = ({ track }) => {
      if (this.tracks.includes(track)) return;
      this.tracks = [...this.tracks.filter((t) => t.kind !== track.kind), track];
      this.options.onChange();
    };
    pc.onconnectionstatechange = () => {
      // A link that failed (a network change, an expired relay) is brought back by an ICE restart from its opener.
      if (pc.connectionState === 'failed' && this.opener && !this.closed) pc.restartIce();
      this.options.onChange();
    };
  }

  get connectionState(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  /** The opener adds the audio and video transceivers (sending what it has, else receive-only); the offer follows by itself. */
  open(): void {
    if (!this.opener || this.closed) return;
    const { audio, video } = this.options.outgoing();
    this.pc.addTransceiver(audio ?? 'audio', { direction: audio === null ? 'recvonly' : 'sendrecv' });
    this.pc.addTransceiver(video ?? 'video', { direction: video === null ? 'recvonly' : 'sendrecv' });
  }

  /** Handles one signal from the other end, after the ones before it. */
  receive(data: SignalData): Promise<void> {
    this.queue = this.queue.then(
      () => this.handle(data),
      () => this.handle(data),
    );
    return this.queue;
  }

  /** Sends `track` (or nothing) as this link's audio or video; turns a receive-only transceiver into a sending one when needed. */
  async setTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    if (this.closed) return;
    const t = this.transceiverOf(kind);
    if (t === undefined) return; // not negotiated yet: open() or the answer picks the current track up
    await t.sender.replaceTrack(track);
    if (track !== null && (t.direction === 'recvonly' || t.direction === 'inactive')) {
      t.direction = 'sendrecv'; // negotiation-needed follows; perfect negotiation takes it from there
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const pc = this.pc;
    pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = null;
    pc.close();
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.sendLocalDescription();
    } catch {
      // A rollback by a colliding offer, or a closed link: nothing to send.
    } finally {
      this.makingOffer = false;
    }
  }

  private async handle(data: SignalData): Promise<void> {
    if (this.closed) return;
    const pc = this.pc;
    switch (data.kind) {
      case 'media':
        this.remoteMedia = { audio: data.audio, video: data.video, screen: data.screen };
        this.options.onChange();
        return;
      case 'candidate':
        try {
          await pc.addIceCandidate(data.candidate);
        } catch {
          // A candidate of an offer we ignored, or of a generation gone by: harmless.
        }
        return;
      case 'description': {
        const description = data.description;
        const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingAnswer);
        const collision = description.type === 'offer' && !readyForOffer;
        this.ignoreOffer = !this.polite && collision;
        if (this.ignoreOffer) return;
        if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return; // a stray answer
        try {
          this.settingAnswer = description.type === 'answer';
          await pc.setRemoteDescription(description); // a polite collision rolls our own offer back implicitly
        } finally {
          this.settingAnswer = false;
        }
        if (description.type === 'offer') {
          if (!this.prepared) await this.prepareAnswer();
          await pc.setLocalDescription();
          this.sendLocalDescription();
        }
        return;
      }
    }
  }

  /** The answering side: send my microphone and camera on the offered transceivers, or receive only. */
  private async prepareAnswer(): Promise<void> {
    this.prepared = true;
    if (this.opener) return;
    const outgoing = this.options.outgoing();
    for (const kind of ['audio', 'video'] as const) {
      const t = this.transceiverOf(kind);
      if (t === undefined) continue;
      const track = outgoing[kind];
      if (track !== null) await t.sender.replaceTrack(track);
      t.direction = track === null ? 'recvonly' : 'sendrecv';
    }
  }

  private transceiverOf(kind: MediaKind): TransceiverLike | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind);
  }

  private sendLocalDescription(): void {
    const local = this.pc.localDescription;
    if (local === null || this.closed || (local.type !== 'offer' && local.type !== 'answer')) return;
    this.options.send({ kind: 'description', description: { type: local.type, sdp: local.sdp } });
  }
}

function candidateInit(init: RTCIceCandidateInit): CandidateInit {
  return {
    candidate: init.candidate ?? '',
    ...(init.sdpMid === undefined ? {} : { sdpMid: init.sdpMid }),
    ...(init.sdpMLineIndex === undefined ? {} : { sdpMLineIndex: init.sdpMLineIndex }),
    ...(init.usernameFragment === undefined ? {} : { usernameFragment: init.usernameFragment }),
  };
}
