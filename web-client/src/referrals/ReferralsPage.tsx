import { useMemo, useState } from 'react';
import { loadPages, PAGE_SIZE } from '../api/paging';
import type { BoxKind } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeEvent } from '../realtime/context';
import { rest } from '../session';
import { useTeams } from '../teams/myTeams';
import { BoxTabs } from '../ui/BoxTabs';
import { ErrorText } from '../ui/common';
import { useAsync } from '../ui/useAsync';
import { applyReferralToBox } from './live';
import { ReferralCard } from './ReferralCard';

/** Referrals to my teams (incoming) and from them (outgoing), live. */
export function ReferralsPage() {
  const { t } = useI18n();
  const [box, setBox] = useState<BoxKind>('incoming');
  // Newest first, a page at a time; a live reload fetches again as many as are shown.
  const [wanted, setWanted] = useState(PAGE_SIZE);
  const list = useAsync(() => loadPages((page) => rest.referrals(box, undefined, page), wanted), [box, wanted]);
  const { teams, loaded } = useTeams();
  const myTeamIds = useMemo(() => (loaded ? new Set(teams.map((t) => t.id)) : undefined), [teams, loaded]);
  useRealtimeEvent((e) => {
    if (e.type === 'referral_updated') list.apply((shown) => applyReferralToBox(shown, box, myTeamIds, e.referral));
  });
  return (
    <section className="page" aria-labelledby="referrals-heading">
      <h1 id="referrals-heading" tabIndex={-1}>
        {t('referral.title')}
      </h1>
      <BoxTabs
        box={box}
        onChange={(next) => {
          setBox(next);
          setWanted(PAGE_SIZE);
        }}
        label={t('referral.title')}
        panelId="referral-box"
      />
      <div id="referral-box" role="tabpanel">
        {list.error !== undefined && <ErrorText error={list.error} />}
        {list.data?.items.length === 0 && <p className="muted">{t('referral.none')}</p>}
        <ul className="card-list">
          {list.data?.items.map((r) => (
            <ReferralCard
              key={r.id}
              referral={r}
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
