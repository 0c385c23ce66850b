// A team's deadlines (SPEC §7), on its roster page: how long a new patient may
// wait for triage, a consult request for an answer, and an urgent message for
// its acknowledgements, per priority, in minutes. Members may read them; the
// team's lead and admins change them (PATCH, each changed group whole).

import { useEffect, useId, useState, type FormEvent } from 'react';
import type { TeamSettings } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText, Loading } from '../ui/common';
import { useAsync } from '../ui/useAsync';
import { draftOf, GROUP_FIELDS, GROUPS, invalidFields, MAX_MINUTES, MIN_MINUTES, patchFrom, type DeadlineDraft, type DeadlineGroup } from './deadlineForm';

const GROUP_TITLE = {
  triage_minutes: 'settings.triage',
  consult_minutes: 'settings.consult',
  ack_minutes: 'settings.ack',
} as const satisfies Record<DeadlineGroup, string>;

export function DeadlineSettings({ teamId, canEdit }: { teamId: string; canEdit: boolean }) {
  const { t } = useI18n();
  const loaded = useAsync(() => rest.teamSettings(teamId), [teamId]);
  const [saved, setSaved] = useState<TeamSettings | undefined>(undefined);
  const [draft, setDraft] = useState<DeadlineDraft | undefined>(undefined);
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState(false);
  const headingId = useId();
  const explainId = useId();
  const invalidId = useId();
  const idPrefix = useId();

  useEffect(() => {
    if (loaded.data === undefined) return;
    setSaved(loaded.data);
    setDraft(draftOf(loaded.data));
  }, [loaded.data]);

  if (loaded.error !== undefined && saved === undefined) {
    return (
      <section className="panel" aria-labelledby={headingId}>
        <h2 id={headingId}>{t('settings.title')}</h2>
        <ErrorText error={loaded.error} />
      </section>
    );
  }
  if (saved === undefined || draft === undefined) return <Loading />;

  const bad = invalidFields(draft);
  const showBad = checked && bad.size > 0;

  function edit(group: DeadlineGroup, field: string, value: string) {
    setDraft((old) => (old === undefined ? old : { ...old, [group]: { ...old[group], [field]: value } }));
    setDone(false);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    if (saved === undefined || draft === undefined) return;
    setChecked(true);
    setError(undefined);
    setDone(false);
    const patch = patchFrom(draft, saved);
    if (patch === null) return;
    if (Object.keys(patch).length === 0) {
      setDone(true);
      return;
    }
    setBusy(true);
    try {
      const next = await rest.updateTeamSettings(teamId, patch);
      setSaved(next);
      setDraft(draftOf(next));
      setChecked(false);
      setDone(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel deadline-settings" aria-labelledby={headingId} aria-describedby={explainId} onSubmit={(e) => void save(e)} noValidate>
      <h2 id={headingId}>{t('settings.title')}</h2>
      <p id={explainId} className="muted">
        {t('settings.explain')}
      </p>
      {!canEdit && <p className="notice">{t('settings.readOnly')}</p>}
      {GROUPS.map((group) => (
        <fieldset key={group} className="deadline-settings__group">
          <legend>{t(GROUP_TITLE[group])}</legend>
          <div className="form-row">
            {GROUP_FIELDS[group].map((field) => {
              const id = `${idPrefix}-${group}-${field}`;
              const invalid = showBad && bad.has(`${group}.${field}`);
              return (
                <div className="field" key={field}>
                  <label htmlFor={id}>{t('settings.minutes', { priority: t(`priority.${field}`) })}</label>
                  <input
                    id={id}
                    name={`${group}.${field}`}
                    type="number"
                    inputMode="numeric"
                    min={MIN_MINUTES}
                    max={MAX_MINUTES}
                    step={1}
                    required
                    readOnly={!canEdit}
                    value={(draft[group] as Record<string, string>)[field] ?? ''}
                    aria-invalid={invalid}
                    aria-describedby={invalid ? invalidId : undefined}
                    onChange={(e) => edit(group, field, e.target.value)}
                  />
                </div>
              );
            })}
          </div>
        </fieldset>
      ))}
      {showBad && (
        <p id={invalidId} role="alert" className="form-error">
          {t('settings.invalid')}
        </p>
      )}
      <ErrorText error={error} />
      {canEdit && (
        <div className="toolbar">
          <button type="submit" className="button button--primary" disabled={busy}>
            {t('common.save')}
          </button>
          <span role="status" className="muted">
            {done ? t('settings.saved') : ''}
          </span>
        </div>
      )}
    </form>
  );
}
