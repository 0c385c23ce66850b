// Calls end to end in memory: each person has a real RealtimeStore on a fake
// socket and a CallController with fake media and fake peer connections; a
// small fake server keeps the calls (as SPEC §9 describes them), announces
// `call_*` to everyone and relays `signal` frames between sockets.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { CallDto, IceServers } from '../api/types';
import { RealtimeStore } from '../realtime/store';
import { conversation, FakeSocket } from '../realtime/testing';
import { CallController, OFFLINE, type CallRest } from './controller';
import type { MediaEnvironment } from './media';
import { fakeStream, fakeTrack, FakePeerConnection, flush, type FakeTrack } from './testing';

const CONV = 'conv-case';
const DIRECT = 'conv-direct';

interface Person {
  userId: string;
  store: RealtimeStore;
  sockets: FakeSocket[];
  controller: CallController;
  media: MediaEnvironment & { getUserMedia: ReturnType<typeof vi.fn> };
  rest: { [K in keyof CallRest]: ReturnType<typeof vi.fn> & CallRest[K] };
  /** Tracks this person's getUserMedia handed out. */
  tracks: FakeTrack[];
  peers: FakePeerConnection[];
  detach: () => void;
}

class World {
  readonly calls = new Map<string, CallDto>();
  readonly people: Person[] = [];
  private tick = 0;
  /** The server's clock starts at the real now: ringing stops RING_FOR_MS after a call's start, by the real clock. */
  private readonly startedAt = Date.now();
  private connections = 0;
  private relayed = new Map<FakeSocket, number>();
  relayOnly = false;

  private now(): string {
    this.tick += 1;
    return new Date(this.startedAt + this.tick * 1_000).toISOString();
  }

  private socketOf(p: Person): FakeSocket {
    return p.sockets[p.sockets.length - 1]!;
  }

  connectionOf(p: Person): string {
    return p.store.getState().connectionId!;
  }

  private broadcast(type: 'call_started' | 'call_updated' | 'call_ended', call: CallDto): void {
    for (const p of this.people) {
      const s = this.socketOf(p);
      if (s.readyState === 1) s.receive({ type, call });
    }
  }

  private error(reason: 'call_in_progress' | 'call_ended' | 'call_not_found', call?: CallDto): ApiError {
    return new ApiError(reason === 'call_not_found' ? 'not_found' : 'conflict', reason, reason === 'call_not_found' ? 404 : 409, reason, call);
  }

  private update(call: CallDto, next: Partial<CallDto>): CallDto {
    const updated = { ...call, ...next };
    this.calls.set(call.id, updated);
    return updated;
  }

  private leaveAll(call: CallDto, userId: string | null, except?: string): CallDto {
    const at = this.now();
    return this.update(call, {
      participants: call.participants.map((p) =>
        p.left_at === undefined && (userId === null || p.user_id === userId) && p.connection_id !== except ? { ...p, left_at: at } : p,
      ),
    });
  }

  private endIfEmpty(call: CallDto): CallDto {
    if (call.participants.some((p) => p.left_at === undefined)) {
      this.broadcast('call_updated', call);
      return call;
    }
    const ended = this.update(call, { ended_at: this.now() });
    this.broadcast('call_ended', ended);
    return ended;
  }

