// The notification centre in the header (SPEC §7): a bell with the unread
// count, and a panel listing the user's notifications, newest first, in the
// reader's language. Opening one marks it read and goes where it leads; "mark
// all read"; more with the cursor. The count and the list live in the
// realtime store (realtime/notificationsReducer.ts), fed by the socket's
// `ready`, `notification` and `notifications_read` and by what is loaded and
// marked here. New ones also go to the desktop while the tab is hidden, once
// the user has enabled it here (desktop.ts).
//
// NotificationBell and NotificationPanel take plain props so tests can render
// them without a store or a server.

import { useCallback, useEffect, useId, useMemo, useRef, useState, type RefObject } from 'react';
import type { NotificationDto } from '../api/types';
import { CameraIcon } from '../calls/CallButton';
import { browserStorage } from '../auth/store';
import { useI18n } from '../i18n/useI18n';
import { useDismiss } from '../ui/useDismiss';
import { useRealtime, useRealtimeEvent, useRealtimeStore } from '../realtime/context';
import type { NotificationsState } from '../realtime/store';
import { navigate } from '../router';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { formatDateTime, formatRelative } from '../ui/format';
import {
  browserDesktopEnvironment,
  desktopSetting,
  disableDesktop,
  enableDesktop,
  permissionOf,
  preferenceOf,
  showDesktop,
  type DesktopSetting,
} from './desktop';
import { myDutyStatus } from '../users/duty';
import { attentionFor } from './attention';
import { hasInteracted, playUrgentBeep } from './sound';
import { notificationDetail, notificationRoute, notificationText } from './text';

/** How many the panel loads at a time. */
const PANEL_PAGE = 20;

