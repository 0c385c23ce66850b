// The one typed REST client (SPEC §3). Every call goes through `request`, which
// adds the bearer token, turns any failure into an ApiError and renews an
// expired access token silently:
//
//   401 on an authenticated call -> POST /auth/refresh once -> retry once.
//
// Renewal is single-flight: concurrent 401s share one refresh, and a 401 for a
// token that has already been replaced just retries with the new one. Refresh
// tokens rotate and reusing an old one revokes the whole chain, so a second
// refresh with a stale token would sign the user out everywhere; across tabs the
// same guarantee comes from a Web Lock around the refresh. If the server refuses
// the refresh, or a just-renewed token is refused too, the session is over and
// the client signs out (the app then shows the login page).
//
// Sign-in takes one or two steps (SPEC §11): `login` answers either a session
// (signed in) or, for an account with two-factor sign-in on, a challenge that
// `completeLogin` turns into a session with a code from the authenticator app
// or a recovery code. Nothing is stored until there is a session.

import type { AuthStore } from '../auth/store';
import { ApiError, errorFromResponse } from './errors';
import type { LoginRequest, LoginResponse, MfaChallenge, MfaLoginRequest, RefreshRequest, RefreshResponse, TokenResponse, UserDto } from './types';

export { ApiError, isApiError } from './errors';
export type { ApiErrorCode } from './errors';

export const API_BASE = '/api/v1';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** Serialized as JSON. */
  body?: unknown;
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  /** Send no bearer token and never renew (login, refresh). */
  anonymous?: boolean;
}

/** Runs `task` while holding a lock shared by every tab of this origin. */
export type CrossTabLock = <T>(task: () => Promise<T>) => Promise<T>;

export interface ApiClientOptions {
  auth: AuthStore;
  baseUrl?: string;
  fetch?: typeof fetch;
  crossTabLock?: CrossTabLock;
}

export class ApiClient {
  private readonly auth: AuthStore;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly lock: CrossTabLock;
  /** The refresh in flight, shared by every caller that got a 401 meanwhile. */
  private renewal: Promise<string | null> | null = null;

  constructor(options: ApiClientOptions) {
    this.auth = options.auth;
    this.baseUrl = options.baseUrl ?? API_BASE;
    // Looked up per call so a fetch stubbed after construction (tests) is used.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.lock = options.crossTabLock ?? webLock('consilium.auth.refresh');
  }

  /** The password step: signs in, or answers the challenge of the code step (see `completeLogin`). */
  async login(credentials: LoginRequest): Promise<LoginResponse> {
    const answer = await this.request<LoginResponse>('POST', '/auth/login', {
      body: credentials,
      anonymous: true,
    });
    if (!isMfaChallenge(answer)) this.startSession(answer);
    return answer;
  }

  /**
   * The code step: a TOTP code or a recovery code for the challenge `login`
   * answered. A wrong code (401 `invalid_mfa_code`) leaves the challenge
   * usable; 401 `mfa_token_invalid` means starting over with the password.
   */
  async completeLogin(body: MfaLoginRequest): Promise<TokenResponse> {
    const answer = await this.request<TokenResponse>('POST', '/auth/login/mfa', { body, anonymous: true });
    this.startSession(answer);
    return answer;
  }

  private startSession(answer: TokenResponse): void {
    this.auth.signIn({
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token,
      user: answer.user,
    });
  }

  /** Ends the session here at once, then tells the server; a failure there changes nothing for the user. */
  async logout(): Promise<void> {
    const session = this.auth.getState().session;
    this.auth.signOut('user');
    if (session === null) return;
    try {
      const body: RefreshRequest = { refresh_token: session.refreshToken };
      const response = await this.send('POST', '/auth/logout', { body }, session.accessToken);
      await response.body?.cancel();
    } catch {
      // Offline: the refresh token simply expires on the server.
    }
  }

  /** `GET /me`; keeps the stored profile current. */
  async me(signal?: AbortSignal): Promise<UserDto> {
    const user = await this.request<UserDto>('GET', '/me', signal === undefined ? {} : { signal });
    this.auth.setUser(user);
    return user;
  }

  /**
   * An access token for the websocket's auth frame, renewed first when `fresh`
   * or when it expires within a minute. Null once the session has ended;
   * rejects (ApiError `network`/`internal`) when the server can't be reached.
   */
  async accessToken(fresh = false): Promise<string | null> {
    const session = this.auth.getState().session;
    if (session === null) return null;
    if (!fresh && !expiresWithin(session.accessToken, 60)) return session.accessToken;
    return this.renewAccessToken(session.accessToken);
  }

  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const token = options.anonymous ? null : (this.auth.getState().session?.accessToken ?? null);
    let response = await this.send(method, path, options, token);

