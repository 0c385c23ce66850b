import { describe, expect, it } from 'vitest';
import { loadPages, type PageParams } from './paging';
import type { Page } from './types';

/** A server holding `total` numbers, paging them like the real one. */
function server(total: number) {
  const calls: PageParams[] = [];
  const load = async (page: PageParams): Promise<Page<number>> => {
    calls.push(page);
    const start = page.cursor === undefined ? 0 : Number(page.cursor);
    const limit = page.limit ?? 50;
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => start + i);
    const end = start + items.length;
    return end < total ? { items, next_cursor: String(end) } : { items };
  };
  return { calls, load };
}

describe('loadPages', () => {
  it('follows the cursor to the end when asked for everything', async () => {
    const s = server(450);
    const { items, more } = await loadPages(s.load);
    expect(items).toEqual(Array.from({ length: 450 }, (_, i) => i));
    expect(more).toBe(false);
    expect(s.calls).toEqual([{ limit: 200 }, { limit: 200, cursor: '200' }, { limit: 200, cursor: '400' }]);
  });

  it('stops after the first n items and says more follow', async () => {
    const s = server(120);
    const { items, more } = await loadPages(s.load, 50);
    expect(items).toHaveLength(50);
    expect(more).toBe(true);
    expect(s.calls).toEqual([{ limit: 50 }]);
  });

  it('reports the end when the list is exactly as long as asked', async () => {
    const s = server(100);
    expect(await loadPages(s.load, 100)).toEqual({ items: Array.from({ length: 100 }, (_, i) => i), more: false });
  });
});
