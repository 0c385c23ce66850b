// The one auth store, API client and realtime connection of this tab.
// Components import these; tests build their own with createAuthStore(),
// new ApiClient() and new RealtimeStore().

import { useSyncExternalStore } from 'react';
import { ApiClient } from './api/client';
import { endpoints } from './api/endpoints';
import { browserStorage, createAuthStore, type AuthState } from './auth/store';
import { clearOutboxOnSignOut } from './realtime/outbox';

export const authStore = createAuthStore();
// Unsent messages are kept across reloads (realtime/outbox.ts), but not past a sign-out.
clearOutboxOnSignOut(authStore, browserStorage());
export const api = new ApiClient({ auth: authStore });
export const rest = endpoints(api);

export function useAuth(): AuthState {
  return useSyncExternalStore(authStore.subscribe, authStore.getState, authStore.getState);
}
