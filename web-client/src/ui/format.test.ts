import { describe, expect, it } from 'vitest';
import { ageFrom, minutesSince } from './format';

describe('ageFrom', () => {
  const now = new Date(2026, 10, 23); // 23 Nov 2026
  it('counts whole years, before and after the birthday', () => {
    expect(ageFrom('1964-03-17', now)).toBe(62);
    expect(ageFrom('1964-11-24', now)).toBe(61);
    expect(ageFrom('1964-11-23', now)).toBe(62);
  });
  it('is undefined when unknown or malformed', () => {
    expect(ageFrom(undefined, now)).toBeUndefined();
    expect(ageFrom('17/03/1964', now)).toBeUndefined();
  });
});

describe('minutesSince', () => {
  it('never goes negative', () => {
    expect(minutesSince('2026-11-23T02:00:00Z', Date.parse('2026-11-23T03:05:30Z'))).toBe(65);
    expect(minutesSince('2026-11-23T04:00:00Z', Date.parse('2026-11-23T03:00:00Z'))).toBe(0);
  });
});
