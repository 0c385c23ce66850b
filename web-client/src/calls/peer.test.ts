// One mesh link between two fake peer connections: who opens it, offer and
// answer, trickled candidates in order, listen-only ends, glare resolved by
// perfect negotiation, ICE restart, and signals from others that are not ours.
import { afterEach, describe, expect, it } from 'vitest';
import { opensTo, parseSignal, PeerLink, type OutgoingTracks, type SignalData } from './peer';
import { fakeTrack, FakePeerConnection, flush } from './testing';

afterEach(() => {
  FakePeerConnection.all = [];
});

describe('who opens a link', () => {
  const a = { connection_id: 'conn-a', joined_at: '2026-12-06T08:00:00.000Z' };
  const b = { connection_id: 'conn-b', joined_at: '2026-12-06T08:00:05.000Z' };

  it('the later arrival opens it, and exactly one side does', () => {
    expect(opensTo(b, a)).toBe(true);
    expect(opensTo(a, b)).toBe(false);
  });

  it('a tie in join time goes to the greater connection id, still exactly one side', () => {
    const c = { connection_id: 'conn-c', joined_at: a.joined_at };
    expect(opensTo(c, a)).toBe(true);
    expect(opensTo(a, c)).toBe(false);
    const unreadable = { connection_id: 'conn-z', joined_at: 'yesterday' };
    expect(opensTo(unreadable, a)).toBe(!opensTo(a, unreadable));
  });
});

describe('signal payloads', () => {
  it('keeps descriptions, candidates and media states; drops anything else', () => {
    expect(parseSignal({ kind: 'description', description: { type: 'offer', sdp: 'v=0' } })).toEqual({
      kind: 'description',
      description: { type: 'offer', sdp: 'v=0' },
    });
    expect(parseSignal({ kind: 'candidate', candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0, extra: 1 } })).toEqual({
      kind: 'candidate',
      candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 },
    });
    expect(parseSignal({ kind: 'media', audio: true, video: 'yes' })).toEqual({ kind: 'media', audio: true, video: false, screen: false });
    for (const junk of [null, 'offer', 42, {}, { kind: 'description', description: { type: 'rollback', sdp: '' } }, { kind: 'candidate', candidate: {} }, { kind: 'hack' }]) {
      expect(parseSignal(junk)).toBeNull();
    }
  });
});

interface End {
  pc: FakePeerConnection;
  link: PeerLink;
  outgoing: OutgoingTracks;
  sent: SignalData[];
}

/** Two ends wired through a "server" that delivers every signal, in order, a moment later. */
function pair(options: { openerSends?: OutgoingTracks; otherSends?: OutgoingTracks } = {}): { opener: End; other: End } {
  const make = (opener: boolean, outgoing: OutgoingTracks): End => {
    const pc = new FakePeerConnection();
    const end: End = { pc, outgoing, sent: [], link: undefined as unknown as PeerLink };
    end.link = new PeerLink({
      pc,
      opener,
      send: (data) => {
        end.sent.push(data);
        setTimeout(() => void (end === opener_ ? other_ : opener_).link.receive(data), 0);
      },
      outgoing: () => end.outgoing,
      onChange: () => {},
    });
    return end;
  };
  const opener_ = make(true, options.openerSends ?? { audio: fakeTrack('audio'), video: fakeTrack('video') });
  const other_ = make(false, options.otherSends ?? { audio: fakeTrack('audio'), video: fakeTrack('video') });
  return { opener: opener_, other: other_ };
}

const directions = (pc: FakePeerConnection) => pc.transceivers.map((t) => `${t.kind}:${t.direction}`);
const kinds = (link: PeerLink) => link.tracks.map((t) => t.kind).sort();

