// Small shared pieces: status and priority badges, presence dots, error text.

import { isApiError } from '../api/errors';
import type { CaseStatus, ConsultStatus, PresenceStatus, Priority, ReferralStatus } from '../api/types';
import type { MessageKey } from '../i18n';
import { useI18n } from '../i18n/useI18n';

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useI18n();
  return <span className={`badge badge--${priority}`}>{t(`priority.${priority}`)}</span>;
}

export function StatusBadge({ status }: { status: CaseStatus | ConsultStatus | ReferralStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge--status badge--${status}`}>{t(`status.${status}`)}</span>;
}

export function PresenceDot({ status }: { status: PresenceStatus | undefined }) {
  const { t } = useI18n();
  const s = status ?? 'offline';
  return <span className={`presence presence--${s}`} role="img" aria-label={t(`presence.${s}`)} title={t(`presence.${s}`)} />;
}

/** The words for a failed request, by error code; the server's own message is kept for conflicts. */
export function errorKey(error: unknown): Extract<MessageKey, `error.${string}`> {
  if (isApiError(error, 'network')) return 'error.network';
  if (isApiError(error, 'forbidden')) return 'error.forbidden';
  if (isApiError(error, 'not_found')) return 'error.notFound';
  if (isApiError(error, 'conflict')) return 'error.conflict';
  if (isApiError(error, 'invalid')) return 'error.invalid';
  if (isApiError(error, 'rate_limited')) return 'error.rateLimited';
  return 'error.unexpected';
}

export function ErrorText({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (error === undefined || error === null) return <div role="alert" className="form-error" />;
  const detail = isApiError(error) && (error.code === 'invalid' || error.code === 'conflict') ? ` (${error.message})` : '';
  return (
    <div role="alert" className="form-error">
      {t(errorKey(error))}
      {detail}
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
