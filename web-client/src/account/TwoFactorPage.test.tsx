// @vitest-environment jsdom
// The Two-factor sign-in page (两步验证) as a person sees it: whether it is on
// and how many recovery codes are left; setting it up (a QR code, the key to
// type, a code to confirm, then the recovery codes shown once until "I have
// saved them"); new recovery codes and turning it off, each after a code; a
// refused code in the user's language.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { TwoFactorStatus } from '../api/types';
import { setLocale } from '../i18n';
import { rest } from '../session';
import { RecoveryCodesPanel } from './RecoveryCodesPanel';
import { TwoFactorPage } from './TwoFactorPage';
import { flush, useTestRoot } from '../testing/dom';

const dom = useTestRoot();

beforeEach(() => {
  setLocale('zh-CN');
});

afterEach(() => {
  vi.restoreAllMocks();
});

const OFF: TwoFactorStatus = { enabled: false, required: false, recovery_codes_left: 0 };
const ON: TwoFactorStatus = { enabled: true, required: false, recovery_codes_left: 10 };
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ENROLLMENT = { secret: SECRET, otpauth_url: `otpauth://totp/Consilium:wangjianguo?secret=${SECRET}&issuer=Consilium` };
const CODES = Array.from({ length: 10 }, (_, i) => `code${i}-1234${i}`);

async function mount(): Promise<void> {
  act(() => dom.root.render(<TwoFactorPage />));
  await flush();
}

function field(label: string): HTMLInputElement {
  const l = [...dom.container.querySelectorAll('label')].find((x) => x.textContent?.trim() === label);
  if (l === undefined) throw new Error(`no field labelled ${label}`);
  return (l.control ?? document.getElementById(l.htmlFor)) as HTMLInputElement;
}

function type(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

function button(name: string): HTMLButtonElement | undefined {
  return [...dom.container.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent)?.trim() === name);
}

async function click(b: HTMLButtonElement | HTMLInputElement | undefined): Promise<void> {
  expect(b).toBeDefined();
  act(() => b!.click());
  await flush();
}

const status = () => dom.container.querySelector('[role="status"]')?.textContent;
const alerts = () => [...dom.container.querySelectorAll('[role="alert"]')].map((a) => a.textContent).filter((text) => text !== '');
const codesShown = () => [...dom.container.querySelectorAll('ol[aria-label="恢复码"] li')].map((li) => li.textContent);

