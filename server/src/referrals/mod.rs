//! Referrals (转诊): a case's team sends the patient up to an expert team or
//! down to a grassroots team for follow-up.
//!
//! ```text
//!   pending ──accept──► accepted ──complete(outcome)──► completed
//!      ├──decline(reason)──► declined
//!      └──cancel (referring side)──► cancelled   (also from accepted)
//! ```
//! Creating a referral puts a linked case (`source: referral`) in the receiving
//! team's triage queue; both teams share the referral's thread, and the
//! referring team can follow the linked case. The outcome is posted back into
//! the referring case's discussion, in the transaction that completes the
//! referral, so a completed referral always has its outcome message.
//!
//! An archived team's records are read-only. The receiving team's must be
//! active for any transition, since each one moves its linked case or queue;
//! the referring team's must be active to cancel (its own act) and to complete
//! (which writes into its case's discussion). The receiving team may still
//! accept or decline a patient sent by a team archived since: that decides
//! about a case in its own queue, as triage of that case does.

pub mod machine;

use consilium_shared::chat::ConversationKind;
use consilium_shared::{
    CaseId, ConversationId, ReferralId, UserId,
    cases::{
        AcceptReferralRequest, BoxKind, CaseSource, CaseStatus, CompleteReferralRequest, CreateReferralRequest,
        Priority, ReferralDirection, ReferralDto, ReferralStatus,
    },
    chat::{MessageDto, SystemEvent},
    teams::TeamRole,
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditEntry};
use crate::cases::{
    self, CaseAccess,
    machine::{CaseMove, NewCase},
};
use crate::chat;
use crate::db::models::{Case, NewConversation, Patient, Referral, ReferralForm, ReferralRow};
use crate::db::schema::{cases as cases_t, conversations, patients, referral_forms, referrals, team_members, teams};
use crate::domain::BoundedText;
use crate::domain::keyset::{PageRequest, TimeKey};
use crate::error::ApiError;
use crate::forms;
use crate::teams::{member_role, require_active};
use consilium_shared::ErrorReason as Reason;
use consilium_shared::sql::TextEnum;
use machine::ReferralMove;

/// Which side of a referral the caller is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A member of the referring team.
    Referring,
    /// A member of the receiving team, with their role.
    Receiving(TeamRole),
}

/// Loads a referral the caller is a party to; 404 otherwise.
pub async fn load_visible(
    conn: &mut AsyncPgConnection,
    id: ReferralId,
    caller: UserId,
    lock: bool,
) -> Result<(Referral, Side), ApiError> {
    let query = referrals::table.find(id).select(Referral::as_select());
    let referral: Referral = if lock {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    }
    .ok_or_else(|| ApiError::not_found(Reason::ReferralNotFound, "referral"))?;
    if let Some(role) = member_role(conn, referral.to_team_id, caller).await? {
        return Ok((referral, Side::Receiving(role)));
    }
    if member_role(conn, referral.from_team_id, caller).await?.is_some() {
        return Ok((referral, Side::Referring));
    }
    Err(ApiError::not_found(Reason::ReferralNotFound, "referral"))
}

