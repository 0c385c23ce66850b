import { describe, expect, it } from 'vitest';
import { ageFrom, formatDate, formatDuration, formatRelative, listNames, minutesSince } from './format';

describe('ageFrom', () => {
  const now = new Date(2026, 10, 23); // 23 Nov 2026
  it('counts whole years, before and after the birthday', () => {
    expect(ageFrom('1964-03-17', now)).toBe(62);
    expect(ageFrom('1964-11-24', now)).toBe(61);
    expect(ageFrom('1964-11-23', now)).toBe(62);
  });
  it('is undefined when unknown or malformed', () => {
    expect(ageFrom(undefined, now)).toBeUndefined();
    expect(ageFrom('17/03/1964', now)).toBeUndefined();
  });
});

describe('minutesSince', () => {
  it('never goes negative', () => {
    expect(minutesSince('2026-11-23T02:00:00Z', Date.parse('2026-11-23T03:05:30Z'))).toBe(65);
    expect(minutesSince('2026-11-23T04:00:00Z', Date.parse('2026-11-23T03:00:00Z'))).toBe(0);
  });
});

describe('formatRelative', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();
  const MIN = 60_000;
  it('says "just now" under a minute, and for a time slightly ahead of this clock', () => {
    expect(formatRelative(ago(30_000), 'en', 'just now', now)).toBe('just now');
    expect(formatRelative(ago(-5_000), 'zh-CN', '刚刚', now)).toBe('刚刚');
  });
  it('counts minutes, hours and days in the reader\'s language', () => {
    expect(formatRelative(ago(5 * MIN), 'en', 'just now', now)).toBe('5 minutes ago');
    expect(formatRelative(ago(5 * MIN), 'zh-CN', '刚刚', now)).toBe('5分钟前');
    expect(formatRelative(ago(3 * 60 * MIN), 'en', 'just now', now)).toBe('3 hours ago');
    expect(formatRelative(ago(3 * 60 * MIN), 'zh-CN', '刚刚', now)).toBe('3小时前');
    expect(formatRelative(ago(25 * 60 * MIN), 'en', 'just now', now)).toBe('yesterday');
    expect(formatRelative(ago(25 * 60 * MIN), 'zh-CN', '刚刚', now)).toBe('昨天');
  });
  it('gives the date after a week', () => {
    expect(formatRelative('2026-11-20T12:00:00Z', 'en', 'just now', now)).toBe(formatDate('2026-11-20T12:00:00Z', 'en'));
  });
});

describe('formatDuration', () => {
  it('reads like a clock: minutes and seconds, hours when there are any', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(192)).toBe('3:12');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(59.9)).toBe('0:59');
    expect(formatDuration(-5)).toBe('0:00');
    expect(formatDuration(Number.NaN)).toBe('0:00');
  });
});

describe('listNames', () => {
  it('lists names with the separator of the language, without "and"', () => {
    expect(listNames(['王建国', '李明'], 'zh-CN')).toBe('王建国、李明');
    expect(listNames(['王建国', '李明'], 'en')).toBe('王建国, 李明');
    expect(listNames([], 'en')).toBe('');
  });
});
