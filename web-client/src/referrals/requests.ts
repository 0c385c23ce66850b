// The receiving team's answers to a referral, built from what was chosen and
// typed: accepting books a slot of the team (or keeps the one booked with the
// referral, or takes a typed appointment time), names a doctor, and for a
// patient sent down may carry the follow-up plan; so may completing one.

import type { AcceptReferralRequest, CompleteReferralRequest, ReferralDirection } from '../api/types';
import { KEEP_SLOT } from '../slots/week';
import { localInputToIso } from '../ui/format';

function plan(direction: ReferralDirection, text: string): { follow_up_plan?: string } {
  const trimmed = text.trim();
  return direction === 'down' && trimmed !== '' ? { follow_up_plan: trimmed } : {};
}

/**
 * `slot`: '' for none (then `appointment`, a datetime-local value, if typed),
 * 'keep' for the slot booked with the referral (nothing to send), else a slot id.
 */
export function acceptRequest(fields: {
  direction: ReferralDirection;
  slot: string;
  appointment: string;
  assignee: string;
  followUpPlan: string;
}): AcceptReferralRequest {
  const at = fields.slot === '' ? localInputToIso(fields.appointment) : undefined;
  return {
    ...(fields.slot !== '' && fields.slot !== KEEP_SLOT ? { slot_id: fields.slot } : {}),
    ...(at === undefined ? {} : { appointment_at: at }),
    ...(fields.assignee === '' ? {} : { assignee_id: fields.assignee }),
    ...plan(fields.direction, fields.followUpPlan),
  };
}

export function completeRequest(fields: { direction: ReferralDirection; outcome: string; followUpPlan: string }): CompleteReferralRequest {
  return { outcome: fields.outcome.trim(), ...plan(fields.direction, fields.followUpPlan) };
}
