import { useCallback, useState } from 'react';
import { browserStorage } from '../auth/store';
import { authStore } from '../session';
import { clearDraftsOnSignOut, loadDraft, saveDraft } from './drafts';

// Drafts are kept across reloads (drafts.ts), but not past a sign-out.
clearDraftsOnSignOut(authStore, browserStorage());

/**
 * The composer's text, kept as the conversation's draft on every change: it
 * comes back when the user returns to the conversation or reloads, and setting
 * it to '' (after a send) removes the draft. A switch to another conversation
 * without a remount shows that conversation's own draft.
 */
export function useDraft(conversationId: string, userId: string | null): [string, (text: string) => void] {
  const [state, setState] = useState(() => ({ conversationId, text: userId === null ? '' : loadDraft(browserStorage(), userId, conversationId) }));
  let current = state;
  if (state.conversationId !== conversationId) {
    current = { conversationId, text: userId === null ? '' : loadDraft(browserStorage(), userId, conversationId) };
    setState(current);
  }
  const set = useCallback(
    (text: string) => {
      setState({ conversationId, text });
      if (userId !== null) saveDraft(browserStorage(), userId, conversationId, text);
    },
    [conversationId, userId],
  );
  return [current.text, set];
}
