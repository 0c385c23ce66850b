// The one error type every REST call rejects with (SPEC §3 "Errors").
//
// The server's code follows the HTTP status; when a body is missing or not the
// spec's shape (a proxy's 502 page, say) the code is derived from the status,
// so callers can always switch on `code` and never parse bodies themselves.

import type { ErrorDetail, ServerErrorCode } from './types';

export type { ServerErrorCode } from './types';

/** `network`: no HTTP answer at all (offline, DNS, connection refused). */
export type ApiErrorCode = ServerErrorCode | 'network';

// Typed as a record so adding a code on the Rust side fails the type check here
// until it is listed.
const SERVER_CODE_FLAGS: Record<ServerErrorCode, true> = {
  invalid: true,
  unauthorized: true,
  forbidden: true,
  not_found: true,
  conflict: true,
  too_large: true,
  rate_limited: true,
  internal: true,
};

function isServerErrorCode(code: string): code is ServerErrorCode {
  return Object.hasOwn(SERVER_CODE_FLAGS, code);
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** HTTP status; 0 when there was no answer. */
    readonly status: number,
  ) {
    super(message);
  }
}

export function isApiError(value: unknown, code?: ApiErrorCode): value is ApiError {
  return value instanceof ApiError && (code === undefined || value.code === code);
}

export function codeForStatus(status: number): ServerErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'too_large';
    case 429:
      return 'rate_limited';
    default:
      return status >= 500 ? 'internal' : 'invalid';
  }
}

/** Build the ApiError for a non-2xx answer from its status and raw body text. */
export function errorFromResponse(status: number, statusText: string, bodyText: string): ApiError {
  const detail = parseErrorDetail(bodyText);
  // A code this client does not know (a newer server) falls back to the status.
  const code = detail !== null && isServerErrorCode(detail.code) ? detail.code : codeForStatus(status);
  const message = detail?.message || statusText || `HTTP ${status}`;
  return new ApiError(code, message, status);
}

/** The `error` object of a spec error body, with `code` not yet checked against the known codes. */
type RawErrorDetail = Omit<ErrorDetail, 'code'> & { code: string };

function parseErrorDetail(text: string): RawErrorDetail | null {
  if (text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const error: unknown = (value as Record<string, unknown>).error;
    if (typeof error !== 'object' || error === null) return null;
    const { code, message } = error as Record<string, unknown>;
    return typeof code === 'string' && typeof message === 'string' ? { code, message } : null;
  } catch {
    return null;
  }
}
