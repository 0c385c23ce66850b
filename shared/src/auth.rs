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

/// `POST /auth/login` when the account has two-factor sign-in on: no tokens
/// yet, only a short-lived, single-use challenge to complete at
/// `POST /auth/login/mfa`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MfaChallenge {
    /// Always `true`: tells this answer apart from a [`TokenResponse`].
    pub mfa_required: bool,
    /// Present with the code at `POST /auth/login/mfa`.
    pub mfa_token: String,
    /// Seconds the challenge stays valid.
    #[ts(type = "number")]
    pub expires_in: i64,
}

/// What `POST /auth/login` answers: a session, or a second-factor challenge.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(untagged)]
#[ts(export)]
pub enum LoginResponse {
    /// Signed in.
    Tokens(TokenResponse),
    /// Password accepted; a TOTP or recovery code is needed.
    Mfa(MfaChallenge),
}

/// `POST /auth/login/mfa`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MfaLoginRequest {
    /// From the [`MfaChallenge`].
    pub mfa_token: String,
    /// A 6-digit code from the authenticator app, or an unused recovery code.
    pub code: String,
}

/// `POST /me/2fa/totp`: a new, not yet active secret to put in an authenticator app.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TotpEnrollment {
    /// The shared secret, base32 (for typing into the app by hand).
    pub secret: String,
    /// `otpauth://totp/…` (for the QR code).
    pub otpauth_url: String,
}

/// `POST /me/2fa/totp/confirm` and `DELETE /me/2fa`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TotpCodeRequest {
    /// A current 6-digit code (or, to turn 2FA off, an unused recovery code).
    pub code: String,
}

/// `POST /me/2fa/totp/confirm`: 2FA is on; the recovery codes are shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RecoveryCodes {
    /// Each signs in once in place of a TOTP code.
    pub recovery_codes: Vec<String>,
}

/// `GET /me/2fa`: the caller's second-factor state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TwoFactorStatus {
    /// TOTP is confirmed and asked at every sign-in.
    pub enabled: bool,
    /// This account must have 2FA (an admin under `REQUIRE_2FA_FOR_ADMINS`);
    /// until it does, it can only enrol.
    pub required: bool,
    /// Unused recovery codes left.
    pub recovery_codes_left: i32,
}
