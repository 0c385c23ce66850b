// @vitest-environment jsdom
// Reactions as a person sees and uses them: chips with counts and who reacted,
// mine marked, the palette, and live events counted once.
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { rest } from '../session';
import { ConversationView } from './ConversationView';
import { REACTION_PALETTE } from './palette';
import { button, C1, click, conversation, ME, messageItem, mountConversation, PEER, recent, settle, type Harness } from './testing';

let h: Harness;
afterEach(() => h.unmount());

async function open(reactions = [{ emoji: '👍', user_ids: [PEER, ME] }, { emoji: '收到', user_ids: [PEER] }]) {
  h = await mountConversation(conversation(C1, 1), [recent(1, { reactions })]);
  h.render(<ConversationView conversationId={C1} />);
  await settle();
}

const chips = () => [...messageItem(h.container, 1).querySelectorAll<HTMLButtonElement>('.reactions button')];
const chip = (emoji: string) => chips().find((b) => b.dataset.emoji === emoji);

describe('reaction chips', () => {
  it('show each emoji with its count, who reacted, and whether I did', async () => {
    await open();
    expect(messageItem(h.container, 1).querySelector('.reactions')?.getAttribute('aria-label')).toBe('表情回应');
    expect(chips().map((b) => b.textContent)).toEqual(['👍2', '收到1']);
    expect(chip('👍')?.getAttribute('aria-pressed')).toBe('true');
    expect(chip('收到')?.getAttribute('aria-pressed')).toBe('false');
    expect(chip('👍')?.getAttribute('aria-label')).toBe('👍：李晓红和我');
    expect(chip('👍')?.title).toBe('👍：李晓红和我');
    // 收到 is a word: a text chip.
    expect(chip('收到')?.querySelector('.reaction__emoji--text')?.textContent).toBe('收到');
  });

  it('a click takes mine back or adds it, at once, and the echo does not count twice', async () => {
    await open();
    const react = vi.spyOn(rest, 'react').mockResolvedValue([]);
    click(chip('👍'));
    expect(react).toHaveBeenLastCalledWith(C1, 1, '👍', false);
    expect(chip('👍')?.textContent).toBe('👍1');
    click(chip('收到'));
    expect(react).toHaveBeenLastCalledWith(C1, 1, '收到', true);
    act(() => h.socket.receive({ type: 'reaction', conversation_id: C1, seq: 1, user_id: ME, emoji: '收到', added: true }));
    act(() => h.socket.receive({ type: 'reaction', conversation_id: C1, seq: 1, user_id: ME, emoji: '收到', added: true }));
    expect(chip('收到')?.textContent).toBe('收到2');
    expect(chip('收到')?.getAttribute('aria-pressed')).toBe('true');
  });

  it('a refusal puts the chip back and says why', async () => {
    await open([]);
    vi.spyOn(rest, 'react').mockRejectedValue(new ApiError('conflict', 'too many', 409, 'too_many_reactions'));
    click(button(messageItem(h.container, 1), '回应李晓红的消息'));
    click(button(messageItem(h.container, 1), '🙏'));
    expect(chip('🙏')?.textContent).toBe('🙏1');
    await settle();
    expect(chip('🙏')).toBeUndefined();
    expect(h.container.querySelector('[role=alert]')?.textContent).toBe('该消息的表情回应种类已达上限（20 种）。');
  });

  it('live events from others add and remove chips', async () => {
    await open([]);
    act(() => h.socket.receive({ type: 'reaction', conversation_id: C1, seq: 1, user_id: PEER, emoji: '✅', added: true }));
    expect(chip('✅')?.getAttribute('aria-label')).toBe('✅：李晓红');
    act(() => h.socket.receive({ type: 'reaction', conversation_id: C1, seq: 1, user_id: PEER, emoji: '✅', added: false }));
    expect(chips()).toEqual([]);
  });
});

describe('the palette', () => {
  it('offers the fixed emoji in order, marks mine, and closes with Escape', async () => {
    await open();
    const react = vi.spyOn(rest, 'react').mockResolvedValue([]);
    const toggle = button(messageItem(h.container, 1), '回应李晓红的消息')!;
    click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const palette = messageItem(h.container, 1).querySelector('[role=group]')!;
    expect(palette.getAttribute('aria-label')).toBe('选择表情回应');
    const items = [...palette.querySelectorAll('button')];
    expect(items.map((b) => b.getAttribute('aria-label'))).toEqual([...REACTION_PALETTE]);
    expect(items.find((b) => b.getAttribute('aria-label') === '👍')?.getAttribute('aria-pressed')).toBe('true');
    act(() => palette.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    expect(messageItem(h.container, 1).querySelector('[role=group]')).toBeNull();
    expect(react).not.toHaveBeenCalled();
  });
});
