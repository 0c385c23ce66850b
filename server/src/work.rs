//! "My work" (SPEC §7): one call that gives a doctor or an assistant their
//! day — what is assigned to them, what asks for their answer or their
//! acknowledgement, the queues they triage, the follow-ups coming due, and
//! what of it is overdue.

use chrono::Utc;
use consilium_shared::{
    TeamId, UserId,
    cases::{CaseDto, CaseStatus, ConsultStatus, ReferralStatus},
    chat::MessageDto,
    notifications::{MyWork, OverdueWork},
    teams::TeamRole,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::cases::queue_rank;
use crate::chat::Message;
use crate::consults::with_consultants;
use crate::db::models::{Case, CaseRow, Consult, Patient, Referral};
use crate::db::schema::{
    cases, consult_consultants, consults, conversation_members, message_acks, messages, patients, referrals,
    team_members,
};
use crate::error::ApiError;

/// Most items per list.
const LIMIT: usize = 50;
/// How far ahead My work shows follow-ups: a week.
const FOLLOW_UP_HORIZON_DAYS: i64 = 7;
/// Rows read per list before ordering by urgency.
const READ: i64 = 200;

/// Cases in the triage order: most urgent first, then oldest.
fn by_urgency(mut rows: Vec<(Case, Patient)>) -> Vec<(Case, Patient)> {
    rows.sort_by_key(|(c, _)| (queue_rank(c.priority), c.created_at));
    rows.truncate(LIMIT);
    rows
}

/// The caller's day.
pub async fn my_work(conn: &mut AsyncPgConnection, me: UserId) -> Result<MyWork, ApiError> {
    let now = Utc::now();
    let triage_teams: Vec<TeamId> = team_members::table
        .filter(team_members::user_id.eq(me))
        .filter(team_members::role.eq_any([TeamRole::Assistant, TeamRole::Lead]))
        .select(team_members::team_id)
        .load(conn)
        .await?;

    let assigned: Vec<(Case, Patient)> = cases::table
        .inner_join(patients::table)
        .filter(cases::assignee_id.eq(me))
        .filter(cases::status.eq(CaseStatus::Open))
        .order(cases::created_at.asc())
        .limit(READ)
        .select((Case::as_select(), Patient::as_select()))
        .load(conn)
        .await?;
    let queue: Vec<(Case, Patient)> = cases::table
        .inner_join(patients::table)
        .filter(cases::team_id.eq_any(&triage_teams))
        .filter(cases::status.eq(CaseStatus::Triage))
        .order(cases::created_at.asc())
        .limit(READ)
        .select((Case::as_select(), Patient::as_select()))
        .load(conn)
        .await?;
    let queue = by_urgency(queue);
    let overdue_cases: Vec<CaseDto> = queue
        .iter()
        .filter(|(c, _)| c.due_at.is_some_and(|due| due <= now))
        .map(|(c, p)| CaseDto::from(CaseRow(c, p)))
        .collect();

    let consult_rows: Vec<Consult> = consults::table
        .inner_join(consult_consultants::table)
        .filter(consult_consultants::user_id.eq(me))
        .filter(consults::status.eq_any([ConsultStatus::Requested, ConsultStatus::Accepted]))
        .order(consults::created_at.asc())
        .limit(LIMIT as i64)
        .select(Consult::as_select())
        .load(conn)
        .await?;
    let consults_to_answer = with_consultants(conn, consult_rows).await?;
    let overdue_consults = consults_to_answer
        .iter()
        .filter(|c| c.due_at.is_some_and(|due| due <= now))
        .cloned()
        .collect();

    let my_open_cases = cases::table
        .filter(cases::assignee_id.eq(me))
        .filter(cases::status.eq(CaseStatus::Open))
        .select(cases::id);
    let referral_rows: Vec<Referral> = referrals::table
        .filter(
            referrals::status
                .eq(ReferralStatus::Pending)
                .and(referrals::to_team_id.eq_any(&triage_teams))
                .or(referrals::status
                    .eq(ReferralStatus::Accepted)
                    .and(referrals::target_case_id.eq_any(my_open_cases))),
        )
        .order(referrals::created_at.asc())
        .limit(LIMIT as i64)
        .select(Referral::as_select())
        .load(conn)
        .await?;

    let mine = conversation_members::table
        .filter(conversation_members::user_id.eq(me))
        .select(conversation_members::conversation_id);
    let unacknowledged: Vec<Message> = messages::table
        .filter(messages::conversation_id.eq_any(mine))
        .filter(messages::ack_required.eq(true))
        .filter(messages::recalled_at.is_null())
        .filter(messages::sender_id.ne(me))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            message_acks::table
                .filter(message_acks::message_id.eq(messages::id))
                .filter(message_acks::user_id.eq(me)),
        )))
        .order(messages::created_at.asc())
        .limit(LIMIT as i64)
        .select(Message::as_select())
        .load(conn)
        .await?;
    let overdue_messages = unacknowledged
        .iter()
        .filter(|m| m.ack_due_at.is_some_and(|due| due <= now))
        .cloned()
        .map(MessageDto::from)
        .collect();

    let follow_ups_due =
        crate::follow_ups::due_soon(conn, me, chrono::Duration::days(FOLLOW_UP_HORIZON_DAYS), LIMIT as i64).await?;
    let overdue_follow_ups = follow_ups_due.iter().filter(|f| f.due_at <= now).cloned().collect();

    Ok(MyWork {
        assigned_cases: by_urgency(assigned)
            .iter()
            .map(|(c, p)| CaseDto::from(CaseRow(c, p)))
            .collect(),
        consults_to_answer,
        referrals_to_handle: crate::referrals::dtos(conn, &referral_rows).await?,
        unacknowledged: unacknowledged.into_iter().map(MessageDto::from).collect(),
        triage_queue: queue.iter().map(|(c, p)| CaseDto::from(CaseRow(c, p))).collect(),
        follow_ups_due,
        overdue: OverdueWork {
            cases: overdue_cases,
            consults: overdue_consults,
            messages: overdue_messages,
            follow_ups: overdue_follow_ups,
        },
    })
}
