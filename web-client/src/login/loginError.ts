import { isApiError } from '../api/errors';
import type { MessageKey } from '../i18n';
import { errorReasonKey, type ErrorReasonKey } from '../i18n/reasons';

export type LoginErrorKey = Extract<MessageKey, `login.error.${string}`> | ErrorReasonKey;

/**
 * The message a failed sign-in shows: credentials, throttling and connectivity
 * each get their own words; any other reason the server gives (a deactivated
 * account, say) gets its own text; without a reason, the code decides.
 */
export function loginErrorKey(error: unknown): LoginErrorKey {
  if (isApiError(error)) {
    if (error.reason === 'wrong_credentials') return 'login.error.invalidCredentials';
    if (error.reason === 'too_many_failed_logins') return 'login.error.rateLimited';
    if (error.reason !== undefined && error.reason !== 'internal') return errorReasonKey(error.reason);
  }
  if (isApiError(error, 'unauthorized')) return 'login.error.invalidCredentials';
  if (isApiError(error, 'rate_limited')) return 'login.error.rateLimited';
  if (isApiError(error, 'network')) return 'login.error.network';
  return 'login.error.unexpected';
}

/**
 * The message a refused code shows on the code step: a wrong or used code in
 * its own words (also when an older server gives no reason), anything else as
 * for the password step.
 */
export function codeErrorKey(error: unknown): LoginErrorKey {
  if (isApiError(error, 'unauthorized') && (error.reason === undefined || error.reason === 'invalid_mfa_code')) return 'error.reason.invalid_mfa_code';
  return loginErrorKey(error);
}

/** The challenge is spent (expired, or too many wrong codes): sign-in starts over at the password. */
export function restartsSignIn(error: unknown): boolean {
  return isApiError(error) && error.reason === 'mfa_token_invalid';
}
