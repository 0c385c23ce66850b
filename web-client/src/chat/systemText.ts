// The words of a timeline entry (a system message, SPEC §8) in the reader's
// language: one sentence naming who took the step, and the free text the step
// carried (a reason, a question, an opinion, an outcome) as labelled details.
// The server resolves names when it writes the entry; the actor is the
// message's sender, named by the caller.

import type { SystemEvent } from '../api/types';
import type { Locale, Translate } from '../i18n';
import { formatDateTime, formatDuration, joinNames, listNames } from '../ui/format';

export interface SystemDetail {
  label: string;
  value: string;
}

export interface SystemText {
  sentence: string;
  details: SystemDetail[];
  /** A sign for the kind of step, drawn beside the sentence (decorative). */
  icon: string;
}

/** The sentence and details of one timeline entry; an event this client does not know still reads as an update. */
export function systemText(event: SystemEvent | undefined, actor: string, t: Translate, locale: Locale): SystemText {
  const detail = (label: string, value: string | undefined): SystemDetail[] =>
    value === undefined || value.trim() === '' ? [] : [{ label, value }];
  if (event === undefined) return { sentence: t('system.other', { actor }), details: [], icon: '•' };
  switch (event.event) {
    case 'case_assigned':
      return { sentence: t('system.case_assigned', { actor, assignee: event.assignee_name }), details: [], icon: '👤' };
    case 'case_transferred':
      return {
        sentence: t('system.case_transferred', { actor, team: event.team_name }),
        details: detail(t('system.note'), event.note),
        icon: '↪',
      };
    case 'case_declined':
      return { sentence: t('system.case_declined', { actor }), details: detail(t('system.reason'), event.reason), icon: '✕' };
    case 'case_status_changed':
      return { sentence: t('system.case_status_changed', { actor, status: t(`status.${event.status}`) }), details: [], icon: '●' };
    case 'consult_requested':
      return {
        sentence: t('system.consult_requested', {
          actor,
          consultants: joinNames(event.consultant_names, locale),
          urgency: t(`priority.${event.urgency}`),
        }),
        details: detail(t('system.question'), event.question),
        icon: '🩺',
      };
    case 'consult_accepted':
      return { sentence: t('system.consult_accepted', { actor }), details: [], icon: '✓' };
    case 'consult_declined':
      return { sentence: t('system.consult_declined', { actor }), details: detail(t('system.reason'), event.reason), icon: '✕' };
    case 'consult_completed':
      return {
        sentence: t('system.consult_completed', { actor }),
        details: [...detail(t('system.assessment'), event.assessment), ...detail(t('system.recommendation'), event.recommendation)],
        icon: '📋',
      };
    case 'consult_cancelled':
      return { sentence: t('system.consult_cancelled', { actor }), details: [], icon: '↩' };
    case 'referral_created':
      return {
        sentence: t(event.direction === 'up' ? 'system.referral_created.up' : 'system.referral_created.down', { actor, team: event.to_team_name }),
        details: detail(t('system.reason'), event.reason),
        icon: event.direction === 'up' ? '⇧' : '⇩',
      };
    case 'referral_accepted':
      return {
        sentence:
          event.assignee_name === undefined
            ? t('system.referral_accepted', { actor })
            : t('system.referral_accepted_by', { actor, assignee: event.assignee_name }),
        details: detail(t('system.appointment'), event.appointment_at === undefined ? undefined : formatDateTime(event.appointment_at, locale)),
        icon: '✓',
      };
    case 'referral_declined':
      return { sentence: t('system.referral_declined', { actor }), details: detail(t('system.reason'), event.reason), icon: '✕' };
    case 'referral_completed':
      return { sentence: t('system.referral_completed', { actor }), details: detail(t('system.outcome'), event.outcome), icon: '🏁' };
    case 'referral_cancelled':
      return { sentence: t('system.referral_cancelled', { actor }), details: [], icon: '↩' };
    case 'follow_ups_planned':
      return {
        sentence: t('system.follow_ups_planned', { actor, names: listNames(event.assignee_names, locale) }),
        details: detail(t('system.follow_up_items'), event.titles.join(locale === 'zh-CN' ? '；' : '; ')),
        icon: '📋',
      };
    case 'follow_up_completed':
      return {
        sentence: t('system.follow_up_completed', { actor, title: event.title }),
        details: detail(t('system.follow_up_result'), event.result),
        icon: '✅',
      };
    case 'call_started':
      return { sentence: t('system.call_started', { actor: event.started_by_name.trim() === '' ? actor : event.started_by_name }), details: [], icon: '📹' };
    case 'call_ended': {
      const duration = formatDuration(event.duration_secs);
      return {
        sentence:
          event.participant_names.length === 0
            ? t('system.call_ended_alone', { duration })
            : t('system.call_ended', { duration, names: listNames(event.participant_names, locale) }),
        details: [],
        icon: '📹',
      };
    }
    case 'break_glass':
      return {
        sentence: t('system.break_glass', { name: event.user_name, until: formatDateTime(event.expires_at, locale) }),
        details: detail(t('system.reason'), event.reason),
        icon: '🔓',
      };
    default:
      return { sentence: t('system.other', { actor }), details: [], icon: '•' };
  }
}