/// Members of both teams: everyone who hears about a referral.
pub async fn audience(conn: &mut AsyncPgConnection, r: &Referral) -> Result<Vec<UserId>, ApiError> {
    let mut ids: Vec<UserId> = team_members::table
        .filter(team_members::team_id.eq_any([r.from_team_id, r.to_team_id]))
        .select(team_members::user_id)
        .load(conn)
        .await?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The referral form (转诊单) of a new referral, checked.
#[derive(Debug)]
struct NewForm {
    summary: String,
    diagnoses: Vec<consilium_shared::cases::Diagnosis>,
    purpose: String,
    precautions: String,
    follow_up_plan: Option<String>,
}

impl NewForm {
    fn parse(req: &CreateReferralRequest) -> Result<Self, ApiError> {
        let follow_up_plan = follow_up_plan(req.follow_up_plan.as_deref(), req.direction)?;
        Ok(Self {
            summary: forms::optional_text(req.summary.as_deref(), "summary", forms::SUMMARY_MAX)?,
            diagnoses: forms::parse_diagnoses(req.diagnoses.as_deref())?,
            purpose: forms::optional_text(req.purpose.as_deref(), "purpose", forms::FIELD_MAX)?,
            precautions: forms::optional_text(req.precautions.as_deref(), "precautions", forms::FIELD_MAX)?,
            follow_up_plan,
        })
    }
}

/// A follow-up plan (随访计划), which only a patient sent down carries; an
/// empty one is none.
fn follow_up_plan(raw: Option<&str>, direction: ReferralDirection) -> Result<Option<String>, ApiError> {
    let plan = forms::optional_text(raw, "follow_up_plan", forms::FIELD_MAX)?;
    if plan.is_empty() {
        return Ok(None);
    }
    if direction != ReferralDirection::Down {
        return Err(ApiError::Invalid(
            Reason::FollowUpPlanDownOnly,
            "follow_up_plan: only a down-referral carries a follow-up plan".into(),
        ));
    }
    Ok(Some(plan))
}

/// Wire views of `rows`, with their linked cases' patients and priorities in one query.
pub async fn dtos(conn: &mut AsyncPgConnection, rows: &[Referral]) -> Result<Vec<ReferralDto>, ApiError> {
    let targets: Vec<CaseId> = rows.iter().map(|r| r.target_case_id).collect();
    let found: Vec<(CaseId, Priority, Patient)> = cases_t::table
        .inner_join(patients::table)
        .filter(cases_t::id.eq_any(&targets))
        .select((cases_t::id, cases_t::priority, Patient::as_select()))
        .load(conn)
        .await?;
    let by_case: std::collections::HashMap<CaseId, (Priority, Patient)> = found
        .into_iter()
        .map(|(id, priority, patient)| (id, (priority, patient)))
        .collect();
    let ids: Vec<ReferralId> = rows.iter().map(|r| r.id).collect();
    let forms: std::collections::HashMap<ReferralId, ReferralForm> = referral_forms::table
        .filter(referral_forms::referral_id.eq_any(&ids))
        .select((referral_forms::referral_id, ReferralForm::as_select()))
        .load::<(ReferralId, ReferralForm)>(conn)
        .await?
        .into_iter()
        .collect();
    let blank = ReferralForm::default();
    rows.iter()
        .map(|r| {
            let (priority, patient) = by_case
                .get(&r.target_case_id)
                .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("referral {} without its linked case", r.id)))?;
            let form = forms.get(&r.id).unwrap_or(&blank);
            Ok(ReferralDto::from(ReferralRow(r, form, patient, *priority)))
        })
        .collect()
}

/// The wire view of one referral.
pub async fn dto(conn: &mut AsyncPgConnection, r: &Referral) -> Result<ReferralDto, ApiError> {
    let mut one = dtos(conn, std::slice::from_ref(r)).await?;
    one.pop()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("referral {} without its linked case", r.id)))
}

/// What creating a referral produced.
#[derive(Debug)]
pub struct Created {
    /// The referral.
    pub referral: Referral,
    /// The linked case in the receiving team's queue.
    pub target_case: Case,
    /// Timeline entries posted (SPEC §8), to announce after commit.
    pub timeline: Vec<MessageDto>,
}

