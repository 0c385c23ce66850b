import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { translate } from '../i18n';
import { codeErrorKey, loginErrorKey, restartsSignIn } from './loginError';

describe('loginErrorKey', () => {
  it.each([
    [new ApiError('unauthorized', 'bad credentials', 401), 'login.error.invalidCredentials'],
    [new ApiError('rate_limited', 'slow down', 429), 'login.error.rateLimited'],
    [new ApiError('network', 'Failed to fetch', 0), 'login.error.network'],
    [new ApiError('internal', 'boom', 500), 'login.error.unexpected'],
    [new TypeError('not an ApiError'), 'login.error.unexpected'],
  ])('%s -> %s', (error, key) => {
    expect(loginErrorKey(error)).toBe(key);
  });

  it.each([
    [new ApiError('unauthorized', 'invalid credentials', 401, 'wrong_credentials'), 'login.error.invalidCredentials'],
    [new ApiError('unauthorized', 'account deactivated', 401, 'account_deactivated'), 'error.reason.account_deactivated'],
    [new ApiError('rate_limited', 'too many failed logins', 429, 'too_many_failed_logins'), 'login.error.rateLimited'],
    [new ApiError('internal', 'boom', 500, 'internal'), 'login.error.unexpected'],
  ])('uses the reason when the server gives one: %s -> %s', (error, key) => {
    expect(loginErrorKey(error)).toBe(key);
  });

  it('tells a deactivated account apart from a wrong password, in Chinese', () => {
    const error = new ApiError('unauthorized', 'account deactivated', 401, 'account_deactivated');
    expect(translate('zh-CN', loginErrorKey(error))).toBe('您的账号已被停用，请联系管理员。');
  });

  it('has words for each case in both languages', () => {
    expect(translate('zh-CN', loginErrorKey(new ApiError('unauthorized', '', 401)))).toBe('用户名或密码错误。');
    expect(translate('en', loginErrorKey(new ApiError('rate_limited', '', 429)))).toMatch(/too many/i);
  });
});

describe('the code step\'s errors', () => {
  it('calls a refused code a wrong code, with or without the reason', () => {
    expect(codeErrorKey(new ApiError('unauthorized', 'invalid code', 401, 'invalid_mfa_code'))).toBe('error.reason.invalid_mfa_code');
    expect(codeErrorKey(new ApiError('unauthorized', 'invalid code', 401))).toBe('error.reason.invalid_mfa_code');
    expect(translate('en', codeErrorKey(new ApiError('unauthorized', '', 401, 'invalid_mfa_code')))).toMatch(/code is not right/);
  });

  it('says anything else as the password step does', () => {
    expect(codeErrorKey(new ApiError('rate_limited', 'slow down', 429))).toBe('login.error.rateLimited');
    expect(codeErrorKey(new ApiError('network', 'Failed to fetch', 0))).toBe('login.error.network');
  });

  it('starts over only when the challenge itself is spent', () => {
    expect(restartsSignIn(new ApiError('unauthorized', 'gone', 401, 'mfa_token_invalid'))).toBe(true);
    expect(restartsSignIn(new ApiError('unauthorized', 'wrong', 401, 'invalid_mfa_code'))).toBe(false);
    expect(restartsSignIn(new TypeError('x'))).toBe(false);
  });
});
