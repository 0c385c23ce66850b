// Accounts and compliance (SPEC §11) in the browser:
//
// - two-factor sign-in: a doctor sets it up from 两步验证 (QR code and key, a
//   code from the "app", the recovery codes shown once), signs out, signs in
//   with a code (a wrong one first) and with a recovery code, and turns it off;
// - enrol-only mode: on a server with REQUIRE_2FA_FOR_ADMINS, an admin without
//   it sees only the enrolment, then the app; after a lost phone another admin
//   resets it from the users screen, and enrolment is asked again;
// - break-glass: a doctor of another team opens a case's address, is offered
//   emergency access, gives a reason and reads the case and its thread
//   read-only; the case's team sees the notice.
//
// The authenticator app is played by the test: TOTP (RFC 6238) from the key
// the page shows, with node:crypto. A code is used once: the next sign-in
// waits for the next time step.

import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import type { CaseDto, UserDto } from '../src/api/types';
import { zhCN } from '../src/i18n/zh-CN';
import { apiLogin, base, call, CARDIOLOGY, composer, DEMO_PASSWORD, fill, go, intake, postMessage, teamId, useBrowser, visible } from './helpers';
import { serverOnSameDatabase } from './server';

const zh = zhCN;
/** Screenshots for review (untracked), as app.e2e.ts takes them. */
const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../e2e-output/screenshots');
const { newPage, signIn } = useBrowser();

// --- the authenticator app ----------------------------------------------------

interface TotpKey {
  secret: Buffer;
  digits: number;
  period: number;
  algorithm: string;
}

function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    if (index < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** The key as the page shows it for typing into an app, with the app defaults (and SPEC §11's): 6 digits, 30 s, SHA-1. */
function totpKey(shownSecret: string): TotpKey {
  return { secret: base32(shownSecret), digits: 6, period: 30, algorithm: 'sha1' };
}

const stepNow = (key: TotpKey) => Math.floor(Date.now() / 1000 / key.period);

/** RFC 6238: HOTP (RFC 4226) of the time step. */
function totp(key: TotpKey, step = stepNow(key)): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(key.algorithm, key.secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** key.digits).padStart(key.digits, '0');
}

/** A fresh code: waits until the step after `used`, since a code is accepted only once. */
async function nextCode(key: TotpKey, used: number): Promise<{ code: string; step: number }> {
  while (stepNow(key) <= used) await new Promise((r) => setTimeout(r, 250));
  const step = stepNow(key);
  return { code: totp(key, step), step };
}

// --- set-up -------------------------------------------------------------------

/** A new account of this run (demo password), made by the demo admin, so no other suite meets its second factor. */
async function newAccount(prefix: string, displayName: string, role: 'user' | 'admin'): Promise<UserDto> {
  const admin = await apiLogin('admin');
  const username = `${prefix}${Date.now().toString(36)}`;
  return call<UserDto>(admin, 'POST', '/users', {
    username,
    display_name: displayName,
    password: DEMO_PASSWORD,
    role,
    title: '主治医师',
    institution: '省人民医院',
    care_level: 'tertiary',
    specialties: ['全科'],
  });
}

/** The password step, by hand (the helper's signIn waits for the app, which a code step or enrolment comes before). */
async function submitPassword(page: Page, username: string): Promise<void> {
  await visible(page.locator('#login-username'));
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: zh['login.submit'], exact: true }).click();
}

const connected = (page: Page) => visible(page.locator('.connection[data-status="connected"]'));

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: zh['shell.signOut'], exact: true }).click();
  await visible(page.locator('#login-username'));
}

/**
 * Sets two-factor sign-in up on the page showing the set-up ("设置" already
 * offered): reads the key, confirms with a code, saves the recovery codes
 * (downloading them) and finishes. Answers the key, the step its code was of,
 * and the codes.
 */
async function enrol(page: Page, shot?: string): Promise<{ key: TotpKey; step: number; codes: string[] }> {
  const main = page.getByRole('main');
  await main.getByRole('button', { name: zh['twoFactor.setUp'], exact: true }).click();
  const qr = await visible(page.getByRole('img', { name: zh['twoFactor.setup.qrAlt'] }));
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
  const shown = (await page.locator('.two-factor-setup__secret').innerText()).trim();
  expect(shown).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
  const key = totpKey(shown);
  if (shot !== undefined) await page.screenshot({ path: path.join(shots, `${shot}.png`) });

  const step = stepNow(key);
  await main.getByLabel(zh['twoFactor.code'], { exact: true }).fill(totp(key, step));
  await main.getByRole('button', { name: zh['twoFactor.setup.confirm'], exact: true }).click();

  const list = await visible(page.getByRole('list', { name: zh['twoFactor.codes.list'] }));
  const codes = (await list.getByRole('listitem').allInnerTexts()).map((c) => c.trim());
  expect(codes.length).toBeGreaterThanOrEqual(5);
  expect(new Set(codes).size).toBe(codes.length);
  const done = page.getByRole('button', { name: zh['twoFactor.codes.done'], exact: true });
  expect(await done.isDisabled()).toBe(true);

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: zh['twoFactor.codes.download'], exact: true }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('consilium-recovery-codes.txt');
  const saved = readFileSync(await file.path(), 'utf8');
  for (const c of codes) expect(saved).toContain(c);
  if (shot !== undefined) await page.screenshot({ path: path.join(shots, `${shot}-codes.png`) });

  await page.getByLabel(zh['twoFactor.codes.saved']).check();
  await done.click();
  return { key, step, codes };
}

