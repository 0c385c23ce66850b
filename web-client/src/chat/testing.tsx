// A conversation on screen for component tests (jsdom): a real RealtimeStore
// fed through a fake socket, REST answered by spies on `rest`, and helpers
// to find things the way a person does (by role, name and visible text).
// Not part of the app bundle.
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { vi } from 'vitest';
import type { ConversationDto, MessageDto, UserDto } from '../api/types';
import { setLocale } from '../i18n';
import { CallProvider } from '../calls/context';
import { RealtimeStoreProvider } from '../realtime/context';
import { RealtimeStore } from '../realtime/store';
import { conversation, FakeSocket, message } from '../realtime/testing';
import { rest } from '../session';
import { rememberUsers } from '../users/cache';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

export const ME = 'user-me';
export const PEER = 'user-peer';
export const C1 = 'conv-1';

export function user(id: string, name: string): UserDto {
  return { id, username: id, display_name: name, role: 'user', title: '', institution: '', care_level: 'tertiary', specialties: [], active: true, created_at: '2026-01-01T00:00:00Z' };
}

export const USERS = [user(ME, '王建国'), user(PEER, '李晓红'), user('user-zhang', '张医生')];

export { conversation, message };

/** Messages created a moment ago (editable), from `sender`. */
export function recent(seq: number, extra: Partial<MessageDto> = {}): MessageDto {
  return message(C1, seq, { created_at: new Date(Date.now() - 60_000 + seq).toISOString(), ...extra });
}

export interface Harness {
  container: HTMLElement;
  store: RealtimeStore;
  socket: FakeSocket;
  render: (node: ReactNode) => void;
  unmount: () => void;
}

/**
 * Signs the store in as ME with `info` (the conversation as `ready` gives it)
 * and answers the REST calls a conversation makes: its members, and history
 * pages cut from `messages`.
 */
export async function mountConversation(info: ConversationDto, messages: readonly MessageDto[]): Promise<Harness> {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  setLocale('zh-CN');
  rememberUsers(USERS);
  vi.spyOn(rest, 'conversation').mockResolvedValue({ ...info, members: USERS.map((u) => ({ user: u, last_read_seq: info.last_read_seq })) });
  vi.spyOn(rest, 'history').mockImplementation(async (_id, page) => {
    const before = page.before_seq ?? Number.MAX_SAFE_INTEGER;
    const after = page.after_seq ?? 0;
    const inRange = messages.filter((m) => m.seq < before && m.seq > after);
    const limit = page.limit ?? 50;
    const items = page.after_seq !== undefined ? inRange.slice(0, limit) : inRange.slice(-limit);
    return { items };
  });
  vi.spyOn(rest, 'user').mockImplementation(async (id) => USERS.find((u) => u.id === id) ?? user(id, id));

  const sockets: FakeSocket[] = [];
  const store = new RealtimeStore({
    url: 'ws://test/api/v1/ws',
    token: async () => 'token',
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  store.start();
  await vi.waitFor(() => {
    if (sockets.length === 0) throw new Error('no socket yet');
  });
  const socket = sockets[0]!;
  socket.open();
  socket.receive({ type: 'ready', user_id: ME, session_id: 's', connection_id: 'conn-me', live_calls: [], conversations: [info], presence: [], unread_notifications: 0 });

  const container = document.createElement('div');
  document.body.append(container);
  const root: Root = createRoot(container);
  return {
    container,
    store,
    socket,
    render: (node) =>
      act(() =>
        root.render(
          <RealtimeStoreProvider store={store}>
            <CallProvider>{node}</CallProvider>
          </RealtimeStoreProvider>,
        ),
      ),
    unmount: () => {
      act(() => root.unmount());
      container.remove();
      store.stop();
    },
  };
}

/** Lets pending promises (REST answers) and the renders they cause run. */
export async function settle(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
  });
}

/** A button by its accessible name (aria-label, else its text). */
export function button(root: ParentNode, name: string): HTMLButtonElement | undefined {
  return [...root.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === name);
}

/** The list item of the message with this seq. */
export function messageItem(root: ParentNode, seq: number): HTMLElement {
  const el = root.querySelector<HTMLElement>(`.message[data-seq="${seq}"]`);
  if (el === null) throw new Error(`no message ${seq} on screen`);
  return el;
}

/** Types into a textarea as React sees it. */
export function typeInto(el: HTMLTextAreaElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

export function press(el: Element, key: string, extra: KeyboardEventInit = {}): void {
  act(() => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...extra }));
  });
}

export function click(el: Element | undefined | null): void {
  if (el === undefined || el === null) throw new Error('nothing to click');
  act(() => (el as HTMLElement).click());
}
