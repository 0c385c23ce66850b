// On the case page, for everyone who reads the case: who used emergency
// access (break-glass, SPEC §11) to it, why, and until when, running ones
// first. Nothing when nobody has.

import type { BreakGlassDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { formatDateTime, formatTime } from '../ui/format';
import { byRecency, isActive } from './breakGlass';

export function BreakGlassNotice({ grants, now }: { grants: readonly BreakGlassDto[]; now: number }) {
  const { t, locale } = useI18n();
  if (grants.length === 0) return null;
  return (
    <section className="break-glass-notice" aria-labelledby="break-glass-notice-heading">
      <h2 id="break-glass-notice-heading">{t('breakGlass.notice.title')}</h2>
      <ul>
        {byRecency(grants, now).map((g) => {
          const active = isActive(g, now);
          const params = { name: g.user_name, reason: g.reason, until: formatTime(g.expires_at, locale, new Date(now)) };
          return (
            <li key={g.id} className={active ? 'break-glass-notice__grant break-glass-notice__grant--active' : 'break-glass-notice__grant'} title={formatDateTime(g.started_at, locale)}>
              {t(active ? 'breakGlass.notice.active' : 'breakGlass.notice.ended', params)}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
