import { describe, expect, it } from 'vitest';
import type { NotificationDto } from '../generated/NotificationDto';
import {
  compareNewestFirst,
  initialNotifications,
  notificationsReducer,
  type NotificationsAction,
  type NotificationsState,
} from './notificationsReducer';

/** Notification `n`, created `n` minutes after 02:00, unread unless `extra` says otherwise. */
function note(n: number, extra: Partial<NotificationDto> = {}): NotificationDto {
  return {
    id: `n-${String(n).padStart(3, '0')}`,
    kind: 'assigned',
    title: `case ${n}`,
    body: '孙丽',
    link: { case_id: `case-${n}` },
    created_at: new Date(Date.UTC(2026, 11, 5, 2, n)).toISOString(),
    ...extra,
  };
}

const AT = '2026-12-05T09:00:00.000Z';

function run(...actions: NotificationsAction[]): NotificationsState {
  return actions.reduce(notificationsReducer, initialNotifications);
}

const ids = (s: NotificationsState) => s.items.map((x) => x.id);
const unreadIds = (s: NotificationsState) => s.items.filter((x) => x.read_at === undefined).map((x) => x.id);

describe('the unread count', () => {
  it('starts from ready', () => {
    expect(run({ type: 'ready', unread: 3 }).unread).toBe(3);
  });

  it('goes up by one per new unread notification, and not for one already read', () => {
    const s = run({ type: 'ready', unread: 3 }, { type: 'received', notification: note(1) }, { type: 'received', notification: note(2, { read_at: AT }) });
    expect(s.unread).toBe(4);
  });

  it('counts a notification delivered twice once', () => {
    const s = run({ type: 'ready', unread: 0 }, { type: 'received', notification: note(1) }, { type: 'received', notification: note(1) });
    expect(s.unread).toBe(1);
    expect(ids(s)).toEqual(['n-001']);
  });

  it('is set by notifications_read (read on another socket)', () => {
    expect(run({ type: 'ready', unread: 5 }, { type: 'read_elsewhere', unread: 2 }).unread).toBe(2);
  });

  it('is set by the answer of POST /notifications/read', () => {
    expect(run({ type: 'ready', unread: 5 }, { type: 'count', unread: 4 }).unread).toBe(4);
  });

  it('never goes negative, and takes whole numbers only', () => {
    expect(run({ type: 'ready', unread: -2 }).unread).toBe(0);
    expect(run({ type: 'ready', unread: Number.NaN }).unread).toBe(0);
    expect(run({ type: 'read_elsewhere', unread: 2.7 }).unread).toBe(2);
  });
});

describe('the list', () => {
  it('a first page replaces it, newest first, and says whether more exist', () => {
    const s = run({ type: 'page', items: [note(3), note(2)], nextCursor: 'c1', first: true });
    expect(ids(s)).toEqual(['n-003', 'n-002']);
    expect(s.nextCursor).toBe('c1');
    expect(s.loaded).toBe(true);
    const again = notificationsReducer(s, { type: 'page', items: [note(4)], nextCursor: null, first: true });
    expect(ids(again)).toEqual(['n-004']);
    expect(again.nextCursor).toBeNull();
  });

  it('a next page extends it, each id once', () => {
    const s = run(
      { type: 'page', items: [note(5), note(4)], nextCursor: 'c1', first: true },
      { type: 'page', items: [note(4), note(3), note(2)], nextCursor: null, first: false },
    );
    expect(ids(s)).toEqual(['n-005', 'n-004', 'n-003', 'n-002']);
    expect(s.nextCursor).toBeNull();
  });

  it('a live notification is prepended, or put in its place by time', () => {
    let s = run({ type: 'page', items: [note(5), note(3)], nextCursor: null, first: true });
    s = notificationsReducer(s, { type: 'received', notification: note(9) });
    expect(ids(s)).toEqual(['n-009', 'n-005', 'n-003']);
    s = notificationsReducer(s, { type: 'received', notification: note(4) });
    expect(ids(s)).toEqual(['n-009', 'n-005', 'n-004', 'n-003']);
  });

  it('a live notification already in the list changes nothing', () => {
    const s = run({ type: 'ready', unread: 1 }, { type: 'page', items: [note(2)], nextCursor: null, first: true });
    expect(notificationsReducer(s, { type: 'received', notification: note(2) })).toBe(s);
  });

  it('orders the same instant by id, so the order is stable', () => {
    const a = note(1, { id: 'a' });
    const b = note(1, { id: 'b' });
    expect([a, b].sort(compareNewestFirst).map((x) => x.id)).toEqual(['b', 'a']);
  });

  it('a page fetched before a marking does not make a read one unread again', () => {
    const s = run(
      { type: 'page', items: [note(2), note(1)], nextCursor: 'c', first: false },
      { type: 'marked', ids: ['n-002'], at: AT },
      { type: 'page', items: [note(2)], nextCursor: null, first: false },
    );
    expect(s.items.find((x) => x.id === 'n-002')?.read_at).toBe(AT);
  });
});

