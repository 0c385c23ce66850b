//! Follow-up (随访, SPEC §10): the items of a patient's follow-up plan, each
//! with a due date and the doctor who does it — usually the grassroots doctor
//! after an expert team sent the patient back down.
//!
//! A plan is made on a case by a member of its team or of a team the case was
//! referred to or from ("the case's teams"), and each item is assigned to a
//! member of those teams. An item is kept under the case its assignee works
//! on: the case itself when the assignee is of its team, otherwise the linked
//! case of the assignee's team (the other end of the referral). So the
//! assignee opens the case they can see, and the planner, on the other side
//! of the referral, still sees it: a case's follow-ups are listed with those
//! of the cases linked to it.
//!
//! Timers (rows of `escalation_timers`, fired by [`crate::escalation`]):
//! level 0 reminds the assignee as the item comes due (`follow_up_due`),
//! levels 1 and 2 escalate it once overdue, as §7's deadlines do. Recording
//! the result posts it to every linked case's discussion and tells the
//! planner (`follow_up_completed`): the loop closes.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use consilium_shared::{
    CaseId, ConversationId, ErrorReason as Reason, FollowUpId, TeamId, UserId,
    chat::{MessageDto, SystemEvent},
    follow_ups::{CreateFollowUpsRequest, FollowUpDto, FollowUpFilter, FollowUpStatus},
    notifications::{NotificationKind, NotificationLink},
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::cases::{self, CaseAccess};
use crate::chat;
use crate::config::DeadlineConfig;
use crate::db::models::{Case, Notification};
use crate::db::schema::{cases as cases_t, follow_ups, patients, referrals, team_members, users};
use crate::deadlines::{self, Subject};
use crate::domain::BoundedText;
use crate::error::ApiError;
use crate::notifications::{self, NewNotification};

/// Most items in one plan.
pub const MAX_ITEMS: usize = 20;

/// How long before its due date a follow-up reminds its assignee: one day
/// (in deadline minutes, so drills and tests can shorten it), or half the
/// time left when less than two days are.
const REMIND_MINUTES: u32 = 24 * 60;

/// Longest wait between an overdue follow-up's two escalations: three days.
const MAX_STEP_MINUTES: u32 = 3 * 24 * 60;

/// A `follow_ups` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = follow_ups, check_for_backend(diesel::pg::Pg))]
pub struct FollowUp {
    /// Stable id.
    pub id: FollowUpId,
    /// The case its assignee works on.
    pub case_id: CaseId,
    /// What to do.
    pub title: String,
    /// How.
    pub instructions: String,
    /// When.
    pub due_at: DateTime<Utc>,
    /// Who does it.
    pub assignee_id: UserId,
    /// Who planned it.
    pub created_by: UserId,
    /// Open or done.
    pub status: FollowUpStatus,
    /// What it found.
    pub result: Option<String>,
    /// When it was done.
    pub completed_at: Option<DateTime<Utc>>,
    /// Who recorded the result.
    pub completed_by: Option<UserId>,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
}

/// A follow-up with its case's title and patient's name, as listed.
type Listed = (FollowUp, String, String);

fn dto((f, case_title, patient_name): Listed) -> FollowUpDto {
    FollowUpDto {
        id: f.id,
        case_id: f.case_id,
        patient_name,
        case_title,
        title: f.title,
        instructions: f.instructions,
        due_at: f.due_at,
        assignee_id: f.assignee_id,
        created_by: f.created_by,
        status: f.status,
        result: f.result,
        completed_at: f.completed_at,
        completed_by: f.completed_by,
        created_at: f.created_at,
    }
}

/// The cases linked to `case` by referrals (either end), with their teams,
/// newest referral first; `case` itself is not among them.
async fn linked_cases(conn: &mut AsyncPgConnection, case: CaseId) -> Result<Vec<(CaseId, TeamId)>, ApiError> {
    let rows: Vec<(CaseId, TeamId, CaseId, TeamId)> = referrals::table
        .filter(referrals::case_id.eq(case).or(referrals::target_case_id.eq(case)))
        .order(referrals::created_at.desc())
        .select((
            referrals::case_id,
            referrals::from_team_id,
            referrals::target_case_id,
            referrals::to_team_id,
        ))
        .load(conn)
        .await?;
    let mut linked = Vec::new();
    for (source, from_team, target, to_team) in rows {
        let other = if source == case {
            (target, to_team)
        } else {
            (source, from_team)
        };
        if !linked.contains(&other) {
            linked.push(other);
        }
    }
    Ok(linked)
}

