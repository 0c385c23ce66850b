import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { ERROR_REASONS, WS_CLOSE_REASONS } from '../generated/reasons';
import { errorKey } from '../ui/common';
import { en } from './en';
import { dictionaries, LOCALES, translate } from './index';
import {
  closeReasonKey,
  codeKey,
  errorReasonKey,
  EVERY_REASON_TRANSLATED,
  isErrorReason,
  parseCloseReason,
  refusalKey,
} from './reasons';

/** The text of a key in a locale's own dictionary (no fallback to English), or undefined. */
function own(locale: (typeof LOCALES)[number], key: string): string | undefined {
  const dictionary: Readonly<Record<string, string>> = dictionaries[locale];
  return Object.hasOwn(dictionary, key) ? dictionary[key] : undefined;
}

const hasHan = (text: string) => /\p{Script=Han}/u.test(text);

describe('every reason the server can send has words in every language', () => {
  it('the generated lists are there and checked at compile time', () => {
    expect(ERROR_REASONS.length).toBeGreaterThan(0);
    expect(WS_CLOSE_REASONS.length).toBeGreaterThan(0);
    expect(EVERY_REASON_TRANSLATED).toBe(true);
  });

  describe.each(LOCALES)('%s', (locale) => {
    it.each(ERROR_REASONS)('error reason %s', (reason) => {
      const text = own(locale, errorReasonKey(reason));
      expect(text?.trim(), `${locale}: error.reason.${reason}`).toBeTruthy();
    });

    it.each(WS_CLOSE_REASONS)('close reason %s', (reason) => {
      const text = own(locale, closeReasonKey(reason));
      expect(text?.trim(), `${locale}: connection.closed.${reason}`).toBeTruthy();
    });
  });

  it('the Chinese texts are Chinese, not English copies', () => {
    for (const key of [...ERROR_REASONS.map(errorReasonKey), ...WS_CLOSE_REASONS.map(closeReasonKey)]) {
      const zh = own('zh-CN', key) ?? '';
      expect(hasHan(zh), key).toBe(true);
      expect(zh, key).not.toBe(en[key]);
    }
  });

  it('reads naturally for a clinician', () => {
    expect(translate('zh-CN', 'error.reason.team_archived')).toBe('该团队已归档，记录只读。');
    expect(translate('en', 'error.reason.team_archived')).toBe('This team is archived; its records are read-only.');
    expect(translate('zh-CN', 'connection.closed.account_deactivated')).toBe('您的账号已被停用，请联系管理员。');
  });
});

describe('choosing the words for a refusal', () => {
  it('uses the reason when the client knows it', () => {
    expect(refusalKey('conflict', 'team_archived')).toBe('error.reason.team_archived');
    expect(refusalKey('invalid', 'body_too_long')).toBe('error.reason.body_too_long');
  });

  it('falls back to the code when the reason is missing (older server) or unknown (newer server)', () => {
    expect(refusalKey('conflict', undefined)).toBe('error.conflict');
    expect(refusalKey('forbidden', 'brand_new_reason')).toBe('error.forbidden');
    expect(refusalKey('too_large', undefined)).toBe('error.tooLarge');
    expect(refusalKey('unauthorized', undefined)).toBe('error.unauthorized');
  });

  it('falls back to a generic text for a code it does not know either', () => {
    expect(codeKey('teapot')).toBe('error.unexpected');
    expect(codeKey(undefined)).toBe('error.unexpected');
    expect(codeKey('toString')).toBe('error.unexpected');
  });

  it('does not take inherited names for reasons', () => {
    expect(isErrorReason('constructor')).toBe(false);
    expect(isErrorReason('__proto__')).toBe(false);
  });

  it('never shows the server\'s English message, in either language', () => {
    const archived = new ApiError('conflict', 'team 7f3 is archived', 409, 'team_archived');
    const old = new ApiError('invalid', 'title must not be empty', 400);
    for (const locale of LOCALES) {
      expect(translate(locale, errorKey(archived))).not.toContain('7f3');
      expect(translate(locale, errorKey(old))).not.toContain('title must');
    }
    expect(translate('zh-CN', errorKey(archived))).toBe('该团队已归档，记录只读。');
    expect(translate('zh-CN', errorKey(old))).toBe('请检查填写的内容。');
    expect(errorKey(new ApiError('network', 'Failed to fetch', 0))).toBe('error.network');
    expect(errorKey(new TypeError('x'))).toBe('error.unexpected');
  });
});

describe('close reasons', () => {
  it.each(WS_CLOSE_REASONS)('reads the word %s', (reason) => {
    expect(parseCloseReason(reason)).toBe(reason);
  });

  it.each([
    ['session ended', 'session_ended'],
    ['account deactivated', 'account_deactivated'],
    ['invalid token', 'invalid_token'],
    ['idle timeout', 'idle_timeout'],
    ['protocol error', 'protocol_error'],
    ['internal error', 'internal_error'],
    ['  Session Ended ', 'session_ended'],
  ])('reads the older server\'s phrase %j as %s', (text, reason) => {
    expect(parseCloseReason(text)).toBe(reason);
  });

  it.each(['', 'bye', 'authentication timed out', 'too slow; reconnect and sync', 'test: network down', 'constructor'])(
    'takes %j as no known reason',
    (text) => {
      expect(parseCloseReason(text)).toBeNull();
    },
  );
});
