import { useId, useState, type FormEvent } from 'react';
import type { CaseDto, NewPatient, Priority, Sex } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { hashParam, href, navigate } from '../router';
import { useTeams } from '../teams/myTeams';
import { rest } from '../session';
import { ErrorText, StatusBadge } from '../ui/common';
import { TeamSelect } from '../ui/pickers';
import { PRIORITIES } from './priorities';

const SEXES: readonly Sex[] = ['male', 'female', 'other', 'unknown'];

/**
 * `intake`: anyone sends a new patient to any team's triage queue (team from the directory).
 * `case`: a member opens a case discussion in one of their teams (status open).
 */
export function NewCasePage({ mode }: { mode: 'intake' | 'case' }) {
  const { t } = useI18n();
  const { teams } = useTeams();
  const myTeams = teams.filter((team) => team.my_role !== undefined && team.archived_at === undefined);
  const [team, setTeam] = useState(hashParam('team') ?? '');
  const [name, setName] = useState('');
  const [sex, setSex] = useState<Sex>('unknown');
  const [birth, setBirth] = useState('');
  const [externalId, setExternalId] = useState('');
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const [priority, setPriority] = useState<Priority>('routine');
  const [error, setError] = useState<unknown>(undefined);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [submitted, setSubmitted] = useState<CaseDto | null>(null);
  const ids = { team: useId(), name: useId(), sex: useId(), birth: useId(), ext: useId(), title: useId(), summary: useId(), priority: useId() };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const teamId = mode === 'case' && team === '' && myTeams.length === 1 ? (myTeams[0]?.id ?? '') : team;
    if (teamId === '' || name.trim() === '' || title.trim() === '') {
      setMissing(true);
      return;
    }
    setMissing(false);
    const patient: NewPatient = { name: name.trim(), sex };
    if (birth !== '') patient.birth_date = birth;
    if (externalId.trim() !== '') patient.external_id = externalId.trim();
    setBusy(true);
    try {
      const body = { patient, title: title.trim(), summary: summary.trim(), priority };
      const created = mode === 'intake' ? await rest.submitIntake(teamId, body) : await rest.createCase(teamId, body);
      if (mode === 'case') navigate({ name: 'case', caseId: created.id });
      else setSubmitted(created);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  if (submitted !== null) {
    return (
      <section className="page" aria-labelledby="intake-done">
        <h1 id="intake-done" tabIndex={-1}>
          {t('intake.done')}
        </h1>
        <p role="status">
          {t('intake.doneDetail', { title: submitted.title })} <StatusBadge status={submitted.status} />
        </p>
        <p>
          <a href={href({ name: 'case', caseId: submitted.id })}>{t('intake.viewStatus')}</a>
        </p>
        <button type="button" className="button" onClick={() => setSubmitted(null)}>
          {t('intake.another')}
        </button>
      </section>
    );
  }

  return (
    <section className="page" aria-labelledby="new-case-heading">
      <h1 id="new-case-heading" tabIndex={-1}>
        {mode === 'intake' ? t('intake.title') : t('cases.new')}
      </h1>
      <p className="muted">{mode === 'intake' ? t('intake.explain') : t('cases.newExplain')}</p>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        {mode === 'intake' ? (
          <TeamSelect label={t('intake.team')} value={team} onChange={setTeam} required name="team" />
        ) : (
          <div className="field">
            <label htmlFor={ids.team}>{t('intake.team')}</label>
            <select id={ids.team} name="team" value={team} onChange={(e) => setTeam(e.target.value)}>
              <option value="">{t('common.choose')}</option>
              {myTeams.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <fieldset className="fieldset">
          <legend>{t('case.patient')}</legend>
          <div className="field">
            <label htmlFor={ids.name}>{t('case.patientName')}</label>
            <input id={ids.name} name="patient_name" value={name} onChange={(e) => setName(e.target.value)} required aria-invalid={missing && name.trim() === ''} />
          </div>
          <div className="form-row">
            <div className="field">
              <label htmlFor={ids.sex}>{t('case.sex')}</label>
              <select id={ids.sex} name="sex" value={sex} onChange={(e) => setSex(e.target.value as Sex)}>
                {SEXES.map((s) => (
                  <option key={s} value={s}>
                    {t(`sex.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={ids.birth}>{t('case.birthDate')}</label>
              <input id={ids.birth} name="birth_date" type="date" value={birth} onChange={(e) => setBirth(e.target.value)} />
            </div>
          </div>
          <div className="field">
            <label htmlFor={ids.ext}>{t('case.externalId')}</label>
            <input id={ids.ext} name="external_id" value={externalId} onChange={(e) => setExternalId(e.target.value)} />
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor={ids.title}>{t('case.title')}</label>
          <input id={ids.title} name="title" value={title} onChange={(e) => setTitle(e.target.value)} required aria-invalid={missing && title.trim() === ''} />
        </div>
        <div className="field">
          <label htmlFor={ids.summary}>{t('case.summary')}</label>
          <textarea id={ids.summary} name="summary" rows={5} value={summary} onChange={(e) => setSummary(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.priority}>{t('case.priority')}</label>
          <select id={ids.priority} name="priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`priority.${p}`)}
              </option>
            ))}
          </select>
        </div>
        {missing ? (
          <div role="alert" className="form-error">
            {t('intake.missing')}
          </div>
        ) : (
          <ErrorText error={error} />
        )}
        <button type="submit" className="button button--primary" disabled={busy}>
          {mode === 'intake' ? t('intake.submit') : t('cases.create')}
        </button>
      </form>
    </section>
  );
}
