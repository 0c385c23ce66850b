//! Cases and the triage queue: who may see and change a case, and the one
//! state machine every case follows.
//!
//! ```text
//!   intake/referral ──► triage ──assign──► open ◄──reopen── closed
//!                         │  └─decline──────────────────────► ▲
//!                         └─transfer (another team's triage)   │
//!                                          open ──close────────┘
//! ```
//! A case is read by its team, by consultants named on its live consults, by
//! the referring team of the referral that created it, and (status only, not
//! the discussion) by whoever submitted it as an intake. Admins see cases only
//! as members. Every read and every change goes to the audit log.

pub mod break_glass;
pub mod machine;
pub mod specialties;

use chrono::Utc;
use consilium_shared::{
    CaseId, ConversationId, PatientId, TeamId, UserId,
    cases::{
        AssigneeSuggestion, CaseDto, CaseSource, CaseStatus, ConsultStatus, CreateCaseRequest, IntakeRequest,
        NewPatient, Priority, ReferralStatus, Sex, SuggestionReason, TriageAction, UpdateCaseRequest,
    },
    teams::TeamRole,
    users::CareLevel,
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::chat;
use crate::config::DeadlineConfig;
use crate::db::models::{Case, CaseRow, NewConversation, Patient, Referral, User};
use crate::db::schema::{
    cases, consult_consultants, consults, conversation_members, conversations, patients, referrals, team_members,
    teams, users,
};
use crate::domain::BoundedText;
use crate::domain::keyset::{PageRequest, QueueKey};
use crate::error::ApiError;
use crate::referrals::machine::{self as referral_machine, ReferralMove};
use crate::teams::{member_role, require_active};
use consilium_shared::ErrorReason as Reason;
use consilium_shared::chat::{ConversationKind, MessageDto, SystemEvent};
use consilium_shared::users::UserDto;
use machine::{CaseMove, NewCase};

/// How the caller is related to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAccess {
    /// A member of the case's team, with their role.
    Team(TeamRole),
    /// Named on a live or completed consult of the case.
    Consultant,
    /// A member of the team that referred the patient here.
    ReferringSide,
    /// Submitted it as an intake: may follow its status, not its discussion.
    Submitter,
    /// Holds live break-glass access (SPEC §11): reads the case and its
    /// thread until the grant expires; changes nothing.
    BreakGlass,
}

impl CaseAccess {
    /// Whether the caller triages this team's queue (assistants and the lead).
    pub fn can_triage(self) -> bool {
        matches!(self, Self::Team(TeamRole::Assistant | TeamRole::Lead))
    }
}

/// A case with its patient, as loaded for a caller.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    /// The case row.
    pub case: Case,
    /// Its patient.
    pub patient: Patient,
    /// How the caller relates to it.
    pub access: CaseAccess,
}

impl LoadedCase {
    /// The wire view.
    pub fn dto(&self) -> CaseDto {
        CaseDto::from(CaseRow(&self.case, &self.patient))
    }
}

/// What an intake's submitter sees: where it stands, not the team's notes
/// (spec section 1: status only, not its discussion).
pub fn status_view(dto: &CaseDto) -> CaseDto {
    CaseDto {
        summary: String::new(),
        ..dto.clone()
    }
}

