import { useEffect, useId, useMemo, useState } from 'react';
import { loadPages } from '../api/paging';
import type { CaseDto, Priority, TeamMemberDto, TriageRequest } from '../api/types';
import { byTriageOrder, PRIORITIES } from '../cases/priorities';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeEvent, useRealtime } from '../realtime/context';
import { href, navigate } from '../router';
import { triageTeams, useTeams } from '../teams/myTeams';
import { rest } from '../session';
import { ErrorText, Loading, PriorityBadge } from '../ui/common';
import { DeadlineBadge } from '../ui/Deadline';
import { joinNames, minutesSince } from '../ui/format';
import { TeamSelect } from '../ui/pickers';
import { useAsync } from '../ui/useAsync';
import { rememberUsers, useUser } from '../users/cache';
import { applyTriageChange } from './queue';
import { reasonTexts } from './reasons';

/**
 * The triage board of one team (assistants and lead): waiting cases by
 * priority, then waiting time; live. Each card shows the time left until its
 * triage deadline, or how long it is overdue (SPEC §7).
 */
export function TriagePage({ teamId }: { teamId: string | undefined }) {
  const { t } = useI18n();
  const { teams, loaded } = useTeams();
  const mine = triageTeams(teams);
  const selected = teamId ?? mine[0]?.id;
  const team = teams.find((x) => x.id === selected);
  // The board shows the whole queue (its count too), so it follows every page.
  const queue = useAsync(
    () => (selected === undefined ? Promise.resolve([]) : loadPages((page) => rest.triageQueue(selected, page)).then((all) => all.items)),
    [selected],
  );
  const members = useAsync(() => (selected === undefined ? Promise.resolve([]) : rest.members(selected)), [selected]);
  const epoch = useRealtime((s) => s.epoch);

  useEffect(() => {
    if (members.data !== undefined) rememberUsers(members.data.map((m) => m.user));
  }, [members.data]);
  useEffect(() => {
    if (epoch > 1) queue.reload();
  }, [epoch, queue.reload]);
  useRealtimeEvent((e) => {
    // The event carries the case: put it in its place or take it out.
    if (e.type === 'triage_changed' && e.team_id === selected) queue.apply((cases) => applyTriageChange(cases, selected, e.case));
    // It carries only ids: the roster is fetched again.
    if (e.type === 'roster_changed' && e.team_id === selected) members.reload();
  });

  // A minute ticker keeps "waiting for" current.
  const [, setNow] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setNow((n) => n + 1), 60_000);
    return () => clearInterval(timer);
  }, []);

  const waiting = useMemo(() => (queue.data ?? []).filter((c) => c.status === 'triage').sort(byTriageOrder), [queue.data]);

  if (!loaded) return <Loading />;
  if (selected === undefined) {
    return (
      <section className="page">
        <h1 tabIndex={-1}>{t('triage.title')}</h1>
        <p className="muted">{t('triage.notAllowed')}</p>
      </section>
    );
  }

  return (
    <section className="page triage" aria-labelledby="triage-heading">
      <h1 id="triage-heading" tabIndex={-1}>
        {t('triage.title')}
        {team !== undefined && <span className="muted"> · {team.name}</span>}
      </h1>
      {mine.length > 1 && (
        <div className="field field--inline">
          <label htmlFor="triage-team">{t('triage.team')}</label>
          <select id="triage-team" value={selected} onChange={(e) => navigate({ name: 'triage', teamId: e.target.value })}>
            {mine.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <p className="muted" role="status" aria-live="polite">
        {t('triage.count', { count: waiting.length })}
      </p>
      {queue.error !== undefined && <ErrorText error={queue.error} />}
      <ol className="card-list triage__queue">
        {waiting.map((c) => (
          <TriageCard key={c.id} kase={c} teamId={selected} members={members.data ?? []} onDone={() => queue.reload()} />
        ))}
      </ol>
      {queue.data !== undefined && waiting.length === 0 && <p className="notice">{t('triage.empty')}</p>}
    </section>
  );
}

function TriageCard({ kase: c, teamId, members, onDone }: { kase: CaseDto; teamId: string; members: readonly TeamMemberDto[]; onDone: () => void }) {
  const { t, locale } = useI18n();
  const suggestions = useAsync(() => rest.suggestions(c.id), [c.id]);
  const [assignee, setAssignee] = useState('');
  const [priority, setPriority] = useState<Priority>(c.priority);
  const [transferTo, setTransferTo] = useState('');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submitter = useUser(c.created_by);
  const ids = { assignee: useId(), priority: useId(), note: useId(), reason: useId() };
  const waited = minutesSince(c.created_at);
  const best = suggestions.data?.[0];

  useEffect(() => setPriority(c.priority), [c.priority]);
  useEffect(() => {
    if (best !== undefined && assignee === '') setAssignee(best.user.id);
  }, [best, assignee]);

  async function act(body: TriageRequest) {
    setBusy(true);
    setError(undefined);
    try {
      await rest.triage(c.id, body);
      onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  // assistants triage; they are never the doctor a case is assigned to
  const candidates = members.filter((m) => m.user.active && m.role !== 'assistant');
  return (
    <li className={`card triage-card triage-card--${c.priority}`} data-case={c.id} aria-labelledby={`triage-${c.id}`}>
      <div className="triage-card__head">
        <PriorityBadge priority={c.priority} />
        <h2 id={`triage-${c.id}`} className="triage-card__title">
          <a href={href({ name: 'case', caseId: c.id })}>{c.title}</a>
        </h2>
        <DeadlineBadge dueAt={c.due_at} />
      </div>
      <p className="muted">
        {c.patient.name} · {t(`sex.${c.patient.sex}`)} · {t(`source.${c.source}`)}
        {submitter !== undefined && <> · {t('triage.submittedBy', { name: submitter.display_name })}</>} ·{' '}
        <span className={waited >= 60 ? 'waiting waiting--long' : 'waiting'}>
          {waited >= 60 ? t('triage.waitingHours', { hours: Math.floor(waited / 60), minutes: waited % 60 }) : t('triage.waitingMinutes', { minutes: waited })}
        </span>
      </p>
      {c.summary !== '' && <p className="triage-card__summary">{c.summary.length > 200 ? `${c.summary.slice(0, 200)}…` : c.summary}</p>}

      {best !== undefined && (
        <p className="suggestion" data-testid="suggestion">
          {t('triage.suggested', { name: best.user.display_name })}
          {best.matching_specialties.length > 0 && <span className="muted"> ({joinNames(best.matching_specialties, locale)})</span>}
          <span className="muted"> · {t('triage.openCases', { count: best.open_cases })}</span>
          {best.reasons.length > 0 && (
            <span className="suggestion__why">{t('triage.why', { reasons: reasonTexts(best.reasons, t, locale).join(locale === 'zh-CN' ? '；' : '; ') })}</span>
          )}
        </p>
      )}

      <div className="triage-card__actions">
        <div className="field field--inline">
          <label htmlFor={ids.assignee}>{t('triage.assignee')}</label>
          <select id={ids.assignee} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">{t('common.choose')}</option>
            {(suggestions.data ?? []).map((s) => (
              <option key={s.user.id} value={s.user.id}>
                {s.user.display_name} · {t('triage.openCases', { count: s.open_cases })}
              </option>
            ))}
            {candidates
              .filter((m) => !(suggestions.data ?? []).some((s) => s.user.id === m.user.id))
              .map((m) => (
                <option key={m.user.id} value={m.user.id}>
                  {m.user.display_name} · {t(`role.${m.role}`)}
                </option>
              ))}
          </select>
          <button
            type="button"
            className="button button--accent"
            disabled={busy || assignee === ''}
            onClick={() => void act(priority === c.priority ? { action: 'assign', assignee_id: assignee } : { action: 'assign', assignee_id: assignee, priority })}
          >
            {t('triage.assign')}
          </button>
        </div>
        <div className="field field--inline">
          <label htmlFor={ids.priority}>{t('case.priority')}</label>
          <select id={ids.priority} value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`priority.${p}`)}
              </option>
            ))}
          </select>
          <button type="button" className="button" disabled={busy || priority === c.priority} onClick={() => void act({ action: 'prioritize', priority })}>
            {t('triage.reprioritise')}
          </button>
        </div>
        <details className="triage-card__more">
          <summary>{t('triage.transfer')}</summary>
          <TeamSelect label={t('triage.transferTo')} value={transferTo} onChange={setTransferTo} exclude={teamId} />
          <div className="field">
            <label htmlFor={ids.note}>{t('triage.note')}</label>
            <input id={ids.note} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button
            type="button"
            className="button"
            disabled={busy || transferTo === ''}
            onClick={() => void act(note.trim() === '' ? { action: 'transfer', team_id: transferTo } : { action: 'transfer', team_id: transferTo, note: note.trim() })}
          >
            {t('triage.transfer')}
          </button>
        </details>
        <details className="triage-card__more">
          <summary>{t('triage.decline')}</summary>
          <div className="field">
            <label htmlFor={ids.reason}>{t('triage.reason')}</label>
            <input id={ids.reason} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <button type="button" className="button button--danger" disabled={busy || reason.trim() === ''} onClick={() => void act({ action: 'decline', reason: reason.trim() })}>
            {t('triage.decline')}
          </button>
        </details>
      </div>
      <ErrorText error={error} />
    </li>
  );
}
