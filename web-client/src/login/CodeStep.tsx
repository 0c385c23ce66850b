// The second step of signing in with two-factor sign-in on (SPEC §11): the
// 6-digit code from the authenticator app, or one of the recovery codes saved
// when it was set up. A wrong code keeps the step (the challenge allows a few
// tries); a spent challenge (expired, or too many wrong codes) sends the user
// back to the password, which says why.

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { MfaChallenge } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { api } from '../session';
import { codeErrorKey, restartsSignIn, type LoginErrorKey } from './loginError';

type CodeKind = 'app' | 'recovery';

export function CodeStep({
  challenge,
  headingId,
  onRestart,
}: {
  challenge: MfaChallenge;
  headingId: string;
  /** Back to the password step; `expired` when the server refused the challenge itself. */
  onRestart: (expired: boolean) => void;
}) {
  const { t } = useI18n();
  const [kind, setKind] = useState<CodeKind>('app');
  const [code, setCode] = useState('');
  const [error, setError] = useState<LoginErrorKey | 'login.mfa.missingCode' | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const inputId = useId();

  useEffect(() => {
    inputRef.current?.focus();
  }, [kind]);

  function switchKind() {
    setKind(kind === 'app' ? 'recovery' : 'app');
    setCode('');
    setError(null);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    // Apps show "123 456"; recovery codes are typed as printed.
    const value = kind === 'app' ? code.replace(/\s+/g, '') : code.trim();
    if (value === '') {
      setError('login.mfa.missingCode');
      inputRef.current?.focus();
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      await api.completeLogin({ mfa_token: challenge.mfa_token, code: value });
      // Signed in: the app swaps this page for the shell.
    } catch (failure) {
      setSubmitting(false);
      if (restartsSignIn(failure)) {
        onRestart(true);
        return;
      }
      setError(codeErrorKey(failure));
      setCode('');
      inputRef.current?.focus();
    }
  }

  return (
    <>
      <h1 id={headingId}>{t('login.mfa.title')}</h1>
      <p className="muted">{t(kind === 'app' ? 'login.mfa.intro' : 'login.mfa.recoveryIntro')}</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={inputId}>{t(kind === 'app' ? 'login.mfa.code' : 'login.mfa.recoveryCode')}</label>
          {kind === 'app' ? (
            <input
              key="app"
              id={inputId}
              ref={inputRef}
              name="code"
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]*"
              maxLength={7}
              className="code-input"
              aria-invalid={error !== null}
              aria-describedby={error === null ? undefined : errorId}
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          ) : (
            <input
              key="recovery"
              id={inputId}
              ref={inputRef}
              name="recovery-code"
              type="text"
              autoComplete="off"
              autoCapitalize="none"
              autoCorrect="off"
              spellCheck={false}
              className="code-input"
              aria-invalid={error !== null}
              aria-describedby={error === null ? undefined : errorId}
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          )}
        </div>

        <div id={errorId} className="form-error" role="alert">
          {error === null ? null : t(error)}
        </div>

        <button type="submit" className="button button--primary" disabled={submitting} aria-busy={submitting}>
          {submitting ? t('login.mfa.submitting') : t('login.mfa.submit')}
        </button>
      </form>
      <p className="login-card__links">
        <button type="button" className="link-button" onClick={switchKind}>
          {t(kind === 'app' ? 'login.mfa.useRecovery' : 'login.mfa.useApp')}
        </button>
        <button type="button" className="link-button" onClick={() => onRestart(false)}>
          {t('login.mfa.startOver')}
        </button>
      </p>
    </>
  );
}
