// Keyset paging of the REST lists (SPEC §3): `?limit=` (1–200) and an opaque
// `?cursor=`, answered with `{items, next_cursor?}`. Screens ask for "the
// first n items" and get them even past one page, plus whether more exist,
// so a live reload can fetch again exactly what the user has scrolled through.

import type { Page, PageQuery } from './types';

/** `?limit=&cursor=` of one request. */
export type PageParams = PageQuery;

/** The server's default page size, and how many "load more" adds. */
export const PAGE_SIZE = 50;
/** The largest page the server serves. */
export const MAX_PAGE_SIZE = 200;

/** The first `count` items of a list (all of them by default), and whether it goes on. */
export async function loadPages<T>(
  loadPage: (page: PageParams) => Promise<Page<T>>,
  count: number = Number.POSITIVE_INFINITY,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const limit = Math.min(MAX_PAGE_SIZE, count - items.length);
    const page = await loadPage(cursor === undefined ? { limit } : { limit, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
    if (cursor === undefined) return { items, more: false };
    if (items.length >= count) return { items, more: true };
  }
}
