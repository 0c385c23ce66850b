// @vitest-environment jsdom
// The message list as a reader meets it: timeline entries between the talk,
// where reading starts, the "new messages" pill, long messages folded, and
// the draft kept in the composer.
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLocale } from '../i18n';
import { ConversationView } from './ConversationView';
import { button, C1, click, conversation, ME, message, messageItem, mountConversation, recent, settle, typeInto, type Harness } from './testing';

let h: Harness | undefined;
afterEach(() => {
  h?.unmount();
  h = undefined;
  localStorage.clear();
});

async function open(info: ReturnType<typeof conversation>, messages: ReturnType<typeof message>[], focusSeq?: number) {
  const harness = await mountConversation(info, messages);
  h = harness;
  harness.render(<ConversationView conversationId={C1} focusSeq={focusSeq} />);
  await settle();
  return harness;
}

const list = (x: Harness) => x.container.querySelector<HTMLOListElement>('ol.messages')!;

describe('timeline entries', () => {
  it('are centred sentences in seq order with the talk, naming who took the step, without actions', async () => {
    const x = await open(conversation(C1, 3, { kind: 'case' }), [
      message(C1, 1, { body: '患者胸痛3天' }),
      message(C1, 2, { kind: 'system', sender_id: 'user-zhang', body: '', system: { event: 'case_assigned', assignee_id: ME, assignee_name: '王建国' } }),
      message(C1, 3, { body: '收到，马上看' }),
    ]);
    const seqs = [...list(x).querySelectorAll('[data-seq]')].map((e) => e.getAttribute('data-seq'));
    expect(seqs).toEqual(['1', '2', '3']);
    const entry = messageItem(x.container, 2);
    expect(entry.classList).toContain('system-entry');
    expect(entry.querySelector('.system-entry__sentence')?.textContent).toBe('张医生 将病例分配给 王建国');
    expect(entry.querySelectorAll('button')).toHaveLength(0);
    act(() => setLocale('en'));
    expect(entry.querySelector('.system-entry__sentence')?.textContent).toBe('张医生 assigned the case to 王建国');
  });

  it('a consult opinion shows its assessment and recommendation', async () => {
    const x = await open(conversation(C1, 1, { kind: 'consult' }), [
      message(C1, 1, { kind: 'system', body: '', system: { event: 'consult_completed', assessment: '低血糖可能参与晕厥', recommendation: '动态血糖监测3天' } }),
    ]);
    const entry = messageItem(x.container, 1);
    expect([...entry.querySelectorAll('dt')].map((d) => d.textContent)).toEqual(['诊断意见', '处理建议']);
    expect([...entry.querySelectorAll('dd')].map((d) => d.textContent)).toEqual(['低血糖可能参与晕厥', '动态血糖监测3天']);
  });
});

describe('where reading starts', () => {
  it('opening with unread messages puts the "Unread messages" divider above the first unread one and scrolls there', async () => {
    // A layout: the list's top at 100 px, the divider 700 px down the page; lists remember their scrollTop.
    const tops = new WeakMap<Element, number>();
    const scrollTop = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollTop')!;
    Object.defineProperty(HTMLOListElement.prototype, 'scrollTop', {
      configurable: true,
      get(this: Element) {
        return tops.get(this) ?? 0;
      },
      set(this: Element, v: number) {
        tops.set(this, v);
      },
    });
    vi.spyOn(Element.prototype, 'getBoundingClientRect').mockImplementation(function (this: Element) {
      const top = this.matches('ol') ? 100 : this.matches('[role=separator]') ? 700 : 0;
      return { top, bottom: top + 20, left: 0, right: 0, width: 0, height: 20, x: 0, y: top, toJSON: () => ({}) } as DOMRect;
    });
    const x = await open(conversation(C1, 5, { last_read_seq: 3, unread: 2 }), [1, 2, 3, 4, 5].map((seq) => message(C1, seq)));
    Object.defineProperty(HTMLOListElement.prototype, 'scrollTop', scrollTop);
    expect(tops.get(list(x))).toBe(592); // the divider at the top of the list, less a small margin
    const divider = list(x).querySelector('[role=separator]')!;
    expect(divider.getAttribute('aria-label')).toBe('以下为未读消息');
    expect(divider.nextElementSibling?.getAttribute('data-seq')).toBe('4');
    expect(list(x).querySelectorAll('[role=separator]')).toHaveLength(1);
    // The divider stays where reading started, also once read and when more arrive.
    act(() => x.socket.receive({ type: 'message', message: message(C1, 6) }));
    expect(list(x).querySelector('[role=separator]')?.nextElementSibling?.getAttribute('data-seq')).toBe('4');
  });

  it('no divider when everything is read', async () => {
    const x = await open(conversation(C1, 2), [message(C1, 1), message(C1, 2)]);
    expect(list(x).querySelector('[role=separator]')).toBeNull();
  });

  it('loads older history down to a linked message and highlights it', async () => {
    const all = Array.from({ length: 120 }, (_, i) => message(C1, i + 1));
    const x = await open(conversation(C1, 120), all, 30);
    await settle();
    expect(list(x).querySelector('[data-seq="30"]')?.classList).toContain('message--focused');
    const seqs = [...list(x).querySelectorAll('[data-seq]')].map((e) => Number(e.getAttribute('data-seq')));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i)); // contiguous
  });
});

