// Desktop (system) notifications through the browser's Notification API.
//
// - Permission is asked only when the user clicks "enable" in the
//   notification centre, never on load (browsers penalise unprompted asks,
//   and a doctor must understand what they allow).
// - A new notification is shown on the desktop only while this tab is
//   hidden (when it is visible, the bell already says it), only with the
//   browser's permission, and only while the user has not turned it off here
//   (a permission cannot be revoked from a page, so "turn off" is our own
//   switch, kept per browser).
// - Each one is tagged with the notification's id, so several hidden tabs of
//   the same user show it once. Clicking it focuses the tab and opens it.
//
// The browser is reached through DesktopEnvironment so the decisions can be
// tested with fakes (desktop.test.ts).

import type { NotificationDto } from '../api/types';
import type { KeyValueStorage } from '../auth/store';

/** The browser's permission, or `unsupported` when it has no Notification API. */
export type DesktopPermission = NotificationPermission | 'unsupported';

/** The user's own switch in this browser; `on` unless they turned it off. */
export type DesktopPreference = 'on' | 'off';

/** What the setting in the notification centre shows. */
export type DesktopSetting =
  /** No Notification API (or not in this context): say so. */
  | 'unsupported'
  /** The user (or a policy) blocked them: explain where to allow them. */
  | 'denied'
  /** Not asked yet, or turned off here: offer the "enable" button. */
  | 'offer'
  /** Shown when the tab is hidden: offer to turn them off. */
  | 'on';

export const DESKTOP_PREFERENCE_KEY = 'consilium.desktopNotifications';

/** A shown system notification: what we use of it. */
export interface ShownNotification {
  onclick: ((event: Event) => void) | null;
  close(): void;
}

/** The part of the browser's `Notification` constructor we use. */
export interface NotificationConstructorLike {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options?: NotificationOptions): ShownNotification;
}

export interface DesktopEnvironment {
  /** The Notification constructor, or undefined when the browser has none. */
  Notification: NotificationConstructorLike | undefined;
  /** Whether the tab is hidden (another tab in front, minimised). */
  isHidden: () => boolean;
  /** Brings this tab to the front. */
  focus: () => void;
  storage: KeyValueStorage | null;
}

export function browserDesktopEnvironment(storage: KeyValueStorage | null): DesktopEnvironment {
  const ctor =
    typeof window !== 'undefined' && 'Notification' in window ? (window.Notification as unknown as NotificationConstructorLike) : undefined;
  return {
    Notification: ctor,
    isHidden: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
    focus: () => window.focus(),
    storage,
  };
}

export function permissionOf(env: DesktopEnvironment): DesktopPermission {
  if (env.Notification === undefined) return 'unsupported';
  try {
    return env.Notification.permission;
  } catch {
    return 'unsupported';
  }
}

export function preferenceOf(env: DesktopEnvironment): DesktopPreference {
  try {
    return env.storage?.getItem(DESKTOP_PREFERENCE_KEY) === 'off' ? 'off' : 'on';
  } catch {
    return 'on';
  }
}

function savePreference(env: DesktopEnvironment, preference: DesktopPreference): void {
  try {
    if (preference === 'on') env.storage?.removeItem(DESKTOP_PREFERENCE_KEY);
    else env.storage?.setItem(DESKTOP_PREFERENCE_KEY, 'off');
  } catch {
    // Storage blocked: the switch holds for this page only.
  }
}

export function desktopSetting(permission: DesktopPermission, preference: DesktopPreference): DesktopSetting {
  switch (permission) {
    case 'unsupported':
      return 'unsupported';
    case 'denied':
      return 'denied';
    case 'granted':
      return preference === 'on' ? 'on' : 'offer';
    case 'default':
      return 'offer';
  }
}

/** Whether a new notification goes to the desktop: permission, the user's switch, a hidden tab, and not read already. */
export function shouldShowDesktop(
  permission: DesktopPermission,
  preference: DesktopPreference,
  hidden: boolean,
  notification: Pick<NotificationDto, 'read_at'>,
): boolean {
  return permission === 'granted' && preference === 'on' && hidden && notification.read_at === undefined;
}

/**
 * The user clicked "enable": asks the browser only if it has not decided
 * yet, and turns our own switch on. Returns the permission afterwards.
 */
export async function enableDesktop(env: DesktopEnvironment): Promise<DesktopPermission> {
  const api = env.Notification;
  if (api === undefined) return 'unsupported';
  let permission = permissionOf(env);
  if (permission === 'default') {
    try {
      permission = await api.requestPermission();
    } catch {
      permission = permissionOf(env);
    }
  }
  if (permission === 'granted') savePreference(env, 'on');
  return permission;
}

/** The user turned desktop notifications off (the browser's permission stays as it is). */
export function disableDesktop(env: DesktopEnvironment): void {
  savePreference(env, 'off');
}

/**
 * Shows `notification` on the desktop when shouldShowDesktop says so, with
 * `text` as its title and `detail` below; a click focuses the tab and calls
 * `onClick`. Returns whether it was shown.
 */
export function showDesktop(
  env: DesktopEnvironment,
  notification: NotificationDto,
  text: string,
  detail: string | undefined,
  onClick: () => void,
): boolean {
  const api = env.Notification;
  if (api === undefined || !shouldShowDesktop(permissionOf(env), preferenceOf(env), env.isHidden(), notification)) return false;
  try {
    const shown = new api(text, { tag: notification.id, ...(detail === undefined ? {} : { body: detail }) });
    shown.onclick = (event) => {
      event.preventDefault?.();
      env.focus();
      shown.close();
      onClick();
    };
    return true;
  } catch {
    // Some browsers (Chrome on Android) allow notifications only from a service worker.
    return false;
  }
}
