// The one auth store and API client of this tab (the realtime connection is
// made per signed-in shell, in realtime/context.tsx). Components import these;
// tests build their own with createAuthStore() and new ApiClient().
//
// A low-level module: it imports only api/ and auth/, and everything above
// (realtime/, the feature folders, shell/) may import it (see
// src/architecture.test.ts).

import { useSyncExternalStore } from 'react';
import { ApiClient } from './api/client';
import { endpoints } from './api/endpoints';
import { createAuthStore, type AuthState } from './auth/store';

export const authStore = createAuthStore();
export const api = new ApiClient({ auth: authStore });
export const rest = endpoints(api);

export function useAuth(): AuthState {
  return useSyncExternalStore(authStore.subscribe, authStore.getState, authStore.getState);
}
