// 随访 / Follow-up on the case page (SPEC §10): the case's follow-up items,
// open ones soonest first; members of the case's team and of the teams it was
// referred to or from plan more (one or several items) and record results;
// the assignee records theirs. A follow-up coming due or done notifies its
// people, and such a notification about this case reloads the list.

import { useEffect, useId, useState, type FormEvent } from 'react';
import { isApiError } from '../api/errors';
import type { CaseDto, FollowUpDto, ReferralDto, UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeEvent } from '../realtime/context';
import { rest } from '../session';
import { useTeams } from '../teams/myTeams';
import { ErrorText } from '../ui/common';
import { teamName, useDirectory } from '../ui/pickers';
import { useAsync } from '../ui/useAsync';
import { rememberUsers } from '../users/cache';
import { FollowUpCard } from './FollowUpCard';
import {
  affectsCaseFollowUps,
  byFollowUpOrder,
  checkFollowUps,
  emptyFollowUpRow,
  MAX_FOLLOW_UP_ITEMS,
  mergeCandidates,
  upsertFollowUps,
  type Candidate,
  type FollowUpRow,
} from './followUps';

/** The teams of a case for follow-up: its own and those it was referred to or from. */
export function caseTeamIds(kase: CaseDto, referrals: readonly ReferralDto[]): string[] {
  return [...new Set([kase.team_id, ...referrals.flatMap((r) => [r.from_team_id, r.to_team_id])])];
}

export function FollowUpSection({ kase, referrals }: { kase: CaseDto; referrals: readonly ReferralDto[] }) {
  const { t } = useI18n();
  const list = useAsync(() => rest.caseFollowUps(kase.id).then((items) => [...items].sort(byFollowUpOrder)), [kase.id]);
  const { teams } = useTeams();
  const me = useRealtime((s) => s.userId);
  const epoch = useRealtime((s) => s.epoch);
  const [planning, setPlanning] = useState(false);
  useRealtimeEvent((e) => {
    if (affectsCaseFollowUps(e, kase.id)) list.reload();
  });
  useEffect(() => {
    // A reconnect may have missed notifications.
    if (epoch > 1) list.reload();
  }, [epoch, list.reload]);

  // Who cannot see the case's follow-ups (a consultant, an intake's submitter) sees no section.
  if (list.error !== undefined && (isApiError(list.error, 'forbidden') || isApiError(list.error, 'not_found'))) return null;

  const involved = caseTeamIds(kase, referrals);
  const onCaseTeams = teams.some((team) => involved.includes(team.id));
  const items = list.data ?? [];

  return (
    <section aria-labelledby="case-follow-ups" className="follow-ups">
      <h2 id="case-follow-ups">{t('followUp.title')}</h2>
      {list.error !== undefined && <ErrorText error={list.error} />}
      {list.data !== undefined && items.length === 0 && <p className="muted">{t('followUp.none')}</p>}
      <ul className="card-list">
        {items.map((f) => (
          <FollowUpCard key={f.id} followUp={f} canRecord={f.assignee_id === me || onCaseTeams} onChange={(next) => list.setData((old) => upsertFollowUps(old ?? [], [next]))} />
        ))}
      </ul>
      {onCaseTeams && (
        <div className="toolbar">
          <button type="button" className="button" aria-expanded={planning} onClick={() => setPlanning(!planning)}>
            {t('followUp.plan')}
          </button>
        </div>
      )}
      {planning && (
        <PlanFollowUpsForm
          kase={kase}
          referrals={referrals}
          myTeamIds={teams.map((team) => team.id)}
          onDone={(created) => {
            setPlanning(false);
            list.setData((old) => upsertFollowUps(old ?? [], created));
          }}
        />
      )}
    </section>
  );
}

/**
 * Who may be assigned, by team: the rosters of my teams among the case's
 * (GET /teams/{id}/members), and for the other side of each referral the
 * members of its thread (both teams) who are not on those rosters.
 */
async function loadCandidates(
  kase: CaseDto,
  referrals: readonly ReferralDto[],
  myTeamIds: readonly string[],
  nameOf: (teamId: string) => string,
): Promise<Candidate[]> {
  const involved = caseTeamIds(kase, referrals);
  const rosters = new Map<string, UserDto[]>();
  await Promise.all(
    involved
      .filter((team) => myTeamIds.includes(team))
      .map(async (team) => {
        const members = await rest.members(team).catch(() => []);
        rosters.set(
          team,
          members.map((m) => m.user),
        );
      }),
  );
  for (const r of referrals) {
    const sides = [r.from_team_id, r.to_team_id];
    const missing = sides.filter((team) => !rosters.has(team));
    if (missing.length !== 1) continue;
    const thread = await rest.conversation(r.conversation_id).catch(() => null);
    if (thread === null) continue;
    const known = new Set(sides.flatMap((team) => rosters.get(team) ?? []).map((u) => u.id));
    rosters.set(
      missing[0]!,
      thread.members.map((m) => m.user).filter((u) => !known.has(u.id)),
    );
  }
  const groups = involved.filter((team) => rosters.has(team)).map((team) => ({ team: nameOf(team), users: rosters.get(team) ?? [] }));
  rememberUsers(groups.flatMap((g) => g.users));
  return mergeCandidates(groups);
}

