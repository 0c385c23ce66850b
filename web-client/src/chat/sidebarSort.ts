// How the sidebar orders the conversations within each section: by recent
// activity (the default), unread ones first, or by name. The choice is kept
// in localStorage, per browser.

import type { KeyValueStorage } from '../auth/store';
import type { Locale } from '../i18n';
import { lastActivity, type ConversationState } from '../realtime/store';

export const SIDEBAR_SORTS = ['recent', 'unread', 'name'] as const;
export type SidebarSort = (typeof SIDEBAR_SORTS)[number];

export const SIDEBAR_SORT_KEY = 'consilium.sidebar.sort';

export function readSidebarSort(storage: KeyValueStorage | null): SidebarSort {
  try {
    const value = storage?.getItem(SIDEBAR_SORT_KEY);
    return (SIDEBAR_SORTS as readonly string[]).includes(value ?? '') ? (value as SidebarSort) : 'recent';
  } catch {
    return 'recent';
  }
}

export function saveSidebarSort(storage: KeyValueStorage | null, sort: SidebarSort): void {
  try {
    storage?.setItem(SIDEBAR_SORT_KEY, sort);
  } catch {
    // Storage full or blocked: the choice lasts for this page.
  }
}

/** The order of one sidebar section; names compare in the reader's language (pinyin order in Chinese). */
export function compareConversations(sort: SidebarSort, locale: Locale): (a: ConversationState, b: ConversationState) => number {
  const byName = (a: ConversationState, b: ConversationState) => a.info.title.localeCompare(b.info.title, locale);
  const byActivity = (a: ConversationState, b: ConversationState) => lastActivity(b) - lastActivity(a) || byName(a, b);
  switch (sort) {
    case 'recent':
      return byActivity;
    case 'unread':
      return (a, b) => Number(b.info.unread > 0) - Number(a.info.unread > 0) || byActivity(a, b);
    case 'name':
      return (a, b) => byName(a, b) || byActivity(a, b);
  }
}
