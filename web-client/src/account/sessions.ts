// The pure parts of the Sessions page (登录设备, SPEC §11).
//
// A short, honest description of a signed-in device from the User-Agent it
// signed in with ("Chrome on Windows", "微信内置浏览器（Android）"). Only a few
// browsers and systems are told apart: another browser built on Chrome shows
// as Chrome (which it says it is), anything else is left out rather than
// guessed, and a missing or unreadable User-Agent is an "unknown device".

import type { Translate } from '../i18n';

export type DeviceBrowser = 'wechat' | 'huawei' | 'edge' | 'firefox' | 'chrome' | 'safari';
export type DeviceOs = 'iphone' | 'ipad' | 'harmonyos' | 'android' | 'windows' | 'chromeos' | 'macos' | 'linux';

export interface Device {
  browser: DeviceBrowser | null;
  os: DeviceOs | null;
}

// First match wins: WeChat, Huawei's browser and Edge also say "Chrome" or "Safari", Chrome also says "Safari".
const BROWSERS: readonly [DeviceBrowser, RegExp][] = [
  ['wechat', /MicroMessenger\//i],
  ['huawei', /\bHuaweiBrowser\//],
  ['edge', /\bEdg(e|A|iOS)?\//],
  ['firefox', /\b(Firefox|FxiOS)\//],
  ['chrome', /(Chrome|CriOS)\//], // also "HeadlessChrome/"
  ['safari', /\bVersion\/[\d.]+.*\bSafari\//],
];

// iOS says "like Mac OS X", HarmonyOS phones may say "Android", Android says "Linux".
const SYSTEMS: readonly [DeviceOs, RegExp][] = [
  ['iphone', /\biPhone\b/],
  ['ipad', /\biPad\b/],
  ['harmonyos', /\b(HarmonyOS|OpenHarmony)\b/],
  ['android', /\bAndroid\b/],
  ['windows', /\bWindows\b/],
  ['chromeos', /\bCrOS\b/],
  ['macos', /\bMac OS X\b|\bMacintosh\b/],
  ['linux', /\bLinux\b/],
];

export function parseUserAgent(userAgent: string | undefined): Device {
  const ua = userAgent ?? '';
  return {
    browser: BROWSERS.find(([, re]) => re.test(ua))?.[0] ?? null,
    os: SYSTEMS.find(([, re]) => re.test(ua))?.[0] ?? null,
  };
}

/** "Chrome on Windows", "Safari on iPhone", just "Firefox" or "Android", else "Unknown device". */
export function describeDevice(userAgent: string | undefined, t: Translate): string {
  const { browser, os } = parseUserAgent(userAgent);
  if (browser !== null && os !== null) return t('sessions.deviceOn', { browser: t(`sessions.browser.${browser}`), os: t(`sessions.os.${os}`) });
  if (browser !== null) return t(`sessions.browser.${browser}`);
  if (os !== null) return t(`sessions.os.${os}`);
  return t('sessions.unknownDevice');
}

/** The idle limit (`SESSION_IDLE_SECS`) as the server applies it to a session, in words ("12 h", "12 小时"), or null. */
export function idleLimit(session: { last_used_at: string; idle_expires_at: string }, t: Translate): string | null {
  const ms = Date.parse(session.idle_expires_at) - Date.parse(session.last_used_at);
  if (!Number.isFinite(ms) || ms < 60_000) return null;
  const minutes = Math.round(ms / 60_000);
  return minutes % 60 === 0 ? t('sessions.hours', { hours: minutes / 60 }) : t('sessions.minutes', { minutes });
}
