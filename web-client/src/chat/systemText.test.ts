// Timeline entries read as sentences in the reader's language, naming who took the step.
import { describe, expect, it } from 'vitest';
import type { SystemEvent } from '../api/types';
import { translate, type Locale, type Translate } from '../i18n';
import { systemText } from './systemText';

const tr = (locale: Locale): Translate => ((key: Parameters<Translate>[0], ...args: [never]) => translate(locale, key, ...args)) as Translate;
const say = (event: SystemEvent | undefined, locale: Locale = 'zh-CN') => systemText(event, '张医生', tr(locale), locale);

describe('timeline sentences', () => {
  it('a triage assignment, in both languages', () => {
    const event: SystemEvent = { event: 'case_assigned', assignee_id: 'u-wang', assignee_name: '王建国' };
    expect(say(event, 'en').sentence).toBe('张医生 assigned the case to 王建国');
    expect(say(event, 'zh-CN').sentence).toBe('张医生 将病例分配给 王建国');
    expect(say(event).details).toEqual([]);
  });

  it('a consult request names the consultants, its urgency and the question', () => {
    const event: SystemEvent = { event: 'consult_requested', question: '是否需要调整胰岛素？', consultant_names: ['刘淑芬', '郭燕'], urgency: 'urgent' };
    expect(say(event).sentence).toBe('张医生 邀请 刘淑芬和郭燕 会诊（紧急）');
    expect(say(event, 'en').sentence).toBe('张医生 requested a consult from 刘淑芬 and 郭燕 (Urgent)');
    expect(say(event).details).toEqual([{ label: '会诊问题', value: '是否需要调整胰岛素？' }]);
  });

  it('a consult opinion shows the assessment and the recommendation', () => {
    const event: SystemEvent = { event: 'consult_completed', assessment: '2型糖尿病，低血糖可能参与晕厥。', recommendation: '动态血糖监测3天。' };
    const text = say(event);
    expect(text.sentence).toBe('张医生 提交了会诊意见');
    expect(text.details).toEqual([
      { label: '诊断意见', value: '2型糖尿病，低血糖可能参与晕厥。' },
      { label: '处理建议', value: '动态血糖监测3天。' },
    ]);
    expect(say(event, 'en').details.map((d) => d.label)).toEqual(['Assessment', 'Recommendation']);
  });

  it('a referral accepted with an appointment shows its time; without names it still reads', () => {
    const event: SystemEvent = { event: 'referral_accepted', assignee_name: '李晓红', appointment_at: '2026-12-01T01:30:00Z' };
    const text = say(event);
    expect(text.sentence).toBe('张医生 接收了转诊，由 李晓红 接诊');
    expect(text.details[0]?.label).toBe('预约时间');
    expect(text.details[0]?.value).toMatch(/2026/);
    expect(say({ event: 'referral_accepted' }, 'en')).toMatchObject({ sentence: '张医生 accepted the referral', details: [] });
  });

  it('reasons, outcomes and directions', () => {
    expect(say({ event: 'case_declined', reason: '非心血管问题' })).toMatchObject({ sentence: '张医生 拒收了该病例', details: [{ label: '原因', value: '非心血管问题' }] });
    expect(say({ event: 'referral_created', direction: 'up', to_team_name: '心内科', reason: '胸痛待排' }, 'en').sentence).toBe(
      '张医生 referred the patient up to 心内科',
    );
    expect(say({ event: 'referral_created', direction: 'down', to_team_name: '社区', reason: '随访' }).sentence).toBe('张医生 将患者下转至 社区');
    expect(say({ event: 'referral_completed', outcome: '冠脉造影未见狭窄' }).details).toEqual([{ label: '转诊结果', value: '冠脉造影未见狭窄' }]);
    expect(say({ event: 'case_status_changed', status: 'closed' }, 'en').sentence).toBe('张医生 set the case status to Closed');
    expect(say({ event: 'case_transferred', team_name: '内分泌科' }).details).toEqual([]);
  });

  it('a video call started and ended: who started it; how long, and who took part', () => {
    const started: SystemEvent = { event: 'call_started', call_id: 'call-1', started_by_name: '王建国' };
    expect(say(started, 'en').sentence).toBe('王建国 started a video call');
    expect(say(started).sentence).toBe('王建国 发起了视频会诊');
    const ended: SystemEvent = { event: 'call_ended', call_id: 'call-1', duration_secs: 192, participant_names: ['王建国', '李明'] };
    expect(say(ended, 'en').sentence).toBe('Video call ended · 3:12 · 王建国, 李明');
    expect(say(ended).sentence).toBe('视频会诊结束 · 3:12 · 王建国、李明');
    expect(say({ ...ended, duration_secs: 3723 }).sentence).toBe('视频会诊结束 · 1:02:03 · 王建国、李明');
    expect(say({ ...ended, duration_secs: 40, participant_names: [] }, 'en').sentence).toBe('Video call ended · 0:40');
  });

  it('a break-glass opening names who, until when (read-only), and the stated reason', () => {
    const opened: SystemEvent = { event: 'break_glass', user_name: '赵强', reason: '急诊胸痛，需查看既往心电图', expires_at: '2026-12-05T03:00:00Z' };
    const en = say(opened, 'en');
    expect(en.sentence).toMatch(/^赵强 opened this case with emergency \(break-glass\) access, read-only until /);
    expect(en.details).toEqual([{ label: 'Reason', value: '急诊胸痛，需查看既往心电图' }]);
    expect(say(opened).sentence).toMatch(/^赵强 以紧急访问（破窗）方式打开了此病例，只读至 /);
  });

  it('an entry this client does not know still says who did something', () => {
    expect(say(undefined).sentence).toBe('张医生 更新了流程');
    expect(say({ event: 'call_transferred' } as unknown as SystemEvent, 'en').sentence).toBe('张医生 updated this thread');
  });
});
