// Where a reader is in a conversation (SPEC §8 everyday messaging), as pure
// functions of what the list holds: the first unread message when the
// conversation is opened (marked by an "Unread messages" divider and scrolled
// to), and how many messages arrived below while the reader was scrolled up
// (the "New messages ↓" pill).

import type { MessageDto } from '../api/types';
import type { ConversationState } from '../realtime/store';

/** Seq of the first message I have not read, when there is one (taken when the conversation is opened). */
export function firstUnreadSeq(c: ConversationState | undefined): number | undefined {
  if (c === undefined || c.info.unread <= 0 || c.info.last_read_seq >= c.info.last_seq) return undefined;
  return c.info.last_read_seq + 1;
}

/** The loaded message the unread divider goes above: the first one at or after the first unread seq. */
export function dividerSeq(messages: readonly MessageDto[], firstUnread: number | undefined): number | undefined {
  if (firstUnread === undefined) return undefined;
  return messages.find((m) => m.seq >= firstUnread)?.seq;
}

/** Messages of others below `seenSeq` (the newest one the reader saw at the bottom). */
export function newMessagesBelow(messages: readonly MessageDto[], seenSeq: number, me: string | null): number {
  let count = 0;
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i]!;
    if (m.seq <= seenSeq) break;
    if (m.sender_id !== me) count += 1;
  }
  return count;
}
