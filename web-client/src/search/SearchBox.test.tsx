// @vitest-environment jsdom
// The search as a person uses it: Ctrl+K / ⌘+K from anywhere focuses the
// field, Escape closes it, typing searches once after a pause (an older
// request is cancelled), hits show where and who with the match marked,
// "only in this conversation", "load more", the empty and error states.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { CaseHit, MessageHit, SearchQuery, SearchResults, UserDto } from '../api/types';
import { setLocale } from '../i18n';
import { rest } from '../session';
import { SearchBox } from './SearchBox';
import { SEARCH_DEBOUNCE_MS } from './useSearch';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

let container: HTMLElement;
let root: Root;

beforeEach(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  vi.useFakeTimers();
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  setLocale('zh-CN');
  vi.spyOn(rest, 'user').mockImplementation(async (id: string) => doctor(id));
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.useRealTimers();
});

function doctor(id: string): UserDto {
  return {
    id,
    username: 'lixiaohong',
    display_name: '李晓红',
    role: 'user',
    title: '',
    institution: '',
    care_level: 'tertiary',
    specialties: [],
    active: true,
    created_at: '2026-01-01T00:00:00Z',
  };
}

function messageHit(id: string, body: string, term: string, extra: Partial<MessageHit> = {}): MessageHit {
  const start = body.indexOf(term);
  return {
    id,
    conversation_id: 'conv-1',
    seq: 7,
    sender_id: 'user-li',
    client_msg_id: `c-${id}`,
    body,
    mentions: [],
    created_at: '2026-12-05T08:30:00Z',
    recalled: false,
    priority: 'normal',
    ack_required: false,
    ack_count: 0,
    attachments: [],
    kind: 'user',
    reactions: [],
    conversation_title: '胸痛3天，心电图ST段抬高待查',
    snippet: body,
    highlights: [[start, start + term.length]],
    ...extra,
  } as MessageHit;
}

function caseHit(title: string, term: string): CaseHit {
  const start = title.indexOf(term);
  return { id: 'case-1', team_id: 'team-1', title, status: 'open', conversation_id: 'conv-1', snippet: title, highlights: [[start, start + term.length]] };
}

function render(scope?: { conversationId: string; title: string }) {
  act(() => root.render(<SearchBox scope={scope} />));
}

function press(key: string, init: KeyboardEventInit = {}, target: EventTarget = document.body): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
  act(() => {
    target.dispatchEvent(event);
  });
  return event;
}

const field = () => container.querySelector<HTMLInputElement>('input[type="search"]');
const trigger = () => container.querySelector<HTMLButtonElement>('button[aria-haspopup="dialog"]')!;

/** Types like a person: React sees an input event with the new value. */
function type(value: string) {
  const input = field()!;
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function settle() {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
  });
}

function answering(results: Partial<SearchResults>) {
  return vi.spyOn(rest, 'search').mockResolvedValue({ messages: [], cases: [], ...results });
}

describe('opening and closing', () => {
  it('Ctrl+K opens the search from anywhere with the field focused; Escape closes it and gives the focus back', () => {
    render();
    expect(trigger().getAttribute('aria-label')).toMatch(/^搜索消息和病例（(Ctrl\+K|⌘K)）$/);
    expect(field()).toBeNull();

    const event = press('k', { ctrlKey: true });
    expect(event.defaultPrevented).toBe(true);
    expect(field()).not.toBeNull();
    expect(document.activeElement).toBe(field());
    expect(field()!.getAttribute('aria-label')).toBe('搜索消息和病例');
    expect(container.querySelector('[role="dialog"]')).not.toBeNull();

    press('Escape', {}, field()!);
    expect(field()).toBeNull();
    expect(document.activeElement).toBe(trigger());
  });

  it('⌘+K works too; K alone or with Shift does not', () => {
    render();
    press('k');
    press('K', { ctrlKey: true, shiftKey: true });
    expect(field()).toBeNull();
    press('k', { metaKey: true });
    expect(document.activeElement).toBe(field());
  });

  it('the header button opens it as well, in English too', () => {
    act(() => setLocale('en'));
    render();
    act(() => trigger().click());
    expect(field()!.getAttribute('aria-label')).toBe('Search messages and cases');
    expect(container.textContent).toContain('Type to search');
  });
});

