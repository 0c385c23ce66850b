import { describe, expect, it } from 'vitest';
import { translate, type Locale, type MessageKey, type TArgs, type Translate } from '../i18n';
import { describeDevice, idleLimit, parseUserAgent } from './sessions';

const tr = (locale: Locale): Translate => (<K extends MessageKey>(key: K, ...args: TArgs<K>) => translate(locale, key, ...args)) as Translate;

// Real User-Agents of the devices doctors use.
const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromeIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1',
  wechatAndroid:
    'Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  wechatIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40(0x1800282a) NetType/WIFI Language/zh_CN',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  harmony:
    'Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.13.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.5735.196 HuaweiBrowser/15.0.4.312 Mobile Safari/537.36',
  headlessLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36',
  iosAppWebView: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
} as const;

describe('reading a User-Agent', () => {
  it.each([
    [UA.chromeWindows, 'chrome', 'windows'],
    [UA.edgeWindows, 'edge', 'windows'],
    [UA.firefoxLinux, 'firefox', 'linux'],
    [UA.safariMac, 'safari', 'macos'],
    [UA.safariIphone, 'safari', 'iphone'],
    [UA.chromeIphone, 'chrome', 'iphone'],
    [UA.wechatAndroid, 'wechat', 'android'],
    [UA.wechatIphone, 'wechat', 'iphone'],
    [UA.chromeAndroid, 'chrome', 'android'],
    [UA.harmony, 'huawei', 'harmonyos'],
    [UA.headlessLinux, 'chrome', 'linux'],
    [UA.iosAppWebView, null, 'ipad'],
  ] as const)('%s', (ua, browser, os) => {
    expect(parseUserAgent(ua)).toEqual({ browser, os });
  });

  it('guesses nothing from an empty, missing or unfamiliar one', () => {
    expect(parseUserAgent(undefined)).toEqual({ browser: null, os: null });
    expect(parseUserAgent('')).toEqual({ browser: null, os: null });
    expect(parseUserAgent('curl/8.5.0')).toEqual({ browser: null, os: null });
  });
});

describe('describing a device', () => {
  it('names the browser and the system in English', () => {
    const t = tr('en');
    expect(describeDevice(UA.chromeWindows, t)).toBe('Chrome on Windows');
    expect(describeDevice(UA.safariIphone, t)).toBe('Safari on iPhone');
    expect(describeDevice(UA.wechatAndroid, t)).toBe('WeChat browser on Android');
  });

  it('reads naturally in Chinese', () => {
    const t = tr('zh-CN');
    expect(describeDevice(UA.chromeWindows, t)).toBe('Chrome（Windows）');
    expect(describeDevice(UA.wechatAndroid, t)).toBe('微信内置浏览器（Android）');
    expect(describeDevice(UA.harmony, t)).toBe('华为浏览器（鸿蒙）');
  });

  it('says only what it knows', () => {
    expect(describeDevice(UA.iosAppWebView, tr('en'))).toBe('iPad');
    expect(describeDevice('Mozilla/5.0 Firefox/128.0', tr('en'))).toBe('Firefox');
    expect(describeDevice(undefined, tr('en'))).toBe('Unknown device');
    expect(describeDevice('curl/8.5.0', tr('zh-CN'))).toBe('未知设备');
  });
});

describe('the idle limit', () => {
  const at = (minutes: number) => ({ last_used_at: '2026-05-01T08:00:00Z', idle_expires_at: new Date(Date.parse('2026-05-01T08:00:00Z') + minutes * 60_000).toISOString() });

  it('is told in hours, or minutes when not whole hours', () => {
    expect(idleLimit(at(12 * 60), tr('zh-CN'))).toBe('12 小时');
    expect(idleLimit(at(12 * 60), tr('en'))).toBe('12 h');
    expect(idleLimit(at(90), tr('zh-CN'))).toBe('90 分钟');
  });

  it('is left out when the times make no sense', () => {
    expect(idleLimit({ last_used_at: 'x', idle_expires_at: '2026-05-01T08:00:00Z' }, tr('en'))).toBeNull();
    expect(idleLimit(at(0), tr('en'))).toBeNull();
    expect(idleLimit(at(-5), tr('en'))).toBeNull();
  });
});
