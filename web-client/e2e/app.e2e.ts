// End-to-end: real server (see server.ts), real Chromium, two or three
// signed-in people at once. Every wait is on visible state, never a sleep.
// Screenshots of the main screens go to e2e-output/screenshots/ (untracked);
// with UPDATE_SCREENSHOTS=1 they replace the committed ones in docs/screenshots/.
// Signing in, moving around and REST set-up are shared with the other suites (helpers.ts).

import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseDto, ConsultDto, ConversationDto, Page as HistoryPage, MessageDto, TeamSettings } from '../src/api/types';
import { en } from '../src/i18n/en';
import { zhCN } from '../src/i18n/zh-CN';
import { outboxKey } from '../src/realtime/outbox';
import {
  allMessages,
  apiLogin,
  call,
  CARDIOLOGY,
  ENDOCRINOLOGY,
  fill,
  go,
  intake,
  selectOptionContaining,
  shownSeqs,
  sidebarItem,
  teamId,
  useBrowser,
  visible,
  WAIT,
} from './helpers';
import { serverOnSameDatabase } from './server';

const databaseUrl = inject('databaseUrl');
const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository's shared attachment fixtures (tests/fixtures/attachments, see its README). */
const fixtures = path.resolve(here, '../../tests/fixtures/attachments');
const shots =
  process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(here, '../../docs/screenshots') : path.resolve(here, '../e2e-output/screenshots');
const zh = zhCN;

const { signIn, newPage } = useBrowser();

