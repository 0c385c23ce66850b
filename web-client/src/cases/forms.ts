// The structured forms' requests (SPEC §10), built from what was typed:
// fields left blank are not sent, texts are trimmed, and a follow-up plan goes
// only with a referral down (the server refuses it on one up).

import type { CreateConsultRequest, CreateReferralRequest, Diagnosis, Priority, ReferralDirection } from '../api/types';

/** A blank field as absent, else trimmed. */
function text(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Fields left empty are not sent; the follow-up plan only with a referral down. */
export function referralRequest(fields: {
  team: string;
  direction: ReferralDirection;
  reason: string;
  summary: string;
  diagnoses: readonly Diagnosis[];
  purpose: string;
  precautions: string;
  followUpPlan: string;
  slot: string;
}): CreateReferralRequest {
  const summary = text(fields.summary);
  const purpose = text(fields.purpose);
  const precautions = text(fields.precautions);
  const plan = fields.direction === 'down' ? text(fields.followUpPlan) : undefined;
  return {
    to_team_id: fields.team,
    direction: fields.direction,
    reason: fields.reason.trim(),
    ...(summary === undefined ? {} : { summary }),
    ...(fields.diagnoses.length === 0 ? {} : { diagnoses: [...fields.diagnoses] }),
    ...(purpose === undefined ? {} : { purpose }),
    ...(precautions === undefined ? {} : { precautions }),
    ...(plan === undefined ? {} : { follow_up_plan: plan }),
    ...(fields.slot === '' ? {} : { slot_id: fields.slot }),
  };
}

/** A consult request: the consultants, the question, and the summary and diagnoses when given. */
export function consultRequest(fields: {
  consultantIds: readonly string[];
  question: string;
  summary: string;
  diagnoses: readonly Diagnosis[];
  urgency: Priority;
}): CreateConsultRequest {
  const summary = text(fields.summary);
  return {
    consultant_ids: [...fields.consultantIds],
    question: fields.question.trim(),
    ...(summary === undefined ? {} : { summary }),
    ...(fields.diagnoses.length === 0 ? {} : { diagnoses: [...fields.diagnoses] }),
    urgency: fields.urgency,
  };
}
