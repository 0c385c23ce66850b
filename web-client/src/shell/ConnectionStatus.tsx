// What the header says about the live connection, and the explanation shown
// when the server keeps refusing it (see realtime/store.ts: `status`, `refused`).
// The views take plain props so they can be rendered in tests without a store.

import { useId } from 'react';
import type { MessageKey } from '../i18n';
import { closeReasonKey } from '../i18n/reasons';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeStore } from '../realtime/context';
import type { ConnectionStatus as Status, SocketRefusal } from '../realtime/store';

type ConnectionLabelKey = Extract<MessageKey, 'connection.connected' | 'connection.connecting' | 'connection.reconnecting' | 'connection.offline'>;

/** The indicator's words for a status: "connected" only while a socket is really up. */
export function connectionLabelKey(status: Status): ConnectionLabelKey {
  switch (status) {
    case 'connected':
      return 'connection.connected';
    case 'reconnecting':
      return 'connection.reconnecting';
    case 'offline':
      return 'connection.offline';
    case 'idle':
    case 'connecting':
    case 'signed_out':
      return 'connection.connecting';
  }
}

export function ConnectionIndicator({ status, onRetry }: { status: Status; onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <div className={`connection connection--${status}`} role="status" data-status={status}>
      <span className="connection__dot" aria-hidden="true" />
      <span className="connection__label">{t(connectionLabelKey(status))}</span>
      {(status === 'reconnecting' || status === 'offline') && (
        <button type="button" className="link-button" onClick={onRetry}>
          {t('connection.retryNow')}
        </button>
      )}
    </div>
  );
}

/** The server answers but refuses the websocket: say so, and what an operator can check, instead of an empty app. */
export function RefusedNotice({ refused, origin, onRetry }: { refused: SocketRefusal; origin: string; onRetry: () => void }) {
  const { t } = useI18n();
  const titleId = useId();
  return (
    <section className="connection-refused" role="alert" aria-labelledby={titleId}>
      <h2 id={titleId} className="connection-refused__title">
        {t('connection.refused.title')}
      </h2>
      <p>{t('connection.refused.body')}</p>
      {refused.closeReason !== null && (
        <p>{t('connection.refused.reason', { reason: t(closeReasonKey(refused.closeReason)) })}</p>
      )}
      <p className="muted">{t('connection.refused.adminHint', { origin })}</p>
      <button type="button" className="button" onClick={onRetry}>
        {t('connection.refused.retry')}
      </button>
    </section>
  );
}

export function ConnectionStatus() {
  const status = useRealtime((s) => s.status);
  const store = useRealtimeStore();
  return <ConnectionIndicator status={status} onRetry={() => store.reconnectNow()} />;
}

export function ConnectionTrouble() {
  const refused = useRealtime((s) => s.refused);
  const store = useRealtimeStore();
  if (refused === null) return null;
  return <RefusedNotice refused={refused} origin={location.origin} onRetry={() => store.reconnectNow()} />;
}
