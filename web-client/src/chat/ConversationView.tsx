import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { ConversationMemberDto, MessageDto } from '../api/types';
import { dragHasFiles } from '../attachments/files';
import { useUploads } from '../attachments/useUploads';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeEvent, useRealtimeStore } from '../realtime/context';
import { typingUsers } from '../realtime/store';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { joinNames } from '../ui/format';
import { knownUser, rememberUsers, useUsersVersion } from '../users/cache';
import { Composer } from './Composer';
import { ConversationHeader } from './ConversationHeader';
import { canEdit } from './MessageEditor';
import { MessageList } from './MessageList';

/**
 * One conversation: its header, the message list (MessageList.tsx: history,
 * live messages, timeline entries, edits, reactions, reading position),
 * typing, and the composer. Files dropped anywhere on it are attached.
 * `focusSeq` (a link to one message: a notification, a search hit) is loaded,
 * scrolled into view and highlighted.
 */
export function ConversationView({ conversationId, embedded = false, focusSeq }: { conversationId: string; embedded?: boolean; focusSeq?: number | undefined }) {
  const { t, locale } = useI18n();
  const store = useRealtimeStore();
  const conv = useRealtime((s) => s.conversations[conversationId]);
  const me = useRealtime((s) => s.userId);
  const epoch = useRealtime((s) => s.epoch);
  const [members, setMembers] = useState<readonly ConversationMemberDto[]>([]);
  const [replyTo, setReplyTo] = useState<MessageDto | null>(null);
  const [editingSeq, setEditingSeq] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const sectionRef = useRef<HTMLElement>(null);
  const exists = conv !== undefined;
  const uploads = useUploads(conversationId);
  // Files dragged over the conversation: counted per element entered, so moving over a child does not flicker.
  const [dragDepth, setDragDepth] = useState(0);
  const dropProps = {
    onDragEnter: (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer)) return;
      e.preventDefault();
      setDragDepth((n) => n + 1);
    },
    onDragOver: (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer)) return;
      setDragDepth((n) => Math.max(0, n - 1));
    },
    onDrop: (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer)) return;
      e.preventDefault();
      setDragDepth(0);
      uploads.add([...e.dataTransfer.files]);
    },
  };

  // Members and their read positions; again after a reconnect or a roster change.
  const [membersTick, setMembersTick] = useState(0);
  useEffect(() => {
    if (!exists) return;
    let live = true;
    rest.conversation(conversationId).then(
      (detail) => {
        if (!live) return;
        rememberUsers(detail.members.map((m) => m.user));
        setMembers(detail.members);
        store.setReadPositions(conversationId, detail.members);
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [conversationId, exists, epoch, membersTick, store]);
  useRealtimeEvent((e) => {
    if (e.type === 'roster_changed' && conv?.info.team_id === e.team_id) setMembersTick((n) => n + 1);
    if (e.type === 'consult_updated' && conv?.info.consult_id === e.consult.id) setMembersTick((n) => n + 1);
  });

  // An edit belongs to its conversation.
  useEffect(() => setEditingSeq(null), [conversationId]);

  /** ArrowUp in an empty composer: my last message I may still edit, in place. */
  const editLast = useCallback(() => {
    const messages = store.getState().conversations[conversationId]?.messages ?? [];
    const last = [...messages].reverse().find((m) => m.sender_id === me && m.kind !== 'system' && !m.recalled);
    if (last === undefined || !canEdit(last, me)) return false;
    setEditingSeq(last.seq);
    return true;
  }, [conversationId, me, store]);

  const endEdit = useCallback((seq: number | null) => {
    setEditingSeq(seq);
    // Back to the composer once the edit is saved or cancelled.
    if (seq === null) requestAnimationFrame(() => sectionRef.current?.querySelector<HTMLTextAreaElement>('.composer__input')?.focus());
  }, []);

  const users = useMemo(() => members.map((m) => m.user), [members]);
  const typing = typingUsers(conv, Date.now());
  useUsersVersion(typing);

  if (conv === undefined) {
    return (
      <section className="conversation conversation--missing">
        <p>{t('chat.notFound')}</p>
      </section>
    );
  }

  const headingId = `conv-heading-${conversationId}`;
  return (
    <section
      ref={sectionRef}
      className={`${embedded ? 'conversation conversation--embedded' : 'conversation'}${dragDepth > 0 ? ' conversation--dropping' : ''}`}
      aria-labelledby={headingId}
      {...dropProps}
    >
      {dragDepth > 0 && (
        <div className="conversation__drop" aria-hidden="true">
          {t('attach.dropHere')}
        </div>
      )}
      <ConversationHeader info={conv.info} members={members} me={me} headingId={headingId} embedded={embedded} />
      <MessageList
        key={conversationId}
        conversationId={conversationId}
        members={members}
        focusSeq={focusSeq}
        editingSeq={editingSeq}
        onEdit={endEdit}
        onReply={setReplyTo}
        onError={setError}
      />
      <div className="typing" aria-live="polite">
        {typing.length > 0 &&
          t(typing.length === 1 ? 'chat.typingOne' : 'chat.typingMany', {
            names: joinNames(typing.map((id) => knownUser(id)?.display_name ?? '…'), locale),
          })}
      </div>
      {error !== undefined && <ErrorText error={error} />}
      <Composer
        conversationId={conversationId}
        members={users}
        me={me}
        replyTo={replyTo}
        onCancelReply={() => setReplyTo(null)}
        onSent={() => {}}
        uploads={uploads}
        onEditLast={editLast}
      />
    </section>
  );
}
