import { useCallback, useSyncExternalStore } from 'react';
import { getLocale, setLocale, subscribeLocale, translate, type Locale, type MessageKey, type TArgs, type Translate } from './index';

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
}

/** The current locale and a `t` bound to it; the component re-renders when the language changes. */
export function useI18n(): I18n {
  const locale = useSyncExternalStore(subscribeLocale, getLocale, getLocale);
  const t = useCallback(
    <K extends MessageKey>(key: K, ...args: TArgs<K>) => translate(locale, key, ...args),
    [locale],
  ) as Translate;
  return { locale, setLocale, t };
}
