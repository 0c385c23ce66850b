// Diagnoses on the referral and consult forms (诊断): an editor of rows (ICD-10
// code, the diagnosis in words), checking each code's form at its field, and
// the read-only list the cards show ("I48.0 阵发性心房颤动").

import { useId, useState } from 'react';
import type { Diagnosis } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { checkDiagnoses, emptyDiagnosisRow, MAX_DIAGNOSES, type DiagnosisRow } from './diagnoses';

interface EditorProps {
  rows: readonly DiagnosisRow[];
  onChange: (rows: DiagnosisRow[]) => void;
  /** Show every row's problems (after a send was tried), not only those of fields the user has left. */
  showAll: boolean;
}

/** Rows of ICD-10 code + diagnosis, added and removed; an ill-formed code is named at its field. */
export function DiagnosesEditor({ rows, onChange, showAll }: EditorProps) {
  const { t } = useI18n();
  const [left, setLeft] = useState<ReadonlySet<string>>(new Set());
  const base = useId();
  const { problems } = checkDiagnoses(rows);
  const update = (key: string, change: Partial<DiagnosisRow>) => onChange(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));

  return (
    <fieldset className="fieldset diagnoses">
      <legend>{t('forms.diagnoses')}</legend>
      <ol className="diagnoses__rows">
        {rows.map((row, i) => {
          const wrong = problems.get(row.key) ?? [];
          const shown = showAll || left.has(row.key);
          const codeWrong = shown && wrong.includes('code');
          const textWrong = shown && wrong.includes('text');
          const ids = { code: `${base}-${row.key}-code`, text: `${base}-${row.key}-text`, codeError: `${base}-${row.key}-code-error`, textError: `${base}-${row.key}-text-error` };
          return (
            <li key={row.key} className="diagnoses__row" role="group" aria-label={t('forms.diagnosisRow', { n: i + 1 })}>
              <div className="field diagnoses__code">
                <label htmlFor={ids.code}>{t('forms.diagnosisCode')}</label>
                <input
                  id={ids.code}
                  name="diagnosis_code"
                  value={row.code}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="I48.0"
                  aria-invalid={codeWrong}
                  aria-describedby={codeWrong ? ids.codeError : undefined}
                  onChange={(e) => update(row.key, { code: e.target.value })}
                  onBlur={() => setLeft((old) => new Set(old).add(row.key))}
                />
                {codeWrong && (
                  <span id={ids.codeError} className="field-error" role="alert">
                    {t('error.reason.invalid_icd10_code')}
                  </span>
                )}
              </div>
              <div className="field diagnoses__text">
                <label htmlFor={ids.text}>{t('forms.diagnosisText')}</label>
                <input
                  id={ids.text}
                  name="diagnosis_text"
                  value={row.text}
                  aria-invalid={textWrong}
                  aria-describedby={textWrong ? ids.textError : undefined}
                  onChange={(e) => update(row.key, { text: e.target.value })}
                />
                {textWrong && (
                  <span id={ids.textError} className="field-error" role="alert">
                    {t('forms.diagnosisTextMissing')}
                  </span>
                )}
              </div>
              <button
                type="button"
                className="button button--small diagnoses__remove"
                aria-label={t('forms.removeDiagnosis', { n: i + 1 })}
                onClick={() => onChange(rows.length === 1 ? [emptyDiagnosisRow()] : rows.filter((r) => r.key !== row.key))}
              >
                {t('forms.remove')}
              </button>
            </li>
          );
        })}
      </ol>
      <button type="button" className="button button--small" disabled={rows.length >= MAX_DIAGNOSES} onClick={() => onChange([...rows, emptyDiagnosisRow()])}>
        {t('forms.addDiagnosis')}
      </button>
    </fieldset>
  );
}

/** The diagnoses as a list, code first ("I48.0 阵发性心房颤动"); nothing when there are none. */
export function DiagnosisList({ diagnoses }: { diagnoses: readonly Diagnosis[] }) {
  if (diagnoses.length === 0) return null;
  return (
    <ul className="diagnosis-list">
      {diagnoses.map((d, i) => (
        <li key={`${i}-${d.code ?? ''}-${d.text}`}>
          {d.code !== undefined && d.code !== '' && <code className="diagnosis-list__code">{d.code}</code>} {d.text}
        </li>
      ))}
    </ul>
  );
}

