// @vitest-environment jsdom
// Editing one's own messages as a person does it: the Edit action, Enter and
// Escape, ArrowUp in an empty composer, "(edited)", and the edit history.
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { setLocale } from '../i18n';
import { rest } from '../session';
import { ConversationView } from './ConversationView';
import { button, C1, click, conversation, ME, messageItem, mountConversation, press, recent, settle, typeInto, type Harness } from './testing';

let h: Harness;
afterEach(() => h.unmount());

async function open(messages = [recent(1, { body: '患者血压 160/100' }), recent(2, { sender_id: ME, body: '请复查心电图' })]) {
  h = await mountConversation(conversation(C1, messages.length), messages);
  h.render(<ConversationView conversationId={C1} />);
  await settle();
}

const editor = () => h.container.querySelector<HTMLTextAreaElement>('textarea[aria-label="编辑消息"]');
const composer = () => h.container.querySelector<HTMLTextAreaElement>('.composer__input')!;

describe('editing my message', () => {
  it('offers Edit on my messages only, saves with Enter and shows "(edited)" with the time', async () => {
    await open();
    expect(button(messageItem(h.container, 1), '编辑')).toBeUndefined();
    const edit = vi.spyOn(rest, 'editMessage').mockImplementation(async (_c, seq, body) => recent(seq, { sender_id: ME, body, edited_at: '2026-12-05T08:00:00Z' }));

    click(button(messageItem(h.container, 2), '编辑'));
    expect(editor()?.value).toBe('请复查心电图');
    typeInto(editor()!, '请复查心电图和肌钙蛋白');
    press(editor()!, 'Enter');
    await settle();

    expect(edit).toHaveBeenCalledWith(C1, 2, '请复查心电图和肌钙蛋白');
    expect(editor()).toBeNull();
    const item = messageItem(h.container, 2);
    expect(item.querySelector('.message__body')?.textContent).toContain('请复查心电图和肌钙蛋白');
    const marker = item.querySelector('.message__edited')!;
    expect(marker.textContent).toBe('（已编辑）');
    expect(marker.getAttribute('title')).toMatch(/^编辑于 /);
  });

  it('Escape cancels without saving; Cancel too', async () => {
    await open();
    const edit = vi.spyOn(rest, 'editMessage');
    click(button(messageItem(h.container, 2), '编辑'));
    typeInto(editor()!, 'changed my mind');
    press(editor()!, 'Escape');
    expect(editor()).toBeNull();
    expect(messageItem(h.container, 2).textContent).toContain('请复查心电图');
    click(button(messageItem(h.container, 2), '编辑'));
    click(button(messageItem(h.container, 2), '取消'));
    expect(editor()).toBeNull();
    expect(edit).not.toHaveBeenCalled();
  });

  it('ArrowUp in an empty composer edits my last message that is not recalled', async () => {
    await open([recent(1, { sender_id: ME, body: 'first of mine' }), recent(2, { body: 'theirs' }), recent(3, { sender_id: ME, recalled: true, body: '' })]);
    typeInto(composer(), 'not empty');
    press(composer(), 'ArrowUp');
    expect(editor()).toBeNull();
    typeInto(composer(), '');
    press(composer(), 'ArrowUp');
    expect(editor()?.value).toBe('first of mine');
    expect(editor()?.closest('.message')?.getAttribute('data-seq')).toBe('1');
  });

  it('a refusal is shown in words and the text is kept', async () => {
    await open();
    vi.spyOn(rest, 'editMessage').mockRejectedValue(new ApiError('conflict', 'edit window passed', 409, 'edit_window_passed'));
    click(button(messageItem(h.container, 2), '编辑'));
    typeInto(editor()!, 'too late');
    press(editor()!, 'Enter');
    await settle();
    expect(h.container.querySelector('[role=alert]')?.textContent).toBe('已超过可编辑时间，无法再修改此消息。');
    expect(editor()?.value).toBe('too late');
  });

  it('a live message_edited event changes the text for everyone who has it', async () => {
    await open();
    act(() => h.socket.receive({ type: 'message_edited', conversation_id: C1, seq: 1, body: '患者血压 150/95', edited_at: '2026-12-05T08:00:00Z', mentions: [] }));
    const item = messageItem(h.container, 1);
    expect(item.textContent).toContain('患者血压 150/95');
    expect(item.querySelector('.message__edited')).not.toBeNull();
  });
});

describe('edit history', () => {
  it('lists every version, oldest first, the last being the current text', async () => {
    await open([recent(1, { sender_id: ME, body: 'v3', edited_at: '2026-12-05T09:00:00Z' })]);
    vi.spyOn(rest, 'messageVersions').mockResolvedValue([
      { body: 'v1', edited_at: '2026-12-05T07:00:00Z', editor_id: ME },
      { body: 'v2', edited_at: '2026-12-05T08:00:00Z', editor_id: ME },
      { body: 'v3', edited_at: '2026-12-05T09:00:00Z', editor_id: ME },
    ]);
    click(button(messageItem(h.container, 1), '修改记录'));
    await settle();
    const dialog = document.querySelector('[role=dialog]')!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const versions = [...dialog.querySelectorAll('.history-version')];
    expect(versions.map((v) => v.querySelector('.history-version__body')?.textContent?.trim())).toEqual(['v1', 'v2', 'v3']);
    expect(versions[0]?.textContent).toContain('原始版本');
    expect(versions[2]?.textContent).toContain('当前版本');
    expect(versions[0]?.textContent).toContain('王建国');
    press(dialog, 'Escape');
    expect(document.querySelector('[role=dialog]')).toBeNull();
  });

  it('tells someone who may not see it why, in their language', async () => {
    await open([recent(1, { body: 'theirs', edited_at: '2026-12-05T09:00:00Z' })]);
    act(() => setLocale('en'));
    vi.spyOn(rest, 'messageVersions').mockRejectedValue(new ApiError('forbidden', 'no', 403, 'versions_forbidden'));
    click(button(messageItem(h.container, 1), 'Edit history'));
    await settle();
    expect(document.querySelector('[role=dialog] [role=alert]')?.textContent).toBe(
      'Only the sender, the team lead and administrators can see earlier versions.',
    );
    click(button(document.querySelector('[role=dialog]')!, 'Close'));
  });
});
