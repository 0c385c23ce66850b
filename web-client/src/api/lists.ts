// Keeping a list fetched over REST current with a live event that carries the
// changed item: replace it where it is, insert it in the list's order, or take
// it out, instead of fetching the whole list again. Pure functions; each
// returns the list it was given when nothing changes, so a screen re-renders
// only for a real change.

/** Anything with a stable id. */
export interface Identified {
  id: string;
}

/** A sort order, as for Array.prototype.sort. */
export type Order<T> = (a: T, b: T) => number;

/** The first items of a list and whether more follow, as `loadPages` returns them. */
export interface Window<T> {
  items: T[];
  more: boolean;
}

/** Has a creation time, as the server's lists are ordered by it. */
interface Created extends Identified {
  created_at: string;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest first, ties by id descending: the order of the boxes (`GET /consults`, `GET /referrals`). */
export function newestFirst(a: Created, b: Created): number {
  return Date.parse(b.created_at) - Date.parse(a.created_at) || compareIds(b.id, a.id);
}

/** Oldest first, ties by id: the order of a case's consults and referrals. */
export function oldestFirst(a: Created, b: Created): number {
  return Date.parse(a.created_at) - Date.parse(b.created_at) || compareIds(a.id, b.id);
}

/** `list` without the item with this id (the same list when it has none). */
export function withoutId<T extends Identified>(list: T[], id: string): T[] {
  return list.some((x) => x.id === id) ? list.filter((x) => x.id !== id) : list;
}

/** `item` in its place in a list kept in `order`: the item with its id replaced, or `item` inserted. */
export function upsertSorted<T extends Identified>(list: T[], item: T, order: Order<T>): T[] {
  const at = list.findIndex((x) => x.id === item.id);
  if (at >= 0 && list[at] === item) return list;
  const rest = at >= 0 ? list.filter((_, i) => i !== at) : list;
  const index = rest.findIndex((x) => order(item, x) < 0);
  return index < 0 ? [...rest, item] : [...rest.slice(0, index), item, ...rest.slice(index)];
}

/**
 * A window of a list after a live change of `item`: out of it when it no
 * longer `belongs`; otherwise replaced, or inserted in `order`, unless it would
 * come after the last item of a window that has more to come (the next "load
 * more" brings it in its place then).
 */
export function placeInWindow<T extends Identified>(window: Window<T>, item: T, belongs: boolean, order: Order<T>): Window<T> {
  const present = window.items.some((x) => x.id === item.id);
  if (!belongs) return present ? { ...window, items: withoutId(window.items, item.id) } : window;
  const last = window.items[window.items.length - 1];
  if (!present && window.more && (last === undefined || order(item, last) > 0)) return window;
  const items = upsertSorted(window.items, item, order);
  return items === window.items ? window : { ...window, items };
}
