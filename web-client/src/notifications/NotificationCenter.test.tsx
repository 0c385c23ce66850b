// @vitest-environment jsdom
// The bell and the panel as a person sees them: names, roles, text in both
// languages, and what clicking does (rendered from plain props, no server).
import { act, createRef, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NotificationDto } from '../api/types';
import { setLocale } from '../i18n';
import { initialNotifications, type NotificationsState } from '../realtime/notificationsReducer';
import type { DesktopSetting } from './desktop';
import { NotificationBell, NotificationPanel } from './NotificationCenter';

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
  setLocale('zh-CN');
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

function render(node: ReactNode): void {
  act(() => root.render(node));
}

const NOW = Date.parse('2026-12-05T12:00:00Z');

function note(id: string, minutesAgo: number, extra: Partial<NotificationDto> = {}): NotificationDto {
  return {
    id,
    kind: 'assigned',
    title: `病例 ${id}`,
    body: '孙丽',
    link: { case_id: `case-${id}` },
    created_at: new Date(NOW - minutesAgo * 60_000).toISOString(),
    ...extra,
  };
}

function bell(unread: number) {
  render(<NotificationBell ref={createRef()} unread={unread} open={false} panelId="p" onToggle={() => {}} />);
  return container.querySelector('button')!;
}

describe('the bell', () => {
  it('is named with the unread count, in Chinese and English', () => {
    expect(bell(3).getAttribute('aria-label')).toBe('通知（3 条未读）');
    expect(bell(0).getAttribute('aria-label')).toBe('通知');
    act(() => setLocale('en'));
    expect(bell(3).getAttribute('aria-label')).toBe('Notifications (3 unread)');
    expect(bell(0).getAttribute('aria-label')).toBe('Notifications');
  });

  it('shows a badge only when something is unread, capped at 99+', () => {
    expect(bell(0).querySelector('.notifications__badge')).toBeNull();
    expect(bell(7).textContent).toBe('7');
    expect(bell(150).textContent).toBe('99+');
  });
});

interface PanelOptions {
  state?: Partial<NotificationsState>;
  desktop?: DesktopSetting;
}

function panel(options: PanelOptions = {}) {
  const handlers = {
    onOpen: vi.fn(),
    onMarkAllRead: vi.fn(),
    onLoadMore: vi.fn(),
    onClose: vi.fn(),
    onEnableDesktop: vi.fn(),
    onDisableDesktop: vi.fn(),
  };
  render(
    <NotificationPanel
      id="p"
      state={{ ...initialNotifications, loaded: true, ...options.state }}
      loading={false}
      error={undefined}
      desktop={options.desktop ?? 'offer'}
      now={NOW}
      {...handlers}
    />,
  );
  const dialog = container.querySelector('[role="dialog"]')!;
  const button = (name: string) => [...dialog.querySelectorAll('button')].find((b) => b.textContent === name || b.getAttribute('aria-label') === name);
  return { dialog, handlers, button };
}

describe('the panel', () => {
  it('is a dialog named by its heading, listing notifications newest first with their sentence and time', () => {
    const items = [note('b', 5), note('a', 90, { read_at: '2026-12-05T11:00:00Z' })];
    const { dialog } = panel({ state: { items, unread: 1 } });
    const heading = dialog.querySelector('h2')!;
    expect(heading.textContent).toBe('通知');
    expect(dialog.getAttribute('aria-labelledby')).toBe(heading.id);
    const rows = [...dialog.querySelectorAll('li')];
    expect(rows.map((r) => r.querySelector('.notification__text')?.textContent)).toEqual(['分配给您的病例：病例 b', '分配给您的病例：病例 a']);
    expect(rows.map((r) => r.querySelector('time')?.textContent)).toEqual(['5分钟前', '1小时前']);
    // Unread ones are marked, in words for screen readers too.
    expect(rows[0]!.textContent).toContain('未读');
    expect(rows[1]!.textContent).not.toContain('未读');
  });

  it('a video call invitation reads as one, with a camera sign', () => {
    const n = note('c', 1, { kind: 'call', title: '胸痛3天', body: '王建国', link: { conversation_id: 'conv-1', call_id: 'call-1' } });
    const { dialog } = panel({ state: { items: [n], unread: 1 } });
    const row = dialog.querySelector('li')!;
    expect(row.querySelector('.notification__text')?.textContent).toBe('王建国 邀请您参加视频会诊');
    expect(row.querySelector('.notification__text svg')?.getAttribute('aria-hidden')).toBe('true');
    expect(row.querySelector('.notification__detail')?.textContent).toBe('胸痛3天');
  });

  it('opens the one clicked', () => {
    const n = note('b', 5);
    const { dialog, handlers } = panel({ state: { items: [n], unread: 1 } });
    act(() => dialog.querySelector<HTMLButtonElement>('li button')!.click());
    expect(handlers.onOpen).toHaveBeenCalledWith(n);
  });

  it('marks all read, a button that is off when nothing is unread', () => {
    const some = panel({ state: { items: [note('b', 5)], unread: 1 } });
    act(() => some.button('全部标为已读')!.click());
    expect(some.handlers.onMarkAllRead).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(some.dialog.querySelector('h2')); // the focus stays in the panel
    const none = panel({ state: { items: [note('a', 5, { read_at: '2026-12-05T11:59:00Z' })], unread: 0 } });
    expect(none.button('全部标为已读')!.disabled).toBe(true);
  });

  it('loads more only when the server said there is more', () => {
    expect(panel({ state: { items: [note('a', 1)], nextCursor: null } }).button('加载更多')).toBeUndefined();
    const more = panel({ state: { items: [note('a', 1)], nextCursor: 'c1' } });
    act(() => more.button('加载更多')!.click());
    expect(more.handlers.onLoadMore).toHaveBeenCalledTimes(1);
  });

  it('says when there is nothing', () => {
    expect(panel().dialog.textContent).toContain('暂无通知。');
  });

  it('closes on Escape', () => {
    const { dialog, handlers } = panel({ state: { items: [note('a', 1)] } });
    act(() => dialog.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    expect(handlers.onClose).toHaveBeenCalledTimes(1);
  });
});

describe('the desktop setting', () => {
  it('offers to enable, with a one-line explanation, and asks only when clicked', () => {
    const { dialog, handlers, button } = panel({ desktop: 'offer' });
    expect(dialog.textContent).toContain('本页在后台时，有新通知会弹出系统提醒。');
    expect(handlers.onEnableDesktop).not.toHaveBeenCalled();
    act(() => button('开启桌面通知')!.click());
    expect(handlers.onEnableDesktop).toHaveBeenCalledTimes(1);
  });

  it('when on, offers to turn it off', () => {
    const { dialog, handlers, button } = panel({ desktop: 'on' });
    expect(dialog.textContent).toContain('桌面通知已开启。');
    expect(button('开启桌面通知')).toBeUndefined();
    act(() => button('关闭')!.click());
    expect(handlers.onDisableDesktop).toHaveBeenCalledTimes(1);
  });

  it('explains a block or a browser without the feature', () => {
    expect(panel({ desktop: 'denied' }).dialog.textContent).toContain('浏览器已禁止本站的桌面通知');
    act(() => setLocale('en'));
    expect(panel({ desktop: 'unsupported' }).dialog.textContent).toContain('This browser cannot show desktop notifications.');
  });
});
