// Setting up two-factor sign-in: "Set up" asks the server for a new secret
// (POST /me/2fa/totp), shown as a QR code and as a key to type; a code from
// the app confirms it (POST /me/2fa/totp/confirm), which turns two-factor
// sign-in on and answers the recovery codes, shown this once.
//
// The secret is asked for by the button, never by an effect: each request
// replaces the pending secret on the server, so a repeated request (React's
// development double effects) could leave the page showing a stale one.

import { useState } from 'react';
import { isApiError } from '../api/errors';
import type { TotpEnrollment } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { AuthCodeForm } from './AuthCodeForm';
import { QrCode } from './QrCode';
import { RecoveryCodesPanel } from './RecoveryCodesPanel';
import { groupSecret } from './twoFactor';

type Step = { name: 'start' } | { name: 'scan'; enrollment: TotpEnrollment } | { name: 'codes'; codes: string[] };

export function TwoFactorSetup({ onDone, onAlreadyOn }: { onDone: () => void; onAlreadyOn?: () => void }) {
  const { t } = useI18n();
  const [step, setStep] = useState<Step>({ name: 'start' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function start() {
    setBusy(true);
    setError(undefined);
    try {
      setStep({ name: 'scan', enrollment: await rest.startTotp() });
    } catch (failure) {
      setError(failure);
      // Turned on meanwhile (another tab): the page shows it as on.
      if (isApiError(failure) && failure.reason === 'two_factor_already_enabled') onAlreadyOn?.();
    } finally {
      setBusy(false);
    }
  }

  if (step.name === 'codes') return <RecoveryCodesPanel codes={step.codes} onDone={onDone} />;

  if (step.name === 'start') {
    return (
      <div className="toolbar two-factor__start">
        <button type="button" className="button button--primary" disabled={busy} aria-busy={busy} onClick={() => void start()}>
          {busy ? t('twoFactor.working') : t('twoFactor.setUp')}
        </button>
        <ErrorText error={error} />
      </div>
    );
  }

  const { enrollment } = step;
  return (
    <section className="panel two-factor-setup" aria-labelledby="two-factor-setup-heading">
      <h2 id="two-factor-setup-heading">{t('twoFactor.setup.title')}</h2>
      <p>{t('twoFactor.setup.scan')}</p>
      <QrCode text={enrollment.otpauth_url} alt={t('twoFactor.setup.qrAlt')} />
      <p className="muted">{t('twoFactor.setup.manual')}</p>
      <p>
        <code className="two-factor-setup__secret" data-secret={enrollment.secret}>
          {groupSecret(enrollment.secret)}
        </code>
      </p>
      <p>{t('twoFactor.setup.enterCode')}</p>
      <AuthCodeForm
        label={t('twoFactor.code')}
        submitText={t('twoFactor.setup.confirm')}
        onSubmit={async (code) => setStep({ name: 'codes', codes: (await rest.confirmTotp(code)).recovery_codes })}
        onCancel={() => setStep({ name: 'start' })}
      />
    </section>
  );
}
