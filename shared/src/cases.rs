//! Patients, cases and the triage queue, consults (会诊) and referrals (转诊).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{CaseId, ConsultId, ConversationId, PatientId, ReferralId, TeamId, UserId, users::UserDto};

/// Administrative sex of a patient.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Other.
    Other,
    /// Not known or not stated.
    Unknown,
}

/// A patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct PatientDto {
    /// Stable id.
    pub id: PatientId,
    /// Full name.
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Date of birth, when known.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// The hospital's record number, when known.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// A patient to record with a new case.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewPatient {
    /// Full name.
    pub name: String,
    /// Sex; `unknown` when absent.
    #[serde(default)]
    #[ts(optional)]
    pub sex: Option<Sex>,
    /// Date of birth (YYYY-MM-DD).
    #[serde(default)]
    #[ts(optional)]
    pub birth_date: Option<NaiveDate>,
    /// The hospital's record number.
    #[serde(default)]
    #[ts(optional)]
    pub external_id: Option<String>,
}

/// Where a case is in its life.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CaseStatus {
    /// Waiting in the team's triage queue.
    Triage,
    /// Assigned and being handled.
    Open,
    /// Finished, or declined at triage.
    Closed,
}

/// How urgent a case, consult or referral is.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Priority {
    /// Within days.
    Routine,
    /// Within hours.
    Urgent,
    /// Now.
    Emergency,
}

/// How a case came to the team.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CaseSource {
    /// Opened by a team member for discussion.
    Direct,
    /// Submitted by anyone as a new patient.
    Intake,
    /// Created by a referral from another team.
    Referral,
}

/// A case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct CaseDto {
    /// Stable id.
    pub id: CaseId,
    /// The team handling it.
    pub team_id: TeamId,
    /// The patient.
    pub patient: PatientDto,
    /// Short title.
    pub title: String,
    /// Clinical summary (Markdown).
    pub summary: String,
    /// Life-cycle status.
    pub status: CaseStatus,
    /// Priority.
    pub priority: Priority,
    /// The member handling it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<UserId>,
    /// How it arrived.
    pub source: CaseSource,
    /// Who opened or submitted it.
    pub created_by: UserId,
    /// Its discussion thread.
    pub conversation_id: ConversationId,
    /// Why triage declined it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When triage is due (a case waiting in triage; SPEC §7 deadlines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub due_at: Option<DateTime<Utc>>,
}

/// `POST /teams/{id}/cases`: a member opens a case discussion (status `open`).
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CreateCaseRequest {
    /// A new patient (or give `patient_id`).
    #[serde(default)]
    #[ts(optional)]
    pub patient: Option<NewPatient>,
    /// An existing patient (or give `patient`).
    #[serde(default)]
    #[ts(optional)]
    pub patient_id: Option<PatientId>,
    /// Short title.
    pub title: String,
    /// Clinical summary.
    #[serde(default)]
    #[ts(optional)]
    pub summary: Option<String>,
    /// Priority; `routine` when absent.
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<Priority>,
}

/// `POST /teams/{id}/intakes`: anyone submits a new patient to a team (status `triage`).
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct IntakeRequest {
    /// The patient.
    pub patient: NewPatient,
    /// Short title.
    pub title: String,
    /// Clinical summary.
    #[serde(default)]
    #[ts(optional)]
    pub summary: Option<String>,
    /// Priority; `routine` when absent.
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<Priority>,
}

/// `PATCH /cases/{id}`: absent fields stay. `status` closes (`closed`) or reopens (`open`) a case.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct UpdateCaseRequest {
    /// New title.
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    /// New summary.
    #[serde(default)]
    #[ts(optional)]
    pub summary: Option<String>,
    /// New priority.
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<Priority>,
    /// `open` or `closed`.
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<CaseStatus>,
}