  async person(userId: string, media: Partial<MediaEnvironment> = {}): Promise<Person> {
    const sockets: FakeSocket[] = [];
    const store = new RealtimeStore({
      url: 'ws://test/api/v1/ws',
      token: async () => 'token',
      random: () => 0,
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
    });
    const tracks: FakeTrack[] = [];
    const env = {
      getUserMedia: vi.fn(async (c: MediaStreamConstraints) => {
        const got = [...(c.audio ? [fakeTrack('audio')] : []), ...(c.video ? [fakeTrack('video')] : [])];
        tracks.push(...got);
        return fakeStream(...got);
      }),
      getDisplayMedia: vi.fn(async () => fakeStream(fakeTrack('video', 'screen'))),
      ...media,
    } as Person['media'];
    const peers: FakePeerConnection[] = [];
    const world = this;
    const rest = {
      startCall: vi.fn(async (conversationId: string, body: { connection_id?: string }) => {
        const live = [...world.calls.values()].find((c) => c.conversation_id === conversationId && c.ended_at === undefined);
        if (live !== undefined) throw world.error('call_in_progress', live);
        const at = world.now();
        const call: CallDto = {
          id: `call-${world.calls.size + 1}`,
          conversation_id: conversationId,
          started_by: userId,
          started_at: at,
          participants: body.connection_id === undefined ? [] : [{ user_id: userId, connection_id: body.connection_id, joined_at: at }],
          declined_by: [],
          max_participants: 6,
        };
        world.calls.set(call.id, call);
        world.broadcast('call_started', call);
        return call;
      }),
      joinCall: vi.fn(async (id: string, connectionId: string) => {
        let call = world.calls.get(id);
        if (call === undefined) throw world.error('call_not_found');
        if (call.ended_at !== undefined) throw world.error('call_ended');
        call = world.leaveAll(call, userId, connectionId);
        call = world.update(call, {
          participants: [...call.participants.filter((p) => p.connection_id !== connectionId), { user_id: userId, connection_id: connectionId, joined_at: world.now() }],
        });
        world.broadcast('call_updated', call);
        return call;
      }),
      leaveCall: vi.fn(async (id: string) => world.endIfEmpty(world.leaveAll(world.calls.get(id)!, userId))),
      declineCall: vi.fn(async (id: string) => {
        const call = world.update(world.calls.get(id)!, { declined_by: [...world.calls.get(id)!.declined_by, userId] });
        if (call.conversation_id === DIRECT) return world.endIfEmpty(world.leaveAll(call, null));
        world.broadcast('call_updated', call);
        return call;
      }),
      endCall: vi.fn(async (id: string) => world.endIfEmpty(world.leaveAll(world.calls.get(id)!, null))),
      iceServers: vi.fn(
        async (): Promise<IceServers> => ({ ice_servers: [{ urls: ['turn:turn.example.org:3478'], username: '1:u', credential: 'c' }], ttl_secs: 3600 }),
      ),
    } as unknown as Person['rest'];
    const controller = new CallController({
      store,
      rest,
      media: env,
      createPeer: (configuration) => {
        const pc = new FakePeerConnection(configuration);
        peers.push(pc);
        return pc;
      },
      relayOnly: () => world.relayOnly,
    });
    const person: Person = { userId, store, sockets, controller, media: env, rest, tracks, peers, detach: () => {} };
    person.detach = controller.attach();
    this.people.push(person);
    store.start();
    await this.connect(person);
    return person;
  }

  /** Opens the person's newest socket and sends `ready` with a fresh connection id. */
  async connect(p: Person): Promise<void> {
    await flush(2);
    const s = this.socketOf(p);
    s.open();
    this.connections += 1;
    const live = [...this.calls.values()].filter((c) => c.ended_at === undefined);
    s.receive({
      type: 'ready',
      user_id: p.userId,
      session_id: `s-${p.userId}`,
      connection_id: `conn-${this.connections}-${p.userId}`,
      live_calls: live,
      conversations: [conversation(CONV, 0, { kind: 'case' }), conversation(DIRECT, 0, { kind: 'direct' })],
      presence: [],
      unread_notifications: 0,
    });
  }

  /** Lets everything run and relays signals (to joined sockets only, as the server does) until quiet. */
  async settle(): Promise<void> {
    for (let round = 0; round < 40; round += 1) {
      await flush(2);
      let moved = false;
      for (const p of this.people) {
        for (const s of p.sockets) {
          const from = this.relayed.get(s) ?? 0;
          const frames = s.sent.slice(from);
          this.relayed.set(s, s.sent.length);
          for (const f of frames) {
            if (f.type !== 'signal') continue;
            moved = true;
            const call = this.calls.get(f.call_id);
            const joined = (conn: string) => call?.participants.some((x) => x.connection_id === conn && x.left_at === undefined) === true;
            const fromConn = p.store.getState().connectionId!;
            const target = this.people.find((q) => q.store.getState().connectionId === f.to_connection_id);
            if (call === undefined || call.ended_at !== undefined) {
              s.receive({ type: 'error', ...(f.id === undefined ? {} : { id: f.id }), code: 'conflict', reason: 'call_ended', message: 'ended' });
            } else if (target === undefined || !joined(fromConn) || !joined(f.to_connection_id)) {
              s.receive({ type: 'error', ...(f.id === undefined ? {} : { id: f.id }), code: 'conflict', reason: 'not_in_call', message: 'not in call' });
            } else {
              this.socketOf(target).receive({ type: 'signal', call_id: f.call_id, from_user_id: p.userId, from_connection_id: fromConn, data: f.data });
            }
          }
        }
      }
      if (!moved && round > 3) return;
    }
  }

