// What tells case, consult and referral threads apart (SPEC §8): the
// patient (name · sex · age), how urgent and how far along, and for a consult
// its question, for a referral its direction and the team on the other side.
// Pure helpers over ConversationDto.context, worded in the reader's language.

import type { CaseStatus, ConsultStatus, ConversationContext, Priority, ReferralDirection, ReferralStatus } from '../api/types';
import type { Translate } from '../i18n';

/** "赵建华 · 男 · 62岁" / "Zhao Jianhua · Male · 62 y"; unknown sex and age are left out. */
export function patientLine(context: ConversationContext, t: Translate): string {
  const { name, sex, age } = context.patient;
  const parts = [name];
  if (sex !== 'unknown') parts.push(t(`sex.${sex}`));
  if (age !== undefined) parts.push(t('context.age', { age }));
  return parts.join(' · ');
}

/** Only urgent and emergency cases get a badge; routine is the ordinary case. */
export function urgentPriority(context: ConversationContext): Exclude<Priority, 'routine'> | undefined {
  return context.priority === 'routine' ? undefined : context.priority;
}

/** The status that matters in this thread: the consult's, the referral's, else the case's. */
export function threadStatus(context: ConversationContext): CaseStatus | ConsultStatus | ReferralStatus {
  return context.consult_status ?? context.referral_status ?? context.status;
}

/** At most `max` characters (not UTF-16 units, so no emoji or rare character is cut in half), with "…" when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
}

export type ThreadDetail =
  | { kind: 'question'; text: string; full: string }
  | { kind: 'referral'; direction: ReferralDirection; label: string; team: string | undefined };

/** What a consult or referral thread adds: the question (cut to `max` characters), or ↑/↓ with the other team. */
export function threadDetail(context: ConversationContext, t: Translate, max = 40): ThreadDetail | undefined {
  if (context.consult_question !== undefined && context.consult_question.trim() !== '') {
    return { kind: 'question', text: t('context.question', { question: truncate(context.consult_question, max) }), full: context.consult_question };
  }
  if (context.referral_direction !== undefined) {
    const direction = context.referral_direction;
    return { kind: 'referral', direction, label: t(`context.referral.${direction}`), team: context.other_team_name };
  }
  return undefined;
}

/** Everything the sidebar filter may find a thread by, besides its title. */
export function contextSearchText(context: ConversationContext | undefined): string {
  if (context === undefined) return '';
  return [context.patient.name, context.team_name, context.case_title, context.consult_question ?? '', context.other_team_name ?? ''].join(' ');
}
