// Urgent messages and their acknowledgements in a conversation (SPEC §7):
// the priority label of a message, the "已知晓 / Acknowledge" button for its
// recipients, and for its sender the count with who has and who has not
// acknowledged (GET …/acks, kept current by `message_acked` through the
// realtime store).

import { useEffect, useId, useRef, useState } from 'react';
import type { ConversationMemberDto, MessageDto, MessagePriority } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeStore } from '../realtime/context';
import { awaitsMyAck } from '../realtime/store';
import { rest } from '../session';
import { DeadlineBadge } from '../ui/Deadline';
import { formatDateTime, formatTime } from '../ui/format';
import { knownUser } from '../users/cache';

/** "⚠ 紧急" / "⚠ 危急": words and a sign, not colour alone; nothing for an ordinary message. */
export function PriorityLabel({ priority }: { priority: MessagePriority | undefined }) {
  const { t } = useI18n();
  if (priority === undefined || priority === 'normal') return null;
  return (
    <span className={`msg-priority msg-priority--${priority}`}>
      <span aria-hidden="true">{priority === 'emergency' ? '‼' : '⚠'}</span>
      <span>{t(`priority.${priority}`)}</span>
    </span>
  );
}

/**
 * Loads whether I have acknowledged the `ack_required` messages shown to me
 * (the message itself does not say), once per message and again after a
 * reconnect, when events may have been missed.
 */
export function useMyAcks(conversationId: string, messages: readonly MessageDto[], me: string | null): void {
  const store = useRealtimeStore();
  const epoch = useRealtime((s) => s.epoch);
  const asked = useRef(new Set<string>());
  useEffect(() => {
    asked.current.clear();
  }, [epoch]);
  useEffect(() => {
    const c = store.getState().conversations[conversationId];
    if (c === undefined || me === null) return;
    for (const m of messages) {
      const key = `${conversationId}:${m.seq}`;
      if (!awaitsMyAck(c, m, me) || asked.current.has(key)) continue;
      asked.current.add(key);
      rest.acks(conversationId, m.seq).then(
        (acks) => store.setAcks(conversationId, m.seq, acks),
        () => asked.current.delete(key), // asked again with the next change
      );
    }
  }, [conversationId, messages, me, store, epoch]);
}

interface Props {
  conversationId: string;
  message: MessageDto;
  mine: boolean;
  members: readonly ConversationMemberDto[];
  onError: (error: unknown) => void;
}

/** The acknowledgement part of a message's footer: a button or "已确认" for a recipient, the count and details for the sender. */
export function AckControls({ conversationId, message: m, mine, members, onError }: Props) {
  if (!m.ack_required || m.recalled) return null;
  return mine ? (
    <SenderAcks conversationId={conversationId} message={m} members={members} onError={onError} />
  ) : (
    <RecipientAck conversationId={conversationId} message={m} onError={onError} />
  );
}

function RecipientAck({ conversationId, message: m, onError }: Omit<Props, 'mine' | 'members'>) {
  const { t, locale } = useI18n();
  const store = useRealtimeStore();
  const me = useRealtime((s) => s.userId);
  const conv = useRealtime((s) => s.conversations[conversationId]);
  const [busy, setBusy] = useState(false);
  if (conv === undefined) return null;

  if (!awaitsMyAck(conv, m, me)) {
    const at = conv.ackedByMe[m.seq] ?? conv.acks[m.seq]?.acks.find((a) => a.user_id === me)?.at;
    return (
      <span className="ack ack--done" title={at === undefined ? undefined : t('chat.ack.doneAt', { time: formatDateTime(at, locale) })}>
        <span aria-hidden="true">✓</span>
        <span>{t('chat.ack.done')}</span>
      </span>
    );
  }

  async function acknowledge() {
    setBusy(true);
    try {
      const answer = await rest.acknowledge(conversationId, m.seq);
      store.applyOwnAck(conversationId, m.seq, answer.at);
    } catch (failure) {
      onError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="ack ack--awaiting">
      <span className="ack__requested">{t('chat.ack.requested')}</span>
      <button type="button" className="button button--small button--ack" disabled={busy} onClick={() => void acknowledge()}>
        {t('chat.ack.button')}
      </button>
    </span>
  );
}

function SenderAcks({ conversationId, message: m, members, onError }: Omit<Props, 'mine'>) {
  const { t, locale } = useI18n();
  const store = useRealtimeStore();
  const epoch = useRealtime((s) => s.epoch);
  const list = useRealtime((s) => s.conversations[conversationId]?.acks[m.seq]);
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const ackedId = useId();
  const pendingId = useId();
  const reportError = useRef(onError);
  reportError.current = onError;

  // Loaded when opened, and again after a reconnect while open (events may have been missed).
  useEffect(() => {
    if (!open) return;
    let live = true;
    rest.acks(conversationId, m.seq).then(
      (acks) => {
        if (live) store.setAcks(conversationId, m.seq, acks);
      },
      (failure: unknown) => {
        if (live) reportError.current(failure);
      },
    );
    return () => {
      live = false;
    };
  }, [open, conversationId, m.seq, store, epoch]);

  const name = (id: string) => members.find((x) => x.user.id === id)?.user.display_name ?? knownUser(id)?.display_name ?? '…';
  const count = Math.max(m.ack_count, list?.acks.length ?? 0);

  return (
    <>
      <button type="button" className="link-button ack__count" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        {t('chat.ack.count', { count })}
      </button>
      {open && (
        <div id={panelId} className="acks" role="region" aria-label={t('chat.ack.details')}>
          {list === undefined ? (
            <p className="muted">{t('common.loading')}</p>
          ) : (
            <>
              {list.due_at !== undefined && list.pending.length > 0 && (
                <p className="acks__due">
                  {t('deadline.dueAt', { time: formatDateTime(list.due_at, locale) })} <DeadlineBadge dueAt={list.due_at} />
                </p>
              )}
              <p id={ackedId} className="acks__heading">
                {t('chat.ack.ackedList', { count: list.acks.length })}
              </p>
              {list.acks.length === 0 ? (
                <p className="muted">{t('chat.ack.nobody')}</p>
              ) : (
                <ul className="acks__list" aria-labelledby={ackedId}>
                  {list.acks.map((a) => (
                    <li key={a.user_id}>
                      <span aria-hidden="true">✓</span> {name(a.user_id)}{' '}
                      <time className="muted" dateTime={a.at} title={formatDateTime(a.at, locale)}>
                        {formatTime(a.at, locale)}
                      </time>
                    </li>
                  ))}
                </ul>
              )}
              <p id={pendingId} className="acks__heading">
                {t('chat.ack.pendingList', { count: list.pending.length })}
              </p>
              {list.pending.length === 0 ? (
                <p className="muted">{t('chat.ack.everyone')}</p>
              ) : (
                <ul className="acks__list acks__list--pending" aria-labelledby={pendingId}>
                  {list.pending.map((id) => (
                    <li key={id}>{name(id)}</li>
                  ))}
                </ul>
              )}
            </>
          )}
          <button type="button" className="button button--small" onClick={() => setOpen(false)}>
            {t('chat.ack.close')}
          </button>
        </div>
      )}
    </>
  );
}