/// The case, among `case` (of `team`) and its linked cases, that `user`
/// works on: the first whose team they belong to.
async fn case_of_member(
    conn: &mut AsyncPgConnection,
    user: UserId,
    candidates: &[(CaseId, TeamId)],
) -> Result<Option<CaseId>, ApiError> {
    let teams: Vec<TeamId> = candidates.iter().map(|(_, t)| *t).collect();
    let mine: Vec<TeamId> = team_members::table
        .filter(team_members::user_id.eq(user))
        .filter(team_members::team_id.eq_any(&teams))
        .select(team_members::team_id)
        .load(conn)
        .await?;
    Ok(candidates.iter().find(|(_, t)| mine.contains(t)).map(|(c, _)| *c))
}

/// `case` with its linked cases: the case first.
async fn case_family(conn: &mut AsyncPgConnection, case: &Case) -> Result<Vec<(CaseId, TeamId)>, ApiError> {
    let mut family = vec![(case.id, case.team_id)];
    family.extend(linked_cases(conn, case.id).await?);
    Ok(family)
}

/// What planning follow-ups produced, to announce after commit.
#[derive(Debug)]
pub struct Planned {
    /// The items, soonest first.
    pub items: Vec<FollowUpDto>,
    /// Timeline entries posted in the cases' discussions.
    pub timeline: Vec<MessageDto>,
}

/// `POST /cases/{id}/follow-ups`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    case_id: CaseId,
    req: &CreateFollowUpsRequest,
    ip: Option<&str>,
    cfg: &DeadlineConfig,
) -> Result<Planned, ApiError> {
    if req.items.is_empty() || req.items.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(
            Reason::FollowUpCount,
            format!("items: a plan has 1 to {MAX_ITEMS} items"),
        ));
    }
    let now = Utc::now();
    let mut items = Vec::with_capacity(req.items.len());
    for item in &req.items {
        let title = BoundedText::parse(&item.title, "items.title", 1, 200)?.into_inner();
        let instructions = crate::forms::optional_text(item.instructions.as_deref(), "items.instructions", 4000)?;
        if item.due_at <= now {
            return Err(ApiError::Invalid(
                Reason::DateInPast,
                "items.due_at: must be in the future".into(),
            ));
        }
        items.push((title, instructions, item.due_at, item.assignee_id));
    }
    items.sort_by_key(|(_, _, due, _)| *due);
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let loaded = cases::load_visible(conn, case_id, caller, false).await?;
            let family = case_family(conn, &loaded.case).await?;
            if case_of_member(conn, caller, &family).await?.is_none() {
                return Err(ApiError::Forbidden(
                    Reason::FollowUpTeamsOnly,
                    "only members of the case's team or of a team it was referred to or from plan follow-ups".into(),
                ));
            }
            let mut stored = Vec::with_capacity(items.len());
            let mut names = Vec::new();
            for (title, instructions, due_at, assignee) in &items {
                let active: Option<bool> = users::table
                    .find(*assignee)
                    .select(users::active)
                    .first(conn)
                    .await
                    .optional()?;
                let home = match active {
                    Some(true) => case_of_member(conn, *assignee, &family).await?,
                    _ => None,
                };
                let Some(home) = home else {
                    return Err(ApiError::Forbidden(
                        Reason::FollowUpAssigneeOutside,
                        "items.assignee_id: not an active member of the case's team or of a team it was referred to or from".into(),
                    ));
                };
                let row: FollowUp = diesel::insert_into(follow_ups::table)
                    .values((
                        follow_ups::id.eq(FollowUpId::new()),
                        follow_ups::case_id.eq(home),
                        follow_ups::title.eq(title),
                        follow_ups::instructions.eq(instructions),
                        follow_ups::due_at.eq(due_at),
                        follow_ups::assignee_id.eq(assignee),
                        follow_ups::created_by.eq(caller),
                    ))
                    .returning(FollowUp::as_returning())
                    .get_result(conn)
                    .await?;
                let (remind_at, step) = timers_for(row.created_at, row.due_at, cfg);
                deadlines::insert_timer(conn, Subject::FollowUp(row.id.0), 0, remind_at, step).await?;
                let name = chat::display_name_of(conn, *assignee).await?;
                if !names.contains(&name) {
                    names.push(name);
                }
                stored.push(row);
            }
            audit::record(
                conn,
                AuditEntry::new(Some(caller), "follow_ups_planned", "case", case_id)
                    .detail(json!({
                        "follow_up_ids": stored.iter().map(|f| f.id).collect::<Vec<_>>(),
                        "assignee_ids": items.iter().map(|i| i.3).collect::<BTreeSet<_>>(),
                    }))
                    .ip(ip),
            )
            .await?;
            let event = SystemEvent::FollowUpsPlanned {
                titles: items.iter().map(|i| i.0.clone()).collect(),
                assignee_names: names,
            };
            let text = items.iter().map(|i| i.0.as_str()).collect::<Vec<_>>().join("; ");
            let mut timeline = Vec::new();
            for conversation in conversations_of(conn, &stored_cases(&stored, case_id)).await? {
                timeline.extend(chat::post_system(conn, conversation, caller, &event, &text).await?);
            }
            let items = listed(conn, stored).await?;
            Ok(Planned { items, timeline })
        }
        .scope_boxed()
    })
    .await
}

