// Referral lists kept current from `referral_updated` events, which carry the
// referral as it is now.

import { newestFirst, oldestFirst, placeInWindow, upsertSorted, type Window } from '../api/lists';
import type { BoxKind, ReferralDto } from '../api/types';

/** Whether a referral concerns a case's page: it was referred from the case, or the case was created by it. */
export function concernsCase(referral: ReferralDto, caseId: string): boolean {
  return referral.case_id === caseId || referral.target_case_id === caseId;
}

/**
 * A box (newest first, a window of it loaded) after a `referral_updated`. A
 * referral never changes teams, so one already listed is replaced where it
 * is; a new one goes to incoming when it is to one of my teams, to outgoing
 * when it is from one. Undefined, to load the box again, when that cannot be
 * told: my teams are not known (yet), or neither team of the referral is among
 * them although the event reached me (they are out of date).
 */
export function applyReferralToBox(
  window: Window<ReferralDto>,
  box: BoxKind,
  myTeamIds: ReadonlySet<string> | undefined,
  referral: ReferralDto,
): Window<ReferralDto> | undefined {
  if (window.items.some((r) => r.id === referral.id)) return placeInWindow(window, referral, true, newestFirst);
  if (myTeamIds === undefined) return undefined;
  const to = myTeamIds.has(referral.to_team_id);
  const from = myTeamIds.has(referral.from_team_id);
  if (!to && !from) return undefined;
  return placeInWindow(window, referral, box === 'incoming' ? to : from, newestFirst);
}

/** The referrals of a case (oldest first, all of them, either side) after a `referral_updated`. */
export function applyReferralToCase(list: ReferralDto[], caseId: string, referral: ReferralDto): ReferralDto[] {
  return concernsCase(referral, caseId) ? upsertSorted(list, referral, oldestFirst) : list;
}
