// End-to-end, SPEC §8: search (Chinese and English, messages and cases, the
// jump to a message far back in its conversation), what tells threads apart
// in the sidebar and the header, and @mentions by the pinyin of a name.
// Real server and Chromium (see helpers.ts); every wait is on visible state.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ConversationDto } from '../src/api/types';
import { en } from '../src/i18n/en';
import { zhCN as zh } from '../src/i18n/zh-CN';
import { apiLogin, call, composer, fill, openConversation, postMessage, sendMessage, sidebarItem, useBrowser, visible, WAIT } from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.resolve(here, '../e2e-output/screenshots');
mkdirSync(shots, { recursive: true });

/** The seeded case under discussion in the cardiology team (server/src/seed.rs), about 赵建华, male, born 1962-03-15. */
const CHEST_CASE = '胸痛3天，心电图ST段抬高待查';
/** The seeded consult on the same patient, asked by 李晓红. */
const CONSULT_QUESTION = '患者2型糖尿病5年，围手术期血糖如何管理？二甲双胍是否需要停用？';

const browser = useBrowser();

function ageOn(birth: string, now = new Date()): number {
  const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age -= 1;
  return age;
}

/** Opens search with the keyboard shortcut and types a query; returns the panel. */
async function searchFor(page: Page, query: string, labels: typeof zh | typeof en = zh) {
  await page.keyboard.press('Control+k');
  const field = page.getByRole('searchbox', { name: labels['search.label'] });
  await visible(field);
  expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
  await field.fill(query);
  return page.getByRole('dialog', { name: labels['search.title'] });
}

async function chestThread(): Promise<ConversationDto> {
  const wang = await apiLogin('wangjianguo');
  const thread = (await call<ConversationDto[]>(wang, 'GET', '/conversations')).find((c) => c.kind === 'case' && c.title === CHEST_CASE);
  if (thread === undefined) throw new Error('the seeded chest-pain case thread is missing');
  return thread;
}