/// How `user` relates to `case`, if at all.
pub async fn access_of(
    conn: &mut AsyncPgConnection,
    case: &Case,
    user: UserId,
) -> Result<Option<CaseAccess>, ApiError> {
    if let Some(role) = member_role(conn, case.team_id, user).await? {
        return Ok(Some(CaseAccess::Team(role)));
    }
    let consultant: bool = diesel::select(diesel::dsl::exists(
        consults::table
            .inner_join(consult_consultants::table)
            .filter(consults::case_id.eq(case.id))
            .filter(consults::status.eq_any([
                ConsultStatus::Requested,
                ConsultStatus::Accepted,
                ConsultStatus::Completed,
            ]))
            .filter(consult_consultants::user_id.eq(user)),
    ))
    .get_result(conn)
    .await?;
    if consultant {
        return Ok(Some(CaseAccess::Consultant));
    }
    let referring: bool = diesel::select(diesel::dsl::exists(
        referrals::table
            .inner_join(team_members::table.on(team_members::team_id.eq(referrals::from_team_id)))
            .filter(referrals::target_case_id.eq(case.id))
            .filter(team_members::user_id.eq(user)),
    ))
    .get_result(conn)
    .await?;
    if referring {
        return Ok(Some(CaseAccess::ReferringSide));
    }
    if case.source == CaseSource::Intake && case.created_by == user {
        return Ok(Some(CaseAccess::Submitter));
    }
    if crate::grants::on_case(conn, case.id, user).await? {
        return Ok(Some(CaseAccess::BreakGlass));
    }
    Ok(None)
}

async fn load_row(conn: &mut AsyncPgConnection, id: CaseId, lock: bool) -> Result<Option<(Case, Patient)>, ApiError> {
    let query = cases::table
        .inner_join(patients::table)
        .filter(cases::id.eq(id))
        .select((Case::as_select(), Patient::as_select()));
    Ok(if lock {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    })
}

/// Loads a case the caller may see; 404 otherwise. `lock` takes a row lock
/// (inside a transaction) so concurrent transitions serialise.
pub async fn load_visible(
    conn: &mut AsyncPgConnection,
    id: CaseId,
    user: UserId,
    lock: bool,
) -> Result<LoadedCase, ApiError> {
    let (case, patient) = load_row(conn, id, lock)
        .await?
        .ok_or_else(|| ApiError::not_found(Reason::CaseNotFound, "case"))?;
    let access = access_of(conn, &case, user)
        .await?
        .ok_or_else(|| ApiError::not_found(Reason::CaseNotFound, "case"))?;
    Ok(LoadedCase { case, patient, access })
}

/// Loads a case the caller may see, locked, for a change to it or its
/// workflows (triage, edits, consults, referrals): 409 when its team is
/// archived, because an archived team's records are read-only.
pub async fn load_for_change(conn: &mut AsyncPgConnection, id: CaseId, user: UserId) -> Result<LoadedCase, ApiError> {
    let loaded = load_visible(conn, id, user, true).await?;
    if loaded.access == CaseAccess::BreakGlass {
        return Err(break_glass::read_only());
    }
    require_active(conn, loaded.case.team_id, "the case's team").await?;
    Ok(loaded)
}

/// 409 when the team that holds case `id` is archived: the check
/// [`load_for_change`] makes, for changes that reach a case through a
/// consult or a referral.
pub async fn require_writable(conn: &mut AsyncPgConnection, id: CaseId, which: &str) -> Result<(), ApiError> {
    let team: TeamId = cases::table.find(id).select(cases::team_id).first(conn).await?;
    require_active(conn, team, which).await?;
    Ok(())
}

/// Who should hear about a change to `case`: its conversation's members, and
/// (separately, since they get only the status view) its intake submitter if
/// they are not a member.
pub async fn audience(conn: &mut AsyncPgConnection, case: &Case) -> Result<(Vec<UserId>, Option<UserId>), ApiError> {
    let users: Vec<_> = conversation_members::table
        .filter(conversation_members::conversation_id.eq(case.conversation_id))
        .select(conversation_members::user_id)
        .load(conn)
        .await?;
    let submitter = (case.source == CaseSource::Intake && !users.contains(&case.created_by)).then_some(case.created_by);
    Ok((users, submitter))
}

/// Members of a team (for triage events and membership refreshes).
pub async fn team_member_ids(conn: &mut AsyncPgConnection, team: TeamId) -> Result<Vec<UserId>, ApiError> {
    Ok(team_members::table
        .filter(team_members::team_id.eq(team))
        .select(team_members::user_id)
        .load::<UserId>(conn)
        .await?)
}

