import { useId, useState, type KeyboardEvent } from 'react';
import { isApiError } from '../api/errors';
import type { BreakGlassDto, CaseDto, ConsultDto, Diagnosis, Priority, UserDto } from '../api/types';
import { ConversationView } from '../chat/ConversationView';
import { ReadOnlyThread } from '../chat/ReadOnlyThread';
import { ConsultCard } from '../consults/ConsultCard';
import { FollowUpSection } from '../followups/FollowUpSection';
import { applyConsultToCase } from '../consults/live';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeEvent } from '../realtime/context';
import { applyReferralToCase, concernsCase } from '../referrals/live';
import { ReferralCard } from '../referrals/ReferralCard';
import { useTeams } from '../teams/myTeams';
import { rest, useAuth } from '../session';
import { ErrorText, Loading, PriorityBadge, StatusBadge } from '../ui/common';
import { DeadlineBadge } from '../ui/Deadline';
import { formatDateTime, formatTime } from '../ui/format';
import { Markdown } from '../ui/Markdown';
import { DiagnosesEditor } from '../ui/Diagnoses';
import { emptyDiagnosisRow, type DiagnosisRow } from '../ui/diagnoses';
import { teamName, UserPicker, useDirectory } from '../ui/pickers';
import { useAsync } from '../ui/useAsync';
import { useUser } from '../users/cache';
import { activeGrantOf } from './breakGlass';
import { BreakGlassNotice } from './BreakGlassNotice';
import { EmergencyAccessOffer } from './EmergencyAccess';
import { CaseMaterials } from './Materials';
import { consultRequest } from './forms';
import { StructuredFormError, useStructuredSubmit } from './structuredSubmit';
import { PatientHeader } from './PatientHeader';
import { PRIORITIES } from './priorities';
import { ReferForm } from './ReferForm';

/**
 * A case: patient header, summary, priority and status, its consults,
 * referrals and follow-ups, and its discussion and materials (tabs); who used
 * emergency access to it. A case the reader cannot open offers emergency
 * access (break-glass), after which it opens read-only: its discussion is read
 * over REST (the reader is not a member) and has no composer.
 */
