import { useId, useState, type FormEvent } from 'react';
import type { ConsultDto } from '../api/types';
import type { ConsultTransition } from '../api/endpoints';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { href } from '../router';
import { rest } from '../session';
import { ErrorText, PriorityBadge, StatusBadge } from '../ui/common';
import { DeadlineBadge } from '../ui/Deadline';
import { DiagnosisList } from '../ui/Diagnoses';
import { Markdown } from '../ui/Markdown';
import { formatDateTime, joinNames } from '../ui/format';
import { knownUser, useUsersVersion } from '../users/cache';

/** One consult with the actions the signed-in user may take on it. */
export function ConsultCard({ consult: c, onChange, onCasePage = false }: { consult: ConsultDto; onChange: (c: ConsultDto) => void; onCasePage?: boolean }) {
  const { t, locale } = useI18n();
  const me = useRealtime((s) => s.userId);
  const thread = useRealtime((s) => s.conversations[c.conversation_id]);
  useUsersVersion([c.requested_by, ...c.consultant_ids]);
  const [mode, setMode] = useState<'none' | 'decline' | 'complete'>('none');
  const [reason, setReason] = useState('');
  const [assessment, setAssessment] = useState('');
  const [recommendation, setRecommendation] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const ids = { reason: useId(), assessment: useId(), recommendation: useId() };

  const consultant = me !== null && c.consultant_ids.includes(me);
  const requester = me === c.requested_by;
  const name = (id: string) => knownUser(id)?.display_name ?? '…';

  async function go(transition: ConsultTransition) {
    setBusy(true);
    setError(undefined);
    try {
      onChange(await rest.consultTransition(c.id, transition));
      setMode('none');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  function complete(e: FormEvent) {
    e.preventDefault();
    if (assessment.trim() === '' || recommendation.trim() === '') return;
    void go({ kind: 'complete', body: { opinion: { assessment: assessment.trim(), recommendation: recommendation.trim() } } });
  }

  return (
    <li className="card consult" data-consult={c.id} data-status={c.status}>
      <div className="card__head">
        <PriorityBadge priority={c.urgency} />
        <StatusBadge status={c.status} />
        <strong>{thread?.info.title ?? t('consult.one')}</strong>
        {/* Present only while the consult waits for an answer (SPEC §7). */}
        <DeadlineBadge dueAt={c.status === 'requested' ? c.due_at : undefined} />
      </div>
      <p className="muted">
        {t('consult.from', { name: name(c.requested_by) })} · {t('consult.to', { names: joinNames(c.consultant_ids.map(name), locale) })} ·{' '}
        {formatDateTime(c.created_at, locale)}
      </p>
      {(c.summary !== '' || c.diagnoses.length > 0) && (
        <dl className="referral-form-view consult__form">
          {c.summary !== '' && (
            <div>
              <dt>{t('forms.summary')}</dt>
              <dd>
                <Markdown source={c.summary} />
              </dd>
            </div>
          )}
          {c.diagnoses.length > 0 && (
            <div>
              <dt>{t('forms.diagnoses')}</dt>
              <dd>
                <DiagnosisList diagnoses={c.diagnoses} />
              </dd>
            </div>
          )}
        </dl>
      )}
      <p className="consult__question">
        <strong>{t('consult.question')}:</strong> {c.question}
      </p>
      {c.opinion !== undefined && (
        <dl className="opinion">
          <dt>{t('consult.assessment')}</dt>
          <dd>{c.opinion.assessment}</dd>
          <dt>{t('consult.recommendation')}</dt>
          <dd>{c.opinion.recommendation}</dd>
        </dl>
      )}
      {c.decline_reason !== undefined && (
        <p>
          {t('consult.declinedBecause')}: {c.decline_reason}
        </p>
      )}
      <div className="card__actions">
        {!onCasePage && (
          <a className="button button--small" href={href({ name: 'case', caseId: c.case_id })}>
            {t('chat.openCase')}
          </a>
        )}
        {thread !== undefined && (
          <a className="button button--small" href={href({ name: 'chat', conversationId: c.conversation_id })}>
            {t('consult.thread')}
          </a>
        )}
        {consultant && c.status === 'requested' && (
          <>
            <button type="button" className="button button--small button--accent" disabled={busy} onClick={() => void go({ kind: 'accept' })}>
              {t('consult.accept')}
            </button>
            <button type="button" className="button button--small" aria-expanded={mode === 'decline'} onClick={() => setMode(mode === 'decline' ? 'none' : 'decline')}>
              {t('consult.decline')}
            </button>
          </>
        )}
        {consultant && c.status === 'accepted' && (
          <button type="button" className="button button--small button--accent" aria-expanded={mode === 'complete'} onClick={() => setMode(mode === 'complete' ? 'none' : 'complete')}>
            {t('consult.complete')}
          </button>
        )}
        {requester && (c.status === 'requested' || c.status === 'accepted') && (
          <button type="button" className="button button--small" disabled={busy} onClick={() => void go({ kind: 'cancel' })}>
            {t('consult.cancel')}
          </button>
        )}
      </div>
      {mode === 'decline' && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim() !== '') void go({ kind: 'decline', body: { reason: reason.trim() } });
          }}
        >
          <div className="field">
            <label htmlFor={ids.reason}>{t('consult.declineReason')}</label>
            <input id={ids.reason} value={reason} onChange={(e) => setReason(e.target.value)} required />
          </div>
          <button type="submit" className="button button--danger" disabled={busy || reason.trim() === ''}>
            {t('consult.decline')}
          </button>
        </form>
      )}
      {mode === 'complete' && (
        <form className="inline-form" onSubmit={complete} aria-label={t('consult.opinion')}>
          <div className="field">
            <label htmlFor={ids.assessment}>{t('consult.assessment')}</label>
            <textarea id={ids.assessment} name="assessment" rows={3} value={assessment} onChange={(e) => setAssessment(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor={ids.recommendation}>{t('consult.recommendation')}</label>
            <textarea id={ids.recommendation} name="recommendation" rows={3} value={recommendation} onChange={(e) => setRecommendation(e.target.value)} required />
          </div>
          <button type="submit" className="button button--accent" disabled={busy || assessment.trim() === '' || recommendation.trim() === ''}>
            {t('consult.submitOpinion')}
          </button>
        </form>
      )}
      <ErrorText error={error} />
    </li>
  );
}
