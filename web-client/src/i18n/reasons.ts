// The client's own words for the server's refusals. The server sends a stable
// `reason` word with every error (SPEC §3) and a WsCloseReason as the close
// text of a websocket it ends (SPEC §4); its `message` is English for
// developers and is never shown. Each reason has a key in en.ts and zh-CN.ts:
//
//   error.reason.<ErrorReason>        e.g. error.reason.team_archived
//   connection.closed.<WsCloseReason> e.g. connection.closed.session_ended
//
// A reason the client does not know (a newer server) or a missing one (an
// older server) falls back to a generic text per error code.

import type { ErrorCode } from '../generated/ErrorCode';
import type { ErrorReason } from '../generated/ErrorReason';
import { ERROR_REASONS, WS_CLOSE_REASONS } from '../generated/reasons';
import type { WsCloseReason } from '../generated/WsCloseReason';
import type { MessageKey } from './en';

export type ErrorReasonKey = `error.reason.${ErrorReason}`;
export type CloseReasonKey = `connection.closed.${WsCloseReason}`;

// --- compile-time completeness ---------------------------------------------
// A reason added on the Rust side (and regenerated into src/generated) without
// a translation fails `tsc` here, naming the missing key; so does a key left
// behind for a reason that no longer exists. zh-CN.ts must have every key of
// en.ts (it `satisfies Record<MessageKey, string>`), so one check covers both.

type Missing = Exclude<ErrorReasonKey | CloseReasonKey, MessageKey>;
type Stale = Exclude<Extract<MessageKey, `error.reason.${string}` | `connection.closed.${string}`>, ErrorReasonKey | CloseReasonKey>;

/** `true` when every reason has a message key and no key names a reason that does not exist. */
export const EVERY_REASON_TRANSLATED: [Missing | Stale] extends [never] ? true : Missing | Stale = true;

// --- runtime ----------------------------------------------------------------

const errorReasons: ReadonlySet<string> = new Set(ERROR_REASONS);
const closeReasons: ReadonlySet<string> = new Set(WS_CLOSE_REASONS);

export function isErrorReason(value: unknown): value is ErrorReason {
  return typeof value === 'string' && errorReasons.has(value);
}

export function isWsCloseReason(value: unknown): value is WsCloseReason {
  return typeof value === 'string' && closeReasons.has(value);
}

export function errorReasonKey(reason: ErrorReason): ErrorReasonKey {
  return `error.reason.${reason}`;
}

export function closeReasonKey(reason: WsCloseReason): CloseReasonKey {
  return `connection.closed.${reason}`;
}

/** What a client-side code (`network`, from no answer at all) or a server code says when there is no known reason. */
export type GenericErrorKey = Extract<MessageKey, `error.${string}`>;

// Typed as a record so a new code on the Rust side fails the type check until it has words.
const CODE_KEYS: Record<ErrorCode | 'network', GenericErrorKey> = {
  network: 'error.network',
  invalid: 'error.invalid',
  unauthorized: 'error.unauthorized',
  forbidden: 'error.forbidden',
  not_found: 'error.notFound',
  conflict: 'error.conflict',
  too_large: 'error.tooLarge',
  unsupported_media_type: 'error.unsupportedMediaType',
  range_not_satisfiable: 'error.rangeNotSatisfiable',
  rate_limited: 'error.rateLimited',
  internal: 'error.unexpected',
};

/** The generic words for an error code; `error.unexpected` for a code this client does not know. */
export function codeKey(code: string | undefined): GenericErrorKey {
  return code !== undefined && Object.hasOwn(CODE_KEYS, code) ? CODE_KEYS[code as keyof typeof CODE_KEYS] : 'error.unexpected';
}

/** A message key for a refusal; none of them takes parameters. */
export type RefusalKey = ErrorReasonKey | GenericErrorKey;

/** The words for a refusal: its reason's own text when the client knows the reason, else its code's. */
export function refusalKey(code: string | undefined, reason: string | undefined): RefusalKey {
  return isErrorReason(reason) ? errorReasonKey(reason) : codeKey(code);
}

/**
 * The WsCloseReason in a websocket close frame's text, or null. Servers from
 * before the reason words sent English phrases ("session ended", "invalid
 * token"); those that name the same cause are read as the word, anything else
 * (an unknown or empty text) is null and the client carries on as for any drop.
 */
export function parseCloseReason(text: string): WsCloseReason | null {
  const word = text.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return isWsCloseReason(word) ? word : null;
}