export function CasePage({ caseId }: { caseId: string }) {
  const { t, locale } = useI18n();
  const kase = useAsync(() => rest.case(caseId), [caseId]);
  const consults = useAsync(() => rest.caseConsults(caseId), [caseId]);
  const referrals = useAsync(() => rest.caseReferrals(caseId), [caseId]);
  // Who used emergency access; an older server without the endpoint, or a refusal, shows none.
  const grants = useAsync(() => rest.breakGlassGrants(caseId).catch((): BreakGlassDto[] => []), [caseId]);
  const { session } = useAuth();
  const { teams } = useTeams();
  const directory = useDirectory();
  const [panel, setPanel] = useState<'none' | 'consult' | 'refer'>('none');
  const [tab, setTab] = useState<CaseTab>('discussion');
  // The materials load when first shown; the discussion stays mounted behind them (uploads keep going).
  const [materialsShown, setMaterialsShown] = useState(false);
  const tabsId = useId();
  const [error, setError] = useState<unknown>(undefined);

  useRealtimeEvent((e) => {
    if ((e.type === 'case_updated' || e.type === 'triage_changed') && e.case.id === caseId) kase.setData(e.case);
    if (e.type === 'consult_updated' && e.consult.case_id === caseId) consults.apply((list) => applyConsultToCase(list, caseId, e.consult));
    if (e.type === 'referral_updated' && concernsCase(e.referral, caseId)) referrals.apply((list) => applyReferralToCase(list, caseId, e.referral));
    // Emergency access is announced in the thread as a timeline entry: the notice loads again.
    if (e.type === 'message' && e.message.kind === 'system' && e.message.conversation_id === kase.data?.conversation_id) grants.reload();
  });

  const c = kase.data;
  const hasDiscussion = useRealtime((s) => (c === undefined ? false : s.conversations[c.conversation_id] !== undefined));
  const assignee = useUser(c?.assignee_id);

  if (kase.error !== undefined && c === undefined) {
    if (!isApiError(kase.error, 'not_found')) return <ErrorText error={kase.error} />;
    return (
      <EmergencyAccessOffer
        caseId={caseId}
        onGranted={(grant) => {
          if (grant !== null) grants.setData((old) => [grant, ...(old ?? []).filter((g) => g.id !== grant.id)]);
          else grants.reload();
          kase.reload();
        }}
      />
    );
  }
  if (c === undefined) return <Loading />;

  const member = teams.some((team) => team.id === c.team_id && team.my_role !== undefined);
  const now = Date.now();
  /** Reading under break-glass: the thread is not among the reader's conversations, so it is read, not joined. */
  const emergency = hasDiscussion ? undefined : activeGrantOf(grants.data ?? [], session?.user.id, now);

  async function setStatus(status: 'open' | 'closed') {
    try {
      kase.setData(await rest.updateCase(caseId, { status }));
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <article className="page case" aria-labelledby="case-heading">
      <header className="case__header">
        <h1 id="case-heading" tabIndex={-1}>
          {c.title}
        </h1>
        <div className="case__badges">
          <PriorityBadge priority={c.priority} />
          <StatusBadge status={c.status} />
          <span className="badge">{t(`source.${c.source}`)}</span>
          <DeadlineBadge dueAt={c.status === 'triage' ? c.due_at : undefined} />
        </div>
      </header>
      <BreakGlassNotice grants={grants.data ?? []} now={now} />
      <PatientHeader patient={c.patient} />
      <dl className="facts">
        <div>
          <dt>{t('case.team')}</dt>
          <dd>{teamName(directory, c.team_id)}</dd>
        </div>
        <div>
          <dt>{t('case.assignee')}</dt>
          <dd data-testid="case-assignee">{c.assignee_id === undefined ? t('case.unassigned') : (assignee?.display_name ?? '…')}</dd>
        </div>
        <div>
          <dt>{t('case.created')}</dt>
          <dd>{formatDateTime(c.created_at, locale)}</dd>
        </div>
        {c.decline_reason !== undefined && (
          <div>
            <dt>{t('case.declineReason')}</dt>
            <dd>{c.decline_reason}</dd>
          </div>
        )}
      </dl>
      {c.summary !== '' && (
        <section aria-labelledby="case-summary">
          <h2 id="case-summary">{t('case.summary')}</h2>
          <Markdown source={c.summary} />
        </section>
      )}

      {member && (
        <div className="toolbar">
          {c.status !== 'closed' && (
            <>
              <button type="button" className="button" aria-expanded={panel === 'consult'} onClick={() => setPanel(panel === 'consult' ? 'none' : 'consult')}>
                {t('consult.request')}
              </button>
              <button type="button" className="button" aria-expanded={panel === 'refer'} onClick={() => setPanel(panel === 'refer' ? 'none' : 'refer')}>
                {t('referral.refer')}
              </button>
              {c.status === 'open' && (
                <button type="button" className="button" onClick={() => void setStatus('closed')}>
                  {t('case.close')}
                </button>
              )}
            </>
          )}
          {c.status === 'closed' && (
            <button type="button" className="button" onClick={() => void setStatus('open')}>
              {t('case.reopen')}
            </button>
          )}
        </div>
      )}
      <ErrorText error={error} />
      {panel === 'consult' && (
        <RequestConsultForm
          kase={c}
          onDone={(created) => {
            setPanel('none');
            consults.setData((old) => [created, ...(old ?? []).filter((x) => x.id !== created.id)]);
          }}
        />
      )}
      {panel === 'refer' && (
        <ReferForm
          kase={c}
          onDone={(created) => {
            setPanel('none');
            referrals.setData((old) => [created, ...(old ?? []).filter((x) => x.id !== created.id)]);
          }}
        />
      )}

      <section aria-labelledby="case-consults">
        <h2 id="case-consults">{t('consult.title')}</h2>
        {consults.data?.length === 0 && <p className="muted">{t('consult.none')}</p>}
        <ul className="card-list">
          {consults.data?.map((x) => (
            <ConsultCard key={x.id} consult={x} onCasePage onChange={(next) => consults.setData((old) => (old ?? []).map((o) => (o.id === next.id ? next : o)))} />
          ))}
        </ul>
      </section>

      <section aria-labelledby="case-referrals">
        <h2 id="case-referrals">{t('referral.title')}</h2>
        {referrals.data?.length === 0 && <p className="muted">{t('referral.none')}</p>}
        <ul className="card-list">
          {referrals.data?.map((x) => (
            <ReferralCard key={x.id} referral={x} onCasePage onChange={(next) => referrals.setData((old) => (old ?? []).map((o) => (o.id === next.id ? next : o)))} />
          ))}
        </ul>
      </section>

      <FollowUpSection kase={c} referrals={referrals.data ?? []} />

      <CaseTabs
        tab={tab}
        idBase={tabsId}
        onChange={(next) => {
          setTab(next);
          if (next === 'materials') setMaterialsShown(true);
        }}
      />
      <div role="tabpanel" id={`${tabsId}-discussion-panel`} aria-labelledby={`${tabsId}-discussion`} hidden={tab !== 'discussion'} className="case__panel">
        {hasDiscussion ? (
          <ConversationView conversationId={c.conversation_id} embedded />
        ) : emergency !== undefined ? (
          <ReadOnlyThread
            conversationId={c.conversation_id}
            label={t('breakGlass.thread')}
            note={t('breakGlass.readOnly', { until: formatTime(emergency.expires_at, locale) })}
          />
        ) : (
          <p className="notice">{t('case.noDiscussion')}</p>
        )}
      </div>
      <div role="tabpanel" id={`${tabsId}-materials-panel`} aria-labelledby={`${tabsId}-materials`} hidden={tab !== 'materials'} className="case__panel">
        {materialsShown && (
          <CaseMaterials
            caseId={caseId}
            conversationIds={[c.conversation_id, ...(consults.data ?? []).map((x) => x.conversation_id), ...(referrals.data ?? []).map((x) => x.conversation_id)]}
          />
        )}
      </div>
    </article>
  );
}

type CaseTab = 'discussion' | 'materials';
const CASE_TABS: readonly CaseTab[] = ['discussion', 'materials'];

/** Discussion / materials, as an ARIA tab list (arrow keys, Home and End move between tabs). */
function CaseTabs({ tab, idBase, onChange }: { tab: CaseTab; idBase: string; onChange: (tab: CaseTab) => void }) {
  const { t } = useI18n();
  function onKeyDown(e: KeyboardEvent<HTMLButtonElement>, at: number) {
    const last = CASE_TABS.length - 1;
    const to = e.key === 'ArrowRight' ? (at + 1) % CASE_TABS.length : e.key === 'ArrowLeft' ? (at + last) % CASE_TABS.length : e.key === 'Home' ? 0 : e.key === 'End' ? last : -1;
    const next = CASE_TABS[to];
    if (next === undefined) return;
    e.preventDefault();
    onChange(next);
    document.getElementById(`${idBase}-${next}`)?.focus();
  }
  return (
    <div role="tablist" aria-label={t('case.sections')} className="tabs case__tabs">
      {CASE_TABS.map((x, i) => (
        <button
          key={x}
          type="button"
          role="tab"
          id={`${idBase}-${x}`}
          aria-selected={tab === x}
          aria-controls={`${idBase}-${x}-panel`}
          tabIndex={tab === x ? 0 : -1}
          className={tab === x ? 'tab tab--active' : 'tab'}
          onClick={() => onChange(x)}
          onKeyDown={(e) => onKeyDown(e, i)}
        >
          {t(`case.tab.${x}`)}
        </button>
      ))}
    </div>
  );
}

function RequestConsultForm({ kase, onDone }: { kase: CaseDto; onDone: (c: ConsultDto) => void }) {
  const { t } = useI18n();
  const [consultants, setConsultants] = useState<UserDto[]>([]);
  const [question, setQuestion] = useState('');
  const [summary, setSummary] = useState(kase.summary);
  const [rows, setRows] = useState<DiagnosisRow[]>(() => [emptyDiagnosisRow()]);
  const [urgency, setUrgency] = useState<Priority>(kase.priority);
  const { tried, busy, error, submit } = useStructuredSubmit(rows);
  const send = async (diagnoses: Diagnosis[]) => onDone(await rest.requestConsult(kase.id, consultRequest({ consultantIds: consultants.map((u) => u.id), question, summary, diagnoses, urgency })));
  const qId = useId();
  const sId = useId();
  const uId = useId();
  const me = useRealtime((s) => s.userId);

  return (
    <form className="panel consult-form" onSubmit={(e) => void submit(e, consultants.length > 0 && question.trim() !== '', send)} aria-label={t('consult.request')} noValidate>
      <h2>{t('consult.request')}</h2>
      <UserPicker label={t('consult.consultants')} selected={consultants} onChange={setConsultants} multiple excludeIds={me === null ? [] : [me]} name="consultants" />
      <div className="field">
        <label htmlFor={sId}>{t('forms.summary')}</label>
        <textarea id={sId} name="summary" rows={4} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </div>
      <DiagnosesEditor rows={rows} onChange={setRows} showAll={tried} />
      <div className="field">
        <label htmlFor={qId}>{t('consult.question')}</label>
        <textarea id={qId} name="question" rows={3} value={question} onChange={(e) => setQuestion(e.target.value)} required />
      </div>
      <div className="field">
        <label htmlFor={uId}>{t('consult.urgency')}</label>
        <select id={uId} value={urgency} onChange={(e) => setUrgency(e.target.value as Priority)}>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {t(`priority.${p}`)}
            </option>
          ))}
        </select>
      </div>
      <StructuredFormError error={error} rows={rows} missing="consult.missing" />
      <button type="submit" className="button button--primary" disabled={busy}>
        {t('consult.send')}
      </button>
    </form>
  );
}
