// The tab title counts what waits for the user, so a doctor sees it from
// another tab: "(N) Consilium", where N is their unread notifications plus
// the unread messages of all their conversations; plain "Consilium" at 0.

import type { Translate } from '../i18n';
import type { ConversationState } from '../realtime/store';

/** Unread messages across all the user's conversations. */
export function unreadMessages(conversations: Readonly<Record<string, Pick<ConversationState, 'info'>>>): number {
  let total = 0;
  for (const c of Object.values(conversations)) total += Math.max(0, c.info.unread);
  return total;
}

/** What the title counts: unread notifications plus unread messages. */
export function titleCount(unreadNotifications: number, unreadMessageTotal: number): number {
  return Math.max(0, unreadNotifications) + Math.max(0, unreadMessageTotal);
}

/** "(3) Consilium", or the plain app name when nothing is unread. */
export function documentTitle(count: number, t: Translate): string {
  return count > 0 ? t('app.titleUnread', { count }) : t('app.name');
}