describe('the Two-factor sign-in page', () => {
  it('sets it up: a QR code and the key, a code to confirm, then the recovery codes once, until saved', async () => {
    const load = vi.spyOn(rest, 'twoFactor').mockResolvedValueOnce(OFF).mockResolvedValueOnce({ ...ON, recovery_codes_left: 10 });
    const start = vi.spyOn(rest, 'startTotp').mockResolvedValue(ENROLLMENT);
    const confirm = vi.spyOn(rest, 'confirmTotp').mockResolvedValue({ recovery_codes: CODES });
    await mount();
    expect(dom.container.querySelector('h1')?.textContent).toBe('两步验证');
    expect(dom.container.textContent).toContain('两步验证未开启。');

    await click(button('设置'));
    expect(start).toHaveBeenCalledOnce();
    await vi.waitFor(() => expect(dom.container.querySelector('img[alt="将 Consilium 添加到身份验证器应用的二维码"]')?.getAttribute('src')).toMatch(/^data:image\/svg\+xml/));
    expect(dom.container.textContent).toContain('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(field('验证码').getAttribute('inputmode')).toBe('numeric');

    type(field('验证码'), '492 039');
    await click(button('开启'));
    expect(confirm).toHaveBeenCalledExactlyOnceWith('492039');
    expect(dom.container.querySelector('h2')?.textContent).toBe('保存您的恢复码');
    expect(codesShown()).toEqual(CODES);
    expect(button('完成')?.disabled).toBe(true);
    expect(load).toHaveBeenCalledOnce(); // still showing the codes, not yet the new state

    await click(field('我已保存好恢复码'));
    expect(button('完成')?.disabled).toBe(false);
    await click(button('完成'));
    expect(load).toHaveBeenCalledTimes(2);
    expect(codesShown()).toEqual([]);
    expect(status()).toBe('两步验证已开启。');
    expect(dom.container.textContent).toContain('剩余未使用的恢复码：10 个');
    expect(button('关闭')).toBeDefined();
  });

  it('says a wrong code and keeps the set-up open', async () => {
    vi.spyOn(rest, 'twoFactor').mockResolvedValue(OFF);
    vi.spyOn(rest, 'startTotp').mockResolvedValue(ENROLLMENT);
    vi.spyOn(rest, 'confirmTotp').mockRejectedValue(new ApiError('invalid', 'invalid code', 400, 'invalid_mfa_code'));
    await mount();
    await click(button('设置'));
    type(field('验证码'), '000000');
    await click(button('开启'));
    expect(alerts()).toEqual(['验证码不正确或已使用过，请查看身份验证器应用后重试。']);
    expect(field('验证码').value).toBe('');
    expect(dom.container.textContent).toContain('JBSW Y3DP');
  });

  it('shows the codes left, warns when few are, and makes new ones after a code', async () => {
    vi.spyOn(rest, 'twoFactor').mockResolvedValueOnce({ ...ON, recovery_codes_left: 2 }).mockResolvedValueOnce(ON);
    const regenerate = vi.spyOn(rest, 'regenerateRecoveryCodes').mockResolvedValue({ recovery_codes: CODES });
    await mount();
    expect(dom.container.textContent).toContain('两步验证已开启。');
    expect(dom.container.textContent).toContain('剩余未使用的恢复码：2 个');
    expect(dom.container.textContent).toContain('恢复码所剩不多');

    await click(button('重新生成恢复码'));
    expect(dom.container.textContent).toContain('旧恢复码立即失效');
    type(field('验证码'), '123456');
    await click(button('生成新恢复码'));
    expect(regenerate).toHaveBeenCalledExactlyOnceWith('123456');
    expect(codesShown()).toEqual(CODES);
    await click(field('我已保存好恢复码'));
    await click(button('完成'));
    expect(status()).toBe('新的恢复码已生成，旧恢复码已失效。');
    expect(dom.container.textContent).toContain('剩余未使用的恢复码：10 个');
    expect(dom.container.textContent).not.toContain('恢复码所剩不多');
  });

  it('turns it off after a code or a recovery code', async () => {
    vi.spyOn(rest, 'twoFactor').mockResolvedValueOnce(ON).mockResolvedValueOnce(OFF);
    const off = vi.spyOn(rest, 'turnOffTwoFactor').mockResolvedValue(undefined);
    await mount();
    await click(button('关闭'));
    const code = field('验证码或恢复码');
    expect(code.getAttribute('inputmode')).toBeNull();
    type(code, ' abcde-12345 ');
    await click(button('关闭两步验证'));
    expect(off).toHaveBeenCalledExactlyOnceWith('abcde-12345');
    expect(status()).toBe('两步验证已关闭。');
    expect(dom.container.textContent).toContain('两步验证未开启。');
    expect(button('设置')).toBeDefined();
  });

  it('does not offer turning it off to an account that must keep it, and says why', async () => {
    vi.spyOn(rest, 'twoFactor').mockResolvedValue({ ...ON, required: true });
    await mount();
    expect(dom.container.textContent).toContain('您的账号必须使用两步验证，因此不能关闭。');
    expect(button('关闭')).toBeUndefined();
    expect(button('重新生成恢复码')).toBeDefined();
  });

  it('cancelling a code form changes nothing', async () => {
    vi.spyOn(rest, 'twoFactor').mockResolvedValue(ON);
    const off = vi.spyOn(rest, 'turnOffTwoFactor');
    await mount();
    await click(button('关闭'));
    await click(button('取消'));
    expect(off).not.toHaveBeenCalled();
    expect(button('关闭')).toBeDefined();
  });

  it('reads in English too', async () => {
    setLocale('en');
    vi.spyOn(rest, 'twoFactor').mockResolvedValue({ ...ON, recovery_codes_left: 7 });
    await mount();
    expect(dom.container.querySelector('h1')?.textContent).toBe('Two-factor sign-in');
    expect(dom.container.textContent).toContain('Two-factor sign-in is on.');
    expect(dom.container.textContent).toContain('Unused recovery codes left: 7');
    expect(button('Regenerate recovery codes')).toBeDefined();
    await click(button('Turn off'));
    expect(field('Authentication code or recovery code')).toBeDefined();
  });
});

describe('the recovery codes, shown once', () => {
  it('copies them all to the clipboard and says so, or says to copy them by hand', async () => {
    const writeText = vi.fn().mockResolvedValueOnce(undefined).mockRejectedValueOnce(new Error('denied'));
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    act(() => dom.root.render(<RecoveryCodesPanel codes={CODES} onDone={() => {}} />));
    await click(button('复制'));
    expect(writeText).toHaveBeenCalledOnce();
    expect(writeText.mock.calls[0]![0]).toContain(CODES.join('\n'));
    expect(status()).toBe('恢复码已复制。');
    await click(button('复制'));
    expect(status()).toBe('无法复制，请手动选中恢复码后复制。');
  });

  it('downloads them as a text file', async () => {
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:codes';
    });
    URL.revokeObjectURL = vi.fn();
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('consilium-recovery-codes.txt');
    });
    act(() => dom.root.render(<RecoveryCodesPanel codes={CODES} onDone={() => {}} />));
    await click(button('下载'));
    expect(clicked).toHaveBeenCalledOnce();
    expect(blobs).toHaveLength(1);
    expect(await blobs[0]!.text()).toContain(CODES.join('\n'));
  });
});