/// `POST /cases/{id}/referrals`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    case_id: CaseId,
    req: &CreateReferralRequest,
    ip: Option<&str>,
    deadlines: &crate::config::DeadlineConfig,
) -> Result<Created, ApiError> {
    let (to_team, direction, slot) = (req.to_team_id, req.direction, req.slot_id);
    let reason = BoundedText::parse(&req.reason, "reason", 1, 4000)?.into_inner();
    let form = NewForm::parse(req)?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let loaded = cases::load_for_change(conn, case_id, caller).await?;
            if !matches!(loaded.access, CaseAccess::Team(_)) {
                return Err(ApiError::Forbidden(Reason::CaseTeamOnly, "only the case's team may refer it".into()));
            }
            if loaded.case.status == CaseStatus::Closed {
                return Err(ApiError::Conflict(Reason::CaseClosed, "the case is closed".into()));
            }
            if to_team == loaded.case.team_id {
                return Err(ApiError::Invalid(Reason::SameTeam, "to_team_id: the case is already with this team".into()));
            }
            require_active(conn, to_team, "the receiving team").await.map_err(|e| match e {
                ApiError::NotFound(..) => ApiError::Invalid(Reason::TeamMissing, "to_team_id: no such team".into()),
                other => other,
            })?;
            let open_referral: bool = diesel::select(diesel::dsl::exists(
                referrals::table
                    .filter(referrals::case_id.eq(case_id))
                    .filter(referrals::to_team_id.eq(to_team))
                    .filter(referrals::status.eq_any([ReferralStatus::Pending, ReferralStatus::Accepted])),
            ))
            .get_result(conn)
            .await?;
            if open_referral {
                return Err(ApiError::Conflict(Reason::ReferralAlreadyOpen, "the case already has an open referral to that team".into()));
            }
            let target_conversation = ConversationId::new();
            diesel::insert_into(conversations::table)
                .values(NewConversation { id: target_conversation, kind: ConversationKind::Case, title: &loaded.case.title, team_id: Some(to_team), direct_key: None })
                .execute(conn)
                .await?;
            let summary = if loaded.case.summary.is_empty() {
                reason.clone()
            } else {
                format!("{}\n\n---\n{}", loaded.case.summary, reason)
            };
            // the linked case waits in the receiving team's triage queue
            let triage_deadline =
                crate::deadlines::triage_deadline(conn, to_team, loaded.case.priority, deadlines).await?;
            let target_case = cases::machine::create(
                conn,
                NewCase {
                    team: to_team,
                    patient: loaded.case.patient_id,
                    title: &loaded.case.title,
                    summary: &summary,
                    status: CaseStatus::Triage,
                    priority: loaded.case.priority,
                    source: CaseSource::Referral,
                    created_by: caller,
                    conversation: target_conversation,
                    triage_deadline: Some(triage_deadline),
                },
            )
            .await?;
            let thread = ConversationId::new();
            diesel::insert_into(conversations::table)
                .values(NewConversation { id: thread, kind: ConversationKind::Referral, title: &loaded.case.title, team_id: Some(to_team), direct_key: None })
                .execute(conn)
                .await?;
            // the slot (号源) is booked in the same transaction: a failed
            // referral holds no place, and a full slot stops the referral
            let appointment_at = match slot {
                Some(slot) => Some(crate::slots::book(conn, slot, to_team).await?),
                None => None,
            };
            let referral: Referral = diesel::insert_into(referrals::table)
                .values((
                    referrals::id.eq(Uuid::now_v7()),
                    referrals::slot_id.eq(slot),
                    referrals::appointment_at.eq(appointment_at),
                    referrals::case_id.eq(case_id),
                    referrals::from_team_id.eq(loaded.case.team_id),
                    referrals::to_team_id.eq(to_team),
                    referrals::direction.eq(direction),
                    referrals::reason.eq(&reason),
                    referrals::status.eq(ReferralStatus::Pending),
                    referrals::target_case_id.eq(target_case.id),
                    referrals::created_by.eq(caller),
                    referrals::conversation_id.eq(thread),
                ))
                .returning(Referral::as_returning())
                .get_result(conn)
                .await?;
            diesel::insert_into(referral_forms::table)
                .values((
                    referral_forms::referral_id.eq(referral.id),
                    referral_forms::summary.eq(&form.summary),
                    referral_forms::diagnoses.eq(forms::diagnoses_json(&form.diagnoses)),
                    referral_forms::purpose.eq(&form.purpose),
                    referral_forms::precautions.eq(&form.precautions),
                    referral_forms::follow_up_plan.eq(&form.follow_up_plan),
                ))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(caller), "referral_created", "referral", referral.id)
                    .detail(json!({ "case_id": case_id, "to_team_id": to_team, "direction": direction, "target_case_id": target_case.id, "slot_id": slot }))
                    .ip(ip),
            )
            .await?;
            let to_team_name: String = teams::table.find(to_team).select(teams::name).first(conn).await?;
            let event = SystemEvent::ReferralCreated { direction, to_team_name, reason: reason.clone() };
            let mut timeline = Vec::new();
            for conversation in [thread, loaded.case.conversation_id] {
                timeline.extend(chat::post_system(conn, conversation, caller, &event, &reason).await?);
            }
            Ok(Created { referral, target_case, timeline })
        }
        .scope_boxed()
    })
    .await
}