describe('two-factor sign-in', () => {
  it('a doctor turns it on, signs in with a code and with a recovery code, and turns it off', async () => {
    mkdirSync(shots, { recursive: true });
    const account = await newAccount('e2e2fa', '沈医生', 'user');
    const doctor = await signIn(account.username);
    const page = doctor.page;

    // 两步验证, from the header beside 登录设备: off, with "设置".
    await page.getByRole('link', { name: zh['shell.twoFactor'] }).click();
    await visible(page.getByRole('heading', { name: zh['twoFactor.title'], level: 1 }));
    await visible(page.getByText(zh['twoFactor.off']));
    const { key, step, codes } = await enrol(page, 'two-factor-setup.zh-CN');
    await visible(page.getByRole('status').filter({ hasText: zh['twoFactor.turnedOn'] }));
    await visible(page.getByText(fill(zh['twoFactor.codesLeft'], { count: codes.length })));
    // The codes were shown once: they are gone from the page.
    expect(await page.getByRole('list', { name: zh['twoFactor.codes.list'] }).count()).toBe(0);

    // Signing in now asks for a code after the password; a wrong one is said and the step stays.
    await signOut(page);
    await submitPassword(page, account.username);
    await visible(page.getByRole('heading', { name: zh['login.mfa.title'], level: 1 }));
    const codeField = page.getByLabel(zh['login.mfa.code'], { exact: true });
    expect(await codeField.getAttribute('autocomplete')).toBe('one-time-code');
    const right = totp(key);
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
    await codeField.fill(wrong);
    await page.getByRole('button', { name: zh['login.mfa.submit'], exact: true }).click();
    await visible(page.getByRole('alert').filter({ hasText: zh['error.reason.invalid_mfa_code'] }));
    await visible(page.getByRole('heading', { name: zh['login.mfa.title'], level: 1 }));
    await page.screenshot({ path: path.join(shots, 'two-factor-code-step.zh-CN.png') });
    const fresh = await nextCode(key, step);
    await codeField.fill(fresh.code);
    await page.getByRole('button', { name: zh['login.mfa.submit'], exact: true }).click();
    await connected(page);

    // Without the phone: a recovery code instead.
    await signOut(page);
    await submitPassword(page, account.username);
    await page.getByRole('button', { name: zh['login.mfa.useRecovery'], exact: true }).click();
    await page.getByLabel(zh['login.mfa.recoveryCode'], { exact: true }).fill(codes[0]!);
    await page.getByRole('button', { name: zh['login.mfa.submit'], exact: true }).click();
    await connected(page);

    // One code fewer; turning it off takes a code too (another recovery code here).
    await go(page, '#/two-factor');
    await visible(page.getByText(fill(zh['twoFactor.codesLeft'], { count: codes.length - 1 })));
    await page.getByRole('main').getByRole('button', { name: zh['twoFactor.turnOff'], exact: true }).click();
    await page.getByLabel(zh['twoFactor.codeOrRecovery'], { exact: true }).fill(codes[1]!);
    await page.getByRole('main').getByRole('button', { name: zh['twoFactor.turnOff.submit'], exact: true }).click();
    await visible(page.getByRole('status').filter({ hasText: zh['twoFactor.turnedOff'] }));
    await visible(page.getByText(zh['twoFactor.off']));

    // The password alone signs in again.
    await signOut(page);
    await submitPassword(page, account.username);
    await connected(page);
  }, 120_000);

  it('an admin who must use it can only enrol, then uses the app; after a lost phone another admin resets it', async () => {
    const account = await newAccount('e2eadm', '钱管理员', 'admin');
    const strict = await serverOnSameDatabase(inject('databaseUrl'), { REQUIRE_2FA_FOR_ADMINS: 'true' });
    try {
      const { page } = await newPage('strict admin');
      await page.goto(`${strict.url}/`);
      await submitPassword(page, account.username);

      // Only the enrolment: no navigation, no live connection behind it.
      await visible(page.getByRole('heading', { name: zh['twoFactor.enrol.title'], level: 1 }));
      await visible(page.getByText(zh['twoFactor.enrol.intro']));
      expect(await page.getByRole('navigation', { name: zh['nav.label'] }).count()).toBe(0);
      expect(await page.locator('.connection').count()).toBe(0);
      await page.screenshot({ path: path.join(shots, 'two-factor-required.zh-CN.png') });
      await enrol(page);
      await connected(page);
      await visible(page.getByRole('navigation', { name: zh['nav.label'] }));

      // The phone is lost, and the codes with it: the platform admin resets it from the users screen, after a confirmation.
      const admin = await signIn('admin');
      await go(admin.page, '#/admin/users');
      const row = await visible(admin.page.locator(`tr[data-username="${account.username}"]`));
      await row.getByRole('button', { name: fill(zh['admin.resetTwoFactorOf'], { name: account.display_name }) }).click();
      const confirm = await visible(row.getByRole('group', { name: fill(zh['admin.confirmResetTwoFactor'], { name: account.display_name }) }));
      await confirm.getByRole('button', { name: zh['admin.confirmResetTwoFactorButton'] }).click();
      await visible(row.getByRole('status').filter({ hasText: fill(zh['admin.twoFactorReset'], { name: account.display_name }) }));

      // Signing in again asks no code: the account must enrol anew.
      await signOut(page);
      await submitPassword(page, account.username);
      await visible(page.getByRole('heading', { name: zh['twoFactor.enrol.title'], level: 1 }));
    } finally {
      await strict.stop();
    }
  }, 120_000);
});

