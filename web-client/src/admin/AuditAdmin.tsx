// Administration, audit log tab (SPEC §11): at the top the state of the audit
// trail's hash chain (GET /audit/verify, checked on opening and on demand),
// below it the events newest first (GET /audit), filtered by action and target
// type, a page at a time. Clinical text in the details is redacted by the server.

import { useEffect, useId, useRef, useState } from 'react';
import type { AuditEventDto } from '../api/types';
import { PAGE_SIZE } from '../api/paging';
import type { Locale } from '../i18n';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText, Loading } from '../ui/common';
import { formatDateTime } from '../ui/format';
import { useAsync } from '../ui/useAsync';
import { knownUser, useUsersVersion } from '../users/cache';
import { appendPage, auditQuery, matchesAction, shortId, withTargetTypes } from './audit';

/** How long the target type field waits for typing to stop before asking the server. */
const TARGET_TYPE_DELAY_MS = 300;

export function AuditAdmin() {
  return (
    <div className="audit">
      <AuditChain />
      <AuditEvents />
    </div>
  );
}

function AuditChain() {
  const { t, locale } = useI18n();
  const check = useAsync(() => rest.verifyAudit(), []);
  const headingId = useId();
  const result = check.loading || check.error !== undefined ? undefined : check.data;

  return (
    <section className="panel audit-chain" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('audit.chainTitle')}</h2>
      {check.loading && (
        <p className="muted" role="status">
          {t('audit.verifying')}
        </p>
      )}
      {!check.loading && check.error !== undefined && <ErrorText error={check.error} />}
      {result?.ok === true && (
        <p className="audit-chain__ok" role="status">
          {t('audit.chainOk', { count: result.checked.toLocaleString(locale) })}
        </p>
      )}
      {result?.ok === false && (
        <div className="audit-chain__broken" role="alert">
          {result.first_bad_id === undefined ? t('audit.chainBrokenUnknown') : t('audit.chainBroken', { id: result.first_bad_id })}
        </div>
      )}
      <button type="button" className="button" disabled={check.loading} onClick={check.reload}>
        {t('audit.verifyAgain')}
      </button>
    </section>
  );
}

function AuditEvents() {
  const { t, locale } = useI18n();
  const [action, setAction] = useState('');
  const [targetInput, setTargetInput] = useState('');
  const [targetType, setTargetType] = useState('');
  const [types, setTypes] = useState<readonly string[]>([]);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const ids = { heading: useId(), action: useId(), actionHint: useId(), target: useId(), types: useId() };
  /** The target type of the list on screen, so a "load more" answer for an earlier filter is dropped. */
  const shownTarget = useRef(targetType);
  shownTarget.current = targetType;

  useEffect(() => {
    const timer = setTimeout(() => setTargetType(targetInput.trim()), TARGET_TYPE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [targetInput]);

  const list = useAsync(() => rest.audit(auditQuery({ action: '', targetType }, { limit: PAGE_SIZE })), [targetType]);
  useEffect(() => {
    setMoreError(undefined);
    if (list.data !== undefined) setTypes((old) => withTargetTypes(old, list.data!.items));
  }, [list.data]);

  const loaded = list.data?.items ?? [];
  const events = loaded.filter((e) => matchesAction(e, action));
  const actorIds = [...new Set(loaded.flatMap((e) => (e.actor_id === undefined ? [] : [e.actor_id])))];
  useUsersVersion(actorIds);

  async function loadMore() {
    const cursor = list.data?.next_cursor;
    if (cursor === undefined) return;
    const forTarget = targetType;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await rest.audit(auditQuery({ action: '', targetType: forTarget }, { limit: PAGE_SIZE, cursor }));
      if (shownTarget.current === forTarget) list.setData((old) => appendPage(old ?? { items: [] }, page));
    } catch (failure) {
      setMoreError(failure);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <section className="audit-events" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>{t('audit.events')}</h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={ids.action}>{t('audit.filterAction')}</label>
          <input id={ids.action} type="search" autoComplete="off" aria-describedby={ids.actionHint} value={action} onChange={(e) => setAction(e.target.value)} />
          <span id={ids.actionHint} className="muted">
            {t('audit.filterActionHint')}
          </span>
        </div>
        <div className="field">
          <label htmlFor={ids.target}>{t('audit.filterTarget')}</label>
          <input
            id={ids.target}
            type="search"
            autoComplete="off"
            list={ids.types}
            placeholder={t('audit.allTargets')}
            value={targetInput}
            onChange={(e) => setTargetInput(e.target.value)}
          />
          <datalist id={ids.types}>
            {types.map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
        </div>
      </div>
      {list.error !== undefined && <ErrorText error={list.error} />}
      {list.data === undefined && list.loading && <Loading />}
      {list.data !== undefined && (
        <div className="table-wrap">
          <table className="table audit-table">
            <caption className="visually-hidden">{t('audit.events')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('audit.time')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.target')}</th>
                <th scope="col">{t('audit.ip')}</th>
                <th scope="col">{t('audit.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <AuditRow key={e.id} event={e} locale={locale} anonymous={t('audit.anonymous')} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data !== undefined && events.length === 0 && <p className="muted">{t('audit.none')}</p>}
      <ErrorText error={moreError} />
      {list.data?.next_cursor !== undefined && (
        <button type="button" className="button" disabled={loadingMore} onClick={() => void loadMore()}>
          {t('common.loadMore')}
        </button>
      )}
    </section>
  );
}

function AuditRow({ event: e, locale, anonymous }: { event: AuditEventDto; locale: Locale; anonymous: string }) {
  const actor = e.actor_id === undefined ? undefined : knownUser(e.actor_id);
  const detail = Object.keys(e.detail).length === 0 ? '' : JSON.stringify(e.detail);
  return (
    <tr data-audit-id={e.id}>
      <td>
        <time dateTime={e.at}>{formatDateTime(e.at, locale)}</time>
      </td>
      <td>
        <code>{e.action}</code>
      </td>
      <td title={e.actor_id}>{e.actor_id === undefined ? <span className="muted">{anonymous}</span> : (actor?.display_name ?? shortId(e.actor_id))}</td>
      <td>
        {e.target_type}
        {e.target_id !== undefined && (
          <>
            {' '}
            <code title={e.target_id}>{shortId(e.target_id)}</code>
          </>
        )}
      </td>
      <td>{e.ip ?? ''}</td>
      <td className="audit-table__detail">{detail}</td>
    </tr>
  );
}
