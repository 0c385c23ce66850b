// @vitest-environment jsdom
// Break-glass on the case page, as a doctor outside the case sees it: a case
// that cannot be opened offers "紧急访问"; the form warns that it is audited
// and the team lead is told, and wants a reason; then the case opens with a
// notice of who used emergency access and why, and its discussion read-only,
// without a composer. And the notice as anyone reading the case sees it.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { BreakGlassDto, CaseDto, MessageDto, UserDto } from '../api/types';
import { setLocale } from '../i18n';
import { zhCN } from '../i18n/zh-CN';
import { RealtimeStoreProvider } from '../realtime/context';
import { RealtimeStore } from '../realtime/store';
import { FakeSocket, message } from '../realtime/testing';
import { authStore, rest } from '../session';
import { rememberUsers } from '../users/cache';
import { BreakGlassNotice } from './BreakGlassNotice';
import { CasePage } from './CasePage';
import { flush, useTestRoot } from '../testing/dom';

const ME = 'user-zhang';
const LEAD = 'user-wang';
const CASE_ID = 'case-1';
const THREAD = 'conv-case-1';

function person(id: string, name: string): UserDto {
  return { id, username: id, display_name: name, role: 'user', title: '', institution: '', care_level: 'tertiary', specialties: [], active: true, created_at: '2026-01-01T00:00:00Z' };
}

const KASE: CaseDto = {
  id: CASE_ID,
  team_id: 'team-cardiology',
  patient: { id: 'p1', name: '冯玉珍', sex: 'female' },
  title: '急性胸痛',
  summary: '',
  status: 'open',
  priority: 'urgent',
  source: 'direct',
  created_by: LEAD,
  conversation_id: THREAD,
  created_at: '2026-05-01T07:00:00Z',
  updated_at: '2026-05-01T07:00:00Z',
};

const inAnHour = () => new Date(Date.now() + 60 * 60_000).toISOString();
/** How an hour from now reads: a time, after tomorrow's date when that is past midnight. */
const AN_HOUR_ON = '(\\d{1,2}月\\d{1,2}日 )?\\d{2}:\\d{2}';
const REASON = '患者在我院急诊，意识不清';

function grant(extra: Partial<BreakGlassDto> = {}): BreakGlassDto {
  return { id: 'bg-1', case_id: CASE_ID, user_id: ME, user_name: '张医生', reason: REASON, started_at: new Date().toISOString(), expires_at: inAnHour(), ...extra };
}

const THREAD_MESSAGES: MessageDto[] = [
  message(THREAD, 1, { sender_id: LEAD, body: '肌钙蛋白 0.8 ng/ml，建议造影' }),
  message(THREAD, 2, { sender_id: LEAD, body: '已联系导管室' }),
];

const dom = useTestRoot();
let store: RealtimeStore;
let socket: FakeSocket;

