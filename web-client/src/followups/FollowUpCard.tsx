// One follow-up item (随访): what to do, how, when it is due (time left or
// how long overdue, in words), who does it and who planned it, its result once
// recorded; the assignee or the case's teams record the result here.

import { useId, useState, type FormEvent } from 'react';
import type { FollowUpDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { href } from '../router';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { DeadlineBadge, useDeadline } from '../ui/Deadline';
import { formatDateTime } from '../ui/format';
import { knownUser, useUsersVersion } from '../users/cache';
import { followUpState } from './followUps';

interface Props {
  followUp: FollowUpDto;
  /** May the signed-in user record its result (the assignee, or a member of the case's teams)? */
  canRecord: boolean;
  /** Name the patient and link the case (lists outside the case page). */
  showCase?: boolean;
  onChange: (f: FollowUpDto) => void;
}

/** A follow-up as a card of its own (the case page's list). */
export function FollowUpCard(props: Props) {
  const state = followUpState(props.followUp, Date.now());
  return (
    <li className={`card follow-up follow-up--${state}`} data-follow-up={props.followUp.id} data-state={state}>
      <FollowUpContent {...props} />
    </li>
  );
}

/** The content of a follow-up card, for lists that draw the card themselves (My work). */
export function FollowUpContent({ followUp: f, canRecord, showCase = false, onChange }: Props) {
  const { t, locale } = useI18n();
  useUsersVersion([f.assignee_id, f.created_by, ...(f.completed_by === undefined ? [] : [f.completed_by])]);
  // Re-renders when it turns overdue.
  useDeadline(f.status === 'open' ? f.due_at : undefined);
  const state = followUpState(f, Date.now());
  const [recording, setRecording] = useState(false);
  const [result, setResult] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const resultId = useId();
  const titleId = useId();
  const name = (id: string | undefined) => (id === undefined ? '…' : (knownUser(id)?.display_name ?? '…'));

  async function record(e: FormEvent) {
    e.preventDefault();
    if (result.trim() === '') return;
    setBusy(true);
    setError(undefined);
    try {
      onChange(await rest.completeFollowUp(f.id, { result: result.trim() }));
      setRecording(false);
      setResult('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="follow-up__body" aria-labelledby={titleId} role="group">
      <div className="card__head">
        <span className={`badge follow-up__state follow-up__state--${state}`}>{t(`followUp.state.${state}`)}</span>
        <strong id={titleId} className="follow-up__title">
          {f.title}
        </strong>
        {f.status === 'open' && <DeadlineBadge dueAt={f.due_at} />}
      </div>
      {showCase && (
        <p className="follow-up__case">
          <a href={href({ name: 'case', caseId: f.case_id })}>
            <strong>{f.patient_name}</strong> · {f.case_title}
          </a>
        </p>
      )}
      {f.instructions !== '' && <p className="follow-up__instructions">{f.instructions}</p>}
      <p className="muted follow-up__meta">
        {t('followUp.dueAt', { time: formatDateTime(f.due_at, locale) })} · {t('followUp.assignedTo', { name: name(f.assignee_id) })} ·{' '}
        {t('followUp.plannedBy', { name: name(f.created_by) })}
      </p>
      {f.status === 'done' && (
        <div className="follow-up__result">
          <strong>{t('followUp.result')}:</strong> <span>{f.result ?? ''}</span>
          {f.completed_at !== undefined && (
            <span className="muted"> · {t('followUp.recordedBy', { name: name(f.completed_by), time: formatDateTime(f.completed_at, locale) })}</span>
          )}
        </div>
      )}
      {canRecord && f.status === 'open' && (
        <div className="card__actions">
          <button type="button" className="button button--small button--accent" aria-expanded={recording} onClick={() => setRecording(!recording)}>
            {t('followUp.record')}
          </button>
        </div>
      )}
      {recording && (
        <form className="inline-form" onSubmit={(e) => void record(e)} aria-label={t('followUp.record')}>
          <div className="field">
            <label htmlFor={resultId}>{t('followUp.result')}</label>
            <textarea id={resultId} name="result" rows={3} value={result} onChange={(e) => setResult(e.target.value)} required />
          </div>
          <button type="submit" className="button button--accent" disabled={busy || result.trim() === ''}>
            {t('followUp.recordSubmit')}
          </button>
        </form>
      )}
      <ErrorText error={error} />
    </div>
  );
}