fn valid_patient(p: &NewPatient) -> Result<(String, Sex, Option<String>), ApiError> {
    let name = BoundedText::parse(&p.name, "patient.name", 1, 100)?.into_inner();
    let external = p
        .external_id
        .as_deref()
        .map(|e| BoundedText::parse(e, "patient.external_id", 1, 100).map(BoundedText::into_inner))
        .transpose()?;
    if let Some(birth) = p.birth_date
        && birth > Utc::now().date_naive()
    {
        return Err(ApiError::Invalid(
            Reason::DateInFuture,
            "patient.birth_date: must not be in the future".into(),
        ));
    }
    Ok((name, p.sex.unwrap_or(Sex::Unknown), external))
}

/// Validated fields of a case to create.
struct NewCaseFields {
    patient: PatientChoice,
    title: String,
    summary: String,
    priority: Priority,
    triage_deadline: Option<std::time::Duration>,
}

enum PatientChoice {
    New(String, Sex, Option<chrono::NaiveDate>, Option<String>),
    Existing(PatientId),
}

/// Inserts the patient (if new), the case's conversation and the case, and audits it.
async fn insert_case(
    conn: &mut AsyncPgConnection,
    actor: UserId,
    team: TeamId,
    fields: NewCaseFields,
    status: CaseStatus,
    source: CaseSource,
    action: &str,
) -> Result<(Case, Patient), ApiError> {
    let patient_id = match fields.patient {
        PatientChoice::Existing(id) => id,
        PatientChoice::New(name, sex, birth, external) => {
            diesel::insert_into(patients::table)
                .values((
                    patients::id.eq(PatientId::new()),
                    patients::name.eq(name),
                    patients::sex.eq(sex),
                    patients::birth_date.eq(birth),
                    patients::external_id.eq(external),
                    patients::created_by.eq(actor),
                ))
                .returning(patients::id)
                .get_result(conn)
                .await?
        }
    };
    let conversation_id = ConversationId::new();
    diesel::insert_into(conversations::table)
        .values(NewConversation {
            id: conversation_id,
            kind: ConversationKind::Case,
            title: &fields.title,
            team_id: Some(team),
            direct_key: None,
        })
        .execute(conn)
        .await?;
    let case = machine::create(
        conn,
        NewCase {
            team,
            patient: patient_id,
            title: &fields.title,
            summary: &fields.summary,
            status,
            priority: fields.priority,
            source,
            created_by: actor,
            conversation: conversation_id,
            triage_deadline: fields.triage_deadline,
        },
    )
    .await?;
    let patient: Patient = patients::table
        .find(patient_id)
        .select(Patient::as_select())
        .first(conn)
        .await?;
    audit::record(
        conn,
        AuditEntry::new(Some(actor), action, "case", case.id).detail(
            json!({ "team_id": team, "status": case.status, "priority": case.priority, "source": case.source }),
        ),
    )
    .await?;
    Ok((case, patient))
}

