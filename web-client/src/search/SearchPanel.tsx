// The search panel: the field, "only in this conversation" when opened from
// one, then cases and messages with their matches marked, "load more", and
// the empty and error states. Following a message opens its conversation at
// that message (`#/chat/<id>?seq=N`, which the conversation view scrolls to
// and marks); following a case opens the case.

import { useId, type KeyboardEvent, type RefObject } from 'react';
import type { CaseHit, MessageHit } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { href } from '../router';
import { ErrorText, StatusBadge } from '../ui/common';
import { formatDateTime, formatTime } from '../ui/format';
import { useUser } from '../users/cache';
import { Highlighted } from './Highlighted';
import { MAX_QUERY_CHARS } from './results';
import { useSearch } from './useSearch';

/** The conversation the panel was opened from, which the search may be limited to. */
export interface SearchScope {
  conversationId: string;
  title: string;
}

interface Props {
  id: string;
  inputRef: RefObject<HTMLInputElement | null>;
  text: string;
  onText: (text: string) => void;
  scope: SearchScope | undefined;
  inScope: boolean;
  onInScope: (on: boolean) => void;
  /** A result was followed. */
  onNavigate: () => void;
  onClose: () => void;
}

export function SearchPanel({ id, inputRef, text, onText, scope, inScope, onInScope, onNavigate, onClose }: Props) {
  const { t } = useI18n();
  const headingId = useId();
  const search = useSearch(text, inScope ? scope?.conversationId : undefined);
  const { status, messages, cases, term } = search;
  const shown = status === 'done' || (status === 'loading' && (messages.length > 0 || cases.length > 0));
  const empty = status === 'done' && messages.length === 0 && cases.length === 0;

  // Arrow keys move between the field and the results.
  function onKeyDown(event: KeyboardEvent<HTMLElement>) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const panel = event.currentTarget;
    const stops = [inputRef.current, ...panel.querySelectorAll<HTMLElement>('.search-hit')].filter((x): x is HTMLElement => x !== null);
    const at = stops.indexOf(document.activeElement as HTMLElement);
    if (at === -1) return;
    event.preventDefault();
    const next = stops[(at + (event.key === 'ArrowDown' ? 1 : -1) + stops.length) % stops.length];
    next?.focus();
  }

  return (
    <section id={id} className="search__panel" role="dialog" aria-labelledby={headingId} onKeyDown={onKeyDown}>
      <div className="search__head">
        <h2 id={headingId} className="visually-hidden">
          {t('search.title')}
        </h2>
        <input
          ref={inputRef}
          type="search"
          className="search__input"
          aria-label={t('search.label')}
          placeholder={t('search.placeholder')}
          value={text}
          maxLength={MAX_QUERY_CHARS}
          enterKeyHint="search"
          onChange={(e) => onText(e.target.value)}
          onKeyDown={(e) => {
            // Escape closes the panel (document listener); the field must not also clear itself.
            if (e.key === 'Escape') e.preventDefault();
          }}
        />
        <button type="button" className="link-button search__close" onClick={onClose} aria-label={t('search.close')}>
          ×
        </button>
      </div>
      {scope !== undefined && (
        <label className="search__scope">
          <input type="checkbox" checked={inScope} onChange={(e) => onInScope(e.target.checked)} />
          <span>{t('search.inConversation', { title: scope.title })}</span>
        </label>
      )}
      <div className="search__status" role="status">
        {term === '' && <p className="muted">{t('search.hint')}</p>}
        {status === 'loading' && <p className="muted">{t('search.searching')}</p>}
        {empty && <p className="muted">{t('search.none', { q: term })}</p>}
      </div>
      {shown && cases.length > 0 && (
        <section className="search__group" aria-labelledby={`${id}-cases`}>
          <h3 id={`${id}-cases`} className="search__group-title">
            {t('search.cases')}
          </h3>
          <ul className="search__list">
            {cases.map((c) => (
              <CaseResult key={c.id} hit={c} onNavigate={onNavigate} />
            ))}
          </ul>
        </section>
      )}
      {shown && messages.length > 0 && (
        <section className="search__group" aria-labelledby={`${id}-messages`}>
          <h3 id={`${id}-messages`} className="search__group-title">
            {t('search.messages')}
          </h3>
          <ul className="search__list">
            {messages.map((m) => (
              <MessageResult key={m.id} hit={m} onNavigate={onNavigate} />
            ))}
          </ul>
        </section>
      )}
      {search.error !== undefined && <ErrorText error={search.error} />}
      {shown && search.nextBefore !== undefined && (
        <button type="button" className="button button--small search__more" onClick={search.loadMore} disabled={search.loadingMore}>
          {search.loadingMore ? t('common.loading') : t('search.more')}
        </button>
      )}
    </section>
  );
}

function MessageResult({ hit, onNavigate }: { hit: MessageHit; onNavigate: () => void }) {
  const { t, locale } = useI18n();
  const sender = useUser(hit.sender_id);
  return (
    <li>
      <a className="search-hit" href={href({ name: 'chat', conversationId: hit.conversation_id, seq: hit.seq })} onClick={onNavigate} data-seq={hit.seq}>
        <span className="search-hit__where">{hit.conversation_title}</span>
        <span className="search-hit__meta">
          <span className="search-hit__sender">{sender?.display_name ?? t('chat.someone')}</span>
          <time dateTime={hit.created_at} title={formatDateTime(hit.created_at, locale)}>
            {formatTime(hit.created_at, locale)}
          </time>
        </span>
        <Highlighted className="search-hit__snippet" text={hit.snippet} highlights={hit.highlights} />
      </a>
    </li>
  );
}

function CaseResult({ hit, onNavigate }: { hit: CaseHit; onNavigate: () => void }) {
  return (
    <li>
      <a className="search-hit search-hit--case" href={href({ name: 'case', caseId: hit.id })} onClick={onNavigate}>
        {/* The snippet is the title when the title matched, else the part of the summary around the match. */}
        <span className="search-hit__where">
          {hit.snippet === hit.title ? <Highlighted text={hit.title} highlights={hit.highlights} /> : hit.title} <StatusBadge status={hit.status} />
        </span>
        {hit.snippet !== hit.title && <Highlighted className="search-hit__snippet" text={hit.snippet} highlights={hit.highlights} />}
      </a>
    </li>
  );
}
