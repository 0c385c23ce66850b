import { describe, expect, it } from 'vitest';
import type { UserDto } from '../api/types';
import { insertMention, matchMembers, mentionAt } from './mentions';

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

describe('insertMention', () => {
  it('replaces the typed part with the username and a space', () => {
    const q = mentionAt('请@zh会诊', 4);
    expect(q).not.toBeNull();
    expect(insertMention('请@zh会诊', 4, q!, 'zhangwei')).toEqual({ text: '请@zhangwei 会诊', caret: 11 });
  });
});
