//! The append-only audit trail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::UserId;

/// One audited action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AuditEventDto {
    /// Monotonic id.
    #[ts(type = "number")]
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it; absent for anonymous actions such as a failed login of an unknown name.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<UserId>,
    /// What was done, e.g. `login_failed`, `user_created`, `member_added`.
    pub action: String,
    /// Kind of the thing acted on, e.g. `user`, `team`, `case`.
    pub target_type: String,
    /// Id of the thing acted on.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// Action-specific facts.
    #[ts(type = "Record<string, unknown>")]
    pub detail: serde_json::Value,
    /// Client address.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// `GET /audit` query (admin).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct AuditQuery {
    /// Only actions by this user.
    #[serde(default)]
    #[ts(optional)]
    pub actor_id: Option<UserId>,
    /// Only this kind of target.
    #[serde(default)]
    #[ts(optional)]
    pub target_type: Option<String>,
    /// Only this target.
    #[serde(default)]
    #[ts(optional)]
    pub target_id: Option<String>,
    /// Only actions at or after this instant.
    #[serde(default)]
    #[ts(optional)]
    pub since: Option<DateTime<Utc>>,
    /// Page size, at most 200.
    #[serde(default)]
    #[ts(optional)]
    #[ts(type = "number")]
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    #[serde(default)]
    #[ts(optional)]
    pub cursor: Option<String>,
}

/// `GET /audit/verify` (admin): whether the audit trail's hash chain is
/// intact (SPEC §11). Each row's hash covers the previous row's hash and its
/// own content, so a row changed, removed or slipped in shows here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AuditVerification {
    /// The whole chain checks out.
    pub ok: bool,
    /// How many rows were checked.
    #[ts(type = "number")]
    pub checked: i64,
    /// The first row (in chain order) that does not: changed, out of place, or
    /// after a gap; when rows were cut from the end, the last row left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub first_bad_id: Option<i64>,
}
