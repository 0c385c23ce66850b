// Runs searches as the user types: ~250 ms after the last keystroke, each new
// request cancelling the one before (its answer would be stale), and more
// messages on demand with the server's `next_before` cursor.

import { useCallback, useEffect, useReducer, useRef } from 'react';
import { rest } from '../session';
import { initialSearch, normalizeQuery, searchKey, searchQuery, searchReducer, type SearchState } from './results';

export const SEARCH_DEBOUNCE_MS = 250;

export interface Search extends SearchState {
  /** The query text as sent (trimmed); empty when there is nothing to search. */
  term: string;
  loadMore: () => void;
}

export function useSearch(text: string, conversationId: string | undefined): Search {
  const [state, dispatch] = useReducer(searchReducer, initialSearch);
  const term = normalizeQuery(text);
  const key = searchKey(term, conversationId);
  const more = useRef<AbortController | null>(null);

  useEffect(() => {
    more.current?.abort();
    if (term === '') {
      dispatch({ type: 'clear' });
      return;
    }
    dispatch({ type: 'start', key });
    const controller = new AbortController();
    const timer = setTimeout(() => {
      rest.search(searchQuery(term, conversationId), controller.signal).then(
        (results) => dispatch({ type: 'loaded', key, results, append: false }),
        (error: unknown) => {
          if (!controller.signal.aborted) dispatch({ type: 'failed', key, error });
        },
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, term, conversationId]);

  useEffect(() => () => more.current?.abort(), []);

  const { nextBefore, loadingMore } = state;
  const loadMore = useCallback(() => {
    if (nextBefore === undefined || loadingMore || term === '') return;
    more.current?.abort();
    const controller = new AbortController();
    more.current = controller;
    dispatch({ type: 'more', key });
    rest.search(searchQuery(term, conversationId, nextBefore), controller.signal).then(
      (results) => dispatch({ type: 'loaded', key, results, append: true }),
      (error: unknown) => {
        if (!controller.signal.aborted) dispatch({ type: 'failed', key, error });
      },
    );
  }, [key, term, conversationId, nextBefore, loadingMore]);

  return { ...state, term, loadMore };
}
