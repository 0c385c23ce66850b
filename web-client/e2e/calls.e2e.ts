// End-to-end: video calls (SPEC §9) between real Chromiums with fake cameras
// and microphones (--use-fake-device-for-media-stream, and
// --use-fake-ui-for-media-stream to grant them without a prompt): a 1:1 call
// in a direct conversation, a three-person call in a case thread with the
// participants' sockets on two server nodes (one Postgres, one Redis), a call
// through TURN only, a declined call, and the call's start and end in the
// thread's timeline.
//
// That media really flows is read from the browser's own RTCPeerConnections:
// every page of this file runs PEER_RECORDER before the app, which keeps each
// RTCPeerConnection the page makes (the app has no test hook of its own);
// the test then asks each for its connection state and getStats(): video
// frames decoded must rise at every end of every link.
//
// The relay-only call needs a TURN server: TURN_URLS and TURN_SECRET in the
// environment (passed on to the servers; coturn with `use-auth-secret`). Without
// them that test fails saying so; the two-node call likewise needs TEST_REDIS_URL.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseDto, ConversationDto, IceServers, MessageDto } from '../src/api/types';
import { zhCN as zh } from '../src/i18n/zh-CN';
import { allMessages, apiLogin, base, call, CARDIOLOGY, composer, fill, openConversation, teamId, useBrowser, visible, WAIT, type Person } from './helpers';
import { serverOnSameDatabase } from './server';

/** Keeps every RTCPeerConnection the page creates in `window.__e2ePeers` (test instrumentation, not the app's). */
const PEER_RECORDER = `(() => {
  const Native = window.RTCPeerConnection;
  if (typeof Native !== 'function') return;
  const peers = [];
  Object.defineProperty(window, '__e2ePeers', { value: peers });
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      peers.push(this);
    }
  };
})();`;

declare global {
  interface Window {
    __e2ePeers?: RTCPeerConnection[];
  }
}

const browser = useBrowser({
  args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  initScript: PEER_RECORDER,
});
const databaseUrl = inject('databaseUrl');
const redis = inject('redis');
const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.resolve(here, '../e2e-output/screenshots');
/** Calls take a while to connect (ICE, DTLS) with three browsers on two cores. */
const CALL_WAIT = 40_000;
const LONG = 150_000;

beforeAll(() => {
  mkdirSync(shots, { recursive: true });
});

/** A direct conversation between two demo users, made over REST. */
async function directBetween(a: string, b: string): Promise<ConversationDto> {
  const first = await apiLogin(a);
  const second = await apiLogin(b);
  return call<ConversationDto>(first, 'POST', `/direct/${second.id}`);
}

const header = (page: Page) => page.locator('.conversation__header');
const callView = (page: Page) => page.locator('section.call');
const banner = (page: Page) => page.getByRole('dialog', { name: zh['call.incoming.title'] });
const videoOf = (page: Page, name: string) => page.locator(`video[aria-label="${fill(zh['call.videoOf'], { name })}"]`);

/** Starts a call from the open conversation's header. */
async function startCall(page: Page): Promise<void> {
  await header(page).getByRole('button', { name: zh['call.start'], exact: true }).click();
  await visible(callView(page));
}

/** Answers the ringing call from the banner. */
async function accept(page: Page): Promise<void> {
  const ring = await visible(banner(page));
  await ring.getByRole('button', { name: zh['call.accept'], exact: true }).click();
  await ring.first().waitFor({ state: 'detached', timeout: WAIT });
  await visible(callView(page));
}

interface PeerReport {
  /** Position among the page's peer connections, stable across samples. */
  id: number;
  state: RTCPeerConnectionState;
  policy: RTCIceTransportPolicy | undefined;
  framesDecoded: number;
  audioBytes: number;
  localCandidate: string | undefined;
  remoteCandidate: string | undefined;
}

