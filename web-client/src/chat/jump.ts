// Jumping to a message far back in a conversation (a search hit, a
// notification): `#/chat/<id>?seq=N` makes the conversation view call
// loadDownTo(N) when N is older than what is loaded. It loads, in pages of
// up to 200 fetched at once and merged in one go, everything from a little
// before N up to the oldest message loaded: the message list stays one
// contiguous range (the realtime reducer's rule), so scrolling on from the
// message in either direction works as usual, and the jump takes one round
// trip instead of one page of 50 after another.

import type { RealtimeStore } from '../realtime/store';
import { rest } from '../session';

/** Messages loaded before the target, so it is seen in context. */
export const JUMP_CONTEXT = 30;
/** The server's largest page. */
export const JUMP_PAGE = 200;

export interface HistoryPageRequest {
  before_seq: number;
  limit: number;
}

/** The history requests that cover seqs max(1, target − context) … oldest − 1, newest first. */
export function pagesDownTo(oldest: number, target: number, context = JUMP_CONTEXT, pageSize = JUMP_PAGE): HistoryPageRequest[] {
  const from = Math.max(1, target - context);
  const pages: HistoryPageRequest[] = [];
  for (let before = oldest; before > from; before -= pageSize) {
    pages.push({ before_seq: before, limit: Math.min(pageSize, before - from) });
  }
  return pages;
}

const inFlight = new Map<string, Promise<void>>();

/** Loads a conversation's history down to a little before `target` (once at a time per conversation and target). */
export function loadDownTo(store: RealtimeStore, conversationId: string, target: number): Promise<void> {
  const key = `${conversationId}:${target}`;
  const running = inFlight.get(key);
  if (running !== undefined) return running;
  const oldest = store.getState().conversations[conversationId]?.messages[0]?.seq;
  if (oldest === undefined || oldest <= target) return Promise.resolve();
  const job = Promise.all(pagesDownTo(oldest, target).map((page) => rest.history(conversationId, page)))
    .then((pages) => store.mergeHistory(conversationId, pages.flatMap((p) => p.items)))
    .finally(() => inFlight.delete(key));
  inFlight.set(key, job);
  return job;
}
