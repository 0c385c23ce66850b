// What a notification says and where it leads. The server sends the subject
// (`title`, as users wrote it) and who acted (`body`); the sentence around
// them is the client's, in the reader's language, chosen by `kind`.
//
// SENTENCES is a record over NotificationKind, so a kind added on the Rust
// side (and regenerated into src/generated) fails `tsc` here until it has
// words; a kind this client does not know yet (a newer server) gets a generic
// sentence instead of a blank.

import type { NotificationDto, NotificationKind } from '../api/types';
import type { Translate } from '../i18n';
import type { Route } from '../router';

type Sentence = (n: NotificationDto, t: Translate, who: string) => string;

const SENTENCES: Record<NotificationKind, Sentence> = {
  assigned: (n, t) => t('notifications.kind.assigned', { title: n.title }),
  mentioned: (_, t, who) => t('notifications.kind.mentioned', { body: who }),
  urgent_message: (_, t, who) => t('notifications.kind.urgent_message', { body: who }),
  consult_requested: (n, t, who) => t('notifications.kind.consult_requested', { body: who, title: n.title }),
  consult_answered: (n, t, who) => t('notifications.kind.consult_answered', { body: who, title: n.title }),
  referral_received: (n, t, who) => t('notifications.kind.referral_received', { body: who, title: n.title }),
  referral_updated: (n, t, who) => t('notifications.kind.referral_updated', { body: who, title: n.title }),
  follow_up_due: (n, t) => t('notifications.kind.follow_up_due', { title: n.title }),
  follow_up_completed: (n, t) => t('notifications.kind.follow_up_completed', { title: n.title }),
  escalation: (n, t) => t('notifications.kind.escalation', { title: n.title }),
  call: (_, t, who) => t('notifications.kind.call', { body: who }),
  break_glass: (n, t) => t('notifications.kind.break_glass', { title: n.title }),
};

/** The kinds whose sentence names who acted but not the subject: the subject (a message excerpt) is shown below it. */
const SUBJECT_BELOW: ReadonlySet<NotificationKind> = new Set(['mentioned', 'urgent_message', 'call']);
/**
 * The kinds whose sentence names the subject but not the short detail (a
 * follow-up's instructions or recorded result, an escalated team): the detail is shown below.
 */
const DETAIL_BELOW: ReadonlySet<NotificationKind> = new Set(['follow_up_due', 'follow_up_completed', 'escalation', 'break_glass']);

function isKnownKind(kind: string): kind is NotificationKind {
  return Object.hasOwn(SENTENCES, kind);
}

/** The notification as one sentence in the reader's language, e.g. "分配给您的病例：胸痛3天". */
export function notificationText(n: NotificationDto, t: Translate): string {
  const who = n.body.trim() === '' ? t('chat.someone') : n.body.trim();
  return isKnownKind(n.kind) ? SENTENCES[n.kind](n, t, who) : t('notifications.other', { title: n.title });
}

/** A second line under the sentence (the message excerpt, the patient), or undefined when the sentence says it all. */
export function notificationDetail(n: NotificationDto): string | undefined {
  const text = SUBJECT_BELOW.has(n.kind) ? n.title : DETAIL_BELOW.has(n.kind) ? n.body : '';
  return text.trim() === '' ? undefined : text.trim();
}

/**
 * Where opening a notification goes: a message (mention, urgent message,
 * call) to its conversation at that message; anything about a case (an
 * assignment, a consult, a referral, a deadline, a follow-up) to the case
 * page, which shows its consults, referrals and follow-ups with their actions; else the consults or
 * referrals box, else the conversation. Null when the link names nothing.
 */
export function notificationRoute(n: NotificationDto): Route | null {
  const l = n.link;
  const chat = (conversationId: string): Route =>
    l.seq === undefined ? { name: 'chat', conversationId } : { name: 'chat', conversationId, seq: l.seq };
  if (SUBJECT_BELOW.has(n.kind) && l.conversation_id !== undefined) return chat(l.conversation_id);
  if (l.case_id !== undefined) return { name: 'case', caseId: l.case_id };
  if (l.consult_id !== undefined) return { name: 'consults' };
  if (l.referral_id !== undefined) return { name: 'referrals' };
  if (l.conversation_id !== undefined) return chat(l.conversation_id);
  return null;
}
