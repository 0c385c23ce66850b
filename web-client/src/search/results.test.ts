// The search panel's state: only the latest query's answers count, "load
// more" appends each message once, and the query is sent trimmed and short.
import { describe, expect, it } from 'vitest';
import type { MessageHit, SearchResults } from '../api/types';
import { initialSearch, MAX_QUERY_CHARS, normalizeQuery, searchKey, searchQuery, searchReducer, type SearchState } from './results';

const hit = (id: string) => ({ id, snippet: id, highlights: [] }) as unknown as MessageHit;
const results = (ids: string[], next?: string): SearchResults =>
  ({ messages: ids.map(hit), cases: [], ...(next === undefined ? {} : { next_before: next }) }) as SearchResults;

describe('searchReducer', () => {
  const a = searchKey('troponin', undefined);
  const b = searchKey('troponin 0.8', undefined);

  it('drops the answer of a query that is no longer the latest', () => {
    let s: SearchState = searchReducer(initialSearch, { type: 'start', key: a });
    s = searchReducer(s, { type: 'start', key: b });
    expect(searchReducer(s, { type: 'loaded', key: a, results: results(['old']), append: false })).toBe(s);
    s = searchReducer(s, { type: 'loaded', key: b, results: results(['new'], 'new'), append: false });
    expect(s.status).toBe('done');
    expect(s.messages.map((m) => m.id)).toEqual(['new']);
    expect(s.nextBefore).toBe('new');
  });

  it('appends a further page, each message once, and keeps the cases', () => {
    let s = searchReducer(searchReducer(initialSearch, { type: 'start', key: a }), { type: 'loaded', key: a, results: results(['m3', 'm2'], 'm2'), append: false });
    s = searchReducer(s, { type: 'more', key: a });
    expect(s.loadingMore).toBe(true);
    s = searchReducer(s, { type: 'loaded', key: a, results: results(['m2', 'm1']), append: true });
    expect(s.messages.map((m) => m.id)).toEqual(['m3', 'm2', 'm1']);
    expect(s.nextBefore).toBeUndefined();
    expect(s.loadingMore).toBe(false);
  });

  it('keeps the results when "load more" fails, with the error', () => {
    let s = searchReducer(searchReducer(initialSearch, { type: 'start', key: a }), { type: 'loaded', key: a, results: results(['m2'], 'm2'), append: false });
    s = searchReducer(searchReducer(s, { type: 'more', key: a }), { type: 'failed', key: a, error: 'offline' });
    expect(s.status).toBe('done');
    expect(s.messages).toHaveLength(1);
    expect(s.error).toBe('offline');
  });
});

describe('the request', () => {
  it('is trimmed and at most 200 characters, counting an emoji as one', () => {
    expect(normalizeQuery('  肌钙蛋白  ')).toBe('肌钙蛋白');
    expect([...normalizeQuery('🚑'.repeat(300))]).toHaveLength(MAX_QUERY_CHARS);
  });
  it('asks for messages only in one conversation and for later pages', () => {
    expect(searchQuery('x', undefined)).toEqual({ q: 'x', limit: 20 });
    expect(searchQuery('x', 'c1')).toEqual({ q: 'x', limit: 20, conversation_id: 'c1', kind: 'messages' });
    expect(searchQuery('x', undefined, 'm9')).toEqual({ q: 'x', limit: 20, kind: 'messages', before: 'm9' });
  });
});
