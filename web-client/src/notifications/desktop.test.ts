import { describe, expect, it, vi } from 'vitest';
import type { NotificationDto } from '../api/types';
import {
  DESKTOP_PREFERENCE_KEY,
  desktopSetting,
  disableDesktop,
  enableDesktop,
  permissionOf,
  shouldShowDesktop,
  showDesktop,
  type DesktopEnvironment,
  type NotificationConstructorLike,
  type ShownNotification,
} from './desktop';

const NOTE: NotificationDto = {
  id: 'n-1',
  kind: 'assigned',
  title: '胸痛3天',
  body: '孙丽',
  link: { case_id: 'case-1' },
  created_at: '2026-12-05T02:00:00Z',
};

/** A browser with a fake Notification API, storage, visibility and focus. */
function fakeBrowser(options: { permission?: NotificationPermission; answer?: NotificationPermission; hidden?: boolean; supported?: boolean } = {}) {
  const items = new Map<string, string>();
  const shown: { title: string; options: NotificationOptions | undefined; instance: ShownNotification }[] = [];
  const requestPermission = vi.fn(async () => {
    Fake.permission = options.answer ?? 'granted';
    return Fake.permission;
  });
  class Fake implements ShownNotification {
    static permission: NotificationPermission = options.permission ?? 'default';
    static requestPermission = requestPermission;
    onclick: ((event: Event) => void) | null = null;
    close = vi.fn();
    constructor(title: string, opts?: NotificationOptions) {
      shown.push({ title, options: opts, instance: this });
    }
  }
  let hidden = options.hidden ?? true;
  const focus = vi.fn();
  const env: DesktopEnvironment = {
    Notification: options.supported === false ? undefined : (Fake as unknown as NotificationConstructorLike),
    isHidden: () => hidden,
    focus,
    storage: {
      getItem: (k) => items.get(k) ?? null,
      setItem: (k, v) => void items.set(k, v),
      removeItem: (k) => void items.delete(k),
    },
  };
  return { env, shown, requestPermission, focus, items, setHidden: (h: boolean) => (hidden = h) };
}

describe('shouldShowDesktop', () => {
  it.each([
    ['granted', 'on', true, true],
    ['granted', 'on', false, false], // the tab is in front: the bell says it
    ['granted', 'off', true, false], // turned off here
    ['default', 'on', true, false], // never asked
    ['denied', 'on', true, false],
    ['unsupported', 'on', true, false],
  ] as const)('permission %s, switch %s, hidden %s → %s', (permission, preference, hidden, expected) => {
    expect(shouldShowDesktop(permission, preference, hidden, NOTE)).toBe(expected);
  });

  it('does not show one that is already read', () => {
    expect(shouldShowDesktop('granted', 'on', true, { read_at: '2026-12-05T03:00:00Z' })).toBe(false);
  });
});

describe('desktopSetting', () => {
  it.each([
    ['unsupported', 'on', 'unsupported'],
    ['denied', 'on', 'denied'],
    ['default', 'on', 'offer'],
    ['default', 'off', 'offer'],
    ['granted', 'on', 'on'],
    ['granted', 'off', 'offer'],
  ] as const)('permission %s, switch %s → %s', (permission, preference, expected) => {
    expect(desktopSetting(permission, preference)).toBe(expected);
  });
});

describe('asking for permission', () => {
  it('is never done by merely looking at the setting or receiving a notification', () => {
    const { env, requestPermission } = fakeBrowser();
    expect(permissionOf(env)).toBe('default');
    expect(showDesktop(env, NOTE, 'x', undefined, () => {})).toBe(false);
    expect(requestPermission).not.toHaveBeenCalled();
  });

  it('asks once the user clicks enable, and the next hidden notification is shown', async () => {
    const { env, requestPermission, shown } = fakeBrowser();
    expect(await enableDesktop(env)).toBe('granted');
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(showDesktop(env, NOTE, '分配给您的病例：胸痛3天', undefined, () => {})).toBe(true);
    expect(shown.map((s) => s.title)).toEqual(['分配给您的病例：胸痛3天']);
    expect(shown[0]?.options?.tag).toBe('n-1'); // several hidden tabs show it once
  });

  it('does not ask again when the browser has decided', async () => {
    const granted = fakeBrowser({ permission: 'granted' });
    expect(await enableDesktop(granted.env)).toBe('granted');
    const denied = fakeBrowser({ permission: 'denied' });
    expect(await enableDesktop(denied.env)).toBe('denied');
    expect(granted.requestPermission).not.toHaveBeenCalled();
    expect(denied.requestPermission).not.toHaveBeenCalled();
  });

  it('a refusal stays a refusal', async () => {
    const { env, shown } = fakeBrowser({ answer: 'denied' });
    expect(await enableDesktop(env)).toBe('denied');
    expect(showDesktop(env, NOTE, 'x', undefined, () => {})).toBe(false);
    expect(shown).toEqual([]);
  });

  it('without the API there is nothing to ask', async () => {
    const { env } = fakeBrowser({ supported: false });
    expect(permissionOf(env)).toBe('unsupported');
    expect(await enableDesktop(env)).toBe('unsupported');
  });
});

describe('showing', () => {
  it('only while the tab is hidden', () => {
    const { env, shown, setHidden } = fakeBrowser({ permission: 'granted' });
    setHidden(false);
    expect(showDesktop(env, NOTE, 'x', undefined, () => {})).toBe(false);
    setHidden(true);
    expect(showDesktop(env, NOTE, 'x', 'detail', () => {})).toBe(true);
    expect(shown[0]?.options?.body).toBe('detail');
  });

  it('not after the user turned it off here, and again after enabling', async () => {
    const { env, shown, items } = fakeBrowser({ permission: 'granted' });
    disableDesktop(env);
    expect(items.get(DESKTOP_PREFERENCE_KEY)).toBe('off');
    expect(showDesktop(env, NOTE, 'x', undefined, () => {})).toBe(false);
    await enableDesktop(env);
    expect(items.has(DESKTOP_PREFERENCE_KEY)).toBe(false);
    expect(showDesktop(env, NOTE, 'x', undefined, () => {})).toBe(true);
    expect(shown).toHaveLength(1);
  });

  it('a click focuses the tab, closes it and opens the notification', () => {
    const { env, shown, focus } = fakeBrowser({ permission: 'granted' });
    const onClick = vi.fn();
    showDesktop(env, NOTE, 'x', undefined, onClick);
    const instance = shown[0]!.instance;
    instance.onclick?.(new Event('click'));
    expect(focus).toHaveBeenCalledTimes(1);
    expect(instance.close).toHaveBeenCalledTimes(1);
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('a browser that refuses to construct one (Chrome on Android) is not an error', () => {
    const { env } = fakeBrowser({ permission: 'granted' });
    const Throwing = function () {
      throw new TypeError('Illegal constructor');
    } as unknown as NotificationConstructorLike;
    Object.assign(Throwing, { permission: 'granted', requestPermission: async () => 'granted' });
    expect(showDesktop({ ...env, Notification: Throwing }, NOTE, 'x', undefined, () => {})).toBe(false);
  });
});
