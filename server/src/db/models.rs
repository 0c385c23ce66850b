//! Rows as diesel reads and writes them, and their conversion to wire types.

//!
//! Ids and enums are the shared types themselves (the `diesel` feature of
//! `consilium-shared`), so a row holds a `CaseId` and a `CaseStatus`, and a
//! row converts to its wire type with one `From` impl.

use super::schema::{audit_events, conversations, sessions, team_members, teams, users};
use chrono::{DateTime, Utc};
use consilium_shared::{
    CaseId, ConsultId, ConversationId, NotificationId, PatientId, ReferralId, SessionId, TeamId, UserId,
    audit::AuditEventDto,
    cases::{
        CaseDto, CaseSource, CaseStatus, ConsultDto, ConsultOpinion, ConsultStatus, PatientDto, Priority,
        ReferralDirection, ReferralDto, ReferralStatus, Sex,
    },
    chat::ConversationKind,
    notifications::{NotificationDto, NotificationKind, NotificationLink},
    teams::TeamRole,
    users::{CareLevel, DutyStatus, PlatformRole, UserDto},
};
use diesel::prelude::*;

/// A `users` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: PlatformRole,
    pub title: String,
    pub institution: String,
    pub care_level: CareLevel,
    pub specialties: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub duty_status: DutyStatus,
    pub duty_until: Option<DateTime<Utc>>,
    pub forward_to: Option<UserId>,
}

impl User {
    /// Whether the user is a platform admin.
    pub fn is_admin(&self) -> bool {
        self.role == PlatformRole::Admin
    }
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            title: u.title,
            institution: u.institution,
            care_level: u.care_level,
            specialties: u.specialties,
            active: u.active,
            created_at: u.created_at,
        }
    }
}

/// A user to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: PlatformRole,
    pub title: &'a str,
    pub institution: &'a str,
    pub care_level: CareLevel,
    pub specialties: &'a [String],
}

/// Changes to a user; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub title: Option<String>,
    pub institution: Option<String>,
    pub care_level: Option<CareLevel>,
    pub specialties: Option<Vec<String>>,
    pub role: Option<PlatformRole>,
    pub password_hash: Option<String>,
    pub active: Option<bool>,
}

/// A `sessions` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A `teams` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = teams, check_for_backend(diesel::pg::Pg))]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub specialty: String,
    pub institution: String,
    pub description: String,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Changes to a team; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub specialty: Option<String>,
    pub institution: Option<String>,
    pub description: Option<String>,
}

/// A `team_members` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = team_members, check_for_backend(diesel::pg::Pg))]
pub struct TeamMember {
    pub team_id: TeamId,
    pub user_id: UserId,
    pub role: TeamRole,
    pub joined_at: DateTime<Utc>,
}

/// A conversation to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = conversations)]
pub struct NewConversation<'a> {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub title: &'a str,
    pub team_id: Option<TeamId>,
    pub direct_key: Option<&'a str>,
}

/// An `audit_events` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

impl From<AuditEvent> for AuditEventDto {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            detail: e.detail,
            ip: e.ip,
        }
    }
}

/// An audit event to append.
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub detail: serde_json::Value,
    pub ip: Option<&'a str>,
}

/// A `patients` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::patients, check_for_backend(diesel::pg::Pg))]
pub struct Patient {
    pub id: PatientId,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Option<chrono::NaiveDate>,
    pub external_id: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `cases` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::cases, check_for_backend(diesel::pg::Pg))]