/// `POST /teams/{id}/cases`: a member opens a case discussion (status `open`).
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    team: TeamId,
    req: CreateCaseRequest,
) -> Result<(Case, Patient), ApiError> {
    if member_role(conn, team, caller).await?.is_none() {
        return Err(ApiError::not_found(Reason::TeamNotFound, "team"));
    }
    require_active(conn, team, "the team").await?;
    let patient = match (req.patient, req.patient_id) {
        (Some(p), None) => {
            let (name, sex, external) = valid_patient(&p)?;
            PatientChoice::New(name, sex, p.birth_date, external)
        }
        (None, Some(id)) => {
            // reusing a patient record is for patients the team already treats,
            // so a past consultant or referrer cannot reach one through a new case
            let known: bool = diesel::select(diesel::dsl::exists(
                cases::table
                    .filter(cases::patient_id.eq(id))
                    .filter(cases::team_id.eq(team)),
            ))
            .get_result(conn)
            .await?;
            if !known {
                return Err(ApiError::Invalid(
                    Reason::PatientNotInTeam,
                    "patient_id: not a patient of this team".into(),
                ));
            }
            PatientChoice::Existing(id)
        }
        _ => {
            return Err(ApiError::Invalid(
                Reason::PatientAmbiguous,
                "give exactly one of patient or patient_id".into(),
            ));
        }
    };
    let fields = NewCaseFields {
        patient,
        title: BoundedText::parse(&req.title, "title", 1, 200)?.into_inner(),
        summary: BoundedText::parse(req.summary.as_deref().unwrap_or(""), "summary", 0, 16_000)?.into_inner(),
        priority: req.priority.unwrap_or(Priority::Routine),
        triage_deadline: None,
    };
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            insert_case(
                conn,
                caller,
                team,
                fields,
                CaseStatus::Open,
                CaseSource::Direct,
                "case_created",
            )
            .await
        }
        .scope_boxed()
    })
    .await
}

/// `POST /teams/{id}/intakes`: anyone submits a new patient to a team's triage queue.
pub async fn submit_intake(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    team: TeamId,
    req: IntakeRequest,
    deadlines: &DeadlineConfig,
) -> Result<(Case, Patient), ApiError> {
    require_active(conn, team, "the team").await?;
    let (name, sex, external) = valid_patient(&req.patient)?;
    let priority = req.priority.unwrap_or(Priority::Routine);
    let fields = NewCaseFields {
        patient: PatientChoice::New(name, sex, req.patient.birth_date, external),
        title: BoundedText::parse(&req.title, "title", 1, 200)?.into_inner(),
        summary: BoundedText::parse(req.summary.as_deref().unwrap_or(""), "summary", 0, 16_000)?.into_inner(),
        priority,
        triage_deadline: Some(crate::deadlines::triage_deadline(conn, team, priority, deadlines).await?),
    };
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            insert_case(
                conn,
                caller,
                team,
                fields,
                CaseStatus::Triage,
                CaseSource::Intake,
                "intake_submitted",
            )
            .await
        }
        .scope_boxed()
    })
    .await
}

/// `GET /cases/{id}`: the case, with the read audited.
pub async fn read(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    id: CaseId,
    ip: Option<&str>,
) -> Result<CaseDto, ApiError> {
    let loaded = load_visible(conn, id, caller, false).await?;
    audit::record(
        conn,
        AuditEntry::new(Some(caller), "case_read", "case", id)
            .detail(json!({ "as": format!("{:?}", loaded.access) }))
            .ip(ip),
    )
    .await?;
    let dto = loaded.dto();
    Ok(if loaded.access == CaseAccess::Submitter {
        status_view(&dto)
    } else {
        dto
    })
}

/// The triage queue's SQL rank of a priority: 1 for the most urgent.
/// [`queue_rank`] must rank the same way, since it makes the page cursors.
macro_rules! queue_rank_sql {
    () => {
        "array_position(array['emergency','urgent','routine'], cases.priority)"
    };
}

/// SQL ordering of the triage queue: most urgent first, then oldest; the id
/// breaks ties so that pages split the list at one exact place.
const QUEUE_ORDER: &str = concat!(queue_rank_sql!(), ", cases.created_at, cases.id");

/// SQL for "after this position in the queue order", followed by the bound key.
const AFTER_IN_QUEUE: &str = concat!("(", queue_rank_sql!(), ", cases.created_at, cases.id) > (");

/// A priority's rank in the queue order, as [`QUEUE_ORDER`] computes it.
pub fn queue_rank(priority: Priority) -> i32 {
    match priority {
        Priority::Emergency => 1,
        Priority::Urgent => 2,
        Priority::Routine => 3,
    }
}

/// Where `case` stands in the queue order (the cursor of a page ending at it).
pub fn queue_key(case: &CaseDto) -> QueueKey {
    QueueKey {
        rank: queue_rank(case.priority),
        at: case.created_at,
        id: case.id.0,
    }
}

