import { useId } from 'react';
import { LOCALES, LOCALE_AUTONYMS, isLocale } from './index';
import { useI18n } from './useI18n';

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  const id = useId();
  return (
    <div className="language-switch">
      <label htmlFor={id} className="visually-hidden">
        {t('language.label')}
      </label>
      <select
        id={id}
        value={locale}
        onChange={(event) => {
          if (isLocale(event.target.value)) setLocale(event.target.value);
        }}
      >
        {LOCALES.map((option) => (
          <option key={option} value={option} lang={option}>
            {LOCALE_AUTONYMS[option]}
          </option>
        ))}
      </select>
    </div>
  );
}
