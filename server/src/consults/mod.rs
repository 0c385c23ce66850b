//! Consults (会诊): a case's team asks colleagues of any team for an opinion.
//!
//! ```text
//!   requested ──accept──► accepted ──complete(opinion)──► completed
//!       │                    │
//!       ├──decline(reason)───┴──► declined
//!       └──cancel (requester)──► cancelled   (also from accepted)
//! ```
//! While named on a requested, accepted or completed consult, a consultant
//! reads the case and its discussion; the consult has its own thread for the
//! requester, the consultants and the case's team.

use crate::chat;
use crate::db::models::ConsultRow;
use consilium_shared::chat::{ConversationKind, MessageDto, SystemEvent};
use consilium_shared::{
    CaseId, ConsultId, ConversationId, UserId,
    cases::{BoxKind, CaseStatus, ConsultDto, ConsultOpinion, ConsultStatus, CreateConsultRequest, Priority},
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::cases::{self, CaseAccess};
use crate::db::models::{Consult, NewConversation};
use crate::db::schema::{consult_consultants, consults, conversation_members, conversations, users};
use crate::domain::BoundedText;
use crate::domain::keyset::{PageRequest, TimeKey};
use crate::error::ApiError;
use consilium_shared::ErrorReason as Reason;
use consilium_shared::sql::TextEnum;

/// A consult with its consultants.
#[derive(Debug, Clone)]
pub struct LoadedConsult {
    /// The row.
    pub consult: Consult,
    /// Who is asked.
    pub consultants: Vec<UserId>,
}

impl LoadedConsult {
    /// The wire view.
    pub fn dto(&self) -> ConsultDto {
        ConsultDto::from(ConsultRow(&self.consult, &self.consultants))
    }

    /// Everyone involved: the consult thread's members.
    pub async fn audience(&self, conn: &mut AsyncPgConnection) -> Result<Vec<UserId>, ApiError> {
        Ok(conversation_members::table
            .filter(conversation_members::conversation_id.eq(self.consult.conversation_id))
            .select(conversation_members::user_id)
            .load::<UserId>(conn)
            .await?)
    }
}

async fn consultants_of(conn: &mut AsyncPgConnection, consult: ConsultId) -> Result<Vec<UserId>, ApiError> {
    Ok(consult_consultants::table
        .filter(consult_consultants::consult_id.eq(consult))
        .select(consult_consultants::user_id)
        .order(consult_consultants::user_id)
        .load(conn)
        .await?)
}

/// Loads a consult the caller is involved in (requester, consultant or a
/// member of the case's team); 404 otherwise.
pub async fn load_visible(
    conn: &mut AsyncPgConnection,
    id: ConsultId,
    caller: UserId,
    lock: bool,
) -> Result<LoadedConsult, ApiError> {
    let query = consults::table.find(id).select(Consult::as_select());
    let consult: Consult = if lock {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    }
    .ok_or_else(|| ApiError::not_found(Reason::ConsultNotFound, "consult"))?;
    if !crate::chat::is_member(conn, consult.conversation_id, caller).await? {
        return Err(ApiError::not_found(Reason::ConsultNotFound, "consult"));
    }
    let consultants = consultants_of(conn, consult.id).await?;
    Ok(LoadedConsult { consult, consultants })
}

/// `POST /cases/{id}/consults`: a member of the case's team asks for a consult.
pub async fn request(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    case_id: CaseId,
    req: CreateConsultRequest,
    ip: Option<&str>,
    deadlines: &crate::config::DeadlineConfig,
) -> Result<(LoadedConsult, Vec<MessageDto>), ApiError> {
    let question = BoundedText::parse(&req.question, "question", 1, 4000)?.into_inner();
    let summary = crate::forms::optional_text(req.summary.as_deref(), "summary", crate::forms::SUMMARY_MAX)?;
    let diagnoses = crate::forms::parse_diagnoses(req.diagnoses.as_deref())?;
    let mut ids: Vec<UserId> = req.consultant_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > 10 {
        return Err(ApiError::Invalid(
            Reason::ConsultantCount,
            "consultant_ids: name 1 to 10 consultants".into(),
        ));
    }
    if ids.contains(&caller) {
        return Err(ApiError::Invalid(
            Reason::ConsultSelf,
            "consultant_ids: you cannot consult yourself".into(),
        ));
    }
    let urgency = req.urgency.unwrap_or(Priority::Routine);
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let loaded = cases::load_for_change(conn, case_id, caller).await?;
            if !matches!(loaded.access, CaseAccess::Team(_)) {
                return Err(ApiError::Forbidden(
                    Reason::CaseTeamOnly,
                    "only the case's team may request a consult".into(),
                ));
            }
            if loaded.case.status == CaseStatus::Closed {
                return Err(ApiError::Conflict(Reason::CaseClosed, "the case is closed".into()));
            }
            let active: i64 = users::table
                .filter(users::id.eq_any(&ids))
                .filter(users::active.eq(true))
                .count()
                .get_result(conn)
                .await?;
            if active != ids.len() as i64 {
                return Err(ApiError::Invalid(
                    Reason::ConsultantInactive,
                    "consultant_ids: every consultant must be an active user".into(),
                ));
            }
            let conversation_id = ConversationId::new();
            diesel::insert_into(conversations::table)
                .values(NewConversation {
                    id: conversation_id,
                    kind: ConversationKind::Consult,
                    title: &loaded.case.title,
                    team_id: Some(loaded.case.team_id),
                    direct_key: None,
                })
                .execute(conn)
                .await?;
            // an answer is due within the case's team's consult deadline
            let step = crate::deadlines::consult_deadline(conn, loaded.case.team_id, urgency, deadlines).await?;
            let due_at =
                chrono::Utc::now() + chrono::Duration::from_std(step).unwrap_or_else(|_| chrono::Duration::days(30));
            let consult: Consult = diesel::insert_into(consults::table)
                .values((
                    consults::id.eq(ConsultId::new()),
                    consults::case_id.eq(case_id),
                    consults::requested_by.eq(caller),
                    consults::question.eq(&question),
                    consults::summary.eq(&summary),
                    consults::diagnoses.eq(crate::forms::diagnoses_json(&diagnoses)),
                    consults::urgency.eq(urgency),
                    consults::status.eq(ConsultStatus::Requested),
                    consults::conversation_id.eq(conversation_id),
                    consults::due_at.eq(due_at),
                ))
                .returning(Consult::as_returning())
                .get_result(conn)
                .await?;
            crate::deadlines::schedule(conn, crate::deadlines::Subject::Consult(consult.id.0), due_at, step).await?;
            let rows: Vec<_> = ids
                .iter()
                .map(|u| {
                    (
                        consult_consultants::consult_id.eq(consult.id),
                        consult_consultants::user_id.eq(*u),
                    )
                })
                .collect();
            diesel::insert_into(consult_consultants::table)
                .values(rows)
                .execute(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(caller), "consult_requested", "consult", consult.id)
                    .detail(json!({ "case_id": case_id, "consultant_ids": ids, "urgency": urgency }))
                    .ip(ip),
            )
            .await?;
            let consultant_names: Vec<String> = users::table
                .filter(users::id.eq_any(&ids))
                .order(users::display_name.asc())
                .select(users::display_name)
                .load(conn)
                .await?;
            let event = SystemEvent::ConsultRequested {
                question: question.clone(),
                consultant_names,
                urgency,
            };
            // the consult's own thread opens with it; the case's records it
            let mut timeline = Vec::new();
            for conversation in [conversation_id, loaded.case.conversation_id] {
                timeline.extend(chat::post_system(conn, conversation, caller, &event, &question).await?);
            }
            Ok((
                LoadedConsult {
                    consult,
                    consultants: ids,
                },
                timeline,
            ))
        }
        .scope_boxed()
    })
    .await
}