/// A page of a team's cases (members only), optionally by status and
/// assignee, in queue order; the triage queue is `status = triage`. Returns
/// the page and whether more follow.
pub async fn list_for_team(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    team: TeamId,
    status: Option<CaseStatus>,
    assignee: Option<UserId>,
    page: PageRequest<QueueKey>,
    ip: Option<&str>,
) -> Result<(Vec<CaseDto>, bool), ApiError> {
    if member_role(conn, team, caller).await?.is_none() {
        return Err(ApiError::not_found(Reason::TeamNotFound, "team"));
    }
    let mut query = cases::table
        .inner_join(patients::table)
        .filter(cases::team_id.eq(team))
        .select((Case::as_select(), Patient::as_select()))
        .order(diesel::dsl::sql::<diesel::sql_types::Integer>(QUEUE_ORDER))
        .limit(page.fetch())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(cases::status.eq(status));
    }
    if let Some(assignee) = assignee {
        query = query.filter(cases::assignee_id.eq(assignee));
    }
    if let Some(after) = page.after {
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(AFTER_IN_QUEUE)
                .bind::<diesel::sql_types::Integer, _>(after.rank)
                .sql(", ")
                .bind::<diesel::sql_types::Timestamptz, _>(after.at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(after.id)
                .sql(")"),
        );
    }
    let (rows, more) = page.split(query.load::<(Case, Patient)>(conn).await?);
    // listing shows patients too: audited like a read, once per page
    let ids: Vec<_> = rows.iter().map(|(c, _)| c.id).collect();
    audit::record(
        conn,
        AuditEntry::new(Some(caller), "cases_listed", "team", team)
            .detail(json!({ "status": status, "assignee": assignee, "case_ids": ids }))
            .ip(ip),
    )
    .await?;
    Ok((rows.iter().map(|(c, p)| CaseDto::from(CaseRow(c, p))).collect(), more))
}

/// What a change did, for the caller to announce.
#[derive(Debug)]
pub struct CaseChange {
    /// The case after the change.
    pub case: Case,
    /// Its patient.
    pub patient: Patient,
    /// The team whose queue it left (transfer), if any.
    pub left_team: Option<TeamId>,
    /// Whether the triage queue of its team changed.
    pub queue_changed: bool,
    /// Who made the change.
    pub actor: UserId,
    /// Whom triage just assigned it to, to be told.
    pub assigned_to: Option<UserId>,
    /// Timeline entries the change posted (SPEC §8), to announce after commit.
    pub timeline: Vec<MessageDto>,
}

