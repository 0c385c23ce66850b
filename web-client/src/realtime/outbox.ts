// The unsent part of the optimistic outbox, kept in localStorage per user so a
// message written while offline survives a reload (or a crashed tab) and is
// sent once the socket is ready again. Re-sending is safe: the server stores a
// `client_msg_id` at most once and answers a repeat with the original ack.
//
// Only messages not acked yet are kept (`sending`, `failed`); an acked one is
// durable on the server. Each keeps what the sender marked it as (priority,
// acknowledgement required) and the files it carries (already uploaded, sent
// by id), so a resend after a reload is the same message.
// With them goes the conversation each belongs to, so the restored tab can
// show it before the websocket's `ready` arrives.
//
// Several tabs of one user share the key. Each tab rewrites only the entries it
// knows (loaded or written by itself) and keeps the others' as they are, so
// one tab's save never drops another tab's unsent messages.

import type { AuthStore, KeyValueStorage } from '../auth/store';
import type { AttachmentDto } from '../generated/AttachmentDto';
import type { ConversationDto } from '../generated/ConversationDto';
import type { MessagePriority } from '../generated/MessagePriority';

export const OUTBOX_STORAGE_PREFIX = 'consilium.outbox.v1.';
/** Entries older than this are dropped on load: nobody expects a week-old draft to go out. */
export const OUTBOX_MAX_AGE_MS = 7 * 24 * 3600_000;
const MAX_ENTRIES = 500;

export interface OutboxEntry {
  clientMsgId: string;
  conversationId: string;
  body: string;
  replyToSeq?: number;
  /** How urgent the sender marked it (SPEC §7); absent means `normal`. */
  priority?: MessagePriority;
  /** Whether recipients must acknowledge it; absent means no. */
  ackRequired?: boolean;
  /** The uploaded files it carries (SPEC §6); sent by id, kept whole to show them meanwhile. */
  attachments?: AttachmentDto[];
  state: 'sending' | 'failed';
  /** The server's refusal code of a failed send. */
  error?: string;
  /** The server's reason word of a failed send, when it gave one. */
  reason?: string;
  queuedAt: number;
}

export interface SavedOutbox {
  entries: OutboxEntry[];
  /** The conversation of each entry, as last seen. */
  conversations: Record<string, ConversationDto>;
}

export interface OutboxPersistence {
  load(): SavedOutbox;
  save(outbox: SavedOutbox): void;
}

export function outboxKey(userId: string): string {
  return `${OUTBOX_STORAGE_PREFIX}${userId}`;
}

/** Forgets a user's unsent messages (sign-out). */
export function clearOutbox(storage: KeyValueStorage | null, userId: string): void {
  try {
    storage?.removeItem(outboxKey(userId));
  } catch {
    // Storage disabled: nothing was kept.
  }
}

/**
 * Clears the outbox of a user who signs out on purpose (here or in another
 * tab). A session that merely expired keeps it: signing in again sends it.
 */
export function clearOutboxOnSignOut(auth: Pick<AuthStore, 'getState' | 'subscribe'>, storage: KeyValueStorage | null): () => void {
  let user = auth.getState().session?.user.id ?? null;
  return auth.subscribe(() => {
    const { session, endedReason } = auth.getState();
    const next = session?.user.id ?? null;
    if (user !== null && next === null && endedReason === null) clearOutbox(storage, user);
    user = next;
  });
}

/**
 * localStorage persistence of one user's outbox. `active` is asked before
 * every write; once it says no (the user signed out) nothing is written again.
 */
