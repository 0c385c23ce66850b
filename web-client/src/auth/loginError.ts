import { isApiError } from '../api/errors';
import type { MessageKey } from '../i18n';

export type LoginErrorKey = Extract<MessageKey, `login.error.${string}`>;

/** The message a failed sign-in shows: credentials, throttling and connectivity each get their own words. */
export function loginErrorKey(error: unknown): LoginErrorKey {
  if (isApiError(error, 'unauthorized')) return 'login.error.invalidCredentials';
  if (isApiError(error, 'rate_limited')) return 'login.error.rateLimited';
  if (isApiError(error, 'network')) return 'login.error.network';
  return 'login.error.unexpected';
}