export function NotificationCenter() {
  const store = useRealtimeStore();
  const { t } = useI18n();
  const state = useRealtime((s) => s.notifications);
  const [open, setOpen] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const wrapperRef = useRef<HTMLDivElement>(null);
  const bellRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) bellRef.current?.focus();
  }, []);

  // The first page when the panel opens, and again when what is loaded may be out of date.
  const needsLoad = open && (!state.loaded || state.stale);
  useEffect(() => {
    if (!needsLoad) return;
    let live = true;
    setLoading(true);
    setError(undefined);
    rest.notifications({ limit: PANEL_PAGE }).then(
      (page) => {
        if (!live) return;
        store.updateNotifications({ type: 'page', items: page.items, nextCursor: page.next_cursor ?? null, first: true });
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [needsLoad, store]);

  async function loadMore() {
    const cursor = store.getState().notifications.nextCursor;
    if (cursor === null || loading) return;
    setLoading(true);
    setError(undefined);
    try {
      const page = await rest.notifications({ limit: PANEL_PAGE, cursor });
      store.updateNotifications({ type: 'page', items: page.items, nextCursor: page.next_cursor ?? null, first: false });
    } catch (failure) {
      setError(failure);
    } finally {
      setLoading(false);
    }
  }

  /** Marks it read (at once here, then on the server) and goes where it leads. */
  const openNotification = useCallback(
    (n: NotificationDto) => {
      if (n.read_at === undefined) {
        store.updateNotifications({ type: 'marked', ids: [n.id], at: new Date().toISOString() });
        rest.markNotificationsRead({ ids: [n.id] }).then(
          (answer) => store.updateNotifications({ type: 'count', unread: answer.unread }),
          () => {
            // Not marked on the server (offline?): the count is corrected by the next `ready`.
          },
        );
      }
      const route = notificationRoute(n);
      if (route !== null) navigate(route);
    },
    [store],
  );

  async function markAllRead() {
    setError(undefined);
    store.updateNotifications({ type: 'marked_all', at: new Date().toISOString() });
    try {
      const answer = await rest.markNotificationsRead({ all: true });
      store.updateNotifications({ type: 'count', unread: answer.unread });
    } catch (failure) {
      setError(failure);
    }
  }

  // Close on a click elsewhere, and on Escape wherever the focus is.
  useDismiss(open, wrapperRef, close);

  // A new one is announced to screen readers (without moving focus) and, while the tab is hidden, shown on the desktop.
  const [announcement, setAnnouncement] = useState('');
  useRealtimeEvent((e) => {
    if (e.type === 'notification') setAnnouncement(notificationText(e.notification, t));
  });
  const desktop = useDesktopNotifications(openNotification);

  return (
    <div className="notifications" ref={wrapperRef}>
      <NotificationBell ref={bellRef} unread={state.unread} open={open} panelId={panelId} onToggle={() => setOpen((o) => !o)} />
      {open && (
        <NotificationPanel
          id={panelId}
          state={state}
          loading={loading}
          error={error}
          desktop={desktop.setting}
          onEnableDesktop={() => void desktop.enable()}
          onDisableDesktop={desktop.disable}
          onOpen={(n) => {
            close(false);
            openNotification(n);
          }}
          onMarkAllRead={() => void markAllRead()}
          onLoadMore={() => void loadMore()}
          onClose={() => close(true)}
        />
      )}
      <span className="visually-hidden" aria-live="polite">
        {announcement}
      </span>
    </div>
  );
}

/** The user's desktop setting, and new notifications shown on the desktop while the tab is hidden. */
function useDesktopNotifications(onOpen: (n: NotificationDto) => void) {
  const { t } = useI18n();
  const env = useMemo(() => browserDesktopEnvironment(browserStorage()), []);
  const [setting, setSetting] = useState<DesktopSetting>(() => desktopSetting(permissionOf(env), preferenceOf(env)));
  const refresh = useCallback(() => setSetting(desktopSetting(permissionOf(env), preferenceOf(env))), [env]);

  useEffect(() => {
    // The permission may change in the browser's site settings while the page is open.
    window.addEventListener('focus', refresh);
    return () => window.removeEventListener('focus', refresh);
  }, [refresh]);

  const store = useRealtimeStore();
  useRealtimeEvent((e) => {
    if (e.type !== 'notification') return;
    const n = e.notification;
    // The conversation's level and my own duty decide what may disturb (attention.ts).
    const state = store.getState();
    const conversationId = n.link.conversation_id;
    const level = conversationId === undefined ? undefined : state.conversations[conversationId]?.info.notify;
    const duty = state.userId === null ? 'on_duty' : myDutyStatus(state.userId);
    const attention = attentionFor({ kind: n.kind, level, duty, interacted: hasInteracted() });
    if (attention.sound && n.read_at === undefined) playUrgentBeep();
    if (attention.desktop) showDesktop(env, n, notificationText(n, t), notificationDetail(n), () => onOpen(n));
  });

  return {
    setting,
    enable: async () => {
      await enableDesktop(env);
      refresh();
    },
    disable: () => {
      disableDesktop(env);
      refresh();
    },
  };
}

interface BellProps {
  ref: RefObject<HTMLButtonElement | null>;
  unread: number;
  open: boolean;
  panelId: string;
  onToggle: () => void;
}

/** The bell: its name says the count ("通知（3 条未读）"), the badge shows it. */
export function NotificationBell({ ref, unread, open, panelId, onToggle }: BellProps) {
  const { t } = useI18n();
  const label = unread > 0 ? t('notifications.bellUnread', { count: unread }) : t('notifications.bell');
  return (
    <button
      ref={ref}
      type="button"
      className="notifications__bell"
      aria-label={label}
      title={label}
      aria-haspopup="dialog"
      aria-expanded={open}
      aria-controls={open ? panelId : undefined}
      onClick={onToggle}
    >
      <svg className="notifications__icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      {unread > 0 && (
        <span className="unread notifications__badge" aria-hidden="true">
          {unread > 99 ? '99+' : unread}
        </span>
      )}
    </button>
  );
}

interface PanelProps {
  id: string;
  state: NotificationsState;
  loading: boolean;
  error: unknown;
  desktop: DesktopSetting;
  onEnableDesktop: () => void;
  onDisableDesktop: () => void;
  onOpen: (n: NotificationDto) => void;
  onMarkAllRead: () => void;
  onLoadMore: () => void;
  onClose: () => void;
  /** The clock, for tests; else now, ticking while the panel is open. */
  now?: number;
}