/** Every live (not closed) RTCPeerConnection of the page with what it receives. */
function peers(page: Page): Promise<PeerReport[]> {
  return page.evaluate(async () => {
    const all = window.__e2ePeers ?? [];
    const reports = all.map(async (pc, id) => {
      if (pc.connectionState === 'closed') return null;
      const stats = await pc.getStats();
      let framesDecoded = 0;
      let audioBytes = 0;
      let pairId: string | undefined;
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += Number(s.framesDecoded ?? 0);
        if (s.type === 'inbound-rtp' && s.kind === 'audio') audioBytes += Number(s.bytesReceived ?? 0);
        if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pairId = s.selectedCandidatePairId;
      });
      const pair = pairId === undefined ? undefined : (stats.get(pairId) as Record<string, unknown> | undefined);
      const candidate = (key: string) => {
        const id = pair?.[key];
        const c = typeof id === 'string' ? (stats.get(id) as Record<string, unknown> | undefined) : undefined;
        return typeof c?.candidateType === 'string' ? c.candidateType : undefined;
      };
      return {
        id,
        state: pc.connectionState,
        policy: pc.getConfiguration().iceTransportPolicy,
        framesDecoded,
        audioBytes,
        localCandidate: candidate('localCandidateId'),
        remoteCandidate: candidate('remoteCandidateId'),
      };
    });
    return (await Promise.all(reports)).filter((r) => r !== null);
  });
}

/**
 * Waits until the page has exactly `links` live peer connections, all
 * connected and decoding video, and then until every one has decoded more
 * frames than at first: the media flows, it did not just start.
 */
