// The referral form (转诊单, SPEC §10): receiving team and direction, the
// reason, the case summary (病历摘要, prefilled from the case), diagnoses with
// optional ICD-10 codes, purpose (转诊目的), precautions (注意事项), for a
// patient sent down the follow-up plan (随访计划), and a slot (号源) of the
// receiving team to book.

import { useId, useState } from 'react';
import type { CaseDto, Diagnosis, ReferralDirection, ReferralDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { SlotPicker } from '../slots/SlotPicker';
import { DiagnosesEditor } from '../ui/Diagnoses';
import { emptyDiagnosisRow, type DiagnosisRow } from '../ui/diagnoses';
import { TeamSelect } from '../ui/pickers';
import { referralRequest } from './forms';
import { StructuredFormError, useStructuredSubmit } from './structuredSubmit';

export function ReferForm({ kase, onDone }: { kase: CaseDto; onDone: (r: ReferralDto) => void }) {
  const { t } = useI18n();
  const [team, setTeam] = useState('');
  const [direction, setDirection] = useState<ReferralDirection>('up');
  const [reason, setReason] = useState('');
  const [summary, setSummary] = useState(kase.summary);
  const [rows, setRows] = useState<DiagnosisRow[]>(() => [emptyDiagnosisRow()]);
  const [purpose, setPurpose] = useState('');
  const [precautions, setPrecautions] = useState('');
  const [followUpPlan, setFollowUpPlan] = useState('');
  const [slot, setSlot] = useState('');
  const { tried, busy, error, submit } = useStructuredSubmit(rows);
  const send = async (diagnoses: Diagnosis[]) => onDone(await rest.refer(kase.id, referralRequest({ team, direction, reason, summary, diagnoses, purpose, precautions, followUpPlan, slot })));
  const ids = { reason: useId(), summary: useId(), purpose: useId(), precautions: useId(), plan: useId() };

  return (
    <form className="panel referral-form" onSubmit={(e) => void submit(e, team !== '' && reason.trim() !== '', send)} aria-label={t('referral.refer')} noValidate>
      <h2>{t('referral.refer')}</h2>
      <TeamSelect
        label={t('referral.toTeam')}
        value={team}
        onChange={(next) => {
          setTeam(next);
          setSlot('');
        }}
        exclude={kase.team_id}
        required
        name="to_team"
      />
      <fieldset className="field">
        <legend>{t('referral.direction')}</legend>
        {(['up', 'down'] as const).map((d) => (
          <label key={d} className="radio">
            <input type="radio" name="direction" value={d} checked={direction === d} onChange={() => setDirection(d)} /> {t(`referral.${d}`)}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={ids.reason}>{t('referral.reason')}</label>
        <textarea id={ids.reason} name="reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required />
      </div>
      <div className="field">
        <label htmlFor={ids.summary}>{t('forms.summary')}</label>
        <textarea id={ids.summary} name="summary" rows={4} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </div>
      <DiagnosesEditor rows={rows} onChange={setRows} showAll={tried} />
      <div className="field">
        <label htmlFor={ids.purpose}>{t('referral.purpose')}</label>
        <textarea id={ids.purpose} name="purpose" rows={2} value={purpose} onChange={(e) => setPurpose(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.precautions}>{t('referral.precautions')}</label>
        <textarea id={ids.precautions} name="precautions" rows={2} value={precautions} onChange={(e) => setPrecautions(e.target.value)} />
      </div>
      {direction === 'down' && (
        <div className="field">
          <label htmlFor={ids.plan}>{t('referral.followUpPlan')}</label>
          <textarea
            id={ids.plan}
            name="follow_up_plan"
            rows={3}
            value={followUpPlan}
            aria-describedby={`${ids.plan}-hint`}
            onChange={(e) => setFollowUpPlan(e.target.value)}
          />
          <span id={`${ids.plan}-hint`} className="muted field-hint">
            {t('referral.followUpPlanHint')}
          </span>
        </div>
      )}
      {team !== '' && <SlotPicker teamId={team} value={slot} onChange={setSlot} noneLabel={t('slots.pickNone')} hint={t('slots.pickHint')} />}
      <StructuredFormError error={error} rows={rows} missing="referral.missing" />
      <button type="submit" className="button button--primary" disabled={busy}>
        {t('referral.send')}
      </button>
    </form>
  );
}
