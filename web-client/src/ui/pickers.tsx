// Choosing people and teams: a searchable user list (GET /users?q=) and a
// team select fed by the directory (GET /teams/directory).

import { useEffect, useId, useState } from 'react';
import type { TeamDirectoryEntry, UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { rememberUsers } from '../users/cache';

let directoryCache: Promise<TeamDirectoryEntry[]> | null = null;

/** The team directory, fetched once per page load (and again after `invalidateDirectory`). */
export function useDirectory(): TeamDirectoryEntry[] {
  const [teams, setTeams] = useState<TeamDirectoryEntry[]>([]);
  useEffect(() => {
    let live = true;
    directoryCache ??= rest.directory().catch((e: unknown) => {
      directoryCache = null;
      throw e;
    });
    directoryCache.then(
      (list) => {
        if (!live) return;
        rememberUsers(list.map((t) => t.lead));
        setTeams(list);
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, []);
  return teams;
}

export function invalidateDirectory(): void {
  directoryCache = null;
}

export function teamName(teams: readonly { id: string; name: string }[], id: string): string {
  return teams.find((t) => t.id === id)?.name ?? '…';
}

interface TeamSelectProps {
  label: string;
  value: string;
  onChange: (id: string) => void;
  exclude?: string;
  required?: boolean;
  name?: string;
}

export function TeamSelect({ label, value, onChange, exclude, required, name }: TeamSelectProps) {
  const { t } = useI18n();
  const teams = useDirectory();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} value={value} required={required} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('common.choose')}</option>
        {teams
          .filter((team) => team.id !== exclude)
          .map((team) => (
            <option key={team.id} value={team.id}>
              {team.name} — {team.specialty} · {team.institution}
            </option>
          ))}
      </select>
    </div>
  );
}

interface UserPickerProps {
  label: string;
  selected: readonly UserDto[];
  onChange: (users: UserDto[]) => void;
  multiple?: boolean;
  excludeIds?: readonly string[];
  name?: string;
}

/** Search the directory and pick one or several users; chosen ones show as removable chips. */
export function UserPicker({ label, selected, onChange, multiple = false, excludeIds = [], name }: UserPickerProps) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<UserDto[]>([]);
  const id = useId();
  const listId = useId();

  useEffect(() => {
    if (q.trim() === '') {
      setResults([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      rest.searchUsers(q.trim(), { limit: 8 }).then(
        (page) => {
          if (!live) return;
          rememberUsers(page.items);
          setResults(page.items);
        },
        () => {},
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);

  const chosen = new Set(selected.map((u) => u.id));
  const shown = results.filter((u) => !chosen.has(u.id) && !excludeIds.includes(u.id));

  function add(u: UserDto) {
    onChange(multiple ? [...selected, u] : [u]);
    setQ('');
  }

  return (
    <div className="field user-picker">
      <label htmlFor={id}>{label}</label>
      {selected.length > 0 && (
        <ul className="chips" aria-label={t('picker.selected')}>
          {selected.map((u) => (
            <li key={u.id} className="chip">
              {u.display_name} <span className="muted">@{u.username}</span>
              <button
                type="button"
                className="chip__remove"
                aria-label={t('picker.remove', { name: u.display_name })}
                onClick={() => onChange(selected.filter((x) => x.id !== u.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {(multiple || selected.length === 0) && (
        <input
          id={id}
          name={name}
          type="search"
          autoComplete="off"
          value={q}
          placeholder={t('picker.searchPeople')}
          aria-controls={listId}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              const first = shown[0];
              if (first !== undefined) add(first);
            }
          }}
        />
      )}
      <ul id={listId} className="picker-results" aria-label={t('picker.results')}>
        {shown.map((u) => (
          <li key={u.id}>
            <button type="button" className="picker-results__item" onClick={() => add(u)} data-username={u.username}>
              <strong>{u.display_name}</strong> <span className="muted">@{u.username}</span>
              <span className="muted"> · {[u.title, u.institution].filter((x) => x !== '').join(' · ')}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
