// Shared helpers of the browser tests (*.e2e.ts): the Chromium launch, signing
// in as a demo user in a browser context of their own, moving around the app,
// and REST calls for a scenario's set-up. Every wait is on visible state.
//
//   const browser = useBrowser(); // registers the suite's hooks
//   const wang = await browser.signIn('wangjianguo');
//   await openConversation(wang.page, conversationId);
//   await sendMessage(wang.page, '你好');

import { chromium, type Browser, type BrowserContext, type Locator, type Page, type WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import type { CaseDto, MessageDto, Page as HistoryPage, SendMessageResponse, TeamDirectoryEntry, TokenResponse } from '../src/api/types';
import { zhCN } from '../src/i18n/zh-CN';

/** The suite's server (see server.ts). */
export const base = inject('baseUrl');
/** How long any one visible state is waited for. */
export const WAIT = 15_000;
/** The password of every demo user (`consilium seed-demo`). */
export const DEMO_PASSWORD = 'consilium-demo';
export const CARDIOLOGY = '王建国心血管专家团队';
export const ENDOCRINOLOGY = '刘淑芬内分泌专家团队';

/** A message with its `{placeholders}` filled, as the app shows it. */
export function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k]));
}

/** Waits until the first match is visible; returns the locator for chaining. */
export async function visible(locator: Locator): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout: WAIT });
  return locator;
}

/** Launches Debian's Chromium (CHROME_BIN) headless, with `args` added (e.g. fake camera flags). */
export function launchBrowser(args: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_BIN ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...args],
  });
}

export interface BrowserOptions {
  /** More Chromium flags for this file's browser. */
  args?: readonly string[];
  /** A script every page of this file runs before the app (Playwright's addInitScript), e.g. to observe browser APIs. */
  initScript?: string;
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Drops the page's websocket and refuses new ones until `restore()` (only with `cuttable`). */
  cut: () => Promise<void>;
  restore: () => void;
}

export interface SignInOptions {
  locale?: string;
  width?: number;
  height?: number;
  /** Route the websocket through Playwright so the test can cut it. */
  cuttable?: boolean;
  /** Another server than the suite's. */
  url?: string;
}

export interface BrowserSession {
  /** The launched browser (after `beforeAll`). */
  browser: () => Browser;
  /** A fresh page in a browser context of its own (closed after the test; its page errors fail it), signed in as nobody. */
  newPage: (label: string, options?: Pick<SignInOptions, 'locale' | 'width' | 'height'>) => Promise<{ context: BrowserContext; page: Page }>;
  /** Signs a demo user in, in a browser context of their own, and waits for the live connection. */
  signIn: (username: string, options?: SignInOptions) => Promise<Person>;
}

/**
 * One Chromium for the test file: launched before all tests, every context
 * closed after each test (which must have thrown no page error), closed after all.
 */
export function useBrowser(browserOptions: BrowserOptions = {}): BrowserSession {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser(browserOptions.args);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  const current = (): Browser => {
    if (browser === undefined) throw new Error('the browser is launched in beforeAll');
    return browser;
  };

  async function newPage(label: string, options: Pick<SignInOptions, 'locale' | 'width' | 'height'> = {}) {
    const context = await current().newContext({
      locale: options.locale ?? 'zh-CN',
      viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    });
    contexts.push(context);
    if (browserOptions.initScript !== undefined) await context.addInitScript(browserOptions.initScript);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
    return { context, page };
  }

  async function signIn(username: string, options: SignInOptions = {}): Promise<Person> {
    const { context, page } = await newPage(username, options);
    let refused = false;
    const sockets: WebSocketRoute[] = [];
    if (options.cuttable === true) {
      // The page's websocket goes through Playwright, so the test can drop it like a lost network.
      await page.routeWebSocket(/\/api\/v1\/ws$/, (ws) => {
        if (refused) {
          void ws.close({ code: 1011, reason: 'test: network down' });
          return;
        }
        const server = ws.connectToServer();
        sockets.push(ws);
        ws.onClose(() => void server.close());
      });
    }
    const cut = async () => {
      refused = true;
      await Promise.all(sockets.splice(0).map((ws) => ws.close({ code: 1011, reason: 'test: network down' })));
    };
    const restore = () => {
      refused = false;
    };
    await page.goto(`${options.url ?? base}/`);
    await page.locator('#login-username').fill(username);
    await page.locator('#login-password').fill(DEMO_PASSWORD);
    await page.locator('form button[type=submit]').click();
    await visible(page.locator('.connection[data-status="connected"]'));
    return { context, page, cut, restore };
  }

  return { browser: current, newPage, signIn };
}

