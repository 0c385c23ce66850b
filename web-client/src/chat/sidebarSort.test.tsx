// @vitest-environment jsdom
// The sidebar's order: recent activity by default, unread first, or by name
// (pinyin order in Chinese); the choice is remembered, and the control is
// named and worded in the reader's language.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import type { ConversationDto } from '../api/types';
import { setLocale } from '../i18n';
import type { ConversationState } from '../realtime/store';
import { compareConversations, readSidebarSort, saveSidebarSort, SIDEBAR_SORT_KEY } from './sidebarSort';
import { SortControl } from './SortControl';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

function conv(title: string, minutesAgo: number, unread = 0): ConversationState {
  const info: ConversationDto = {
    id: title,
    kind: 'case',
    title,
    last_seq: 5,
    last_read_seq: 5 - unread,
    unread,
    last_message: {
      id: `m-${title}`,
      conversation_id: title,
      seq: 5,
      sender_id: 'u',
      client_msg_id: 'c',
      body: 'x',
      mentions: [],
      created_at: new Date(Date.parse('2026-12-05T12:00:00Z') - minutesAgo * 60_000).toISOString(),
      recalled: false,
      priority: 'normal',
      ack_required: false,
      ack_count: 0,
      attachments: [],
    } as unknown as NonNullable<ConversationDto['last_message']>,
  };
  return { info, messages: [], cursor: 5, pending: [], typing: {}, readBy: {}, acks: {}, ackedByMe: {} } as unknown as ConversationState;
}

const list = [conv('张三 胸痛', 30), conv('糖尿病足', 5), conv('阿司匹林过敏', 60, 2), conv('心悸', 10, 1)];
const order = (sort: 'recent' | 'unread' | 'name', locale: 'zh-CN' | 'en' = 'zh-CN') =>
  [...list].sort(compareConversations(sort, locale)).map((c) => c.info.title);

describe('compareConversations', () => {
  it('orders by recent activity', () => {
    expect(order('recent')).toEqual(['糖尿病足', '心悸', '张三 胸痛', '阿司匹林过敏']);
  });
  it('puts unread ones first, each group by recent activity', () => {
    expect(order('unread')).toEqual(['心悸', '阿司匹林过敏', '糖尿病足', '张三 胸痛']);
  });
  it('orders by name, in pinyin order for Chinese', () => {
    expect(order('name')).toEqual(['阿司匹林过敏', '糖尿病足', '心悸', '张三 胸痛']);
  });
});

describe('the remembered choice', () => {
  it('is read back, and anything unknown or unreadable means recent activity', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
    expect(readSidebarSort(storage)).toBe('recent');
    saveSidebarSort(storage, 'unread');
    expect(store.get(SIDEBAR_SORT_KEY)).toBe('unread');
    expect(readSidebarSort(storage)).toBe('unread');
    store.set(SIDEBAR_SORT_KEY, 'bogus');
    expect(readSidebarSort(storage)).toBe('recent');
    expect(readSidebarSort(null)).toBe('recent');
    const broken = { ...storage, getItem: () => { throw new Error('blocked'); }, setItem: () => { throw new Error('full'); } };
    expect(readSidebarSort(broken)).toBe('recent');
    expect(() => saveSidebarSort(broken, 'name')).not.toThrow();
  });
});

describe('<SortControl>', () => {
  it('is a labelled choice of three orders, in Chinese and English, and reports a change', () => {
    globalThis.IS_REACT_ACT_ENVIRONMENT = true;
    const container = document.createElement('div');
    document.body.append(container);
    const root = createRoot(container);
    const onChange = vi.fn();
    setLocale('zh-CN');
    act(() => root.render(<SortControl value="recent" onChange={onChange} />));
    const select = container.querySelector('select')!;
    expect(container.querySelector(`label[for="${select.id}"]`)!.textContent).toBe('会话排序');
    expect([...select.options].map((o) => o.textContent)).toEqual(['最近活动', '未读优先', '名称']);
    act(() => {
      select.value = 'unread';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(onChange).toHaveBeenCalledWith('unread');
    act(() => setLocale('en'));
    expect([...select.options].map((o) => o.textContent)).toEqual(['Recent activity', 'Unread first', 'Name']);
    act(() => root.unmount());
    container.remove();
  });
});
