// Diagnoses on a structured form (诊断, SPEC §10): rows of an optional ICD-10
// code and the diagnosis in the doctor's words. The code's form is checked
// here exactly as the server checks it (after trimming and upper-casing: a
// letter, two digits, optionally a dot and one to four digits or letters), so
// an ill-formed code is shown at its field instead of coming back as a 400.
// Codes are never looked up: "I48.0" and "I99.9" both pass.

import type { Diagnosis } from '../api/types';

/** The server's form check (`invalid_icd10_code`), applied to the normalised code. */
export const ICD10_PATTERN = /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/;

/** The server refuses more (`too_many_diagnoses`). */
export const MAX_DIAGNOSES = 20;

/** "  i48.0 " → "I48.0". */
export function normalizeIcd10(code: string): string {
  return code.trim().toUpperCase();
}

/** Whether a code, as typed, has the form the server accepts. */
export function isIcd10Code(code: string): boolean {
  return ICD10_PATTERN.test(normalizeIcd10(code));
}

/** One row of the editor, as typed. */
export interface DiagnosisRow {
  /** Stable React key of the row. */
  key: string;
  code: string;
  text: string;
}

/** What is wrong with a row: an ill-formed code, or a code without the diagnosis in words. */
export type DiagnosisProblem = 'code' | 'text';

export interface CheckedDiagnoses {
  /** What to send: blank rows left out, codes normalised, texts trimmed. */
  diagnoses: Diagnosis[];
  /** Problems by row key; empty when the form may be sent. */
  problems: ReadonlyMap<string, readonly DiagnosisProblem[]>;
}

/** The rows as the request's `diagnoses`, or what to fix first. */
export function checkDiagnoses(rows: readonly DiagnosisRow[]): CheckedDiagnoses {
  const diagnoses: Diagnosis[] = [];
  const problems = new Map<string, DiagnosisProblem[]>();
  for (const row of rows) {
    const code = normalizeIcd10(row.code);
    const text = row.text.trim();
    if (code === '' && text === '') continue;
    const wrong: DiagnosisProblem[] = [];
    if (code !== '' && !ICD10_PATTERN.test(code)) wrong.push('code');
    if (text === '') wrong.push('text');
    if (wrong.length > 0) problems.set(row.key, wrong);
    else diagnoses.push(code === '' ? { text } : { code, text });
  }
  return { diagnoses, problems };
}

/** "I48.0 阵发性心房颤动", or the words alone without a code. */
export function formatDiagnosis(d: Diagnosis): string {
  return d.code === undefined || d.code === '' ? d.text : `${d.code} ${d.text}`;
}

let nextKey = 0;

/** An empty row with a key of its own. */
export function emptyDiagnosisRow(): DiagnosisRow {
  nextKey += 1;
  return { key: `dx-${nextKey}`, code: '', text: '' };
}