/// The case a plan was made on and those its items were kept under.
fn stored_cases(stored: &[FollowUp], planned_on: CaseId) -> Vec<CaseId> {
    let mut ids = vec![planned_on];
    for f in stored {
        if !ids.contains(&f.case_id) {
            ids.push(f.case_id);
        }
    }
    ids
}

async fn conversations_of(conn: &mut AsyncPgConnection, ids: &[CaseId]) -> Result<Vec<ConversationId>, ApiError> {
    let mut rows: Vec<(CaseId, ConversationId)> = cases_t::table
        .filter(cases_t::id.eq_any(ids))
        .select((cases_t::id, cases_t::conversation_id))
        .load(conn)
        .await?;
    // in the order given: the case acted on first
    rows.sort_by_key(|(id, _)| ids.iter().position(|x| x == id));
    Ok(rows.into_iter().map(|(_, c)| c).collect())
}

/// When a follow-up planned at `created` and due at `due` reminds its
/// assignee, and how long after its due date the second escalation comes.
pub fn timers_for(created: DateTime<Utc>, due: DateTime<Utc>, cfg: &DeadlineConfig) -> (DateTime<Utc>, Duration) {
    let left = (due - created).to_std().unwrap_or(Duration::ZERO);
    let lead = (cfg.minute * REMIND_MINUTES).min(left / 2);
    let remind_at = due - chrono::Duration::from_std(lead).unwrap_or_else(|_| chrono::Duration::zero());
    let step = left.clamp(cfg.minute, cfg.minute * MAX_STEP_MINUTES);
    (remind_at, step)
}

/// Rows with their cases' titles and patients' names.
async fn listed(conn: &mut AsyncPgConnection, rows: Vec<FollowUp>) -> Result<Vec<FollowUpDto>, ApiError> {
    let ids: Vec<CaseId> = rows.iter().map(|f| f.case_id).collect();
    let names: Vec<(CaseId, String, String)> = cases_t::table
        .inner_join(patients::table)
        .filter(cases_t::id.eq_any(&ids))
        .select((cases_t::id, cases_t::title, patients::name))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|f| {
            let (title, patient) = names
                .iter()
                .find(|(id, ..)| *id == f.case_id)
                .map(|(_, t, p)| (t.clone(), p.clone()))
                .unwrap_or_default();
            dto((f, title, patient))
        })
        .collect())
}

fn listed_select() -> (
    diesel::dsl::AsSelect<FollowUp, diesel::pg::Pg>,
    cases_t::title,
    patients::name,
) {
    (FollowUp::as_select(), cases_t::title, patients::name)
}

