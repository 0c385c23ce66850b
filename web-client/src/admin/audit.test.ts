import { describe, expect, it } from 'vitest';
import type { AuditEventDto } from '../api/types';
import { appendPage, auditQuery, EMPTY_AUDIT_FILTER, matchesAction, shortId, withTargetTypes } from './audit';

const event = (id: number, action: string, target_type: string): AuditEventDto => ({ id, at: '2026-01-02T03:04:05Z', action, target_type, detail: {} });

describe('auditQuery', () => {
  it('leaves blank filters out and sends the target type trimmed', () => {
    expect(auditQuery(EMPTY_AUDIT_FILTER)).toEqual({});
    expect(auditQuery({ action: 'login', targetType: '  team ' }, { limit: 50 })).toEqual({ target_type: 'team', limit: 50 });
    expect(auditQuery({ action: '', targetType: '' }, { limit: 50, cursor: 'c2' })).toEqual({ limit: 50, cursor: 'c2' });
  });
});

describe('matchesAction', () => {
  it('matches part of the action, ignoring case and surrounding blanks', () => {
    expect(matchesAction(event(1, 'login_failed', 'user'), '')).toBe(true);
    expect(matchesAction(event(1, 'login_failed', 'user'), ' LOGIN ')).toBe(true);
    expect(matchesAction(event(1, 'member_added', 'team'), 'login')).toBe(false);
  });
});

describe('withTargetTypes', () => {
  it('adds new types sorted, and keeps the same list when nothing is new', () => {
    const known = withTargetTypes([], [event(1, 'a', 'user'), event(2, 'b', 'team'), event(3, 'c', 'user')]);
    expect(known).toEqual(['team', 'user']);
    expect(withTargetTypes(known, [event(4, 'd', 'team')])).toBe(known);
    expect(withTargetTypes(known, [event(5, 'e', 'case')])).toEqual(['case', 'team', 'user']);
  });
});

describe('appendPage', () => {
  it('appends without repeating an event and takes the new cursor', () => {
    const first = { items: [event(9, 'a', 'user'), event(8, 'b', 'user')], next_cursor: 'c1' };
    expect(appendPage(first, { items: [event(8, 'b', 'user'), event(7, 'c', 'user')], next_cursor: 'c2' })).toEqual({
      items: [event(9, 'a', 'user'), event(8, 'b', 'user'), event(7, 'c', 'user')],
      next_cursor: 'c2',
    });
    expect(appendPage(first, { items: [event(6, 'd', 'user')] })).not.toHaveProperty('next_cursor');
  });
});

describe('shortId', () => {
  it('shortens a UUID and leaves short ids alone', () => {
    expect(shortId('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toBe('0190a1b2…');
    expect(shortId('42')).toBe('42');
  });
});
