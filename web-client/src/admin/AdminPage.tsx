import { useEffect, useId, useState, type FormEvent } from 'react';
import type { CareLevel, PlatformRole, TeamDto, TeamRole, UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeEvent } from '../realtime/context';
import { href, type AdminTab } from '../shell/router';
import { useAuth, rest } from '../session';
import { ErrorText, Loading } from '../ui/common';
import { invalidateDirectory, UserPicker } from '../ui/pickers';
import { useAsync } from '../ui/useAsync';
import { rememberUsers } from '../users/cache';

const CARE_LEVELS: readonly CareLevel[] = ['tertiary', 'secondary', 'primary', 'village'];
const MEMBER_ROLES: readonly TeamRole[] = ['specialist', 'grassroots', 'assistant'];

/** Accounts, teams and rosters. Admins see all of it; a team's lead may open its roster. */
export function AdminPage({ tab, teamId }: { tab: AdminTab; teamId: string | undefined }) {
  const { t } = useI18n();
  const { session } = useAuth();
  const isAdmin = session?.user.role === 'admin';
  if (teamId !== undefined) return <RosterPage teamId={teamId} isAdmin={isAdmin} />;
  if (!isAdmin) {
    return (
      <section className="page">
        <h1 tabIndex={-1}>{t('admin.title')}</h1>
        <p>{t('error.forbidden')}</p>
      </section>
    );
  }
  return (
    <section className="page admin" aria-labelledby="admin-heading">
      <h1 id="admin-heading" tabIndex={-1}>
        {t('admin.title')}
      </h1>
      <nav className="tabs" aria-label={t('admin.title')}>
        <a className={tab === 'users' ? 'tab tab--active' : 'tab'} aria-current={tab === 'users' ? 'page' : undefined} href={href({ name: 'admin', tab: 'users' })}>
          {t('admin.users')}
        </a>
        <a className={tab === 'teams' ? 'tab tab--active' : 'tab'} aria-current={tab === 'teams' ? 'page' : undefined} href={href({ name: 'admin', tab: 'teams' })}>
          {t('admin.teams')}
        </a>
      </nav>
      {tab === 'users' ? <UsersAdmin /> : <TeamsAdmin />}
    </section>
  );
}

