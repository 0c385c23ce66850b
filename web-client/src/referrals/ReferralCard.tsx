import { useEffect, useId, useState } from 'react';
import type { ReferralDto, TeamMemberDto } from '../api/types';
import type { ReferralTransition } from '../api/endpoints';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { href } from '../router';
import { hasRole, useTeams } from '../teams/myTeams';
import { rest } from '../session';
import { ErrorText, StatusBadge } from '../ui/common';
import { formatDateTime, localInputToIso } from '../ui/format';
import { teamName, useDirectory } from '../ui/pickers';
import { knownUser, useUsersVersion } from '../users/cache';

/** One referral with the actions the signed-in user's teams allow. */
export function ReferralCard({ referral: r, onChange, onCasePage = false }: { referral: ReferralDto; onChange: (r: ReferralDto) => void; onCasePage?: boolean }) {
  const { t, locale } = useI18n();
  const { teams } = useTeams();
  const directory = useDirectory();
  const thread = useRealtime((s) => s.conversations[r.conversation_id]);
  useUsersVersion([r.created_by]);
  const receiving = teams.find((x) => x.id === r.to_team_id);
  const referring = teams.find((x) => x.id === r.from_team_id);
  const canDecide = hasRole(receiving, 'assistant', 'lead');
  const [mode, setMode] = useState<'none' | 'accept' | 'decline' | 'complete'>('none');
  const [appointment, setAppointment] = useState('');
  const [assignee, setAssignee] = useState('');
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState('');
  const [members, setMembers] = useState<readonly TeamMemberDto[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const ids = { appointment: useId(), assignee: useId(), reason: useId(), outcome: useId() };

  useEffect(() => {
    if (mode !== 'accept') return;
    rest.members(r.to_team_id).then(setMembers, () => {});
  }, [mode, r.to_team_id]);

  async function go(transition: ReferralTransition) {
    setBusy(true);
    setError(undefined);
    try {
      onChange(await rest.referralTransition(r.id, transition));
      setMode('none');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  function accept() {
    const at = localInputToIso(appointment);
    void go({
      kind: 'accept',
      body: { ...(at === undefined ? {} : { appointment_at: at }), ...(assignee === '' ? {} : { assignee_id: assignee }) },
    });
  }

  const caseLink = receiving !== undefined ? r.target_case_id : r.case_id;
  return (
    <li className="card referral" data-referral={r.id} data-status={r.status}>
      <div className="card__head">
        <StatusBadge status={r.status} />
        <span className="badge">{t(`referral.${r.direction}`)}</span>
        <strong>{thread?.info.title ?? t('referral.one')}</strong>
      </div>
      <p className="muted">
        {t('referral.fromTo', { from: teamName(directory, r.from_team_id), to: teamName(directory, r.to_team_id) })} ·{' '}
        {t('referral.by', { name: knownUser(r.created_by)?.display_name ?? '…' })} · {formatDateTime(r.created_at, locale)}
      </p>
      <p>{r.reason}</p>
      {r.appointment_at !== undefined && (
        <p>
          <strong>{t('referral.appointment')}:</strong> <time dateTime={r.appointment_at}>{formatDateTime(r.appointment_at, locale)}</time>
        </p>
      )}
      {r.outcome !== undefined && (
        <p>
          <strong>{t('referral.outcome')}:</strong> {r.outcome}
        </p>
      )}
      {r.decline_reason !== undefined && (
        <p>
          <strong>{t('referral.declinedBecause')}:</strong> {r.decline_reason}
        </p>
      )}
      <div className="card__actions">
        {!onCasePage && (
          <a className="button button--small" href={href({ name: 'case', caseId: caseLink })}>
            {t('chat.openCase')}
          </a>
        )}
        {thread !== undefined && (
          <a className="button button--small" href={href({ name: 'chat', conversationId: r.conversation_id })}>
            {t('referral.thread')}
          </a>
        )}
        {canDecide && r.status === 'pending' && (
          <>
            <button type="button" className="button button--small button--accent" aria-expanded={mode === 'accept'} onClick={() => setMode(mode === 'accept' ? 'none' : 'accept')}>
              {t('referral.accept')}
            </button>
            <button type="button" className="button button--small" aria-expanded={mode === 'decline'} onClick={() => setMode(mode === 'decline' ? 'none' : 'decline')}>
              {t('referral.decline')}
            </button>
          </>
        )}
        {receiving !== undefined && r.status === 'accepted' && (
          <button type="button" className="button button--small button--accent" aria-expanded={mode === 'complete'} onClick={() => setMode(mode === 'complete' ? 'none' : 'complete')}>
            {t('referral.complete')}
          </button>
        )}
        {referring !== undefined && r.status === 'pending' && (
          <button type="button" className="button button--small" disabled={busy} onClick={() => void go({ kind: 'cancel' })}>
            {t('referral.cancel')}
          </button>
        )}
      </div>
      {mode === 'accept' && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            accept();
          }}
        >
          <div className="field">
            <label htmlFor={ids.appointment}>{t('referral.appointment')}</label>
            <input id={ids.appointment} name="appointment_at" type="datetime-local" value={appointment} onChange={(e) => setAppointment(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.assignee}>{t('referral.assignee')}</label>
            <select id={ids.assignee} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
              <option value="">{t('referral.assignLater')}</option>
              {members.map((m) => (
                <option key={m.user.id} value={m.user.id}>
                  {m.user.display_name} · {t(`role.${m.role}`)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button button--accent" disabled={busy}>
            {t('referral.confirmAccept')}
          </button>
        </form>
      )}
      {mode === 'decline' && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim() !== '') void go({ kind: 'decline', body: { reason: reason.trim() } });
          }}
        >
          <div className="field">
            <label htmlFor={ids.reason}>{t('referral.declineReason')}</label>
            <input id={ids.reason} value={reason} onChange={(e) => setReason(e.target.value)} required />
          </div>
          <button type="submit" className="button button--danger" disabled={busy || reason.trim() === ''}>
            {t('referral.decline')}
          </button>
        </form>
      )}
      {mode === 'complete' && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (outcome.trim() !== '') void go({ kind: 'complete', body: { outcome: outcome.trim() } });
          }}
        >
          <div className="field">
            <label htmlFor={ids.outcome}>{t('referral.outcome')}</label>
            <textarea id={ids.outcome} rows={3} value={outcome} onChange={(e) => setOutcome(e.target.value)} required />
          </div>
          <button type="submit" className="button button--accent" disabled={busy || outcome.trim() === ''}>
            {t('referral.complete')}
          </button>
        </form>
      )}
      <ErrorText error={error} />
    </li>
  );
}
