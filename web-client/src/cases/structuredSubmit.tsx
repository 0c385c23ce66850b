// The submit of a structured form (the referral form and the consult
// request, SPEC §10): the required fields first, then the diagnoses' ICD-10
// form, and only then the request; and the one message that says what stops
// the form. Both forms share it so they refuse and report alike.

import { useState, type FormEvent } from 'react';
import type { Diagnosis } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { ErrorText } from '../ui/common';
import { checkDiagnoses, type DiagnosisRow } from '../ui/diagnoses';

export interface StructuredSubmit {
  /** The form was submitted once: show every field's problem, not only touched ones. */
  tried: boolean;
  busy: boolean;
  error: unknown;
  /** Checks and sends; `complete` says whether the required fields are filled. */
  submit: (e: FormEvent, complete: boolean, send: (diagnoses: Diagnosis[]) => Promise<void>) => Promise<void>;
}

export function useStructuredSubmit(rows: readonly DiagnosisRow[]): StructuredSubmit {
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent, complete: boolean, send: (diagnoses: Diagnosis[]) => Promise<void>) {
    e.preventDefault();
    setTried(true);
    if (!complete) {
      setError(new Error('missing'));
      return;
    }
    const checked = checkDiagnoses(rows);
    if (checked.problems.size > 0) {
      setError(new Error('fix'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await send(checked.diagnoses);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return { tried, busy, error, submit };
}

/** What stops the form: missing fields (`missing`), ill-formed codes, or the server's refusal. */
export function StructuredFormError({ error, rows, missing }: { error: unknown; rows: readonly DiagnosisRow[]; missing: 'referral.missing' | 'consult.missing' }) {
  const { t } = useI18n();
  if (error instanceof Error && (error.message === 'missing' || error.message === 'fix')) {
    return (
      <div role="alert" className="form-error">
        {error.message === 'missing' ? t(missing) : checkDiagnoses(rows).problems.size > 0 ? t('forms.fixMarked') : ''}
      </div>
    );
  }
  return <ErrorText error={error} />;
}