/// `POST /cases/{id}/triage`: what the assistant (or lead) decides.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub enum TriageAction {
    /// Hand the case to a member; it becomes `open`.
    Assign {
        /// The member.
        assignee_id: UserId,
        /// A new priority at the same time.
        #[serde(default)]
        #[ts(optional)]
        priority: Option<Priority>,
    },
    /// Change the priority while it waits.
    Prioritize {
        /// The new priority.
        priority: Priority,
    },
    /// Move it to another team's queue.
    Transfer {
        /// The receiving team.
        team_id: TeamId,
        /// Why (kept in the audit trail).
        #[serde(default)]
        #[ts(optional)]
        note: Option<String>,
    },
    /// Refuse it; it becomes `closed` with the reason.
    Decline {
        /// Why.
        reason: String,
    },
}

/// `GET /teams/{id}/cases` query: filters and a page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct CaseListQuery {
    /// Only this status.
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<CaseStatus>,
    /// Only cases assigned to this member.
    #[serde(default)]
    #[ts(optional)]
    pub assignee: Option<UserId>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    #[ts(optional)]
    #[ts(type = "number")]
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    #[serde(default)]
    #[ts(optional)]
    pub cursor: Option<String>,
}

/// A member suggested for a case, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AssigneeSuggestion {
    /// The member.
    pub user: UserDto,
    /// Their specialties that fit the case (see `reasons` for the words).
    pub matching_specialties: Vec<String>,
    /// Cases they are handling now.
    #[ts(type = "number")]
    pub open_cases: i64,
    /// Higher is a better fit.
    pub score: f64,
    /// Why they are where they are in the list, most weighty first; a
    /// client words each reason in its user's language.
    pub reasons: Vec<SuggestionReason>,
}

/// One reason behind an assignment suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum SuggestionReason {
    /// One of their specialties fits words of the case.
    Specialty {
        /// The specialty, as they wrote it.
        specialty: String,
        /// The case's words that call for it (symptoms, findings, diagnoses).
        terms: Vec<String>,
    },
    /// They are handling this many open cases (each one counts against them).
    Load {
        /// How many.
        #[ts(type = "number")]
        open_cases: i64,
    },
    /// Their care level suits an urgent or emergency case.
    CareLevel {
        /// Their level.
        care_level: crate::users::CareLevel,
        /// The case's priority.
        priority: Priority,
    },
    /// The team's lead: kept free for the hardest cases, so ranked a little lower.
    Lead,
}

/// Where a consult is in its life.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConsultStatus {
    /// Waiting for a consultant.
    Requested,
    /// A consultant took it.
    Accepted,
    /// Answered with an opinion.
    Completed,
    /// Refused by a consultant.
    Declined,
    /// Withdrawn by the requester.
    Cancelled,
}

/// One diagnosis on a form (诊断): free text, with an ICD-10 code when the
/// doctor gives one (checked for form — a letter, two digits, an optional
/// dot and up to four more characters — never looked up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Diagnosis {
    /// ICD-10 code, e.g. `I48.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<String>,
    /// The diagnosis in the doctor's words (e.g. 阵发性心房颤动).
    pub text: String,
}

/// A consultant's structured answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Jsonb))]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ConsultOpinion {
    /// Assessment (诊断意见).
    pub assessment: String,
    /// Recommendation (处理建议).
    pub recommendation: String,
}

/// A consult request (会诊).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ConsultDto {
    /// Stable id.
    pub id: ConsultId,
    /// The case it is about.
    pub case_id: CaseId,
    /// Who asked.
    pub requested_by: UserId,
    /// Who is asked (any team).
    pub consultant_ids: Vec<UserId>,
    /// The question.
    pub question: String,
    /// The case summary for the consultant (病历摘要); empty when not given.
    pub summary: String,
    /// The working diagnoses.
    pub diagnoses: Vec<Diagnosis>,
    /// How urgent.
    pub urgency: Priority,
    /// Life-cycle status.
    pub status: ConsultStatus,
    /// The answer, once completed.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opinion: Option<ConsultOpinion>,
    /// Why it was declined.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    /// Its thread.
    pub conversation_id: ConversationId,
    /// When it was requested.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When an answer is due (a requested consult; SPEC §7 deadlines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub due_at: Option<DateTime<Utc>>,
}

