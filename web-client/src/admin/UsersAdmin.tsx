// Administration, users tab: search every account, create one, edit a profile,
// reset a password or two-factor sign-in, deactivate or reactivate.

import { useEffect, useId, useState, type FormEvent } from 'react';
import type { CareLevel, PlatformRole, UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest, useAuth } from '../session';
import { ErrorText } from '../ui/common';
import { useAsync } from '../ui/useAsync';
import { rememberUsers } from '../users/cache';
import { ResetTwoFactor } from './ResetTwoFactor';

const CARE_LEVELS: readonly CareLevel[] = ['tertiary', 'secondary', 'primary', 'village'];

export function UsersAdmin() {
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
        {!self && <ResetTwoFactor user={u} />}
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
