// The one auth store and API client of this tab. Components import these;
// tests build their own with createAuthStore()/new ApiClient().

import { useSyncExternalStore } from 'react';
import { ApiClient } from './api/client';
import { createAuthStore, type AuthState } from './auth/store';

export const authStore = createAuthStore();
export const api = new ApiClient({ auth: authStore });

export function useAuth(): AuthState {
  return useSyncExternalStore(authStore.subscribe, authStore.getState, authStore.getState);
}
