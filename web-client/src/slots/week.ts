// Expert slots (号源, SPEC §10) by week: weeks start on Monday (as Chinese
// clinic timetables do), days are the viewer's local days, and a slot belongs
// to the day it starts. Pure, so the week view's arithmetic is tested without
// a clock or a DOM.

import type { SlotDto } from '../api/types';

const DAY_MS = 86_400_000;

/** A slot picker's value for "keep the slot booked with the referral" (no slot id is that). */
export const KEEP_SLOT = 'keep';

/** Midnight (local) of the Monday of `date`'s week. */
export function startOfWeek(date: Date): Date {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const sinceMonday = (d.getDay() + 6) % 7;
  d.setDate(d.getDate() - sinceMonday);
  return d;
}

/** `date` moved by whole local days (daylight saving changes keep midnight at midnight). */
export function addDays(date: Date, days: number): Date {
  const d = new Date(date);
  d.setDate(d.getDate() + days);
  return d;
}

/** The seven days (local midnights) of the week starting `weekStart`. */
export function weekDays(weekStart: Date): Date[] {
  return Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));
}

/** `from` and `to` of `GET /teams/{id}/slots` for the week starting `weekStart`. */
export function weekRange(weekStart: Date): { from: string; to: string } {
  return { from: weekStart.toISOString(), to: addDays(weekStart, 7).toISOString() };
}

/** "2026-12-07" for a local day, to tell days apart. */
export function dayKey(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
}

export interface SlotDay {
  day: Date;
  /** Soonest first. */
  slots: SlotDto[];
}

/** The week's seven days, each with the slots starting on it, soonest first; slots outside the week are left out. */
export function slotsByDay(slots: readonly SlotDto[], weekStart: Date): SlotDay[] {
  const days = weekDays(weekStart).map((day) => ({ day, slots: [] as SlotDto[] }));
  const index = new Map(days.map((d, i) => [dayKey(d.day), i]));
  for (const slot of [...slots].sort(bySoonest)) {
    const i = index.get(dayKey(new Date(slot.starts_at)));
    if (i !== undefined) days[i]!.slots.push(slot);
  }
  return days;
}

export function bySoonest(a: SlotDto, b: SlotDto): number {
  return Date.parse(a.starts_at) - Date.parse(b.starts_at) || a.id.localeCompare(b.id);
}

/** When the slot ends. */
export function slotEnd(slot: SlotDto): Date {
  return new Date(Date.parse(slot.starts_at) + slot.duration_minutes * 60_000);
}

/** Places still free. */
export function placesLeft(slot: SlotDto): number {
  return Math.max(0, slot.capacity - slot.booked);
}

/** Whether a patient can still be booked on it: a free place, not started yet. */
export function isBookable(slot: SlotDto, now: number): boolean {
  return placesLeft(slot) > 0 && Date.parse(slot.starts_at) > now;
}

/** Whether `day` is today (local). */
export function isSameDay(a: Date, b: Date): boolean {
  return dayKey(a) === dayKey(b);
}

/** Whole weeks from the week of `now` to the week starting `weekStart` (0: this week, -1: last week). */
export function weeksFrom(now: Date, weekStart: Date): number {
  return Math.round((startOfWeek(weekStart).getTime() - startOfWeek(now).getTime()) / (7 * DAY_MS));
}

/** A `datetime-local` value for `date` at `hour`:`minute` local time, e.g. the publish form's default. */
export function localInputValue(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${dayKey(date)}T${p(date.getHours())}:${p(date.getMinutes())}`;
}