/// A referral transition.
#[derive(Debug, Clone)]
pub enum ReferralTransition {
    /// The receiving team takes the patient.
    Accept(AcceptReferralRequest),
    /// The receiving team refuses.
    Decline(String),
    /// The receiving team reports the outcome, and for a patient sent down
    /// perhaps the follow-up plan.
    Complete(CompleteReferralRequest),
    /// The referring side withdraws it.
    Cancel,
}

/// What a transition did.
#[derive(Debug)]
pub struct Transitioned {
    /// The referral after it.
    pub referral: Referral,
    /// The linked case after it.
    pub target_case: Case,
    /// Timeline entries posted with the step (the referral's thread, the
    /// referring case's — the outcome reaches the referring doctor there —
    /// and the linked case's when accepting assigned it), to announce after commit.
    pub timeline: Vec<MessageDto>,
    /// Whether the linked case was in, or left, the receiving team's triage queue.
    pub queue_changed: bool,
}

/// Applies a transition: 403 for the wrong side, 409 naming the current status
/// for one the state machine forbids. The linked case moves with it.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    id: ReferralId,
    t: ReferralTransition,
    ip: Option<&str>,
) -> Result<Transitioned, ApiError> {
    let text = match &t {
        ReferralTransition::Decline(r) => Some(BoundedText::parse(r, "reason", 1, 4000)?.into_inner()),
        ReferralTransition::Complete(c) => Some(BoundedText::parse(&c.outcome, "outcome", 1, 8000)?.into_inner()),
        _ => None,
    };
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let (referral, side) = load_visible(conn, id, caller, true).await?;
            let target: Case = cases_t::table
                .find(referral.target_case_id)
                .select(Case::as_select())
                .for_update()
                .first(conn)
                .await?;
            let receiving_triage = matches!(side, Side::Receiving(TeamRole::Assistant | TeamRole::Lead));
            let permitted = match &t {
                ReferralTransition::Accept(_) | ReferralTransition::Decline(_) => receiving_triage,
                ReferralTransition::Complete(_) => receiving_triage || target.assignee_id == Some(caller),
                ReferralTransition::Cancel => side == Side::Referring,
            };
            if !permitted {
                return Err(match &t {
                    ReferralTransition::Cancel => ApiError::Forbidden(
                        Reason::ReferringTeamOnly,
                        "only the referring team may cancel a referral".into(),
                    ),
                    _ => ApiError::Forbidden(
                        Reason::ReceivingTeamOnly,
                        "only the receiving team's assistants and lead (or the assignee, to complete) may do this"
                            .into(),
                    ),
                });
            }
            require_active(conn, referral.to_team_id, "the receiving team").await?;
            if matches!(t, ReferralTransition::Cancel | ReferralTransition::Complete(_)) {
                require_active(conn, referral.from_team_id, "the referring team").await?;
            }
            let current = referral.status;
            let text_ref = text.as_deref().unwrap_or_default();
            // a down-referral's acceptance or completion may carry the follow-up plan
            let plan = match &t {
                ReferralTransition::Accept(req) => follow_up_plan(req.follow_up_plan.as_deref(), referral.direction)?,
                ReferralTransition::Complete(req) => follow_up_plan(req.follow_up_plan.as_deref(), referral.direction)?,
                _ => None,
            };
            let mut appointment_from_slot = None;
            // Some(x): set the referral's slot to x afterwards
            let mut new_slot: Option<Option<consilium_shared::SlotId>> = None;
            // a decline or a cancel gives the place back
            if matches!(t, ReferralTransition::Decline(_) | ReferralTransition::Cancel)
                && let Some(old) = referral.slot_id
                && matches!(referral.status, ReferralStatus::Pending | ReferralStatus::Accepted)
            {
                crate::slots::free(conn, old).await?;
                new_slot = Some(None);
            }
            let (mv, case_move, detail) = match &t {
                ReferralTransition::Accept(req) => {
                    if let Some(assignee) = req.assignee_id
                        && member_role(conn, referral.to_team_id, assignee).await?.is_none()
                    {
                        return Err(ApiError::Invalid(
                            Reason::AssigneeNotMember,
                            "assignee_id: not a member of the receiving team".into(),
                        ));
                    }
                    // a slot named on acceptance replaces the one booked at referral
                    if let Some(slot) = req.slot_id
                        && referral.status == ReferralStatus::Pending
                        && referral.slot_id != Some(slot)
                    {
                        appointment_from_slot = Some(crate::slots::book(conn, slot, referral.to_team_id).await?);
                        if let Some(old) = referral.slot_id {
                            crate::slots::free(conn, old).await?;
                        }
                        new_slot = Some(Some(slot));
                    }
                    // accepting with an assignee triages the linked case too
                    let case_move = req
                        .assignee_id
                        .filter(|_| target.status == CaseStatus::Triage)
                        .map(|assignee| CaseMove::Assign {
                            assignee,
                            priority: None,
                        });
                    (
                        ReferralMove::Accept {
                            appointment_at: appointment_from_slot
                                .or(req.appointment_at)
                                .or(referral.appointment_at),
                        },
                        case_move,
                        json!({ "assignee_id": req.assignee_id, "appointment_at": req.appointment_at, "slot_id": req.slot_id, "follow_up_plan": plan }),
                    )
                }
                ReferralTransition::Decline(_) => (
                    ReferralMove::Decline { reason: text_ref },
                    (target.status != CaseStatus::Closed).then_some(CaseMove::Decline { reason: text_ref }),
                    json!({ "reason": text }),
                ),
                ReferralTransition::Complete(_) => (
                    ReferralMove::Complete { outcome: text_ref },
                    None,
                    json!({ "outcome": text, "follow_up_plan": plan }),
                ),
                ReferralTransition::Cancel => (
                    ReferralMove::Cancel,
                    (target.status == CaseStatus::Triage).then_some(CaseMove::Decline {
                        reason: "referral cancelled",
                    }),
                    json!({}),
                ),
            };
            let mut referral = machine::apply(conn, &referral, mv).await?;
            if let Some(slot) = new_slot {
                referral = diesel::update(referrals::table.find(referral.id))
                    .set(referrals::slot_id.eq(slot))
                    .returning(Referral::as_returning())
                    .get_result(conn)
                    .await?;
            }
            if let Some(plan) = &plan {
                // a referral made before forms existed has no form row yet
                diesel::insert_into(referral_forms::table)
                    .values((referral_forms::referral_id.eq(referral.id), referral_forms::follow_up_plan.eq(plan)))
                    .on_conflict(referral_forms::referral_id)
                    .do_update()
                    .set(referral_forms::follow_up_plan.eq(plan))
                    .execute(conn)
                    .await?;
            }
            let status = referral.status;
            let target_case = match case_move {
                Some(case_move) => cases::machine::apply(conn, &target, case_move).await?,
                None => target.clone(),
            };
            audit::record(
                conn,
                AuditEntry::new(Some(caller), &format!("referral_{}", status.as_db()), "referral", id)
                    .detail(json!({ "from": current, "to": status, "detail": detail }))
                    .ip(ip),
            )
            .await?;
            let event = match &t {
                ReferralTransition::Accept(req) => SystemEvent::ReferralAccepted {
                    assignee_name: match req.assignee_id {
                        Some(a) => Some(chat::display_name_of(conn, a).await?),
                        None => None,
                    },
                    appointment_at: referral.appointment_at,
                },
                ReferralTransition::Decline(_) => SystemEvent::ReferralDeclined {
                    reason: text_ref.to_owned(),
                },
                ReferralTransition::Complete(_) => SystemEvent::ReferralCompleted {
                    outcome: text_ref.to_owned(),
                },
                ReferralTransition::Cancel => SystemEvent::ReferralCancelled,
            };
            let source_thread: ConversationId = cases_t::table
                .find(referral.case_id)
                .select(cases_t::conversation_id)
                .first(conn)
                .await?;
            let mut timeline = Vec::new();
            for conversation in [referral.conversation_id, source_thread] {
                timeline.extend(chat::post_system(conn, conversation, caller, &event, text_ref).await?);
            }
            if let (ReferralTransition::Accept(_), Some(assignee)) = (&t, target_case.assignee_id)
                && target.status == CaseStatus::Triage
            {
                let assigned = SystemEvent::CaseAssigned {
                    assignee_id: assignee,
                    assignee_name: chat::display_name_of(conn, assignee).await?,
                };
                timeline.extend(chat::post_system(conn, target_case.conversation_id, caller, &assigned, "").await?);
            }
            let queue_changed = target.status == CaseStatus::Triage || target_case.status == CaseStatus::Triage;
            Ok(Transitioned {
                referral,
                target_case,
                timeline,
                queue_changed,
            })
        }
        .scope_boxed()
    })
    .await
}