  dispose(): void {
    for (const p of this.people) {
      p.detach();
      p.store.stop();
    }
  }
}

let world: World;
afterEach(() => {
  world?.dispose();
  FakePeerConnection.all = [];
});

const live = (p: Person) => p.peers.filter((pc) => !pc.closed);
const remoteUsers = (p: Person) => p.controller.getState().remotes.map((r) => r.userId);

describe('a 1:1 call', () => {
  it('the caller starts it from this socket; the callee accepts; one link, opened by the later arrival, connected both ways', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');

    await wang.controller.start(DIRECT);
    expect(wang.rest.startCall).toHaveBeenCalledWith(DIRECT, { connection_id: world.connectionOf(wang) });
    expect(wang.controller.getState()).toMatchObject({ phase: 'in_call', audioOn: true, videoOn: true, remotes: [] });
    expect(li.store.getState().calls.ringing).toEqual(['call-1']);

    await li.controller.accept(li.store.getState().calls.live['call-1']!);
    expect(li.rest.joinCall).toHaveBeenCalledWith('call-1', world.connectionOf(li));
    expect(li.store.getState().calls.ringing).toEqual([]);
    await world.settle();

    expect(live(wang)).toHaveLength(1);
    expect(live(li)).toHaveLength(1);
    // Li joined later, so Li offered; Wang answered.
    expect(live(li)[0]!.offers).toBe(1);
    expect(live(wang)[0]!.offers).toBe(0);
    for (const p of [wang, li]) {
      expect(live(p)[0]!.connectionState).toBe('connected');
      const [remote] = p.controller.getState().remotes;
      expect(remote).toMatchObject({ connection: 'connected', media: { audio: true, video: true, screen: false } });
      expect(remote!.tracks.map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    }
    expect(remoteUsers(wang)).toEqual(['li']);
    expect(remoteUsers(li)).toEqual(['wang']);
    // Each side sends its own camera and microphone.
    expect(live(li)[0]!.transceivers.map((t) => t.sender.track)).toEqual(li.tracks);
    expect(live(wang)[0]!.transceivers.map((t) => t.sender.track)).toEqual(wang.tracks);
  });

  it('uses the ICE servers the server hands out, relay only when asked', async () => {
    world = new World();
    world.relayOnly = true;
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(DIRECT);
    await li.controller.start(DIRECT); // a live call there: joined, not started again
    expect(li.rest.startCall).not.toHaveBeenCalled();
    await world.settle();
    expect(live(li)[0]!.configuration).toEqual({
      iceServers: [{ urls: ['turn:turn.example.org:3478'], username: '1:u', credential: 'c' }],
      iceTransportPolicy: 'relay',
    });
  });

  it('a start that finds a call already live (409 call_in_progress) joins that call instead', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(DIRECT);
    // Li's screen has not heard of it yet.
    li.store.stopRinging('call-1');
    li.store.applyCall({ ...world.calls.get('call-1')!, ended_at: '2026-12-06T08:00:30Z' });
    await li.controller.start(DIRECT);
    expect(li.rest.startCall).toHaveBeenCalledTimes(1);
    expect(li.rest.joinCall).toHaveBeenCalledWith('call-1', world.connectionOf(li));
    expect(li.controller.getState()).toMatchObject({ phase: 'in_call', call: { id: 'call-1' } });
  });

  it('declined by the one rung: the call ends and the caller is told who declined', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(DIRECT);
    await li.controller.decline('call-1');
    expect(li.store.getState().calls.ringing).toEqual([]);
    expect(wang.controller.getState()).toMatchObject({ phase: 'ended', ended: { reason: 'declined', declinedBy: ['li'] } });
    expect(wang.tracks.every((t) => t.stopped)).toBe(true);
  });

  it('leaving hangs up here and tells the server; the other side is told the call ended', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(DIRECT);
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    await li.controller.leave();
    expect(li.rest.leaveCall).toHaveBeenCalledWith('call-1');
    expect(li.controller.getState().phase).toBe('idle');
    expect(li.peers.every((pc) => pc.closed)).toBe(true);
    expect(li.tracks.every((t) => t.stopped)).toBe(true);
    // Wang is alone now: the link to Li goes.
    expect(wang.controller.getState().remotes).toEqual([]);
    await wang.controller.leave();
    expect(world.calls.get('call-1')!.ended_at).toBeDefined();
  });
});

