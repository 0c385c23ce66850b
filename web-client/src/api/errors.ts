// The one error type every REST call rejects with (SPEC §3 "Errors").
//
// The server's code follows the HTTP status; when a body is missing or not the
// spec's shape (a proxy's 502 page, say) the code is derived from the status,
// so callers can always switch on `code` and never parse bodies themselves.

import type { ApiErrorBody } from './types';

/** The codes the spec defines, one per status. */
export type ServerErrorCode =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'internal';

/** `network`: no HTTP answer at all (offline, DNS, connection refused). */
export type ApiErrorCode = ServerErrorCode | 'network';

const SERVER_CODES: ReadonlySet<string> = new Set<ServerErrorCode>([
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'rate_limited',
  'internal',
]);

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
  const body = parseErrorBody(bodyText);
  const code = body !== null && SERVER_CODES.has(body.error.code) ? (body.error.code as ServerErrorCode) : codeForStatus(status);
  const message = body?.error.message || statusText || `HTTP ${status}`;
  return new ApiError(code, message, status);
}

function parseErrorBody(text: string): ApiErrorBody | null {
  if (text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const error: unknown = (value as Record<string, unknown>).error;
    if (typeof error !== 'object' || error === null) return null;
    const { code, message } = error as Record<string, unknown>;
    return typeof code === 'string' && typeof message === 'string' ? { error: { code, message } } : null;
  } catch {
    return null;
  }
}
