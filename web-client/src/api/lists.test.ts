import { describe, expect, it } from 'vitest';
import { newestFirst, oldestFirst, placeInWindow, upsertSorted, withoutId, type Window } from './lists';

interface Item {
  id: string;
  created_at: string;
  v?: number;
}
const at = (minute: number) => `2026-11-23T02:${String(minute).padStart(2, '0')}:00Z`;
const item = (id: string, minute: number, v = 0): Item => ({ id, created_at: at(minute), v });
const ids = (list: readonly Item[]) => list.map((x) => x.id);

describe('orders', () => {
  it('newest first, ties by id descending, like the boxes', () => {
    expect(ids([item('a', 1), item('c', 3), item('b', 3), item('d', 2)].sort(newestFirst))).toEqual(['c', 'b', 'd', 'a']);
  });
  it('oldest first, ties by id, like the lists of a case', () => {
    expect(ids([item('a', 1), item('c', 3), item('b', 3), item('d', 2)].sort(oldestFirst))).toEqual(['a', 'd', 'b', 'c']);
  });
});

describe('withoutId', () => {
  it('takes the item out, and returns the same list when it is not there', () => {
    const list = [item('a', 1), item('b', 2)];
    expect(ids(withoutId(list, 'a'))).toEqual(['b']);
    expect(withoutId(list, 'zzz')).toBe(list);
  });
});

describe('upsertSorted', () => {
  const list = [item('a', 1), item('b', 2), item('c', 3)];

  it('inserts a new item in its place', () => {
    expect(ids(upsertSorted(list, item('x', 0), oldestFirst))).toEqual(['x', 'a', 'b', 'c']);
    expect(ids(upsertSorted(list, item('x', 2), oldestFirst))).toEqual(['a', 'b', 'x', 'c']);
    expect(ids(upsertSorted(list, item('x', 9), oldestFirst))).toEqual(['a', 'b', 'c', 'x']);
    expect(ids(upsertSorted([], item('x', 9), oldestFirst))).toEqual(['x']);
  });

  it('replaces an item with the same id, never repeating it, and moves it when its order changed', () => {
    const replaced = upsertSorted(list, item('b', 2, 7), oldestFirst);
    expect(ids(replaced)).toEqual(['a', 'b', 'c']);
    expect(replaced[1]?.v).toBe(7);
    expect(ids(upsertSorted(list, item('a', 5), oldestFirst))).toEqual(['b', 'c', 'a']);
  });

  it('returns the same list for the very same item', () => {
    expect(upsertSorted(list, list[1]!, oldestFirst)).toBe(list);
  });
});

describe('placeInWindow', () => {
  // Newest first: c (3), b (2), a (1); older ones may follow when `more`.
  const full: Window<Item> = { items: [item('c', 3), item('b', 2), item('a', 1)], more: false };
  const partial: Window<Item> = { ...full, more: true };

  it('inserts a new item that belongs in its place', () => {
    expect(ids(placeInWindow(full, item('x', 4), true, newestFirst).items)).toEqual(['x', 'c', 'b', 'a']);
    expect(ids(placeInWindow(partial, item('x', 2), true, newestFirst).items)).toEqual(['c', 'x', 'b', 'a']);
  });

  it('leaves out a new item that sorts after a window with more to come: "load more" brings it', () => {
    expect(placeInWindow(partial, item('x', 0), true, newestFirst)).toBe(partial);
    expect(ids(placeInWindow(full, item('x', 0), true, newestFirst).items)).toEqual(['c', 'b', 'a', 'x']);
  });

  it('replaces an item it shows, wherever it sorts', () => {
    const next = placeInWindow(partial, item('a', 1, 5), true, newestFirst);
    expect(ids(next.items)).toEqual(['c', 'b', 'a']);
    expect(next.items[2]?.v).toBe(5);
    expect(next.more).toBe(true);
  });

  it('takes out an item that no longer belongs, and ignores one that never did', () => {
    expect(ids(placeInWindow(full, item('b', 2), false, newestFirst).items)).toEqual(['c', 'a']);
    expect(placeInWindow(full, item('x', 2), false, newestFirst)).toBe(full);
  });
});
