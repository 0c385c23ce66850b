// Edits and reactions (SPEC §8) in the conversation reducer: live events,
// my own actions applied at once, and REST copies that may be older.
import { describe, expect, it } from 'vitest';
import type { ConversationDto } from '../generated/ConversationDto';
import {
  conversationReducer,
  initialConversations,
  toggleReaction,
  type ConversationAction,
  type ConversationsState,
  type ConversationState,
} from './conversationReducer';
import { conversation, message } from './testing';

const ME = 'user-me';
const PEER = 'user-peer';
const OTHER = 'user-other';
const C1 = 'conv-1';

function run(state: ConversationsState, ...actions: ConversationAction[]): ConversationsState {
  let current = state;
  for (const action of actions) {
    const before = structuredClone(current);
    const next = conversationReducer(current, action);
    expect(current).toEqual(before);
    current = next;
  }
  return current;
}

function readyWith(...conversations: ConversationDto[]): ConversationsState {
  return run(initialConversations, { type: 'ready', userId: ME, conversations });
}

function conv(state: ConversationsState): ConversationState {
  const c = state.conversations[C1];
  if (c === undefined) throw new Error('no conversation');
  return c;
}

const shown = (state: ConversationsState, seq: number) => conv(state).messages.find((m) => m.seq === seq);

const edited = (seq: number, body: string, editedAt: string, mentions: string[] = []): ConversationAction => ({
  type: 'edited',
  conversationId: C1,
  seq,
  body,
  editedAt,
  mentions,
});

const reaction = (seq: number, userId: string, emoji: string, added: boolean): ConversationAction => ({
  type: 'reaction',
  conversationId: C1,
  seq,
  userId,
  emoji,
  added,
});

/** Two messages received live: seq 1 and 2 (2 is the last message). */
function withTwo(): ConversationsState {
  return run(readyWith(conversation(C1, 0)), { type: 'messages', messages: [message(C1, 1), message(C1, 2)] });
}

describe('message_edited', () => {
  it('replaces the text, mentions and edit time in the list and in the last message', () => {
    const s = run(withTwo(), edited(2, '复查肌钙蛋白', '2026-11-23T03:00:00Z', [ME]));
    expect(shown(s, 2)).toMatchObject({ body: '复查肌钙蛋白', edited_at: '2026-11-23T03:00:00Z', mentions: [ME] });
    expect(conv(s).info.last_message?.body).toBe('复查肌钙蛋白');
    expect(shown(s, 1)?.body).toBe('message 1');
  });

  it('is a no-op the second time, for an unknown message and for an unknown conversation', () => {
    const once = run(withTwo(), edited(1, 'new', '2026-11-23T03:00:00Z'));
    expect(run(once, edited(1, 'new', '2026-11-23T03:00:00Z'))).toBe(once);
    expect(run(once, edited(9, 'new', '2026-11-23T03:00:00Z'))).toBe(once);
    expect(run(once, { ...edited(1, 'x', '2026-11-23T04:00:00Z'), conversationId: 'nowhere' } as ConversationAction)).toBe(once);
  });

  it('ignores an edit older than the one shown (events out of order)', () => {
    const s = run(withTwo(), edited(1, 'second', '2026-11-23T04:00:00Z'));
    expect(run(s, edited(1, 'first', '2026-11-23T03:00:00Z'))).toBe(s);
    expect(shown(s, 1)?.body).toBe('second');
  });

  it('never edits a recalled or a system message', () => {
    let s = run(readyWith(conversation(C1, 0)), {
      type: 'messages',
      messages: [message(C1, 1, { recalled: true, body: '' }), message(C1, 2, { kind: 'system', body: 'assigned' })],
    });
    s = run(s, edited(1, 'back', '2026-11-23T03:00:00Z'));
    expect(run(s, edited(2, 'changed', '2026-11-23T03:00:00Z'))).toBe(s);
    expect(shown(s, 1)?.body).toBe('');
  });

  it('edits a message held back by a gap, which then shows the new text', () => {
    let s = run(readyWith(conversation(C1, 0)), { type: 'messages', messages: [message(C1, 2)] });
    s = run(s, edited(2, 'edited while held', '2026-11-23T03:00:00Z'));
    s = run(s, { type: 'messages', messages: [message(C1, 1)] });
    expect(shown(s, 2)?.body).toBe('edited while held');
  });

  it('keeps the newer text when a REST page read before the edit arrives after it', () => {
    let s = run(withTwo(), edited(1, 'new text', '2026-11-23T03:00:00Z'));
    s = run(s, { type: 'history', conversationId: C1, messages: [message(C1, 1)] });
    expect(shown(s, 1)).toMatchObject({ body: 'new text', edited_at: '2026-11-23T03:00:00Z' });
    // A page with a later edit wins.
    s = run(s, { type: 'history', conversationId: C1, messages: [message(C1, 1, { body: 'newest', edited_at: '2026-11-23T05:00:00Z' })] });
    expect(shown(s, 1)?.body).toBe('newest');
  });
});

describe('reaction', () => {
  it('adds a user to an emoji, in the order first used, and counts each user once', () => {
    const s = run(withTwo(), reaction(1, PEER, '👍', true), reaction(1, OTHER, '收到', true), reaction(1, ME, '👍', true));
    expect(shown(s, 1)?.reactions).toEqual([
      { emoji: '👍', user_ids: [PEER, ME] },
      { emoji: '收到', user_ids: [OTHER] },
    ]);
  });

  it('is idempotent: the same event twice changes nothing', () => {
    const once = run(withTwo(), reaction(1, PEER, '👍', true));
    expect(run(once, reaction(1, PEER, '👍', true))).toBe(once);
    const removed = run(once, reaction(1, PEER, '👍', false));
    expect(run(removed, reaction(1, PEER, '👍', false))).toBe(removed);
  });

  it('drops an emoji when its last user takes it back', () => {
    const s = run(withTwo(), reaction(1, PEER, '👍', true), reaction(1, OTHER, '👍', true), reaction(1, PEER, '👍', false));
    expect(shown(s, 1)?.reactions).toEqual([{ emoji: '👍', user_ids: [OTHER] }]);
    expect(shown(run(s, reaction(1, OTHER, '👍', false)), 1)?.reactions).toEqual([]);
  });

  it('reconciles my optimistic toggle with the echo of the server', () => {
    // I react (applied at once), the echo comes: still one.
    const mine = run(withTwo(), reaction(2, ME, '✅', true));
    expect(run(mine, reaction(2, ME, '✅', true))).toBe(mine);
    expect(conv(mine).info.last_message?.reactions).toEqual([{ emoji: '✅', user_ids: [ME] }]);
    // A refusal: the opposite puts it back.
    expect(shown(run(mine, reaction(2, ME, '✅', false)), 2)?.reactions).toEqual([]);
  });

  it('a REST copy replaces the reactions of the copy shown', () => {
    let s = run(withTwo(), reaction(1, PEER, '👍', true));
    s = run(s, { type: 'history', conversationId: C1, messages: [message(C1, 1, { reactions: [{ emoji: '👍', user_ids: [PEER, OTHER] }] })] });
    expect(shown(s, 1)?.reactions).toEqual([{ emoji: '👍', user_ids: [PEER, OTHER] }]);
  });

  it('toggleReaction returns the same array when nothing changes', () => {
    const list = [{ emoji: '👍', user_ids: [PEER] }];
    expect(toggleReaction(list, PEER, '👍', true)).toBe(list);
    expect(toggleReaction(list, ME, '🙏', false)).toBe(list);
  });
});
