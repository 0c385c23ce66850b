import { useEffect, useId, useRef } from 'react';
import type { Session } from '../auth/store';
import { LanguageSwitch } from '../i18n/LanguageSwitch';
import { useI18n } from '../i18n/useI18n';
import { api } from '../session';

/** The signed-in frame: header with who and how to leave, and the main area. */
export function Shell({ session }: { session: Session }) {
  const { t } = useI18n();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const { user } = session;

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  useEffect(() => {
    // Validates the stored tokens (renewing or ending the session as needed) and refreshes the profile.
    const controller = new AbortController();
    api.me(controller.signal).catch(() => {
      // Offline or server trouble: keep showing the stored profile.
    });
    return () => controller.abort();
  }, []);

  return (
    <div className="shell">
      <header className="shell__header">
        <span className="brand__name">{t('app.name')}</span>
        <div className="shell__actions">
          <span className="shell__user" title={t('shell.signedInAs', { name: user.username })}>
            {user.display_name}
          </span>
          <LanguageSwitch />
          <button type="button" className="button" onClick={() => void api.logout()}>
            {t('shell.signOut')}
          </button>
        </div>
      </header>
      <main className="shell__main" aria-labelledby={headingId}>
        <h1 id={headingId} ref={headingRef} tabIndex={-1}>
          {t('shell.connectedAs', { name: user.display_name })}
        </h1>
        {(user.title !== '' || user.institution !== '') && (
          <p className="shell__profile">{[user.title, user.institution].filter((part) => part !== '').join(' · ')}</p>
        )}
        <p className="shell__placeholder">{t('shell.placeholder')}</p>
      </main>
    </div>
  );
}
