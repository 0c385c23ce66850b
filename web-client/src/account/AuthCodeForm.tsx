// A code asked before a two-factor change (turning it on, new recovery codes,
// turning it off): one field, a button, Cancel. A refused code is said in the
// user's language, cleared and focused again for the next try.

import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/useI18n';
import { ErrorText } from '../ui/common';
import { appCode } from './twoFactor';

export function AuthCodeForm({
  label,
  submitText,
  recoveryAllowed = false,
  danger = false,
  hint,
  onSubmit,
  onCancel,
}: {
  label: string;
  submitText: string;
  /** A recovery code is accepted too: a text field rather than a numeric one. */
  recoveryAllowed?: boolean;
  danger?: boolean;
  hint?: ReactNode;
  /** Rejects to show why (and keep the form); resolves when done. */
  onSubmit: (code: string) => Promise<void>;
  onCancel?: () => void;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const hintId = useId();

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const value = recoveryAllowed ? code.trim() : appCode(code);
    setError(undefined);
    setMissing(value === '');
    if (value === '') {
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await onSubmit(value);
    } catch (failure) {
      setError(failure);
      setCode('');
      inputRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="auth-code-form" onSubmit={(e) => void submit(e)} noValidate>
      {hint !== undefined && (
        <p id={hintId} className="muted">
          {hint}
        </p>
      )}
      <div className="field">
        <label htmlFor={inputId}>{label}</label>
        <input
          id={inputId}
          ref={inputRef}
          name="code"
          type="text"
          className="code-input"
          autoComplete="one-time-code"
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          {...(recoveryAllowed ? {} : { inputMode: 'numeric' as const, pattern: '[0-9 ]*', maxLength: 7 })}
          aria-invalid={missing || error !== undefined}
          aria-describedby={hint === undefined ? undefined : hintId}
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
      </div>
      {missing ? (
        <div role="alert" className="form-error">
          {t('twoFactor.missingCode')}
        </div>
      ) : (
        <ErrorText error={error} />
      )}
      <div className="toolbar">
        <button type="submit" className={danger ? 'button button--danger' : 'button button--primary'} disabled={busy} aria-busy={busy}>
          {busy ? t('twoFactor.working') : submitText}
        </button>
        {onCancel !== undefined && (
          <button type="button" className="button" disabled={busy} onClick={onCancel}>
            {t('twoFactor.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