function UsersAdmin() {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const list = useAsync(() => rest.searchUsers(q.trim(), { includeInactive: true, limit: 200 }), [q]);
  const [creating, setCreating] = useState(false);
  const searchId = useId();
  useEffect(() => {
    if (list.data !== undefined) rememberUsers(list.data.items);
  }, [list.data]);

  const replace = (u: UserDto) => list.setData((old) => ({ ...(old ?? { items: [] }), items: (old?.items ?? []).map((x) => (x.id === u.id ? u : x)) }));

  return (
    <div>
      <div className="toolbar">
        <div className="field field--grow">
          <label htmlFor={searchId}>{t('people.search')}</label>
          <input id={searchId} type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <button type="button" className="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          {t('admin.newUser')}
        </button>
      </div>
      {creating && (
        <CreateUserForm
          onCreated={(u) => {
            setCreating(false);
            list.setData((old) => ({ ...(old ?? {}), items: [u, ...(old?.items ?? [])] }));
          }}
        />
      )}
      {list.error !== undefined && <ErrorText error={list.error} />}
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{t('admin.users')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.profile')}</th>
              <th scope="col">{t('admin.state')}</th>
              <th scope="col">{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((u) => (
              <UserRow key={u.id} user={u} onChange={replace} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function UserRow({ user: u, onChange }: { user: UserDto; onChange: (u: UserDto) => void }) {
  const { t } = useI18n();
  const { session } = useAuth();
  const self = session?.user.id === u.id;
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const pwId = useId();

  async function run(task: () => Promise<UserDto>) {
    setError(undefined);
    try {
      onChange(await task());
    } catch (failure) {
      setError(failure);
    }
  }

  async function reset(e: FormEvent) {
    e.preventDefault();
    if (password.length < 8) return;
    setError(undefined);
    try {
      await rest.updateUser(u.id, { password });
      setResetting(false);
      setPassword('');
      setDone(true);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <tr data-username={u.username}>
      <td>
        <strong>{u.display_name}</strong>
        <div className="muted">@{u.username}</div>
      </td>
      <td>
        {[u.title, u.institution, t(`careLevel.${u.care_level}`)].filter((x) => x !== '').join(' · ')}
        {u.role === 'admin' && <span className="badge"> {t('admin.roleAdmin')}</span>}
      </td>
      <td>{u.active ? t('admin.active') : t('admin.inactive')}</td>
      <td>
        <div className="table__actions">
        {self ? null : u.active ? (
          <button type="button" className="button button--small button--danger" onClick={() => void run(() => rest.deactivateUser(u.id))}>
            {t('admin.deactivate')}
          </button>
        ) : (
          <button type="button" className="button button--small" onClick={() => void run(() => rest.reactivateUser(u.id))}>
            {t('admin.reactivate')}
          </button>
        )}
        <button type="button" className="button button--small" aria-expanded={resetting} onClick={() => setResetting(!resetting)}>
          {t('admin.resetPassword')}
        </button>
        {done && <span role="status">{t('admin.passwordReset')}</span>}
        {resetting && (
          <form className="inline-form" onSubmit={(e) => void reset(e)}>
            <label htmlFor={pwId}>{t('admin.newPassword')}</label>
            <input id={pwId} type="password" autoComplete="new-password" minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} />
            <button type="submit" className="button button--small" disabled={password.length < 8}>
              {t('common.save')}
            </button>
          </form>
        )}
        </div>
        <ErrorText error={error} />
      </td>
    </tr>
  );
}

function CreateUserForm({ onCreated }: { onCreated: (u: UserDto) => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState({ username: '', display_name: '', password: '', title: '', institution: '', specialties: '' });
  const [role, setRole] = useState<PlatformRole>('user');
  const [care, setCare] = useState<CareLevel>('primary');
  const [error, setError] = useState<unknown>(undefined);
  const ids = { username: useId(), name: useId(), password: useId(), title: useId(), institution: useId(), specialties: useId(), role: useId(), care: useId() };
  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }),
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      onCreated(
        await rest.createUser({
          username: form.username.trim(),
          display_name: form.display_name.trim(),
          password: form.password,
          role,
          title: form.title.trim(),
          institution: form.institution.trim(),
          care_level: care,
          specialties: form.specialties.split(/[,，、]/).map((s) => s.trim()).filter((s) => s !== ''),
        }),
      );
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form className="panel form-grid" onSubmit={(e) => void submit(e)} aria-label={t('admin.newUser')}>
      <div className="field">
        <label htmlFor={ids.username}>{t('login.username')}</label>
        <input id={ids.username} name="username" required pattern="[a-z0-9_.\-]{3,32}" autoComplete="off" {...field('username')} />
      </div>
      <div className="field">
        <label htmlFor={ids.name}>{t('admin.displayName')}</label>
        <input id={ids.name} name="display_name" required {...field('display_name')} />
      </div>
      <div className="field">
        <label htmlFor={ids.password}>{t('login.password')}</label>
        <input id={ids.password} name="password" type="password" autoComplete="new-password" required minLength={8} {...field('password')} />
      </div>
      <div className="field">
        <label htmlFor={ids.title}>{t('admin.jobTitle')}</label>
        <input id={ids.title} name="title" {...field('title')} />
      </div>
      <div className="field">
        <label htmlFor={ids.institution}>{t('admin.institution')}</label>
        <input id={ids.institution} name="institution" {...field('institution')} />
      </div>
      <div className="field">
        <label htmlFor={ids.specialties}>{t('admin.specialties')}</label>
        <input id={ids.specialties} name="specialties" {...field('specialties')} />
      </div>
      <div className="field">
        <label htmlFor={ids.care}>{t('admin.careLevel')}</label>
        <select id={ids.care} value={care} onChange={(e) => setCare(e.target.value as CareLevel)}>
          {CARE_LEVELS.map((c) => (
            <option key={c} value={c}>
              {t(`careLevel.${c}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.role}>{t('admin.platformRole')}</label>
        <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as PlatformRole)}>
          <option value="user">{t('admin.roleUser')}</option>
          <option value="admin">{t('admin.roleAdmin')}</option>
        </select>
      </div>
      <ErrorText error={error} />
      <button type="submit" className="button button--primary">
        {t('admin.create')}
      </button>
    </form>
  );
}

function TeamsAdmin() {
  const { t } = useI18n();
  const list = useAsync(() => rest.myTeams(), []);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function archive(team: TeamDto) {
    try {
      const updated = await rest.archiveTeam(team.id);
      list.setData((old) => (old ?? []).map((x) => (x.id === updated.id ? { ...x, archived_at: updated.archived_at ?? new Date().toISOString() } : x)));
      invalidateDirectory();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <div>
      <div className="toolbar">
        <button type="button" className="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          {t('admin.newTeam')}
        </button>
      </div>
      {creating && (
        <CreateTeamForm
          onCreated={() => {
            setCreating(false);
            invalidateDirectory();
            list.reload();
          }}
        />
      )}
      <ErrorText error={error ?? list.error} />
      <ul className="card-list">
        {list.data?.map((team) => (
          <li key={team.id} className="card" data-team={team.id}>
            <strong>{team.name}</strong> {team.archived_at !== undefined && <span className="badge">{t('admin.archived')}</span>}
            <div className="muted">
              {team.specialty} · {team.institution} · {t('admin.memberCount', { count: team.member_count })}
            </div>
            <div className="card__actions">
              <a className="button button--small" href={href({ name: 'admin', tab: 'teams', teamId: team.id })}>
                {t('admin.roster')}
              </a>
              {team.archived_at === undefined && (
                <button type="button" className="button button--small button--danger" onClick={() => void archive(team)}>
                  {t('admin.archive')}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function CreateTeamForm({ onCreated }: { onCreated: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [specialty, setSpecialty] = useState('');
  const [institution, setInstitution] = useState('');
  const [description, setDescription] = useState('');
  const [lead, setLead] = useState<UserDto[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const ids = { name: useId(), specialty: useId(), institution: useId(), description: useId() };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const leadId = lead[0]?.id;
    if (leadId === undefined) return;
    try {
      await rest.createTeam({ name: name.trim(), specialty: specialty.trim(), institution: institution.trim(), description: description.trim(), lead_id: leadId });
      onCreated();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-label={t('admin.newTeam')}>
      <div className="field">
        <label htmlFor={ids.name}>{t('admin.teamName')}</label>
        <input id={ids.name} required value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.specialty}>{t('admin.specialty')}</label>
        <input id={ids.specialty} required value={specialty} onChange={(e) => setSpecialty(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.institution}>{t('admin.institution')}</label>
        <input id={ids.institution} value={institution} onChange={(e) => setInstitution(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.description}>{t('admin.description')}</label>
        <textarea id={ids.description} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <UserPicker label={t('admin.lead')} selected={lead} onChange={setLead} />
      <ErrorText error={error} />
      <button type="submit" className="button button--primary" disabled={lead.length === 0}>
        {t('admin.create')}
      </button>
    </form>
  );
}

/** A team's roster: add members, change roles, remove; admins also choose the lead. */
function RosterPage({ teamId, isAdmin }: { teamId: string; isAdmin: boolean }) {
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
    </section>
  );
}
