// @vitest-environment jsdom
// An admin resets the two-factor sign-in of someone who lost their phone and
// codes: only after a confirmation naming them, then says it is done; a
// refusal in the user's language.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { UserDto } from '../api/types';
import { setLocale } from '../i18n';
import { rest } from '../session';
import { ResetTwoFactor } from './ResetTwoFactor';
import { flush, useTestRoot } from '../testing/dom';

const dom = useTestRoot();

beforeEach(() => {
  setLocale('zh-CN');
});

afterEach(() => {
  vi.restoreAllMocks();
});

const XU = { id: 'user-xu', username: 'xumin', display_name: '徐敏' } as UserDto;

function button(name: string): HTMLButtonElement | undefined {
  return [...dom.container.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent)?.trim() === name);
}

async function click(b: HTMLButtonElement | undefined): Promise<void> {
  expect(b).toBeDefined();
  act(() => b!.click());
  await flush();
}

describe("resetting someone's two-factor sign-in", () => {
  it('asks first, naming them, then resets and says so', async () => {
    const reset = vi.spyOn(rest, 'resetTwoFactor').mockResolvedValue(undefined);
    act(() => dom.root.render(<ResetTwoFactor user={XU} />));
    expect(button('重置两步验证：徐敏')?.textContent).toBe('重置两步验证');

    await click(button('重置两步验证：徐敏'));
    const group = dom.container.querySelector('[role="group"]');
    expect(group?.getAttribute('aria-label')).toBe('确定关闭 徐敏 的两步验证吗？请先核实确为本人申请：关闭后仅凭密码即可登录，直到对方重新设置。');
    expect(document.activeElement).toBe(button('确定重置'));
    await click(button('取消'));
    expect(reset).not.toHaveBeenCalled();

    await click(button('重置两步验证：徐敏'));
    await click(button('确定重置'));
    expect(reset).toHaveBeenCalledExactlyOnceWith('user-xu');
    expect(dom.container.querySelector('[role="status"]')?.textContent).toBe('已关闭 徐敏 的两步验证，对方可重新设置。');
    expect(dom.container.querySelector('[role="group"]')).toBeNull();
  });

  it('says why the server refused', async () => {
    vi.spyOn(rest, 'resetTwoFactor').mockRejectedValue(new ApiError('invalid', 'not enabled', 400, 'two_factor_not_enabled'));
    act(() => dom.root.render(<ResetTwoFactor user={XU} />));
    await click(button('重置两步验证：徐敏'));
    await click(button('确定重置'));
    expect(dom.container.querySelector('[role="alert"]')?.textContent).toBe('两步验证尚未开启。');
    expect(dom.container.querySelector('[role="status"]')).toBeNull();
  });

  it('reads in English too', async () => {
    setLocale('en');
    act(() => dom.root.render(<ResetTwoFactor user={XU} />));
    await click(button('Reset two-factor sign-in: 徐敏'));
    expect(dom.container.textContent).toContain('Turn off two-factor sign-in for 徐敏?');
    expect(button('Yes, reset')).toBeDefined();
  });
});