describe('a link', () => {
  it('the opener offers audio and video; the other answers with its own; both connect and receive both', async () => {
    const { opener, other } = pair();
    opener.link.open();
    other.link.open(); // not the opener: adds nothing
    await flush();
    expect(opener.sent[0]).toMatchObject({ kind: 'description', description: { type: 'offer' } });
    expect(other.sent.find((d) => d.kind === 'description')).toMatchObject({ description: { type: 'answer' } });
    expect(other.sent.some((d) => d.kind === 'description' && d.description.type === 'offer')).toBe(false);
    for (const end of [opener, other]) {
      expect(end.pc.signalingState).toBe('stable');
      expect(end.link.connectionState).toBe('connected');
      expect(directions(end.pc)).toEqual(['audio:sendrecv', 'video:sendrecv']);
      expect(kinds(end.link)).toEqual(['audio', 'video']);
    }
    // The answering side sends its own microphone and camera on the offered transceivers.
    expect(other.pc.transceivers.map((t) => t.sender.track)).toEqual([other.outgoing.audio, other.outgoing.video]);
  });

  it('trickles candidates after the description, and none is lost or refused', async () => {
    const { opener, other } = pair();
    opener.link.open();
    await flush();
    const order = opener.sent.map((d) => d.kind);
    expect(order.indexOf('description')).toBeLessThan(order.indexOf('candidate'));
    expect(other.pc.candidates).toHaveLength(opener.sent.filter((d) => d.kind === 'candidate').length);
    expect(opener.pc.candidates.length).toBeGreaterThan(0);
  });

  it('a listen-only opener offers to receive only; the other still sends, and receives nothing', async () => {
    const { opener, other } = pair({ openerSends: { audio: null, video: null } });
    opener.link.open();
    await flush();
    expect(directions(opener.pc)).toEqual(['audio:recvonly', 'video:recvonly']);
    expect(kinds(opener.link)).toEqual(['audio', 'video']);
    expect(kinds(other.link)).toEqual([]);
    expect(other.link.connectionState).toBe('connected');
  });

  it('a listen-only answerer receives only; the opener gets nothing but is connected', async () => {
    const { opener, other } = pair({ otherSends: { audio: null, video: null } });
    opener.link.open();
    await flush();
    expect(directions(other.pc)).toEqual(['audio:recvonly', 'video:recvonly']);
    expect(kinds(other.link)).toEqual(['audio', 'video']);
    expect(kinds(opener.link)).toEqual([]);
    expect(opener.link.connectionState).toBe('connected');
  });

  it('a screen replaces the camera without renegotiating', async () => {
    const { opener, other } = pair();
    opener.link.open();
    await flush();
    const offers = opener.pc.offers + other.pc.offers;
    const screen = fakeTrack('video', 'screen');
    await other.link.setTrack('video', screen);
    await flush();
    expect(other.pc.transceivers[1]!.sender.track).toBe(screen);
    expect(opener.pc.offers + other.pc.offers).toBe(offers);
  });

  it('glare: both ends start sending at once; the polite end yields, and both end up sending', async () => {
    // Both joined listen-only, then both share a screen at the same moment: two offers cross.
    const { opener, other } = pair({ openerSends: { audio: null, video: null }, otherSends: { audio: null, video: null } });
    opener.link.open();
    await flush();
    const a = fakeTrack('video', 'screen-a');
    const b = fakeTrack('video', 'screen-b');
    opener.outgoing = { audio: null, video: a };
    other.outgoing = { audio: null, video: b };
    await Promise.all([opener.link.setTrack('video', a), other.link.setTrack('video', b)]);
    await flush(30);
    expect(other.pc.rollbacks).toBeGreaterThan(0); // the polite (non-opening) end gave its offer up
    expect(opener.pc.rollbacks).toBe(0);
    for (const end of [opener, other]) {
      expect(end.pc.signalingState).toBe('stable');
      expect(directions(end.pc)).toEqual(['audio:recvonly', 'video:sendrecv']);
      expect(kinds(end.link)).toContain('video');
    }
  });

  it('a failed connection is restarted by its opener only', async () => {
    const { opener, other } = pair();
    opener.link.open();
    await flush();
    other.pc.fail();
    expect(other.pc.restarts).toBe(0);
    opener.pc.fail();
    expect(opener.pc.restarts).toBe(1);
    await flush();
    expect(opener.sent.filter((d) => d.kind === 'description' && d.description.type === 'offer')).toHaveLength(2);
  });

  it('once closed it sends nothing and ignores what comes', async () => {
    const { opener, other } = pair();
    other.link.close();
    opener.link.open();
    await flush();
    expect(other.pc.closed).toBe(true);
    expect(other.sent).toEqual([]);
    expect(opener.pc.signalingState).toBe('have-local-offer');
  });
});
