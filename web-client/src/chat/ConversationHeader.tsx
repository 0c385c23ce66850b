// The top of a conversation: its title and kind, what it is about (patient,
// urgency, status, the consult question or referral direction), who is in it
// with their presence (for case, consult and referral threads; a direct
// chat shows the other person's), the case link, my notification level and,
// in case, consult, referral and direct conversations, the video call button
// (calls/CallButton.tsx: start, join the live call, or back to mine).

import { useMemo, useState } from 'react';
import { CallButton } from '../calls/CallButton';
import type { ConversationDto, ConversationMemberDto, PresenceStatus } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { href } from '../router';
import { PresenceDot } from '../ui/common';
import { joinNames } from '../ui/format';
import { ContextLine } from './ContextLine';
import { NotifyLevelMenu } from './NotifyLevelMenu';

/** How many members the header names before "+N more". */
const MEMBERS_SHOWN = 6;

interface Props {
  info: ConversationDto;
  members: readonly ConversationMemberDto[];
  me: string | null;
  headingId: string;
  embedded: boolean;
}

export function ConversationHeader({ info, members, me, headingId, embedded }: Props) {
  const { t, locale } = useI18n();
  const thread = info.kind === 'case' || info.kind === 'consult' || info.kind === 'referral';
  const callable = thread || info.kind === 'direct';
  return (
    <header className="conversation__header">
      {info.kind === 'direct' && <PeerPresence peerId={info.peer_id} />}
      <h1 id={headingId} tabIndex={-1} className={embedded ? 'conversation__title conversation__title--small' : 'conversation__title'}>
        {embedded ? t('chat.discussion') : info.title}
      </h1>
      <span className="muted conversation__kind">{t(`kind.${info.kind}`)}</span>
      {info.case_id !== undefined && !embedded && (
        <a className="button button--small" href={href({ name: 'case', caseId: info.case_id })}>
          {t('chat.openCase')}
        </a>
      )}
      {callable && <CallButton conversationId={info.id} />}
      {!embedded && <NotifyLevelMenu conversationId={info.id} />}
      {!thread && members.length > 0 && (
        <span className="muted conversation__members" title={joinNames(members.map((m) => m.user.display_name), locale)}>
          {t('chat.memberCount', { count: members.length })}
        </span>
      )}
      {info.context !== undefined && !embedded && (
        <div className="conversation__context">
          <ContextLine context={info.context} variant="header" />
        </div>
      )}
      {thread && members.length > 0 && <MembersPresence members={members} me={me} />}
    </header>
  );
}

function PeerPresence({ peerId }: { peerId: string | undefined }) {
  const status = useRealtime((s) => (peerId === undefined ? undefined : s.presence[peerId]));
  const duty = useRealtime((s) => (peerId === undefined ? undefined : s.duty[peerId]));
  return <PresenceDot status={status} duty={duty} />;
}

const PRESENCE_ORDER: Record<PresenceStatus, number> = { online: 0, away: 1, offline: 2 };

/** I am here, so online (the presence snapshot lists only the others); unknown means offline. */
function presenceOf(presence: Readonly<Record<string, PresenceStatus>>, id: string, me: string | null): PresenceStatus {
  return id === me ? 'online' : (presence[id] ?? 'offline');
}

/** The members, online first, each with a presence dot; the first few, then "+N more". */
function MembersPresence({ members, me }: { members: readonly ConversationMemberDto[]; me: string | null }) {
  const { t, locale } = useI18n();
  const presence = useRealtime((s) => s.presence);
  const duty = useRealtime((s) => s.duty);
  const [all, setAll] = useState(false);
  const sorted = useMemo(() => {
    const rank = (id: string) => PRESENCE_ORDER[presenceOf(presence, id, me)];
    return [...members].sort((a, b) => rank(a.user.id) - rank(b.user.id) || a.user.display_name.localeCompare(b.user.display_name, locale));
  }, [members, presence, me, locale]);
  const shown = all ? sorted : sorted.slice(0, MEMBERS_SHOWN);
  const hidden = sorted.length - shown.length;
  return (
    <div className="conversation__people">
      <ul className="member-presence" aria-label={t('chat.members')}>
        {shown.map((m) => (
          <li key={m.user.id} className="member-presence__item">
            <PresenceDot status={presenceOf(presence, m.user.id, me)} duty={duty[m.user.id]} />
            <span>{m.user.display_name}</span>
          </li>
        ))}
      </ul>
      {sorted.length > MEMBERS_SHOWN && (
        <button type="button" className="link-button member-presence__more" aria-expanded={all} onClick={() => setAll(!all)}>
          {all ? t('chat.membersFewer') : t('chat.membersMore', { count: hidden })}
        </button>
      )}
    </div>
  );
}