/// `PATCH /cases/{id}`: the team edits it, closes it or reopens it.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    id: CaseId,
    req: UpdateCaseRequest,
    ip: Option<&str>,
) -> Result<CaseChange, ApiError> {
    let title = req
        .title
        .map(|t| BoundedText::parse(&t, "title", 1, 200).map(BoundedText::into_inner))
        .transpose()?;
    let summary = req
        .summary
        .map(|t| BoundedText::parse(&t, "summary", 0, 16_000).map(BoundedText::into_inner))
        .transpose()?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let loaded = load_for_change(conn, id, caller).await?;
            if !matches!(loaded.access, CaseAccess::Team(_)) {
                return Err(ApiError::Forbidden(Reason::CaseTeamOnly, "only the case's team may change it".into()));
            }
            let current = loaded.case.status;
            if current == CaseStatus::Triage && req.priority.is_some() && !loaded.access.can_triage() {
                return Err(ApiError::Forbidden(Reason::TriagersOnly, "only the team's assistants and lead re-prioritise the queue".into()));
            }
            let mut case = loaded.case.clone();
            if let Some(target) = req.status
                && target != current
            {
                let mv = match (current, target) {
                    (CaseStatus::Open, CaseStatus::Closed) => CaseMove::Close,
                    (CaseStatus::Closed, CaseStatus::Open) => CaseMove::Reopen,
                    _ => return Err(machine::conflict("the case", current)),
                };
                case = machine::apply(conn, &case, mv).await?;
            }
            if title.is_some() || summary.is_some() || req.priority.is_some() {
                case = diesel::update(cases::table.find(id))
                    .set((
                        title.as_ref().map(|t| cases::title.eq(t.clone())),
                        summary.as_ref().map(|s| cases::summary.eq(s.clone())),
                        req.priority.map(|p| cases::priority.eq(p)),
                    ))
                    .returning(Case::as_returning())
                    .get_result(conn)
                    .await?;
            }
            let new_status = case.status;
            if let Some(t) = &title {
                diesel::update(conversations::table.find(case.conversation_id))
                    .set(conversations::title.eq(t))
                    .execute(conn)
                    .await?;
            }
            let action = match (current, new_status) {
                (CaseStatus::Open, CaseStatus::Closed) => "case_closed",
                (CaseStatus::Closed, CaseStatus::Open) => "case_reopened",
                _ => "case_updated",
            };
            audit::record(
                conn,
                AuditEntry::new(Some(caller), action, "case", id)
                    .detail(json!({ "title": title, "summary_changed": summary.is_some(), "priority": req.priority, "status": new_status }))
                    .ip(ip),
            )
            .await?;
            let mut timeline = Vec::new();
            if new_status != current {
                let event = SystemEvent::CaseStatusChanged { status: new_status };
                timeline.extend(chat::post_system(conn, case.conversation_id, caller, &event, "").await?);
            }
            Ok(CaseChange {
                queue_changed: current == CaseStatus::Triage,
                case,
                patient: loaded.patient,
                left_team: None,
                actor: caller,
                assigned_to: None,
                timeline,
            })
        }
        .scope_boxed()
    })
    .await
}

