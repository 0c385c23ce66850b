// Signed-in devices (登录设备, SPEC §11): one doctor signed in in two browsers
// ends the other one from the Sessions page; the other browser's next step
// lands on the sign-in page, which says why.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SessionDto, TokenResponse } from '../src/api/types';
import { zhCN } from '../src/i18n/zh-CN';
import { base, call, DEMO_PASSWORD, go, useBrowser, visible } from './helpers';

const zh = zhCN;
/** Screenshots for review (untracked), as app.e2e.ts takes them. */
const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../e2e-output/screenshots');
const { signIn } = useBrowser();

/** A seeded doctor whose earlier sessions (other suites sign in as them too) are ended first, so only this test's show. */
const DOCTOR = 'xumin';

/** Ends every session of `username` over REST, the set-up's own last (by signing it out). */
async function endAllSessions(username: string): Promise<void> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (!response.ok) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
  const tokens = (await response.json()) as TokenResponse;
  const me = { token: tokens.access_token, id: tokens.user.id };
  for (const s of await call<SessionDto[]>(me, 'GET', '/me/sessions')) {
    if (!s.current) await call<void>(me, 'DELETE', `/me/sessions/${s.id}`);
  }
  await call<void>(me, 'POST', '/auth/logout', { refresh_token: tokens.refresh_token });
}

describe('signed-in devices', () => {
  it('a doctor signed in twice sees both devices, ends the other one, and that browser is signed out', async () => {
    await endAllSessions(DOCTOR);
    const ward = await signIn(DOCTOR); // the ward computer, left signed in
    const phone = await signIn(DOCTOR, { width: 360, height: 740 });

    // On the phone, 徐敏 opens 登录设备 from the header: two devices, this one marked.
    await phone.page.getByRole('link', { name: zh['shell.sessions'] }).click();
    await visible(phone.page.getByRole('heading', { name: zh['sessions.title'], level: 1 }));
    const list = phone.page.getByRole('list', { name: zh['sessions.title'] });
    const devices = list.getByRole('listitem');
    await visible(devices.filter({ hasText: zh['sessions.current'] }));
    expect(await devices.count()).toBe(2);
    expect(await devices.filter({ hasText: zh['sessions.current'] }).count()).toBe(1);
    const other = devices.filter({ hasNotText: zh['sessions.current'] });
    await visible(other.filter({ hasText: zh['sessions.lastUsed'].replace('{time}', '') }));
    // This device cannot be ended here (退出登录 in the header does that); the other one can, after a confirmation.
    expect(await devices.filter({ hasText: zh['sessions.current'] }).getByRole('button').count()).toBe(0);
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    mkdirSync(shots, { recursive: true });
    await phone.page.screenshot({ path: path.join(shots, 'sessions.zh-CN.png') });
    await other.getByRole('button', { name: new RegExp(`^${zh['sessions.end']}`) }).click();
    const confirm = await visible(phone.page.getByRole('group', { name: zh['sessions.confirmEnd'] }));
    await confirm.getByRole('button', { name: zh['sessions.confirmEndButton'] }).click();

    // The list is loaded again: only this device is left.
    await visible(phone.page.getByRole('status').filter({ hasText: zh['sessions.ended'].split('{device}')[0]! }));
    await visible(phone.page.getByText(zh['sessions.onlyThis']));
    expect(await devices.count()).toBe(1);
    await visible(devices.filter({ hasText: zh['sessions.current'] }));

    // On the ward computer, the next step lands on the sign-in page, which says why.
    await go(ward.page, '#/sessions');
    await visible(ward.page.getByRole('button', { name: zh['login.submit'], exact: true }));
    await visible(ward.page.getByRole('status').filter({ hasText: zh['login.sessionExpired'] }));
    await ward.page.screenshot({ path: path.join(shots, 'sessions-ended.zh-CN.png') });
    await ward.page.reload();
    await visible(ward.page.getByRole('button', { name: zh['login.submit'], exact: true }));

    // The phone is still signed in.
    await phone.page.reload();
    await visible(phone.page.getByRole('heading', { name: zh['sessions.title'], level: 1 }));
    await visible(devices.filter({ hasText: zh['sessions.current'] }));
  });
});
