// A case's materials (SPEC §6): every file sent in its discussion and in its
// consult and referral threads that the reader may see, newest first, a page
// at a time. Files sent meanwhile come in live; a recall reloads the list
// (its files are hidden from readers).

import { useCallback, useEffect, useRef, useState } from 'react';
import type { AttachmentDto } from '../api/types';
import { PAGE_SIZE } from '../api/paging';
import { AttachmentViewer } from '../attachments/Viewer';
import { dicomCaption, formatFileSize, showsAsPicture } from '../attachments/files';
import { FileBadge } from '../attachments/parts';
import { useFresh } from '../attachments/useFresh';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeEvent } from '../realtime/context';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { formatDateTime } from '../ui/format';
import { useUser } from '../users/cache';

interface State {
  items: AttachmentDto[];
  cursor: string | undefined;
  loaded: boolean;
  loading: boolean;
  error: unknown;
}

const INITIAL: State = { items: [], cursor: undefined, loaded: false, loading: false, error: undefined };

/** Newer files (live) first, each once; `older` (a further page) after the ones there. */
export function mergeMaterials(current: readonly AttachmentDto[], newer: readonly AttachmentDto[], older: readonly AttachmentDto[] = []): AttachmentDto[] {
  const seen = new Set<string>();
  const out: AttachmentDto[] = [];
  for (const a of [...newer, ...current, ...older]) {
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    out.push(a);
  }
  return out;
}

/** `conversationIds`: the case's thread and its consults' and referrals' threads, for live updates. */
export function CaseMaterials({ caseId, conversationIds }: { caseId: string; conversationIds: readonly string[] }) {
  const { t } = useI18n();
  const [state, setState] = useState<State>(INITIAL);
  const [open, setOpen] = useState<AttachmentDto | null>(null);
  const generation = useRef(0);
  const ids = useRef(new Set(conversationIds));
  ids.current = new Set(conversationIds);

  const loadFirst = useCallback(() => {
    const mine = (generation.current += 1);
    setState((s) => ({ ...s, loading: true }));
    rest.caseAttachments(caseId, { limit: PAGE_SIZE }).then(
      (page) => {
        if (generation.current !== mine) return;
        setState({ items: page.items, cursor: page.next_cursor, loaded: true, loading: false, error: undefined });
      },
      (error: unknown) => {
        if (generation.current !== mine) return;
        setState((s) => ({ ...s, loading: false, error }));
      },
    );
  }, [caseId]);

  useEffect(() => {
    setState(INITIAL);
    loadFirst();
    return () => {
      generation.current += 1;
    };
  }, [loadFirst]);

  function loadMore() {
    const cursor = state.cursor;
    if (cursor === undefined || state.loading) return;
    const mine = generation.current;
    setState((s) => ({ ...s, loading: true }));
    rest.caseAttachments(caseId, { limit: PAGE_SIZE, cursor }).then(
      (page) => {
        if (generation.current !== mine) return;
        setState((s) => ({ ...s, items: mergeMaterials(s.items, [], page.items), cursor: page.next_cursor, loading: false, error: undefined }));
      },
      (error: unknown) => {
        if (generation.current !== mine) return;
        setState((s) => ({ ...s, loading: false, error }));
      },
    );
  }

  useRealtimeEvent((e) => {
    if (e.type === 'message' && ids.current.has(e.message.conversation_id)) {
      const files = e.message.attachments ?? [];
      if (files.length > 0) setState((s) => ({ ...s, items: mergeMaterials(s.items, [...files].reverse()) }));
    }
    if (e.type === 'message_recalled' && ids.current.has(e.conversation_id)) loadFirst();
  });

  return (
    <div className="materials">
      <ErrorText error={state.error} />
      {!state.loaded && state.loading && (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {state.loaded && state.items.length === 0 && <p className="muted">{t('materials.empty')}</p>}
      {state.items.length > 0 && (
        <ul className="materials__list" aria-label={t('materials.list')}>
          {state.items.map((a) => (
            <MaterialItem key={a.id} attachment={a} onOpen={setOpen} />
          ))}
        </ul>
      )}
      {state.cursor !== undefined && (
        <button type="button" className="button button--small" onClick={loadMore} disabled={state.loading}>
          {state.loading ? t('common.loading') : t('common.loadMore')}
        </button>
      )}
      {open !== null && <AttachmentViewer attachment={open} onClose={() => setOpen(null)} />}
    </div>
  );
}

function MaterialItem({ attachment, onOpen }: { attachment: AttachmentDto; onOpen: (a: AttachmentDto) => void }) {
  const { t, locale } = useI18n();
  const { attachment: a, retryOnce } = useFresh(attachment);
  const [broken, setBroken] = useState(false);
  const uploader = useUser(a.uploader_id);
  const caption = dicomCaption(a);
  return (
    <li className="material">
      <button type="button" className="material__open" onClick={() => onOpen(a)} aria-label={t('attach.open', { name: a.name })}>
        {showsAsPicture(a) && !broken ? (
          <img className="material__thumb" src={a.preview_url} alt={a.name} loading="lazy" draggable={false} onError={() => retryOnce(() => setBroken(true))} />
        ) : (
          <FileBadge attachment={a} />
        )}
        <span className="material__name">{a.name}</span>
      </button>
      <div className="material__meta">
        <span>
          {t(`attach.kind.${a.kind}`)} · {formatFileSize(a.size, locale)}
          {caption !== '' && ` · ${caption}`}
        </span>
        <span>{t('materials.uploadedBy', { name: uploader?.display_name ?? '…' })}</span>
        <time dateTime={a.created_at}>{formatDateTime(a.created_at, locale)}</time>
      </div>
    </li>
  );
}
