// @vitest-environment jsdom
// The @ list as a person sees it: group mentions with what they do, in the
// reader's language, then members by name and username; picking reports the entry.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import type { UserDto } from '../api/types';
import { setLocale } from '../i18n';
import { MentionList } from './MentionList';
import type { MentionCandidate } from './mentions';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

const wang = { id: 'u1', username: 'wangjianguo', display_name: '王建国', active: true } as UserDto;
const matches: MentionCandidate[] = [
  { kind: 'group', group: 'team' },
  { kind: 'group', group: 'oncall' },
  { kind: 'user', user: wang },
];

describe('<MentionList>', () => {
  it('explains the group mentions and lists members, in Chinese and English', () => {
    globalThis.IS_REACT_ACT_ENVIRONMENT = true;
    const container = document.createElement('div');
    document.body.append(container);
    const root = createRoot(container);
    const onPick = vi.fn();
    act(() => setLocale('zh-CN'));
    act(() => root.render(<MentionList id="m" matches={matches} active={2} onPick={onPick} />));
    const list = container.querySelector('[role="listbox"]')!;
    expect(list.getAttribute('aria-label')).toBe('提及成员');
    const options = [...list.querySelectorAll('[role="option"]')];
    expect(options.map((o) => o.textContent)).toEqual(['全体成员 @team通知团队全体成员', '值班人员 @oncall通知当前值班的团队成员', '王建国 @wangjianguo']);
    expect(options.map((o) => o.getAttribute('aria-selected'))).toEqual(['false', 'false', 'true']);

    act(() => {
      options[1]!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
    });
    expect(onPick).toHaveBeenCalledWith({ kind: 'group', group: 'oncall' });

    act(() => setLocale('en'));
    expect(container.querySelector('[role="option"]')!.textContent).toBe('Whole team @teamNotifies everyone in the team');
    act(() => root.unmount());
    container.remove();
  });
});