pub struct Case {
    pub id: CaseId,
    pub team_id: TeamId,
    pub patient_id: PatientId,
    pub title: String,
    pub summary: String,
    pub status: CaseStatus,
    pub priority: Priority,
    pub assignee_id: Option<UserId>,
    pub source: CaseSource,
    pub created_by: UserId,
    pub conversation_id: ConversationId,
    pub decline_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

/// A `consults` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::consults, check_for_backend(diesel::pg::Pg))]
pub struct Consult {
    pub id: ConsultId,
    pub case_id: CaseId,
    pub requested_by: UserId,
    pub question: String,
    pub urgency: Priority,
    pub status: ConsultStatus,
    pub opinion: Option<ConsultOpinion>,
    pub decline_reason: Option<String>,
    pub conversation_id: ConversationId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub summary: String,
    /// `[{code?, text}]`, checked on the way in ([`crate::forms`]).
    pub diagnoses: serde_json::Value,
}

/// A `referrals` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::referrals, check_for_backend(diesel::pg::Pg))]
pub struct Referral {
    pub id: ReferralId,
    pub case_id: CaseId,
    pub from_team_id: TeamId,
    pub to_team_id: TeamId,
    pub direction: ReferralDirection,
    pub reason: String,
    pub status: ReferralStatus,
    pub target_case_id: CaseId,
    pub appointment_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub decline_reason: Option<String>,
    pub created_by: UserId,
    pub conversation_id: ConversationId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub slot_id: Option<consilium_shared::SlotId>,
}

/// A `referral_forms` row: the referral form (转诊单) of one referral.
#[derive(Debug, Clone, Default, Queryable, Selectable)]
#[diesel(table_name = super::schema::referral_forms, check_for_backend(diesel::pg::Pg))]
pub struct ReferralForm {
    pub summary: String,
    /// `[{code?, text}]`, checked on the way in ([`crate::forms`]).
    pub diagnoses: serde_json::Value,
    pub purpose: String,
    pub precautions: String,
    pub follow_up_plan: Option<String>,
}

impl From<&Patient> for PatientDto {
    fn from(p: &Patient) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            sex: p.sex,
            birth_date: p.birth_date,
            external_id: p.external_id.clone(),
        }
    }
}

/// A case row with its patient row: what a case is shown from.
#[derive(Debug, Clone, Copy)]
pub struct CaseRow<'a>(pub &'a Case, pub &'a Patient);

impl From<CaseRow<'_>> for CaseDto {
    fn from(CaseRow(case, patient): CaseRow<'_>) -> Self {
        Self {
            id: case.id,
            team_id: case.team_id,
            patient: patient.into(),
            title: case.title.clone(),
            summary: case.summary.clone(),
            status: case.status,
            priority: case.priority,
            assignee_id: case.assignee_id,
            source: case.source,
            created_by: case.created_by,
            conversation_id: case.conversation_id,
            decline_reason: case.decline_reason.clone(),
            created_at: case.created_at,
            updated_at: case.updated_at,
            due_at: (case.status == CaseStatus::Triage).then_some(case.due_at).flatten(),
        }
    }
}

/// A consult row with the consultants it names: what a consult is shown from.
#[derive(Debug, Clone, Copy)]
pub struct ConsultRow<'a>(pub &'a Consult, pub &'a [UserId]);

impl From<ConsultRow<'_>> for ConsultDto {
    fn from(ConsultRow(c, consultants): ConsultRow<'_>) -> Self {
        Self {
            id: c.id,
            case_id: c.case_id,
            requested_by: c.requested_by,
            consultant_ids: consultants.to_vec(),
            question: c.question.clone(),
            summary: c.summary.clone(),
            diagnoses: crate::forms::diagnoses_of(&c.diagnoses),
            urgency: c.urgency,
            status: c.status,
            opinion: c.opinion.clone(),
            decline_reason: c.decline_reason.clone(),
            conversation_id: c.conversation_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
            due_at: (c.status == ConsultStatus::Requested).then_some(c.due_at).flatten(),
        }
    }
}

/// A referral row with its form and its linked case's patient and priority:
/// what a referral is shown from.
#[derive(Debug, Clone, Copy)]
pub struct ReferralRow<'a>(pub &'a Referral, pub &'a ReferralForm, pub &'a Patient, pub Priority);

impl From<ReferralRow<'_>> for ReferralDto {
    fn from(ReferralRow(r, form, patient, priority): ReferralRow<'_>) -> Self {
        Self {
            id: r.id,
            case_id: r.case_id,
            from_team_id: r.from_team_id,
            to_team_id: r.to_team_id,
            direction: r.direction,
            patient: PatientDto::from(patient),
            priority,
            reason: r.reason.clone(),
            summary: form.summary.clone(),
            diagnoses: crate::forms::diagnoses_of(&form.diagnoses),
            purpose: form.purpose.clone(),
            precautions: form.precautions.clone(),
            follow_up_plan: form.follow_up_plan.clone(),
            status: r.status,
            target_case_id: r.target_case_id,
            appointment_at: r.appointment_at,
            slot_id: r.slot_id,
            outcome: r.outcome.clone(),
            decline_reason: r.decline_reason.clone(),
            conversation_id: r.conversation_id,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A `notifications` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::notifications, check_for_backend(diesel::pg::Pg))]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub link: NotificationLink,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<Notification> for NotificationDto {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}
