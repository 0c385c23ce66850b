//! Login, token refresh and password changes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::users::UserDto;

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Tokens for a session: a short-lived JWT and an opaque, single-use refresh token.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Exchange at `POST /auth/refresh` for a new pair; usable once.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    #[ts(type = "number")]
    pub expires_in: i64,
    /// The signed-in user.
    pub user: UserDto,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RefreshRequest {
    /// The refresh token last issued for the session.
    pub refresh_token: String,
}

/// `PUT /me/password`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password (at least 8 characters).
    pub new_password: String,
}

/// One signed-in device of the caller (`GET /me/sessions`), so a doctor who
/// left a session open on a ward computer can end it from their phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SessionDto {
    /// The session (ends with `DELETE /me/sessions/{id}`).
    pub id: crate::SessionId,
    /// When it signed in.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was last used (a request, a token refresh or a socket); it
    /// ends by itself after `SESSION_IDLE_SECS` without use.
    pub last_used_at: chrono::DateTime<chrono::Utc>,
    /// When it will end if unused until then.
    pub idle_expires_at: chrono::DateTime<chrono::Utc>,
    /// The browser's User-Agent at sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user_agent: Option<String>,
    /// The address it signed in from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ip: Option<String>,
    /// This is the session making the request.
    pub current: bool,
}