describe('everyday messaging: search, thread context, mentions by name', () => {
  it('finds a Chinese lab value and jumps to it far back in its thread; English case-insensitively; a case by its title', async () => {
    const thread = await chestThread();

    // 王建国 writes two findings into the case thread, one in Chinese, one in English.
    const wang = await browser.signIn('wangjianguo');
    await openConversation(wang.page, thread.id);
    const chinese = await sendMessage(wang.page, '复查肌钙蛋白 0.8 ng/ml，较前明显升高，建议尽快造影。');
    const seq = Number(await chinese.getAttribute('data-seq'));
    await sendMessage(wang.page, 'Repeat troponin I is 0.8 ng/ml and rising.');

    // The thread goes on: the finding is no longer among the newest messages.
    const zhang = await apiLogin('zhangwei');
    for (let n = 1; n <= 60; n += 1) await postMessage(zhang, thread.id, `E2E 病程记录 #${n}`);

    // 李晓红, elsewhere in the app, searches with Ctrl+K.
    const li = await browser.signIn('lixiaohong');
    await li.page.getByRole('link', { name: zh['nav.people'] }).click();
    const panel = await searchFor(li.page, '肌钙蛋白');
    const hit = panel.locator('a.search-hit', { hasText: '0.8 ng/ml' });
    await visible(hit);
    expect(await hit.locator('mark').allInnerTexts()).toEqual(['肌钙蛋白']);
    await visible(hit.getByText(CHEST_CASE));
    await visible(hit.getByText('王建国'));
    await visible(hit.locator('time'));
    // The seeded order "立即查肌钙蛋白" is found too.
    await visible(panel.locator('a.search-hit', { hasText: '立即查' }));
    await li.page.screenshot({ path: path.join(shots, 'search.zh-CN.png') });

    // Following it opens the thread at that message, loaded although it is far back, and marks it.
    await hit.click();
    await li.page.waitForFunction((h) => location.hash === h, `#/chat/${thread.id}?seq=${seq}`, { timeout: WAIT });
    expect(await li.page.getByRole('dialog', { name: zh['search.title'] }).count()).toBe(0);
    const focused = li.page.locator(`.message--focused[data-seq="${seq}"]`);
    await visible(focused);
    await visible(focused.getByText('复查肌钙蛋白'));
    await li.page.waitForFunction(
      (s) => {
        const el = document.querySelector(`.message[data-seq="${s}"]`);
        const list = document.querySelector('.messages');
        if (el === null || list === null) return false;
        const a = el.getBoundingClientRect();
        const b = list.getBoundingClientRect();
        return a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
      },
      seq,
      { timeout: WAIT },
    );
    // The history between it and the newest messages is all there, once, in order.
    const seqs = await li.page.locator('.messages .message[data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(seqs[0]).toBeLessThan(seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    await li.page.screenshot({ path: path.join(shots, 'search-jump.zh-CN.png') });

    // English, whatever the case of the query.
    const english = await searchFor(li.page, 'TROPONIN');
    const englishHit = english.locator('a.search-hit', { hasText: 'Repeat troponin' });
    await visible(englishHit);
    expect((await englishHit.locator('mark').allInnerTexts()).map((m) => m.toLowerCase())).toEqual(['troponin']);
    await li.page.keyboard.press('Escape');
    expect(await english.count()).toBe(0);

    // A case by its title: following it opens the case.
    const cases = await searchFor(li.page, '心电图ST段');
    const caseHit = cases.locator('a.search-hit--case', { hasText: CHEST_CASE });
    await visible(caseHit);
    expect(await caseHit.locator('mark').allInnerTexts()).toEqual(['心电图ST段']);
    await caseHit.click();
    await li.page.waitForFunction(() => location.hash.startsWith('#/cases/'), undefined, { timeout: WAIT });
    await visible(li.page.getByRole('heading', { name: CHEST_CASE }));
  });

  it('tells threads about one patient apart in the sidebar and the header, with the members present', async () => {
    const thread = await chestThread();
    const wang = await browser.signIn('wangjianguo');
    const li = await browser.signIn('lixiaohong');
    const age = ageOn('1962-03-15');

    // The case thread and the consult thread about 赵建华 in 李晓红's sidebar.
    const caseItem = await visible(sidebarItem(li.page, 'case', CHEST_CASE));
    const caseContext = caseItem.getByTestId('conversation-context');
    await visible(caseContext.getByText(`赵建华 · 男 · ${fill(zh['context.age'], { age })}`));
    await visible(caseContext.getByText(zh['priority.urgent']));
    await visible(caseContext.getByText(zh['status.open']));
    // the seeded consult, whatever other tests of the suite consulted since (the sidebar puts the newest first)
    const seededConsult = li.page.locator('section[aria-labelledby="sidebar-consult"] .sidebar__item', { hasText: /患者2型糖尿病5年/ });
    const consultContext = (await visible(seededConsult)).first().getByTestId('conversation-context');
    await visible(consultContext.getByText(`赵建华 · 男 · ${fill(zh['context.age'], { age })}`));
    await visible(consultContext.getByText(/^会诊问题：患者2型糖尿病5年/));
    expect(await consultContext.locator('[title]').getAttribute('title')).toBe(CONSULT_QUESTION);

    // The sidebar order is chosen and remembered.
    const sort = li.page.getByRole('combobox', { name: zh['chat.sort.label'] });
    await sort.selectOption('name');
    await li.page.reload();
    await visible(li.page.locator('.connection[data-status="connected"]'));
    expect(await li.page.getByRole('combobox', { name: zh['chat.sort.label'] }).inputValue()).toBe('name');

    // The thread's header: the patient, and its members with their presence (王建国 is online).
    await openConversation(li.page, thread.id);
    await visible(li.page.locator('.conversation__header').getByTestId('conversation-context').getByText(/^赵建华 · 男/));
    const members = li.page.getByRole('list', { name: zh['chat.members'] });
    await visible(members.locator('li', { hasText: '王建国' }).locator('.presence--online'));
    await visible(members.locator('li', { hasText: '李晓红' }).locator('.presence--online'));
    await li.page.screenshot({ path: path.join(shots, 'thread-context.zh-CN.png') });
    await wang.context.close();
    await visible(members.locator('li', { hasText: '王建国' }).locator('.presence--offline'));
  });

  it('mentions a colleague by the pinyin initials of a Chinese name, and the on-duty group', async () => {
    const thread = await chestThread();
    const li = await browser.signIn('lixiaohong');
    await openConversation(li.page, thread.id);
    const input = composer(li.page);

    await input.pressSequentially('请 @wjg');
    const option = li.page.getByRole('option', { name: /王建国/ });
    await visible(option);
    await input.press('Enter');
    expect(await input.inputValue()).toBe('请 @wangjianguo ');

    await input.pressSequentially('和 @oncall');
    await visible(li.page.getByRole('option', { name: new RegExp(zh['mention.oncall.explain']) }));
    await input.press('Tab');
    expect(await input.inputValue()).toBe('请 @wangjianguo 和 @oncall ');
  });

  it('works on a 360 px phone, in English', async () => {
    const thread = await chestThread();
    const zhang = await apiLogin('zhangwei');
    const marker = `Troponin T trend ${Date.now().toString(36)}`;
    await postMessage(zhang, thread.id, marker);

    const phone = await browser.signIn('chenming', { locale: 'en', width: 360, height: 740 });
    const trigger = phone.page.getByRole('button', { name: fill(en['search.openHint'], { shortcut: 'Ctrl+K' }) });
    await trigger.click();
    const field = await visible(phone.page.getByRole('searchbox', { name: en['search.label'] }));
    await field.fill(marker.toUpperCase());
    const hit = phone.page.locator('a.search-hit', { hasText: marker });
    await visible(hit);
    // Nothing sticks out sideways.
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const box = await phone.page.getByRole('dialog', { name: en['search.title'] }).boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
    await phone.page.screenshot({ path: path.join(shots, 'search.phone.en.png') });
    await hit.click();
    await visible(phone.page.locator('.message--focused', { hasText: marker }));
  });
});