/// `POST /cases/{id}/consults`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CreateConsultRequest {
    /// Who to ask (one or more; any team).
    pub consultant_ids: Vec<UserId>,
    /// The question.
    pub question: String,
    /// The case summary for the consultant (病历摘要).
    #[serde(default)]
    #[ts(optional)]
    pub summary: Option<String>,
    /// The working diagnoses (at most 20).
    #[serde(default)]
    #[ts(optional)]
    pub diagnoses: Option<Vec<Diagnosis>>,
    /// How urgent; `routine` when absent.
    #[serde(default)]
    #[ts(optional)]
    pub urgency: Option<Priority>,
}

/// Which side of consults or referrals to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BoxKind {
    /// Addressed to me (or my team).
    Incoming,
    /// Sent by me (or my team).
    Outgoing,
}

/// `GET /consults` and `GET /referrals` query: which box, a status, and a page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct BoxQuery {
    /// `incoming` (default) or `outgoing`.
    #[serde(rename = "box", default)]
    #[ts(optional, rename = "box")]
    pub box_kind: Option<BoxKind>,
    /// Only this status (`requested`, `pending`, …).
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    #[ts(optional)]
    #[ts(type = "number")]
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    #[serde(default)]
    #[ts(optional)]
    pub cursor: Option<String>,
}

/// `POST /consults/{id}/complete`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CompleteConsultRequest {
    /// The consultant's answer.
    pub opinion: ConsultOpinion,
}

/// `POST /consults/{id}/decline` and `POST /referrals/{id}/decline`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct DeclineRequest {
    /// Why.
    pub reason: String,
}

/// Up to a higher-level team, or down for follow-up.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReferralDirection {
    /// To a higher-level (expert) team.
    Up,
    /// Back to a grassroots team for follow-up.
    Down,
}

/// Where a referral is in its life.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReferralStatus {
    /// Waiting for the receiving team.
    Pending,
    /// Taken by the receiving team.
    Accepted,
    /// Refused by the receiving team.
    Declined,
    /// Finished, with an outcome.
    Completed,
    /// Withdrawn by the referring side.
    Cancelled,
}

/// A referral (转诊).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ReferralDto {
    /// Stable id.
    pub id: ReferralId,
    /// The referring case.
    pub case_id: CaseId,
    /// The referring team.
    pub from_team_id: TeamId,
    /// The receiving team.
    pub to_team_id: TeamId,
    /// Up or down.
    pub direction: ReferralDirection,
    /// The patient, so an inbox shows who is coming (name, sex, age).
    pub patient: PatientDto,
    /// The case's priority, so an urgent referral never looks routine.
    pub priority: Priority,
    /// Why.
    pub reason: String,
    /// The referral form (转诊单): the case summary (病历摘要); empty when not given.
    pub summary: String,
    /// The diagnoses the patient is sent with.
    pub diagnoses: Vec<Diagnosis>,
    /// What the receiving team is asked to do (转诊目的); empty when not given.
    pub purpose: String,
    /// Precautions (注意事项); empty when not given.
    pub precautions: String,
    /// For a down-referral: the follow-up plan (随访计划) the patient goes back with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub follow_up_plan: Option<String>,
    /// Life-cycle status.
    pub status: ReferralStatus,
    /// The case created in the receiving team's triage queue.
    pub target_case_id: CaseId,
    /// Appointment set on acceptance.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_at: Option<DateTime<Utc>>,
    /// The expert slot (号源) the referral booked, when it booked one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub slot_id: Option<crate::SlotId>,
    /// Outcome given on completion.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Why it was declined.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    /// Its thread (both teams).
    pub conversation_id: ConversationId,
    /// Who referred.
    pub created_by: UserId,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// `POST /cases/{id}/referrals`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CreateReferralRequest {
    /// The receiving team.
    pub to_team_id: TeamId,
    /// Up or down.
    pub direction: ReferralDirection,
    /// Why.
    pub reason: String,
    /// A slot (号源) of the receiving team to book for the patient: its
    /// start becomes the appointment.
    #[serde(default)]
    #[ts(optional)]
    pub slot_id: Option<crate::SlotId>,
    /// The case summary (病历摘要).
    #[serde(default)]
    #[ts(optional)]
    pub summary: Option<String>,
    /// The diagnoses the patient is sent with (at most 20).
    #[serde(default)]
    #[ts(optional)]
    pub diagnoses: Option<Vec<Diagnosis>>,
    /// What the receiving team is asked to do (转诊目的).
    #[serde(default)]
    #[ts(optional)]
    pub purpose: Option<String>,
    /// Precautions (注意事项).
    #[serde(default)]
    #[ts(optional)]
    pub precautions: Option<String>,
    /// A down-referral's follow-up plan (随访计划); refused on an up-referral.
    #[serde(default)]
    #[ts(optional)]
    pub follow_up_plan: Option<String>,
}

