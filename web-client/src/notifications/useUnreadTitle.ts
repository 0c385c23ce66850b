import { useEffect } from 'react';
import { t as translateNow } from '../i18n';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { documentTitle, titleCount, unreadMessages } from './title';

/** Keeps the tab title at "(N) Consilium" while the signed-in shell is shown; back to the app name when it goes. */
export function useUnreadTitle(): void {
  const { t, locale } = useI18n();
  const notifications = useRealtime((s) => s.notifications.unread);
  const messages = useRealtime((s) => unreadMessages(s.conversations));
  const title = documentTitle(titleCount(notifications, messages), t);
  useEffect(() => {
    // Also after a language switch, which resets the title to the app name (i18n syncDocument).
    document.title = title;
  }, [title, locale]);
  useEffect(
    () => () => {
      document.title = translateNow('app.name');
    },
    [],
  );
}