async function expectMediaFlowing(page: Page, links: number): Promise<PeerReport[]> {
  let first: PeerReport[] = [];
  await expect
    .poll(
      async () => {
        first = await peers(page);
        return first.length === links && first.every((p) => p.state === 'connected' && p.framesDecoded > 0 && p.audioBytes > 0);
      },
      { timeout: CALL_WAIT, interval: 250 },
    )
    .toBe(true);
  let later: PeerReport[] = [];
  await expect
    .poll(
      async () => {
        later = await peers(page);
        return first.every((p) => (later.find((q) => q.id === p.id)?.framesDecoded ?? 0) > p.framesDecoded);
      },
      { timeout: WAIT, interval: 250 },
    )
    .toBe(true);
  return later;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

/** Leaves the call from the call view's toolbar. */
async function leave(person: Person): Promise<void> {
  const view = callView(person.page);
  await view.getByRole('toolbar', { name: zh['call.controls'] }).getByRole('button', { name: zh['call.leave'], exact: true }).click();
  await view.first().waitFor({ state: 'detached', timeout: WAIT });
}

/** The timeline entries (system messages) of a conversation about calls, as the server has them. */
async function callEntries(conversationId: string, username: string): Promise<MessageDto[]> {
  const who = await apiLogin(username);
  return (await allMessages(who, conversationId)).filter((m) => m.kind === 'system' && (m.system?.event === 'call_started' || m.system?.event === 'call_ended'));
}

describe('video calls in the browser', () => {
  it(
    'a 1:1 call in a direct conversation: rings, is answered on a phone, and video and sound flow both ways',
    async () => {
      const direct = await directBetween('zhangwei', 'chenming');
      const zhang = await browser.signIn('zhangwei');
      const chen = await browser.signIn('chenming', { width: 360, height: 740 });
      await openConversation(zhang.page, direct.id);

      await startCall(zhang.page);
      await visible(callView(zhang.page).getByText(zh['call.waiting']));
      await visible(zhang.page.locator(`video[aria-label="${fill(zh['call.myVideo'], { name: '张伟' })}"]`));

      // Chen's phone rings: who calls, and where.
      const ring = await visible(banner(chen.page));
      expect(await ring.textContent()).toContain(fill(zh['call.incoming.from'], { name: '张伟' }));
      await accept(chen.page);

      await visible(videoOf(zhang.page, '陈明'));
      await visible(videoOf(chen.page, '张伟'));
      await expectMediaFlowing(zhang.page, 1);
      await expectMediaFlowing(chen.page, 1);

      // On a 360 px screen every control is on screen and reachable.
      const toolbar = chen.page.getByRole('toolbar', { name: zh['call.controls'] });
      for (const name of [zh['call.mute'], zh['call.cameraOff'], zh['call.leave']]) {
        const box = await toolbar.getByRole('button', { name, exact: true }).boundingBox();
        expect(box, name).not.toBeNull();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(360);
        expect(box!.y + box!.height).toBeLessThanOrEqual(740);
      }
      await shot(chen.page, 'call-phone.zh-CN');

      // Muting shows on the other side's tile.
      await toolbar.getByRole('button', { name: zh['call.mute'], exact: true }).click();
      await visible(zhang.page.locator('.call-tile', { has: videoOf(zhang.page, '陈明') }).getByText(zh['call.state.muted']));

      // Minimized, the call is a bar at the foot of the screen; the conversation stays usable above it.
      await callView(chen.page).getByRole('button', { name: zh['call.minimize'], exact: true }).click();
      await openConversation(chen.page, direct.id);
      const bar = await callView(chen.page).boundingBox();
      const input = await composer(chen.page).boundingBox();
      expect(bar).not.toBeNull();
      expect(input!.y + input!.height).toBeLessThanOrEqual(bar!.y);
      await shot(chen.page, 'call-minimized-phone.zh-CN');
      await expectMediaFlowing(chen.page, 1); // still in the call
      await callView(chen.page).getByRole('button', { name: zh['call.return'], exact: true }).first().click();

      await leave(chen);
      await visible(callView(zhang.page).getByText(zh['call.waiting']));
      await leave(zhang);
      const entries = await callEntries(direct.id, 'zhangwei');
      expect(entries.map((m) => m.system?.event)).toEqual(['call_started', 'call_ended']);
    },
    LONG,
  );

  it(
    'three people in a case thread, their sockets on two server nodes: every pair connects; start and end are in the timeline',
    async () => {
      if (redis === null) throw new Error('TEST_REDIS_URL is not set: a call across two server nodes needs the Redis they share');
      const node2 = await serverOnSameDatabase(databaseUrl, {}, redis);
      try {
        const wangApi = await apiLogin('wangjianguo');
        const team = await teamId(wangApi, CARDIOLOGY);
        const thread = await call<CaseDto>(wangApi, 'POST', `/teams/${team}/cases`, {
          patient: { name: '钱桂芝', sex: 'female' },
          title: 'E2E 视频会诊：反复心悸',
          summary: '反复心悸两周，动态心电图待查。',
          priority: 'routine',
        });
        const wang = await browser.signIn('wangjianguo');
        const li = await browser.signIn('lixiaohong', { url: node2.url });
        const sun = await browser.signIn('sunli');
        for (const p of [wang, li, sun]) await openConversation(p.page, thread.conversation_id);

        await startCall(wang.page);
        // Li (on the other node) answers the ring; Sun joins from the thread's header.
        await accept(li.page);
        await visible(videoOf(wang.page, '李晓红'));
        await visible(banner(sun.page));
        await header(sun.page).getByRole('button', { name: zh['call.join'], exact: true }).click();
        await visible(callView(sun.page));
        await banner(sun.page).first().waitFor({ state: 'detached', timeout: WAIT });

        for (const [p, others] of [
          [wang, ['李晓红', '孙丽']],
          [li, ['王建国', '孙丽']],
          [sun, ['王建国', '李晓红']],
        ] as const) {
          for (const name of others) await visible(videoOf(p.page, name));
          await visible(callView(p.page).getByText(fill(zh['call.participants'], { count: 3 })));
        }
        for (const p of [wang, li, sun]) await expectMediaFlowing(p.page, 2);
        await shot(wang.page, 'call-three.zh-CN');

        // The chief expert started it, so he may end it for everyone.
        expect(await li.page.getByRole('button', { name: zh['call.endForAll'], exact: true }).count()).toBe(0);
        await wang.page.getByRole('button', { name: zh['call.endForAll'], exact: true }).click();
        await callView(wang.page).first().waitFor({ state: 'detached', timeout: WAIT });
        for (const p of [li, sun]) {
          await visible(p.page.getByText(zh['call.ended.ended']));
          expect(await peers(p.page)).toEqual([]);
        }

        // The thread's timeline, live in every browser: who started it; how long, and who took part.
        const started = fill(zh['system.call_started'], { actor: '王建国' });
        const endedPattern = /视频会诊结束 · \d+:\d\d · 王建国、李晓红、孙丽/;
        for (const p of [wang, li, sun]) {
          await visible(p.page.locator('.system-entry', { hasText: started }));
          await visible(p.page.locator('.system-entry', { hasText: endedPattern }));
        }
        const entries = await callEntries(thread.conversation_id, 'lixiaohong');
        expect(entries.map((m) => m.system?.event)).toEqual(['call_started', 'call_ended']);
        expect(entries[1]!.system).toMatchObject({ event: 'call_ended', participant_names: ['王建国', '李晓红', '孙丽'] });
      } finally {
        await node2.stop();
      }
    },
    LONG,
  );

  it(
    'a call through TURN only (relay policy): the media flows through the relay',
    async () => {
      if (!process.env.TURN_URLS || !process.env.TURN_SECRET) {
        throw new Error('TURN_URLS and TURN_SECRET are not set: the relay-only call needs a TURN server (coturn with use-auth-secret) given to the server');
      }
      const direct = await directBetween('liufang', 'zhaolei');
      const servers = await call<IceServers>(await apiLogin('liufang'), 'GET', '/calls/ice-servers');
      const turn = servers.ice_servers.find((s) => s.urls.some((u) => u.startsWith('turn:') || u.startsWith('turns:')));
      expect(turn, 'the server hands out its TURN servers').toBeDefined();
      expect(turn!.username).toBeTruthy();
      expect(turn!.credential).toBeTruthy();

      const liu = await browser.signIn('liufang');
      const zhao = await browser.signIn('zhaolei');
      // The two documented ways to ask for relay only: the page address, and localStorage.
      await liu.page.goto(`${base}/?ice=relay#/chat/${direct.id}`);
      await visible(liu.page.locator('.connection[data-status="connected"]'));
      await zhao.page.evaluate(() => localStorage.setItem('consilium.ice', 'relay'));
      await openConversation(liu.page, direct.id);

      await startCall(liu.page);
      await accept(zhao.page);
      for (const p of [liu, zhao]) {
        const links = await expectMediaFlowing(p.page, 1);
        expect(links[0]).toMatchObject({ policy: 'relay', localCandidate: 'relay' });
      }
      await leave(zhao);
      await leave(liu);
    },
    LONG,
  );

  it(
    'the connection drops mid-call: the call is joined again from the new socket, and media flows again',
    async () => {
      const direct = await directBetween('wuqiang', 'zhoujing');
      const wu = await browser.signIn('wuqiang');
      const zhou = await browser.signIn('zhoujing', { cuttable: true });
      await openConversation(wu.page, direct.id);
      await startCall(wu.page);
      await accept(zhou.page);
      const [before] = await expectMediaFlowing(zhou.page, 1);
      await expectMediaFlowing(wu.page, 1);

      await zhou.cut();
      // Zhou's screen says the connection is gone; Wu's server lets Zhou's dead socket go.
      await visible(callView(zhou.page).getByText(zh['call.state.lost']));
      await visible(callView(wu.page).getByText(zh['call.waiting']));

      zhou.restore();
      await visible(callView(zhou.page).getByText(fill(zh['call.participants'], { count: 2 })));
      await visible(videoOf(wu.page, '周静'));
      await expectMediaFlowing(wu.page, 1);
      const [after] = await expectMediaFlowing(zhou.page, 1);
      expect(after!.id).not.toBe(before!.id); // a new link, made from the new socket
      await leave(zhou);
      await leave(wu);
    },
    LONG,
  );

  it(
    'a declined call: every device of the one rung stops ringing, and the caller is told',
    async () => {
      const direct = await directBetween('huangtao', 'yangfan');
      const huang = await browser.signIn('huangtao');
      const yangDesk = await browser.signIn('yangfan');
      const yangPhone = await browser.signIn('yangfan', { width: 360, height: 740 });
      await openConversation(huang.page, direct.id);

      await startCall(huang.page);
      await visible(banner(yangDesk.page));
      await visible(banner(yangPhone.page));
      await shot(yangPhone.page, 'call-ringing-phone.zh-CN');
      await banner(yangPhone.page).getByRole('button', { name: zh['call.decline'], exact: true }).click();

      for (const p of [yangPhone, yangDesk]) await banner(p.page).first().waitFor({ state: 'detached', timeout: WAIT });
      await visible(huang.page.getByText(fill(zh['call.ended.declined'], { names: '杨帆' })));
      await shot(huang.page, 'call-declined.zh-CN');
      expect(await callView(huang.page).count()).toBe(0);
      expect(await peers(huang.page)).toEqual([]);
      // Nobody is asked to join a call that is over.
      await visible(header(huang.page).getByRole('button', { name: zh['call.start'], exact: true }));
    },
    LONG,
  );
});
