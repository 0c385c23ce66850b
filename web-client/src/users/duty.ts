// My own duty status (SPEC §7: on duty, off duty, do not disturb), as last
// set with PUT /me/status from this browser. The server has no GET for it, so
// it is kept per user in localStorage; an `until` in the past means back on
// duty. The notification sounds and desktop notices read it (attention.ts).

import { useSyncExternalStore } from 'react';
import type { DutyRequest, DutyStatus } from '../api/types';
import { browserStorage, type KeyValueStorage } from '../auth/store';

const KEY = 'consilium.duty.v1.';
const listeners = new Set<() => void>();
let current: { userId: string; duty: DutyRequest } | null = null;

/** The status in force at `now`: the stored one, or on duty once its `until` has passed. */
export function effectiveDuty(stored: DutyRequest | null, now: number): DutyRequest {
  if (stored === null) return { status: 'on_duty' };
  if (stored.until !== undefined && Date.parse(stored.until) <= now) return { status: 'on_duty' };
  return stored;
}

/** A stored value read back, or null when absent or not a DutyRequest. */
export function parseStoredDuty(text: string | null): DutyRequest | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<DutyRequest>;
    if (value.status !== 'on_duty' && value.status !== 'off_duty' && value.status !== 'do_not_disturb') return null;
    return value as DutyRequest;
  } catch {
    return null;
  }
}

function load(userId: string, storage: KeyValueStorage | null): DutyRequest | null {
  try {
    return parseStoredDuty(storage?.getItem(KEY + userId) ?? null);
  } catch {
    return null;
  }
}

/** My stored duty (as the server answered it). */
export function myDuty(userId: string): DutyRequest {
  if (current?.userId !== userId) current = { userId, duty: load(userId, browserStorage()) ?? { status: 'on_duty' } };
  return current.duty;
}

/** My duty status in force now. */
export function myDutyStatus(userId: string): DutyStatus {
  return effectiveDuty(myDuty(userId), Date.now()).status;
}

export function saveMyDuty(userId: string, duty: DutyRequest): void {
  current = { userId, duty };
  try {
    browserStorage()?.setItem(KEY + userId, JSON.stringify(duty));
  } catch {
    // Storage blocked: kept for this page only.
  }
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useMyDuty(userId: string): DutyRequest {
  return useSyncExternalStore(subscribe, () => myDuty(userId), () => myDuty(userId));
}
