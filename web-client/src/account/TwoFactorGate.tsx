// Enrol-only mode (SPEC §11): an account that must use two-factor sign-in and
// has not set it up (an admin under REQUIRE_2FA_FOR_ADMINS) may do nothing but
// enrol: every other endpoint answers 403 `two_factor_required` and the
// websocket is refused. So after sign-in the app asks GET /me/2fa first and,
// for such an account, shows only the enrolment instead of an app that cannot
// work; once it is on, the app starts.
//
// Anything else (2FA on or not required, an older server without the
// endpoint, no network) starts the app as before.

import { useEffect, useState, type ReactNode } from 'react';
import { LanguageSwitch } from '../i18n/LanguageSwitch';
import { useI18n } from '../i18n/useI18n';
import { api, rest } from '../session';
import { Loading } from '../ui/common';
import { TwoFactorSetup } from './TwoFactorSetup';
import { mustEnrol } from './twoFactor';

type Gate = 'checking' | 'enrol' | 'open';

export function TwoFactorGate({ children }: { children: ReactNode }) {
  const [gate, setGate] = useState<Gate>('checking');

  useEffect(() => {
    let live = true;
    rest.twoFactor().then(
      (status) => {
        if (live) setGate(mustEnrol(status) ? 'enrol' : 'open');
      },
      () => {
        if (live) setGate('open');
      },
    );
    return () => {
      live = false;
    };
  }, []);

  if (gate === 'checking') return <Loading />;
  if (gate === 'enrol') return <TwoFactorRequiredPage onEnabled={() => setGate('open')} />;
  return children;
}

/** The whole screen while enrolment is due: why, the set-up, the language and signing out. */
export function TwoFactorRequiredPage({ onEnabled }: { onEnabled: () => void }) {
  const { t } = useI18n();
  return (
    <div className="login-page two-factor-required">
      <div className="login-page__language">
        <LanguageSwitch />
        <button type="button" className="button" onClick={() => void api.logout()}>
          {t('shell.signOut')}
        </button>
      </div>
      <main className="login-card login-card--wide" aria-labelledby="two-factor-required-heading">
        <p className="brand">
          <span className="brand__name">{t('app.name')}</span>
        </p>
        <h1 id="two-factor-required-heading" tabIndex={-1}>
          {t('twoFactor.enrol.title')}
        </h1>
        <p>{t('twoFactor.enrol.intro')}</p>
        <p className="muted">{t('twoFactor.intro')}</p>
        <TwoFactorSetup onDone={onEnabled} onAlreadyOn={onEnabled} />
      </main>
    </div>
  );
}
