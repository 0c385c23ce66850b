// Everyone's public profile by id, so a message shows its sender's name.
// Filled from whatever lists the app loads (rosters, conversation members,
// directory searches) and, for the rest, fetched once per id in small batches.

import { useEffect, useSyncExternalStore } from 'react';
import type { UserDto } from '../api/types';
import { rest } from '../session';

const users = new Map<string, UserDto>();
const inFlight = new Set<string>();
const listeners = new Set<() => void>();
let version = 0;

function publish(): void {
  version += 1;
  for (const l of listeners) l();
}

export function rememberUsers(list: Iterable<UserDto>): void {
  let changed = false;
  for (const u of list) {
    const old = users.get(u.id);
    if (old === undefined || JSON.stringify(old) !== JSON.stringify(u)) {
      users.set(u.id, u);
      changed = true;
    }
  }
  if (changed) publish();
}

export function knownUser(id: string): UserDto | undefined {
  return users.get(id);
}

function fetchUser(id: string): void {
  if (users.has(id) || inFlight.has(id)) return;
  inFlight.add(id);
  rest
    .user(id)
    .then((u) => rememberUsers([u]))
    .catch(() => {
      // Unknown or not visible: the UI keeps showing a placeholder.
    })
    .finally(() => inFlight.delete(id));
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};
const getVersion = () => version;

/** The profile of `id`, fetched on first use; undefined until known. */
export function useUser(id: string | undefined): UserDto | undefined {
  useSyncExternalStore(subscribe, getVersion, getVersion);
  useEffect(() => {
    if (id !== undefined) fetchUser(id);
  }, [id]);
  return id === undefined ? undefined : users.get(id);
}

/** Re-renders when any profile arrives; use with knownUser() for lists of ids. */
export function useUsersVersion(ids: readonly string[]): number {
  const v = useSyncExternalStore(subscribe, getVersion, getVersion);
  const key = ids.join(',');
  useEffect(() => {
    for (const id of key.split(',')) if (id !== '') fetchUser(id);
  }, [key]);
  return v;
}
