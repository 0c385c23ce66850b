// @vitest-environment jsdom
// Video calls as a person meets them: the header's call button, the ring
// (accept, decline, gone when the call ends or is answered elsewhere), the
// call screen (named videos, controls, "end for everyone" only for whom it
// is), and the camera refused: a clear reason and "join listen-only".
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { CallDto, ConversationDto, UserDto } from '../api/types';
import { ConversationHeader } from '../chat/ConversationHeader';
import { button, click, conversation, ME, PEER, press, settle, user, USERS } from '../chat/testing';
import { setLocale } from '../i18n';
import { RealtimeStoreProvider } from '../realtime/context';
import { RealtimeStore } from '../realtime/store';
import { FakeSocket } from '../realtime/testing';
import { rest } from '../session';
import { rememberUsers } from '../users/cache';
import { saveMyDuty } from '../users/duty';
import { CallView, ENDED_NOTICE_MS } from './CallView';
import { CallProvider } from './context';
import { CallController, type CallRest } from './controller';
import { IncomingCallBanner } from './IncomingCallBanner';
import type { MediaEnvironment } from './media';
import type { Ringer } from './ringtone';
import { fakeStream, fakeTrack, FakePeerConnection, flush } from './testing';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

const DIRECT = conversation('conv-direct', 0, { kind: 'direct', title: '李晓红' });
const CASE = conversation('conv-case', 0, { kind: 'case', title: '胸痛3天', team_id: 'team-1', case_id: 'case-1' });
const TEAM = conversation('conv-team', 0, { kind: 'team', title: '心血管团队', team_id: 'team-1' });
const NOW = Date.now();

function liveCall(extra: Partial<CallDto> = {}): CallDto {
  return {
    id: 'call-1',
    conversation_id: CASE.id,
    started_by: PEER,
    started_at: new Date(NOW).toISOString(),
    participants: [{ user_id: PEER, connection_id: 'conn-peer', joined_at: new Date(NOW).toISOString() }],
    declined_by: [],
    max_participants: 6,
    ...extra,
  };
}

interface Mounted {
  container: HTMLElement;
  store: RealtimeStore;
  socket: FakeSocket;
  controller: CallController;
  calls: { [K in keyof CallRest]: ReturnType<typeof vi.fn> };
  ringer: { start: Mock<() => Ringer>; stop: Mock<() => void> };
  render: (node: ReactNode) => void;
}

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  FakePeerConnection.all = [];
  localStorage.clear();
});

