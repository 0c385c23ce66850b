// @vitest-environment jsdom
// The audit log tab (审计日志) as an admin sees it: the hash chain's state on
// top (intact, or a prominent alert naming the first bad record), checking it
// again, the events with who did what to which object, filters, paging and a
// refusal in the user's language.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { AuditEventDto, UserDto } from '../api/types';
import { setLocale } from '../i18n';
import { rest } from '../session';
import { AuditAdmin } from './AuditAdmin';

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

const WANG = '0190a1b2-0000-7000-8000-00000000a001';
const GONE = '0190ffff-0000-7000-8000-00000000a002';
const TEAM = '0190cccc-0000-7000-8000-00000000c001';

const wang = { id: WANG, username: 'wang', display_name: '王建国' } as UserDto;

const EVENTS: AuditEventDto[] = [
  { id: 12, at: '2026-03-04T05:06:07Z', actor_id: WANG, action: 'member_added', target_type: 'team', target_id: TEAM, detail: { role: 'member' }, ip: '10.0.0.7' },
  { id: 11, at: '2026-03-04T05:00:00Z', action: 'login_failed', target_type: 'user', detail: {}, ip: '203.0.113.9' },
  { id: 10, at: '2026-03-04T04:00:00Z', actor_id: GONE, action: 'user_created', target_type: 'user', target_id: '77', detail: {} },
];

async function flush(ms = 0): Promise<void> {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
  });
}

async function mount(): Promise<void> {
  act(() => root.render(<AuditAdmin />));
  await flush();
  await flush();
}

function stubUsers(): void {
  vi.spyOn(rest, 'user').mockImplementation(async (id) => {
    if (id === WANG) return wang;
    throw new ApiError('not_found', 'not found', 404);
  });
}

const rows = () => [...container.querySelectorAll('tbody tr')];
const alerts = () => [...container.querySelectorAll('[role="alert"]')].map((a) => a.textContent).filter((text) => text !== '');

function button(name: string): HTMLButtonElement | undefined {
  return [...container.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
}

function input(label: string): HTMLInputElement {
  const l = [...container.querySelectorAll('label')].find((x) => x.textContent === label);
  return document.getElementById(l!.htmlFor) as HTMLInputElement;
}

function type(field: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(field, value);
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

describe('the audit log tab', () => {
  it('shows an intact chain and the events: time, action, actor, target and address', async () => {
    stubUsers();
    vi.spyOn(rest, 'verifyAudit').mockResolvedValue({ ok: true, checked: 1234 });
    const list = vi.spyOn(rest, 'audit').mockResolvedValue({ items: EVENTS });
    await mount();

    expect(container.querySelector('.audit-chain [role="status"]')?.textContent).toBe('审计链完整：已校验 1,234 条记录');
    expect(alerts()).toEqual([]);
    expect(list).toHaveBeenCalledExactlyOnceWith({ limit: 50 });
    expect([...container.querySelectorAll('th')].map((th) => th.textContent)).toEqual(['时间', '操作', '操作者', '对象', 'IP 地址', '详情']);

    expect(rows()).toHaveLength(3);
    const [added, failed, created] = rows().map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(added![0]).toMatch(/2026/);
    expect(added!.slice(1)).toEqual(['member_added', '王建国', 'team 0190cccc…', '10.0.0.7', '{"role":"member"}']);
    expect(failed!.slice(1, 5)).toEqual(['login_failed', '匿名', 'user', '203.0.113.9']);
    expect(created!.slice(1, 5)).toEqual(['user_created', '0190ffff…', 'user 77', '']);
    expect(button('加载更多')).toBeUndefined();
  });

  it('alerts prominently when the chain is broken, naming the first bad record, and checks again on demand', async () => {
    stubUsers();
    const verify = vi
      .spyOn(rest, 'verifyAudit')
      .mockResolvedValueOnce({ ok: false, checked: 40, first_bad_id: 42 })
      .mockResolvedValueOnce({ ok: true, checked: 41 });
    vi.spyOn(rest, 'audit').mockResolvedValue({ items: [] });
    await mount();

    expect(alerts()).toEqual(['审计链校验失败：第 42 条记录起不一致，可能已被篡改']);
    expect(container.querySelector('.audit-chain__broken')?.getAttribute('role')).toBe('alert');
    expect(container.textContent).toContain('没有符合条件的审计记录。');

    act(() => button('重新校验')!.click());
    expect(container.querySelector('.audit-chain [role="status"]')?.textContent).toBe('正在校验审计链…');
    expect(button('重新校验')?.disabled).toBe(true);
    await flush();
    expect(verify).toHaveBeenCalledTimes(2);
    expect(alerts()).toEqual([]);
    expect(container.querySelector('.audit-chain [role="status"]')?.textContent).toBe('审计链完整：已校验 41 条记录');
  });

  it('loads more with the cursor, and filters by action here and by target type on the server', async () => {
    stubUsers();
    vi.spyOn(rest, 'verifyAudit').mockResolvedValue({ ok: true, checked: 3 });
    const list = vi
      .spyOn(rest, 'audit')
      .mockResolvedValueOnce({ items: EVENTS.slice(0, 2), next_cursor: 'c1' })
      .mockResolvedValueOnce({ items: EVENTS.slice(2) })
      .mockResolvedValueOnce({ items: EVENTS.slice(0, 1) });
    await mount();

    expect(rows()).toHaveLength(2);
    act(() => button('加载更多')!.click());
    await flush();
    expect(list).toHaveBeenLastCalledWith({ limit: 50, cursor: 'c1' });
    expect(rows().map((r) => r.getAttribute('data-audit-id'))).toEqual(['12', '11', '10']);
    expect(button('加载更多')).toBeUndefined();

    type(input('操作包含'), 'LOGIN');
    expect(rows().map((r) => r.getAttribute('data-audit-id'))).toEqual(['11']);
    type(input('操作包含'), '');

    const target = input('对象类型');
    expect([...document.getElementById(target.getAttribute('list')!)!.querySelectorAll('option')].map((o) => o.getAttribute('value'))).toEqual(['team', 'user']);
    type(target, 'team');
    await flush(350);
    await flush();
    expect(list).toHaveBeenLastCalledWith({ target_type: 'team', limit: 50 });
    expect(rows().map((r) => r.getAttribute('data-audit-id'))).toEqual(['12']);
  });

  it('says why the server refused, in the user\'s language', async () => {
    vi.spyOn(rest, 'verifyAudit').mockRejectedValue(new ApiError('forbidden', 'admin only', 403));
    vi.spyOn(rest, 'audit').mockRejectedValue(new ApiError('forbidden', 'admin only', 403));
    await mount();
    expect(alerts()).toEqual(['您没有执行此操作的权限。', '您没有执行此操作的权限。']);
    expect(container.textContent).not.toContain('admin only');
  });

  it('reads in English too', async () => {
    setLocale('en');
    stubUsers();
    vi.spyOn(rest, 'verifyAudit').mockResolvedValue({ ok: false, checked: 5, first_bad_id: 3 });
    vi.spyOn(rest, 'audit').mockResolvedValue({ items: [], next_cursor: 'c1' });
    await mount();
    expect(alerts()).toEqual(['Audit chain check failed: the records are inconsistent from record 3 on and may have been tampered with']);
    expect(button('Verify again')).toBeDefined();
    expect(button('Load more')).toBeDefined();
  });
});
