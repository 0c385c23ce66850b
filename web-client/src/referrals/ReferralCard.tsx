import { useEffect, useId, useState } from 'react';
import type { ReferralDto, TeamMemberDto } from '../api/types';
import type { ReferralTransition } from '../api/endpoints';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { href } from '../router';
import { hasRole, useTeams } from '../teams/myTeams';
import { rest } from '../session';
import { SlotPicker } from '../slots/SlotPicker';
import { KEEP_SLOT } from '../slots/week';
import { ErrorText, PriorityBadge, StatusBadge } from '../ui/common';
import { DiagnosisList } from '../ui/Diagnoses';
import { ageFrom, formatDateTime } from '../ui/format';
import { Markdown } from '../ui/Markdown';
import { teamName, useDirectory } from '../ui/pickers';
import { knownUser, useUsersVersion } from '../users/cache';
import { acceptRequest, completeRequest } from './requests';

/**
 * One referral with the actions the signed-in user's teams allow: who is
 * coming (name, sex, age) and how urgently, up front; the referral form
 * (summary, diagnoses, purpose, precautions, follow-up plan); the appointment.
 */
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
  const [slot, setSlot] = useState(r.slot_id === undefined ? '' : KEEP_SLOT);
  const [followUpPlan, setFollowUpPlan] = useState('');
  const [members, setMembers] = useState<readonly TeamMemberDto[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const ids = { appointment: useId(), assignee: useId(), reason: useId(), outcome: useId(), acceptPlan: useId(), completePlan: useId() };
  const age = ageFrom(r.patient.birth_date);

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
    void go({ kind: 'accept', body: acceptRequest({ direction: r.direction, slot, appointment, assignee, followUpPlan }) });
  }

  const caseLink = receiving !== undefined ? r.target_case_id : r.case_id;
  return (
    <li className={`card referral referral--${r.priority}`} data-referral={r.id} data-status={r.status} data-priority={r.priority}>
      <div className="card__head">
        <PriorityBadge priority={r.priority} />
        <StatusBadge status={r.status} />
        <span className="badge">{t(`referral.${r.direction}`)}</span>
        <strong>{thread?.info.title ?? t('referral.one')}</strong>
      </div>
      <p className="referral__patient" aria-label={t('referral.patient')}>
        <strong className="referral__patient-name">{r.patient.name}</strong> · {t(`sex.${r.patient.sex}`)} ·{' '}
        {age === undefined ? t('case.ageUnknown') : t('case.years', { age })}
      </p>
      <p className="muted">
        {t('referral.fromTo', { from: teamName(directory, r.from_team_id), to: teamName(directory, r.to_team_id) })} ·{' '}
        {t('referral.by', { name: knownUser(r.created_by)?.display_name ?? '…' })} · {formatDateTime(r.created_at, locale)}
      </p>
      <p className="referral__reason">{r.reason}</p>
      {r.appointment_at !== undefined && (
        <p className="referral__appointment">
          <strong>{t('referral.appointment')}:</strong> <time dateTime={r.appointment_at}>{formatDateTime(r.appointment_at, locale)}</time>
          {r.slot_id !== undefined && (
            <>
              {' '}
              <span className="badge">{t('referral.viaSlot')}</span>
            </>
          )}
        </p>
      )}
      <ReferralForm referral={r} />
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
          <SlotPicker
            teamId={r.to_team_id}
            value={slot}
            onChange={setSlot}
            noneLabel={t('slots.pickManual')}
            hint={t('slots.pickOwnHint')}
            booked={r.slot_id === undefined ? undefined : { slotId: r.slot_id, at: r.appointment_at }}
          />
          {slot === '' && (
            <div className="field">
              <label htmlFor={ids.appointment}>{t('referral.appointment')}</label>
              <input id={ids.appointment} name="appointment_at" type="datetime-local" value={appointment} onChange={(e) => setAppointment(e.target.value)} />
            </div>
          )}
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
          {r.direction === 'down' && <PlanField id={ids.acceptPlan} value={followUpPlan} onChange={setFollowUpPlan} />}
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
            if (outcome.trim() !== '') void go({ kind: 'complete', body: completeRequest({ direction: r.direction, outcome, followUpPlan }) });
          }}
        >
          <div className="field">
            <label htmlFor={ids.outcome}>{t('referral.outcome')}</label>
            <textarea id={ids.outcome} rows={3} value={outcome} onChange={(e) => setOutcome(e.target.value)} required />
          </div>
          {r.direction === 'down' && r.follow_up_plan === undefined && <PlanField id={ids.completePlan} value={followUpPlan} onChange={setFollowUpPlan} />}
          <button type="submit" className="button button--accent" disabled={busy || outcome.trim() === ''}>
            {t('referral.complete')}
          </button>
        </form>
      )}
      <ErrorText error={error} />
    </li>
  );
}

/** The referral form as sent (转诊单): summary, diagnoses, purpose, precautions, follow-up plan; only what was filled in. */
function ReferralForm({ referral: r }: { referral: ReferralDto }) {
  const { t } = useI18n();
  const plan = r.follow_up_plan ?? '';
  if (r.summary === '' && r.diagnoses.length === 0 && r.purpose === '' && r.precautions === '' && plan === '') return null;
  return (
    <dl className="referral-form-view" aria-label={t('referral.form')}>
      {r.summary !== '' && (
        <div>
          <dt>{t('forms.summary')}</dt>
          <dd>
            <Markdown source={r.summary} />
          </dd>
        </div>
      )}
      {r.diagnoses.length > 0 && (
        <div>
          <dt>{t('forms.diagnoses')}</dt>
          <dd>
            <DiagnosisList diagnoses={r.diagnoses} />
          </dd>
        </div>
      )}
      {r.purpose !== '' && (
        <div>
          <dt>{t('referral.purpose')}</dt>
          <dd>{r.purpose}</dd>
        </div>
      )}
      {r.precautions !== '' && (
        <div>
          <dt>{t('referral.precautions')}</dt>
          <dd>{r.precautions}</dd>
        </div>
      )}
      {plan !== '' && (
        <div>
          <dt>{t('referral.followUpPlan')}</dt>
          <dd className="referral__plan">{plan}</dd>
        </div>
      )}
    </dl>
  );
}

/** The follow-up plan (随访计划) a patient sent down may get on acceptance or completion. */
function PlanField({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>{t('referral.followUpPlan')}</label>
      <textarea id={id} name="follow_up_plan" rows={3} value={value} aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.value)} />
      <span id={`${id}-hint`} className="muted field-hint">
        {t('referral.followUpPlanHint')}
      </span>
    </div>
  );
}
