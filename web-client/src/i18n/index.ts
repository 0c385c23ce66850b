// Every user-visible string goes through `t(key, params)`. Keys and their
// placeholders are typed from the English dictionary, so a missing key or a
// forgotten parameter is a compile error, not a blank on screen.
//
// The locale is the user's saved choice, else the first of navigator.languages
// that we support (Chinese or English), else English.

import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export type { MessageKey } from './en';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language named in itself, so a user can find theirs whatever is on screen now. */
export const LOCALE_AUTONYMS: Record<Locale, string> = {
  'zh-CN': '中文',
  en: 'English',
};

export const dictionaries: Record<Locale, Record<MessageKey, string>> = {
  'zh-CN': zhCN,
  en,
};

type Placeholders<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;

/** The placeholder names of a message, e.g. `'name'` for `'Connected as {name}'`. */
export type ParamsOf<K extends MessageKey> = Placeholders<(typeof en)[K]>;

export type Params<K extends MessageKey> = Record<ParamsOf<K>, string | number>;

/** Messages without placeholders take no params; the others require all of theirs. */
export type TArgs<K extends MessageKey> = [ParamsOf<K>] extends [never] ? [params?: undefined] : [params: Params<K>];

export type Translate = <K extends MessageKey>(key: K, ...args: TArgs<K>) => string;

/** Replace each `{name}` with its parameter; an unknown placeholder is left visible rather than blanked. */
export function interpolate(template: string, params?: Readonly<Record<string, string | number>>): string {
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : placeholder,
  );
}

export function translate<K extends MessageKey>(locale: Locale, key: K, ...[params]: TArgs<K>): string {
  const template = dictionaries[locale][key] ?? en[key] ?? key;
  return interpolate(template, params);
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The locale for a browser's preference list: whichever of Chinese or English
 * comes first (so `['fr', 'zh-TW', 'en']` gives Chinese), English when neither does.
 * Every Chinese variant maps to zh-CN until we ship Traditional Chinese.
 */
export function detectLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary === 'zh') return 'zh-CN';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

// --- the current locale of this tab ----------------------------------------

export const LOCALE_STORAGE_KEY = 'consilium.locale';

type Listener = () => void;
const listeners = new Set<Listener>();
let current: Locale = initialLocale();

function initialLocale(): Locale {
  const saved = readSavedLocale();
  if (saved !== null) return saved;
  if (typeof navigator === 'undefined') return 'en';
  return detectLocale(navigator.languages ?? [navigator.language]);
}

function readSavedLocale(): Locale | null {
  try {
    const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(LOCALE_STORAGE_KEY);
    return isLocale(saved) ? saved : null;
  } catch {
    return null;
  }
}

export function getLocale(): Locale {
  return current;
}

/** Switch language, remember the choice, and re-render whoever subscribed. */
export function setLocale(locale: Locale): void {
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Not persisted (storage disabled); the switch still applies to this tab.
  }
  if (locale === current) return;
  current = locale;
  syncDocument();
  for (const listener of listeners) listener();
}

export function subscribeLocale(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Translate in the current locale. React components use `useI18n()` so they re-render on a switch. */
export function t<K extends MessageKey>(key: K, ...args: TArgs<K>): string {
  return translate(current, key, ...args);
}

/** Keep `<html lang>` and the tab title in step with the locale (screen readers pick their voice from `lang`). */
export function syncDocument(): void {
  if (typeof document === 'undefined') return;
  document.documentElement.lang = current;
  document.title = t('app.name');
}
