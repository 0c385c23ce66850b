import { describe, expect, it } from 'vitest';
import { checkDiagnoses, emptyDiagnosisRow, formatDiagnosis, isIcd10Code, MAX_DIAGNOSES, normalizeIcd10 } from './diagnoses';

const row = (key: string, code: string, text: string) => ({ key, code, text });

describe('ICD-10 code form', () => {
  it.each(['I48.0', 'I10', 'E11.9', 'S72.001A', 'Z00.00', 'C50.9', 'U07.1', 'E11.65'])('accepts %s', (code) => {
    expect(isIcd10Code(code)).toBe(true);
  });

  it('trims and upper-cases before checking, as the server does', () => {
    expect(normalizeIcd10('  i48.0 ')).toBe('I48.0');
    expect(isIcd10Code(' i48.0')).toBe(true);
    expect(isIcd10Code('e11.9 ')).toBe(true);
  });

  it.each(['I4', 'I480', '148.0', 'II8.0', 'I48.', 'I48.00000', 'I48-0', 'I48 .0', '房颤', ''])('refuses %j', (code) => {
    expect(isIcd10Code(code)).toBe(false);
  });
});

describe('checkDiagnoses', () => {
  it('sends coded and uncoded diagnoses, codes normalised, texts trimmed, blank rows left out', () => {
    const checked = checkDiagnoses([row('a', ' i48.0', ' 阵发性心房颤动 '), row('b', '', ''), row('c', '', '高血压病3级')]);
    expect(checked.problems.size).toBe(0);
    expect(checked.diagnoses).toEqual([{ code: 'I48.0', text: '阵发性心房颤动' }, { text: '高血压病3级' }]);
  });

  it('names the row with an ill-formed code', () => {
    const checked = checkDiagnoses([row('a', 'I4', '阵发性心房颤动'), row('b', 'I10', '原发性高血压')]);
    expect([...checked.problems]).toEqual([['a', ['code']]]);
  });

  it('asks for the words when only a code is given', () => {
    expect([...checkDiagnoses([row('a', 'I48.0', '  ')]).problems]).toEqual([['a', ['text']]]);
    expect([...checkDiagnoses([row('a', 'X', '')]).problems]).toEqual([['a', ['code', 'text']]]);
  });

  it('is empty for an untouched editor', () => {
    expect(checkDiagnoses([emptyDiagnosisRow()])).toEqual({ diagnoses: [], problems: new Map() });
  });

  it('caps at the server limit', () => {
    expect(MAX_DIAGNOSES).toBe(20);
  });
});

describe('formatDiagnosis', () => {
  it('puts the code before the words', () => {
    expect(formatDiagnosis({ code: 'I48.0', text: '阵发性心房颤动' })).toBe('I48.0 阵发性心房颤动');
    expect(formatDiagnosis({ text: '糖尿病足' })).toBe('糖尿病足');
  });
});

describe('emptyDiagnosisRow', () => {
  it('gives every row a key of its own', () => {
    expect(emptyDiagnosisRow().key).not.toBe(emptyDiagnosisRow().key);
  });
});
