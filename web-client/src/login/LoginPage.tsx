import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { isMfaChallenge } from '../api/client';
import type { MfaChallenge } from '../api/types';
import { LanguageSwitch } from '../i18n/LanguageSwitch';
import { useI18n } from '../i18n/useI18n';
import { api } from '../session';
import { CodeStep } from './CodeStep';
import { loginErrorKey, type LoginErrorKey } from './loginError';
import type { SignOutReason } from '../auth/store';

export function LoginPage({ endedReason }: { endedReason: SignOutReason | null }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<LoginErrorKey | null>(null);
  const [submitting, setSubmitting] = useState(false);
  /** Set when the account has two-factor sign-in on: the code step replaces the password step. */
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const errorId = useId();

  useEffect(() => {
    if (challenge !== null) return;
    // Back from the code step the username is known: the password is what to type.
    (username === '' ? usernameRef : passwordRef).current?.focus();
    // Only when the password step appears (at first, and back from the code step), not on each keystroke.
  }, [challenge]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const name = username.trim();
    if (name === '' || password === '') {
      setError('login.error.missingFields');
      (name === '' ? usernameRef : passwordRef).current?.focus();
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      const answer = await api.login({ username: name, password });
      // Signed in: the app swaps this page for the shell, which takes focus. Or a code is asked next.
      if (isMfaChallenge(answer)) {
        setChallenge(answer);
        setSubmitting(false);
      }
    } catch (failure) {
      const key = loginErrorKey(failure);
      setError(key);
      setSubmitting(false);
      if (key === 'login.error.invalidCredentials') {
        setPassword('');
        passwordRef.current?.focus();
      }
    }
  }

  /** From the code step: start over with the password (and say why when the server ended the challenge). */
  function restart(expired: boolean) {
    setChallenge(null);
    setPassword('');
    setError(expired ? 'error.reason.mfa_token_invalid' : null);
  }

  const wrongCredentials = error === 'login.error.invalidCredentials';
  const missing = error === 'login.error.missingFields';
  const describedBy = error === null ? undefined : errorId;

  return (
    <div className="login-page">
      <div className="login-page__language">
        <LanguageSwitch />
      </div>
      <main className="login-card" aria-labelledby={headingId}>
        <p className="brand">
          <span className="brand__name">{t('app.name')}</span>
          <span className="brand__tagline">{t('app.tagline')}</span>
        </p>
        {challenge !== null ? (
          <CodeStep challenge={challenge} headingId={headingId} onRestart={restart} />
        ) : (
          <>
            <h1 id={headingId}>{t('login.title')}</h1>

            {endedReason !== null && endedReason !== 'user' && error === null && (
              <p className="notice" role="status">
                {t(endedReason === 'deactivated' ? 'login.accountDeactivated' : 'login.sessionExpired')}
              </p>
            )}

            <form onSubmit={submit} noValidate>
              <div className="field">
                <label htmlFor="login-username">{t('login.username')}</label>
                <input
                  id="login-username"
                  ref={usernameRef}
                  name="username"
                  type="text"
                  autoComplete="username"
                  autoCapitalize="none"
                  autoCorrect="off"
                  spellCheck={false}
                  required
                  aria-invalid={wrongCredentials || (missing && username.trim() === '')}
                  aria-describedby={describedBy}
                  value={username}
                  onChange={(event) => setUsername(event.target.value)}
                />
              </div>
              <div className="field">
                <label htmlFor="login-password">{t('login.password')}</label>
                <input
                  id="login-password"
                  ref={passwordRef}
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  required
                  aria-invalid={wrongCredentials || (missing && password === '')}
                  aria-describedby={describedBy}
                  value={password}
                  onChange={(event) => setPassword(event.target.value)}
                />
              </div>

              {/* Always rendered, so screen readers announce the message the moment it appears. */}
              <div id={errorId} className="form-error" role="alert">
                {error === null ? null : t(error)}
              </div>

              <button type="submit" className="button button--primary" disabled={submitting} aria-busy={submitting}>
                {submitting ? t('login.submitting') : t('login.submit')}
              </button>
            </form>
          </>
        )}
      </main>
    </div>
  );
}