describe('a group call', () => {
  it('three people: one link per pair, each opened by the later arrival; one leaves and only their links go', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    const zhang = await world.person('zhang');
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    await zhang.controller.accept(world.calls.get('call-1')!);
    await world.settle();

    expect(live(wang)).toHaveLength(2);
    expect(live(li)).toHaveLength(2);
    expect(live(zhang)).toHaveLength(2);
    expect(live(wang).map((pc) => pc.offers)).toEqual([0, 0]); // first in: never opens
    expect(live(zhang).map((pc) => pc.offers)).toEqual([1, 1]); // last in: opens both
    for (const p of [wang, li, zhang]) {
      expect(live(p).every((pc) => pc.connectionState === 'connected')).toBe(true);
    }
    expect(remoteUsers(wang)).toEqual(['li', 'zhang']);
    expect(remoteUsers(zhang)).toEqual(['wang', 'li']);

    await li.controller.leave();
    await world.settle();
    expect(remoteUsers(wang)).toEqual(['zhang']);
    expect(remoteUsers(zhang)).toEqual(['wang']);
    expect(live(wang)).toHaveLength(1);
    expect(world.calls.get('call-1')!.ended_at).toBeUndefined();
  });

  it('ended for everyone by its starter: every participant hangs up', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    await wang.controller.endForEveryone();
    expect(wang.controller.getState().phase).toBe('idle');
    expect(li.controller.getState()).toMatchObject({ phase: 'ended', ended: { reason: 'ended' } });
    expect(li.peers.every((pc) => pc.closed)).toBe(true);
  });

  it('a refused "end for everyone" is shown and the call goes on', async () => {
    world = new World();
    const wang = await world.person('wang');
    await wang.controller.start(CONV);
    wang.rest.endCall.mockRejectedValueOnce(new ApiError('forbidden', 'no', 403, 'call_end_forbidden'));
    await wang.controller.endForEveryone();
    expect(wang.controller.getState()).toMatchObject({ phase: 'in_call' });
    expect(wang.controller.getState().error).toBeInstanceOf(ApiError);
  });

  it('signals that overtake the answer to my join are kept, and the link is still opened by me (the later arrival)', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(CONV);
    const join = li.rest.joinCall.getMockImplementation() as CallRest['joinCall'];
    li.rest.joinCall.mockImplementationOnce(async (id: string, connectionId: string) => {
      const call = await join(id, connectionId);
      await world.settle(); // Wang's first word reaches Li before the answer does
      return call;
    });
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    expect(live(li)).toHaveLength(1);
    expect(live(li)[0]!.offers).toBe(1);
    expect(live(li)[0]!.connectionState).toBe('connected');
    expect(li.controller.getState().remotes[0]!.media).toEqual({ audio: true, video: true, screen: false });
  });

  it('a signal from a socket the call does not list yet opens its link at once (its update is still on the way)', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(CONV);
    // Wang misses Li's call_updated (say, it is still crossing between nodes).
    const socket = wang.sockets[0]!;
    const receive = socket.receive.bind(socket);
    socket.receive = (e) => {
      if (e.type !== 'call_updated') receive(e);
    };
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    expect(live(wang)).toHaveLength(1);
    expect(live(wang)[0]!.connectionState).toBe('connected');
    expect(remoteUsers(wang)).toEqual(['li']);
  });
});

