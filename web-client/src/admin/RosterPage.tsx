// A team's roster (admins, and the team's lead): add members, change roles,
// remove; admins also choose the lead. Below it, the team's deadlines
// (DeadlineSettings.tsx), which the same people change.

import { useEffect, useId, useState } from 'react';
import type { TeamRole, UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeEvent } from '../realtime/context';
import { href } from '../router';
import { rest } from '../session';
import { ErrorText, Loading } from '../ui/common';
import { UserPicker } from '../ui/pickers';
import { useAsync } from '../ui/useAsync';
import { rememberUsers } from '../users/cache';
import { DeadlineSettings } from './DeadlineSettings';

const MEMBER_ROLES: readonly TeamRole[] = ['specialist', 'grassroots', 'assistant'];

/** A team's roster: add members, change roles, remove; admins also choose the lead. */
export function RosterPage({ teamId, isAdmin }: { teamId: string; isAdmin: boolean }) {
  const { t } = useI18n();
  const team = useAsync(() => rest.team(teamId), [teamId]);
  const [adding, setAdding] = useState<UserDto[]>([]);
  const [role, setRole] = useState<TeamRole>('specialist');
  const [error, setError] = useState<unknown>(undefined);
  const roleId = useId();
  useRealtimeEvent((e) => {
    if (e.type === 'roster_changed' && e.team_id === teamId) team.reload();
  });
  useEffect(() => {
    if (team.data !== undefined) rememberUsers(team.data.members.map((m) => m.user));
  }, [team.data]);

  async function run(task: () => Promise<unknown>) {
    setError(undefined);
    try {
      await task();
      team.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  if (team.error !== undefined && team.data === undefined) return <ErrorText error={team.error} />;
  const d = team.data;
  if (d === undefined) return <Loading />;
  const memberIds = d.members.map((m) => m.user.id);

  return (
    <section className="page roster" aria-labelledby="roster-heading">
      {isAdmin && (
        <a className="back-link back-link--always" href={href({ name: 'admin', tab: 'teams' })}>
          ← {t('admin.teams')}
        </a>
      )}
      <h1 id="roster-heading" tabIndex={-1}>
        {t('admin.rosterOf', { team: d.name })}
      </h1>
      <p className="muted">
        {d.specialty} · {d.institution}
      </p>
      <ErrorText error={error} />
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{t('admin.roster')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.teamRole')}</th>
              <th scope="col">{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {d.members.map((m) => (
              <tr key={m.user.id} data-username={m.user.username}>
                <td>
                  <strong>{m.user.display_name}</strong>
                  <div className="muted">{[m.user.title, m.user.institution].filter((x) => x !== '').join(' · ')}</div>
                </td>
                <td>
                  {m.role === 'lead' ? (
                    t('role.lead')
                  ) : (
                    <select
                      aria-label={t('admin.roleOf', { name: m.user.display_name })}
                      value={m.role}
                      onChange={(e) => void run(() => rest.setMember(teamId, m.user.id, e.target.value as TeamRole))}
                    >
                      {MEMBER_ROLES.map((r) => (
                        <option key={r} value={r}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </select>
                  )}
                </td>
                <td>
                  <div className="table__actions">
                  {m.role !== 'lead' && (
                    <>
                      {isAdmin && (
                        <button type="button" className="button button--small" onClick={() => void run(() => rest.updateTeam(teamId, { lead_id: m.user.id }))}>
                          {t('admin.makeLead')}
                        </button>
                      )}
                      <button
                        type="button"
                        className="button button--small button--danger"
                        aria-label={t('admin.removeMember', { name: m.user.display_name })}
                        onClick={() => void run(() => rest.removeMember(teamId, m.user.id))}
                      >
                        {t('admin.remove')}
                      </button>
                    </>
                  )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        className="panel"
        aria-label={t('admin.addMember')}
        onSubmit={(e) => {
          e.preventDefault();
          const u = adding[0];
          if (u !== undefined) void run(() => rest.setMember(teamId, u.id, role)).then(() => setAdding([]));
        }}
      >
        <h2>{t('admin.addMember')}</h2>
        <UserPicker label={t('admin.person')} selected={adding} onChange={setAdding} excludeIds={memberIds} name="new_member" />
        <div className="field">
          <label htmlFor={roleId}>{t('admin.teamRole')}</label>
          <select id={roleId} value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
            {MEMBER_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button--primary" disabled={adding.length === 0}>
          {t('admin.add')}
        </button>
      </form>
      <DeadlineSettings teamId={teamId} canEdit={isAdmin || d.my_role === 'lead'} />
    </section>
  );
}
