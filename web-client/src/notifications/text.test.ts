import { describe, expect, it } from 'vitest';
import type { NotificationDto, NotificationKind } from '../api/types';
import { translate, type Locale, type Translate } from '../i18n';
import { notificationDetail, notificationRoute, notificationText } from './text';

const tr = (locale: Locale): Translate => ((key, ...args) => translate(locale, key, ...args)) as Translate;

function note(kind: NotificationKind, extra: Partial<NotificationDto> = {}): NotificationDto {
  return {
    id: `n-${kind}`,
    kind,
    title: '胸痛3天',
    body: '孙丽',
    link: {},
    created_at: '2026-12-05T02:00:00Z',
    ...extra,
  };
}

// Every kind, in both languages: title "胸痛3天" (the subject), body "孙丽" (who acted).
const EXPECTED: Record<NotificationKind, { en: string; 'zh-CN': string }> = {
  assigned: { en: 'Case assigned to you: 胸痛3天', 'zh-CN': '分配给您的病例：胸痛3天' },
  mentioned: { en: '孙丽 mentioned you', 'zh-CN': '孙丽 在消息中提到了您' },
  urgent_message: { en: 'Urgent message from 孙丽', 'zh-CN': '孙丽 发来紧急消息' },
  consult_requested: { en: '孙丽 asks for your consult: 胸痛3天', 'zh-CN': '孙丽 邀请您会诊：胸痛3天' },
  consult_answered: { en: '孙丽 answered your consult request: 胸痛3天', 'zh-CN': '孙丽 回复了您的会诊申请：胸痛3天' },
  referral_received: { en: 'Referral received from 孙丽: 胸痛3天', 'zh-CN': '收到 孙丽 的转诊：胸痛3天' },
  referral_updated: { en: '孙丽 updated your referral: 胸痛3天', 'zh-CN': '孙丽 更新了您的转诊：胸痛3天' },
  follow_up_due: { en: 'Follow-up due: 胸痛3天', 'zh-CN': '随访到期：胸痛3天' },
  follow_up_completed: { en: 'Follow-up result recorded: 胸痛3天', 'zh-CN': '随访结果已记录：胸痛3天' },
  escalation: { en: 'Overdue, escalated to you: 胸痛3天', 'zh-CN': '已超时，已上报给您：胸痛3天' },
  call: { en: '孙丽 invites you to a video consult', 'zh-CN': '孙丽 邀请您参加视频会诊' },
  break_glass: { en: "Emergency access to your team's case: 胸痛3天", 'zh-CN': '您团队的病例被紧急访问：胸痛3天' },
};
const KINDS = Object.keys(EXPECTED) as NotificationKind[];

describe('notificationText', () => {
  describe.each(['en', 'zh-CN'] as const)('%s', (locale) => {
    it.each(KINDS)('%s', (kind) => {
      expect(notificationText(note(kind), tr(locale))).toBe(EXPECTED[kind][locale]);
    });
  });

  it('covers all twelve kinds', () => {
    expect(KINDS).toHaveLength(12);
  });

  it('names "someone" when the server sent no name', () => {
    expect(notificationText(note('mentioned', { body: '  ' }), tr('zh-CN'))).toBe('某人 在消息中提到了您');
    expect(notificationText(note('mentioned', { body: '' }), tr('en'))).toBe('Someone mentioned you');
  });

  it('gives a kind from a newer server a generic sentence, not a blank', () => {
    const unknown = { ...note('assigned'), kind: 'something_new' } as unknown as NotificationDto;
    expect(notificationText(unknown, tr('en'))).toBe('New notification: 胸痛3天');
    expect(notificationText(unknown, tr('zh-CN'))).toBe('新通知：胸痛3天');
  });

  it('keeps user text as text (placeholders inside it are not expanded)', () => {
    expect(notificationText(note('assigned', { title: '{body} <b>x</b>' }), tr('en'))).toBe('Case assigned to you: {body} <b>x</b>');
  });
});

describe('notificationDetail', () => {
  it('shows the message excerpt under a mention, an urgent message or a call', () => {
    expect(notificationDetail(note('mentioned', { title: '@lixiaohong 请看一下' }))).toBe('@lixiaohong 请看一下');
    expect(notificationDetail(note('urgent_message'))).toBe('胸痛3天');
    expect(notificationDetail(note('call'))).toBe('胸痛3天');
  });

  it('shows the short detail under a deadline', () => {
    expect(notificationDetail(note('follow_up_due', { body: '赵桂兰' }))).toBe('赵桂兰');
    expect(notificationDetail(note('follow_up_completed', { title: '复查心电图', body: '心率72次/分，无不适' }))).toBe('心率72次/分，无不适');
    expect(notificationDetail(note('escalation', { body: '' }))).toBeUndefined();
  });

  it('adds nothing when the sentence says it all', () => {
    for (const kind of ['assigned', 'consult_requested', 'consult_answered', 'referral_received', 'referral_updated'] as const) {
      expect(notificationDetail(note(kind)), kind).toBeUndefined();
    }
  });
});

describe('notificationRoute', () => {
  const link = { conversation_id: 'conv-1', seq: 12, case_id: 'case-1', consult_id: 'consult-1', referral_id: 'ref-1' };

  it('a mention opens its conversation at the message', () => {
    expect(notificationRoute(note('mentioned', { link: { conversation_id: 'conv-1', seq: 12 } }))).toEqual({ name: 'chat', conversationId: 'conv-1', seq: 12 });
    expect(notificationRoute(note('urgent_message', { link: { conversation_id: 'conv-1' } }))).toEqual({ name: 'chat', conversationId: 'conv-1' });
  });

  it('a video call opens its conversation (where "Join call" is), even in a case thread', () => {
    expect(notificationRoute(note('call', { link: { conversation_id: 'conv-case', call_id: 'call-1', case_id: 'case-1' } }))).toEqual({
      name: 'chat',
      conversationId: 'conv-case',
    });
  });

  it('an assignment, a consult or a referral opens the case page', () => {
    for (const kind of ['assigned', 'consult_requested', 'consult_answered', 'referral_received', 'referral_updated', 'escalation', 'follow_up_due', 'follow_up_completed'] as const) {
      expect(notificationRoute(note(kind, { link })), kind).toEqual({ name: 'case', caseId: 'case-1' });
    }
  });

  it('falls back to the consults box, the referrals box, then the conversation', () => {
    expect(notificationRoute(note('consult_requested', { link: { consult_id: 'c', conversation_id: 'x' } }))).toEqual({ name: 'consults' });
    expect(notificationRoute(note('referral_received', { link: { referral_id: 'r', conversation_id: 'x' } }))).toEqual({ name: 'referrals' });
    expect(notificationRoute(note('assigned', { link: { conversation_id: 'x', seq: 3 } }))).toEqual({ name: 'chat', conversationId: 'x', seq: 3 });
  });

  it('goes nowhere when the link names nothing', () => {
    expect(notificationRoute(note('escalation', { link: {} }))).toBeNull();
  });
});
