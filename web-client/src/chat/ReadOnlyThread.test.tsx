// @vitest-environment jsdom
// A thread read without being a member (break-glass): the newest messages with
// their senders, timeline entries, earlier ones on request, the note saying
// why there is no composer, and no action on any message.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { zhCN } from '../i18n/zh-CN';
import { message } from '../realtime/testing';
import { rest } from '../session';
import { rememberUsers } from '../users/cache';
import { ReadOnlyThread } from './ReadOnlyThread';
import { user } from './testing';
import { flush, useTestRoot } from '../testing/dom';

const C = 'conv-case';
const dom = useTestRoot();

beforeEach(() => {
  rememberUsers([user('user-wang', '王建国'), user('user-li', '李晓红')]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function mount(): Promise<void> {
  act(() => dom.root.render(<ReadOnlyThread conversationId={C} label="讨论（只读）" note="紧急访问为只读：您可在 14:30 前查看此讨论，但不能发言。" />));
  await flush();
}

const shown = () => [...dom.container.querySelectorAll('.message[data-seq]')].map((el) => Number(el.getAttribute('data-seq')));
const button = (name: string) => [...dom.container.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);

describe('a thread read without being a member', () => {
  it('shows the newest messages in order with their senders, the note, and nothing to write with', async () => {
    vi.spyOn(rest, 'history').mockResolvedValue({
      items: [message(C, 3, { sender_id: 'user-li', body: '已联系导管室' }), message(C, 2, { sender_id: 'user-wang', body: '建议急诊造影' })],
    });
    await mount();
    expect(dom.container.querySelector('section')?.getAttribute('aria-label')).toBe('讨论（只读）');
    expect(dom.container.querySelector('[role="note"]')?.textContent).toBe('紧急访问为只读：您可在 14:30 前查看此讨论，但不能发言。');
    expect(shown()).toEqual([2, 3]);
    expect(dom.container.querySelector('.message[data-seq="2"]')?.textContent).toContain('王建国');
    expect(dom.container.querySelector('.message[data-seq="3"]')?.textContent).toContain('已联系导管室');
    expect(dom.container.querySelector('textarea, input')).toBeNull();
    expect(dom.container.querySelectorAll('button')).toHaveLength(0);
  });

  it('loads earlier messages on request, from where the page ended', async () => {
    const history = vi
      .spyOn(rest, 'history')
      .mockResolvedValueOnce({ items: [message(C, 51, { body: '第 51 条' }), message(C, 52, { body: '第 52 条' })], next_cursor: '51' })
      .mockResolvedValueOnce({ items: [message(C, 50, { body: '第 50 条' })] });
    await mount();
    expect(shown()).toEqual([51, 52]);
    act(() => button('加载更早的消息')?.click());
    await flush();
    expect(history).toHaveBeenLastCalledWith(C, { before_seq: 51, limit: 50 });
    expect(shown()).toEqual([50, 51, 52]);
    expect(button('加载更早的消息')).toBeUndefined();
  });

  it('says when there is nothing yet, and why it cannot be read', async () => {
    vi.spyOn(rest, 'history').mockResolvedValueOnce({ items: [] });
    await mount();
    expect(dom.container.textContent).toContain('暂无消息。');

    act(() => dom.root.unmount());
    dom.root = createRoot(dom.container);
    vi.spyOn(rest, 'history').mockRejectedValue(new ApiError('not_found', 'gone', 404, 'conversation_not_found'));
    await mount();
    expect(dom.container.querySelector('[role="alert"]')?.textContent).toBe(zhCN['error.reason.conversation_not_found']);
  });
});