describe('the socket under a call', () => {
  it('after a reconnect the call is joined again from the new socket, and every link is made anew', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    const before = world.connectionOf(li);

    li.sockets[0]!.drop();
    await new Promise((r) => setTimeout(r, 600)); // the store's backoff
    await world.connect(li);
    expect(world.connectionOf(li)).not.toBe(before);
    await world.settle();

    expect(li.rest.joinCall).toHaveBeenLastCalledWith('call-1', world.connectionOf(li));
    expect(li.controller.getState()).toMatchObject({ phase: 'in_call', rejoining: false });
    expect(live(li)).toHaveLength(1);
    expect(live(li)[0]!.connectionState).toBe('connected');
    expect(live(wang)).toHaveLength(1);
    expect(live(wang)[0]!.connectionState).toBe('connected');
    expect(remoteUsers(wang)).toEqual(['li']);
    // The microphone and camera went on throughout.
    expect(li.tracks.some((t) => t.stopped)).toBe(false);
    expect(li.media.getUserMedia).toHaveBeenCalledTimes(1);
  });

  it('what the others say while the join from the new socket is on its way is kept for the new links', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    li.sockets[0]!.drop();
    await new Promise((r) => setTimeout(r, 600));
    // The server's answer to Li's second join is slow: Wang's first signal to the new socket overtakes it.
    const join = li.rest.joinCall.getMockImplementation() as CallRest['joinCall'];
    li.rest.joinCall.mockImplementationOnce(async (id: string, connectionId: string) => {
      const call = await join(id, connectionId);
      await world.settle();
      return call;
    });
    await world.connect(li);
    await world.settle();
    expect(live(li)).toHaveLength(1);
    expect(live(li)[0]!.offers).toBe(1); // Li arrived last, so Li opened the link (not a link opened by Wang's early word)
    expect(live(li)[0]!.connectionState).toBe('connected');
    expect(li.controller.getState().remotes[0]!.media).toEqual({ audio: true, video: true, screen: false });
  });

  it('an update older than the join from the new socket (my old socket still in it) changes nothing', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    const before = world.calls.get('call-1')!; // Li in from the first socket
    li.sockets[0]!.drop();
    await new Promise((r) => setTimeout(r, 600));
    await world.connect(li);
    await world.settle();
    const joins = li.rest.joinCall.mock.calls.length;

    li.sockets[1]!.receive({ type: 'call_updated', call: before }); // crossed the nodes slowly
    await world.settle();
    expect(li.controller.getState()).toMatchObject({ phase: 'in_call', call: { participants: world.calls.get('call-1')!.participants } });
    expect(li.rest.joinCall.mock.calls.length).toBe(joins);
    expect(live(li)).toHaveLength(1);
    expect(live(li)[0]!.connectionState).toBe('connected');
  });

  it('a call that ended while the socket was away ends here on reconnect', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    li.sockets[0]!.drop();
    await wang.controller.endForEveryone();
    await new Promise((r) => setTimeout(r, 600));
    await world.connect(li);
    await world.settle();
    expect(li.controller.getState()).toMatchObject({ phase: 'ended', ended: { reason: 'ended' } });
  });

  it('joining from another device ends the call on this one', async () => {
    world = new World();
    const wang = await world.person('wang');
    const laptop = await world.person('li');
    const phone = await world.person('li');
    await wang.controller.start(CONV);
    await laptop.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    expect(phone.store.getState().calls.ringing).toEqual([]); // I am in it: my other devices stop ringing
    await phone.controller.start(CONV);
    await world.settle();
    expect(laptop.controller.getState()).toMatchObject({ phase: 'ended', ended: { reason: 'moved' } });
    expect(phone.controller.getState().phase).toBe('in_call');
    expect(remoteUsers(wang)).toEqual(['li']);
    expect(live(wang)).toHaveLength(1);
  });

  it('without a live connection there is no call: it says so', async () => {
    world = new World();
    const wang = await world.person('wang');
    wang.store.setNetwork(false);
    await wang.controller.start(CONV);
    expect(wang.controller.getState()).toMatchObject({ phase: 'ended', ended: { reason: 'failed', error: OFFLINE } });
    expect(wang.rest.startCall).not.toHaveBeenCalled();
  });
});

