// Small shared pieces: status and priority badges, presence dots, error text.

import { isApiError } from '../api/errors';
import type { CaseStatus, ConsultStatus, DutyStatus, PresenceStatus, Priority, ReferralStatus } from '../api/types';
import { refusalKey, type RefusalKey } from '../i18n/reasons';
import { useI18n } from '../i18n/useI18n';

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useI18n();
  return <span className={`badge badge--${priority}`}>{t(`priority.${priority}`)}</span>;
}

export function StatusBadge({ status }: { status: CaseStatus | ConsultStatus | ReferralStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge--status badge--${status}`}>{t(`status.${status}`)}</span>;
}

/** A presence dot, and beside it a "下班" / "勿扰" badge in words when the person is off duty or not to be disturbed. */
export function PresenceDot({ status, duty }: { status: PresenceStatus | undefined; duty?: DutyStatus | undefined }) {
  const { t } = useI18n();
  const s = status ?? 'offline';
  const dot = <span className={`presence presence--${s}`} role="img" aria-label={t(`presence.${s}`)} title={t(`presence.${s}`)} />;
  if (duty !== 'off_duty' && duty !== 'do_not_disturb') return dot;
  return (
    <>
      {dot}
      <span className={`badge duty-badge duty-badge--${duty}`}>{t(`duty.${duty}`)}</span>
    </>
  );
}

/**
 * The words for a failed request: the client's own text for the server's
 * `reason`, else a generic one for its code. The server's English `message`
 * is never shown (a Chinese reader must not get English server text).
 */
export function errorKey(error: unknown): RefusalKey {
  if (isApiError(error)) return refusalKey(error.code, error.reason);
  return 'error.unexpected';
}

export function ErrorText({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (error === undefined || error === null) return <div role="alert" className="form-error" />;
  return (
    <div role="alert" className="form-error">
      {t(errorKey(error))}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {t('common.loading')}
    </p>
  );
}
