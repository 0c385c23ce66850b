// @mention autocomplete in the composer: what is being typed, who matches,
// and the text after picking someone. The server resolves `@username` among
// the conversation's members (docs/protocol.md, "Mentions"), so the inserted
// token is always the username, whatever name the list showed.
//
// A member matches by username, by display name (`@王`, typed with an IME) and
// by the pinyin of the display name: initials (`@wjg` → 王建国), full pinyin
// (`@wang`, `@wangjianguo`) or the given name (`@jianguo`); see pinyin.ts.
// The group mentions `@team` (the whole team) and `@oncall` (those on duty)
// come first when they match.

import type { UserDto } from '../api/types';
import { nameSyllables, pinyinMatch } from './pinyin';

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** What follows it, lower-cased. */
  query: string;
}

/**
 * The mention being typed just before the caret, if any: letters, digits,
 * `_.-` or Chinese characters after an `@` that does not follow a letter, digit or `_`.
 */
export function mentionAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const m = /(^|[^A-Za-z0-9_])@([A-Za-z0-9_.\-\p{Script=Han}]{0,32})$/u.exec(before);
  if (m === null) return null;
  const query = m[2] ?? '';
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}

/** The group mentions the server understands (reserved usernames). */
export type GroupMention = 'team' | 'oncall';

/** What each group may also be looked up by: English words, pinyin and its initials, Chinese. */
const GROUP_ALIASES: Record<GroupMention, readonly string[]> = {
  team: ['team', 'all', 'quanti', 'qt', '全体', '所有人', '团队'],
  oncall: ['oncall', 'zhiban', 'zb', '值班'],
};

export type MentionCandidate = { kind: 'group'; group: GroupMention } | { kind: 'user'; user: UserDto };

/** The token a candidate inserts (without the `@`). */
export function mentionToken(candidate: MentionCandidate): string {
  return candidate.kind === 'group' ? candidate.group : candidate.user.username;
}

/** 0: username prefix; 1: the name from its start (characters or pinyin); 2: anywhere in it; null: no match. */
function userRank(u: UserDto, q: string): number | null {
  if (u.username.startsWith(q)) return 0;
  const name = u.display_name.toLowerCase();
  const syllables = nameSyllables(u.id, u.display_name);
  const byPinyin = syllables === undefined ? null : pinyinMatch(syllables, q);
  if (name.startsWith(q) || byPinyin === 'start') return 1;
  if (u.username.includes(q) || name.includes(q) || byPinyin === 'inner') return 2;
  return null;
}

/** Active members other than me matching the query, best first. */
export function matchMembers(members: readonly UserDto[], query: string, excludeId: string | null, limit = 8): UserDto[] {
  const q = query.toLowerCase();
  return members
    .filter((u) => u.id !== excludeId && u.active)
    .map((user, index) => ({ user, index, rank: userRank(user, q) }))
    .filter((x): x is { user: UserDto; index: number; rank: number } => x.rank !== null)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .slice(0, limit)
    .map((x) => x.user);
}

/** The list under the composer: matching group mentions (when `groups`, i.e. the conversation has a team) first, then members. */
export function matchMentions(
  members: readonly UserDto[],
  query: string,
  excludeId: string | null,
  options: { groups: boolean; limit?: number },
): MentionCandidate[] {
  const q = query.toLowerCase();
  const limit = options.limit ?? 8;
  const groups: MentionCandidate[] = options.groups
    ? (Object.keys(GROUP_ALIASES) as GroupMention[])
        .filter((g) => GROUP_ALIASES[g].some((alias) => alias.startsWith(q)))
        .map((group) => ({ kind: 'group', group }))
    : [];
  const users = matchMembers(members, q, excludeId, limit).map((user): MentionCandidate => ({ kind: 'user', user }));
  return [...groups, ...users].slice(0, limit);
}

/** Replaces the typed mention with `@username ` and returns the new text and caret. */
export function insertMention(text: string, caret: number, mention: MentionQuery, username: string): { text: string; caret: number } {
  const inserted = `@${username} `;
  const next = text.slice(0, mention.start) + inserted + text.slice(caret);
  return { text: next, caret: mention.start + inserted.length };
}
