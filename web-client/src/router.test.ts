import { describe, expect, it } from 'vitest';
import { href, parseHash, type Route } from './router';

describe('routes', () => {
  const routes: Route[] = [
    { name: 'work' },
    { name: 'home' },
    { name: 'chat', conversationId: 'abc-1' },
    { name: 'chat', conversationId: 'abc-1', seq: 12 },
    { name: 'case', caseId: 'c/1' },
    { name: 'triage' },
    { name: 'triage', teamId: 't1' },
    { name: 'slots' },
    { name: 'slots', teamId: 't1' },
    { name: 'consults' },
    { name: 'referrals' },
    { name: 'intake' },
    { name: 'newCase' },
    { name: 'people' },
    { name: 'sessions' },
    { name: 'twoFactor' },
    { name: 'admin', tab: 'users' },
    { name: 'admin', tab: 'teams' },
    { name: 'admin', tab: 'audit' },
    { name: 'admin', tab: 'teams', teamId: 't9' },
  ];
  it.each(routes)('round-trips %j', (route) => {
    expect(parseHash(href(route))).toEqual(route);
  });
  it('ignores a chat seq that is not a positive whole number', () => {
    expect(parseHash('#/chat/abc?seq=0')).toEqual({ name: 'chat', conversationId: 'abc' });
    expect(parseHash('#/chat/abc?seq=x')).toEqual({ name: 'chat', conversationId: 'abc' });
    expect(parseHash('#/chat/abc?seq=')).toEqual({ name: 'chat', conversationId: 'abc' });
    expect(parseHash('#/chat/abc?seq=2.5')).toEqual({ name: 'chat', conversationId: 'abc' });
  });
  it('falls back to home on unknown paths', () => {
    expect(parseHash('#/nowhere')).toEqual({ name: 'home' });
    expect(parseHash('#/chat')).toEqual({ name: 'home' });
  });
  it('lands on My work without a path', () => {
    expect(parseHash('')).toEqual({ name: 'work' });
    expect(parseHash('#/')).toEqual({ name: 'work' });
  });
});
