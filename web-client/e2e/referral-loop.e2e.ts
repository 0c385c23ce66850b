// End-to-end, SPEC §10: the referral loop with the seeded people. The
// cardiology team's assistant publishes a slot (号源) reserved for referrals;
// a grassroots doctor of the endocrinology team refers a patient up with the
// structured form (病历摘要, an ICD-10 coded diagnosis, 转诊目的, 注意事项) and
// books that slot; the assistant sees who is coming and how urgently, and
// accepts; the expert refers the patient back down with a follow-up plan and
// a follow-up item for the grassroots doctor, who records its result from My
// work; the expert sees the result on the case, live, and is notified. An
// ill-formed ICD-10 code is named at its field and nothing is sent.
// Real server and Chromium (see helpers.ts); every wait is on visible state.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { CaseDto, ReferralDto, SlotDto } from '../src/api/types';
import { zhCN as zh } from '../src/i18n/zh-CN';
import { addDays, localInputValue } from '../src/slots/week';
import { ageFrom } from '../src/ui/format';
import { apiLogin, call, CARDIOLOGY, ENDOCRINOLOGY, fill, go, selectOptionContaining, teamId, useBrowser, visible, WAIT } from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.resolve(here, '../e2e-output/screenshots');
mkdirSync(shots, { recursive: true });