/// `GET /cases/{id}/follow-ups`: the follow-ups of a case the caller may see
/// and of the cases linked to it by referrals, by due date.
pub async fn for_case(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    case_id: CaseId,
) -> Result<Vec<FollowUpDto>, ApiError> {
    let loaded = cases::load_visible(conn, case_id, caller, false).await?;
    if loaded.access == CaseAccess::Submitter {
        return Ok(Vec::new());
    }
    let family: Vec<CaseId> = case_family(conn, &loaded.case)
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let rows: Vec<Listed> = follow_ups::table
        .inner_join(cases_t::table.inner_join(patients::table))
        .filter(follow_ups::case_id.eq_any(&family))
        .order((follow_ups::due_at.asc(), follow_ups::id.asc()))
        .select(listed_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(dto).collect())
}

/// Most items `GET /me/follow-ups` returns.
const MINE_LIMIT: i64 = 200;

/// `GET /me/follow-ups?status=`: the caller's follow-ups.
pub async fn mine(
    conn: &mut AsyncPgConnection,
    me: UserId,
    filter: FollowUpFilter,
) -> Result<Vec<FollowUpDto>, ApiError> {
    let query = follow_ups::table
        .inner_join(cases_t::table.inner_join(patients::table))
        .filter(follow_ups::assignee_id.eq(me))
        .select(listed_select())
        .limit(MINE_LIMIT)
        .into_boxed();
    let query = match filter {
        FollowUpFilter::Due => query
            .filter(follow_ups::status.eq(FollowUpStatus::Open))
            .order((follow_ups::due_at.asc(), follow_ups::id.asc())),
        FollowUpFilter::Overdue => query
            .filter(follow_ups::status.eq(FollowUpStatus::Open))
            .filter(follow_ups::due_at.le(Utc::now()))
            .order((follow_ups::due_at.asc(), follow_ups::id.asc())),
        FollowUpFilter::Done => query
            .filter(follow_ups::status.eq(FollowUpStatus::Done))
            .order((follow_ups::completed_at.desc(), follow_ups::id.desc())),
    };
    let rows: Vec<Listed> = query.load(conn).await?;
    Ok(rows.into_iter().map(dto).collect())
}

/// My open follow-ups due within `horizon` (or overdue), soonest first: My work's list.
pub async fn due_soon(
    conn: &mut AsyncPgConnection,
    me: UserId,
    horizon: chrono::Duration,
    limit: i64,
) -> Result<Vec<FollowUpDto>, ApiError> {
    let rows: Vec<Listed> = follow_ups::table
        .inner_join(cases_t::table.inner_join(patients::table))
        .filter(follow_ups::assignee_id.eq(me))
        .filter(follow_ups::status.eq(FollowUpStatus::Open))
        .filter(follow_ups::due_at.le(Utc::now() + horizon))
        .order((follow_ups::due_at.asc(), follow_ups::id.asc()))
        .limit(limit)
        .select(listed_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(dto).collect())
}

/// What recording a result produced, to announce after commit.
#[derive(Debug)]
pub struct Completed {
    /// The follow-up, done.
    pub item: FollowUpDto,
    /// Timeline entries posted in the linked cases' discussions.
    pub timeline: Vec<MessageDto>,
    /// The planner's notification, when someone else recorded it.
    pub notes: Vec<Notification>,
}