/// `POST /cases/{id}/triage`: the team's assistants and lead act on a queued case.
/// The row lock makes concurrent actions serialise: the first wins, the others
/// find the case no longer in triage and get 409.
pub async fn triage(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    id: CaseId,
    action: TriageAction,
    ip: Option<&str>,
) -> Result<CaseChange, ApiError> {
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            // lock order everywhere: referral, then its linked case (as referrals::transition does)
            let referral: Option<Referral> = referrals::table
                .filter(referrals::target_case_id.eq(id))
                .select(Referral::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let loaded = load_for_change(conn, id, caller).await?;
            if !loaded.access.can_triage() {
                return Err(ApiError::Forbidden(Reason::TriagersOnly, "only the team's assistants and lead triage".into()));
            }
            if loaded.case.status != CaseStatus::Triage {
                return Err(machine::conflict("the case", loaded.case.status));
            }
            let team = loaded.case.team_id;
            let action_kind = match &action {
                TriageAction::Assign { assignee_id, .. } => Some(*assignee_id),
                _ => None,
            };
            // timeline entries: (conversation, event, free text)
            let mut entries: Vec<(ConversationId, SystemEvent, String)> = Vec::new();
            let (case, left_team, detail) = match action {
                TriageAction::Assign { assignee_id, priority } => {
                    if member_role(conn, team, assignee_id).await?.is_none() {
                        return Err(ApiError::Invalid(Reason::AssigneeNotMember, "assignee_id: not a member of the team".into()));
                    }
                    let case = machine::apply(conn, &loaded.case, CaseMove::Assign { assignee: assignee_id, priority })
                        .await?;
                    if let Some(referral) = &referral
                        && referral.status == ReferralStatus::Pending
                    {
                        // assigning a referred case accepts its referral
                        let mv = ReferralMove::Accept { appointment_at: referral.appointment_at };
                        referral_machine::apply(conn, referral, mv).await?;
                        audit::record(
                            conn,
                            AuditEntry::new(Some(caller), "referral_accepted", "referral", referral.id)
                                .detail(json!({ "from": "pending", "to": "accepted", "via": "triage", "assignee_id": assignee_id }))
                                .ip(ip),
                        )
                        .await?;
                        let event = SystemEvent::ReferralAccepted {
                            assignee_name: Some(chat::display_name_of(conn, assignee_id).await?),
                            appointment_at: referral.appointment_at,
                        };
                        entries.push((referral.conversation_id, event, String::new()));
                    }
                    let event = SystemEvent::CaseAssigned {
                        assignee_id,
                        assignee_name: chat::display_name_of(conn, assignee_id).await?,
                    };
                    entries.push((loaded.case.conversation_id, event, String::new()));
                    (
                        case,
                        None,
                        json!({ "action": "assign", "assignee_id": assignee_id, "priority": priority }),
                    )
                }
                TriageAction::Prioritize { priority } => {
                    let case: Case = diesel::update(cases::table.find(id))
                        .set(cases::priority.eq(priority))
                        .returning(Case::as_returning())
                        .get_result(conn)
                        .await?;
                    (case, None, json!({ "action": "prioritize", "priority": priority }))
                }
                TriageAction::Transfer { team_id, note } => {
                    if team_id == team {
                        return Err(ApiError::Invalid(Reason::SameTeam, "team_id: the case is already in this team".into()));
                    }
                    if referral.is_some() {
                        return Err(ApiError::Conflict(Reason::ReferredCaseTransfer,
                            "a referred case cannot be transferred; decline the referral instead".into(),
                        ));
                    }
                    require_active(conn, team_id, "the receiving team").await.map_err(|e| match e {
                        ApiError::NotFound(..) => ApiError::Invalid(Reason::TeamMissing, "team_id: no such team".into()),
                        other => other,
                    })?;
                    let case: Case = diesel::update(cases::table.find(id))
                        .set(cases::team_id.eq(team_id))
                        .returning(Case::as_returning())
                        .get_result(conn)
                        .await?;
                    diesel::update(conversations::table.find(case.conversation_id))
                        .set(conversations::team_id.eq(team_id))
                        .execute(conn)
                        .await?;
                    let team_name: String = teams::table.find(team_id).select(teams::name).first(conn).await?;
                    let event = SystemEvent::CaseTransferred { team_name, note: note.clone() };
                    entries.push((case.conversation_id, event, note.clone().unwrap_or_default()));
                    (
                        case,
                        Some(team),
                        json!({ "action": "transfer", "from": team, "to": team_id, "note": note }),
                    )
                }
                TriageAction::Decline { reason } => {
                    let reason = BoundedText::parse(&reason, "reason", 1, 2000)?.into_inner();
                    if let Some(referral) = &referral
                        && referral.status != ReferralStatus::Pending
                    {
                        return Err(referral_machine::conflict(referral.status));
                    }
                    let case = machine::apply(conn, &loaded.case, CaseMove::Decline { reason: &reason }).await?;
                    if let Some(referral) = &referral {
                        // declining a referred case declines its referral
                        referral_machine::apply(conn, referral, ReferralMove::Decline { reason: &reason }).await?;
                        audit::record(
                            conn,
                            AuditEntry::new(Some(caller), "referral_declined", "referral", referral.id)
                                .detail(json!({ "from": "pending", "to": "declined", "via": "triage", "reason": reason }))
                                .ip(ip),
                        )
                        .await?;
                        let event = SystemEvent::ReferralDeclined { reason: reason.clone() };
                        entries.push((referral.conversation_id, event, reason.clone()));
                    }
                    let event = SystemEvent::CaseDeclined { reason: reason.clone() };
                    entries.push((case.conversation_id, event, reason.clone()));
                    (case, None, json!({ "action": "decline", "reason": reason }))
                }
            };
            audit::record(
                conn,
                AuditEntry::new(Some(caller), "case_triaged", "case", id)
                    .detail(detail)
                    .ip(ip),
            )
            .await?;
            let assigned_to = action_kind;
            let mut timeline = Vec::new();
            for (conversation, event, text) in &entries {
                timeline.extend(chat::post_system(conn, *conversation, caller, event, text).await?);
            }
            Ok(CaseChange {
                case,
                patient: loaded.patient,
                left_team,
                queue_changed: true,
                actor: caller,
                assigned_to,
                timeline,
            })
        }
        .scope_boxed()
    })
    .await
}