/// A consult transition.
#[derive(Debug, Clone)]
pub enum ConsultTransition {
    /// A consultant takes it.
    Accept,
    /// A consultant refuses it.
    Decline(String),
    /// A consultant answers.
    Complete(ConsultOpinion),
    /// The requester withdraws it.
    Cancel,
}

impl ConsultTransition {
    fn target(&self) -> ConsultStatus {
        match self {
            Self::Accept => ConsultStatus::Accepted,
            Self::Decline(_) => ConsultStatus::Declined,
            Self::Complete(_) => ConsultStatus::Completed,
            Self::Cancel => ConsultStatus::Cancelled,
        }
    }
}

/// The state machine: which statuses each transition may leave from.
fn allowed_from(t: &ConsultTransition) -> &'static [ConsultStatus] {
    match t {
        ConsultTransition::Accept => &[ConsultStatus::Requested],
        ConsultTransition::Complete(_) => &[ConsultStatus::Accepted],
        ConsultTransition::Decline(_) | ConsultTransition::Cancel => {
            &[ConsultStatus::Requested, ConsultStatus::Accepted]
        }
    }
}

/// The 409 for a transition the current status forbids, naming that status.
fn status_conflict(current: ConsultStatus) -> ApiError {
    let reason = match current {
        ConsultStatus::Requested => Reason::ConsultRequested,
        ConsultStatus::Accepted => Reason::ConsultAccepted,
        ConsultStatus::Completed => Reason::ConsultCompleted,
        ConsultStatus::Declined => Reason::ConsultDeclined,
        ConsultStatus::Cancelled => Reason::ConsultCancelled,
    };
    ApiError::Conflict(reason, format!("the consult is {}", current.as_db()))
}