describe('marking read', () => {
  const loaded = () =>
    run({ type: 'ready', unread: 3 }, { type: 'page', items: [note(3), note(2), note(1, { read_at: AT })], nextCursor: null, first: true });

  it('marks the clicked one read at once and counts one less', () => {
    const s = notificationsReducer(loaded(), { type: 'marked', ids: ['n-003'], at: AT });
    expect(unreadIds(s)).toEqual(['n-002']);
    expect(s.items[0]?.read_at).toBe(AT);
    expect(s.unread).toBe(2);
  });

  it('marking one already read changes nothing', () => {
    const s = loaded();
    expect(notificationsReducer(s, { type: 'marked', ids: ['n-001'], at: AT })).toBe(s);
    expect(notificationsReducer(s, { type: 'marked', ids: ['unknown'], at: AT })).toBe(s);
  });

  it('mark all read clears the count and every loaded one', () => {
    const s = notificationsReducer(loaded(), { type: 'marked_all', at: AT });
    expect(s.unread).toBe(0);
    expect(unreadIds(s)).toEqual([]);
    expect(notificationsReducer(s, { type: 'marked_all', at: AT })).toBe(s);
  });

  it('the server\'s own notifications_read after this tab\'s marking changes nothing', () => {
    const s = notificationsReducer(loaded(), { type: 'marked', ids: ['n-003'], at: AT });
    expect(notificationsReducer(s, { type: 'read_elsewhere', unread: 2 })).toBe(s);
  });

  it('all read elsewhere: every loaded one shows read', () => {
    const s = notificationsReducer(loaded(), { type: 'read_elsewhere', unread: 0 });
    expect(s.unread).toBe(0);
    expect(unreadIds(s)).toEqual([]);
    expect(s.stale).toBe(false);
  });

  it('some read elsewhere: the list is stale (which ones is not said) until the next first page', () => {
    const s = notificationsReducer(loaded(), { type: 'read_elsewhere', unread: 1 });
    expect(s.unread).toBe(1);
    expect(s.stale).toBe(true);
    expect(unreadIds(s)).toEqual(['n-003', 'n-002']); // unchanged until reloaded
    const reloaded = notificationsReducer(s, { type: 'page', items: [note(3, { read_at: AT }), note(2)], nextCursor: null, first: true });
    expect(reloaded.stale).toBe(false);
    expect(unreadIds(reloaded)).toEqual(['n-002']);
  });

  it('a server count of zero marks the loaded ones read', () => {
    const s = notificationsReducer(loaded(), { type: 'count', unread: 0 });
    expect(unreadIds(s)).toEqual([]);
  });
});

describe('reconnecting', () => {
  it('a later ready marks a loaded list stale (events may have been missed)', () => {
    const s = run({ type: 'ready', unread: 1 }, { type: 'page', items: [note(1)], nextCursor: null, first: true }, { type: 'ready', unread: 2 });
    expect(s.unread).toBe(2);
    expect(s.stale).toBe(true);
  });

  it('a ready before anything is loaded leaves nothing to reload', () => {
    const s = run({ type: 'ready', unread: 1 }, { type: 'ready', unread: 1 });
    expect(s.stale).toBe(false);
  });

  it('returns the same state for a no-op', () => {
    const s = run({ type: 'ready', unread: 2 });
    expect(notificationsReducer(s, { type: 'ready', unread: 2 })).toBe(s);
    expect(notificationsReducer(s, { type: 'count', unread: 2 })).toBe(s);
  });
});
