// Administration, users tab: turning off someone's two-factor sign-in when
// they lost both their phone and their recovery codes (DELETE /users/{id}/2fa).
// It lets their password alone sign them in, so it asks first, in place (as
// ending a session does), and says it is done.

import { useEffect, useRef, useState } from 'react';
import type { UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText } from '../ui/common';

export function ResetTwoFactor({ user }: { user: UserDto }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const yesRef = useRef<HTMLButtonElement>(null);
  const name = user.display_name;

  useEffect(() => {
    if (confirming) yesRef.current?.focus();
  }, [confirming]);

  async function reset() {
    setBusy(true);
    setError(undefined);
    try {
      await rest.resetTwoFactor(user.id);
      setDone(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  const question = t('admin.confirmResetTwoFactor', { name });
  return (
    <>
      {confirming ? (
        <div className="session__confirm" role="group" aria-label={question}>
          <span>{question}</span>
          <button ref={yesRef} type="button" className="button button--small button--danger" disabled={busy} onClick={() => void reset()}>
            {t('admin.confirmResetTwoFactorButton')}
          </button>
          <button type="button" className="button button--small" disabled={busy} onClick={() => setConfirming(false)}>
            {t('admin.keepTwoFactor')}
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="button button--small"
          aria-label={t('admin.resetTwoFactorOf', { name })}
          onClick={() => {
            setDone(false);
            setConfirming(true);
          }}
        >
          {t('admin.resetTwoFactor')}
        </button>
      )}
      {done && <span role="status">{t('admin.twoFactorReset', { name })}</span>}
      {error !== undefined && <ErrorText error={error} />}
    </>
  );
}
