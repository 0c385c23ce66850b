//! Notifications (SPEC §7): what the server tells one person needs them.
//!
//! The server creates them, never a client. `title` and `body` carry the
//! subject (a case title, a consult question, a message excerpt) and who
//! acted, in the words the users wrote; the client composes the sentence
//! around them from `kind` in its user's language.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{
    CaseId, ConsultId, ConversationId, NotificationId, ReferralId,
    cases::{CaseDto, ConsultDto, ReferralDto},
    chat::MessageDto,
};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NotificationKind {
    /// A case was assigned to you.
    Assigned,
    /// Someone mentioned you.
    Mentioned,
    /// An urgent or emergency message reached you.
    UrgentMessage,
    /// You were asked for a consult.
    ConsultRequested,
    /// A consult you asked for was answered (or declined).
    ConsultAnswered,
    /// A referral reached your team.
    ReferralReceived,
    /// A referral you made moved.
    ReferralUpdated,
    /// A follow-up is due.
    FollowUpDue,
    /// A follow-up you planned was done: its result is recorded.
    FollowUpCompleted,
    /// Something passed its deadline.
    Escalation,
    /// A call started.
    Call,
    /// Someone outside your team opened one of its cases under break-glass.
    BreakGlass,
}

/// Where a notification leads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Jsonb))]
#[ts(export)]
pub struct NotificationLink {
    /// The conversation to open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub conversation_id: Option<ConversationId>,
    /// The message in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub seq: Option<i64>,
    /// The case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub case_id: Option<CaseId>,
    /// The consult.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub consult_id: Option<ConsultId>,
    /// The referral.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub referral_id: Option<ReferralId>,
    /// The call (kind `call`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub call_id: Option<crate::CallId>,
    /// The follow-up (kinds `follow_up_due`, `follow_up_completed`, and its escalations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub follow_up_id: Option<crate::FollowUpId>,
}

/// A notification as its user sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct NotificationDto {
    /// Stable id.
    pub id: NotificationId,
    /// What happened.
    pub kind: NotificationKind,
    /// The subject, as users wrote it (case title, consult question, message excerpt).
    pub title: String,
    /// Who acted or a short detail, as users wrote it.
    pub body: String,
    /// Where it leads.
    pub link: NotificationLink,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its user read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub read_at: Option<DateTime<Utc>>,
}

/// `GET /notifications?unread=&limit=&cursor=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct NotificationsQuery {
    /// Only unread ones.
    #[serde(default)]
    #[ts(optional)]
    pub unread: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    #[serde(default)]
    #[ts(optional)]
    pub cursor: Option<String>,
}

/// `POST /notifications/read`: these, or all of the caller's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct MarkReadRequest {
    /// The notifications to mark read (at most 200).
    #[serde(default)]
    #[ts(optional)]
    pub ids: Option<Vec<NotificationId>>,
    /// Mark every notification of the caller read.
    #[serde(default)]
    #[ts(optional)]
    pub all: Option<bool>,
}

/// The answer to `POST /notifications/read`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MarkReadResponse {
    /// How many changed from unread to read.
    #[ts(type = "number")]
    pub marked: i64,
    /// The caller's unread count afterwards.
    #[ts(type = "number")]
    pub unread: i64,
}

/// `GET /me/work`: a doctor's or an assistant's day on one screen (SPEC §7).
/// Each list is short (at most 50, most pressing first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MyWork {
    /// Open cases assigned to me, most urgent first.
    pub assigned_cases: Vec<CaseDto>,
    /// Consults naming me that are requested or accepted, oldest first.
    pub consults_to_answer: Vec<ConsultDto>,
    /// Referrals waiting for a team I triage, and accepted ones whose linked
    /// case is assigned to me, oldest first.
    pub referrals_to_handle: Vec<ReferralDto>,
    /// Messages asking me to acknowledge them that I have not, oldest first.
    pub unacknowledged: Vec<MessageDto>,
    /// Cases waiting in the triage queue of a team I triage (assistants and
    /// leads), most urgent first.
    pub triage_queue: Vec<CaseDto>,
    /// My open follow-ups (随访) due within the next week or overdue, soonest first.
    pub follow_ups_due: Vec<crate::follow_ups::FollowUpDto>,
    /// What is past its deadline among the above.
    pub overdue: OverdueWork,
}

/// The overdue part of [`MyWork`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct OverdueWork {
    /// Cases past their triage deadline in a queue I triage.
    pub cases: Vec<CaseDto>,
    /// Consults I must answer past their deadline.
    pub consults: Vec<ConsultDto>,
    /// Messages I must acknowledge past their deadline.
    pub messages: Vec<MessageDto>,
    /// My follow-ups past their due date.
    pub follow_ups: Vec<crate::follow_ups::FollowUpDto>,
}

/// What an escalation timer watches (SPEC §7 deadlines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EscalationSubject {
    /// A case waiting in triage.
    Case,
    /// A requested consult waiting for an answer.
    Consult,
    /// A message waiting for acknowledgements.
    Message,
    /// A follow-up (随访) waiting to be done.
    FollowUp,
}
