import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { en } from './en';
import { dictionaries, detectLocale, interpolate, LOCALE_STORAGE_KEY, LOCALES, translate } from './index';
import { zhCN } from './zh-CN';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('zh-CN has exactly the keys of en', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(LOCALES)('%s has no empty message', (locale) => {
    for (const [key, text] of Object.entries(dictionaries[locale])) {
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('every translation uses the same placeholders as English', () => {
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(zhCN[key as keyof typeof en]), key).toEqual(placeholders(text));
    }
  });
});

describe('translate', () => {
  it('interpolates parameters in each locale', () => {
    expect(translate('en', 'shell.connectedAs', { name: '王医生' })).toBe('Connected as 王医生');
    expect(translate('zh-CN', 'shell.connectedAs', { name: '王医生' })).toBe('已连接，当前用户：王医生');
  });

  it('returns plain messages unchanged', () => {
    expect(translate('en', 'login.submit')).toBe('Sign in');
    expect(translate('zh-CN', 'login.submit')).toBe('登录');
  });

  it('checks keys and parameters at compile time', () => {
    // @ts-expect-error unknown key
    translate('en', 'login.nope');
    // @ts-expect-error missing the {name} parameter
    translate('en', 'shell.connectedAs');
    // @ts-expect-error wrong parameter name
    translate('en', 'shell.connectedAs', { user: 'x' });
    // @ts-expect-error this message takes no parameters
    translate('en', 'login.submit', { name: 'x' });
  });
});

describe('interpolate', () => {
  it('replaces every occurrence and formats numbers', () => {
    expect(interpolate('{n} of {n}, by {who}', { n: 3, who: 'Li' })).toBe('3 of 3, by Li');
  });

  it('leaves unknown placeholders visible', () => {
    expect(interpolate('Hello {name}', {})).toBe('Hello {name}');
  });

  it('does not read inherited properties as parameters', () => {
    expect(interpolate('{toString}', {})).toBe('{toString}');
  });

  it('does not re-expand placeholders inside parameter values', () => {
    expect(interpolate('{a} {b}', { a: '{b}', b: 'x' })).toBe('{b} x');
  });
});

describe('detectLocale', () => {
  it.each([
    [['zh-CN', 'en-US'], 'zh-CN'],
    [['zh'], 'zh-CN'],
    [['zh-TW'], 'zh-CN'],
    [['zh-Hans-CN'], 'zh-CN'],
    [['en-GB', 'zh-CN'], 'en'],
    [['fr-FR', 'zh-CN', 'en'], 'zh-CN'],
    [['fr-FR', 'en', 'zh'], 'en'],
    [['fr-FR', 'de'], 'en'],
    [[], 'en'],
    [['ZH_cn'], 'zh-CN'],
  ] as const)('%j -> %s', (languages, expected) => {
    expect(detectLocale(languages)).toBe(expected);
  });
});

describe('current locale', () => {
  // Each test imports a fresh copy of the module, as a page load would.
  beforeEach(() => {
    vi.resetModules();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  const fakeStorage = (initial: Record<string, string> = {}) => {
    const items = new Map(Object.entries(initial));
    return {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
      items,
    };
  };

  it('follows the browser when nothing is saved', async () => {
    vi.stubGlobal('localStorage', fakeStorage());
    vi.stubGlobal('navigator', { languages: ['zh-CN', 'en'], language: 'zh-CN' });
    const i18n = await import('./index');
    expect(i18n.getLocale()).toBe('zh-CN');
    expect(i18n.t('login.title')).toBe('登录');
  });

  it('prefers the saved choice over the browser, and persists a switch', async () => {
    const storage = fakeStorage({ [LOCALE_STORAGE_KEY]: 'en' });
    vi.stubGlobal('localStorage', storage);
    vi.stubGlobal('navigator', { languages: ['zh-CN'], language: 'zh-CN' });
    const i18n = await import('./index');
    expect(i18n.getLocale()).toBe('en');

    const listener = vi.fn();
    const unsubscribe = i18n.subscribeLocale(listener);
    i18n.setLocale('zh-CN');
    expect(listener).toHaveBeenCalledTimes(1);
    expect(storage.items.get(LOCALE_STORAGE_KEY)).toBe('zh-CN');
    expect(i18n.t('shell.signOut')).toBe('退出登录');
    unsubscribe();
  });

  it('ignores a saved value that is not a supported locale', async () => {
    vi.stubGlobal('localStorage', fakeStorage({ [LOCALE_STORAGE_KEY]: 'fr' }));
    vi.stubGlobal('navigator', { languages: ['en-US'], language: 'en-US' });
    const i18n = await import('./index');
    expect(i18n.getLocale()).toBe('en');
  });
});