export function createOutboxPersistence(
  storage: KeyValueStorage | null,
  userId: string,
  options: { active?: () => boolean; now?: () => number } = {},
): OutboxPersistence {
  const key = outboxKey(userId);
  const now = options.now ?? Date.now;
  /** Entries this tab has loaded or written: the ones its saves may change or drop. */
  const mine = new Set<string>();

  const read = (): SavedOutbox => {
    if (storage === null) return { entries: [], conversations: {} };
    try {
      const raw = storage.getItem(key);
      return raw === null ? { entries: [], conversations: {} } : parse(JSON.parse(raw), now());
    } catch {
      return { entries: [], conversations: {} };
    }
  };

  return {
    load() {
      const saved = read();
      for (const e of saved.entries) mine.add(e.clientMsgId);
      return saved;
    },
    save(outbox) {
      if (storage === null || options.active?.() === false) return;
      const stored = read();
      const others = stored.entries.filter((e) => !mine.has(e.clientMsgId));
      for (const e of outbox.entries) mine.add(e.clientMsgId);
      const entries = [...others, ...outbox.entries].slice(-MAX_ENTRIES);
      const conversations: Record<string, ConversationDto> = {};
      for (const e of entries) {
        const info = outbox.conversations[e.conversationId] ?? stored.conversations[e.conversationId];
        if (info !== undefined) conversations[e.conversationId] = info;
      }
      try {
        if (entries.length === 0) storage.removeItem(key);
        else storage.setItem(key, JSON.stringify({ v: 1, entries, conversations }));
      } catch {
        // Storage full or disabled: the outbox still lives in memory.
      }
    },
  };
}

/** Validates what came out of storage; anything malformed or too old is left out. */
function parse(value: unknown, now: number): SavedOutbox {
  const out: SavedOutbox = { entries: [], conversations: {} };
  if (!isRecord(value) || value.v !== 1 || !Array.isArray(value.entries) || !isRecord(value.conversations)) return out;
  const seen = new Set<string>();
  for (const raw of value.entries) {
    const entry = parseEntry(raw);
    if (entry === null || seen.has(entry.clientMsgId) || now - entry.queuedAt > OUTBOX_MAX_AGE_MS) continue;
    const info = value.conversations[entry.conversationId];
    if (!isConversation(info) || info.id !== entry.conversationId) continue;
    seen.add(entry.clientMsgId);
    out.entries.push(entry);
    out.conversations[entry.conversationId] = info;
  }
  return out;
}

function parseEntry(raw: unknown): OutboxEntry | null {
  if (!isRecord(raw)) return null;
  const { clientMsgId, conversationId, body, replyToSeq, priority, ackRequired, attachments, state, error, reason, queuedAt } = raw;
  const files = Array.isArray(attachments) ? attachments.filter(isAttachment) : [];
  if (typeof clientMsgId !== 'string' || clientMsgId === '' || typeof conversationId !== 'string' || typeof body !== 'string') return null;
  // An empty body is a message only with files (SPEC §6).
  if (body === '' && files.length === 0) return null;
  if (state !== 'sending' && state !== 'failed') return null;
  if (typeof queuedAt !== 'number' || !Number.isFinite(queuedAt)) return null;
  const entry: OutboxEntry = { clientMsgId, conversationId, body, state, queuedAt };
  if (typeof replyToSeq === 'number' && Number.isInteger(replyToSeq) && replyToSeq > 0) entry.replyToSeq = replyToSeq;
  if (priority === 'urgent' || priority === 'emergency') entry.priority = priority;
  if (ackRequired === true) entry.ackRequired = true;
  if (files.length > 0) entry.attachments = files;
  if (typeof error === 'string') entry.error = error;
  if (typeof reason === 'string') entry.reason = reason;
  return entry;
}

function isConversation(value: unknown): value is ConversationDto {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.kind === 'string' &&
    typeof value.title === 'string' &&
    typeof value.last_seq === 'number' &&
    typeof value.last_read_seq === 'number' &&
    typeof value.unread === 'number'
  );
}

/** Enough of an AttachmentDto to send it by id and show it. */
function isAttachment(value: unknown): value is AttachmentDto {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.conversation_id === 'string' &&
    typeof value.name === 'string' &&
    typeof value.kind === 'string' &&
    typeof value.size === 'number' &&
    typeof value.content_url === 'string'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
