import { describe, expect, it, vi } from 'vitest';
import { createAuthStore, memoryStorage, SESSION_STORAGE_KEY, type Session } from '../auth/store';
import { ApiClient, ApiError, isMfaChallenge, type CrossTabLock } from './client';
import { errorFromResponse } from './errors';
import type { UserDto } from './types';

const user: UserDto = {
  id: '0b6f0f4e-8a5e-4a8c-9a43-5a3f8f0e7c11',
  username: 'dr_wang',
  display_name: '王医生',
  role: 'user',
  title: '主任医师',
  institution: '省人民医院',
  care_level: 'tertiary',
  specialties: ['cardiology'],
  active: true,
  created_at: '2025-01-01T00:00:00Z',
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A spec error body: `{"error": {"code", "reason", "message"}}`. */
const apiError = (status: number, code: string, message: string, reason = 'internal') =>
  json(status, { error: { code, reason, message } });

interface Call {
  method: string;
  url: string;
  auth: string | null;
  body: unknown;
}

/** A fetch stand-in: records calls and answers through `route`. */
function fakeFetch(route: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const call: Call = {
      method: init?.method ?? 'GET',
      url: String(input),
      auth: headers.get('Authorization'),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    return route(call);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function setup(route: (call: Call) => Response | Promise<Response>, session: Session | null = {
  accessToken: 'access-1',
  refreshToken: 'refresh-1',
  user,
}) {
  const storage = memoryStorage();
  const auth = createAuthStore(storage);
  if (session !== null) auth.signIn(session);
  const { fetch, calls } = fakeFetch(route);
  const client = new ApiClient({ auth, fetch });
  return { auth, storage, client, calls };
}

describe('error parsing', () => {
  it('uses the code, reason and message of the spec error body', () => {
    const body = { error: { code: 'conflict', reason: 'referral_accepted', message: 'referral is accepted' } };
    const error = errorFromResponse(409, 'Conflict', JSON.stringify(body));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'conflict', reason: 'referral_accepted', message: 'referral is accepted', status: 409 });
  });

  it('has no reason for a body from an older server that sends none', () => {
    const error = errorFromResponse(409, 'Conflict', JSON.stringify({ error: { code: 'conflict', message: 'team is archived' } }));
    expect(error).toMatchObject({ code: 'conflict', message: 'team is archived', status: 409 });
    expect(error.reason).toBeUndefined();
  });

  it('has no reason for one this client does not know (a newer server), and keeps the code', () => {
    const body = { error: { code: 'forbidden', reason: 'some_future_rule', message: 'no' } };
    const error = errorFromResponse(403, 'Forbidden', JSON.stringify(body));
    expect(error).toMatchObject({ code: 'forbidden', status: 403 });
    expect(error.reason).toBeUndefined();
  });

  it('ignores a reason that is not a string', () => {
    const error = errorFromResponse(400, '', JSON.stringify({ error: { code: 'invalid', reason: 42, message: 'bad' } }));
    expect(error).toMatchObject({ code: 'invalid', message: 'bad' });
    expect(error.reason).toBeUndefined();
  });

  it.each([
    [400, 'invalid'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [409, 'conflict'],
    [413, 'too_large'],
    [422, 'invalid'],
    [429, 'rate_limited'],
    [500, 'internal'],
    [502, 'internal'],
  ])('derives the code from status %i when the body is not JSON', (status, code) => {
    const error = errorFromResponse(status, 'Bad Gateway', '<html>proxy error</html>');
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message).toBe('Bad Gateway');
  });

  it('falls back to the status for a code the client does not know', () => {
    const error = errorFromResponse(403, '', JSON.stringify({ error: { code: 'teapot', reason: 'admin_only', message: 'no' } }));
    expect(error).toMatchObject({ code: 'forbidden', message: 'no' });
  });

  it('rejects requests with a typed ApiError', async () => {
    const { client } = setup(() => apiError(404, 'not_found', 'no such case', 'case_not_found'));
    const failure = client.request('GET', '/cases/x');
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ code: 'not_found', reason: 'case_not_found', status: 404, message: 'no such case' });
  });

  it('a 409 call_in_progress carries the live call, to be joined instead', () => {
    const call = { id: 'call-1', conversation_id: 'conv-1', started_by: 'u1', started_at: '2026-12-06T08:00:00Z', participants: [], declined_by: [], max_participants: 6 };
    const error = errorFromResponse(409, '', JSON.stringify({ error: { code: 'conflict', reason: 'call_in_progress', message: 'live', call } }));
    expect(error).toMatchObject({ code: 'conflict', reason: 'call_in_progress', call });
    // Anything that is not a call is not taken for one.
    expect(errorFromResponse(409, '', JSON.stringify({ error: { code: 'conflict', reason: 'call_in_progress', message: 'x', call: 'call-1' } })).call).toBeUndefined();
    expect(errorFromResponse(404, '', JSON.stringify({ error: { code: 'not_found', reason: 'call_not_found', message: 'x' } })).call).toBeUndefined();
  });

  it('reports an unreachable server as a network error with status 0', async () => {
    const { client } = setup(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(client.request('GET', '/me')).rejects.toMatchObject({ code: 'network', status: 0 });
  });

  it('lets an abort through as an abort, not a network error', async () => {
    const { client } = setup(() => {
      throw new DOMException('aborted', 'AbortError');
    });
    await expect(client.request('GET', '/me')).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('requests', () => {
  it('sends JSON with the bearer token under /api/v1, with the query string', async () => {
    const { client, calls } = setup(() => json(200, { ok: true }));
    await expect(client.request('POST', '/teams/t1/cases', { body: { title: '胸痛' }, query: { limit: 50, q: undefined } })).resolves.toEqual({ ok: true });
    expect(calls).toEqual([{ method: 'POST', url: '/api/v1/teams/t1/cases?limit=50', auth: 'Bearer access-1', body: { title: '胸痛' } }]);
  });

  it('resolves an empty 204 answer to undefined', async () => {
    const { client } = setup(() => new Response(null, { status: 204 }));
    await expect(client.request('PUT', '/conversations/c/read', { body: { seq: 3 } })).resolves.toBeUndefined();
  });

  it('login stores the session and never tries to refresh', async () => {
    const { client, auth, storage, calls } = setup(
      (call) =>
        call.url === '/api/v1/auth/login'
          ? json(200, { access_token: 'a', refresh_token: 'r', expires_in: 900, user })
          : apiError(500, 'internal', 'unexpected'),
      null,
    );
    await client.login({ username: 'dr_wang', password: 'secret' });
    expect(calls[0]).toMatchObject({ auth: null, body: { username: 'dr_wang', password: 'secret' } });
    expect(auth.getState().session).toEqual({ accessToken: 'a', refreshToken: 'r', user });
    expect(JSON.parse(storage.getItem(SESSION_STORAGE_KEY) ?? 'null')).toMatchObject({ accessToken: 'a' });
  });

  it('login with two-factor sign-in on answers the challenge and stores nothing until the code', async () => {
    const challenge = { mfa_required: true, mfa_token: 'mfa-1', expires_in: 300 };
    const { client, auth, storage, calls } = setup(
      (call) =>
        call.url === '/api/v1/auth/login'
          ? json(200, challenge)
          : call.url === '/api/v1/auth/login/mfa'
            ? json(200, { access_token: 'a', refresh_token: 'r', expires_in: 900, user })
            : apiError(500, 'internal', 'unexpected'),
      null,
    );
    const answer = await client.login({ username: 'dr_wang', password: 'secret' });
    expect(isMfaChallenge(answer)).toBe(true);
    expect(auth.getState().session).toBeNull();
    expect(storage.size).toBe(0);

    await client.completeLogin({ mfa_token: 'mfa-1', code: '123456' });
    expect(calls[1]).toMatchObject({ method: 'POST', url: '/api/v1/auth/login/mfa', auth: null, body: { mfa_token: 'mfa-1', code: '123456' } });
    expect(auth.getState().session).toEqual({ accessToken: 'a', refreshToken: 'r', user });
  });

  it('a refused code keeps the session empty and never refreshes', async () => {
    const { client, auth, calls } = setup(() => apiError(401, 'unauthorized', 'invalid code', 'invalid_mfa_code'), null);
    await expect(client.completeLogin({ mfa_token: 'mfa-1', code: '000000' })).rejects.toMatchObject({ code: 'unauthorized', reason: 'invalid_mfa_code' });
    expect(auth.getState().session).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('a failed login is an unauthorized ApiError and no refresh call', async () => {
    const { client, calls } = setup(() => apiError(401, 'unauthorized', 'invalid credentials', 'wrong_credentials'));
    await expect(client.login({ username: 'x', password: 'y' })).rejects.toMatchObject({ code: 'unauthorized', reason: 'wrong_credentials' });
    expect(calls).toHaveLength(1);
  });

  it('logout ends the session at once and revokes the refresh token', async () => {
    const { client, auth, storage, calls } = setup(() => new Response(null, { status: 204 }));
    await client.logout();
    expect(auth.getState()).toEqual({ session: null, endedReason: null });
    expect(storage.size).toBe(0);
    expect(calls).toEqual([{ method: 'POST', url: '/api/v1/auth/logout', auth: 'Bearer access-1', body: { refresh_token: 'refresh-1' } }]);
  });

  it('logout still signs out when the server is unreachable', async () => {
    const { client, auth } = setup(() => {
      throw new TypeError('Failed to fetch');
    });
    await client.logout();
    expect(auth.getState().session).toBeNull();
  });
});

describe('silent refresh', () => {
  it('renews an expired token once and retries the request', async () => {
    const { client, auth, calls } = setup((call) => {
      if (call.url === '/api/v1/auth/refresh') {
        return json(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 900, user });
      }
      return call.auth === 'Bearer access-2' ? json(200, { teams: [] }) : apiError(401, 'unauthorized', 'token expired');
    });

    await expect(client.request('GET', '/teams')).resolves.toEqual({ teams: [] });
    expect(calls.map((c) => `${c.method} ${c.url} ${c.auth}`)).toEqual([
      'GET /api/v1/teams Bearer access-1',
      'POST /api/v1/auth/refresh null',
      'GET /api/v1/teams Bearer access-2',
    ]);
    expect(calls[1]?.body).toEqual({ refresh_token: 'refresh-1' });
    expect(auth.getState().session).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2' });
  });

  it('keeps the profile the refresh answer carries', async () => {
    const renamed: UserDto = { ...user, display_name: '王建国', title: '主任医师（退休返聘）' };
    const { client, auth, storage } = setup((call) => {
      if (call.url === '/api/v1/auth/refresh') {
        return json(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 900, user: renamed });
      }
      return call.auth === 'Bearer access-2' ? json(200, {}) : apiError(401, 'unauthorized', 'expired');
    });

    await client.request('GET', '/teams');
    expect(auth.getState().session).toEqual({ accessToken: 'access-2', refreshToken: 'refresh-2', user: renamed });
    expect(JSON.parse(storage.getItem(SESSION_STORAGE_KEY) ?? 'null')).toMatchObject({ user: { display_name: '王建国' } });
  });

  it('shares one refresh between concurrent 401s', async () => {
    let releaseRefresh: () => void = () => {};
    const refreshGate = new Promise<void>((resolve) => (releaseRefresh = resolve));
    let refreshes = 0;
    const { client, auth, calls } = setup(async (call) => {
      if (call.url === '/api/v1/auth/refresh') {
        refreshes += 1;
        await refreshGate;
        return json(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 900, user });
      }
      return call.auth === 'Bearer access-2' ? json(200, { url: call.url }) : apiError(401, 'unauthorized', 'expired');
    });

    const pending = [
      client.request('GET', '/teams'),
      client.request('GET', '/me'),
      client.request('GET', '/conversations'),
    ];
    await vi.waitFor(() => expect(refreshes).toBe(1));
    releaseRefresh();

    await expect(Promise.all(pending)).resolves.toEqual([
      { url: '/api/v1/teams' },
      { url: '/api/v1/me' },
      { url: '/api/v1/conversations' },
    ]);
    expect(refreshes).toBe(1);
    expect(calls.filter((c) => c.url === '/api/v1/auth/refresh')).toEqual([
      expect.objectContaining({ body: { refresh_token: 'refresh-1' } }),
    ]);
    expect(auth.getState().session).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2' });
  });

  it('does not refresh again for a 401 that arrives after the token was already renewed', async () => {
    let releaseSlow: () => void = () => {};
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    let refreshes = 0;
    const { client } = setup(async (call) => {
      if (call.url === '/api/v1/auth/refresh') {
        refreshes += 1;
        return json(200, { access_token: `access-${refreshes + 1}`, refresh_token: `refresh-${refreshes + 1}`, expires_in: 900, user });
      }
      if (call.url === '/api/v1/slow' && call.auth === 'Bearer access-1') await slowGate;
      return call.auth === 'Bearer access-2' ? json(200, { url: call.url }) : apiError(401, 'unauthorized', 'expired');
    });

    const slow = client.request('GET', '/slow');
    await expect(client.request('GET', '/fast')).resolves.toEqual({ url: '/api/v1/fast' });
    releaseSlow();
    await expect(slow).resolves.toEqual({ url: '/api/v1/slow' });
    expect(refreshes).toBe(1);
  });

  it('uses tokens another tab already rotated instead of refreshing with a stale one', async () => {
    const { client, storage, calls } = setup((call) => {
      if (call.url === '/api/v1/auth/refresh') return apiError(401, 'unauthorized', 'refresh token reused');
      return call.auth === 'Bearer access-2' ? json(200, {}) : apiError(401, 'unauthorized', 'expired');
    });
    // The other tab wrote the rotated pair; this tab's storage event has not arrived yet.
    storage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ accessToken: 'access-2', refreshToken: 'refresh-2', user }));

    await expect(client.request('GET', '/teams')).resolves.toEqual({});
    expect(calls.some((c) => c.url === '/api/v1/auth/refresh')).toBe(false);
  });

  it('signs out when the refresh is refused, and every waiter gets unauthorized', async () => {
    const { client, auth, storage } = setup((call) =>
      call.url === '/api/v1/auth/refresh'
        ? apiError(401, 'unauthorized', 'refresh token revoked')
        : apiError(401, 'unauthorized', 'expired'),
    );
    const results = await Promise.allSettled([client.request('GET', '/a'), client.request('GET', '/b')]);
    for (const result of results) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'unauthorized', status: 401 } });
    }
    expect(auth.getState()).toEqual({ session: null, endedReason: 'expired' });
    expect(storage.size).toBe(0);
  });

  it('keeps the session when the refresh fails for a server or network reason', async () => {
    const { client, auth } = setup((call) =>
      call.url === '/api/v1/auth/refresh' ? apiError(503, 'internal', 'database down') : apiError(401, 'unauthorized', 'expired'),
    );
    await expect(client.request('GET', '/teams')).rejects.toMatchObject({ code: 'internal', status: 503 });
    expect(auth.getState().session).not.toBeNull();
  });

  it('signs out when even the renewed token is refused', async () => {
    const { client, auth, calls } = setup((call) =>
      call.url === '/api/v1/auth/refresh'
        ? json(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 900, user })
        : apiError(401, 'unauthorized', 'session ended', 'session_ended'),
    );
    await expect(client.request('GET', '/teams')).rejects.toMatchObject({ code: 'unauthorized', reason: 'session_ended' });
    expect(calls).toHaveLength(3);
    expect(auth.getState()).toEqual({ session: null, endedReason: 'expired' });
  });

  it('tells the login page when the account was deactivated', async () => {
    const { client, auth } = setup((call) =>
      call.url === '/api/v1/auth/refresh'
        ? apiError(401, 'unauthorized', 'account deactivated', 'account_deactivated')
        : apiError(401, 'unauthorized', 'token expired', 'token_expired'),
    );
    await expect(client.request('GET', '/teams')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(auth.getState()).toEqual({ session: null, endedReason: 'deactivated' });
  });

  it('signs out after a refused refresh from an older server that sends no reason', async () => {
    const { client, auth } = setup((call) =>
      json(401, { error: { code: 'unauthorized', message: call.url === '/api/v1/auth/refresh' ? 'refresh token revoked' : 'expired' } }),
    );
    await expect(client.request('GET', '/teams')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(auth.getState()).toEqual({ session: null, endedReason: 'expired' });
  });

  it('does not refresh for a request sent without a session', async () => {
    const { client, calls } = setup(() => apiError(401, 'unauthorized', 'no token'), null);
    await expect(client.request('GET', '/me')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(calls).toHaveLength(1);
  });

  it('serializes refreshes through the cross-tab lock', async () => {
    let locked = 0;
    const lock: CrossTabLock = (task) => {
      locked += 1;
      return task();
    };
    const auth = createAuthStore(memoryStorage());
    auth.signIn({ accessToken: 'access-1', refreshToken: 'refresh-1', user });
    const { fetch } = fakeFetch((call) =>
      call.url === '/api/v1/auth/refresh'
        ? json(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 900, user })
        : call.auth === 'Bearer access-2'
          ? json(200, {})
          : apiError(401, 'unauthorized', 'expired'),
    );
    const client = new ApiClient({ auth, fetch, crossTabLock: lock });
    await client.request('GET', '/teams');
    expect(locked).toBe(1);
  });
});
