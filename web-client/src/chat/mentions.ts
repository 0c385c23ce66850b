// @mention autocomplete in the composer: what is being typed, who matches,
// and the text after picking someone. The server resolves `@username` among
// the conversation's members (docs/protocol.md, "Mentions"), so the inserted
// token is always the username, whatever name the list showed.

import type { UserDto } from '../api/types';

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** What follows it, lower-cased. */
  query: string;
}

/** The mention being typed just before the caret, if any. `@` must not follow a letter, digit or `_`. */
export function mentionAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const m = /(^|[^A-Za-z0-9_])@([A-Za-z0-9_.-]{0,32})$/.exec(before);
  if (m === null) return null;
  const query = m[2] ?? '';
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}

/** Members matching the query: username prefix first, then any name containing it. */
export function matchMembers(members: readonly UserDto[], query: string, excludeId: string | null, limit = 8): UserDto[] {
  const q = query.toLowerCase();
  const candidates = members.filter((u) => u.id !== excludeId && u.active);
  const prefix = candidates.filter((u) => u.username.startsWith(q));
  const rest = candidates.filter(
    (u) => !prefix.includes(u) && (u.username.includes(q) || u.display_name.toLowerCase().includes(q)),
  );
  return [...prefix, ...rest].slice(0, limit);
}

/** Replaces the typed mention with `@username ` and returns the new text and caret. */
export function insertMention(text: string, caret: number, mention: MentionQuery, username: string): { text: string; caret: number } {
  const inserted = `@${username} `;
  const next = text.slice(0, mention.start) + inserted + text.slice(caret);
  return { text: next, caret: mention.start + inserted.length };
}
