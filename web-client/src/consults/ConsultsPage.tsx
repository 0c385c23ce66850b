import { useState } from 'react';
import { loadPages, PAGE_SIZE } from '../api/paging';
import type { BoxKind } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeEvent } from '../realtime/context';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { BoxTabs } from '../ui/BoxTabs';
import { useAsync } from '../ui/useAsync';
import { ConsultCard } from './ConsultCard';
import { applyConsultToBox } from './live';

/** Consults addressed to me (incoming) and those I asked for (outgoing), live. */
export function ConsultsPage() {
  const { t } = useI18n();
  const [box, setBox] = useState<BoxKind>('incoming');
  // Newest first, a page at a time; a live reload fetches again as many as are shown.
  const [wanted, setWanted] = useState(PAGE_SIZE);
  const list = useAsync(() => loadPages((page) => rest.consults(box, undefined, page), wanted), [box, wanted]);
  const me = useRealtime((s) => s.userId);
  useRealtimeEvent((e) => {
    if (e.type === 'consult_updated') list.apply((shown) => applyConsultToBox(shown, box, me, e.consult));
  });
  return (
    <section className="page" aria-labelledby="consults-heading">
      <h1 id="consults-heading" tabIndex={-1}>
        {t('consult.title')}
      </h1>
      <BoxTabs
        box={box}
        onChange={(next) => {
          setBox(next);
          setWanted(PAGE_SIZE);
        }}
        label={t('consult.title')}
        panelId="consult-box"
      />
      <div id="consult-box" role="tabpanel">
        {list.error !== undefined && <ErrorText error={list.error} />}
        {list.data?.items.length === 0 && <p className="muted">{t('consult.none')}</p>}
        <ul className="card-list">
          {list.data?.items.map((c) => (
            <ConsultCard
              key={c.id}
              consult={c}
              onChange={(next) => list.setData((old) => ({ items: (old?.items ?? []).map((o) => (o.id === next.id ? next : o)), more: old?.more ?? false }))}
            />
          ))}
        </ul>
        {list.data?.more === true && (
          <button type="button" className="button" disabled={list.loading} onClick={() => setWanted((n) => n + PAGE_SIZE)}>
            {t('common.loadMore')}
          </button>
        )}
      </div>
    </section>
  );
}