/// Members ranked for a case (never assistants): the specialty the case's
/// words call for first (see [`specialties`]), then a lighter load, then a
/// care level that suits an urgent case; each suggestion says why.
pub async fn suggest_assignees(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    id: CaseId,
) -> Result<Vec<AssigneeSuggestion>, ApiError> {
    let loaded = load_visible(conn, id, caller, false).await?;
    if !matches!(loaded.access, CaseAccess::Team(_)) {
        return Err(ApiError::Forbidden(
            Reason::CaseTeamOnly,
            "only the case's team sees assignment suggestions".into(),
        ));
    }
    let members: Vec<(User, TeamRole)> = users::table
        .inner_join(team_members::table)
        .filter(team_members::team_id.eq(loaded.case.team_id))
        .filter(users::active.eq(true))
        .filter(team_members::role.ne(TeamRole::Assistant))
        .select((User::as_select(), team_members::role))
        .load(conn)
        .await?;
    let loads: Vec<(Option<UserId>, i64)> = cases::table
        .filter(cases::team_id.eq(loaded.case.team_id))
        .filter(cases::status.eq(CaseStatus::Open))
        .group_by(cases::assignee_id)
        .select((cases::assignee_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    let text = format!("{} {}", loaded.case.title, loaded.case.summary);
    let priority = loaded.case.priority;
    let mut out: Vec<AssigneeSuggestion> = members
        .into_iter()
        .map(|(user, role)| {
            let fits = specialties::fits(&user.specialties, &text);
            let open = loads.iter().find(|(a, _)| *a == Some(user.id)).map_or(0, |(_, n)| *n);
            let mut reasons: Vec<SuggestionReason> = fits
                .iter()
                .map(|f| SuggestionReason::Specialty {
                    specialty: f.specialty.clone(),
                    terms: f.terms.clone(),
                })
                .collect();
            // a fitting specialty dominates; more of the case's words add a little
            let fit_score: f64 = fits
                .iter()
                .map(|f| 10.0 + 2.0 * (f.terms.len().min(4) as f64 - 1.0))
                .sum();
            let care = care_level_weight(user.care_level, priority);
            if care > 0.0 {
                reasons.push(SuggestionReason::CareLevel {
                    care_level: user.care_level,
                    priority,
                });
            }
            if open > 0 {
                reasons.push(SuggestionReason::Load { open_cases: open });
            }
            let lead = if role == TeamRole::Lead {
                reasons.push(SuggestionReason::Lead);
                2.0
            } else {
                0.0
            };
            AssigneeSuggestion {
                matching_specialties: fits.into_iter().map(|f| f.specialty).collect(),
                user: UserDto::from(user),
                open_cases: open,
                score: fit_score + care - open as f64 - lead,
                reasons,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.user.username.cmp(&b.user.username))
    });
    Ok(out)
}

/// How much a doctor's care level counts for a case of this priority: an
/// emergency wants the tertiary hospital's doctors, a routine case does not
/// care (it is often best followed up close to the patient).
fn care_level_weight(level: CareLevel, priority: Priority) -> f64 {
    let urgency = match priority {
        Priority::Emergency => 1.0,
        Priority::Urgent => 0.5,
        Priority::Routine => 0.0,
    };
    let level = match level {
        CareLevel::Tertiary => 3.0,
        CareLevel::Secondary => 1.5,
        CareLevel::Primary | CareLevel::Village => 0.0,
    };
    urgency * level
}
