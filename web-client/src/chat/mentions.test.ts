import { beforeAll, describe, expect, it } from 'vitest';
import type { UserDto } from '../api/types';
import { insertMention, matchMembers, matchMentions, mentionAt, mentionToken } from './mentions';
import { loadPinyin, nameSyllables, pinyinMatch, spells } from './pinyin';

const user = (id: string, username: string, display_name: string): UserDto => ({
  id,
  username,
  display_name,
  role: 'user',
  title: '',
  institution: '',
  care_level: 'tertiary',
  specialties: [],
  active: true,
  created_at: '2026-01-01T00:00:00Z',
});

describe('mentionAt', () => {
  it('finds a mention being typed, also right after Chinese text', () => {
    expect(mentionAt('请@zha', 5)).toEqual({ start: 1, query: 'zha' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
  });
  it('accepts Chinese characters typed with an IME after the @', () => {
    expect(mentionAt('请@王', 3)).toEqual({ start: 1, query: '王' });
    expect(mentionAt('@王建国', 4)).toEqual({ start: 0, query: '王建国' });
    expect(mentionAt('看一下@Wjg', 7)).toEqual({ start: 3, query: 'wjg' });
  });
  it('ignores e-mail addresses and finished words', () => {
    expect(mentionAt('a@example', 9)).toBeNull();
    expect(mentionAt('@zhangwei hello', 15)).toBeNull();
  });
});

describe('matchMembers', () => {
  const members = [user('1', 'wangjianguo', '王建国'), user('2', 'zhangwei', '张伟'), user('3', 'lixiaohong', '李晓红')];
  it('puts username prefixes first and matches display names', () => {
    expect(matchMembers(members, 'zh', null).map((u) => u.username)).toEqual(['zhangwei']);
    expect(matchMembers(members, '王', null).map((u) => u.username)).toEqual(['wangjianguo']);
    expect(matchMembers(members, '', '1').map((u) => u.username)).toEqual(['zhangwei', 'lixiaohong']);
  });
});

describe('mentions by pinyin', () => {
  beforeAll(() => loadPinyin());
  // Usernames unrelated to the names, so only the pinyin of the display name can match.
  const wang = user('u1', 'dr_w01', '王建国');
  const zhang = user('u2', 'dr_z02', '张伟');
  const li = user('u3', 'dr_l03', '李晓红');
  const members = [zhang, li, wang];
  const names = (q: string) => matchMembers(members, q, null).map((u) => u.display_name);

  it('finds 王建国 by initials, full pinyin, surname, given name and characters', () => {
    for (const q of ['wjg', 'wang', 'wangjianguo', 'wangjg', 'jianguo', '王', '王建', '建国']) expect(names(q), q).toEqual(['王建国']);
  });
  it('finds nobody for an unrelated query', () => {
    expect(names('xyz')).toEqual([]);
    expect(names('wangx')).toEqual([]);
    expect(names('赵')).toEqual([]);
  });
  it('ranks a match from the surname above one inside the name', () => {
    // "h" starts 红 (li xiao hong) only inside the name; "x" starts nobody's surname either.
    const hong = user('u4', 'dr_h04', '黄涛');
    expect(matchMembers([li, hong], 'h', null).map((u) => u.display_name)).toEqual(['黄涛', '李晓红']);
  });
  it('reads surnames as surnames and remembers the syllables per user', () => {
    expect(nameSyllables('s1', '单田芳')).toEqual(['shan', 'tian', 'fang']);
    expect(nameSyllables('s2', '吕娜')).toEqual(['lv', 'na']);
    expect(nameSyllables('s2', '吕娜')).toBe(nameSyllables('s2', '吕娜'));
    expect(nameSyllables('s2', '曾丽')).toEqual(['zeng', 'li']);
  });
  it('spells a name with prefixes of consecutive syllables', () => {
    const s = ['wang', 'jian', 'guo'];
    expect(spells(s, 'wjg')).toBe(true);
    expect(spells(s, 'wjgx')).toBe(false);
    expect(spells(s, 'wg')).toBe(false);
    expect(pinyinMatch(s, 'jg')).toBe('inner');
    expect(pinyinMatch(s, 'w-g')).toBeNull();
  });
});

describe('group mentions', () => {
  const members = [user('1', 'wangjianguo', '王建国'), user('2', 'tao', '黄涛')];
  const tokens = (q: string, groups = true) => matchMentions(members, q, null, { groups }).map(mentionToken);

  it('offers @team and @oncall first when they match', () => {
    expect(tokens('')).toEqual(['team', 'oncall', 'wangjianguo', 'tao']);
    expect(tokens('t')).toEqual(['team', 'tao']);
    expect(tokens('on')).toEqual(['oncall']);
    expect(tokens('值班')).toEqual(['oncall']);
    expect(tokens('全体')).toEqual(['team']);
  });
  it('leaves them out where there is no team (direct messages)', () => {
    expect(tokens('t', false)).toEqual(['tao']);
  });
  it('inserts the group name like a username', () => {
    const q = mentionAt('请@值班', 4)!;
    expect(insertMention('请@值班', 4, q, 'oncall')).toEqual({ text: '请@oncall ', caret: 9 });
  });
});

describe('insertMention', () => {
  it('replaces the typed part with the username and a space', () => {
    const q = mentionAt('请@zh会诊', 4);
    expect(q).not.toBeNull();
    expect(insertMention('请@zh会诊', 4, q!, 'zhangwei')).toEqual({ text: '请@zhangwei 会诊', caret: 11 });
  });
});
