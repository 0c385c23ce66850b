import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { translate } from '../i18n';
import { loginErrorKey } from './loginError';

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

  it('has words for each case in both languages', () => {
    expect(translate('zh-CN', loginErrorKey(new ApiError('unauthorized', '', 401)))).toBe('用户名或密码错误。');
    expect(translate('en', loginErrorKey(new ApiError('rate_limited', '', 429)))).toMatch(/too many/i);
  });
});