/// `POST /referrals/{id}/accept`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct AcceptReferralRequest {
    /// A member of the receiving team to handle the case.
    #[serde(default)]
    #[ts(optional)]
    pub assignee_id: Option<UserId>,
    /// Appointment time for the patient.
    #[serde(default)]
    #[ts(optional)]
    pub appointment_at: Option<DateTime<Utc>>,
    /// A slot (号源) of the receiving team to book instead (its start is the
    /// appointment); replaces a slot booked at referral.
    #[serde(default)]
    #[ts(optional)]
    pub slot_id: Option<crate::SlotId>,
    /// A down-referral's follow-up plan (随访计划), set by the receiving team.
    #[serde(default)]
    #[ts(optional)]
    pub follow_up_plan: Option<String>,
}

/// An expert's appointment slot (号源, SPEC §10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SlotDto {
    /// Stable id.
    pub id: crate::SlotId,
    /// The team that publishes it.
    pub team_id: TeamId,
    /// The doctor the patient will see.
    pub doctor_id: UserId,
    /// When.
    pub starts_at: DateTime<Utc>,
    /// How long.
    pub duration_minutes: i32,
    /// Patients it takes.
    pub capacity: i32,
    /// Patients booked.
    pub booked: i32,
    /// Kept for patients referred from other teams.
    pub reserved_for_referrals: bool,
}

/// `POST /teams/{id}/slots` (the team's lead or assistants).
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CreateSlotRequest {
    /// A doctor of the team (not an assistant).
    pub doctor_id: UserId,
    /// When; in the future.
    pub starts_at: DateTime<Utc>,
    /// 5 to 480.
    pub duration_minutes: i32,
    /// 1 to 200.
    pub capacity: i32,
    /// Kept for referrals (default false).
    #[serde(default)]
    #[ts(optional)]
    pub reserved_for_referrals: Option<bool>,
}

/// `GET /teams/{id}/slots?from=&to=&available=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct SlotQuery {
    /// From (default: now).
    #[serde(default)]
    #[ts(optional)]
    pub from: Option<DateTime<Utc>>,
    /// Until (default: four weeks after `from`; at most 92 days after it).
    #[serde(default)]
    #[ts(optional)]
    pub to: Option<DateTime<Utc>>,
    /// Only slots with a free place that start in the future.
    #[serde(default)]
    #[ts(optional)]
    pub available: Option<bool>,
}

/// `POST /referrals/{id}/complete`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CompleteReferralRequest {
    /// What happened; posted back to the referring case.
    pub outcome: String,
    /// A down-referral's follow-up plan (随访计划).
    #[serde(default)]
    #[ts(optional)]
    pub follow_up_plan: Option<String>,
}

/// `POST /cases/{id}/break-glass`: why a doctor outside the case must read it now.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct BreakGlassRequest {
    /// The emergency, in the doctor's words (5–1000 characters); audited and
    /// shown on the case.
    pub reason: String,
}

/// Emergency read access to a case (SPEC §11 break-glass): who, why, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct BreakGlassDto {
    /// Stable id.
    #[ts(type = "string")]
    pub id: uuid::Uuid,
    /// The case opened.
    pub case_id: CaseId,
    /// The doctor who broke the glass.
    pub user_id: UserId,
    /// Their display name (for the case page's notice).
    pub user_name: String,
    /// Their stated reason.
    pub reason: String,
    /// When access began.
    pub started_at: DateTime<Utc>,
    /// When read access ends.
    pub expires_at: DateTime<Utc>,
}
