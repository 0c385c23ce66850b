//! Follow-up (随访, SPEC §10): what a patient sent back down still needs,
//! with a due date and the doctor who does it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{CaseId, FollowUpId, UserId};

/// Whether a follow-up is still to do.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FollowUpStatus {
    /// Still to do.
    Open,
    /// Its result is recorded.
    Done,
}

/// One follow-up item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct FollowUpDto {
    /// Stable id.
    pub id: FollowUpId,
    /// The case it belongs to.
    pub case_id: CaseId,
    /// The patient's name, so a list of follow-ups reads without opening each case.
    pub patient_name: String,
    /// The case's title.
    pub case_title: String,
    /// What to do (e.g. 复查心电图).
    pub title: String,
    /// How (e.g. 两周后复查，心率>110次/分 及时上转).
    pub instructions: String,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// Who does it.
    pub assignee_id: UserId,
    /// Who planned it; told when it is done.
    pub created_by: UserId,
    /// Open or done.
    pub status: FollowUpStatus,
    /// The recorded result, once done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub result: Option<String>,
    /// When it was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub completed_at: Option<DateTime<Utc>>,
    /// Who recorded the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub completed_by: Option<UserId>,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
}

/// One item of `POST /cases/{id}/follow-ups`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewFollowUp {
    /// What to do.
    pub title: String,
    /// How.
    #[serde(default)]
    #[ts(optional)]
    pub instructions: Option<String>,
    /// When; must be in the future.
    pub due_at: DateTime<Utc>,
    /// A member of the case's team or of a team it was referred to or from.
    pub assignee_id: UserId,
}

/// `POST /cases/{id}/follow-ups`: a follow-up plan's items (1 to 20).
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CreateFollowUpsRequest {
    /// The items.
    pub items: Vec<NewFollowUp>,
}

/// `POST /follow-ups/{id}/complete`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CompleteFollowUpRequest {
    /// What the follow-up found (e.g. 心率 72 次/分，无不适).
    pub result: String,
}

/// Which of my follow-ups to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FollowUpFilter {
    /// Still open, overdue ones included, soonest first (the default).
    Due,
    /// Open and past due.
    Overdue,
    /// Done, most recent first.
    Done,
}

/// `GET /me/follow-ups?status=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct FollowUpQuery {
    /// `due` (default), `overdue` or `done`.
    #[serde(default)]
    #[ts(optional)]
    #[param(value_type = Option<FollowUpFilter>)]
    pub status: Option<FollowUpFilter>,
}