function PlanFollowUpsForm({
  kase,
  referrals,
  myTeamIds,
  onDone,
}: {
  kase: CaseDto;
  referrals: readonly ReferralDto[];
  myTeamIds: readonly string[];
  onDone: (created: FollowUpDto[]) => void;
}) {
  const { t, locale } = useI18n();
  const directory = useDirectory();
  const nameKey = directory.map((d) => d.id).join(',');
  const candidates = useAsync(
    () => loadCandidates(kase, referrals, myTeamIds, (id) => teamName(directory, id)),
    [kase.id, referrals.map((r) => r.id).join(','), myTeamIds.join(','), nameKey],
  );
  const [rows, setRows] = useState<FollowUpRow[]>(() => [emptyFollowUpRow()]);
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const base = useId();
  const { problems } = checkFollowUps(rows, Date.now());
  const update = (key: string, change: Partial<FollowUpRow>) => setRows((old) => old.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const joiner = locale === 'zh-CN' ? '、' : ', ';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    const checked = checkFollowUps(rows, Date.now());
    if (checked.problems.size > 0) {
      setError(new Error('fix'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onDone(await rest.planFollowUps(kase.id, { items: checked.items }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel follow-up-plan" onSubmit={(e) => void submit(e)} aria-label={t('followUp.planForm')} noValidate>
      <h3>{t('followUp.planForm')}</h3>
      {rows.map((row, i) => {
        const wrong = tried ? (problems.get(row.key) ?? []) : [];
        const id = (field: string) => `${base}-${row.key}-${field}`;
        const problem = (field: 'title' | 'due' | 'due_past' | 'assignee') =>
          wrong.includes(field) ? (
            <span id={id(`${field}-error`)} className="field-error" role="alert">
              {t(`followUp.problem.${field}`)}
            </span>
          ) : null;
        const dueWrong = wrong.includes('due') || wrong.includes('due_past');
        return (
          <fieldset key={row.key} className="fieldset follow-up-plan__item">
            <legend>{t('followUp.item', { n: i + 1 })}</legend>
            <div className="form-grid">
              <div className="field">
                <label htmlFor={id('title')}>{t('followUp.itemTitle')}</label>
                <input
                  id={id('title')}
                  name="follow_up_title"
                  value={row.title}
                  aria-invalid={wrong.includes('title')}
                  onChange={(e) => update(row.key, { title: e.target.value })}
                />
                {problem('title')}
              </div>
              <div className="field">
                <label htmlFor={id('due')}>{t('followUp.due')}</label>
                <input id={id('due')} name="follow_up_due" type="datetime-local" value={row.due} aria-invalid={dueWrong} onChange={(e) => update(row.key, { due: e.target.value })} />
                {problem('due')}
                {problem('due_past')}
              </div>
              <div className="field">
                <label htmlFor={id('assignee')}>{t('followUp.assignee')}</label>
                <select
                  id={id('assignee')}
                  name="follow_up_assignee"
                  value={row.assignee}
                  aria-invalid={wrong.includes('assignee')}
                  onChange={(e) => update(row.key, { assignee: e.target.value })}
                >
                  <option value="">{t('common.choose')}</option>
                  {(candidates.data ?? []).map((c) => (
                    <option key={c.user.id} value={c.user.id}>
                      {t('followUp.teamOf', { name: c.user.display_name, teams: c.teams.join(joiner) })}
                    </option>
                  ))}
                </select>
                {problem('assignee')}
              </div>
            </div>
            <div className="field">
              <label htmlFor={id('instructions')}>{t('followUp.instructions')}</label>
              <textarea id={id('instructions')} name="follow_up_instructions" rows={2} value={row.instructions} onChange={(e) => update(row.key, { instructions: e.target.value })} />
            </div>
            {rows.length > 1 && (
              <button type="button" className="button button--small" onClick={() => setRows((old) => old.filter((r) => r.key !== row.key))}>
                {t('followUp.removeItem', { n: i + 1 })}
              </button>
            )}
          </fieldset>
        );
      })}
      {candidates.error !== undefined && <ErrorText error={candidates.error} />}
      <div className="toolbar">
        <button type="button" className="button" disabled={rows.length >= MAX_FOLLOW_UP_ITEMS} onClick={() => setRows((old) => [...old, emptyFollowUpRow()])}>
          {t('followUp.addItem')}
        </button>
      </div>
      {error instanceof Error && error.message === 'fix' ? (
        <div role="alert" className="form-error">
          {problems.size > 0 ? t('forms.fixMarked') : ''}
        </div>
      ) : (
        <ErrorText error={error} />
      )}
      <button type="submit" className="button button--primary" disabled={busy}>
        {t('followUp.save')}
      </button>
    </form>
  );
}
