// Test doubles of the browser's WebRTC and media APIs for the calls' unit
// tests (peer.test.ts, controller.test.ts); not part of the app bundle.
//
// FakePeerConnection keeps the signalling state machine of RTCPeerConnection
// as far as the links rely on it: offers and answers from setLocalDescription()
// without arguments, an implicit rollback when an offer arrives on top of our
// own, transceivers created by a remote offer, `negotiationneeded` after a
// change while stable (and again on returning to stable when a change is
// still unnegotiated), a candidate before a remote description rejected, and
// `connected` once both descriptions are in and the other side's candidate
// has arrived. Its "SDP" is JSON naming each m-line's kind and direction.

import type { MediaKind, PeerConnectionLike, TransceiverLike } from './peer';

export interface FakeTrack extends MediaStreamTrack {
  stopped: boolean;
}

let trackCount = 0;

/** A media track with a kind, `enabled`, `stop()` and `ended` listeners. */
export function fakeTrack(kind: MediaKind, label: string = kind): FakeTrack {
  trackCount += 1;
  const listeners: (() => void)[] = [];
  const track = {
    id: `${label}-${trackCount}`,
    kind,
    label,
    enabled: true,
    stopped: false,
    readyState: 'live',
    stop() {
      track.stopped = true;
      track.readyState = 'ended';
    },
    addEventListener(type: string, listener: () => void) {
      if (type === 'ended') listeners.push(listener);
    },
    removeEventListener() {},
    /** The browser ends the track (e.g. its own "stop sharing" button). */
    end() {
      track.stop();
      for (const l of listeners) l();
    },
  };
  return track as unknown as FakeTrack & { end(): void };
}

/** A stream of the given tracks. */
export function fakeStream(...tracks: MediaStreamTrack[]): MediaStream {
  return {
    getTracks: () => tracks,
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
  } as unknown as MediaStream;
}

interface Line {
  kind: MediaKind;
  direction: RTCRtpTransceiverDirection;
}

class FakeTransceiver implements TransceiverLike {
  /** The direction last put into a description (to tell when negotiation is needed). */
  negotiated: RTCRtpTransceiverDirection | null = null;
  readonly sender: { track: MediaStreamTrack | null; replaceTrack(track: MediaStreamTrack | null): Promise<void> };
  readonly receiver: { readonly track: MediaStreamTrack };
  private dir: RTCRtpTransceiverDirection;

  constructor(
    readonly kind: MediaKind,
    direction: RTCRtpTransceiverDirection,
    track: MediaStreamTrack | null,
    private readonly changed: () => void,
  ) {
    this.dir = direction;
    const sender = {
      track,
      replaceTrack: async (next: MediaStreamTrack | null) => {
        sender.track = next;
      },
    };
    this.sender = sender;
    this.receiver = { track: fakeTrack(kind, `remote-${kind}`) };
  }

  get direction(): RTCRtpTransceiverDirection {
    return this.dir;
  }

  set direction(value: RTCRtpTransceiverDirection) {
    if (value === this.dir) return;
    this.dir = value;
    this.changed();
  }
}

const reverse: Record<RTCRtpTransceiverDirection, RTCRtpTransceiverDirection> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
  stopped: 'stopped',
};

