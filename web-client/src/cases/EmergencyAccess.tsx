// A case the reader cannot open (404: it does not exist, or they are not on
// its team) offers emergency access (break-glass, SPEC §11): a reason, with a
// warning that it is audited, shown on the case and notified to the team
// lead; then the case opens read-only for a while (POST /cases/{id}/break-glass).

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { isApiError } from '../api/errors';
import type { BreakGlassDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { reasonLongEnough } from './breakGlass';

export function EmergencyAccessOffer({ caseId, onGranted }: { caseId: string; onGranted: (grant: BreakGlassDto | null) => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <section className="page case-unavailable" aria-labelledby="case-unavailable-heading">
      <h1 id="case-unavailable-heading" tabIndex={-1}>
        {t('breakGlass.unavailable.title')}
      </h1>
      <p>{t('breakGlass.unavailable.text')}</p>
      {open ? (
        <EmergencyAccessForm caseId={caseId} onGranted={onGranted} onCancel={() => setOpen(false)} />
      ) : (
        <button type="button" className="button button--danger" onClick={() => setOpen(true)}>
          {t('breakGlass.offer')}
        </button>
      )}
    </section>
  );
}

function EmergencyAccessForm({ caseId, onGranted, onCancel }: { caseId: string; onGranted: (grant: BreakGlassDto | null) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [tooShort, setTooShort] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const reasonId = useId();
  const warningId = useId();
  const hintId = useId();

  useEffect(() => {
    reasonRef.current?.focus();
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setError(undefined);
    const short = !reasonLongEnough(reason);
    setTooShort(short);
    if (short) {
      reasonRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      onGranted(await rest.breakGlass(caseId, reason.trim()));
    } catch (failure) {
      setBusy(false);
      // Readable after all (added to the team meanwhile): just open it.
      if (isApiError(failure) && failure.reason === 'break_glass_not_needed') onGranted(null);
      else setError(failure);
    }
  }

  return (
    <form className="panel break-glass-form" aria-label={t('breakGlass.offer')} aria-describedby={warningId} onSubmit={(e) => void submit(e)} noValidate>
      <h2>{t('breakGlass.offer')}</h2>
      <p id={warningId} className="break-glass-form__warning">
        {t('breakGlass.form.warning')}
      </p>
      <div className="field">
        <label htmlFor={reasonId}>{t('breakGlass.form.reason')}</label>
        <textarea
          id={reasonId}
          ref={reasonRef}
          name="reason"
          rows={3}
          maxLength={1000}
          required
          aria-invalid={tooShort}
          aria-describedby={hintId}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <span id={hintId} className="field-hint muted">
          {t('breakGlass.form.reasonHint')}
        </span>
      </div>
      {tooShort ? (
        <div role="alert" className="form-error">
          {t('error.reason.break_glass_reason_required')}
        </div>
      ) : (
        <ErrorText error={error} />
      )}
      <div className="toolbar">
        <button type="submit" className="button button--danger" disabled={busy} aria-busy={busy}>
          {t('breakGlass.form.submit')}
        </button>
        <button type="button" className="button" disabled={busy} onClick={onCancel}>
          {t('breakGlass.form.cancel')}
        </button>
      </div>
    </form>
  );
}