    if (response.status === 401 && token !== null) {
      let renewed: string | null;
      try {
        renewed = await this.renewAccessToken(token);
      } catch (error) {
        await response.body?.cancel();
        throw error;
      }
      if (renewed !== null) {
        await response.body?.cancel();
        response = await this.send(method, path, options, renewed);
        if (response.status === 401) {
          // Even a just-renewed token is refused: the session is over (the reason says whether the account was deactivated).
          const error = errorFromResponse(response.status, response.statusText, await safeText(response));
          this.auth.signOut(error.reason === 'account_deactivated' ? 'deactivated' : 'expired');
          throw error;
        }
      }
    }
    return readBody<T>(response);
  }

  /** Resolves to a usable access token, or null once the session has ended. */
  private renewAccessToken(rejected: string): Promise<string | null> {
    const session = this.auth.getState().session;
    if (session === null) return Promise.resolve(null);
    if (session.accessToken !== rejected) return Promise.resolve(session.accessToken);
    this.renewal ??= this.lock(() => this.refresh(rejected)).finally(() => {
      this.renewal = null;
    });
    return this.renewal;
  }

  private async refresh(rejected: string): Promise<string | null> {
    // Another tab may have rotated the tokens while we waited for the lock.
    this.auth.reload();
    const session = this.auth.getState().session;
    if (session === null) return null;
    if (session.accessToken !== rejected) return session.accessToken;

    const body: RefreshRequest = { refresh_token: session.refreshToken };
    const response = await this.send('POST', '/auth/refresh', { body }, null);
    if (!response.ok) {
      const error = errorFromResponse(response.status, response.statusText, await safeText(response));
      // A refused token ends the session; a server in trouble does not.
      if (error.code === 'internal' || error.code === 'rate_limited') throw error;
      this.auth.signOut(error.reason === 'account_deactivated' ? 'deactivated' : 'expired');
      return null;
    }
    const answer = await readBody<RefreshResponse>(response);
    this.auth.setTokens(answer.access_token, answer.refresh_token);
    // The refresh answer carries the user's current profile, like login.
    this.auth.setUser(answer.user);
    return answer.access_token;
  }

  private async send(method: HttpMethod, path: string, options: RequestOptions, token: string | null): Promise<Response> {
    const headers = new Headers({ Accept: 'application/json' });
    if (options.body !== undefined) headers.set('Content-Type', 'application/json');
    if (token !== null) headers.set('Authorization', `Bearer ${token}`);

    const init: RequestInit = { method, headers };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    if (options.signal !== undefined) init.signal = options.signal;

    try {
      return await this.fetchImpl(this.url(path, options.query), init);
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      throw new ApiError('network', cause instanceof Error ? cause.message : String(cause), 0);
    }
  }

  private url(path: string, query: RequestOptions['query']): string {
    let url = this.baseUrl + path;
    if (query !== undefined) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined) params.set(key, String(value));
      }
      const qs = params.toString();
      if (qs !== '') url += `?${qs}`;
    }
    return url;
  }
}

/** Whether `POST /auth/login` asks for a second factor instead of answering a session. */
export function isMfaChallenge(answer: LoginResponse): answer is MfaChallenge {
  return 'mfa_required' in answer && answer.mfa_required;
}

async function readBody<T>(response: Response): Promise<T> {
  const text = await safeText(response);
  if (!response.ok) throw errorFromResponse(response.status, response.statusText, text);
  if (text === '') return undefined as T; // 204 and friends
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError('internal', 'The server sent a malformed response.', response.status);
  }
}

async function safeText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError('network', 'The connection dropped while reading the response.', response.status);
  }
}

/** True when the JWT's `exp` is less than `seconds` away (or unreadable). */
export function expiresWithin(jwt: string, seconds: number, now = Date.now()): boolean {
  try {
    const payload = jwt.split('.')[1];
    if (payload === undefined) return true;
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp: unknown = (JSON.parse(json) as Record<string, unknown>).exp;
    return typeof exp !== 'number' || exp * 1000 - now < seconds * 1000;
  } catch {
    return true;
  }
}

/** Web Locks where the browser has them; otherwise (old browsers, tests) no cross-tab exclusion. */
function webLock(name: string): CrossTabLock {
  return (task) => {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    return locks === undefined ? task() : locks.request(name, task);
  };
}
