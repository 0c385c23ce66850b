// Why a member is suggested for a case, in the reader's language: the
// server sends structured reasons (SuggestionReason), the client words them.
import type { SuggestionReason } from '../api/types';
import type { Locale, Translate } from '../i18n';
import { joinNames } from '../ui/format';

/** One sentence per reason, most weighty first (the server's order). */
export function reasonTexts(reasons: readonly SuggestionReason[], t: Translate, locale: Locale): string[] {
  return reasons.map((reason) => {
    switch (reason.kind) {
      case 'specialty':
        return t('triage.reason.specialty', { specialty: reason.specialty, terms: joinNames(reason.terms, locale) });
      case 'care_level':
        return t('triage.reason.careLevel', { level: t(`careLevel.${reason.care_level}`), priority: t(`priority.${reason.priority}`) });
      case 'load':
        return t('triage.openCases', { count: reason.open_cases });
      case 'lead':
        return t('triage.reason.lead');
    }
  });
}
