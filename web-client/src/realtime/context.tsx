// React bindings of the realtime store: one store per signed-in shell,
// snapshots through useSyncExternalStore, and the user's own presence
// (away when the tab is hidden or idle, online again on input).

import { createContext, useContext, useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from 'react';
import type { ServerEvent } from '../generated/ServerEvent';
import { isApiError } from '../api/errors';
import { browserStorage } from '../auth/store';
import { api, authStore } from '../session';
import { clearOutboxOnSignOut, createOutboxPersistence } from './outbox';
import { RealtimeStore, type RealtimeState } from './store';

// Unsent messages are kept across reloads (outbox.ts), but not past a sign-out.
clearOutboxOnSignOut(authStore, browserStorage());

const RealtimeContext = createContext<RealtimeStore | null>(null);

const IDLE_AFTER_MS = 5 * 60_000;

function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/v1/ws`;
}

export function RealtimeProvider({ userId, children }: { userId: string; children: ReactNode }) {
  const store = useMemo(
    () =>
      new RealtimeStore({
        url: socketUrl(),
        token: (fresh) => api.accessToken(fresh),
        onSignedOut: (reason) => authStore.signOut(reason === 'account_deactivated' ? 'deactivated' : 'expired'),
        // Does the server answer HTTP while the socket keeps failing? Then it refuses the socket (e.g. ALLOWED_ORIGINS).
        probe: () =>
          api.me().then(
            () => true,
            (error: unknown) => isApiError(error) && error.code !== 'network' && error.code !== 'internal',
          ),
        // Unsent messages survive a reload, kept per user; nothing is written once this user has signed out.
        outbox: createOutboxPersistence(browserStorage(), userId, { active: () => authStore.getState().session?.user.id === userId }),
      }),
    [userId],
  );

  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);

  useEffect(() => {
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const active = () => {
      if (document.visibilityState === 'hidden') return;
      store.setOwnPresence('online');
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => store.setOwnPresence('away'), IDLE_AFTER_MS);
    };
    const visibility = () => {
      if (document.visibilityState === 'hidden') store.setOwnPresence('away');
      else active();
    };
    const online = () => store.setNetwork(true);
    const offline = () => store.setNetwork(false);
    const events = ['pointerdown', 'keydown', 'focus'] as const;
    for (const e of events) window.addEventListener(e, active, { passive: true });
    document.addEventListener('visibilitychange', visibility);
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    active();
    return () => {
      clearTimeout(idleTimer);
      for (const e of events) window.removeEventListener(e, active);
      document.removeEventListener('visibilitychange', visibility);
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  }, [store]);

  return <RealtimeContext.Provider value={store}>{children}</RealtimeContext.Provider>;
}

/** Provides a store made elsewhere (component tests drive one through a fake socket); the app uses RealtimeProvider. */
export function RealtimeStoreProvider({ store, children }: { store: RealtimeStore; children: ReactNode }) {
  return <RealtimeContext.Provider value={store}>{children}</RealtimeContext.Provider>;
}

export function useRealtimeStore(): RealtimeStore {
  const store = useContext(RealtimeContext);
  if (store === null) throw new Error('useRealtimeStore outside <RealtimeProvider>');
  return store;
}

/** A slice of the realtime state; the selector must return something stable (a field, not a new object). */
export function useRealtime<T>(selector: (state: RealtimeState) => T): T {
  const store = useRealtimeStore();
  const get = () => selector(store.getState());
  return useSyncExternalStore(store.subscribe, get, get);
}

/** Calls `handler` for every server event; the latest handler is used without re-subscribing. */
export function useRealtimeEvent(handler: (event: ServerEvent) => void): void {
  const store = useRealtimeStore();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => store.onEvent((e) => ref.current(e)), [store]);
}
