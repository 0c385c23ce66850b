// What the search panel shows, as a pure reducer: the results of the latest
// query only (an answer for an older query, which the panel has already
// cancelled, is dropped by its key), more messages appended by "load more"
// (each message once), and the error of the last request.

import type { CaseHit, MessageHit, SearchQuery, SearchResults } from '../api/types';

/** Messages per page. */
export const SEARCH_PAGE = 20;
/** The server takes 1–200 characters. */
export const MAX_QUERY_CHARS = 200;

export type SearchStatus = 'idle' | 'loading' | 'done' | 'error';

export interface SearchState {
  /** Which query the results belong to (searchKey). */
  key: string;
  status: SearchStatus;
  messages: readonly MessageHit[];
  cases: readonly CaseHit[];
  /** The cursor for more messages; undefined on the last page. */
  nextBefore: string | undefined;
  loadingMore: boolean;
  error: unknown;
}

export type SearchAction =
  | { type: 'clear' }
  /** A new query: earlier results stay on screen until its answer comes. */
  | { type: 'start'; key: string }
  | { type: 'more'; key: string }
  | { type: 'loaded'; key: string; results: SearchResults; append: boolean }
  | { type: 'failed'; key: string; error: unknown };

export const initialSearch: SearchState = {
  key: '',
  status: 'idle',
  messages: [],
  cases: [],
  nextBefore: undefined,
  loadingMore: false,
  error: undefined,
};

/** The query text as sent: trimmed, at most MAX_QUERY_CHARS characters (whole characters, not code units). */
export function normalizeQuery(text: string): string {
  return [...text.trim()].slice(0, MAX_QUERY_CHARS).join('').trim();
}

/** What a search is about: its text and, when limited to one conversation, that conversation. */
export function searchKey(q: string, conversationId: string | undefined): string {
  return JSON.stringify([q, conversationId ?? null]);
}

/** The request for a page: everything the caller may see, or one conversation's messages; later pages are messages only. */
export function searchQuery(q: string, conversationId: string | undefined, before?: string): SearchQuery {
  const query: SearchQuery = { q, limit: SEARCH_PAGE };
  if (conversationId !== undefined) query.conversation_id = conversationId;
  if (conversationId !== undefined || before !== undefined) query.kind = 'messages';
  if (before !== undefined) query.before = before;
  return query;
}

export function searchReducer(state: SearchState, action: SearchAction): SearchState {
  switch (action.type) {
    case 'clear':
      return state === initialSearch ? state : initialSearch;
    case 'start':
      return { ...state, key: action.key, status: 'loading', loadingMore: false, error: undefined };
    case 'more':
      if (action.key !== state.key || state.nextBefore === undefined) return state;
      return { ...state, loadingMore: true, error: undefined };
    case 'loaded': {
      if (action.key !== state.key) return state;
      const { results } = action;
      const messages = action.append
        ? [...state.messages, ...results.messages.filter((m) => !state.messages.some((x) => x.id === m.id))]
        : results.messages;
      return {
        ...state,
        status: 'done',
        messages,
        cases: action.append ? state.cases : results.cases,
        nextBefore: results.next_before,
        loadingMore: false,
        error: undefined,
      };
    }
    case 'failed':
      if (action.key !== state.key) return state;
      return { ...state, status: state.loadingMore ? state.status : 'error', loadingMore: false, error: action.error };
  }
}
