// @vitest-environment jsdom
// Enrol-only mode as an admin who must use two-factor sign-in sees it: only
// "您的账号必须使用两步验证" and the set-up, no app behind it, until it is on.
// Anyone else (or a server that cannot say) gets the app at once.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { setLocale } from '../i18n';
import { api, rest } from '../session';
import { TwoFactorGate } from './TwoFactorGate';
import { flush, useTestRoot } from '../testing/dom';

const dom = useTestRoot();

beforeEach(() => {
  setLocale('zh-CN');
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function mount(): Promise<void> {
  act(() =>
    dom.root.render(
      <TwoFactorGate>
        <p>the app</p>
      </TwoFactorGate>,
    ),
  );
  await flush();
}

function button(name: string): HTMLButtonElement | undefined {
  return [...dom.container.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
}

async function click(el: HTMLElement | undefined | null): Promise<void> {
  expect(el).toBeTruthy();
  act(() => el!.click());
  await flush();
}

function field(label: string): HTMLInputElement {
  const l = [...dom.container.querySelectorAll('label')].find((x) => x.textContent?.trim() === label);
  return (l!.control ?? document.getElementById(l!.htmlFor)) as HTMLInputElement;
}

function type(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

describe('enrol-only mode', () => {
  it('shows an admin who must enrol only the enrolment, then the app once it is on', async () => {
    vi.spyOn(rest, 'twoFactor').mockResolvedValue({ enabled: false, required: true, recovery_codes_left: 0 });
    vi.spyOn(rest, 'startTotp').mockResolvedValue({ secret: 'JBSWY3DPEHPK3PXP', otpauth_url: 'otpauth://totp/Consilium:admin?secret=JBSWY3DPEHPK3PXP' });
    vi.spyOn(rest, 'confirmTotp').mockResolvedValue({ recovery_codes: ['abcde-12345', 'fghij-67890'] });
    await mount();
    expect(dom.container.querySelector('h1')?.textContent).toBe('您的账号必须使用两步验证');
    expect(dom.container.textContent).toContain('设置完成前，其他功能均不可用');
    expect(dom.container.textContent).not.toContain('the app');
    expect(button('退出登录')).toBeDefined();

    await click(button('设置'));
    type(field('验证码'), '123456');
    await click(button('开启'));
    expect(dom.container.textContent).toContain('abcde-12345');
    expect(dom.container.textContent).not.toContain('the app');
    await click(field('我已保存好恢复码'));
    await click(button('完成'));
    expect(dom.container.textContent).toBe('the app');
  });

  it('signs out from there', async () => {
    vi.spyOn(rest, 'twoFactor').mockResolvedValue({ enabled: false, required: true, recovery_codes_left: 0 });
    const logout = vi.spyOn(api, 'logout').mockResolvedValue(undefined);
    await mount();
    await click(button('退出登录'));
    expect(logout).toHaveBeenCalledOnce();
  });

  it.each([
    ['2FA on', { enabled: true, required: true, recovery_codes_left: 10 }],
    ['2FA not required', { enabled: false, required: false, recovery_codes_left: 0 }],
  ])('starts the app at once with %s', async (_, status) => {
    vi.spyOn(rest, 'twoFactor').mockResolvedValue(status);
    await mount();
    expect(dom.container.textContent).toBe('the app');
  });

  it('starts the app when the server cannot say (an older server, no network)', async () => {
    vi.spyOn(rest, 'twoFactor').mockRejectedValue(new ApiError('not_found', 'no such endpoint', 404, 'no_such_endpoint'));
    await mount();
    expect(dom.container.textContent).toBe('the app');
  });

  it('reads in English too', async () => {
    setLocale('en');
    vi.spyOn(rest, 'twoFactor').mockResolvedValue({ enabled: false, required: true, recovery_codes_left: 0 });
    await mount();
    expect(dom.container.querySelector('h1')?.textContent).toBe('Your account must use two-factor sign-in');
    expect(button('Set up')).toBeDefined();
  });
});
