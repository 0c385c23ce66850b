import { describe, expect, it } from 'vitest';
import { translate, type Locale, type MessageKey, type TArgs } from '../i18n';
import { reasonTexts } from './reasons';

const tr =
  (locale: Locale) =>
  <K extends MessageKey>(key: K, ...args: TArgs<K>) =>
    translate(locale, key, ...args);

const reasons = [
  { kind: 'specialty' as const, specialty: '心律失常', terms: ['房颤', '心律不齐'] },
  { kind: 'care_level' as const, care_level: 'tertiary' as const, priority: 'emergency' as const },
  { kind: 'load' as const, open_cases: 2 },
  { kind: 'lead' as const },
];

describe('reasonTexts', () => {
  it('says in Chinese why a doctor is suggested', () => {
    expect(reasonTexts(reasons, tr('zh-CN'), 'zh-CN')).toEqual([
      '擅长心律失常：病情提到房颤和心律不齐',
      '三级医院医生，适合危急病例',
      '在管 2 例',
      '团队负责人，留给疑难病例',
    ]);
  });

  it('and in English', () => {
    const texts = reasonTexts(reasons, tr('en'), 'en');
    expect(texts[0]).toBe('Specialty 心律失常 fits: 房颤 and 心律不齐');
    expect(texts[1]).toBe('Tertiary hospital doctor for a case marked Emergency');
    expect(texts[3]).toBe('Team lead, kept for the hardest cases');
  });
});
