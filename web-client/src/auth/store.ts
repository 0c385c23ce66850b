// The signed-in session of this browser: tokens and the user they belong to.
//
// Kept in localStorage so a reload or a new tab stays signed in. Other tabs see
// changes through the `storage` event, and `reload()` lets the API client
// re-read the stored tokens before it rotates them (see client.ts), because a
// refresh token used twice makes the server revoke the whole chain.

import type { UserDto } from '../generated/UserDto';

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: UserDto;
}

/** Why the last session ended; the login page tells the user when it wasn't their choice. */
export type SignOutReason = 'user' | 'expired' | 'deactivated';

export interface AuthState {
  session: Session | null;
  /** Set when the session ended without the user asking (refresh refused, account deactivated). */
  endedReason: SignOutReason | null;
}

/** The subset of the Web Storage API the store needs; tests pass an in-memory one. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface AuthStore {
  /** Same object until something changes, as `useSyncExternalStore` requires. */
  getState(): AuthState;
  subscribe(listener: () => void): () => void;
  signIn(session: Session): void;
  setTokens(accessToken: string, refreshToken: string): void;
  setUser(user: UserDto): void;
  signOut(reason: SignOutReason): void;
  /** Re-read storage, picking up what another tab wrote. */
  reload(): void;
}

export const SESSION_STORAGE_KEY = 'consilium.session.v1';

export function createAuthStore(storage: KeyValueStorage | null = browserStorage()): AuthStore {
  const listeners = new Set<() => void>();
  let state: AuthState = { session: readSession(storage), endedReason: null };

  const publish = (next: AuthState) => {
    state = next;
    for (const listener of listeners) listener();
  };

  const save = (session: Session | null) => {
    if (storage === null) return;
    try {
      if (session === null) storage.removeItem(SESSION_STORAGE_KEY);
      else storage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
    } catch {
      // Storage full or disabled (private mode): the session still lives in memory.
    }
  };

  const store: AuthStore = {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    signIn(session) {
      save(session);
      publish({ session, endedReason: null });
    },
    setTokens(accessToken, refreshToken) {
      if (state.session === null) return;
      const session = { ...state.session, accessToken, refreshToken };
      save(session);
      publish({ ...state, session });
    },
    setUser(user) {
      if (state.session === null) return;
      const session = { ...state.session, user };
      save(session);
      publish({ ...state, session });
    },
    signOut(reason) {
      save(null);
      publish({ session: null, endedReason: reason === 'user' ? null : reason });
    },
    reload() {
      const session = readSession(storage);
      if (sameSession(session, state.session)) return;
      publish({ session, endedReason: session === null ? state.endedReason : null });
    },
  };

  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key === SESSION_STORAGE_KEY || event.key === null) store.reload();
    });
  }
  return store;
}

/** localStorage, or null where the browser refuses it. */
export function browserStorage(): KeyValueStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // Reading `localStorage` itself throws when storage is blocked.
  }
}

function readSession(storage: KeyValueStorage | null): Session | null {
  if (storage === null) return null;
  try {
    const raw = storage.getItem(SESSION_STORAGE_KEY);
    if (raw === null) return null;
    const value: unknown = JSON.parse(raw);
    return isSession(value) ? value : null;
  } catch {
    return null;
  }
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.accessToken === 'string' &&
    typeof v.refreshToken === 'string' &&
    typeof v.user === 'object' &&
    v.user !== null
  );
}

function sameSession(a: Session | null, b: Session | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A Storage that forgets everything; for tests and for browsers with storage disabled. */
export function memoryStorage(): KeyValueStorage & { readonly size: number } {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    get size() {
      return items.size;
    },
  };
}
