// The pure parts of two-factor sign-in (两步验证, SPEC §11).

import type { TwoFactorStatus } from '../api/types';

/**
 * An account that must use two-factor sign-in and has not set it up can do
 * nothing but enrol (the server refuses everything else, the websocket
 * included), so the app shows only the enrolment.
 */
export function mustEnrol(status: TwoFactorStatus): boolean {
  return status.required && !status.enabled;
}

/** At or below this many unused recovery codes the page suggests new ones. */
export const FEW_RECOVERY_CODES = 3;

/** The base32 secret in groups of four, as authenticator apps ask it to be typed: "JBSW Y3DP EHPK 3PXP". */
export function groupSecret(secret: string): string {
  return (secret.replace(/[\s=]+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/** A 6-digit code as typed: spaces (apps show "123 456") and dashes left out. */
export function appCode(typed: string): string {
  return typed.replace(/[\s-]+/g, '');
}

/** The text file of recovery codes a user downloads: a heading line, then one code a line. */
export function recoveryCodesFile(heading: string, codes: readonly string[]): string {
  return [heading, '', ...codes, ''].join('\n');
}