const { signIn } = useBrowser();

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** "09:35" as the app shows a clock (zh-CN, 24 hours). */
function clock(date: Date): string {
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** Tomorrow (local) at a time between 07:00 and 17:55 that no other run of this file shares, on the 5-minute grid. */
function slotTime(): Date {
  const tomorrow = addDays(new Date(new Date().setHours(0, 0, 0, 0)), 1);
  const minutes = 7 * 60 + 5 * Math.floor(Math.random() * 132);
  return new Date(tomorrow.getTime() + minutes * 60_000);
}

describe('the referral loop (SPEC §10)', () => {
  it('slot → referral up with a structured form → accepted → referred down with a follow-up → result recorded and seen by the expert', async () => {
    const stamp = Date.now().toString(36);
    const yangfanApi = await apiLogin('yangfan');
    const liApi = await apiLogin('lixiaohong');
    const cardiology = await teamId(yangfanApi, CARDIOLOGY);
    const endocrinology = await teamId(yangfanApi, ENDOCRINOLOGY);

    // The grassroots doctor's case (set up over REST): an urgent patient with a summary.
    const patient = '钟秀英';
    const birth = '1958-04-03';
    const title = `E2E 阵发性心悸伴胸闷 ${stamp}`;
    const summary = `患者女，${ageFrom(birth)}岁。阵发性心悸2周，发作时心率140次/分。心电图：心房颤动。既往2型糖尿病8年。`;
    const kase = await call<CaseDto>(yangfanApi, 'POST', `/teams/${endocrinology}/cases`, {
      patient: { name: patient, sex: 'female', birth_date: birth },
      title,
      summary,
      priority: 'urgent',
    });

    // 1. 孙丽, an assistant of the cardiology team, publishes a slot for 李晓红, reserved for referrals, in the week view.
    const sunli = await signIn('sunli');
    const sunliNav = sunli.page.getByRole('navigation', { name: zh['nav.label'] });
    await sunliNav.getByRole('link', { name: zh['nav.slots'], exact: true }).click();
    await visible(sunli.page.getByRole('heading', { name: zh['slots.title'], level: 1 }));
    const publish = sunli.page.getByRole('form', { name: zh['slots.publish'] });
    await selectOptionContaining(publish.getByLabel(zh['slots.doctor']), '李晓红');
    const start = slotTime();
    await publish.getByLabel(zh['slots.startsAt']).fill(localInputValue(start));
    await publish.getByLabel(zh['slots.durationLabel']).fill('30');
    await publish.getByLabel(zh['slots.capacity']).fill('2');
    await publish.getByLabel(zh['slots.reservedLabel']).check();
    await publish.getByRole('button', { name: zh['slots.publish'] }).click();
    const slotCard = await visible(sunli.page.locator('.slot', { hasText: clock(start) }).filter({ hasText: '李晓红' }));
    await visible(slotCard.getByText(zh['slots.reserved']));
    await visible(slotCard.getByText(fill(zh['slots.booked'], { booked: 0, capacity: 2 })));
    await visible(slotCard.getByText(fill(zh['slots.duration'], { minutes: 30 })));
    await shot(sunli.page, 'slots-week.zh-CN');
    const [published] = (await call<SlotDto[]>(liApi, 'GET', `/teams/${cardiology}/slots?from=${encodeURIComponent(start.toISOString())}&to=${encodeURIComponent(new Date(start.getTime() + 60_000).toISOString())}`)).filter(
      (s) => s.reserved_for_referrals,
    );
    expect(Date.parse(published?.starts_at ?? '')).toBe(start.getTime());

    // 2. 杨帆 refers the case up on the structured form.
    const yangfan = await signIn('yangfan');
    await go(yangfan.page, `#/cases/${kase.id}`);
    await visible(yangfan.page.getByRole('heading', { name: title, level: 1 }));
    await yangfan.page.getByRole('button', { name: zh['referral.refer'] }).click();
    const form = await visible(yangfan.page.getByRole('form', { name: zh['referral.refer'] }));
    await selectOptionContaining(form.getByLabel(zh['referral.toTeam']), CARDIOLOGY);
    await form.getByRole('radio', { name: zh['referral.up'] }).check();
    // The follow-up plan goes only with a patient sent down.
    expect(await form.getByLabel(zh['referral.followUpPlan']).count()).toBe(0);
    await form.getByLabel(zh['referral.reason'], { exact: true }).fill('E2E 阵发性房颤，心室率快，请心内科评估。');
    // The summary comes from the case.
    expect(await form.getByLabel(zh['forms.summary'], { exact: true }).inputValue()).toBe(summary);
    const diagnosis = form.getByRole('group', { name: fill(zh['forms.diagnosisRow'], { n: 1 }) });
    await diagnosis.getByLabel(zh['forms.diagnosisText'], { exact: true }).fill('阵发性心房颤动');
    await form.getByLabel(zh['referral.purpose'], { exact: true }).fill('评估射频消融指征，调整抗凝方案');
    await form.getByLabel(zh['referral.precautions'], { exact: true }).fill('已口服华法林，INR 2.3；糖尿病饮食');

    // An ill-formed ICD-10 code is named at its field, and nothing is sent.
    // It shows as the field is left, and sending is refused with a word on the form.
    await diagnosis.getByLabel(zh['forms.diagnosisCode'], { exact: true }).fill('I4');
    await diagnosis.getByLabel(zh['forms.diagnosisCode'], { exact: true }).press('Tab');
    await visible(diagnosis.getByText(zh['error.reason.invalid_icd10_code']));
    await form.getByRole('button', { name: zh['referral.send'] }).click();
    await visible(form.getByText(zh['forms.fixMarked']));
    expect(await diagnosis.getByLabel(zh['forms.diagnosisCode'], { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await call<ReferralDto[]>(yangfanApi, 'GET', `/cases/${kase.id}/referrals`)).toEqual([]);

    // Corrected (typed in lower case, sent upper case), with the reserved slot booked.
    await diagnosis.getByLabel(zh['forms.diagnosisCode'], { exact: true }).fill('i48.0');
    await diagnosis.getByText(zh['error.reason.invalid_icd10_code']).waitFor({ state: 'detached', timeout: WAIT });
    const slotOption = form.getByRole('radio', { name: new RegExp(`${clock(start)}.*李晓红.*${zh['slots.reserved']}`) });
    await visible(slotOption);
    await slotOption.check();
    await shot(yangfan.page, 'referral-form.zh-CN');
    await form.getByRole('button', { name: zh['referral.send'] }).click();
    const sent = await visible(yangfan.page.locator('.referral', { hasText: 'E2E 阵发性房颤，心室率快' }));
    await visible(sent.locator('.badge--status', { hasText: zh['status.pending'] }));
    await visible(sent.getByText('I48.0 阵发性心房颤动'));
    await visible(sent.getByText(zh['referral.viaSlot']));
    const [referral] = await call<ReferralDto[]>(yangfanApi, 'GET', `/cases/${kase.id}/referrals`);
    expect(referral?.slot_id).toBe(published?.id);
    expect(referral?.diagnoses).toEqual([{ code: 'I48.0', text: '阵发性心房颤动' }]);

    // The booking shows in the week view.
    await visible(slotCard.getByText(fill(zh['slots.booked'], { booked: 1, capacity: 2 })));

    // 3. The assistant sees who is coming and how urgently in the incoming inbox, and accepts for 李晓红, keeping the slot.
    await sunliNav.getByRole('link', { name: zh['nav.referrals'], exact: true }).click();
    await visible(sunli.page.getByRole('tab', { name: zh['box.incoming'] }));
    const incoming = await visible(sunli.page.locator('.referral', { hasText: 'E2E 阵发性房颤，心室率快' }));
    await visible(incoming.getByText(patient, { exact: true }));
    await visible(incoming.getByText(fill(zh['case.years'], { age: ageFrom(birth)! }), { exact: false }));
    await visible(incoming.locator('.badge--urgent', { hasText: zh['priority.urgent'] }));
    expect(await incoming.getAttribute('data-priority')).toBe('urgent');
    await visible(incoming.getByText('评估射频消融指征'));
    await visible(incoming.getByText('已口服华法林'));
    await shot(sunli.page, 'referral-inbox.zh-CN');
    await incoming.getByRole('button', { name: zh['referral.accept'], exact: true }).click();
    const keep = incoming.getByRole('radio', { name: zh['slots.pickKeep'].split('（')[0]! });
    await visible(keep);
    expect(await keep.isChecked()).toBe(true);
    await selectOptionContaining(incoming.getByLabel(zh['referral.assignee']), '李晓红');
    await incoming.getByRole('button', { name: zh['referral.confirmAccept'] }).click();
    await visible(incoming.locator('.badge--status', { hasText: zh['status.accepted'] }));
    await visible(sent.locator('.badge--status', { hasText: zh['status.accepted'] }));
    await visible(sent.getByText(zh['referral.appointment']));

    // 4. 李晓红 refers the patient back down with a follow-up plan, then plans a follow-up item for 杨帆.
    const accepted = (await call<ReferralDto[]>(yangfanApi, 'GET', `/cases/${kase.id}/referrals`))[0]!;
    expect(Date.parse(accepted.appointment_at ?? '')).toBe(start.getTime());
    const li = await signIn('lixiaohong');
    await go(li.page, `#/cases/${accepted.target_case_id}`);
    await visible(li.page.getByRole('heading', { name: title, level: 1 }));
    await li.page.getByRole('button', { name: zh['referral.refer'] }).click();
    const down = await visible(li.page.getByRole('form', { name: zh['referral.refer'] }));
    await selectOptionContaining(down.getByLabel(zh['referral.toTeam']), ENDOCRINOLOGY);
    await down.getByRole('radio', { name: zh['referral.down'] }).check();
    await down.getByLabel(zh['referral.reason'], { exact: true }).fill('E2E 已行射频消融，术后恢复好，转回社区继续随访。');
    await down.getByLabel(zh['referral.followUpPlan'], { exact: true }).fill('术后2周复查心电图；继续华法林抗凝，每月复查INR；心悸复发及时上转。');
    await down.getByRole('button', { name: zh['referral.send'] }).click();
    const back = await visible(li.page.locator('.referral', { hasText: 'E2E 已行射频消融' }));
    await visible(back.getByText('术后2周复查心电图'));

    await li.page.getByRole('button', { name: zh['followUp.plan'] }).click();
    const plan = await visible(li.page.getByRole('form', { name: zh['followUp.planForm'] }));
    const item = plan.getByRole('group', { name: fill(zh['followUp.item'], { n: 1 }) });
    await item.getByLabel(zh['followUp.itemTitle'], { exact: true }).fill('复查心电图');
    await item.getByLabel(zh['followUp.instructions'], { exact: true }).fill('术后2周复查，心率>110次/分及时上转');
    const due = addDays(new Date(new Date().setHours(9, 30, 0, 0)), 3);
    await item.getByLabel(zh['followUp.due'], { exact: true }).fill(localInputValue(due));
    await selectOptionContaining(item.getByLabel(zh['followUp.assignee'], { exact: true }), '杨帆');
    await plan.getByRole('button', { name: zh['followUp.save'] }).click();
    const planned = await visible(li.page.locator('.follow-up', { hasText: '复查心电图' }));
    await visible(planned.getByText(zh['followUp.state.open'], { exact: true }));
    await visible(planned.getByText(fill(zh['followUp.assignedTo'], { name: '杨帆' })));
    await visible(planned.locator('.deadline'));

    // 5. 杨帆 finds it in My work and records the result.
    await call(liApi, 'POST', '/notifications/read', { all: true });
    await go(yangfan.page, '#/work');
    const dueSection = yangfan.page.getByRole('region', { name: zh['work.followUps'] });
    const mine = await visible(dueSection.getByRole('group', { name: '复查心电图' }));
    await visible(mine.getByRole('link', { name: new RegExp(patient) }));
    await shot(yangfan.page, 'my-work-follow-ups.zh-CN');
    await mine.getByRole('button', { name: zh['followUp.record'] }).click();
    await mine.getByLabel(zh['followUp.result'], { exact: true }).fill('心率72次/分，窦性心律，无不适');
    await mine.getByRole('button', { name: zh['followUp.recordSubmit'] }).click();
    await dueSection.getByRole('group', { name: '复查心电图' }).waitFor({ state: 'detached', timeout: WAIT });

    // 6. The expert who planned it sees the result on the case, live, and is notified.
    await visible(planned.getByText(zh['followUp.state.done'], { exact: true }));
    await visible(planned.getByText('心率72次/分，窦性心律，无不适'));
    await shot(li.page, 'case-follow-up.zh-CN');
    await go(li.page, '#/work');
    await (await visible(li.page.getByRole('button', { name: /^通知（\d+ 条未读）$/ }))).click();
    const panel = await visible(li.page.getByRole('dialog', { name: zh['notifications.title'] }));
    const note = panel.getByRole('button', { name: fill(zh['notifications.kind.follow_up_completed'], { title: '复查心电图' }) });
    await visible(panel.getByRole('listitem').filter({ hasText: '心率72次/分，窦性心律，无不适' }));
    await (await visible(note)).click();
    await visible(li.page.getByRole('heading', { name: title, level: 1 }));
    await visible(li.page.locator('.follow-up', { hasText: '心率72次/分，窦性心律，无不适' }));
  });
});
