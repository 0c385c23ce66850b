import { describe, expect, it } from 'vitest';
import { effectiveDuty, parseStoredDuty } from './duty';

describe('my duty status', () => {
  const now = Date.parse('2026-12-05T08:00:00Z');
  it('is on duty when nothing is stored', () => {
    expect(effectiveDuty(null, now)).toEqual({ status: 'on_duty' });
  });
  it('keeps a status without an end, or before its end', () => {
    expect(effectiveDuty({ status: 'off_duty', forward_to: 'u2' }, now)).toEqual({ status: 'off_duty', forward_to: 'u2' });
    expect(effectiveDuty({ status: 'do_not_disturb', until: '2026-12-05T09:00:00Z' }, now).status).toBe('do_not_disturb');
  });
  it('is back on duty once the end has passed', () => {
    expect(effectiveDuty({ status: 'off_duty', until: '2026-12-05T07:59:00Z' }, now)).toEqual({ status: 'on_duty' });
  });
  it('reads back only a valid stored value', () => {
    expect(parseStoredDuty('{"status":"off_duty","forward_to":"u2"}')).toEqual({ status: 'off_duty', forward_to: 'u2' });
    expect(parseStoredDuty('{"status":"asleep"}')).toBeNull();
    expect(parseStoredDuty('not json')).toBeNull();
    expect(parseStoredDuty(null)).toBeNull();
  });
});