describe('camera and microphone', () => {
  const refuse = (name: string) =>
    vi.fn(async () => {
      throw Object.assign(new Error(name), { name });
    });

  it('refused: the call waits with the reason; listen-only joins receiving only, and still gets the others', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li', { getUserMedia: refuse('NotAllowedError') });
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    expect(li.controller.getState()).toMatchObject({ phase: 'media_blocked', mediaProblem: 'denied' });
    expect(li.rest.joinCall).not.toHaveBeenCalled();

    await li.controller.joinListenOnly();
    await world.settle();
    expect(li.controller.getState()).toMatchObject({ phase: 'in_call', listenOnly: true, microphone: null, camera: null });
    const pc = live(li)[0]!;
    expect(pc.transceivers.map((t) => t.direction)).toEqual(['recvonly', 'recvonly']);
    expect(pc.connectionState).toBe('connected');
    expect(li.controller.getState().remotes[0]!.tracks.map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    // The others are told Li sends nothing.
    expect(wang.controller.getState().remotes[0]!.media).toEqual({ audio: false, video: false, screen: false });
  });

  it('no devices at all: says they are absent; trying again may find them; cancelling leaves no trace', async () => {
    world = new World();
    const li = await world.person('li', { getUserMedia: refuse('NotFoundError') });
    await li.controller.start(CONV);
    expect(li.controller.getState()).toMatchObject({ phase: 'media_blocked', mediaProblem: 'absent' });
    li.media.getUserMedia.mockImplementation(async () => fakeStream(fakeTrack('audio'), fakeTrack('video')));
    await li.controller.retryMedia();
    expect(li.controller.getState().phase).toBe('in_call');
    await li.controller.leave();

    li.media.getUserMedia.mockImplementation(refuse('NotReadableError'));
    await li.controller.start(CONV);
    expect(li.controller.getState().mediaProblem).toBe('busy');
    li.controller.cancel();
    expect(li.controller.getState().phase).toBe('idle');
  });

  it('a microphone without a camera: joins at once, noting it', async () => {
    world = new World();
    const li = await world.person('li', {
      getUserMedia: vi.fn(async (c: MediaStreamConstraints) => {
        if (c.video) throw Object.assign(new Error('no camera'), { name: 'NotFoundError' });
        return fakeStream(fakeTrack('audio'));
      }),
    });
    await li.controller.start(CONV);
    expect(li.controller.getState()).toMatchObject({ phase: 'in_call', mediaProblem: 'absent', videoOn: false, audioOn: true, camera: null });
  });

  it('mute and camera off switch the tracks and tell the others', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    li.controller.toggleAudio();
    li.controller.toggleVideo();
    await world.settle();
    expect(li.controller.getState()).toMatchObject({ audioOn: false, videoOn: false });
    expect(li.tracks.map((t) => t.enabled)).toEqual([false, false]);
    expect(wang.controller.getState().remotes[0]!.media).toEqual({ audio: false, video: false, screen: false });
    li.controller.toggleAudio();
    await world.settle();
    expect(wang.controller.getState().remotes[0]!.media).toMatchObject({ audio: true });
  });

  it('a shared screen replaces the camera on every link; ending it (also from the browser) brings the camera back', async () => {
    world = new World();
    const wang = await world.person('wang');
    const li = await world.person('li');
    const zhang = await world.person('zhang');
    await wang.controller.start(CONV);
    await li.controller.accept(world.calls.get('call-1')!);
    await zhang.controller.accept(world.calls.get('call-1')!);
    await world.settle();
    await wang.controller.shareScreen();
    const screen = wang.controller.getState().screen as FakeTrack & { end(): void };
    expect(screen).not.toBeNull();
    expect(live(wang).map((pc) => pc.transceivers[1]!.sender.track)).toEqual([screen, screen]);
    await world.settle();
    expect(li.controller.getState().remotes[0]!.media).toMatchObject({ screen: true });
    screen.end(); // the browser's own "stop sharing"
    await world.settle();
    expect(wang.controller.getState().screen).toBeNull();
    expect(live(wang).map((pc) => pc.transceivers[1]!.sender.track)).toEqual([wang.tracks[1], wang.tracks[1]]);
  });
});
