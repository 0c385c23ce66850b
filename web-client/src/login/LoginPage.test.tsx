// @vitest-environment jsdom
// Signing in with two-factor sign-in on, as a person sees it: after the
// password, a code step ("验证码", a one-time-code field); a wrong code is
// said and the step stays; "使用恢复码" switches to a recovery code; a spent
// challenge goes back to the password, saying why.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { MfaChallenge, TokenResponse, UserDto } from '../api/types';
import { setLocale } from '../i18n';
import { api } from '../session';
import { LoginPage } from './LoginPage';
import { flush, useTestRoot } from '../testing/dom';

const dom = useTestRoot();

beforeEach(() => {
  setLocale('zh-CN');
});

afterEach(() => {
  vi.restoreAllMocks();
});

const CHALLENGE: MfaChallenge = { mfa_required: true, mfa_token: 'mfa-token-1', expires_in: 300 };
const TOKENS = { access_token: 'a', refresh_token: 'r', expires_in: 900, user: { id: 'u1' } as UserDto } satisfies TokenResponse;

/** The field a visible label names. */
function field(label: string): HTMLInputElement {
  const l = [...dom.container.querySelectorAll('label')].find((x) => x.textContent === label);
  if (l === undefined) throw new Error(`no field labelled ${label}; labels: ${[...dom.container.querySelectorAll('label')].map((x) => x.textContent).join(', ')}`);
  return document.getElementById(l.htmlFor) as HTMLInputElement;
}

function type(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

function button(name: string): HTMLButtonElement {
  const b = [...dom.container.querySelectorAll('button')].find((x) => x.textContent?.trim() === name);
  if (b === undefined) throw new Error(`no button ${name}`);
  return b;
}

async function click(b: HTMLButtonElement): Promise<void> {
  act(() => b.click());
  await flush();
}

const heading = () => dom.container.querySelector('h1')?.textContent;
const alertText = () => dom.container.querySelector('[role="alert"]')?.textContent;

/** Renders the page and gets past the password to the code step. */
async function toCodeStep(): Promise<void> {
  vi.spyOn(api, 'login').mockResolvedValue(CHALLENGE);
  act(() => dom.root.render(<LoginPage endedReason={null} />));
  type(field('用户名'), 'wangjianguo');
  type(field('密码'), 'consilium-demo');
  await click(button('登录'));
}

describe('the code step of signing in', () => {
  it('asks for the authenticator code after the password, in a one-time-code field, and sends it with the challenge', async () => {
    await toCodeStep();
    expect(heading()).toBe('输入验证码');
    expect(dom.container.textContent).toContain('6 位验证码');
    const code = field('验证码');
    expect(code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(code.getAttribute('inputmode')).toBe('numeric');
    expect(document.activeElement).toBe(code);
    expect(dom.container.querySelector('#login-password')).toBeNull();

    const complete = vi.spyOn(api, 'completeLogin').mockResolvedValue(TOKENS);
    type(code, '123 456');
    await click(button('验证'));
    expect(complete).toHaveBeenCalledExactlyOnceWith({ mfa_token: 'mfa-token-1', code: '123456' });
  });

  it('says a wrong code clearly and stays on the step with the field emptied', async () => {
    await toCodeStep();
    vi.spyOn(api, 'completeLogin').mockRejectedValue(new ApiError('unauthorized', 'invalid code', 401, 'invalid_mfa_code'));
    type(field('验证码'), '000000');
    await click(button('验证'));
    expect(alertText()).toBe('验证码不正确或已使用过，请查看身份验证器应用后重试。');
    expect(heading()).toBe('输入验证码');
    expect(field('验证码').value).toBe('');
    expect(document.activeElement).toBe(field('验证码'));
  });

  it('asks for the code instead of sending an empty one', async () => {
    await toCodeStep();
    const complete = vi.spyOn(api, 'completeLogin');
    await click(button('验证'));
    expect(alertText()).toBe('请输入验证码。');
    expect(complete).not.toHaveBeenCalled();
  });

  it('switches to a recovery code in a plain text field, and back', async () => {
    await toCodeStep();
    await click(button('使用恢复码'));
    const recovery = field('恢复码');
    expect(recovery.getAttribute('inputmode')).toBeNull();
    expect(dom.container.textContent).toContain('每个恢复码只能使用一次');
    const complete = vi.spyOn(api, 'completeLogin').mockResolvedValue(TOKENS);
    type(recovery, ' abcde-12345 ');
    await click(button('验证'));
    expect(complete).toHaveBeenCalledExactlyOnceWith({ mfa_token: 'mfa-token-1', code: 'abcde-12345' });

    await click(button('使用验证器中的验证码'));
    expect(field('验证码').getAttribute('autocomplete')).toBe('one-time-code');
  });

  it('goes back to the password step, saying why, when the challenge is spent', async () => {
    await toCodeStep();
    vi.spyOn(api, 'completeLogin').mockRejectedValue(new ApiError('unauthorized', 'challenge gone', 401, 'mfa_token_invalid'));
    type(field('验证码'), '111111');
    await click(button('验证'));
    expect(heading()).toBe('登录');
    expect(alertText()).toBe('登录超时或验证码错误次数过多，请重新登录。');
    expect(field('用户名').value).toBe('wangjianguo');
    expect(field('密码').value).toBe('');
    expect(document.activeElement).toBe(field('密码'));
  });

  it('"重新登录" goes back to the password without an error', async () => {
    await toCodeStep();
    await click(button('重新登录'));
    expect(heading()).toBe('登录');
    expect(alertText()).toBe('');
  });

  it('signs in at once when the account has no second factor', async () => {
    const login = vi.spyOn(api, 'login').mockResolvedValue(TOKENS);
    act(() => dom.root.render(<LoginPage endedReason={null} />));
    type(field('用户名'), 'lixiaohong');
    type(field('密码'), 'consilium-demo');
    await click(button('登录'));
    expect(login).toHaveBeenCalledOnce();
    expect(dom.container.textContent).not.toContain('验证码');
  });

  it('reads in English too', async () => {
    setLocale('en');
    vi.spyOn(api, 'login').mockResolvedValue(CHALLENGE);
    act(() => dom.root.render(<LoginPage endedReason={null} />));
    type(field('Username'), 'wangjianguo');
    type(field('Password'), 'consilium-demo');
    await click(button('Sign in'));
    expect(heading()).toBe('Enter your authentication code');
    expect(field('Authentication code').getAttribute('autocomplete')).toBe('one-time-code');
    await click(button('Use a recovery code'));
    expect(field('Recovery code')).toBeDefined();
  });
});
