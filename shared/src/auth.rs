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