async function mount(options: { media?: MediaEnvironment; conversations?: ConversationDto[]; calls?: CallDto[] } = {}): Promise<Mounted> {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  setLocale('zh-CN');
  rememberUsers(USERS);
  vi.spyOn(rest, 'user').mockImplementation(async (id) => USERS.find((u) => u.id === id) ?? user(id, id));
  const sockets: FakeSocket[] = [];
  const store = new RealtimeStore({
    url: 'ws://test/api/v1/ws',
    token: async () => 'token',
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  store.start();
  await vi.waitFor(() => expect(sockets).toHaveLength(1));
  const socket = sockets[0]!;
  socket.open();
  socket.receive({
    type: 'ready',
    user_id: ME,
    session_id: 's',
    connection_id: 'conn-me',
    live_calls: options.calls ?? [],
    conversations: options.conversations ?? [DIRECT, CASE, TEAM],
    presence: [],
    unread_notifications: 0,
  });
  const mine = (conversationId: string): CallDto => ({
    ...liveCall({ id: 'call-9', conversation_id: conversationId, started_by: ME }),
    participants: [{ user_id: ME, connection_id: 'conn-me', joined_at: new Date().toISOString() }],
  });
  const calls = {
    startCall: vi.fn(async (conversationId: string) => mine(conversationId)),
    joinCall: vi.fn(async (id: string) => ({
      ...liveCall({ id }),
      participants: [...liveCall().participants, { user_id: ME, connection_id: 'conn-me', joined_at: new Date(NOW + 5_000).toISOString() }],
    })),
    leaveCall: vi.fn(async (id: string) => liveCall({ id })),
    declineCall: vi.fn(async (id: string) => liveCall({ id, declined_by: [ME] })),
    endCall: vi.fn(async (id: string) => liveCall({ id, ended_at: new Date().toISOString() })),
    iceServers: vi.fn(async () => ({ ice_servers: [], ttl_secs: 600 })),
  };
  const media: MediaEnvironment = options.media ?? {
    getUserMedia: async () => fakeStream(fakeTrack('audio'), fakeTrack('video')),
    getDisplayMedia: async () => fakeStream(fakeTrack('video', 'screen')),
  };
  const controller = new CallController({
    store,
    rest: calls as unknown as CallRest,
    media,
    createPeer: (c) => new FakePeerConnection(c),
    relayOnly: () => false,
  });
  const stop = vi.fn<() => void>();
  const ringer = { start: vi.fn<() => Ringer>(() => ({ stop })), stop };

  const container = document.createElement('div');
  document.body.append(container);
  const root: Root = createRoot(container);
  cleanup = () => {
    act(() => root.unmount());
    container.remove();
    store.stop();
  };
  return {
    container,
    store,
    socket,
    controller,
    calls,
    ringer,
    render: (node) =>
      act(() =>
        root.render(
          <RealtimeStoreProvider store={store}>
            <CallProvider controller={controller}>{node}</CallProvider>
          </RealtimeStoreProvider>,
        ),
      ),
  };
}

const me: UserDto = USERS[0]!;

function header(info: ConversationDto) {
  return <ConversationHeader info={info} members={[]} me={ME} headingId="h" embedded={false} />;
}

function byRole(root: ParentNode, role: string, name: string): HTMLElement | undefined {
  return [...root.querySelectorAll<HTMLElement>(`[role="${role}"]`)].find((el) => {
    const labelledBy = el.getAttribute('aria-labelledby');
    const label = labelledBy === null ? el.getAttribute('aria-label') : document.getElementById(labelledBy)?.textContent;
    return label?.trim() === name;
  });
}

describe('the call button in a conversation header', () => {
  it('is there for direct, case, consult and referral conversations, not for a team channel', async () => {
    const m = await mount({ conversations: [DIRECT, CASE, TEAM, conversation('conv-consult', 0, { kind: 'consult' }), conversation('conv-ref', 0, { kind: 'referral' })] });
    for (const info of [DIRECT, CASE, conversation('conv-consult', 0, { kind: 'consult' }), conversation('conv-ref', 0, { kind: 'referral' })]) {
      m.render(header(info));
      expect(button(m.container, '视频会诊'), info.kind).toBeDefined();
    }
    m.render(header(TEAM));
    expect(button(m.container, '视频会诊')).toBeUndefined();
    expect(button(m.container, '加入会诊')).toBeUndefined();
  });

  it('offers "join call" while the conversation has a live call, and "back to call" once I am in it', async () => {
    const m = await mount({ calls: [liveCall({ started_at: new Date(NOW - 600_000).toISOString() })] });
    m.render(
      <>
        {header(CASE)}
        <CallView me={me} />
      </>,
    );
    expect(button(m.container, '视频会诊')).toBeUndefined();
    click(button(m.container, '加入会诊'));
    await act(async () => flush());
    expect(m.calls.joinCall).toHaveBeenCalledWith('call-1', 'conn-me');
    expect(m.calls.startCall).not.toHaveBeenCalled();
    expect(button(m.container, '返回会诊')).toBeDefined();

    // The call ends: back to "video call".
    act(() => m.socket.receive({ type: 'call_ended', call: liveCall({ ended_at: new Date().toISOString() }) }));
    expect(button(m.container, '视频会诊')).toBeDefined();
  });

  it('is off, saying why, while I am in a call in another conversation', async () => {
    const m = await mount();
    m.render(
      <>
        {header(CASE)}
        <CallView me={me} />
      </>,
    );
    await act(async () => {
      await m.controller.start(DIRECT.id);
      await flush();
    });
    const start = button(m.container, '视频会诊')!;
    expect(start.disabled).toBe(true);
    expect(start.title).toBe('您正在另一个会话的视频会诊中，请先离开。');
  });

  it('starts a call with this socket, which shows my own video', async () => {
    const m = await mount();
    m.render(
      <>
        {header(DIRECT)}
        <CallView me={me} />
      </>,
    );
    click(button(m.container, '视频会诊'));
    await act(async () => flush());
    expect(m.calls.startCall).toHaveBeenCalledWith(DIRECT.id, { connection_id: 'conn-me' });
    const region = m.container.querySelector('section.call')!;
    expect(region.textContent).toContain('等待其他人加入…');
    expect(region.querySelector('video[aria-label="王建国（我）的视频"]')).not.toBeNull();
  });
});

describe('the ring', () => {
  async function ringing() {
    const m = await mount();
    m.render(
      <>
        <IncomingCallBanner userId={ME} ring={m.ringer.start} />
        <CallView me={me} />
      </>,
    );
    act(() => m.socket.receive({ type: 'call_started', call: liveCall() }));
    return m;
  }

  it('names who calls and where, and rings', async () => {
    const m = await ringing();
    const banner = byRole(m.container, 'dialog', '视频会诊来电');
    expect(banner).toBeDefined();
    expect(banner!.textContent).toContain('李晓红 邀请您参加视频会诊');
    expect(banner!.textContent).toContain('胸痛3天');
    expect(m.ringer.start).toHaveBeenCalledTimes(1);
  });

  it('accept: joins from this socket, the ring stops and the call shows the caller', async () => {
    const m = await ringing();
    click(button(m.container, '接听'));
    await act(async () => flush());
    expect(m.calls.joinCall).toHaveBeenCalledWith('call-1', 'conn-me');
    expect(byRole(m.container, 'dialog', '视频会诊来电')).toBeUndefined();
    expect(m.ringer.stop).toHaveBeenCalled();
    expect(m.container.querySelector('video[aria-label="李晓红 的视频"]')).not.toBeNull();
    expect(m.container.textContent).toContain('正在连接…');
  });

  it('decline: tells the server and goes at once', async () => {
    const m = await ringing();
    click(button(m.container, '拒绝'));
    expect(byRole(m.container, 'dialog', '视频会诊来电')).toBeUndefined();
    expect(m.ringer.stop).toHaveBeenCalled();
    await settle();
    expect(m.calls.declineCall).toHaveBeenCalledWith('call-1');
    expect(m.calls.joinCall).not.toHaveBeenCalled();
  });

  it('goes when the call ends', async () => {
    const m = await ringing();
    act(() => m.socket.receive({ type: 'call_ended', call: liveCall({ ended_at: new Date().toISOString() }) }));
    expect(byRole(m.container, 'dialog', '视频会诊来电')).toBeUndefined();
    expect(m.ringer.stop).toHaveBeenCalled();
  });

  it('goes when I decline or answer on another device', async () => {
    let m = await ringing();
    act(() => m.socket.receive({ type: 'call_updated', call: liveCall({ declined_by: [ME] }) }));
    expect(byRole(m.container, 'dialog', '视频会诊来电')).toBeUndefined();
    cleanup?.();

    m = await ringing();
    const joined = liveCall();
    joined.participants = [...joined.participants, { user_id: ME, connection_id: 'conn-phone', joined_at: new Date().toISOString() }];
    act(() => m.socket.receive({ type: 'call_updated', call: joined }));
    expect(byRole(m.container, 'dialog', '视频会诊来电')).toBeUndefined();
  });

  it('is silent (but shown) when I am not to be disturbed; in English too', async () => {
    saveMyDuty(ME, { status: 'do_not_disturb' });
    const m = await ringing();
    expect(m.ringer.start).not.toHaveBeenCalled();
    act(() => setLocale('en'));
    const banner = byRole(m.container, 'dialog', 'Incoming video call');
    expect(banner!.textContent).toContain('李晓红 invites you to a video consult');
    expect(button(m.container, 'Accept')).toBeDefined();
    expect(button(m.container, 'Decline')).toBeDefined();
    act(() => saveMyDuty(ME, { status: 'on_duty' }));
  });

  it('in a direct conversation names only the caller (the conversation is named after them)', async () => {
    const m = await mount();
    m.render(<IncomingCallBanner userId={ME} ring={m.ringer.start} />);
    act(() => m.socket.receive({ type: 'call_started', call: liveCall({ conversation_id: DIRECT.id }) }));
    expect(byRole(m.container, 'dialog', '视频会诊来电')!.querySelector('.incoming-call__from')!.textContent).toBe('李晓红 邀请您参加视频会诊');
  });

  it('does not ring for a call I started', async () => {
    const m = await mount();
    m.render(<IncomingCallBanner userId={ME} ring={m.ringer.start} />);
    act(() => m.socket.receive({ type: 'call_started', call: liveCall({ started_by: ME }) }));
    expect(m.container.textContent).toBe('');
    expect(m.ringer.start).not.toHaveBeenCalled();
  });
});

describe('in a call', () => {
  async function inCall(options: { startedBy?: string } = {}) {
    const started = { started_by: options.startedBy ?? PEER, started_at: new Date(NOW - 600_000).toISOString() };
    const m = await mount({ calls: [liveCall(started)] });
    m.calls.joinCall.mockImplementation(async (id: string) => ({
      ...liveCall({ id, ...started }),
      participants: [...liveCall().participants, { user_id: ME, connection_id: 'conn-me', joined_at: new Date(NOW + 5_000).toISOString() }],
    }));
    m.render(<CallView me={me} />);
    await act(async () => {
      await m.controller.start(CASE.id);
      await flush();
    });
    return m;
  }

  it('mute and camera buttons say what they will do, and the toolbar is named', async () => {
    const m = await inCall();
    const toolbar = byRole(m.container, 'toolbar', '会诊控制')!;
    expect(toolbar).toBeDefined();
    click(button(toolbar, '静音'));
    expect(button(toolbar, '取消静音')!.getAttribute('aria-pressed')).toBe('true');
    click(button(toolbar, '关闭摄像头'));
    expect(button(toolbar, '打开摄像头')).toBeDefined();
    const mine = m.container.querySelector('.call-tile')!;
    expect(mine.textContent).toContain('麦克风已关闭');
    expect(mine.textContent).toContain('摄像头已关闭');
  });

  it('"end for everyone" is offered to the one who started the call, not to the others', async () => {
    let m = await inCall();
    expect(button(m.container, '为所有人结束')).toBeUndefined();
    expect(button(m.container, '离开')).toBeDefined();
    cleanup?.();

    m = await inCall({ startedBy: ME });
    click(button(m.container, '为所有人结束'));
    await act(async () => flush());
    expect(m.calls.endCall).toHaveBeenCalledWith('call-1');
    expect(m.container.querySelector('section.call')).toBeNull();
  });

  it('minimizes to a bar (also by Escape) and comes back; leaving ends it here', async () => {
    const m = await inCall();
    click(button(m.container, '最小化'));
    expect(m.container.querySelector('.call--minimized')).not.toBeNull();
    click(button(m.container, '返回会诊'));
    expect(m.container.querySelector('.call--minimized')).toBeNull();
    expect(document.activeElement?.closest('section.call')).not.toBeNull(); // the focus is in the call
    press(document.activeElement!, 'Escape');
    expect(m.container.querySelector('.call--minimized')).not.toBeNull();
    click(button(m.container, '返回会诊'));
    click(button(m.container, '离开'));
    await settle();
    expect(m.calls.leaveCall).toHaveBeenCalledWith('call-1');
    expect(m.container.querySelector('section.call')).toBeNull();
  });

  it('when the others end it, says so until closed', async () => {
    const m = await inCall();
    act(() => m.socket.receive({ type: 'call_ended', call: liveCall({ ended_at: new Date().toISOString() }) }));
    expect(m.container.textContent).toContain('视频会诊已结束。');
    click(button(m.container, '关闭'));
    expect(m.container.textContent).toBe('');
  });

  it('…or until a while has passed (the timeline keeps the record)', async () => {
    const m = await inCall();
    vi.useFakeTimers();
    try {
      act(() => m.socket.receive({ type: 'call_ended', call: liveCall({ ended_at: new Date().toISOString() }) }));
      act(() => vi.advanceTimersByTime(ENDED_NOTICE_MS - 1));
      expect(m.container.textContent).toContain('视频会诊已结束。');
      act(() => vi.advanceTimersByTime(1));
      expect(m.container.textContent).toBe('');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('camera and microphone refused', () => {
  it('explains why, and the user joins listen-only (receive-only transceivers)', async () => {
    const refused = Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
    const m = await mount({ media: { getUserMedia: async () => Promise.reject(refused) }, calls: [liveCall({ started_at: new Date(NOW - 600_000).toISOString() })] });
    m.render(<CallView me={me} />);
    await act(async () => {
      await m.controller.start(CASE.id);
    });
    const dialog = byRole(m.container, 'alertdialog', '摄像头和麦克风')!;
    expect(dialog.textContent).toContain('此网站的摄像头和麦克风已被禁止');
    expect(document.activeElement?.textContent).toBe('仅收听加入');
    expect(m.calls.joinCall).not.toHaveBeenCalled();

    click(button(dialog, '仅收听加入'));
    await act(async () => flush());
    expect(m.calls.joinCall).toHaveBeenCalledWith('call-1', 'conn-me');
    expect(m.container.textContent).toContain('仅收听：未使用摄像头和麦克风');
    const toolbar = byRole(m.container, 'toolbar', '会诊控制')!;
    expect(button(toolbar, '静音')!.disabled).toBe(true);
    expect(button(toolbar, '关闭摄像头')!.disabled).toBe(true);
    // This side joined later, so it opened the link: receive-only both ways.
    const pc = FakePeerConnection.all.at(-1)!;
    expect(pc.transceivers.map((t) => t.direction)).toEqual(['recvonly', 'recvonly']);
  });

  it('without the media API at all (no https): says so; cancel closes it', async () => {
    const m = await mount({ media: {} });
    m.render(<CallView me={me} />);
    await act(async () => {
      await m.controller.start(CASE.id);
    });
    expect(m.container.textContent).toContain('此浏览器无法在这里使用摄像头或麦克风');
    click(button(m.container, '取消'));
    expect(m.container.textContent).toBe('');
    expect(m.calls.startCall).not.toHaveBeenCalled();
  });
});
