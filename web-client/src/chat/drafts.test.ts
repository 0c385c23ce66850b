import { describe, expect, it } from 'vitest';
import type { UserDto } from '../api/types';
import { createAuthStore, memoryStorage } from '../auth/store';
import { clearDraftsOnSignOut, DRAFT_MAX_AGE_MS, draftsKey, loadDraft, saveDraft } from './drafts';

describe('drafts', () => {
  it('are kept per user and conversation, and blank text leaves none', () => {
    const storage = memoryStorage();
    saveDraft(storage, 'u1', 'c1', '请复查心电图');
    saveDraft(storage, 'u1', 'c2', 'second');
    saveDraft(storage, 'u2', 'c1', 'other user');
    expect(loadDraft(storage, 'u1', 'c1')).toBe('请复查心电图');
    expect(loadDraft(storage, 'u1', 'c2')).toBe('second');
    expect(loadDraft(storage, 'u2', 'c1')).toBe('other user');
    saveDraft(storage, 'u1', 'c1', '   ');
    expect(loadDraft(storage, 'u1', 'c1')).toBe('');
    saveDraft(storage, 'u1', 'c2', '');
    expect(storage.getItem(draftsKey('u1'))).toBeNull();
  });

  it('forgets drafts older than a week, and survives broken storage content', () => {
    const storage = memoryStorage();
    saveDraft(storage, 'u1', 'c1', 'old', 0);
    expect(loadDraft(storage, 'u1', 'c1', DRAFT_MAX_AGE_MS + 1)).toBe('');
    storage.setItem(draftsKey('u1'), '{not json');
    expect(loadDraft(storage, 'u1', 'c1')).toBe('');
    expect(loadDraft(null, 'u1', 'c1')).toBe('');
  });

  it('are removed when the user signs out, kept when the session merely expires', () => {
    const storage = memoryStorage();
    const auth = createAuthStore(memoryStorage());
    const user = { id: 'u1', username: 'u1', display_name: 'U', role: 'user', title: '', institution: '', care_level: 'tertiary', specialties: [], active: true, created_at: '2026-01-01T00:00:00Z' } satisfies UserDto;
    clearDraftsOnSignOut(auth, storage);
    auth.signIn({ accessToken: 'a', refreshToken: 'r', user });
    saveDraft(storage, 'u1', 'c1', 'kept');
    auth.signOut('expired');
    expect(loadDraft(storage, 'u1', 'c1')).toBe('kept');
    auth.signIn({ accessToken: 'a', refreshToken: 'r', user });
    auth.signOut('user');
    expect(loadDraft(storage, 'u1', 'c1')).toBe('');
  });
});