/// Applies a transition; 403 for the wrong person, 409 naming the current
/// status for a transition the state machine forbids.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    id: ConsultId,
    t: ConsultTransition,
    ip: Option<&str>,
) -> Result<(LoadedConsult, Vec<UserId>, Vec<MessageDto>), ApiError> {
    let reason = match &t {
        ConsultTransition::Decline(r) => Some(BoundedText::parse(r, "reason", 1, 2000)?.into_inner()),
        _ => None,
    };
    if let ConsultTransition::Complete(o) = &t {
        BoundedText::parse(&o.assessment, "opinion.assessment", 1, 8000)?;
        BoundedText::parse(&o.recommendation, "opinion.recommendation", 1, 8000)?;
    }
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let loaded = load_visible(conn, id, caller, true).await?;
            // everyone involved before the change, so consultants who lose access still hear of it
            let before = loaded.audience(conn).await?;
            match &t {
                ConsultTransition::Cancel if loaded.consult.requested_by != caller => {
                    return Err(ApiError::Forbidden(
                        Reason::RequesterOnly,
                        "only the requester may cancel a consult".into(),
                    ));
                }
                ConsultTransition::Cancel => {}
                _ if !loaded.consultants.contains(&caller) => {
                    return Err(ApiError::Forbidden(
                        Reason::ConsultantOnly,
                        "only a named consultant may answer a consult".into(),
                    ));
                }
                _ => {}
            }
            // a consult belongs to its case's record, read-only once that team is archived
            cases::require_writable(conn, loaded.consult.case_id, "the case's team").await?;
            let current = loaded.consult.status;
            if !allowed_from(&t).contains(&current) {
                return Err(status_conflict(current));
            }
            let target = t.target();
            let opinion = match &t {
                ConsultTransition::Complete(o) => Some(serde_json::to_value(o).map_err(anyhow::Error::from)?),
                _ => None,
            };
            let consult: Consult = diesel::update(consults::table.find(id))
                .set((
                    consults::status.eq(target),
                    opinion.clone().map(|o| consults::opinion.eq(o)),
                    reason.clone().map(|r| consults::decline_reason.eq(r)),
                ))
                .returning(Consult::as_returning())
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(caller), &format!("consult_{}", target.as_db()), "consult", id)
                    .detail(json!({ "from": current, "to": target, "reason": reason, "opinion": opinion }))
                    .ip(ip),
            )
            .await?;
            let (event, text) = match &t {
                ConsultTransition::Accept => (SystemEvent::ConsultAccepted, String::new()),
                ConsultTransition::Decline(_) => {
                    let reason = reason.clone().unwrap_or_default();
                    (SystemEvent::ConsultDeclined { reason: reason.clone() }, reason)
                }
                ConsultTransition::Complete(o) => (
                    SystemEvent::ConsultCompleted {
                        assessment: o.assessment.clone(),
                        recommendation: o.recommendation.clone(),
                    },
                    format!("{}\n{}", o.assessment, o.recommendation),
                ),
                ConsultTransition::Cancel => (SystemEvent::ConsultCancelled, String::new()),
            };
            let mut timeline = Vec::new();
            timeline.extend(chat::post_system(conn, consult.conversation_id, caller, &event, &text).await?);
            if matches!(t, ConsultTransition::Complete(_) | ConsultTransition::Decline(_)) {
                // the opinion (or the refusal) belongs to the case's record too
                let case_thread: ConversationId = crate::db::schema::cases::table
                    .find(consult.case_id)
                    .select(crate::db::schema::cases::conversation_id)
                    .first(conn)
                    .await?;
                timeline.extend(chat::post_system(conn, case_thread, caller, &event, &text).await?);
            }
            Ok((
                LoadedConsult {
                    consult,
                    consultants: loaded.consultants,
                },
                before,
                timeline,
            ))
        }
        .scope_boxed()
    })
    .await
}

