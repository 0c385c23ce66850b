//! Accounts and profiles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::UserId;

/// Platform-wide role: admins keep accounts and rosters; everyone else is a user.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PlatformRole {
    /// Manages accounts, teams and rosters; reads the audit log.
    Admin,
    /// A doctor or assistant.
    User,
}

/// The tier of the institution a doctor works at (tiered care).
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CareLevel {
    /// Tertiary (三级) hospital.
    Tertiary,
    /// Secondary (二级) / county hospital.
    Secondary,
    /// Primary care: township health centre or community clinic.
    Primary,
    /// Village clinic.
    Village,
}

/// A user as everyone who may see them sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct UserDto {
    /// Stable id.
    pub id: UserId,
    /// Login name, unique, 3–32 of `[a-z0-9_.-]`.
    pub username: String,
    /// Name shown in the UI (e.g. 王建国).
    pub display_name: String,
    /// Platform role.
    pub role: PlatformRole,
    /// Professional title (e.g. 主任医师).
    pub title: String,
    /// Hospital or clinic.
    pub institution: String,
    /// Tier of the institution.
    pub care_level: CareLevel,
    /// Expertise tags used for triage.
    pub specialties: Vec<String>,
    /// False once an admin has deactivated the account.
    pub active: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// `POST /users` (admin).
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CreateUserRequest {
    /// Login name, 3–32 of `[a-z0-9_.-]`.
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Initial password (at least 8 characters).
    pub password: String,
    /// Platform role; `user` when absent.
    #[serde(default)]
    #[ts(optional)]
    pub role: Option<PlatformRole>,
    /// Professional title.
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    /// Hospital or clinic.
    #[serde(default)]
    #[ts(optional)]
    pub institution: Option<String>,
    /// Tier of the institution; `primary` when absent.
    #[serde(default)]
    #[ts(optional)]
    pub care_level: Option<CareLevel>,
    /// Expertise tags.
    #[serde(default)]
    #[ts(optional)]
    pub specialties: Option<Vec<String>>,
}

/// `PATCH /users/{id}`: absent fields stay as they are. `role` and `active`
/// are for admins only; the profile fields may also be changed by the user.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct UpdateUserRequest {
    /// New display name.
    #[serde(default)]
    #[ts(optional)]
    pub display_name: Option<String>,
    /// New title.
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    /// New institution.
    #[serde(default)]
    #[ts(optional)]
    pub institution: Option<String>,
    /// New care level.
    #[serde(default)]
    #[ts(optional)]
    pub care_level: Option<CareLevel>,
    /// New expertise tags (replaces the list).
    #[serde(default)]
    #[ts(optional)]
    pub specialties: Option<Vec<String>>,
    /// New platform role (admin only).
    #[serde(default)]
    #[ts(optional)]
    pub role: Option<PlatformRole>,
    /// New password (admin only: a password reset; ends the user's sessions).
    #[serde(default)]
    #[ts(optional)]
    pub password: Option<String>,
}

/// `GET /users?q=` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct UserSearchQuery {
    /// Matches username, display name, institution or a specialty (case-insensitive substring).
    #[serde(default)]
    #[ts(optional)]
    pub q: Option<String>,
    /// Page size, at most 200.
    #[serde(default)]
    #[ts(optional)]
    #[ts(type = "number")]
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    #[serde(default)]
    #[ts(optional)]
    pub cursor: Option<String>,
    /// Include deactivated accounts (admins only).
    #[serde(default)]
    #[ts(optional)]
    pub include_inactive: Option<bool>,
}

/// Whether a user is working (SPEC §7 duty status).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DutyStatus {
    /// On duty: notified as usual.
    #[default]
    OnDuty,
    /// Off duty: notifications also go to `forward_to`, if set.
    OffDuty,
    /// Do not disturb: clients stay quiet; notifications also go to `forward_to`.
    DoNotDisturb,
}

/// `PUT /me/status` and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct DutyRequest {
    /// The new status.
    pub status: DutyStatus,
    /// When it ends by itself (back on duty); absent: until changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// The colleague who also receives my notifications while I am off duty
    /// or not to be disturbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub forward_to: Option<crate::UserId>,
}
