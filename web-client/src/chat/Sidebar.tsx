import { useId, useMemo, useState } from 'react';
import type { ConversationKind } from '../api/types';
import { browserStorage } from '../auth/store';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import type { ConversationState } from '../realtime/store';
import { href } from '../router';
import { PresenceDot } from '../ui/common';
import { ContextLine } from './ContextLine';
import { contextSearchText } from './conversationContext';
import { compareConversations, readSidebarSort, saveSidebarSort, type SidebarSort } from './sidebarSort';
import { SortControl } from './SortControl';

const SECTIONS: readonly ConversationKind[] = ['team', 'case', 'consult', 'referral', 'direct'];

/**
 * Every conversation of the user, grouped by kind, in the order chosen (recent activity, unread first or
 * name), with unread badges, presence, and for case, consult and referral threads what they are about.
 */
export function Sidebar({ activeId }: { activeId: string | undefined }) {
  const { t, locale } = useI18n();
  const conversations = useRealtime((s) => s.conversations);
  const everConnected = useRealtime((s) => s.epoch > 0);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SidebarSort>(() => readSidebarSort(browserStorage()));
  const filterId = useId();

  const grouped = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const list = Object.values(conversations)
      .filter((c) => q === '' || `${c.info.title} ${contextSearchText(c.info.context)}`.toLowerCase().includes(q))
      .sort(compareConversations(sort, locale));
    return SECTIONS.map((kind) => ({ kind, items: list.filter((c) => c.info.kind === kind) }));
  }, [conversations, filter, sort, locale]);

  return (
    <nav className="sidebar" aria-label={t('chat.conversations')}>
      <div className="sidebar__filter">
        <label htmlFor={filterId} className="visually-hidden">
          {t('chat.filter')}
        </label>
        <input
          id={filterId}
          type="search"
          placeholder={t('chat.filter')}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <SortControl
          value={sort}
          onChange={(next) => {
            setSort(next);
            saveSidebarSort(browserStorage(), next);
          }}
        />
      </div>
      {grouped.map(({ kind, items }) =>
        items.length === 0 ? null : (
          <section key={kind} className="sidebar__section" aria-labelledby={`sidebar-${kind}`}>
            <h2 id={`sidebar-${kind}`} className="sidebar__heading">
              {t(`kind.${kind}.plural`)}
            </h2>
            <ul className="sidebar__list">
              {items.map((c) => (
                <SidebarItem key={c.info.id} conversation={c} active={c.info.id === activeId} />
              ))}
            </ul>
          </section>
        ),
      )}
      {Object.keys(conversations).length === 0 && (
        // Before the first `ready` the list is unknown, not empty.
        <p className="muted sidebar__empty">{t(everConnected ? 'chat.noConversations' : 'chat.waitingForConnection')}</p>
      )}
    </nav>
  );
}

function SidebarItem({ conversation, active }: { conversation: ConversationState; active: boolean }) {
  const { t } = useI18n();
  const { info } = conversation;
  const presence = useRealtime((s) => (info.peer_id === undefined ? undefined : s.presence[info.peer_id]));
  const duty = useRealtime((s) => (info.peer_id === undefined ? undefined : s.duty[info.peer_id]));
  const unread = info.unread;
  return (
    <li>
      <a
        className={`sidebar__item${active ? ' sidebar__item--active' : ''}${unread > 0 ? ' sidebar__item--unread' : ''}`}
        href={href({ name: 'chat', conversationId: info.id })}
        aria-current={active ? 'page' : undefined}
        data-conversation={info.id}
      >
        {info.kind === 'direct' && <PresenceDot status={presence} duty={duty} />}
        <span className="sidebar__text">
          <span className="sidebar__title">{info.title}</span>
          {info.context !== undefined && <ContextLine context={info.context} variant="sidebar" />}
        </span>
        {unread > 0 && (
          <span className="unread" aria-label={t('chat.unread', { count: unread })}>
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </a>
    </li>
  );
}
