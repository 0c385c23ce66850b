// How slots read: "09:00–09:30", "周二 12月8日", in the viewer's language and time zone.

import type { SlotDto } from '../api/types';
import type { Locale } from '../i18n';
import { slotEnd } from './week';

const intlLocale = (locale: Locale) => (locale === 'zh-CN' ? 'zh-CN' : 'en-GB');

/** "09:00". */
export function formatClock(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
}

/** "09:00–09:30": when the slot starts and ends. */
export function formatSlotTime(slot: SlotDto, locale: Locale): string {
  return `${formatClock(new Date(slot.starts_at), locale)}–${formatClock(slotEnd(slot), locale)}`;
}

/** "12月8日周二" / "Tue 8 Dec": a day of the week view. */
export function formatDay(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { weekday: 'short', month: 'short', day: 'numeric' }).format(date);
}

/** "12月8日周二 09:00–09:30": a slot on its own (pickers, messages). */
export function formatSlotWhen(slot: SlotDto, locale: Locale): string {
  return `${formatDay(new Date(slot.starts_at), locale)} ${formatSlotTime(slot, locale)}`;
}