beforeEach(async () => {
  rememberUsers([person(ME, '张医生'), person(LEAD, '王建国')]);
  authStore.signIn({ accessToken: 'a', refreshToken: 'r', user: person(ME, '张医生') });
  vi.spyOn(rest, 'directory').mockResolvedValue([]);
  vi.spyOn(rest, 'user').mockImplementation(async (id) => person(id, id));

  // The outsider's live connection: none of their conversations is this case's thread.
  const sockets: FakeSocket[] = [];
  store = new RealtimeStore({
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
  socket = sockets[0]!;
  socket.open();
  socket.receive({ type: 'ready', user_id: ME, session_id: 's', connection_id: 'c', live_calls: [], conversations: [], presence: [], unread_notifications: 0 });

});

afterEach(() => {
  store.stop();
  authStore.signOut('user');
  vi.restoreAllMocks();
});

async function mountCase(): Promise<void> {
  act(() =>
    dom.root.render(
      <RealtimeStoreProvider store={store}>
        <CasePage caseId={CASE_ID} />
      </RealtimeStoreProvider>,
    ),
  );
  await flush();
  await flush();
}

function button(name: string): HTMLButtonElement | undefined {
  return [...dom.container.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
}

async function click(b: HTMLButtonElement | undefined): Promise<void> {
  expect(b).toBeDefined();
  act(() => b!.click());
  await flush();
  await flush();
}

function reasonField(): HTMLTextAreaElement {
  const l = [...dom.container.querySelectorAll('label')].find((x) => x.textContent === '原因');
  return document.getElementById(l!.htmlFor) as HTMLTextAreaElement;
}

function type(el: HTMLTextAreaElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const alerts = () => [...dom.container.querySelectorAll('[role="alert"]')].map((a) => a.textContent).filter((text) => text !== '');
const notFound = () => new ApiError('not_found', 'case not found', 404, 'case_not_found');

/** The REST answers of a case the reader cannot open until `breakGlass` is answered. */
function outsider() {
  let granted = false;
  vi.spyOn(rest, 'case').mockImplementation(async () => {
    if (!granted) throw notFound();
    return KASE;
  });
  vi.spyOn(rest, 'breakGlassGrants').mockImplementation(async () => {
    if (!granted) throw notFound();
    return [grant()];
  });
  vi.spyOn(rest, 'caseConsults').mockResolvedValue([]);
  vi.spyOn(rest, 'caseReferrals').mockResolvedValue([]);
  vi.spyOn(rest, 'caseFollowUps').mockRejectedValue(notFound());
  const history = vi.spyOn(rest, 'history').mockResolvedValue({ items: THREAD_MESSAGES });
  const breakGlass = vi.spyOn(rest, 'breakGlass').mockImplementation(async () => {
    granted = true;
    return grant();
  });
  return { breakGlass, history };
}

describe('emergency access to a case outside my teams', () => {
  it('offers it where the case cannot be opened, asks why with a warning, then shows the case read-only', async () => {
    const { breakGlass, history } = outsider();
    await mountCase();
    expect(dom.container.querySelector('h1')?.textContent).toBe('无法打开此病例');
    expect(dom.container.textContent).toContain('您不是负责该患者的团队成员');

    await click(button('紧急访问'));
    const form = dom.container.querySelector('form[aria-label="紧急访问"]')!;
    expect(form.textContent).toContain('紧急访问会被审计');
    expect(form.textContent).toContain('通知团队负责人');
    expect(document.activeElement).toBe(reasonField());

    type(reasonField(), '急诊');
    await click(button('紧急打开'));
    expect(breakGlass).not.toHaveBeenCalled();
    expect(alerts()).toEqual(['请说明需要紧急访问的原因（至少 5 个字）。']);

    type(reasonField(), `  ${REASON} `);
    await click(button('紧急打开'));
    expect(breakGlass).toHaveBeenCalledExactlyOnceWith(CASE_ID, REASON);

    expect(dom.container.querySelector('h1')?.textContent).toBe('急性胸痛');
    const notice = dom.container.querySelector('section[aria-labelledby="break-glass-notice-heading"]')!;
    expect(notice.querySelector('h2')?.textContent).toBe('紧急访问');
    expect(notice.querySelector('li')?.textContent).toMatch(new RegExp(`^张医生 紧急访问：“${REASON}”，有效至 ${AN_HOUR_ON}$`));

    await vi.waitFor(() => expect(dom.container.textContent).toContain('已联系导管室'));
    expect(history).toHaveBeenCalledWith(THREAD, { limit: 50 });
    expect(dom.container.textContent).toContain('肌钙蛋白 0.8 ng/ml');
    expect(dom.container.textContent).toContain('王建国');
    expect(dom.container.querySelector('[role="note"]')?.textContent).toMatch(new RegExp(`^紧急访问为只读：您可在 ${AN_HOUR_ON} 前查看此讨论，但不能发言。$`));
    // No composer, no message actions, no case actions.
    expect(dom.container.querySelector('textarea')).toBeNull();
    expect(button(zhCN['chat.send'])).toBeUndefined();
    expect(button(zhCN['chat.reply'])).toBeUndefined();
    expect(button(zhCN['consult.request'])).toBeUndefined();
  });

  it('says why it was refused, in the user\'s language', async () => {
    outsider();
    vi.spyOn(rest, 'breakGlass').mockRejectedValue(new ApiError('forbidden', 'not a doctor', 403, 'break_glass_not_allowed'));
    await mountCase();
    await click(button('紧急访问'));
    type(reasonField(), REASON);
    await click(button('紧急打开'));
    expect(alerts()).toEqual(['只有在职医生可以使用紧急访问。']);
    expect(dom.container.querySelector('h1')?.textContent).toBe('无法打开此病例');
  });

  it('just opens the case when it turns out readable after all', async () => {
    outsider();
    let readable = false;
    vi.spyOn(rest, 'case').mockImplementation(async () => {
      if (!readable) throw notFound();
      return KASE;
    });
    vi.spyOn(rest, 'breakGlass').mockImplementation(async () => {
      readable = true;
      throw new ApiError('conflict', 'not needed', 409, 'break_glass_not_needed');
    });
    await mountCase();
    await click(button('紧急访问'));
    type(reasonField(), REASON);
    await click(button('紧急打开'));
    expect(dom.container.querySelector('h1')?.textContent).toBe('急性胸痛');
    expect(alerts()).toEqual([]);
  });

  it('cancelling the form sends nothing', async () => {
    const { breakGlass } = outsider();
    await mountCase();
    await click(button('紧急访问'));
    await click(button('取消'));
    expect(dom.container.querySelector('form')).toBeNull();
    expect(button('紧急访问')).toBeDefined();
    expect(breakGlass).not.toHaveBeenCalled();
  });

  it('shows another error as it is, without the offer', async () => {
    vi.spyOn(rest, 'case').mockRejectedValue(new ApiError('network', 'Failed to fetch', 0));
    vi.spyOn(rest, 'breakGlassGrants').mockResolvedValue([]);
    vi.spyOn(rest, 'caseConsults').mockResolvedValue([]);
    vi.spyOn(rest, 'caseReferrals').mockResolvedValue([]);
    await mountCase();
    expect(button('紧急访问')).toBeUndefined();
    expect(alerts()).toHaveLength(1);
  });
});

describe('the notice on a case I can read', () => {
  it('loads again when the thread announces a new emergency access', async () => {
    vi.spyOn(rest, 'case').mockResolvedValue(KASE);
    vi.spyOn(rest, 'caseConsults').mockResolvedValue([]);
    vi.spyOn(rest, 'caseReferrals').mockResolvedValue([]);
    vi.spyOn(rest, 'caseFollowUps').mockResolvedValue([]);
    const other = grant({ user_id: 'user-he', user_name: '何军' });
    const grants = vi.spyOn(rest, 'breakGlassGrants').mockResolvedValueOnce([]).mockResolvedValueOnce([other]);
    await mountCase();
    expect(dom.container.querySelector('h1')?.textContent).toBe('急性胸痛');
    expect(dom.container.textContent).not.toContain('何军 紧急访问');

    act(() => socket.receive({ type: 'message', message: message(THREAD, 3, { sender_id: 'user-he', kind: 'system', body: '何军 opened this case under break-glass' }) }));
    await flush();
    expect(grants).toHaveBeenCalledTimes(2);
    expect(dom.container.querySelector('section[aria-labelledby="break-glass-notice-heading"] li')?.textContent).toContain(`何军 紧急访问：“${REASON}”，有效至`);
    // Someone else's access does not make my view read-only.
    expect(dom.container.querySelector('[role="note"]')).toBeNull();
  });
});

describe('the emergency access notice', () => {
  const renderNotice = (grants: BreakGlassDto[], now: number) => act(() => dom.root.render(<BreakGlassNotice grants={grants} now={now} />));
  const NOW = Date.parse('2026-05-01T06:00:00Z');
  const local = (iso: string) => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

  it('lists running access first, then ended, with who, why and until when', () => {
    const ended = grant({ id: 'old', user_name: '李医生', reason: '夜间会诊', started_at: '2026-05-01T03:00:00Z', expires_at: '2026-05-01T04:00:00Z' });
    const running = grant({ started_at: '2026-05-01T05:30:00Z', expires_at: '2026-05-01T06:30:00Z' });
    renderNotice([ended, running], NOW);
    const lines = [...dom.container.querySelectorAll('li')].map((li) => li.textContent);
    expect(lines).toEqual([`张医生 紧急访问：“${REASON}”，有效至 ${local(running.expires_at)}`, `李医生 紧急访问：“夜间会诊”，已于 ${local(ended.expires_at)} 结束`]);
  });

  it('reads in English too', () => {
    setLocale('en');
    const running = grant({ reason: 'patient unconscious in our ER', expires_at: '2026-05-01T06:30:00Z' });
    renderNotice([running], NOW);
    expect(dom.container.querySelector('h2')?.textContent).toBe('Emergency access');
    expect(dom.container.querySelector('li')?.textContent).toBe(`Emergency access by 张医生: “patient unconscious in our ER”, until ${local(running.expires_at)}`);
  });

  it('is not there when nobody used emergency access', () => {
    renderNotice([], NOW);
    expect(dom.container.innerHTML).toBe('');
  });
});
