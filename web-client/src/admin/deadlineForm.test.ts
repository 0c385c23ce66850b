import { describe, expect, it } from 'vitest';
import type { TeamSettings } from '../api/types';
import { draftOf, invalidFields, parseMinutes, patchFrom } from './deadlineForm';

const defaults: TeamSettings = {
  triage_minutes: { emergency: 10, urgent: 60, routine: 1440 },
  consult_minutes: { emergency: 30, urgent: 240, routine: 4320 },
  ack_minutes: { urgent: 10, emergency: 2 },
};

describe('parseMinutes', () => {
  it('takes whole minutes from 1 to 43200, with spaces or full-width digits', () => {
    expect(parseMinutes('15')).toBe(15);
    expect(parseMinutes(' 1 ')).toBe(1);
    expect(parseMinutes('43200')).toBe(43_200);
    expect(parseMinutes('３０')).toBe(30);
  });

  it('refuses what is not whole minutes in range', () => {
    for (const text of ['', '0', '43201', '-5', '1.5', '10分钟', 'abc', '1e3']) expect(parseMinutes(text), text).toBeNull();
  });
});

describe('patchFrom', () => {
  it('is empty when nothing changed', () => {
    expect(patchFrom(draftOf(defaults), defaults)).toEqual({});
  });

  it('replaces each changed group whole, and leaves the others out', () => {
    const draft = draftOf(defaults);
    draft.triage_minutes.emergency = '5';
    draft.ack_minutes.urgent = '15';
    expect(patchFrom(draft, defaults)).toEqual({
      triage_minutes: { emergency: 5, urgent: 60, routine: 1440 },
      ack_minutes: { urgent: 15, emergency: 2 },
    });
  });

  it('is null while an input is invalid, and names the bad inputs', () => {
    const draft = draftOf(defaults);
    draft.consult_minutes.routine = '0';
    draft.ack_minutes.emergency = '';
    expect(patchFrom(draft, defaults)).toBeNull();
    expect([...invalidFields(draft)].sort()).toEqual(['ack_minutes.emergency', 'consult_minutes.routine']);
  });
});
