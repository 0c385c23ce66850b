// @vitest-environment jsdom
// The Sessions page (登录设备) as a person sees it: each device in words with
// its address and times, "当前设备" on this one, ending another after a
// confirmation, ending all others, and a refusal in the user's language.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { SessionDto } from '../api/types';
import { setLocale } from '../i18n';
import { rest } from '../session';
import { SessionsPage } from './SessionsPage';

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
  vi.restoreAllMocks();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const idleAt = (iso: string) => new Date(Date.parse(iso) + 12 * 3_600_000).toISOString();

function session(id: string, lastUsedMinutesAgo: number, extra: Partial<SessionDto> = {}): SessionDto {
  const last = minutesAgo(lastUsedMinutesAgo);
  return { id, created_at: minutesAgo(600), last_used_at: last, idle_expires_at: idleAt(last), current: false, ...extra };
}

const HERE = session('s-here', 0, {
  current: true,
  ip: '10.1.2.3',
  user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
});
const PHONE = session('s-phone', 5, {
  ip: '203.0.113.7',
  user_agent:
    'Mozilla/5.0 (Linux; Android 13; V2227A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35)',
});
const WARD = session('s-ward', 180);

async function flush(): Promise<void> {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

async function mount(): Promise<void> {
  act(() => root.render(<SessionsPage />));
  await flush();
}

const items = () => [...container.querySelectorAll('li')];
const item = (text: string) => items().find((li) => li.textContent?.includes(text));

function button(name: string, within: ParentNode = container): HTMLButtonElement | undefined {
  return [...within.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent)?.trim() === name);
}

async function click(b: HTMLButtonElement | undefined): Promise<void> {
  expect(b).toBeDefined();
  act(() => b!.click());
  await flush();
}

describe('the Sessions page', () => {
  it('lists each device in words, with address, sign-in and last use, and marks this one', async () => {
    vi.spyOn(rest, 'mySessions').mockResolvedValue([HERE, PHONE, WARD]);
    await mount();
    expect(container.querySelector('h1')?.textContent).toBe('登录设备');
    expect(container.textContent).toContain('为了安全，设备连续 12 小时未使用会自动退出登录。');
    expect(items()).toHaveLength(3);

    const here = item('Chrome（Windows）')!;
    expect(here.textContent).toContain('当前设备');
    expect(here.textContent).toContain('IP 地址：10.1.2.3');
    expect(here.textContent).toContain('登录时间：');
    expect(here.textContent).toContain('最近使用：刚刚');
    expect(here.querySelector('button')).toBeNull(); // this device signs out with 退出登录 in the header

    const phone = item('微信内置浏览器（Android）')!;
    expect(phone.textContent).not.toContain('当前设备');
    expect(phone.textContent).toContain('最近使用：5分钟前');
    expect(button('退出该设备：微信内置浏览器（Android）', phone)).toBeDefined();
    expect(item('未知设备')?.textContent).toContain('最近使用：3小时前');
  });

  it('ends another device only after asking, then loads the list again', async () => {
    const list = vi.spyOn(rest, 'mySessions').mockResolvedValueOnce([HERE, PHONE]).mockResolvedValueOnce([HERE]);
    const end = vi.spyOn(rest, 'endSession').mockResolvedValue(undefined);
    await mount();

    await click(button('退出该设备：微信内置浏览器（Android）'));
    expect(end).not.toHaveBeenCalled();
    expect(container.querySelector('[role="group"]')?.getAttribute('aria-label')).toBe('确定让该设备立即退出登录吗？');
    await click(button('取消'));
    expect(end).not.toHaveBeenCalled();

    await click(button('退出该设备：微信内置浏览器（Android）'));
    await click(button('确定退出'));
    expect(end).toHaveBeenCalledExactlyOnceWith('s-phone');
    expect(list).toHaveBeenCalledTimes(2);
    expect(items()).toHaveLength(1);
    expect(container.querySelector('[role="status"]')?.textContent).toBe('已让该设备退出登录：微信内置浏览器（Android）。');
    expect(container.textContent).toContain('没有其他设备登录。');
    expect(button('退出其他所有设备')).toBeUndefined();
  });

  it('ends all other devices, counting one already gone as ended', async () => {
    vi.spyOn(rest, 'mySessions').mockResolvedValueOnce([HERE, PHONE, WARD]).mockResolvedValueOnce([HERE]);
    const end = vi
      .spyOn(rest, 'endSession')
      .mockImplementation(async (id) => {
        if (id === 's-ward') throw new ApiError('not_found', 'session not found', 404, 'session_not_found');
      });
    await mount();

    await click(button('退出其他所有设备'));
    expect(container.textContent).toContain('确定让其他 2 台设备全部退出登录吗？');
    await click(button('全部退出'));
    expect(end.mock.calls.map(([id]) => id).sort()).toEqual(['s-phone', 's-ward']);
    expect(container.querySelector('[role="status"]')?.textContent).toBe('其他设备已全部退出登录。');
    expect(container.querySelector('[role="alert"]')).toBeNull();
  });

  it('says why the server refused, in the user\'s language', async () => {
    vi.spyOn(rest, 'mySessions').mockResolvedValueOnce([HERE, PHONE]).mockResolvedValueOnce([HERE]);
    vi.spyOn(rest, 'endSession').mockRejectedValue(new ApiError('not_found', 'session not found', 404, 'session_not_found'));
    await mount();
    await click(button('退出该设备：微信内置浏览器（Android）'));
    await click(button('确定退出'));
    expect(container.querySelector('[role="alert"]')?.textContent).toBe('该登录设备已经退出。');
    expect(container.querySelector('[role="status"]')?.textContent).toBe('');
  });

  it('reads in English too', async () => {
    setLocale('en');
    vi.spyOn(rest, 'mySessions').mockResolvedValue([HERE, PHONE]);
    await mount();
    expect(container.querySelector('h1')?.textContent).toBe('Signed-in devices');
    expect(item('Chrome on Windows')?.textContent).toContain('This device');
    expect(button('End session: WeChat browser on Android')).toBeDefined();
    expect(button('End all other sessions')).toBeDefined();
  });
});
