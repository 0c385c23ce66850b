// End-to-end: everyday messaging (SPEC §8) between two people in separate
// browsers: edits with their history, reactions, timeline entries, the
// "new messages" pill, drafts and long messages. Each scenario uses its own
// people and conversation, so the scenarios do not depend on each other.

import { describe, expect, it } from 'vitest';
import type { CaseDto, ConversationDto } from '../src/api/types';
import { zhCN as zh } from '../src/i18n/zh-CN';
import {
  apiLogin,
  call,
  CARDIOLOGY,
  composer,
  fill,
  intake,
  openConversation,
  postMessage,
  sendMessage,
  sidebarItem,
  teamId,
  useBrowser,
  visible,
  WAIT,
} from './helpers';

const browser = useBrowser();

/** A direct conversation between two demo users, made over REST. */
async function directBetween(a: string, b: string): Promise<ConversationDto> {
  const first = await apiLogin(a);
  const second = await apiLogin(b);
  return call<ConversationDto>(first, 'POST', `/direct/${second.id}`);
}

describe('everyday messaging in the browser', () => {
  it('an edit shows live with "(edited)", and the sender sees every version in the history', async () => {
    const direct = await directBetween('hejun', 'xumin');
    const a = await browser.signIn('hejun');
    const b = await browser.signIn('xumin');
    for (const p of [a, b]) await openConversation(p.page, direct.id);

    const mine = await sendMessage(a.page, 'E2E 明天上午复查空腹血糖');
    await visible(b.page.locator('.message[data-seq]', { hasText: 'E2E 明天上午复查空腹血糖' }));

    await mine.getByRole('button', { name: zh['chat.edit'], exact: true }).click();
    const editor = a.page.getByRole('textbox', { name: zh['chat.editLabel'] });
    expect(await editor.inputValue()).toBe('E2E 明天上午复查空腹血糖');
    await editor.fill('E2E 明天上午复查空腹血糖和糖化血红蛋白');
    await editor.press('Enter');
    await editor.waitFor({ state: 'detached', timeout: WAIT });

    // The other side sees the new text and the marker, live.
    const seen = await visible(b.page.locator('.message[data-seq]', { hasText: '糖化血红蛋白' }));
    await visible(seen.locator('.message__edited', { hasText: zh['chat.edited'] }));
    expect(await b.page.locator('.message', { hasText: 'E2E 明天上午复查空腹血糖' }).count()).toBe(1);

    // The sender opens the history: the original and the current text.
    await mine.getByRole('button', { name: zh['chat.history'], exact: true }).click();
    const dialog = await visible(a.page.getByRole('dialog', { name: zh['chat.historyTitle'] }));
    const versions = dialog.locator('.history-version');
    await expect.poll(() => versions.count(), { timeout: WAIT }).toBe(2);
    expect((await versions.nth(0).innerText()).includes('E2E 明天上午复查空腹血糖')).toBe(true);
    expect(await versions.nth(0).innerText()).not.toContain('糖化血红蛋白');
    expect(await versions.nth(1).innerText()).toContain('糖化血红蛋白');
    await a.page.keyboard.press('Escape');
    await dialog.first().waitFor({ state: 'detached', timeout: WAIT });

    // ArrowUp in the empty composer edits my last message again.
    await composer(a.page).press('ArrowUp');
    await visible(a.page.getByRole('textbox', { name: zh['chat.editLabel'] }));
    await a.page.keyboard.press('Escape');
  });

  it('reactions: 👍 and 收到 show for the sender live with counts, and one taken back goes away', async () => {
    const direct = await directBetween('mali', 'linna');
    const a = await browser.signIn('mali');
    const b = await browser.signIn('linna');
    for (const p of [a, b]) await openConversation(p.page, direct.id);
    const mine = await sendMessage(a.page, 'E2E 3床患者已完成术前准备');
    const theirs = await visible(b.page.locator('.message[data-seq]', { hasText: 'E2E 3床患者已完成术前准备' }));

    for (const emoji of ['👍', '收到']) {
      await theirs.getByRole('button', { name: fill(zh['chat.reactTo'], { name: '马丽' }) }).click();
      await theirs.getByRole('group', { name: zh['chat.reactionPalette'] }).getByRole('button', { name: emoji, exact: true }).click();
    }

    const thumbs = mine.locator('.reaction[data-emoji="👍"]');
    const received = mine.locator('.reaction[data-emoji="收到"]');
    await visible(thumbs);
    await visible(received);
    expect(await thumbs.innerText()).toMatch(/👍\s*1/);
    expect(await received.innerText()).toMatch(/收到\s*1/);
    expect(await thumbs.getAttribute('aria-label')).toBe(fill(zh['chat.reactionWho'], { emoji: '👍', names: '林娜' }));

    // 林娜 takes her 👍 back by clicking her chip: gone for 马丽.
    const herChip = theirs.locator('.reaction[data-emoji="👍"]');
    expect(await herChip.getAttribute('aria-pressed')).toBe('true');
    await herChip.click();
    await thumbs.waitFor({ state: 'detached', timeout: WAIT });
    await visible(received);
  });

  it('a triage assignment appears as a timeline entry in the case thread', async () => {
    const submitter = await apiLogin('chenming');
    const assistant = await apiLogin('sunli');
    const doctor = await apiLogin('lixiaohong');
    const cardiology = await teamId(submitter, CARDIOLOGY);
    const kase = await intake(submitter, cardiology, 'E2E 反复心悸2周', '冯玉珍');
    await call<CaseDto>(assistant, 'POST', `/cases/${kase.id}/triage`, { action: 'assign', assignee_id: doctor.id });

    const li = await browser.signIn('lixiaohong');
    await (await visible(sidebarItem(li.page, 'case', 'E2E 反复心悸2周'))).click();
    const entry = await visible(li.page.locator('.system-entry', { hasText: fill(zh['system.case_assigned'], { actor: '孙丽', assignee: '李晓红' }) }));
    expect(await entry.getByRole('button').count()).toBe(0);
    // In seq order with the talk: a message written now comes after it.
    await sendMessage(li.page, 'E2E 已接诊，安排动态心电图');
    const seqs = await li.page.locator('.messages [data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('scrolled up, the reader gets a "new messages" pill that takes them down', async () => {
    const direct = await directBetween('yangfan', 'huangtao');
    const writer = await apiLogin('yangfan');
    const reader = await apiLogin('huangtao');
    // Enough history (the reader's own, so nothing is unread) to scroll.
    for (let n = 1; n <= 40; n += 1) await postMessage(reader, direct.id, `E2E 随访记录 #${n}\n血压、血糖平稳。`);

    const b = await browser.signIn('huangtao');
    await openConversation(b.page, direct.id);
    await visible(b.page.locator('.message[data-seq]', { hasText: 'E2E 随访记录 #40' }));
    const list = b.page.getByRole('list', { name: zh['chat.messages'] });
    await list.hover();
    await b.page.mouse.wheel(0, -1500);
    await b.page.waitForFunction(() => {
      const el = document.querySelector('.messages');
      return el !== null && el.scrollHeight - el.scrollTop - el.clientHeight > 200;
    });

    await postMessage(writer, direct.id, 'E2E 患者今日血压偏高，请关注');
    const pill = await visible(b.page.getByRole('button', { name: zh['chat.newMessage'] }));
    await pill.click();
    await pill.first().waitFor({ state: 'detached', timeout: WAIT });
    await visible(b.page.locator('.message[data-seq]', { hasText: 'E2E 患者今日血压偏高' }));
    await b.page.waitForFunction(() => {
      const el = document.querySelector('.messages');
      return el !== null && el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    });
  });

  it('a draft survives switching conversations and a reload', async () => {
    const direct = await directBetween('guoyan', 'linna');
    const g = await browser.signIn('guoyan');
    await openConversation(g.page, direct.id);
    const draft = 'E2E 草稿：明早交班时汇报';
    await composer(g.page).fill(draft);

    await (await visible(sidebarItem(g.page, 'team', '刘淑芬内分泌专家团队'))).click();
    await visible(g.page.locator('.conversation__title', { hasText: '刘淑芬内分泌专家团队' }));
    expect(await composer(g.page).inputValue()).toBe('');

    await openConversation(g.page, direct.id);
    await expect.poll(() => composer(g.page).inputValue(), { timeout: WAIT }).toBe(draft);
    await g.page.reload();
    await visible(g.page.locator('.connection[data-status="connected"]'));
    await visible(composer(g.page));
    await expect.poll(() => composer(g.page).inputValue(), { timeout: WAIT }).toBe(draft);

    // Sent: the draft is gone.
    await composer(g.page).press('Enter');
    await visible(g.page.locator('.message[data-seq]', { hasText: 'E2E 草稿' }));
    await g.page.reload();
    await visible(composer(g.page));
    expect(await composer(g.page).inputValue()).toBe('');
  });

  it('a long message is folded behind "Show more"', async () => {
    const direct = await directBetween('zhoujing', 'wuqiang');
    const writer = await apiLogin('zhoujing');
    const lines = Array.from({ length: 20 }, (_, i) => `E2E 第${i + 1}项：检查结果正常`);
    await postMessage(writer, direct.id, lines.join('\n'));

    const b = await browser.signIn('wuqiang');
    await openConversation(b.page, direct.id);
    const long = await visible(b.page.locator('.message[data-seq]', { hasText: 'E2E 第1项' }));
    const more = long.getByRole('button', { name: zh['chat.showMore'] });
    await visible(more);
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    await more.click();
    await visible(long.getByRole('button', { name: zh['chat.showLess'] }));
    await visible(long.getByText('E2E 第20项：检查结果正常'));
  });
});