/** The list, newest first, with "mark all read", "load more" and the desktop setting. */
export function NotificationPanel(props: PanelProps) {
  const { id, state, loading, error, desktop, onOpen, onMarkAllRead, onLoadMore, onClose } = props;
  const { t, locale } = useI18n();
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const clock = useClock(props.now === undefined);
  const now = props.now ?? clock;

  useEffect(() => {
    headingRef.current?.focus({ preventScroll: true });
  }, []);

  return (
    <div
      id={id}
      className="notifications__panel"
      role="dialog"
      aria-labelledby={headingId}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="notifications__head">
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          {t('notifications.title')}
        </h2>
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            onMarkAllRead();
            // The button turns off, which would drop the focus out of the panel.
            headingRef.current?.focus({ preventScroll: true });
          }}
          disabled={state.unread === 0 && state.items.every((n) => n.read_at !== undefined)}
        >
          {t('notifications.markAllRead')}
        </button>
        <button type="button" className="link-button notifications__close" onClick={onClose} aria-label={t('notifications.close')}>
          ×
        </button>
      </div>
      {error !== undefined && <ErrorText error={error} />}
      {state.loaded && state.items.length === 0 && <p className="muted notifications__empty">{t('notifications.empty')}</p>}
      {!state.loaded && loading && (
        <p className="muted notifications__empty" role="status">
          {t('common.loading')}
        </p>
      )}
      {state.items.length > 0 && (
        <ul className="notifications__list" aria-labelledby={headingId}>
          {state.items.map((n) => {
            const unread = n.read_at === undefined;
            const detail = notificationDetail(n);
            return (
              <li key={n.id} className={unread ? 'notification notification--unread' : 'notification'} data-kind={n.kind}>
                <button type="button" className="notification__open" onClick={() => onOpen(n)}>
                  {unread && (
                    <>
                      <span className="notification__dot" aria-hidden="true" />
                      <span className="visually-hidden">{t('notifications.unread')}: </span>
                    </>
                  )}
                  <span className="notification__text">
                    {n.kind === 'call' && <CameraIcon />}
                    {notificationText(n, t)}
                  </span>
                  {detail !== undefined && <span className="notification__detail">{detail}</span>}
                  <time className="notification__time" dateTime={n.created_at} title={formatDateTime(n.created_at, locale)}>
                    {formatRelative(n.created_at, locale, t('time.justNow'), now)}
                  </time>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {state.nextCursor !== null && (
        <button type="button" className="button button--small notifications__more" onClick={onLoadMore} disabled={loading}>
          {loading ? t('common.loading') : t('common.loadMore')}
        </button>
      )}
      <DesktopSettingView setting={desktop} onEnable={props.onEnableDesktop} onDisable={props.onDisableDesktop} />
    </div>
  );
}

function DesktopSettingView({ setting, onEnable, onDisable }: { setting: DesktopSetting; onEnable: () => void; onDisable: () => void }) {
  const { t } = useI18n();
  return (
    <div className="notifications__desktop">
      {setting === 'offer' && (
        <>
          <button type="button" className="button button--small" onClick={onEnable}>
            {t('notifications.desktop.enable')}
          </button>
          <p className="muted">{t('notifications.desktop.explain')}</p>
        </>
      )}
      {setting === 'on' && (
        <p className="muted">
          {t('notifications.desktop.on')}{' '}
          <button type="button" className="link-button" onClick={onDisable}>
            {t('notifications.desktop.turnOff')}
          </button>
        </p>
      )}
      {setting === 'denied' && <p className="muted">{t('notifications.desktop.denied')}</p>}
      {setting === 'unsupported' && <p className="muted">{t('notifications.desktop.unsupported')}</p>}
    </div>
  );
}

/** Now, updated every 30 s while `ticking`, so "5 minutes ago" moves on while the panel is open. */
function useClock(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}
