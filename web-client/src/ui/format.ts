// Dates, ages and durations in the user's language.

import type { Locale } from '../i18n';

const intlLocale = (locale: Locale) => (locale === 'zh-CN' ? 'zh-CN' : 'en-GB');

export function formatTime(iso: string, locale: Locale, now = new Date()): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(intlLocale(locale), sameDay ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d);
}

export function formatDateTime(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'medium' }).format(new Date(iso));
}

/** Whole years between a YYYY-MM-DD birth date and `now`; undefined when unknown or malformed. */
export function ageFrom(birthDate: string | undefined, now = new Date()): number | undefined {
  if (birthDate === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = now.getFullYear() - y;
  if (now.getMonth() + 1 < mo || (now.getMonth() + 1 === mo && now.getDate() < d)) age -= 1;
  return age >= 0 ? age : undefined;
}

/**
 * "5 分钟前" / "5 minutes ago", "昨天" / "yesterday" up to a week back, then the
 * date; `justNow` (the caller's words) under a minute, also for a time slightly
 * ahead of this clock.
 */
export function formatRelative(iso: string, locale: Locale, justNow: string, now = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.floor((now - then) / 1000);
  if (seconds < 60) return justNow;
  const rtf = new Intl.RelativeTimeFormat(intlLocale(locale), { numeric: 'auto' });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return rtf.format(-minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return rtf.format(-hours, 'hour');
  const days = Math.floor(hours / 24);
  if (days < 7) return rtf.format(-days, 'day');
  return formatDate(iso, locale);
}

/** Minutes since `iso`, for "waiting 2 h 5 min". */
export function minutesSince(iso: string, now = Date.now()): number {
  return Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
}

/** A `datetime-local` input value (local time) as RFC 3339 UTC. */
export function localInputToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** "3:12", "1:02:03": a duration in whole seconds, as a clock shows it (never negative). */
export function formatDuration(totalSeconds: number): string {
  const s = Number.isFinite(totalSeconds) ? Math.max(0, Math.floor(totalSeconds)) : 0;
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** "王建国、李明" / "王建国, 李明": names listed without "and", for a compact line. */
export function listNames(names: readonly string[], locale: Locale): string {
  return names.join(locale === 'zh-CN' ? '、' : ', ');
}

/** "王建国、李晓红和张伟" / "Wang, Li and Zhang": a list of names in the user's language. */
export function joinNames(names: readonly string[], locale: Locale): string {
  try {
    return new Intl.ListFormat(intlLocale(locale), { style: 'long', type: 'conjunction' }).format(names);
  } catch {
    return names.join(locale === 'zh-CN' ? '、' : ', ');
  }
}