function intersect(mine: RTCRtpTransceiverDirection, offered: RTCRtpTransceiverDirection): RTCRtpTransceiverDirection {
  const theirs = reverse[offered];
  const send = (mine === 'sendrecv' || mine === 'sendonly') && (theirs === 'sendrecv' || theirs === 'sendonly');
  const recv = (mine === 'sendrecv' || mine === 'recvonly') && (theirs === 'sendrecv' || theirs === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

export class FakePeerConnection implements PeerConnectionLike {
  static all: FakePeerConnection[] = [];
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null;
  onnegotiationneeded: ((event: Event) => void) | null = null;
  onicecandidate: ((event: { readonly candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null = null;
  ontrack: ((event: { readonly track: MediaStreamTrack }) => void) | null = null;
  onconnectionstatechange: ((event: Event) => void) | null = null;
  readonly transceivers: FakeTransceiver[] = [];
  readonly candidates: RTCIceCandidateInit[] = [];
  /** Offers this side made (to count renegotiations and rollbacks). */
  offers = 0;
  rollbacks = 0;
  restarts = 0;
  closed = false;
  private negotiationQueued = false;

  constructor(readonly configuration: RTCConfiguration = {}) {
    FakePeerConnection.all.push(this);
  }

  addTransceiver(trackOrKind: MediaStreamTrack | MediaKind, init: RTCRtpTransceiverInit = {}): TransceiverLike {
    const track = typeof trackOrKind === 'string' ? null : trackOrKind;
    const kind = (typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind) as MediaKind;
    const t = new FakeTransceiver(kind, init.direction ?? 'sendrecv', track, () => this.maybeNeedNegotiation());
    this.transceivers.push(t);
    this.maybeNeedNegotiation();
    return t;
  }

  getTransceivers(): TransceiverLike[] {
    return [...this.transceivers];
  }

  async setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw new Error('InvalidStateError: closed');
    if (description?.type === 'rollback') return this.rollback();
    if (this.signalingState === 'stable' || this.signalingState === 'have-local-offer') {
      const lines: Line[] = this.transceivers.map((t) => ({ kind: t.kind, direction: t.direction }));
      for (const t of this.transceivers) t.negotiated = t.direction;
      this.localDescription = { type: 'offer', sdp: JSON.stringify(lines) };
      this.signalingState = 'have-local-offer';
      this.offers += 1;
    } else if (this.signalingState === 'have-remote-offer') {
      const offered = JSON.parse(this.remoteDescription!.sdp) as Line[];
      const lines: Line[] = this.transceivers.map((t, i) => ({ kind: t.kind, direction: intersect(t.direction, offered[i]!.direction) }));
      for (const t of this.transceivers) t.negotiated = t.direction;
      this.localDescription = { type: 'answer', sdp: JSON.stringify(lines) };
      this.signalingState = 'stable';
      this.afterStable();
    } else {
      throw new Error(`InvalidStateError: setLocalDescription in ${this.signalingState}`);
    }
    this.emitCandidate();
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw new Error('InvalidStateError: closed');
    const lines = JSON.parse(description.sdp ?? '[]') as Line[];
    if (description.type === 'offer') {
      if (this.signalingState === 'have-local-offer') this.rollback(); // implicit rollback
      if (this.signalingState !== 'stable') throw new Error(`InvalidStateError: offer in ${this.signalingState}`);
      lines.forEach((line, i) => {
        if (this.transceivers[i] === undefined) this.transceivers.push(new FakeTransceiver(line.kind, 'recvonly', null, () => this.maybeNeedNegotiation()));
      });
      this.remoteDescription = { type: 'offer', sdp: description.sdp ?? '' };
      this.signalingState = 'have-remote-offer';
      this.fireTracks(lines);
    } else if (description.type === 'answer') {
      if (this.signalingState !== 'have-local-offer') throw new Error(`InvalidStateError: answer in ${this.signalingState}`);
      this.remoteDescription = { type: 'answer', sdp: description.sdp ?? '' };
      this.signalingState = 'stable';
      this.fireTracks(lines);
      this.afterStable();
    }
    this.checkConnected();
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await Promise.resolve();
    if (this.remoteDescription === null) throw new Error('InvalidStateError: no remote description');
    this.candidates.push(candidate);
    this.checkConnected();
  }

  restartIce(): void {
    this.restarts += 1;
    this.queueNegotiation();
  }

  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
    this.signalingState = 'closed';
  }

  /** The network drops (for restart tests). */
  fail(): void {
    this.connectionState = 'failed';
    this.onconnectionstatechange?.(new Event('connectionstatechange'));
  }

  private rollback(): void {
    this.rollbacks += 1;
    this.signalingState = 'stable';
    this.localDescription = null;
    for (const t of this.transceivers) t.negotiated = null;
  }

  /** Remote m-lines that send to us bring their tracks. */
  private fireTracks(lines: readonly Line[]): void {
    lines.forEach((line, i) => {
      const t = this.transceivers[i];
      if (t !== undefined && (line.direction === 'sendrecv' || line.direction === 'sendonly')) this.ontrack?.({ track: t.receiver.track });
    });
  }

  private maybeNeedNegotiation(): void {
    if (this.signalingState !== 'stable') return;
    if (this.transceivers.some((t) => t.negotiated !== t.direction)) this.queueNegotiation();
  }

  private afterStable(): void {
    // A change made while negotiating is negotiated next.
    if (this.transceivers.some((t) => t.negotiated !== null && t.negotiated !== t.direction)) this.queueNegotiation();
  }

  private queueNegotiation(): void {
    if (this.negotiationQueued || this.closed) return;
    this.negotiationQueued = true;
    setTimeout(() => {
      this.negotiationQueued = false;
      if (!this.closed && this.signalingState === 'stable') this.onnegotiationneeded?.(new Event('negotiationneeded'));
    }, 0);
  }

  private emitCandidate(): void {
    const n = FakePeerConnection.all.indexOf(this);
    setTimeout(() => {
      if (this.closed) return;
      const init: RTCIceCandidateInit = { candidate: `candidate:${n} 1 udp 2122260223 192.0.2.${n % 250} 5000${n % 10} typ host`, sdpMid: '0', sdpMLineIndex: 0 };
      this.onicecandidate?.({ candidate: { toJSON: () => init } });
    }, 0);
  }

  private checkConnected(): void {
    if (this.connectionState === 'connected' || this.closed) return;
    if (this.localDescription !== null && this.remoteDescription !== null && this.signalingState === 'stable' && this.candidates.length > 0) {
      this.connectionState = 'connected';
      this.onconnectionstatechange?.(new Event('connectionstatechange'));
    } else if (this.connectionState === 'new' && this.remoteDescription !== null) {
      this.connectionState = 'connecting';
      this.onconnectionstatechange?.(new Event('connectionstatechange'));
    }
  }
}

/** Lets timers and promise chains of fakes run (real timers). */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((r) => setTimeout(r, 0));
}
