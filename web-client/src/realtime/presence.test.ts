import { describe, expect, it } from 'vitest';
import { applyDuty, dutyFromReady, showsDuty } from './presence';

describe('duty beside presence', () => {
  it('keeps the last known duty when an event carries none', () => {
    const duty = { a: 'off_duty' as const };
    expect(applyDuty(duty, { user_id: 'a' })).toBe(duty);
    expect(applyDuty(duty, { user_id: 'b' })).toBe(duty);
  });
  it('records a changed duty and returns the same object for the same one', () => {
    const duty = { a: 'off_duty' as const };
    expect(applyDuty(duty, { user_id: 'a', duty: 'off_duty' })).toBe(duty);
    expect(applyDuty(duty, { user_id: 'a', duty: 'on_duty' })).toEqual({ a: 'on_duty' });
    expect(applyDuty(duty, { user_id: 'b', duty: 'do_not_disturb' })).toEqual({ a: 'off_duty', b: 'do_not_disturb' });
  });
  it('takes ready entries over what was known, keeping users whose entry has no duty', () => {
    const duty = { a: 'off_duty' as const, b: 'do_not_disturb' as const };
    expect(
      dutyFromReady(duty, [
        { user_id: 'a', status: 'online', duty: 'on_duty' },
        { user_id: 'b', status: 'away' },
        { user_id: 'c', status: 'offline', duty: 'off_duty' },
      ]),
    ).toEqual({ a: 'on_duty', b: 'do_not_disturb', c: 'off_duty' });
  });
  it('shows a badge only off duty or not to be disturbed', () => {
    expect(showsDuty('on_duty')).toBe(false);
    expect(showsDuty(undefined)).toBe(false);
    expect(showsDuty('off_duty')).toBe(true);
    expect(showsDuty('do_not_disturb')).toBe(true);
  });
});
