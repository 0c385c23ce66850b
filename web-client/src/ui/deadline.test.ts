import { describe, expect, it } from 'vitest';
import { translate, type Locale, type Translate } from '../i18n';
import { deadlineState, formatDeadline, formatMinutes } from './deadline';

const tr = (locale: Locale): Translate => ((key, ...args) => translate(locale, key, ...args)) as Translate;
const MIN = 60_000;
const due = '2026-12-05T08:30:00Z';
const at = (offsetMs: number) => Date.parse(due) + offsetMs;
const text = (locale: Locale, offsetMs: number) => {
  const state = deadlineState(due, at(offsetMs));
  if (state === null) throw new Error('no state');
  return formatDeadline(state, tr(locale));
};

describe('deadlineState', () => {
  it('rounds the time left up: the last minute still reads one minute', () => {
    expect(deadlineState(due, at(-8 * MIN))).toEqual({ overdue: false, minutes: 8, nextChangeMs: MIN });
    expect(deadlineState(due, at(-7.5 * MIN))).toEqual({ overdue: false, minutes: 8, nextChangeMs: 30_000 });
    expect(deadlineState(due, at(-1))).toEqual({ overdue: false, minutes: 1, nextChangeMs: 1 });
  });

  it('is overdue from the due time on, rounding the time overdue down', () => {
    expect(deadlineState(due, at(0))).toEqual({ overdue: true, minutes: 0, nextChangeMs: MIN });
    expect(deadlineState(due, at(59_999))).toEqual({ overdue: true, minutes: 0, nextChangeMs: 1 });
    expect(deadlineState(due, at(12.25 * MIN))).toEqual({ overdue: true, minutes: 12, nextChangeMs: 45_000 });
  });

  it('says when the text changes next, which is when the minute count does', () => {
    for (const offset of [-90 * MIN, -61_234, -1_000, 0, 1, 5 * MIN + 17]) {
      const now = at(offset);
      const state = deadlineState(due, now)!;
      const later = deadlineState(due, now + state.nextChangeMs)!;
      const before = deadlineState(due, now + state.nextChangeMs - 1)!;
      expect([later.overdue, later.minutes]).not.toEqual([state.overdue, state.minutes]);
      expect([before.overdue, before.minutes]).toEqual([state.overdue, state.minutes]);
    }
  });

  it('is null for a due time it cannot read', () => {
    expect(deadlineState('soon', Date.now())).toBeNull();
  });
});

describe('formatDeadline', () => {
  it('says how long is left, in each language', () => {
    expect(text('zh-CN', -8 * MIN)).toBe('剩余 8 分钟');
    expect(text('en', -8 * MIN)).toBe('8 min left');
    expect(text('zh-CN', -30_000)).toBe('剩余 1 分钟');
  });

  it('says how long it is overdue, and just "overdue" in the first minute', () => {
    expect(text('zh-CN', 12 * MIN + 5_000)).toBe('已超时 12 分钟');
    expect(text('en', 12 * MIN + 5_000)).toBe('Overdue by 12 min');
    expect(text('zh-CN', 0)).toBe('已超时');
    expect(text('en', 20_000)).toBe('Overdue');
  });

  it('uses hours and days for long waits', () => {
    expect(text('zh-CN', -(2 * 60 + 5) * MIN)).toBe('剩余 2 小时 5 分钟');
    expect(text('en', -(2 * 60 + 5) * MIN)).toBe('2 h 5 min left');
    expect(text('en', 3 * 60 * MIN)).toBe('Overdue by 3 h');
    expect(text('zh-CN', -(3 * 24 * 60) * MIN)).toBe('剩余 3 天');
    expect(text('en', (26 * 60 + 30) * MIN)).toBe('Overdue by 1 d 2 h');
  });
});

describe('formatMinutes', () => {
  it('switches units at an hour and at a day', () => {
    const zh = tr('zh-CN');
    expect(formatMinutes(59, zh)).toBe('59 分钟');
    expect(formatMinutes(60, zh)).toBe('1 小时');
    expect(formatMinutes(1439, zh)).toBe('23 小时 59 分钟');
    expect(formatMinutes(1440, zh)).toBe('1 天');
    expect(formatMinutes(4320 + 90, zh)).toBe('3 天 1 小时');
  });
});
