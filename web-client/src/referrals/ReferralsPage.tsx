import { useState } from 'react';
import type { BoxKind } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeEvent } from '../realtime/context';
import { rest } from '../session';
import { BoxTabs } from '../ui/BoxTabs';
import { ErrorText } from '../ui/common';
import { useAsync } from '../ui/useAsync';
import { ReferralCard } from './ReferralCard';

/** Referrals to my teams (incoming) and from them (outgoing), live. */
export function ReferralsPage() {
  const { t } = useI18n();
  const [box, setBox] = useState<BoxKind>('incoming');
  const list = useAsync(() => rest.referrals(box), [box]);
  useRealtimeEvent((e) => {
    if (e.type === 'referral_updated') list.reload();
  });
  return (
    <section className="page" aria-labelledby="referrals-heading">
      <h1 id="referrals-heading" tabIndex={-1}>
        {t('referral.title')}
      </h1>
      <BoxTabs box={box} onChange={setBox} label={t('referral.title')} panelId="referral-box" />
      <div id="referral-box" role="tabpanel">
        {list.error !== undefined && <ErrorText error={list.error} />}
        {list.data?.length === 0 && <p className="muted">{t('referral.none')}</p>}
        <ul className="card-list">
          {list.data?.map((r) => (
            <ReferralCard key={r.id} referral={r} onChange={(next) => list.setData((old) => (old ?? []).map((o) => (o.id === next.id ? next : o)))} />
          ))}
        </ul>
      </div>
    </section>
  );
}