/** Makes the list report a scroll position: `fromBottom` pixels above its end. */
function scrollTo(el: HTMLElement, fromBottom: number) {
  let top = 1000 - 400 - fromBottom;
  Object.defineProperty(el, 'scrollHeight', { configurable: true, get: () => 1000 });
  Object.defineProperty(el, 'clientHeight', { configurable: true, get: () => 400 });
  Object.defineProperty(el, 'scrollTop', { configurable: true, get: () => top, set: (v: number) => (top = Math.min(v, 600)) });
  act(() => el.dispatchEvent(new Event('scroll')));
}

describe('the new-messages pill', () => {
  it('appears with a count while scrolled up, takes the reader down, and goes away at the bottom', async () => {
    const x = await open(conversation(C1, 3), [1, 2, 3].map((seq) => message(C1, seq)));
    scrollTo(list(x), 300);
    act(() => x.socket.receive({ type: 'message', message: message(C1, 4) }));
    expect(button(x.container, '1 条新消息 ↓')).toBeDefined();
    act(() => x.socket.receive({ type: 'message', message: message(C1, 5) }));
    act(() => x.socket.receive({ type: 'message', message: message(C1, 6, { sender_id: ME }) }));
    const pill = button(x.container, '2 条新消息 ↓')!;
    click(pill);
    expect(list(x).scrollTop).toBe(600);
    expect(x.container.querySelector('.new-messages')).toBeNull();
  });

  it('does not appear at the bottom, and goes away when the reader scrolls down', async () => {
    const x = await open(conversation(C1, 1), [message(C1, 1)]);
    scrollTo(list(x), 0);
    act(() => x.socket.receive({ type: 'message', message: message(C1, 2) }));
    expect(x.container.querySelector('.new-messages')).toBeNull();
    scrollTo(list(x), 300);
    act(() => x.socket.receive({ type: 'message', message: message(C1, 3) }));
    expect(x.container.querySelector('.new-messages')?.textContent).toBe('1 条新消息 ↓');
    scrollTo(list(x), 10);
    expect(x.container.querySelector('.new-messages')).toBeNull();
  });
});

describe('long messages', () => {
  it('fold behind "Show more" / "Show less"; short ones do not', async () => {
    const long = Array.from({ length: 20 }, (_, i) => `第${i + 1}行：检查结果`).join('\n');
    const x = await open(conversation(C1, 2), [recent(1, { body: long }), recent(2, { body: '短消息' })]);
    const more = button(messageItem(x.container, 1), '展开全文')!;
    expect(more.getAttribute('aria-expanded')).toBe('false');
    expect(messageItem(x.container, 1).querySelector('.message__fold--closed')).not.toBeNull();
    click(more);
    expect(more.textContent).toBe('收起');
    expect(more.getAttribute('aria-expanded')).toBe('true');
    expect(messageItem(x.container, 1).querySelector('.message__fold--closed')).toBeNull();
    expect(button(messageItem(x.container, 2), '展开全文')).toBeUndefined();
    expect(messageItem(x.container, 2).querySelector('.message__fold')).toBeNull();
    // 800 characters on one line fold too.
    act(() => x.socket.receive({ type: 'message', message: recent(3, { body: '长'.repeat(801) }) }));
    expect(button(messageItem(x.container, 3), '展开全文')).toBeDefined();
  });
});

describe('drafts', () => {
  it('keep what was typed per conversation across a remount (switching or reloading), and sending clears it', async () => {
    let x = await open(conversation(C1, 1), [message(C1, 1)]);
    typeInto(x.container.querySelector<HTMLTextAreaElement>('.composer__input')!, '明早查房时再看');
    x.unmount();
    x = await open(conversation(C1, 1), [message(C1, 1)]);
    const input = x.container.querySelector<HTMLTextAreaElement>('.composer__input')!;
    expect(input.value).toBe('明早查房时再看');
    act(() => input.form!.requestSubmit());
    expect(input.value).toBe('');
    x.unmount();
    x = await open(conversation(C1, 1), [message(C1, 1)]);
    expect(x.container.querySelector<HTMLTextAreaElement>('.composer__input')!.value).toBe('');
  });

  it('an empty composer leaves no draft', async () => {
    const x = await open(conversation(C1, 1), [message(C1, 1)]);
    const input = x.container.querySelector<HTMLTextAreaElement>('.composer__input')!;
    typeInto(input, 'x');
    typeInto(input, '');
    expect(Object.keys(localStorage).filter((k) => k.startsWith('consilium.drafts'))).toEqual([]);
  });
});
