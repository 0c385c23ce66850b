// 两步验证 / Two-factor sign-in (SPEC §11, `#/two-factor`): whether it is on
// (GET /me/2fa) and how many recovery codes are left; setting it up
// (TwoFactorSetup.tsx); new recovery codes and turning it off, each after a
// code. An account that must use it (an admin under REQUIRE_2FA_FOR_ADMINS)
// cannot turn it off, so it is not offered.

import { useRef, useState } from 'react';
import type { TwoFactorStatus } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText, Loading } from '../ui/common';
import { useAsync } from '../ui/useAsync';
import { AuthCodeForm } from './AuthCodeForm';
import { RecoveryCodesPanel } from './RecoveryCodesPanel';
import { TwoFactorSetup } from './TwoFactorSetup';
import { FEW_RECOVERY_CODES } from './twoFactor';

/** What the page shows under the status: nothing open, a code form, or new recovery codes. */
type Panel = { name: 'none' } | { name: 'regenerate' } | { name: 'turnOff' } | { name: 'codes'; codes: string[] };

export function TwoFactorPage() {
  const { t } = useI18n();
  const status = useAsync(() => rest.twoFactor(), []);
  const [panel, setPanel] = useState<Panel>({ name: 'none' });
  const [notice, setNotice] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);

  /** A change is done: say so, load the status again and bring focus back to the page (the form is gone). */
  function done(message: string) {
    setPanel({ name: 'none' });
    setNotice(message);
    status.reload();
    headingRef.current?.focus({ preventScroll: true });
  }

  const s = status.data;
  return (
    <section className="page two-factor" aria-labelledby="two-factor-heading">
      <h1 id="two-factor-heading" ref={headingRef} tabIndex={-1}>
        {t('twoFactor.title')}
      </h1>
      <p className="muted">{t('twoFactor.intro')}</p>
      <p role="status" className="sessions__notice">
        {notice}
      </p>
      {status.error !== undefined && <ErrorText error={status.error} />}
      {s === undefined && status.loading && <Loading />}
      {s !== undefined && <StatusLines status={s} />}
      {s !== undefined && !s.enabled && (
        <TwoFactorSetup
          onDone={() => done(t('twoFactor.turnedOn'))}
          onAlreadyOn={() => status.reload()}
        />
      )}
      {s !== undefined && s.enabled && panel.name === 'codes' && (
        <RecoveryCodesPanel codes={panel.codes} onDone={() => done(t('twoFactor.regenerated'))} />
      )}
      {s !== undefined && s.enabled && panel.name !== 'codes' && (
        <div className="two-factor__actions">
          {panel.name === 'regenerate' ? (
            <section className="panel" aria-label={t('twoFactor.regenerate')}>
              <h2>{t('twoFactor.regenerate')}</h2>
              <AuthCodeForm
                label={t('twoFactor.code')}
                hint={t('twoFactor.regenerate.hint')}
                submitText={t('twoFactor.regenerate.submit')}
                onSubmit={async (code) => {
                  const { recovery_codes } = await rest.regenerateRecoveryCodes(code);
                  setNotice('');
                  setPanel({ name: 'codes', codes: recovery_codes });
                }}
                onCancel={() => setPanel({ name: 'none' })}
              />
            </section>
          ) : panel.name === 'turnOff' ? (
            <section className="panel" aria-label={t('twoFactor.turnOff.submit')}>
              <h2>{t('twoFactor.turnOff.submit')}</h2>
              <AuthCodeForm
                label={t('twoFactor.codeOrRecovery')}
                hint={t('twoFactor.turnOff.hint')}
                recoveryAllowed
                danger
                submitText={t('twoFactor.turnOff.submit')}
                onSubmit={async (code) => {
                  await rest.turnOffTwoFactor(code);
                  done(t('twoFactor.turnedOff'));
                }}
                onCancel={() => setPanel({ name: 'none' })}
              />
            </section>
          ) : (
            <div className="toolbar">
              <button type="button" className="button" onClick={() => setPanel({ name: 'regenerate' })}>
                {t('twoFactor.regenerate')}
              </button>
              {!s.required && (
                <button type="button" className="button button--danger" onClick={() => setPanel({ name: 'turnOff' })}>
                  {t('twoFactor.turnOff')}
                </button>
              )}
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function StatusLines({ status: s }: { status: TwoFactorStatus }) {
  const { t } = useI18n();
  return (
    <div className={s.enabled ? 'two-factor__status two-factor__status--on' : 'two-factor__status'}>
      <p>
        <strong>{t(s.enabled ? 'twoFactor.on' : 'twoFactor.off')}</strong>
      </p>
      {s.required && <p>{s.enabled ? t('twoFactor.required') : t('error.reason.two_factor_required')}</p>}
      {s.enabled && <p>{t('twoFactor.codesLeft', { count: s.recovery_codes_left })}</p>}
      {s.enabled && s.recovery_codes_left <= FEW_RECOVERY_CODES && <p className="notice">{t('twoFactor.codesLow')}</p>}
    </div>
  );
}