/// `GET /referrals`: a page of the referrals to one of the caller's teams
/// (incoming) or from one (outgoing), newest first, and whether more follow.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    box_kind: BoxKind,
    status: Option<&str>,
    page: PageRequest<TimeKey>,
) -> Result<(Vec<ReferralDto>, bool), ApiError> {
    let status = status
        .map(|s| {
            ReferralStatus::from_db(s).ok_or_else(|| {
                ApiError::Invalid(Reason::UnknownStatus, format!("status: unknown referral status {s:?}"))
            })
        })
        .transpose()?;
    let my_teams = team_members::table
        .filter(team_members::user_id.eq(caller))
        .select(team_members::team_id);
    let mut query = referrals::table
        .select(Referral::as_select())
        .order((referrals::created_at.desc(), referrals::id.desc()))
        .limit(page.fetch())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(
            referrals::created_at
                .lt(after.at)
                .or(referrals::created_at.eq(after.at).and(referrals::id.lt(after.id))),
        );
    }
    query = match box_kind {
        BoxKind::Incoming => query.filter(referrals::to_team_id.eq_any(my_teams)),
        BoxKind::Outgoing => query.filter(referrals::from_team_id.eq_any(my_teams)),
    };
    if let Some(s) = status {
        query = query.filter(referrals::status.eq(s));
    }
    let (rows, more) = page.split(query.load::<Referral>(conn).await?);
    Ok((dtos(conn, &rows).await?, more))
}

/// Referrals from or to a case the caller may see (its full history on both
/// sides). Not paged: a case is referred a handful of times at most.
pub async fn for_case(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    case_id: CaseId,
) -> Result<Vec<ReferralDto>, ApiError> {
    let loaded = cases::load_visible(conn, case_id, caller, false).await?;
    if loaded.access == CaseAccess::Submitter {
        return Ok(vec![]);
    }
    let rows: Vec<Referral> = referrals::table
        .filter(referrals::case_id.eq(case_id).or(referrals::target_case_id.eq(case_id)))
        .select(Referral::as_select())
        .order(referrals::created_at.asc())
        .load(conn)
        .await?;
    dtos(conn, &rows).await
}
