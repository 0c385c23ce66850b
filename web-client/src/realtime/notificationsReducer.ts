// The user's notifications (SPEC §7) as a pure reducer: `(state, action) => state`,
// with no socket, no clock and no REST, so the rules can be tested by feeding
// it actions (notificationsReducer.test.ts). store.ts feeds it the socket's
// frames; the notification centre feeds it REST pages and what the user marks.
//
// The rules:
// - `unread` is the server's count: set by `ready` (`unread_notifications`),
//   bumped by each new unread `notification` event, set by the answer of
//   `POST /notifications/read` and by `notifications_read` events (the user
//   marked some read, on this socket or another);
// - `items` are the notifications loaded so far, newest first (`created_at`,
//   then id), each id once. A live `notification` is inserted in its place; a
//   page of `GET /notifications` replaces the list (the first page) or extends
//   it (the next, by `nextCursor`);
// - marking read here is optimistic: the items get `read_at` and the count
//   goes down by as many as were unread, before the server answers;
// - what this tab cannot know marks the list `stale`, for the centre to load
//   again: a reconnect (events may have been missed meanwhile) and a
//   `notifications_read` from elsewhere that leaves some unread (which ones is
//   not said). One that leaves none simply marks every loaded item read.
//
// A no-op returns the very same state object, so the store publishes only changes.

import type { NotificationDto } from '../generated/NotificationDto';

export interface NotificationsState {
  /** How many of the user's notifications are unread, as the server counts them. */
  unread: number;
  /** The notifications loaded so far, newest first, each id once. */
  items: readonly NotificationDto[];
  /** The cursor of the next (older) page; null when the list is complete or nothing is loaded yet. */
  nextCursor: string | null;
  /** Whether the first page has been loaded. */
  loaded: boolean;
  /** The loaded list may be out of date (a reconnect, notifications read elsewhere): load it again. */
  stale: boolean;
}

export type NotificationsAction =
  /** The socket's `ready`. */
  | { type: 'ready'; unread: number }
  /** A live `notification` event. */
  | { type: 'received'; notification: NotificationDto }
  /** A `notifications_read` event: the user marked some read (here or elsewhere). */
  | { type: 'read_elsewhere'; unread: number }
  /** A page of `GET /notifications`: the first one replaces the list, a later one extends it. */
  | { type: 'page'; items: readonly NotificationDto[]; nextCursor: string | null; first: boolean }
  /** The user marked these read (optimistic, before the server answers); `at` is now. */
  | { type: 'marked'; ids: readonly string[]; at: string }
  /** The user marked them all read (optimistic); `at` is now. */
  | { type: 'marked_all'; at: string }
  /** The server's count after `POST /notifications/read`. */
  | { type: 'count'; unread: number };

export const initialNotifications: NotificationsState = { unread: 0, items: [], nextCursor: null, loaded: false, stale: false };

export function notificationsReducer(state: NotificationsState, action: NotificationsAction): NotificationsState {
  switch (action.type) {
    case 'ready': {
      const unread = count(action.unread);
      // Events may have been missed while disconnected: a loaded list is reloaded when next shown.
      const stale = state.loaded || state.items.length > 0 ? true : state.stale;
      if (unread === state.unread && stale === state.stale) return state;
      return { ...state, unread, stale };
    }
    case 'received': {
      const n = action.notification;
      if (state.items.some((x) => x.id === n.id)) return state;
      return {
        ...state,
        items: insertNewestFirst(state.items, n),
        unread: n.read_at === undefined ? state.unread + 1 : state.unread,
      };
    }
    case 'read_elsewhere': {
      const unread = count(action.unread);
      if (unread === state.unread) return state; // what this tab already shows (e.g. its own marking)
      if (unread === 0) return { ...state, unread, items: markItems(state.items, () => true, undefined) };
      return { ...state, unread, stale: state.loaded || state.items.length > 0 };
    }
    case 'page': {
      const items = action.first ? mergeNewestFirst([], action.items) : mergeNewestFirst(state.items, action.items);
      return { ...state, items, nextCursor: action.nextCursor, loaded: true, stale: action.first ? false : state.stale };
    }
    case 'marked': {
      const ids = new Set(action.ids);
      const newlyRead = state.items.filter((x) => ids.has(x.id) && x.read_at === undefined).length;
      if (newlyRead === 0) return state;
      return {
        ...state,
        items: markItems(state.items, (x) => ids.has(x.id), action.at),
        unread: Math.max(0, state.unread - newlyRead),
      };
    }
    case 'marked_all': {
      if (state.unread === 0 && state.items.every((x) => x.read_at !== undefined)) return state;
      return { ...state, unread: 0, items: markItems(state.items, () => true, action.at) };
    }
    case 'count': {
      const unread = count(action.unread);
      if (unread === state.unread) return state;
      if (unread === 0) return { ...state, unread, items: markItems(state.items, () => true, undefined) };
      return { ...state, unread };
    }
  }
}

/** A count from the wire: a whole number, never negative. */
function count(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
}

/** Newest first: later `created_at` first, then the greater id, so the order is total and stable. */
export function compareNewestFirst(a: NotificationDto, b: NotificationDto): number {
  const ta = Date.parse(a.created_at);
  const tb = Date.parse(b.created_at);
  if (ta !== tb) return tb - ta;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function insertNewestFirst(items: readonly NotificationDto[], n: NotificationDto): NotificationDto[] {
  const at = items.findIndex((x) => compareNewestFirst(n, x) < 0);
  return at === -1 ? [...items, n] : [...items.slice(0, at), n, ...items.slice(at)];
}

/** `more` merged into `items`, each id once (a copy in `more` wins: it is the newer word), newest first. */
function mergeNewestFirst(items: readonly NotificationDto[], more: readonly NotificationDto[]): NotificationDto[] {
  const byId = new Map(items.map((x) => [x.id, x]));
  for (const x of more) {
    const known = byId.get(x.id);
    // A notification read here stays read even if a page fetched before the marking says otherwise.
    byId.set(x.id, known?.read_at !== undefined && x.read_at === undefined ? { ...x, read_at: known.read_at } : x);
  }
  return [...byId.values()].sort(compareNewestFirst);
}

/**
 * Sets `read_at` on the unread items that `which` picks (to `at`, or, when
 * the time is unknown because they were read elsewhere, to their own
 * `created_at`, which is enough to show them read). Returns the same array when nothing changes.
 */
function markItems(
  items: readonly NotificationDto[],
  which: (n: NotificationDto) => boolean,
  at: string | undefined,
): readonly NotificationDto[] {
  let changed = false;
  const next = items.map((x) => {
    if (x.read_at !== undefined || !which(x)) return x;
    changed = true;
    return { ...x, read_at: at ?? x.created_at };
  });
  return changed ? next : items;
}