describe('searching', () => {
  it('searches once after a pause in typing and shows the hit with the match marked', async () => {
    const search = answering({ messages: [messageHit('m1', '复查肌钙蛋白 0.8 ng/ml，较前升高', '肌钙蛋白')] });
    render();
    press('k', { ctrlKey: true });
    type('肌');
    type('肌钙');
    type('肌钙蛋白');
    expect(search).not.toHaveBeenCalled();
    await settle();
    expect(search).toHaveBeenCalledTimes(1);
    expect(search.mock.calls[0]![0]).toEqual({ q: '肌钙蛋白', limit: 20 } satisfies SearchQuery);

    const hit = container.querySelector<HTMLAnchorElement>('a.search-hit')!;
    expect(hit.getAttribute('href')).toBe('#/chat/conv-1?seq=7');
    expect(hit.textContent).toContain('胸痛3天，心电图ST段抬高待查');
    expect(hit.textContent).toContain('李晓红');
    expect(hit.querySelector('time')!.getAttribute('datetime')).toBe('2026-12-05T08:30:00Z');
    expect([...hit.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['肌钙蛋白']);
    expect(container.textContent).toContain('消息');

    // Following it closes the panel.
    act(() => hit.click());
    expect(field()).toBeNull();
  });

  it('cancels a request whose answer would be stale', async () => {
    const signals: AbortSignal[] = [];
    vi.spyOn(rest, 'search').mockImplementation((_q, signal) => {
      signals.push(signal!);
      return new Promise<SearchResults>(() => {});
    });
    render();
    press('k', { ctrlKey: true });
    type('troponin');
    await settle();
    type('troponin 0.8');
    expect(signals[0]!.aborted).toBe(true);
    await settle();
    expect(signals).toHaveLength(2);
    expect(signals[1]!.aborted).toBe(false);
  });

  it('shows matching cases with their status', async () => {
    answering({ cases: [caseHit('胸痛3天，心电图ST段抬高待查', '胸痛')] });
    render();
    press('k', { ctrlKey: true });
    type('胸痛');
    await settle();
    const hit = container.querySelector<HTMLAnchorElement>('a.search-hit--case')!;
    expect(hit.getAttribute('href')).toBe('#/cases/case-1');
    expect(hit.textContent).toContain('进行中');
    expect([...hit.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['胸痛']);
    expect(container.textContent).toContain('病例');
  });

  it('limits the search to the conversation it was opened from when asked', async () => {
    const search = answering({});
    render({ conversationId: 'conv-9', title: '王建国心血管专家团队' });
    press('k', { ctrlKey: true });
    const scope = container.querySelector<HTMLInputElement>('input[type="checkbox"]')!;
    expect(scope.closest('label')!.textContent).toBe('仅在“王建国心血管专家团队”中搜索');
    expect(scope.checked).toBe(false);
    act(() => scope.click());
    type('TROPONIN');
    await settle();
    expect(search.mock.calls.at(-1)![0]).toEqual({ q: 'TROPONIN', limit: 20, conversation_id: 'conv-9', kind: 'messages' });
  });

  it('loads more messages with the cursor and appends them', async () => {
    const search = vi
      .spyOn(rest, 'search')
      .mockResolvedValueOnce({ messages: [messageHit('m1', 'troponin high', 'troponin')], cases: [], next_before: 'm1' })
      .mockResolvedValueOnce({ messages: [messageHit('m0', 'troponin normal', 'troponin', { seq: 3 })], cases: [] });
    render();
    press('k', { ctrlKey: true });
    type('troponin');
    await settle();
    const more = [...container.querySelectorAll('button')].find((b) => b.textContent === '加载更多消息')!;
    await act(async () => {
      more.click();
      await Promise.resolve();
    });
    expect(search.mock.calls[1]![0]).toEqual({ q: 'troponin', limit: 20, kind: 'messages', before: 'm1' });
    expect([...container.querySelectorAll('a.search-hit')].map((a) => a.getAttribute('href'))).toEqual(['#/chat/conv-1?seq=7', '#/chat/conv-1?seq=3']);
    expect([...container.querySelectorAll('button')].some((b) => b.textContent === '加载更多消息')).toBe(false);
  });

  it('says when nothing was found', async () => {
    answering({});
    render();
    press('k', { ctrlKey: true });
    type('  xyz  ');
    await settle();
    expect(container.querySelector('[role="status"]')!.textContent).toBe('未找到与“xyz”相关的内容。');
  });

  it('words an error in the reader\'s language, never the server\'s English', async () => {
    vi.spyOn(rest, 'search').mockRejectedValue(new ApiError('invalid', 'q must be 1-200 chars', 400, 'invalid_query'));
    render();
    press('k', { ctrlKey: true });
    type('x');
    await settle();
    expect(container.querySelector('[role="alert"]')!.textContent).toBe('请输入搜索内容（不宜过长）。');
    expect(container.textContent).not.toContain('200 chars');
  });
});
