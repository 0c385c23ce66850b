import { describe, expect, it } from 'vitest';
import type { SlotDto } from '../api/types';
import {
  addDays,
  dayKey,
  isBookable,
  localInputValue,
  placesLeft,
  slotEnd,
  slotsByDay,
  startOfWeek,
  weekDays,
  weekRange,
  weeksFrom,
} from './week';

const local = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min);

const slot = (id: string, start: Date, extra: Partial<SlotDto> = {}): SlotDto => ({
  id,
  team_id: 'team',
  doctor_id: 'doc',
  starts_at: start.toISOString(),
  duration_minutes: 30,
  capacity: 2,
  booked: 0,
  reserved_for_referrals: false,
  ...extra,
});

describe('weeks', () => {
  it('start on Monday at local midnight', () => {
    // 2026-12-09 is a Wednesday.
    expect(dayKey(startOfWeek(local(2026, 12, 9, 15, 30)))).toBe('2026-12-07');
    expect(startOfWeek(local(2026, 12, 9, 15, 30)).getHours()).toBe(0);
    // A Sunday belongs to the week that started the Monday before.
    expect(dayKey(startOfWeek(local(2026, 12, 13, 23, 59)))).toBe('2026-12-07');
    // A Monday is its own week's start.
    expect(dayKey(startOfWeek(local(2026, 12, 7)))).toBe('2026-12-07');
  });

  it('cross months and years', () => {
    expect(dayKey(startOfWeek(local(2027, 1, 1)))).toBe('2026-12-28');
    expect(weekDays(local(2026, 12, 28)).map(dayKey)).toEqual([
      '2026-12-28',
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
    ]);
  });

  it('give the query window of a week', () => {
    const start = local(2026, 12, 7);
    expect(weekRange(start)).toEqual({ from: start.toISOString(), to: local(2026, 12, 14).toISOString() });
  });

  it('count weeks from now', () => {
    const now = local(2026, 12, 9, 10);
    expect(weeksFrom(now, local(2026, 12, 7))).toBe(0);
    expect(weeksFrom(now, addDays(local(2026, 12, 7), 14))).toBe(2);
    expect(weeksFrom(now, addDays(local(2026, 12, 7), -7))).toBe(-1);
  });
});

describe('slotsByDay', () => {
  const monday = local(2026, 12, 7);

  it('puts each slot on the day it starts, soonest first, and keeps empty days', () => {
    const days = slotsByDay(
      [
        slot('b', local(2026, 12, 8, 14)),
        slot('a', local(2026, 12, 8, 9)),
        slot('c', local(2026, 12, 13, 23, 30)),
      ],
      monday,
    );
    expect(days).toHaveLength(7);
    expect(days.map((d) => d.slots.map((s) => s.id))).toEqual([[], ['a', 'b'], [], [], [], [], ['c']]);
  });

  it('leaves out slots of other weeks', () => {
    const days = slotsByDay([slot('before', local(2026, 12, 6, 23, 59)), slot('after', local(2026, 12, 14, 0, 0))], monday);
    expect(days.every((d) => d.slots.length === 0)).toBe(true);
  });
});

describe('a slot', () => {
  const start = local(2026, 12, 8, 9);

  it('ends after its duration', () => {
    expect(slotEnd(slot('a', start, { duration_minutes: 45 })).getTime()).toBe(local(2026, 12, 8, 9, 45).getTime());
  });

  it('is bookable while a place is free and it has not started', () => {
    const before = local(2026, 12, 8, 8).getTime();
    expect(placesLeft(slot('a', start, { capacity: 3, booked: 1 }))).toBe(2);
    expect(isBookable(slot('a', start, { capacity: 3, booked: 1 }), before)).toBe(true);
    expect(isBookable(slot('a', start, { capacity: 2, booked: 2 }), before)).toBe(false);
    expect(isBookable(slot('a', start), start.getTime())).toBe(false);
  });
});

describe('localInputValue', () => {
  it('is what a datetime-local input holds', () => {
    expect(localInputValue(local(2026, 1, 5, 9, 5))).toBe('2026-01-05T09:05');
  });
});
