// A conversation read over REST alone, for a reader who is not one of its
// members: a doctor with break-glass access to a case (SPEC §11) may read the
// case's thread for a while but not write in it, and the live connection does
// not carry it to them. The newest page first, earlier ones on request; the
// messages as members see them (sender, time, text, files, timeline entries)
// without any action, and no composer: `note` says why.

import { useCallback, useEffect, useState } from 'react';
import type { MessageDto } from '../api/types';
import { AttachmentGallery } from '../attachments/Attachments';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { formatDateTime, formatTime } from '../ui/format';
import { useUser } from '../users/cache';
import { PriorityLabel } from './Acknowledgement';
import { MessageBody } from './MessageBody';
import { priorityClass } from './MessageItem';
import { SystemEntry } from './SystemEntry';

const PAGE = 50;

interface Loaded {
  messages: MessageDto[];
  /** Where an earlier page starts (the server's `next_cursor`), undefined at the beginning. */
  before: number | undefined;
}

export function ReadOnlyThread({ conversationId, label, note }: { conversationId: string; label: string; note: string }) {
  const { t } = useI18n();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    let live = true;
    setLoading(true);
    rest.history(conversationId, { limit: PAGE }).then(
      (page) => {
        if (!live) return;
        setLoaded({ messages: bySeq(page.items), before: cursorSeq(page.next_cursor) });
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [conversationId]);

  const loadEarlier = useCallback(async () => {
    if (loaded?.before === undefined || loading) return;
    setLoading(true);
    setError(undefined);
    try {
      const page = await rest.history(conversationId, { before_seq: loaded.before, limit: PAGE });
      setLoaded((old) => ({ messages: bySeq([...page.items, ...(old?.messages ?? [])]), before: cursorSeq(page.next_cursor) }));
    } catch (failure) {
      setError(failure);
    } finally {
      setLoading(false);
    }
  }, [conversationId, loaded, loading]);

  return (
    <section className="conversation conversation--embedded conversation--read-only" aria-label={label}>
      <p className="notice read-only-note" role="note">
        {note}
      </p>
      <ErrorText error={error} />
      <div className="messages-frame">
        <ol className="messages" aria-label={t('chat.messages')}>
          {loaded?.before !== undefined && (
            <li className="messages__older">
              <button type="button" className="button button--small" onClick={() => void loadEarlier()} disabled={loading}>
                {loading ? t('common.loading') : t('chat.loadOlder')}
              </button>
            </li>
          )}
          {loaded === null && loading && <li className="messages__empty muted">{t('common.loading')}</li>}
          {loaded !== null && loaded.messages.length === 0 && <li className="messages__empty muted">{t('chat.noMessages')}</li>}
          {loaded?.messages.map((m) => (m.kind === 'system' ? <SystemEntry key={m.seq} message={m} /> : <ReadOnlyMessage key={m.seq} message={m} />))}
        </ol>
      </div>
    </section>
  );
}

/** One message as a member sees it, without actions: sender, time, urgency, text and files (or that it was recalled). */
function ReadOnlyMessage({ message: m }: { message: MessageDto }) {
  const { t, locale } = useI18n();
  const name = useUser(m.sender_id)?.display_name ?? t('chat.someone');
  return (
    <li className={`message${m.recalled ? '' : priorityClass(m.priority)}`} data-seq={m.seq}>
      <div className="message__meta">
        <strong className="message__sender">{name}</strong>
        <time dateTime={m.created_at} title={formatDateTime(m.created_at, locale)}>
          {formatTime(m.created_at, locale)}
        </time>
        {!m.recalled && <PriorityLabel priority={m.priority} />}
        {!m.recalled && m.edited_at !== undefined && <span className="message__edited">{t('chat.edited')}</span>}
      </div>
      {m.recalled ? (
        <p className="message__recalled">{t('chat.recalled', { name })}</p>
      ) : (
        <>
          {m.body !== '' && <MessageBody body={m.body} />}
          <AttachmentGallery attachments={m.attachments ?? []} />
        </>
      )}
    </li>
  );
}

function bySeq(messages: readonly MessageDto[]): MessageDto[] {
  const unique = new Map(messages.map((m) => [m.seq, m]));
  return [...unique.values()].sort((a, b) => a.seq - b.seq);
}

function cursorSeq(cursor: string | undefined): number | undefined {
  const seq = Number(cursor);
  return cursor === undefined || !Number.isSafeInteger(seq) ? undefined : seq;
}