/// Wire views of `rows`, loading all their consultants in one query.
pub async fn with_consultants(conn: &mut AsyncPgConnection, rows: Vec<Consult>) -> Result<Vec<ConsultDto>, ApiError> {
    let ids: Vec<_> = rows.iter().map(|c| c.id).collect();
    let pairs: Vec<(ConsultId, UserId)> = consult_consultants::table
        .filter(consult_consultants::consult_id.eq_any(&ids))
        .select((consult_consultants::consult_id, consult_consultants::user_id))
        .order((consult_consultants::consult_id, consult_consultants::user_id))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|consult| {
            let consultants = pairs
                .iter()
                .filter(|(c, _)| *c == consult.id)
                .map(|(_, u)| *u)
                .collect();
            LoadedConsult { consult, consultants }.dto()
        })
        .collect::<Vec<_>>())
}

/// `GET /consults`: a page of the consults addressed to the caller (incoming)
/// or requested by them (outgoing), newest first, and whether more follow.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    box_kind: BoxKind,
    status: Option<&str>,
    page: PageRequest<TimeKey>,
) -> Result<(Vec<ConsultDto>, bool), ApiError> {
    let status = status
        .map(|s| {
            ConsultStatus::from_db(s).ok_or_else(|| {
                ApiError::Invalid(Reason::UnknownStatus, format!("status: unknown consult status {s:?}"))
            })
        })
        .transpose()?;
    let mut query = consults::table
        .select(Consult::as_select())
        .order((consults::created_at.desc(), consults::id.desc()))
        .limit(page.fetch())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(
            consults::created_at
                .lt(after.at)
                .or(consults::created_at.eq(after.at).and(consults::id.lt(after.id))),
        );
    }
    query = match box_kind {
        BoxKind::Incoming => query.filter(
            consults::id.eq_any(
                consult_consultants::table
                    .filter(consult_consultants::user_id.eq(caller))
                    .select(consult_consultants::consult_id),
            ),
        ),
        BoxKind::Outgoing => query.filter(consults::requested_by.eq(caller)),
    };
    if let Some(s) = status {
        query = query.filter(consults::status.eq(s));
    }
    let (rows, more) = page.split(query.load::<Consult>(conn).await?);
    Ok((with_consultants(conn, rows).await?, more))
}

/// The consults of a case the caller may see. Not paged: a case gets a
/// handful of consults, and its page shows them all.
pub async fn for_case(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    case_id: CaseId,
) -> Result<Vec<ConsultDto>, ApiError> {
    let loaded = cases::load_visible(conn, case_id, caller, false).await?;
    if loaded.access == CaseAccess::Submitter {
        return Ok(vec![]);
    }
    let rows: Vec<Consult> = consults::table
        .filter(consults::case_id.eq(case_id))
        .select(Consult::as_select())
        .order(consults::created_at.asc())
        .load(conn)
        .await?;
    with_consultants(conn, rows).await
}
