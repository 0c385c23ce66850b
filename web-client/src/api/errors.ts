// The one error type every REST call rejects with (SPEC §3 "Errors").
//
// The server's code follows the HTTP status; when a body is missing or not the
// spec's shape (a proxy's 502 page, say) the code is derived from the status,
// so callers can always switch on `code` and never parse bodies themselves.
// `reason` is the server's word for the precise cause, which the UI translates
// (i18n/reasons.ts); it is undefined when the server sent none (an older
// server) or one this client does not know (a newer server). `message` is the
// server's English text, for developers only: the UI never shows it. A 409
// `call_in_progress` also names the live call (`call`), for the client to join.

import type { ErrorReason } from '../generated/ErrorReason';
import { isErrorReason } from '../i18n/reasons';
import type { CallDto, ErrorDetail, ServerErrorCode } from './types';

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
  unsupported_media_type: true,
  range_not_satisfiable: true,
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
    /** The server's reason word, when it sent one this client knows. */
    readonly reason: ErrorReason | undefined = undefined,
    /** With `call_in_progress`: the conversation's live call, as the server sent it. */
    readonly call: CallDto | undefined = undefined,
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
    case 415:
      return 'unsupported_media_type';
    case 416:
      return 'range_not_satisfiable';
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
  const raw = detail?.reason;
  const reason = isErrorReason(raw) ? raw : undefined;
  return new ApiError(code, message, status, reason, detail?.call);
}

/** The `error` object of a spec error body, with `code` and `reason` not yet checked against the known ones. */
type RawErrorDetail = Omit<ErrorDetail, 'code' | 'reason'> & { code: string; reason?: string };

/** Enough of a CallDto to join it: an id and a participant list. */
function isCallShaped(value: unknown): value is CallDto {
  if (typeof value !== 'object' || value === null) return false;
  const { id, conversation_id, participants } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof conversation_id === 'string' && Array.isArray(participants);
}

function parseErrorDetail(text: string): RawErrorDetail | null {
  if (text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const error: unknown = (value as Record<string, unknown>).error;
    if (typeof error !== 'object' || error === null) return null;
    const { code, reason, message, call } = error as Record<string, unknown>;
    if (typeof code !== 'string' || typeof message !== 'string') return null;
    return {
      code,
      message,
      ...(typeof reason === 'string' ? { reason } : {}),
      ...(isCallShaped(call) ? { call } : {}),
    };
  } catch {
    return null;
  }
}