/// `POST /follow-ups/{id}/complete`: the assignee (or a member of the case's
/// teams) records the result; 409 when it is already recorded.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    id: FollowUpId,
    result: &str,
    ip: Option<&str>,
) -> Result<Completed, ApiError> {
    let result = BoundedText::parse(result, "result", 1, 8000)?.into_inner();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let row: FollowUp = follow_ups::table
                .find(id)
                .select(FollowUp::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?
                .ok_or_else(|| ApiError::not_found(Reason::FollowUpNotFound, "follow-up"))?;
            let case: Case = cases_t::table
                .find(row.case_id)
                .select(Case::as_select())
                .first(conn)
                .await?;
            let family = case_family(conn, &case).await?;
            let in_teams = case_of_member(conn, caller, &family).await?.is_some();
            if row.assignee_id != caller && !in_teams {
                // someone who may read the case sees the item but may not close it
                return Err(match cases::access_of(conn, &case, caller).await? {
                    Some(_) => ApiError::Forbidden(
                        Reason::FollowUpAssigneeOnly,
                        "only the follow-up's assignee or the case's teams record its result".into(),
                    ),
                    None => ApiError::not_found(Reason::FollowUpNotFound, "follow-up"),
                });
            }
            if row.status == FollowUpStatus::Done {
                return Err(ApiError::Conflict(
                    Reason::FollowUpDone,
                    "the result is already recorded".into(),
                ));
            }
            let done: FollowUp = diesel::update(follow_ups::table.find(id))
                .set((
                    follow_ups::status.eq(FollowUpStatus::Done),
                    follow_ups::result.eq(&result),
                    follow_ups::completed_at.eq(Utc::now()),
                    follow_ups::completed_by.eq(caller),
                ))
                .returning(FollowUp::as_returning())
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(caller), "follow_up_completed", "follow_up", id)
                    .detail(json!({ "case_id": row.case_id }))
                    .ip(ip),
            )
            .await?;
            let event = SystemEvent::FollowUpCompleted {
                title: done.title.clone(),
                result: result.clone(),
            };
            let family_ids: Vec<CaseId> = family.iter().map(|(c, _)| *c).collect();
            let mut timeline = Vec::new();
            for conversation in conversations_of(conn, &family_ids).await? {
                timeline.extend(chat::post_system(conn, conversation, caller, &event, &result).await?);
            }
            let mut notes = Vec::new();
            if done.created_by != caller {
                let planner_case = case_of_member(conn, done.created_by, &family)
                    .await?
                    .unwrap_or(done.case_id);
                let conversation: ConversationId = cases_t::table
                    .find(planner_case)
                    .select(cases_t::conversation_id)
                    .first(conn)
                    .await?;
                notes = notifications::create(
                    conn,
                    vec![NewNotification {
                        user: done.created_by,
                        kind: NotificationKind::FollowUpCompleted,
                        title: done.title.clone(),
                        body: result.clone(),
                        link: NotificationLink {
                            conversation_id: Some(conversation),
                            case_id: Some(planner_case),
                            follow_up_id: Some(done.id),
                            ..Default::default()
                        },
                    }],
                )
                .await?;
            }
            let mut items = listed(conn, vec![done]).await?;
            let item = items
                .pop()
                .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("follow-up {id} vanished")))?;
            Ok(Completed { item, timeline, notes })
        }
        .scope_boxed()
    })
    .await
}

/// An open follow-up a timer watches: who does it, what, and where it leads.
#[derive(Debug)]
pub struct OpenFollowUp {
    /// The row.
    pub row: FollowUp,
    /// The team of the case it is kept under (whose lead hears of it overdue).
    pub team: TeamId,
    /// That case's discussion.
    pub conversation: ConversationId,
}

/// The follow-up `id` if it is still open (for the scheduler).
pub async fn open(conn: &mut AsyncPgConnection, id: FollowUpId) -> Result<Option<OpenFollowUp>, ApiError> {
    let row: Option<(FollowUp, TeamId, ConversationId)> = follow_ups::table
        .inner_join(cases_t::table)
        .filter(follow_ups::id.eq(id))
        .filter(follow_ups::status.eq(FollowUpStatus::Open))
        .select((FollowUp::as_select(), cases_t::team_id, cases_t::conversation_id))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(row, team, conversation)| OpenFollowUp {
        row,
        team,
        conversation,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(minute_ms: u64) -> DeadlineConfig {
        DeadlineConfig {
            minute: Duration::from_millis(minute_ms),
            poll: Duration::from_millis(50),
        }
    }

    #[test]
    fn a_follow_up_reminds_a_day_ahead_or_halfway_when_sooner() {
        let now = Utc::now();
        let minute = cfg(60_000);
        let (remind, step) = timers_for(now, now + chrono::Duration::days(14), &minute);
        assert_eq!(remind, now + chrono::Duration::days(13));
        assert_eq!(
            step,
            Duration::from_secs(3 * 24 * 3600),
            "the second escalation waits three days at most"
        );

        let (remind, step) = timers_for(now, now + chrono::Duration::hours(4), &minute);
        assert_eq!(remind, now + chrono::Duration::hours(2));
        assert_eq!(step, Duration::from_secs(4 * 3600));

        let fast = cfg(100);
        let (remind, step) = timers_for(now, now + chrono::Duration::seconds(4), &fast);
        assert_eq!(remind, now + chrono::Duration::seconds(2));
        assert_eq!(step, Duration::from_secs(4));
    }
}
