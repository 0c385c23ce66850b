// Administration, teams tab: every team, create one with its lead, archive one,
// open a roster.

import { useId, useState, type FormEvent } from 'react';
import type { TeamDto, UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { href } from '../router';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { invalidateDirectory, UserPicker } from '../ui/pickers';
import { useAsync } from '../ui/useAsync';

export function TeamsAdmin() {
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