// --- moving around ------------------------------------------------------------

/** Navigates within the app by its hash route. */
export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
}

/** Opens a conversation by id and waits for its composer. */
export async function openConversation(page: Page, conversationId: string): Promise<void> {
  await go(page, `#/chat/${conversationId}`);
  await visible(composer(page));
}

/** The message composer of the open conversation (Chinese UI). */
export function composer(page: Page): Locator {
  return page.getByRole('textbox', { name: zhCN['chat.messageLabel'], exact: true });
}

/** Types a message into the composer and sends it with Enter; waits until the server confirmed it. */
export async function sendMessage(page: Page, text: string): Promise<Locator> {
  const input = composer(page);
  await input.fill(text);
  await input.press('Enter');
  return visible(page.locator('.message[data-seq]', { hasText: text.split('\n')[0] ?? text }));
}

/** A conversation in the sidebar, in the section of its kind (`team`, `case`, `consult`, `referral`, `direct`). */
export function sidebarItem(page: Page, kind: string, text: string): Locator {
  return page.locator(`section[aria-labelledby="sidebar-${kind}"] .sidebar__item`, { hasText: text });
}

/** Chooses the first option of a select whose text contains `text`. */
export async function selectOptionContaining(select: Locator, text: string): Promise<void> {
  const option = select.locator('option', { hasText: text }).first();
  await option.waitFor({ state: 'attached', timeout: WAIT });
  const value = await option.getAttribute('value');
  await select.selectOption(value ?? '');
}

/** Seqs of the confirmed messages shown in a conversation, top to bottom. */
export function shownSeqs(page: Page): Promise<number[]> {
  return page.locator('.messages .message[data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
}

// --- REST set-up: what a scenario needs before its people act in the browser ---

export interface ApiUser {
  token: string;
  id: string;
}

/** One REST call as `who`; throws with the status and body on a non-2xx answer. */
export async function call<T>(who: ApiUser, method: string, pathname: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/api/v1${pathname}`, {
    method,
    headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Signs a demo user in over REST. */
export async function apiLogin(username: string): Promise<ApiUser> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (!response.ok) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
  const tokens = (await response.json()) as TokenResponse;
  return { token: tokens.access_token, id: tokens.user.id };
}

/** A team's id by its name, from the directory. */
export async function teamId(who: ApiUser, name: string): Promise<string> {
  const team = (await call<TeamDirectoryEntry[]>(who, 'GET', '/teams/directory')).find((x) => x.name === name);
  if (team === undefined) throw new Error(`no team ${name}`);
  return team.id;
}

/** Submits an urgent intake for a new female patient to a team's triage. */
export async function intake(who: ApiUser, team: string, title: string, patient: string): Promise<CaseDto> {
  return call<CaseDto>(who, 'POST', `/teams/${team}/intakes`, {
    patient: { name: patient, sex: 'female' },
    title,
    summary: `${patient}，${title}。`,
    priority: 'urgent',
  });
}

/** Posts a message over REST; returns it as stored. */
export async function postMessage(who: ApiUser, conversationId: string, body: string): Promise<MessageDto> {
  const answer = await call<SendMessageResponse>(who, 'POST', `/conversations/${conversationId}/messages`, {
    client_msg_id: `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
    body,
  });
  return answer.message;
}

/** Every message of a conversation as the server has it, oldest first. */
export async function allMessages(who: ApiUser, conversationId: string): Promise<MessageDto[]> {
  const out: MessageDto[] = [];
  for (;;) {
    const after = out[out.length - 1]?.seq ?? 0;
    const page = await call<HistoryPage<MessageDto>>(who, 'GET', `/conversations/${conversationId}/messages?after_seq=${after}&limit=200`);
    const items = [...page.items].sort((a, b) => a.seq - b.seq).filter((m) => m.seq > after);
    if (items.length === 0) return out;
    out.push(...items);
  }
}
