import { useEffect, useId, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { MessageVersion } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText, Loading } from '../ui/common';
import { formatDateTime } from '../ui/format';
import { Markdown } from '../ui/Markdown';
import { useUsersVersion, knownUser } from '../users/cache';

/**
 * Every version of an edited message, oldest first (GET …/messages/{seq}/versions):
 * the original, each edit with who made it and when, the last being the
 * current text. Only the sender, the team's lead and admins may read it; anyone
 * else sees the refusal in words. Escape or Close ends it and gives the focus back.
 */
export function MessageHistoryDialog({ conversationId, seq, onClose }: { conversationId: string; seq: number; onClose: () => void }) {
  const { t, locale } = useI18n();
  const [versions, setVersions] = useState<MessageVersion[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const titleId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  useUsersVersion(versions?.map((v) => v.editor_id) ?? []);

  useEffect(() => {
    let live = true;
    rest.messageVersions(conversationId, seq).then(
      (list) => live && setVersions(list),
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [conversationId, seq]);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeRef.current?.focus({ preventScroll: true });
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      onCloseRef.current();
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      opener?.focus({ preventScroll: true });
    };
  }, []);

  const last = versions === null ? -1 : versions.length - 1;
  return createPortal(
    <div
      className="viewer-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="history-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <header className="history-dialog__bar">
          <h2 id={titleId} className="history-dialog__title">
            {t('chat.historyTitle')}
          </h2>
          <button ref={closeRef} type="button" className="button button--small" onClick={onClose}>
            {t('chat.close')}
          </button>
        </header>
        {error !== undefined && <ErrorText error={error} />}
        {error === undefined && versions === null && <Loading />}
        {versions !== null && versions.length <= 1 && <p className="muted">{t('chat.historyEmpty')}</p>}
        {versions !== null && versions.length > 1 && (
          <ol className="history-dialog__list">
            {versions.map((v, i) => (
              <li key={`${i}-${v.edited_at}`} className={i === last ? 'history-version history-version--current' : 'history-version'}>
                <div className="history-version__meta">
                  <strong>{i === 0 ? t('chat.historyOriginal') : i === last ? t('chat.historyCurrent') : `#${i + 1}`}</strong>{' '}
                  <span className="muted">
                    {t('chat.historyBy', { name: knownUser(v.editor_id)?.display_name ?? t('chat.someone'), time: formatDateTime(v.edited_at, locale) })}
                  </span>
                </div>
                <Markdown source={v.body} className="history-version__body" />
              </li>
            ))}
          </ol>
        )}
      </div>
    </div>,
    document.body,
  );
}