beforeAll(() => {
  mkdirSync(shots, { recursive: true });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

describe('Consilium in the browser', () => {
  it('two doctors chat live: direct chat, presence, typing, Markdown, reply, mention, read by, recall, unread', async () => {
    const wang = await signIn('wangjianguo');
    const li = await signIn('lixiaohong');

    // 王建国 finds 李晓红 in the directory and opens a direct chat.
    await go(wang.page, '#/people');
    await wang.page.getByLabel(zh['people.search']).fill('lixiaohong');
    await (await visible(wang.page.getByRole('button', { name: fill(zh['people.messageUser'], { name: '李晓红' }) }))).click();
    await visible(wang.page.locator('.conversation__title', { hasText: '李晓红' }));

    // 李晓红 sees the new conversation appear, with 王建国 online, and opens it.
    const item = await visible(sidebarItem(li.page, 'direct', '王建国'));
    await visible(item.locator('.presence--online'));
    await item.click();
    await visible(li.page.locator('.conversation__title', { hasText: '王建国' }));

    // Typing shows on the other side.
    const composer = wang.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true });
    await composer.pressSequentially('李主任，');
    await visible(li.page.locator('.typing', { hasText: fill(zh['chat.typingOne'], { names: '王建国' }) }));

    // Enter sends (Shift+Enter is a new line); Markdown renders, a script stays inert.
    await composer.press('Shift+Enter');
    await composer.pressSequentially('请看**急诊**患者 <script>window.__pwned = 1</script>');
    await composer.press('Enter');
    const received = await visible(li.page.locator('.message', { hasText: '急诊' }));
    await visible(received.locator('strong', { hasText: '急诊' }));
    expect(await received.locator('.message__body').innerText()).toContain('<script>');
    expect(await li.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The sender's copy is confirmed and then read by 李晓红, who has the chat open.
    const mine = wang.page.locator('.message--mine[data-seq]', { hasText: '急诊' });
    await visible(mine.locator('.read-by', { hasText: fill(zh['chat.readBy'], { count: 1 }) }));
    expect(await mine.locator('.read-by').getAttribute('title')).toBe('李晓红');

    // 李晓红 replies to it, mentioning 王建国 through the autocomplete.
    await received.getByRole('button', { name: fill(zh['chat.replyTo'], { name: '王建国' }) }).click();
    const liComposer = li.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true });
    await liComposer.pressSequentially('收到 @wang');
    await visible(li.page.getByRole('option', { name: /王建国/ }));
    await liComposer.press('Enter'); // picks the mention
    expect(await liComposer.inputValue()).toBe('收到 @wangjianguo ');
    await liComposer.pressSequentially('马上看。');
    await liComposer.press('Enter');
    const reply = await visible(wang.page.locator('.message', { hasText: '马上看' }));
    await visible(reply.locator('.message__quote', { hasText: '急诊' }));
    await visible(reply.locator('.mention', { hasText: '@wangjianguo' }));
    await shot(wang.page, 'chat.zh-CN');

    // 王建国 recalls his message: 李晓红 sees the tombstone.
    await mine.getByRole('button', { name: zh['chat.recall'] }).click();
    await visible(li.page.locator('.message__recalled', { hasText: fill(zh['chat.recalled'], { name: '王建国' }) }));

    // While 李晓红 looks elsewhere, a new message shows as unread in her sidebar.
    await go(li.page, '#/chat');
    await composer.pressSequentially('有空回电话');
    await composer.press('Enter');
    await visible(sidebarItem(li.page, 'direct', '王建国').locator('.unread', { hasText: '1' }));

    // 李晓红 signs out: back at the login form, and a reload does not bring the session back.
    await li.page.getByRole('button', { name: zh['shell.signOut'] }).click();
    await visible(li.page.getByRole('button', { name: zh['login.submit'], exact: true }));
    await li.page.reload();
    await visible(li.page.getByRole('button', { name: zh['login.submit'], exact: true }));
    expect(await sidebarItem(li.page, 'direct', '王建国').count()).toBe(0);
  });

  it('recovers from a dropped connection: shows reconnecting, syncs what it missed, sends what was written offline', async () => {
    const wang = await signIn('wangjianguo');
    const li = await signIn('lixiaohong', { cuttable: true });
    for (const p of [wang, li]) {
      await (await visible(sidebarItem(p.page, 'team', CARDIOLOGY))).click();
      await visible(p.page.locator('.message').first());
    }

    await li.cut();
    await visible(li.page.locator('.connection[data-status="reconnecting"]'));

    const wangComposer = wang.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true });
    await wangComposer.pressSequentially('E2E 断线期间的消息');
    await wangComposer.press('Enter');
    await visible(wang.page.locator('.message[data-seq]', { hasText: 'E2E 断线期间的消息' }));

    const liComposer = li.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true });
    await liComposer.pressSequentially('E2E 离线时写的');
    await liComposer.press('Enter');
    await visible(li.page.locator('.message--sending', { hasText: 'E2E 离线时写的' }));

    li.restore();
    await li.page.getByRole('button', { name: zh['connection.retryNow'] }).click();
    await visible(li.page.locator('.connection[data-status="connected"]'));
    await visible(li.page.locator('.message[data-seq]', { hasText: 'E2E 断线期间的消息' }));
    await visible(li.page.locator('.message[data-seq]', { hasText: 'E2E 离线时写的' }));
    await visible(wang.page.locator('.message[data-seq]', { hasText: 'E2E 离线时写的' }));
    // Each message exactly once on both sides, in the same order.
    for (const p of [wang, li]) {
      expect(await p.page.locator('.message', { hasText: 'E2E 离线时写的' }).count()).toBe(1);
      expect(await p.page.locator('.message', { hasText: 'E2E 断线期间的消息' }).count()).toBe(1);
      const seqs = await p.page.locator('.messages .message[data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
    }
  });

  it('an intake is submitted, triaged live by an assistant, and seen by the assigned doctor', async () => {
    const liufang = await signIn('liufang');
    const sunli = await signIn('sunli');
    const doctor = await signIn('lixiaohong');
    await go(sunli.page, '#/triage');
    await visible(sunli.page.locator('.triage__queue'));

    // A grassroots doctor sends a patient to the cardiology team.
    await go(liufang.page, '#/intake');
    await selectOptionContaining(liufang.page.locator('select[name=team]'), CARDIOLOGY);
    await liufang.page.locator('input[name=patient_name]').fill('赵桂兰');
    await liufang.page.locator('select[name=sex]').selectOption('female');
    await liufang.page.locator('input[name=birth_date]').fill('1956-04-12');
    await liufang.page.locator('input[name=title]').fill('E2E 活动后胸闷3天');
    await liufang.page.locator('textarea[name=summary]').fill('活动后胸闷3天，休息可缓解。');
    await liufang.page.locator('select[name=priority]').selectOption('urgent');
    await liufang.page.getByRole('button', { name: zh['intake.submit'] }).click();
    await visible(liufang.page.getByRole('heading', { name: zh['intake.done'] }));
    await liufang.page.getByRole('link', { name: zh['intake.viewStatus'] }).click();
    await visible(liufang.page.locator('.badge--status', { hasText: zh['status.triage'] }));

    // It appears on the assistant's board without a reload, with a suggested assignee.
    const card = await visible(sunli.page.locator('.triage-card', { hasText: 'E2E 活动后胸闷3天' }));
    await visible(card.locator('[data-testid=suggestion]'));
    // and says why: the lead's specialty fits the words of the case
    await visible(card.locator('.suggestion__why', { hasText: '擅长冠心病：病情提到胸闷' }));
    await shot(sunli.page, 'triage-board.zh-CN');
    await selectOptionContaining(card.locator('select').first(), '李晓红');
    await card.getByRole('button', { name: zh['triage.assign'] }).click();
    await card.waitFor({ state: 'detached', timeout: WAIT });

    // The submitter sees the status change live; the assigned doctor finds it and sees herself as assignee.
    await visible(liufang.page.locator('.badge--status', { hasText: zh['status.open'] }));
    await (await visible(sidebarItem(doctor.page, 'case', 'E2E 活动后胸闷3天'))).click();
    await doctor.page.getByRole('link', { name: zh['chat.openCase'] }).click();
    await visible(doctor.page.locator('[data-testid=case-assignee]', { hasText: '李晓红' }));
    await visible(doctor.page.locator('.patient__name', { hasText: '赵桂兰' }));
  });

  it('a consult is requested and answered with a structured opinion', async () => {
    const wang = await signIn('wangjianguo');
    const liu = await signIn('liushufen');
    await go(liu.page, '#/consults');
    await visible(liu.page.getByRole('tab', { name: zh['box.incoming'] }));

    await (await visible(sidebarItem(wang.page, 'case', '晕厥1次'))).click();
    await wang.page.getByRole('link', { name: zh['chat.openCase'] }).click();
    await wang.page.getByRole('button', { name: zh['consult.request'] }).click();
    await wang.page.getByLabel(zh['consult.consultants']).fill('liushufen');
    await (await visible(wang.page.locator('.picker-results__item[data-username=liushufen]'))).click();
    await wang.page.locator('textarea[name=question]').fill('E2E 患者血糖控制差，是否影响晕厥评估？');
    await wang.page.getByRole('button', { name: zh['consult.send'] }).click();
    const asked = await visible(wang.page.locator('.consult', { hasText: 'E2E 患者血糖控制差' }));
    await visible(asked.locator('.badge--status', { hasText: zh['status.requested'] }));

    const incoming = await visible(liu.page.locator('.consult', { hasText: 'E2E 患者血糖控制差' }));
    await incoming.getByRole('button', { name: zh['consult.accept'] }).click();
    await visible(incoming.locator('.badge--status', { hasText: zh['status.accepted'] }));
    await incoming.getByRole('button', { name: zh['consult.complete'] }).click();
    await incoming.locator('textarea[name=assessment]').fill('2型糖尿病，低血糖可能参与晕厥。');
    await incoming.locator('textarea[name=recommendation]').fill('动态血糖监测3天，调整胰岛素剂量。');
    await incoming.getByRole('button', { name: zh['consult.submitOpinion'] }).click();
    await visible(incoming.locator('.badge--status', { hasText: zh['status.completed'] }));

    // The requester's case view updates live with the opinion.
    await visible(asked.locator('.badge--status', { hasText: zh['status.completed'] }));
    await visible(asked.locator('.opinion', { hasText: '动态血糖监测3天' }));
    await shot(wang.page, 'case-view.zh-CN');
  });

  it('a referral is sent up to another team, accepted with an appointment and completed with an outcome', async () => {
    const liu = await signIn('liushufen');
    const sunli = await signIn('sunli');
    await go(sunli.page, '#/referrals');
    await visible(sunli.page.getByRole('tab', { name: zh['box.incoming'] }));

    // The endocrinology lead opens a case in her team, then refers it up to cardiology.
    await go(liu.page, '#/new-case');
    await selectOptionContaining(liu.page.locator('select[name=team]'), '刘淑芬内分泌专家团队');
    await liu.page.locator('input[name=patient_name]').fill('钱建华');
    await liu.page.locator('select[name=sex]').selectOption('male');
    await liu.page.locator('input[name=title]').fill('E2E 糖尿病合并胸痛');
    await liu.page.getByRole('button', { name: zh['cases.create'] }).click();
    await visible(liu.page.getByRole('heading', { name: 'E2E 糖尿病合并胸痛' }));
    await liu.page.getByRole('button', { name: zh['referral.refer'] }).click();
    await selectOptionContaining(liu.page.locator('select[name=to_team]'), CARDIOLOGY);
    await liu.page.getByRole('radio', { name: zh['referral.up'] }).check();
    await liu.page.locator('textarea[name=reason]').fill('E2E 胸痛待排冠心病，请心内科评估。');
    await liu.page.getByRole('button', { name: zh['referral.send'] }).click();
    const sent = await visible(liu.page.locator('.referral', { hasText: 'E2E 胸痛待排冠心病' }));
    await visible(sent.locator('.badge--status', { hasText: zh['status.pending'] }));

    const incoming = await visible(sunli.page.locator('.referral', { hasText: 'E2E 胸痛待排冠心病' }));
    await incoming.getByRole('button', { name: zh['referral.accept'] }).click();
    await incoming.locator('input[name=appointment_at]').fill('2026-12-01T09:30');
    await incoming.getByRole('button', { name: zh['referral.confirmAccept'] }).click();
    await visible(incoming.locator('.badge--status', { hasText: zh['status.accepted'] }));

    await visible(sent.locator('.badge--status', { hasText: zh['status.accepted'] }));
    await visible(sent.getByText(zh['referral.appointment']));

    // The receiving assistant completes it with an outcome; the referring lead sees it live.
    await incoming.getByRole('button', { name: zh['referral.complete'] }).click();
    await incoming.getByLabel(zh['referral.outcome']).fill('E2E 冠脉造影未见明显狭窄，转回内分泌科继续治疗糖尿病。');
    await incoming.locator('form').getByRole('button', { name: zh['referral.complete'] }).click();
    await visible(incoming.locator('.badge--status', { hasText: zh['status.completed'] }));
    await visible(sent.locator('.badge--status', { hasText: zh['status.completed'] }));
    await visible(sent.getByText('E2E 冠脉造影未见明显狭窄'));
  });

  it('an admin manages rosters, teams and accounts; the people affected see it live', async () => {
    const admin = await signIn('admin');
    const yang = await signIn('yangfan');
    expect(await sidebarItem(yang.page, 'team', CARDIOLOGY).count()).toBe(0);

    await go(admin.page, '#/admin/teams');
    const team = await visible(admin.page.locator('.card', { hasText: CARDIOLOGY }));
    await team.getByRole('link', { name: zh['admin.roster'] }).click();
    await visible(admin.page.getByRole('heading', { name: fill(zh['admin.rosterOf'], { team: CARDIOLOGY }) }));
    await admin.page.getByLabel(zh['admin.person']).fill('yangfan');
    await (await visible(admin.page.locator('.picker-results__item[data-username=yangfan]'))).click();
    await admin.page.getByLabel(zh['admin.teamRole']).selectOption('grassroots');
    await admin.page.getByRole('button', { name: zh['admin.add'], exact: true }).click();
    await visible(admin.page.locator('tr[data-username=yangfan]'));

    await visible(sidebarItem(yang.page, 'team', CARDIOLOGY));

    // Change the new member's role, then remove them: the team leaves their sidebar live.
    const roleOfYang = admin.page.getByLabel(fill(zh['admin.roleOf'], { name: '杨帆' }));
    await roleOfYang.selectOption('specialist');
    await expect.poll(() => roleOfYang.inputValue(), { timeout: WAIT }).toBe('specialist');
    await admin.page.getByRole('button', { name: fill(zh['admin.removeMember'], { name: '杨帆' }) }).click();
    await admin.page.locator('tr[data-username=yangfan]').waitFor({ state: 'detached', timeout: WAIT });
    await sidebarItem(yang.page, 'team', CARDIOLOGY).waitFor({ state: 'detached', timeout: WAIT });

    // Teams: create one with a lead, who sees it appear live; then archive it.
    const NEW_TEAM = '社区慢病随访团队';
    await go(admin.page, '#/admin/teams');
    await admin.page.getByRole('button', { name: zh['admin.newTeam'] }).click();
    const teamForm = admin.page.getByRole('form', { name: zh['admin.newTeam'] });
    await teamForm.getByLabel(zh['admin.teamName']).fill(NEW_TEAM);
    await teamForm.getByLabel(zh['admin.specialty']).fill('全科');
    await teamForm.getByLabel(zh['admin.lead']).fill('yangfan');
    await (await visible(teamForm.locator('.picker-results__item[data-username=yangfan]'))).click();
    await teamForm.getByRole('button', { name: zh['admin.create'] }).click();
    const newTeam = await visible(admin.page.locator('.card', { hasText: NEW_TEAM }));
    await visible(sidebarItem(yang.page, 'team', NEW_TEAM));
    await newTeam.getByRole('button', { name: zh['admin.archive'] }).click();
    await visible(newTeam.getByText(zh['admin.archived'], { exact: true }));

    // Accounts: create one, reset its password, deactivate it.
    await go(admin.page, '#/admin/users');
    await admin.page.getByRole('button', { name: zh['admin.newUser'] }).click();
    const form = admin.page.getByRole('form', { name: zh['admin.newUser'] });
    await form.locator('input[name=username]').fill('e2e.nurse');
    await form.locator('input[name=display_name]').fill('测试护士');
    await form.locator('input[name=password]').fill('nurse-password-1');
    await form.locator('input[name=specialties]').fill('护理，随访');
    await form.getByRole('button', { name: zh['admin.create'] }).click();
    const row = await visible(admin.page.locator('tr[data-username="e2e.nurse"]'));
    await row.getByRole('button', { name: zh['admin.resetPassword'] }).click();
    await row.getByLabel(zh['admin.newPassword']).fill('nurse-password-2');
    await row.getByRole('button', { name: zh['common.save'] }).click();
    await visible(row.getByText(zh['admin.passwordReset']));
    await row.getByRole('button', { name: zh['admin.deactivate'] }).click();
    await visible(row.getByRole('cell', { name: zh['admin.inactive'], exact: true }));
  });

  it('switches language, keeps the choice, and captures the main screens in both languages', async () => {
    const wang = await signIn('wangjianguo');
    await visible(wang.page.getByRole('link', { name: zh['nav.chat'] }));
    await wang.page.getByLabel(zh['language.label']).selectOption('en');
    await visible(wang.page.getByRole('link', { name: en['nav.chat'] }));
    expect(await wang.page.evaluate(() => document.documentElement.lang)).toBe('en');
    await wang.page.reload();
    await visible(wang.page.getByRole('link', { name: en['nav.triage'] }));

    await (await visible(sidebarItem(wang.page, 'team', CARDIOLOGY))).click();
    await visible(wang.page.locator('.message').first());
    await shot(wang.page, 'chat.en');

    await (await visible(sidebarItem(wang.page, 'case', '胸痛3天'))).click();
    await wang.page.getByRole('link', { name: en['chat.openCase'] }).click();
    await visible(wang.page.locator('.patient__name'));
    await visible(wang.page.locator('.consult').first());
    await shot(wang.page, 'case-view.en');

    await go(wang.page, '#/triage');
    await visible(wang.page.locator('.triage-card').first());
    await shot(wang.page, 'triage-board.en');

    for (const locale of ['en', 'zh-CN'] as const) {
      const dict = locale === 'en' ? en : zh;
      const admin = await signIn('admin', { locale });
      await go(admin.page, '#/admin/teams');
      await (await visible(admin.page.locator('.card', { hasText: CARDIOLOGY }))).getByRole('link', { name: dict['admin.roster'] }).click();
      await visible(admin.page.locator('tr[data-username=sunli]'));
      await shot(admin.page, `admin-roster.${locale}`);
    }

    // A phone: the conversation list is the home screen, a chat replaces it.
    const phone = await signIn('lixiaohong', { width: 360, height: 740 });
    await visible(phone.page.getByRole('heading', { name: zh['work.title'], level: 1 }));
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(phone.page, 'mobile-work.zh-CN');
    await phone.page.getByRole('link', { name: zh['nav.chat'] }).click();
    await shot(phone.page, 'mobile-conversations.zh-CN');
    await (await visible(sidebarItem(phone.page, 'team', CARDIOLOGY))).click();
    await visible(phone.page.locator('.message').first());
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(phone.page, 'mobile-chat.zh-CN');
  });

  it('triage transfers a case to another team: it leaves this board live and appears on the other team\'s', async () => {
    const submitter = await apiLogin('chenming');
    const cardiology = await teamId(submitter, CARDIOLOGY);
    const kase = await intake(submitter, cardiology, 'E2E 多饮多尿伴体重下降', '孔秀英');
    const sunli = await signIn('sunli');
    const zhoujing = await signIn('zhoujing');
    const guoyan = await signIn('guoyan');
    for (const p of [sunli, zhoujing, guoyan]) await go(p.page, '#/triage');
    const mine = await visible(sunli.page.locator(`.triage-card[data-case="${kase.id}"]`));
    const colleagues = await visible(zhoujing.page.locator(`.triage-card[data-case="${kase.id}"]`));
    await visible(guoyan.page.locator('.triage__queue .triage-card, .triage .notice')); // the other team's queue has loaded
    expect(await guoyan.page.locator(`.triage-card[data-case="${kase.id}"]`).count()).toBe(0);

    // The assistant sends it on to endocrinology with a note.
    await mine.locator('summary', { hasText: zh['triage.transfer'] }).click();
    await selectOptionContaining(mine.getByLabel(zh['triage.transferTo']), ENDOCRINOLOGY);
    await mine.getByLabel(zh['triage.note']).fill('E2E 血糖问题为主，请内分泌科处理');
    await mine.locator('details', { hasText: zh['triage.transferTo'] }).getByRole('button', { name: zh['triage.transfer'] }).click();

    // Gone from both cardiology boards without a reload; waiting on the endocrinology board.
    await mine.waitFor({ state: 'detached', timeout: WAIT });
    await colleagues.waitFor({ state: 'detached', timeout: WAIT });
    const arrived = await visible(guoyan.page.locator(`.triage-card[data-case="${kase.id}"]`));
    await visible(arrived.getByText('E2E 多饮多尿伴体重下降'));
    await arrived.getByRole('link', { name: 'E2E 多饮多尿伴体重下降' }).click();
    await visible(guoyan.page.locator('.badge--status', { hasText: zh['status.triage'] }));
    await visible(guoyan.page.locator('.facts', { hasText: ENDOCRINOLOGY }));
  });

  it('triage declines a case with a reason: it leaves the board live and the submitter sees why', async () => {
    const yangfan = await apiLogin('yangfan');
    const cardiology = await teamId(yangfan, CARDIOLOGY);
    const kase = await intake(yangfan, cardiology, 'E2E 体检发现甲状腺结节', '褚丽娟');
    const sunli = await signIn('sunli');
    const zhoujing = await signIn('zhoujing');
    const submitter = await signIn('yangfan');
    for (const p of [sunli, zhoujing]) await go(p.page, '#/triage');
    await go(submitter.page, `#/cases/${kase.id}`);
    await visible(submitter.page.locator('.badge--status', { hasText: zh['status.triage'] }));
    const mine = await visible(sunli.page.locator(`.triage-card[data-case="${kase.id}"]`));
    const colleagues = await visible(zhoujing.page.locator(`.triage-card[data-case="${kase.id}"]`));

    await mine.locator('summary', { hasText: zh['triage.decline'] }).click();
    const decline = mine.locator('details', { hasText: zh['triage.reason'] }).getByRole('button', { name: zh['triage.decline'], exact: true });
    expect(await decline.isDisabled()).toBe(true); // a reason is required
    await mine.getByLabel(zh['triage.reason'], { exact: true }).fill('E2E 非心血管问题，请转内分泌科');
    await decline.click();

    await mine.waitFor({ state: 'detached', timeout: WAIT });
    await colleagues.waitFor({ state: 'detached', timeout: WAIT });
    await visible(submitter.page.locator('.badge--status', { hasText: zh['status.closed'] }));
    await visible(submitter.page.locator('.facts', { hasText: 'E2E 非心血管问题，请转内分泌科' }));
  });

  it('a consultant declines one consult with a reason, the requester cancels another; each side sees it live', async () => {
    const wangApi = await apiLogin('wangjianguo');
    const liuApi = await apiLogin('liushufen');
    const cardiology = await teamId(wangApi, CARDIOLOGY);
    const kase = await call<CaseDto>(wangApi, 'POST', `/teams/${cardiology}/cases`, {
      patient: { name: '卫国平', sex: 'male' },
      title: 'E2E 高血压合并高尿酸',
      summary: '血压160/100mmHg，尿酸升高。',
      priority: 'routine',
    });
    const ask = (question: string) =>
      call<ConsultDto>(wangApi, 'POST', `/cases/${kase.id}/consults`, { consultant_ids: [liuApi.id], question, urgency: 'routine' });
    const toDecline = await ask('E2E 请评估是否需要降尿酸治疗？');
    const toCancel = await ask('E2E 是否需要筛查继发性高血压？');

    const wang = await signIn('wangjianguo');
    const liu = await signIn('liushufen');
    await go(wang.page, `#/cases/${kase.id}`);
    await go(liu.page, '#/consults');
    const askedFirst = await visible(wang.page.locator(`.consult[data-consult="${toDecline.id}"]`));
    const askedSecond = await visible(wang.page.locator(`.consult[data-consult="${toCancel.id}"]`));
    const first = await visible(liu.page.locator(`.consult[data-consult="${toDecline.id}"]`));
    const second = await visible(liu.page.locator(`.consult[data-consult="${toCancel.id}"]`));

    // The consultant declines the first, with a reason.
    await first.getByRole('button', { name: zh['consult.decline'] }).click();
    await first.getByLabel(zh['consult.declineReason']).fill('E2E 建议请风湿免疫科会诊');
    await first.locator('form').getByRole('button', { name: zh['consult.decline'] }).click();
    await visible(first.locator('.badge--status', { hasText: zh['status.declined'] }));
    await visible(askedFirst.locator('.badge--status', { hasText: zh['status.declined'] }));
    await visible(askedFirst.getByText('E2E 建议请风湿免疫科会诊'));
    expect(await askedFirst.getByRole('button', { name: zh['consult.cancel'] }).count()).toBe(0);

    // The requester cancels the second; the consultant's buttons go away.
    await askedSecond.getByRole('button', { name: zh['consult.cancel'] }).click();
    await visible(askedSecond.locator('.badge--status', { hasText: zh['status.cancelled'] }));
    await visible(second.locator('.badge--status', { hasText: zh['status.cancelled'] }));
    expect(await second.getByRole('button', { name: zh['consult.accept'] }).count()).toBe(0);
  });

  it('scrolls back through a long conversation: the oldest message appears, in order, once', async () => {
    const total = 130; // more than two pages of 50
    const zhangwei = await apiLogin('zhangwei');
    const wuqiang = await apiLogin('wuqiang');
    const direct = await call<ConversationDto>(zhangwei, 'POST', `/direct/${wuqiang.id}`);
    const body = (n: number) => `E2E 历史消息 #${String(n).padStart(3, '0')}`;
    for (let n = 1; n <= total; n += 1) {
      await call<MessageDto>(n % 2 === 0 ? wuqiang : zhangwei, 'POST', `/conversations/${direct.id}/messages`, {
        client_msg_id: `e2e-history-${n}`,
        body: body(n),
      });
    }

    const wu = await signIn('wuqiang');
    await go(wu.page, `#/chat/${direct.id}`);
    await visible(wu.page.locator('.message[data-seq]', { hasText: body(total) }));
    const list = wu.page.getByRole('list', { name: zh['chat.messages'] });
    expect((await shownSeqs(wu.page)).length).toBeLessThan(total); // only the newest page so far

    // Scroll up with the wheel until the first message is there.
    const oldest = wu.page.locator('.message[data-seq="1"]');
    await list.hover();
    for (let i = 0; i < 20 && (await oldest.count()) === 0; i += 1) {
      const before = Math.min(...(await shownSeqs(wu.page)));
      await wu.page.mouse.wheel(0, -20_000);
      await wu.page.waitForFunction(
        (seq) => {
          const first = document.querySelector('.messages .message[data-seq]');
          return first !== null && Number(first.getAttribute('data-seq')) < seq;
        },
        before,
        { timeout: WAIT },
      );
    }
    await visible(oldest);
    await visible(oldest.getByText(body(1)));

    const seqs = await shownSeqs(wu.page);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const bodies = await list.locator('.message[data-seq] .message__body').allInnerTexts();
    expect(bodies.map((b) => b.trim())).toEqual(seqs.map(body));
    expect(await list.getByRole('button', { name: zh['chat.loadOlder'] }).count()).toBe(0);
  });

  it('keeps a message written offline across a reload and delivers it exactly once when back online', async () => {
    const liApi = await apiLogin('lixiaohong');
    const zhangApi = await apiLogin('zhangwei');
    const direct = await call<ConversationDto>(liApi, 'POST', `/direct/${zhangApi.id}`);
    const text = 'E2E 断网后刷新仍在的消息';

    const zhang = await signIn('zhangwei');
    const li = await signIn('lixiaohong', { cuttable: true });
    for (const p of [zhang, li]) {
      await go(p.page, `#/chat/${direct.id}`);
      await visible(p.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true }));
    }

    // The network goes; 李晓红 writes anyway, then reloads the page while still offline.
    await li.cut();
    await visible(li.page.locator('.connection[data-status="reconnecting"]'));
    const composer = li.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true });
    await composer.pressSequentially(text);
    await composer.press('Enter');
    await visible(li.page.locator('.message--sending', { hasText: text }));
    await li.page.reload();

    // Still there after the reload, waiting for the connection, and kept in storage.
    const waiting = await visible(li.page.locator('.message--sending', { hasText: text }));
    await visible(waiting.getByText(zh['chat.queued']));
    await visible(li.page.locator('.connection[data-status="reconnecting"]'));
    const stored = await li.page.evaluate((key) => localStorage.getItem(key), outboxKey(liApi.id));
    expect(stored).toContain(text);
    expect(await zhang.page.locator('.message', { hasText: text }).count()).toBe(0);

    // Back online: sent once, seen once on both sides, and the stored copy is gone.
    li.restore();
    const retry = li.page.getByRole('button', { name: zh['connection.retryNow'] });
    if (await retry.isVisible()) await retry.click({ timeout: 2_000 }).catch(() => {}); // else the backoff reconnects by itself
    await li.page.locator('.connection[data-status="connected"]').waitFor({ state: 'visible', timeout: 2 * WAIT });
    await visible(li.page.locator('.message[data-seq]', { hasText: text }));
    await visible(zhang.page.locator('.message[data-seq]', { hasText: text }));
    await li.page.locator('.message[data-pending]').first().waitFor({ state: 'detached', timeout: WAIT });
    for (const p of [zhang, li]) {
      expect(await p.page.locator('.message', { hasText: text }).count()).toBe(1);
      const seqs = await shownSeqs(p.page);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    expect((await allMessages(liApi, direct.id)).filter((m) => m.body === text)).toHaveLength(1);
    expect(await li.page.evaluate((key) => localStorage.getItem(key), outboxKey(liApi.id))).toBeNull();
  });
  it('shows offline at once when the network goes, and catches up when it comes back', async () => {
    const wang = await signIn('wangjianguo');
    const li = await signIn('lixiaohong');
    for (const p of [wang, li]) {
      await (await visible(sidebarItem(p.page, 'team', CARDIOLOGY))).click();
      await visible(p.page.locator('.message').first());
    }

    // The browser loses its network: the indicator says so within a few seconds, not "connected".
    await li.context.setOffline(true);
    const offline = li.page.getByRole('status').filter({ hasText: zh['connection.offline'] });
    await offline.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await li.page.getByRole('status').filter({ hasText: zh['connection.connected'] }).count()).toBe(0);

    // Meanwhile 王建国 posts.
    const text = 'E2E 网络断开期间发的消息';
    const composer = wang.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true });
    await composer.pressSequentially(text);
    await composer.press('Enter');
    await visible(wang.page.locator('.message[data-seq]', { hasText: text }));

    // Back online: connected again at once, and the message sent meanwhile arrives, once.
    await li.context.setOffline(false);
    await visible(li.page.getByRole('status').filter({ hasText: zh['connection.connected'] }));
    await visible(li.page.locator('.message[data-seq]', { hasText: text }));
    expect(await li.page.locator('.message', { hasText: text }).count()).toBe(1);
    expect(await offline.count()).toBe(0);
  });

  it('explains a live connection the server refuses (page origin not in ALLOWED_ORIGINS) instead of showing an empty app', async () => {
    // A second server on the same database that allows some other origin only.
    const other = await serverOnSameDatabase(databaseUrl, { ALLOWED_ORIGINS: 'https://consilium.example.org' });
    try {
      const { page } = await newPage('refused');
      await page.goto(`${other.url}/`);
      await page.getByLabel(zh['login.username']).fill('lixiaohong');
      await page.getByLabel(zh['login.password']).fill('consilium-demo');
      await page.getByRole('button', { name: zh['login.submit'], exact: true }).click();

      // Signing in works (plain HTTP); the websocket is refused at the upgrade, and the app says so.
      const alert = page.getByRole('alert').filter({ hasText: zh['connection.refused.title'] });
      await alert.waitFor({ state: 'visible', timeout: 2 * WAIT });
      await visible(alert.getByRole('heading', { name: zh['connection.refused.title'] }));
      const explanation = (await alert.textContent()) ?? '';
      expect(explanation).toContain(zh['connection.refused.body']);
      expect(explanation).toContain(fill(zh['connection.refused.adminHint'], { origin: other.url }));
      await visible(alert.getByRole('button', { name: zh['connection.refused.retry'] }));
      // Not "connected", and the sidebar does not claim there are no conversations.
      expect(await page.getByRole('status').filter({ hasText: zh['connection.connected'] }).count()).toBe(0);
      await visible(page.getByText(zh['chat.waitingForConnection']));
      expect(await page.getByText(zh['chat.noConversations']).count()).toBe(0);
      await shot(page, 'connection-refused.zh-CN');

      // Retrying keeps explaining (the server still refuses), and the English reader gets English.
      await alert.getByRole('button', { name: zh['connection.refused.retry'] }).click();
      await page.getByRole('combobox', { name: zh['language.label'] }).selectOption('en');
      const english = page.getByRole('alert').filter({ hasText: en['connection.refused.title'] });
      await visible(english);
      expect((await english.textContent()) ?? '').toContain('ALLOWED_ORIGINS');
    } finally {
      await other.stop();
    }
  });

  it('notifies a doctor live of a triage assignment: bell count, tab title, panel, opening the case, mark all read', async () => {
    const submitter = await apiLogin('chenming');
    const sunliApi = await apiLogin('sunli');
    const liApi = await apiLogin('lixiaohong');
    const cardiology = await teamId(submitter, CARDIOLOGY);
    const first = await intake(submitter, cardiology, 'E2E 通知 夜间阵发性呼吸困难', '冯玉珍');
    const second = await intake(submitter, cardiology, 'E2E 通知 双下肢水肿2周', '蒋德明');
    const assigned = (title: string, dict: Record<keyof typeof en, string> = zh) => fill(dict['notifications.kind.assigned'], { title });
    const bellName = (count: number) => (count === 0 ? zh['notifications.bell'] : fill(zh['notifications.bellUnread'], { count }));
    const unreadMessages = async () =>
      (await call<ConversationDto[]>(liApi, 'GET', '/conversations')).reduce((sum, c) => sum + c.unread, 0);
    const titleWith = (n: number) => (n === 0 ? 'Consilium' : `(${n}) Consilium`);

    // A clean start for the doctor: earlier scenarios left her notifications and messages.
    await call(liApi, 'POST', '/notifications/read', { all: true });
    for (const c of await call<ConversationDto[]>(liApi, 'GET', '/conversations')) {
      if (c.unread > 0) await call(liApi, 'PUT', `/conversations/${c.id}/read`, { seq: c.last_seq });
    }

    const sunli = await signIn('sunli');
    const doctor = await signIn('lixiaohong');
    await visible(doctor.page.getByRole('button', { name: bellName(0), exact: true }));
    await expect.poll(() => doctor.page.title(), { timeout: WAIT }).toBe('Consilium');

    // The assistant assigns the first case to her on the triage board.
    await go(sunli.page, '#/triage');
    const card = await visible(sunli.page.getByRole('listitem', { name: 'E2E 通知 夜间阵发性呼吸困难' }));
    await selectOptionContaining(card.getByLabel(zh['triage.assignee']), '李晓红');
    await card.getByRole('button', { name: zh['triage.assign'], exact: true }).click();
    await card.waitFor({ state: 'detached', timeout: WAIT });

    // Her bell and her tab title count it without a reload.
    await visible(doctor.page.getByRole('button', { name: bellName(1), exact: true }));
    await expect.poll(async () => (await doctor.page.title()) === titleWith(1 + (await unreadMessages())), { timeout: WAIT }).toBe(true);

    // A second one (through the API), live as well.
    await call<CaseDto>(sunliApi, 'POST', `/cases/${second.id}/triage`, { action: 'assign', assignee_id: liApi.id });
    const bell = await visible(doctor.page.getByRole('button', { name: bellName(2), exact: true }));
    await expect.poll(async () => (await doctor.page.title()) === titleWith(2 + (await unreadMessages())), { timeout: WAIT }).toBe(true);

    // The panel lists both, newest first, in her language, marked unread.
    await bell.click();
    const panel = await visible(doctor.page.getByRole('dialog', { name: zh['notifications.title'] }));
    const items = panel.getByRole('listitem');
    await visible(items.filter({ hasText: assigned('E2E 通知 夜间阵发性呼吸困难') }));
    const texts = await items.allInnerTexts();
    expect(texts[0]).toContain(assigned('E2E 通知 双下肢水肿2周'));
    expect(texts[1]).toContain(assigned('E2E 通知 夜间阵发性呼吸困难'));
    expect(texts[0]).toContain(zh['notifications.unread']);
    expect(texts[1]).toContain(zh['notifications.unread']);
    await visible(panel.getByRole('button', { name: zh['notifications.desktop.enable'] }));
    await shot(doctor.page, 'notifications.zh-CN');

    // Opening one goes to its case and marks it read.
    await panel.getByRole('button', { name: assigned('E2E 通知 夜间阵发性呼吸困难') }).click();
    await visible(doctor.page.getByRole('heading', { name: 'E2E 通知 夜间阵发性呼吸困难', level: 1 }));
    expect(await doctor.page.evaluate(() => location.hash)).toBe(`#/cases/${first.id}`);
    await visible(doctor.page.getByRole('button', { name: bellName(1), exact: true }));
    expect(await doctor.page.getByRole('dialog', { name: zh['notifications.title'] }).count()).toBe(0);

    // Mark all read: the count goes, on the server too, and the title counts messages only.
    await doctor.page.getByRole('button', { name: bellName(1), exact: true }).click();
    const again = await visible(doctor.page.getByRole('dialog', { name: zh['notifications.title'] }));
    const opened = again.getByRole('listitem').filter({ hasText: assigned('E2E 通知 夜间阵发性呼吸困难') });
    await visible(opened);
    expect(await opened.innerText()).not.toContain(zh['notifications.unread']);
    await again.getByRole('button', { name: zh['notifications.markAllRead'] }).click();
    await visible(doctor.page.getByRole('button', { name: bellName(0), exact: true }));
    await expect.poll(async () => (await doctor.page.title()) === titleWith(await unreadMessages()), { timeout: WAIT }).toBe(true);
    const stillUnread = await call<HistoryPage<unknown>>(liApi, 'GET', '/notifications?unread=true');
    expect(stillUnread.items).toEqual([]);

    // Escape closes the panel; the same notifications read in English.
    await doctor.page.keyboard.press('Escape');
    await doctor.page.getByRole('dialog', { name: zh['notifications.title'] }).waitFor({ state: 'detached', timeout: WAIT });
    await doctor.page.getByRole('combobox', { name: zh['language.label'] }).selectOption('en');
    await (await visible(doctor.page.getByRole('button', { name: en['notifications.bell'], exact: true }))).click();
    const english = await visible(doctor.page.getByRole('dialog', { name: en['notifications.title'] }));
    await visible(english.getByRole('listitem').filter({ hasText: assigned('E2E 通知 双下肢水肿2周', en) }));
  });

  it('an emergency message asks for acknowledgement: the recipient acknowledges, the sender sees who has', async () => {
    const chenApi = await apiLogin('chenming');
    const wangApi = await apiLogin('wangjianguo');
    const direct = await call<ConversationDto>(chenApi, 'POST', `/direct/${wangApi.id}`);
    const text = 'E2E 患者血钾 6.9 mmol/L，心电图T波高尖，请立即处理';

    // A county doctor on a phone-sized screen reports a critical value to the chief expert.
    const chen = await signIn('chenming', { width: 360, height: 740 });
    const wang = await signIn('wangjianguo');
    for (const p of [chen, wang]) {
      await go(p.page, `#/chat/${direct.id}`);
      await visible(p.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true }));
    }

    // He marks it 危急 and asks for acknowledgement, beside the send button.
    await chen.page.getByRole('button', { name: zh['chat.marks.open'] }).click();
    const marks = await visible(chen.page.getByRole('group', { name: zh['chat.marks.open'] }));
    await marks.getByRole('radio', { name: zh['priority.emergency'] }).check();
    await marks.getByRole('checkbox', { name: zh['chat.ackRequired'] }).check();
    await marks.getByRole('button', { name: zh['chat.marks.done'] }).click();
    const summary = await visible(chen.page.getByRole('status').filter({ hasText: zh['chat.marks.summary'] }));
    const composer = chen.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true });
    await composer.fill(text);
    await composer.press('Enter');
    await summary.waitFor({ state: 'detached', timeout: WAIT }); // the marks were for that message only
    await shot(chen.page, 'urgent-compose.zh-CN');

    // The chief expert sees it marked as an emergency, with a button to acknowledge it.
    const received = await visible(wang.page.getByRole('list', { name: zh['chat.messages'] }).getByRole('listitem').filter({ hasText: text }));
    await visible(received.getByText(zh['priority.emergency'], { exact: true }));
    const acknowledge = await visible(received.getByRole('button', { name: zh['chat.ack.button'] }));
    await shot(wang.page, 'urgent-message.zh-CN');
    await acknowledge.click();
    await visible(received.getByText(zh['chat.ack.done'], { exact: true }));
    expect(await received.getByRole('button', { name: zh['chat.ack.button'] }).count()).toBe(0);

    // The sender sees the count live, and who has acknowledged.
    const sent = chen.page.getByRole('list', { name: zh['chat.messages'] }).getByRole('listitem').filter({ hasText: text });
    const count = await visible(sent.getByRole('button', { name: fill(zh['chat.ack.count'], { count: 1 }) }));
    await visible(sent.getByText(zh['priority.emergency'], { exact: true }));
    await count.click();
    const acked = await visible(sent.getByRole('list', { name: fill(zh['chat.ack.ackedList'], { count: 1 }) }));
    await visible(acked.getByText('王建国'));
    await visible(sent.getByText(zh['chat.ack.everyone']));
    expect(await sent.getByRole('list', { name: fill(zh['chat.ack.pendingList'], { count: 1 }) }).count()).toBe(0);

    // After a reload the chief expert is not asked again.
    await wang.page.reload();
    await visible(wang.page.getByRole('status').filter({ hasText: zh['connection.connected'] }));
    const again = await visible(wang.page.getByRole('list', { name: zh['chat.messages'] }).getByRole('listitem').filter({ hasText: text }));
    await visible(again.getByText(zh['chat.ack.done'], { exact: true }));
    expect(await again.getByRole('button', { name: zh['chat.ack.button'] }).count()).toBe(0);
  });

  it('marks an intake whose triage deadline has passed as overdue on the triage board', async () => {
    // A server whose deadline minute is 50 ms: an emergency intake's 10-minute triage deadline passes after 0.5 s.
    const fast = await serverOnSameDatabase(databaseUrl, { DEADLINE_MINUTE_MS: '50' });
    try {
      const sunliApi = await apiLogin('sunli');
      const cardiology = await teamId(sunliApi, CARDIOLOGY);
      const title = 'E2E 超时 突发剧烈胸痛伴大汗';
      const sunli = await signIn('sunli', { url: fast.url });
      const liufang = await signIn('liufang', { url: fast.url });
      await go(sunli.page, `#/triage/${cardiology}`);
      await visible(sunli.page.getByRole('heading', { name: new RegExp(zh['triage.title']), level: 1 }));

      // A township doctor submits an emergency intake.
      await go(liufang.page, '#/intake');
      await selectOptionContaining(liufang.page.getByRole('combobox', { name: zh['intake.team'], exact: true }), CARDIOLOGY);
      await liufang.page.getByRole('textbox', { name: zh['case.patientName'], exact: true }).fill('韩德胜');
      await liufang.page.getByRole('textbox', { name: zh['case.title'], exact: true }).fill(title);
      await liufang.page.getByRole('combobox', { name: zh['case.priority'], exact: true }).selectOption({ label: zh['priority.emergency'] });
      await liufang.page.getByRole('button', { name: zh['intake.submit'] }).click();
      await visible(liufang.page.getByRole('heading', { name: zh['intake.done'] }));

      // On the board it turns overdue by itself, in words.
      const card = await visible(sunli.page.getByRole('listitem', { name: title }));
      await visible(card.getByText(zh['deadline.overdue']));
      await shot(sunli.page, 'triage-overdue.zh-CN');

      // In English too.
      await sunli.page.getByRole('combobox', { name: zh['language.label'] }).selectOption('en');
      await visible(sunli.page.getByRole('listitem', { name: title }).getByText(en['deadline.overdue']));
    } finally {
      await fast.stop();
    }
  });

  it("a chief expert changes the team's deadlines: invalid minutes are refused in words, a valid change is saved", async () => {
    const wangApi = await apiLogin('wangjianguo');
    const cardiology = await teamId(wangApi, CARDIOLOGY);
    const before = await call<TeamSettings>(wangApi, 'GET', `/teams/${cardiology}/settings`);
    try {
      const wang = await signIn('wangjianguo');
      await go(wang.page, `#/admin/teams/${cardiology}`);
      const form = await visible(wang.page.getByRole('form', { name: zh['settings.title'] }));
      const triage = form.getByRole('group', { name: zh['settings.triage'] });
      const emergency = triage.getByRole('spinbutton', { name: fill(zh['settings.minutes'], { priority: zh['priority.emergency'] }) });
      await expect.poll(() => emergency.inputValue(), { timeout: WAIT }).toBe(String(before.triage_minutes.emergency));
      const save = form.getByRole('button', { name: zh['common.save'] });

      await emergency.fill('0');
      await save.click();
      await visible(form.getByRole('alert').filter({ hasText: zh['settings.invalid'] }));

      await emergency.fill('15');
      await save.click();
      await visible(form.getByRole('status').filter({ hasText: zh['settings.saved'] }));
      await shot(wang.page, 'deadline-settings.zh-CN');
      const after = await call<TeamSettings>(wangApi, 'GET', `/teams/${cardiology}/settings`);
      expect(after).toEqual({ ...before, triage_minutes: { ...before.triage_minutes, emergency: 15 } });
    } finally {
      await call(wangApi, 'PATCH', `/teams/${cardiology}/settings`, { triage_minutes: before.triage_minutes });
    }
  });

  it('a doctor lands on My work (an assigned case, a message to acknowledge); going off duty with a forward shows to a colleague', async () => {
    const chenApi = await apiLogin('chenming');
    const sunliApi = await apiLogin('sunli');
    const liApi = await apiLogin('lixiaohong');
    const wangApi = await apiLogin('wangjianguo');
    const cardiology = await teamId(chenApi, CARDIOLOGY);
    const title = `E2E 我的工作 胸闷气短 ${Date.now()}`;
    const created = await intake(chenApi, cardiology, title, '韩桂兰');
    await call<CaseDto>(sunliApi, 'POST', `/cases/${created.id}/triage`, { action: 'assign', assignee_id: liApi.id });
    const direct = await call<ConversationDto>(wangApi, 'POST', `/direct/${liApi.id}`);
    const body = `E2E 请确认：明早8点复查肌钙蛋白 ${Date.now()}`;
    await call<MessageDto>(wangApi, 'POST', `/conversations/${direct.id}/messages`, {
      client_msg_id: crypto.randomUUID(),
      body,
      priority: 'urgent',
      ack_required: true,
    });

    try {
      // She signs in and lands on 我的工作: the case assigned to her and the message awaiting her acknowledgement.
      const li = await signIn('lixiaohong');
      await visible(li.page.getByRole('heading', { name: zh['work.title'], level: 1 }));
      const assignedSection = li.page.getByRole('region', { name: zh['work.assigned'] });
      await visible(assignedSection.getByRole('link', { name: title }));
      const ackSection = li.page.getByRole('region', { name: zh['work.unacknowledged'] });
      await visible(ackSection.getByRole('link', { name: body }));
      await shot(li.page, 'my-work.zh-CN');

      // The case opens from there.
      await assignedSection.getByRole('link', { name: title }).click();
      await visible(li.page.getByRole('heading', { name: title }));

      // 王建国 watches his people directory; 李晓红 goes off duty and forwards to him.
      const wang = await signIn('wangjianguo');
      await go(wang.page, '#/people');
      await wang.page.getByLabel(zh['people.search']).fill('李晓红');
      const person = wang.page.getByRole('listitem').filter({ hasText: '李晓红' }).first();
      await visible(person);

      await li.page.getByRole('button', { name: fill(zh['duty.current'], { status: zh['duty.on_duty'] }) }).click();
      const form = await visible(li.page.getByRole('form', { name: zh['duty.label'] }));
      await form.getByRole('radio', { name: zh['duty.off_duty'] }).check();
      await form.getByLabel(zh['duty.forwardTo']).fill('王建国');
      await (await visible(form.getByRole('button', { name: /王建国/ }))).first().click();
      await form.getByRole('button', { name: zh['common.save'], exact: true }).click();
      await visible(li.page.getByRole('button', { name: fill(zh['duty.current'], { status: zh['duty.off_duty'] }) }));

      // He sees it beside her presence, live.
      await visible(person.getByText(zh['duty.off_duty'], { exact: true }));
    } finally {
      await call(liApi, 'PUT', '/me/status', { status: 'on_duty' });
    }
  });

  it('case materials: a photo (pasted), a PDF (button) and a CT (dropped) are sent, seen live and viewed by a colleague, and listed on the case', async () => {
    const wangApi = await apiLogin('wangjianguo');
    const cardiology = await teamId(wangApi, CARDIOLOGY);
    const title = `E2E 资料 糖尿病足溃疡 ${Date.now()}`;
    const kase = await call<CaseDto>(wangApi, 'POST', `/teams/${cardiology}/cases`, {
      patient: { name: '孟秀珍', sex: 'female' },
      title,
      priority: 'urgent',
    });

    // 王建国 at his desk; 李晓红, a team member, on a phone-sized screen; both in the case's discussion.
    const wang = await signIn('wangjianguo');
    const li = await signIn('lixiaohong', { width: 360, height: 740 });
    for (const p of [wang, li]) {
      await go(p.page, `#/chat/${kase.conversation_id}`);
      await visible(p.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true }));
    }
    const composer = wang.page.getByRole('textbox', { name: zh['chat.messageLabel'], exact: true });
    const pending = wang.page.getByRole('list', { name: zh['attach.pending'] });
    const chip = (name: string) => pending.getByRole('listitem').filter({ hasText: name });
    const send = wang.page.getByRole('button', { name: zh['chat.send'], exact: true });

    // A wound photo pasted from the clipboard uploads at once.
    await composer.evaluate((el, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'wound.png', { type: 'image/png' }));
      el.focus();
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, readFileSync(path.join(fixtures, 'wound.png')).toString('base64'));
    await visible(chip('wound.png').getByText(zh['attach.uploaded']));

    // A lab report through the paperclip: its progress shows, and Send waits for it.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const uploads = '**/api/v1/conversations/*/attachments';
    await wang.page.route(uploads, async (route) => {
      await held;
      await route.continue();
    });
    const chooser = wang.page.waitForEvent('filechooser');
    await wang.page.getByRole('button', { name: zh['attach.button'], exact: true }).click();
    await (await chooser).setFiles(path.join(fixtures, 'lab-report.pdf'));
    const progress = await visible(wang.page.getByRole('progressbar', { name: fill(zh['attach.uploading'], { name: 'lab-report.pdf' }) }));
    const now = Number(await progress.getAttribute('aria-valuenow'));
    expect(now).toBeGreaterThanOrEqual(0);
    expect(now).toBeLessThanOrEqual(100);
    expect(await send.isDisabled()).toBe(true);
    release();
    await visible(chip('lab-report.pdf').getByText(zh['attach.uploaded']));
    await wang.page.unroute(uploads);

    // A CT slice dragged from the desktop onto the conversation.
    const dropped = await wang.page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'ct-small.dcm', { type: 'application/dicom' }));
      return data;
    }, readFileSync(path.join(fixtures, 'ct-small.dcm')).toString('base64'));
    const conversation = wang.page.locator('section.conversation');
    await conversation.dispatchEvent('dragenter', { dataTransfer: dropped });
    await conversation.dispatchEvent('dragover', { dataTransfer: dropped });
    await conversation.dispatchEvent('drop', { dataTransfer: dropped });
    await visible(chip('ct-small.dcm').getByText(zh['attach.uploaded']));
    await shot(wang.page, 'attachments-compose.zh-CN');

    // Sent with no text: the files are the message.
    await send.click();
    await pending.waitFor({ state: 'detached', timeout: WAIT });

    // 李晓红 sees them arrive: the photo and the CT as thumbnails (the CT with its modality and study), the PDF as a card.
    const photo = await visible(li.page.getByRole('button', { name: fill(zh['attach.open'], { name: 'wound.png' }) }));
    const photoImg = photo.getByAltText('wound.png');
    await expect.poll(() => photoImg.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: WAIT }).toBe(true);
    const ct = await visible(li.page.getByRole('button', { name: fill(zh['attach.open'], { name: 'ct-small.dcm' }) }));
    await visible(ct.getByText('CT · 胸部CT平扫'));
    await visible(li.page.getByRole('button', { name: fill(zh['attach.open'], { name: 'lab-report.pdf' }) }));
    const download = await visible(li.page.getByRole('link', { name: fill(zh['attach.downloadName'], { name: 'lab-report.pdf' }) }));
    expect(await download.getAttribute('download')).toBe('lab-report.pdf');
    expect(await li.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // She opens the photo: a dialog named by the file, with the picture; zoom in, then Escape.
    await photo.click();
    const viewer = await visible(li.page.getByRole('dialog', { name: 'wound.png' }));
    const big = await visible(viewer.getByRole('img', { name: 'wound.png' }));
    await expect.poll(() => big.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: WAIT }).toBe(true);
    await viewer.getByRole('button', { name: zh['viewer.zoomIn'] }).click();
    await visible(viewer.getByText('125%', { exact: true }));
    await shot(li.page, 'attachment-viewer.zh-CN');
    await li.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached', timeout: WAIT });

    // The case's Materials tab lists all three, with who sent them; one opens in the viewer there too.
    await go(li.page, `#/cases/${kase.id}`);
    await visible(li.page.getByRole('heading', { name: title, level: 1 }));
    await li.page.getByRole('tab', { name: zh['case.tab.materials'] }).click();
    const materials = await visible(li.page.getByRole('list', { name: zh['materials.list'] }));
    for (const name of ['wound.png', 'lab-report.pdf', 'ct-small.dcm']) await visible(materials.getByRole('listitem').filter({ hasText: name }));
    expect(await materials.getByRole('listitem').count()).toBe(3);
    await visible(materials.getByText(fill(zh['materials.uploadedBy'], { name: '王建国' })).first());
    await shot(li.page, 'case-materials.zh-CN');
    await materials.getByRole('button', { name: fill(zh['attach.open'], { name: 'ct-small.dcm' }) }).click();
    const ctViewer = await visible(li.page.getByRole('dialog', { name: 'ct-small.dcm' }));
    await visible(ctViewer.getByText('胸部CT平扫'));
    await ctViewer.getByRole('button', { name: zh['viewer.close'] }).click();
    await ctViewer.waitFor({ state: 'detached', timeout: WAIT });

    // A program is refused (415), in words that name it; removing it clears the message.
    const chooser2 = wang.page.waitForEvent('filechooser');
    await wang.page.getByRole('button', { name: zh['attach.button'], exact: true }).click();
    await (await chooser2).setFiles(path.join(fixtures, 'program.exe'));
    const refused = await visible(wang.page.getByRole('alert').filter({ hasText: fill(zh['attach.error.unsupported'], { name: 'program.exe' }) }));
    expect(await send.isDisabled()).toBe(true);
    await wang.page.getByRole('button', { name: fill(zh['attach.remove'], { name: 'program.exe' }) }).click();
    await refused.waitFor({ state: 'detached', timeout: WAIT });
  });
});