describe('break-glass', () => {
  it('a doctor of another team opens a case under emergency access, reads its thread read-only, and the team sees who and why', async () => {
    mkdirSync(shots, { recursive: true });
    const submitter = await apiLogin('chenming');
    const assistant = await apiLogin('sunli');
    const li = await apiLogin('lixiaohong');
    const cardiology = await teamId(submitter, CARDIOLOGY);
    const title = 'E2E 紧急访问 胸痛伴意识丧失';
    const kase = await intake(submitter, cardiology, title, '邹桂英');
    await call<CaseDto>(assistant, 'POST', `/cases/${kase.id}/triage`, { action: 'assign', assignee_id: li.id });
    const note = 'E2E 肌钙蛋白 2.1 ng/ml，已启动胸痛中心流程';
    await postMessage(li, kase.conversation_id, note);

    // 何军 (endocrinology) follows a link to the case: it cannot be opened, and emergency access is offered.
    const he = await signIn('hejun');
    await go(he.page, `#/cases/${kase.id}`);
    await visible(he.page.getByRole('heading', { name: zh['breakGlass.unavailable.title'], level: 1 }));
    await he.page.getByRole('button', { name: zh['breakGlass.offer'], exact: true }).click();
    const form = await visible(he.page.getByRole('form', { name: zh['breakGlass.offer'] }));
    await visible(form.getByText(zh['breakGlass.form.warning']));
    const reason = 'E2E 患者转至我院急诊，意识不清，需查看心内科会诊意见';
    await form.getByLabel(zh['breakGlass.form.reason'], { exact: true }).fill(reason);
    await form.getByRole('button', { name: zh['breakGlass.form.submit'], exact: true }).click();

    // The case opens: the notice names him and his reason; the thread reads, read-only, with no composer.
    await visible(he.page.getByRole('heading', { name: title, level: 1 }));
    const noticeLine = fill(zh['breakGlass.notice.active'].split('{until}')[0]!, { name: '何军', reason });
    await visible(he.page.getByRole('region', { name: zh['breakGlass.notice.title'] }).getByText(noticeLine));
    const thread = await visible(he.page.getByRole('region', { name: zh['breakGlass.thread'] }));
    await visible(thread.getByText(note));
    await visible(thread.getByRole('note').filter({ hasText: zh['breakGlass.readOnly'].split('{until}')[0]! }));
    expect(await composer(he.page).count()).toBe(0);
    expect(await thread.getByRole('button', { name: zh['chat.reply'] }).count()).toBe(0);
    await he.page.screenshot({ path: path.join(shots, 'break-glass.zh-CN.png'), fullPage: true });

    // The server refuses him a message in the thread all the same.
    const heApi = await apiLogin('hejun');
    const refused = await fetch(`${base}/api/v1/conversations/${kase.conversation_id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${heApi.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_msg_id: `e2e-bg-${Date.now()}`, body: '我来看看' }),
    });
    expect(refused.status).toBe(403);

    // 李晓红, on the case's team, sees who opened it and why.
    const lixiaohong = await signIn('lixiaohong');
    await go(lixiaohong.page, `#/cases/${kase.id}`);
    await visible(lixiaohong.page.getByRole('heading', { name: title, level: 1 }));
    await visible(lixiaohong.page.getByRole('region', { name: zh['breakGlass.notice.title'] }).getByText(noticeLine));
    await visible(composer(lixiaohong.page));
  }, 90_000);
});
