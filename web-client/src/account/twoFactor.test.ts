import { describe, expect, it } from 'vitest';
import { appCode, groupSecret, mustEnrol, recoveryCodesFile } from './twoFactor';

describe('two-factor sign-in, the pure parts', () => {
  it('asks only an account that must use it and has not set it up to enrol first', () => {
    expect(mustEnrol({ required: true, enabled: false, recovery_codes_left: 0 })).toBe(true);
    expect(mustEnrol({ required: true, enabled: true, recovery_codes_left: 10 })).toBe(false);
    expect(mustEnrol({ required: false, enabled: false, recovery_codes_left: 0 })).toBe(false);
  });

  it('shows the secret in groups of four, as apps ask it to be typed', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('JBSWY3DPEH==')).toBe('JBSW Y3DP EH');
    expect(groupSecret('')).toBe('');
  });

  it('reads a typed code without the spaces apps show', () => {
    expect(appCode(' 123 456 ')).toBe('123456');
    expect(appCode('123-456')).toBe('123456');
  });

  it('writes the recovery codes file one code a line under a heading', () => {
    expect(recoveryCodesFile('Consilium recovery codes', ['abcde-12345', 'fghij-67890'])).toBe('Consilium recovery codes\n\nabcde-12345\nfghij-67890\n');
  });
});
