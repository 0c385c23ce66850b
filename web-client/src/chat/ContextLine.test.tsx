// @vitest-environment jsdom
// What tells threads apart, as the sidebar and the header show it, in Chinese
// and English: patient · sex · age, an urgency badge only when urgent, the
// status, and the consult question or the referral direction and team.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationContext } from '../api/types';
import { setLocale } from '../i18n';
import { ContextLine } from './ContextLine';
import { truncate } from './conversationContext';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

let container: HTMLElement;
let root: Root;

beforeEach(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const CASE: ConversationContext = {
  patient: { name: '赵建华', sex: 'male', age: 64 },
  priority: 'urgent',
  status: 'open',
  team_name: '王建国心血管专家团队',
  case_title: '胸痛3天，心电图ST段抬高待查',
};

function line(context: ConversationContext, variant: 'sidebar' | 'header' = 'sidebar'): HTMLElement {
  act(() => root.render(<ContextLine context={context} variant={variant} />));
  return container.querySelector<HTMLElement>('[data-testid="conversation-context"]')!;
}

const parts = (el: HTMLElement) => [...el.children].map((c) => c.textContent);

describe('the context line', () => {
  it('shows a case thread\'s patient, urgency and status in Chinese', () => {
    act(() => setLocale('zh-CN'));
    expect(parts(line(CASE))).toEqual(['赵建华 · 男 · 64岁', '紧急', '进行中']);
  });

  it('and in English', () => {
    act(() => setLocale('en'));
    expect(parts(line(CASE))).toEqual(['赵建华 · Male · 64 y', 'Urgent', 'Open']);
  });

  it('has no badge for a routine case and leaves out what is unknown', () => {
    act(() => setLocale('zh-CN'));
    const routine: ConversationContext = { ...CASE, priority: 'routine', status: 'triage', patient: { name: '钱桂兰', sex: 'unknown' } };
    expect(parts(line(routine))).toEqual(['钱桂兰', '待分诊']);
  });

  it('tells a consult thread by its question, cut short in the sidebar with the whole question as its title', () => {
    act(() => setLocale('zh-CN'));
    const question = '患者2型糖尿病5年，围手术期血糖如何管理？二甲双胍是否需要停用？';
    const consult: ConversationContext = { ...CASE, consult_question: question, consult_status: 'accepted' };
    const el = line(consult);
    expect(parts(el)).toEqual(['赵建华 · 男 · 64岁', '紧急', '已接受', `会诊问题：${truncate(question, 24)}`]);
    expect(el.querySelector('[title]')!.getAttribute('title')).toBe(question);
    act(() => setLocale('en'));
    expect(parts(line(consult))[3]).toBe(`Question: ${truncate(question, 24)}`);
  });

  it('tells a referral thread by its direction and the other team', () => {
    act(() => setLocale('zh-CN'));
    const referral: ConversationContext = {
      ...CASE,
      priority: 'emergency',
      referral_direction: 'up',
      referral_status: 'pending',
      other_team_name: '王建国心血管专家团队',
    };
    expect(parts(line(referral))).toEqual(['赵建华 · 男 · 64岁', '危急', '待处理', '↑ 上转 · 王建国心血管专家团队']);
    act(() => setLocale('en'));
    expect(parts(line({ ...referral, referral_direction: 'down' }))).toEqual(['赵建华 · Male · 64 y', 'Emergency', 'Pending', '↓ Referred down · 王建国心血管专家团队']);
  });

  it('adds the team in the conversation header', () => {
    act(() => setLocale('zh-CN'));
    expect(parts(line(CASE, 'header'))).toEqual(['赵建华 · 男 · 64岁', '紧急', '进行中', '王建国心血管专家团队']);
  });
});

describe('truncate', () => {
  it('counts characters, not UTF-16 units, and marks a cut', () => {
    expect(truncate('短问题', 10)).toBe('短问题');
    expect(truncate('一二三四五', 3)).toBe('一二三…');
    expect(truncate('🚑🚑🚑', 2)).toBe('🚑🚑…');
    expect(truncate('  a \n b  ', 10)).toBe('a b');
  });
});
