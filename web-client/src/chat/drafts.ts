// What the user has typed but not sent, per conversation (SPEC §8 everyday
// messaging): kept when they switch conversations and across reloads, in
// localStorage under one key per user (`consilium.drafts.v1.<user id>`, a map
// of conversation id → draft), so signing out removes them all at once. An
// empty composer leaves no draft; sending clears it. Drafts older than a
// week are dropped when read.

import type { AuthStore, KeyValueStorage } from '../auth/store';

export const DRAFTS_STORAGE_PREFIX = 'consilium.drafts.v1.';
export const DRAFT_MAX_AGE_MS = 7 * 24 * 3600_000;

interface Draft {
  text: string;
  /** When it was last written (ms since epoch). */
  at: number;
}

type Drafts = Record<string, Draft>;

export function draftsKey(userId: string): string {
  return `${DRAFTS_STORAGE_PREFIX}${userId}`;
}

function read(storage: KeyValueStorage | null, userId: string): Drafts {
  if (storage === null) return {};
  try {
    const raw = storage.getItem(draftsKey(userId));
    const value: unknown = raw === null ? null : JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return {};
    const drafts: Drafts = {};
    for (const [id, d] of Object.entries(value as Record<string, unknown>)) {
      const { text, at } = (d ?? {}) as Partial<Draft>;
      if (typeof text === 'string' && typeof at === 'number') drafts[id] = { text, at };
    }
    return drafts;
  } catch {
    return {};
  }
}

function write(storage: KeyValueStorage | null, userId: string, drafts: Drafts): void {
  if (storage === null) return;
  try {
    if (Object.keys(drafts).length === 0) storage.removeItem(draftsKey(userId));
    else storage.setItem(draftsKey(userId), JSON.stringify(drafts));
  } catch {
    // Storage full or blocked: the draft lives as long as the page does.
  }
}

/** The draft of a conversation, or '' when there is none (or it is older than a week). */
export function loadDraft(storage: KeyValueStorage | null, userId: string, conversationId: string, now = Date.now()): string {
  const d = read(storage, userId)[conversationId];
  return d === undefined || now - d.at > DRAFT_MAX_AGE_MS ? '' : d.text;
}

/** Keeps the text as the conversation's draft; blank text removes it. */
export function saveDraft(storage: KeyValueStorage | null, userId: string, conversationId: string, text: string, now = Date.now()): void {
  const drafts = read(storage, userId);
  const blank = text.trim() === '';
  if (blank && drafts[conversationId] === undefined) return;
  if (blank) delete drafts[conversationId];
  else drafts[conversationId] = { text, at: now };
  for (const [id, d] of Object.entries(drafts)) if (now - d.at > DRAFT_MAX_AGE_MS) delete drafts[id];
  write(storage, userId, drafts);
}

/** Removes a user's drafts when they sign out themselves (not when the session merely expires). */
export function clearDraftsOnSignOut(auth: Pick<AuthStore, 'getState' | 'subscribe'>, storage: KeyValueStorage | null): () => void {
  let user = auth.getState().session?.user.id ?? null;
  return auth.subscribe(() => {
    const { session, endedReason } = auth.getState();
    const next = session?.user.id ?? null;
    if (user !== null && next === null && endedReason === null) {
      try {
        storage?.removeItem(draftsKey(user));
      } catch {
        // blocked storage: nothing was kept either
      }
    }
    user = next;
  });
}
