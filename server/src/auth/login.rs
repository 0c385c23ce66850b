//! The sign-in flows: login, refresh-token rotation with reuse detection,
//! logout and password changes.
//!
//! Each refresh consumes the presented token and issues the next; presenting
//! a consumed token again means someone else holds a copy, so the whole
//! session is revoked. These flows need the whole application (pool, keys,
//! configuration, live sockets to close), so they sit above
//! [`super::sessions`], which the rest of the server uses.

use base64::Engine;
use chrono::{Duration as ChronoDuration, Utc};
use consilium_shared::{
    SessionId, UserId,
    auth::{LoginResponse, TokenResponse},
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::RngCore;
use serde_json::json;

use super::sessions::{hash_refresh_token, revoke_session, revoke_user_sessions};
use super::two_factor::{self, ChallengeOutcome, CodeCheck};
use super::{AuthUser, ClientMeta, password};
use crate::audit::{self, AuditEntry};
use crate::db::models::{Session, User};
use crate::db::schema::{audit_events, refresh_tokens, sessions, users};
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;
use consilium_shared::ErrorReason as Reason;

/// A refresh token's use and expiry with its session and user.
type RefreshRow = (Option<chrono::DateTime<Utc>>, chrono::DateTime<Utc>, Session, User);

/// What happened to a presented refresh token.
enum RefreshOutcome {
    Rotated {
        user: Box<User>,
        session_id: SessionId,
        token: String,
    },
    Reused {
        session_id: SessionId,
        user_id: UserId,
    },
    Rejected,
}

/// Failed logins per username within [`THROTTLE_WINDOW_MINUTES`] before further attempts are refused.
pub const MAX_FAILURES_PER_USERNAME: i64 = 5;

/// Failed logins per client address within the window before it is refused.
pub const MAX_FAILURES_PER_IP: i64 = 30;

/// The sliding window failures are counted in.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// The same window, as the longest a throttled client must wait (`Retry-After`).
const THROTTLE_WINDOW: std::time::Duration = std::time::Duration::from_secs(THROTTLE_WINDOW_MINUTES as u64 * 60);

const INVALID_CREDENTIALS: &str = "invalid username or password";

fn new_refresh_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// Refuses a login attempt when its username or address has failed too often
/// lately. Failures are counted from the audit log, so every node sees the
/// same count without any shared memory.
async fn check_throttle(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> Result<(), ApiError> {
    let since = Utc::now() - ChronoDuration::minutes(THROTTLE_WINDOW_MINUTES);
    let by_name: i64 = audit_events::table
        .filter(audit_events::action.eq("login_failed"))
        .filter(audit_events::detail.retrieve_as_text("username").eq(username))
        .filter(audit_events::at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    if by_name >= MAX_FAILURES_PER_USERNAME {
        return Err(ApiError::RateLimited(
            Reason::TooManyFailedLogins,
            format!("too many failed logins for this account; try again in {THROTTLE_WINDOW_MINUTES} minutes"),
            Some(THROTTLE_WINDOW),
        ));
    }
    if let Some(ip) = ip {
        let by_ip: i64 = audit_events::table
            .filter(audit_events::action.eq("login_failed"))
            .filter(audit_events::ip.eq(ip))
            .filter(audit_events::at.gt(since))
            .count()
            .get_result(conn)
            .await?;
        if by_ip >= MAX_FAILURES_PER_IP {
            return Err(ApiError::RateLimited(
                Reason::TooManyFailedLogins,
                format!("too many failed logins from this address; try again in {THROTTLE_WINDOW_MINUTES} minutes"),
                Some(THROTTLE_WINDOW),
            ));
        }
    }
    Ok(())
}

/// Starts a session for `user` and returns its first token pair.
async fn start_session(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: &User,
    meta: &ClientMeta,
) -> Result<TokenResponse, ApiError> {
    let session_id = SessionId::new();
    let (refresh_token, token_hash) = new_refresh_token();
    let expires_at = Utc::now() + state.config.refresh_token_ttl;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            diesel::insert_into(sessions::table)
                .values((
                    sessions::id.eq(session_id),
                    sessions::user_id.eq(user.id),
                    sessions::user_agent.eq(meta.user_agent.as_deref()),
                    sessions::ip.eq(meta.ip.as_deref()),
                ))
                .execute(conn)
                .await?;
            diesel::insert_into(refresh_tokens::table)
                .values((
                    refresh_tokens::token_hash.eq(&token_hash),
                    refresh_tokens::session_id.eq(session_id),
                    refresh_tokens::expires_at.eq(expires_at),
                ))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(user.id), "login", "user", user.id)
                    .detail(json!({ "session_id": session_id, "user_agent": meta.user_agent }))
                    .ip(meta.ip.as_deref()),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    token_response(state, user, session_id, refresh_token)
}

fn token_response(
    state: &AppState,
    user: &User,
    session_id: SessionId,
    refresh_token: String,
) -> Result<TokenResponse, ApiError> {
    let access_token = state
        .jwt
        .issue(user.id, session_id)
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        expires_in: state.jwt.ttl_secs(),
        user: user.clone().into(),
    })
}

/// `POST /auth/login`: a session, or, for a user with 2FA on, the challenge
/// `POST /auth/login/mfa` completes.
pub async fn login(
    state: &AppState,
    username: &str,
    password_attempt: String,
    meta: &ClientMeta,
) -> Result<LoginResponse, ApiError> {
    let mut conn = state.db.get().await?;
    check_throttle(&mut conn, username, meta.ip.as_deref()).await?;

    let user: Option<User> = users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(&mut conn)
        .await
        .optional()?;
    let stored_hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_password_hash.to_string());
    // The hash waits for a slot and then takes tens of milliseconds: holding
    // a pooled connection meanwhile let a login storm take the whole pool
    // from chat (p99 476 ms at 50 logins/s in bench/login-storm.sh).
    drop(conn);
    let password_ok = match password::verify_login(password_attempt, stored_hash).await {
        Ok(ok) => ok,
        Err(password::PasswordError::Busy) => {
            return Err(ApiError::RateLimited(
                Reason::TooManyLogins,
                "too many sign-ins at once on this server; try again in a moment".into(),
                Some(std::time::Duration::from_secs(1)),
            ));
        }
        Err(password::PasswordError::Failed(e)) => return Err(e.into()),
    };
    let mut conn = state.db.get().await?;

    match user {
        Some(user) if password_ok && user.active => {
            if two_factor::is_enabled(&mut conn, user.id).await? {
                let challenge = two_factor::open_challenge(&mut conn, user.id).await?;
                audit::record(
                    &mut conn,
                    AuditEntry::new(Some(user.id), "login_second_factor_asked", "user", user.id).ip(meta.ip.as_deref()),
                )
                .await?;
                return Ok(LoginResponse::Mfa(challenge));
            }
            start_session(state, &mut conn, &user, meta)
                .await
                .map(LoginResponse::Tokens)
        }
        user => {
            let reason = match &user {
                None => "unknown_user",
                Some(u) if !u.active && password_ok => "deactivated",
                Some(_) => "wrong_password",
            };
            let mut entry = AuditEntry::new(user.as_ref().map(|u| u.id), "login_failed", "user", username)
                .detail(json!({ "username": username, "reason": reason }))
                .ip(meta.ip.as_deref());
            if let Some(u) = &user {
                entry.target_id = Some(u.id.to_string());
            }
            audit::record(&mut conn, entry).await?;
            tracing::info!(username, reason, "login failed");
            Err(ApiError::Unauthorized(
                Reason::WrongCredentials,
                INVALID_CREDENTIALS.into(),
            ))
        }
    }
}

/// `POST /auth/login/mfa`: completes a sign-in with a TOTP code or an
/// unused recovery code. A wrong code counts against the challenge and, like
/// a wrong password, against the account's login throttle.
pub async fn complete_second_factor(
    state: &AppState,
    mfa_token: &str,
    code: &str,
    meta: &ClientMeta,
) -> Result<TokenResponse, ApiError> {
    let mut conn = state.db.get().await?;
    match two_factor::answer_challenge(state, &mut conn, mfa_token, code).await? {
        ChallengeOutcome::Passed(user, how) => {
            if how == CodeCheck::RecoveryCode {
                audit::record(
                    &mut conn,
                    AuditEntry::new(Some(user.id), "recovery_code_used", "user", user.id).ip(meta.ip.as_deref()),
                )
                .await?;
            }
            start_session(state, &mut conn, &user, meta).await
        }
        ChallengeOutcome::WrongCode(user) => {
            check_throttle(&mut conn, &user.username, meta.ip.as_deref()).await?;
            audit::record(
                &mut conn,
                AuditEntry::new(Some(user.id), "login_failed", "user", user.id)
                    .detail(json!({ "username": user.username, "reason": "wrong_second_factor" }))
                    .ip(meta.ip.as_deref()),
            )
            .await?;
            Err(ApiError::Unauthorized(
                Reason::InvalidMfaCode,
                "the code is wrong, already used, or malformed".into(),
            ))
        }
        ChallengeOutcome::Invalid => Err(ApiError::Unauthorized(
            Reason::MfaTokenInvalid,
            "the sign-in has expired or saw too many wrong codes; sign in again".into(),
        )),
    }
}

/// `POST /auth/refresh`: exchanges a refresh token for a new pair, or revokes
/// the session when a consumed token is presented again.
pub async fn refresh(state: &AppState, presented: &str, meta: &ClientMeta) -> Result<TokenResponse, ApiError> {
    let presented_hash = hash_refresh_token(presented);
    let refresh_ttl = state.config.refresh_token_ttl;
    let idle = state.config.session_idle;
    let mut conn = state.db.get().await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let row: Option<RefreshRow> = refresh_tokens::table
                    .inner_join(sessions::table.inner_join(users::table))
                    .filter(refresh_tokens::token_hash.eq(&presented_hash))
                    .select((
                        refresh_tokens::used_at,
                        refresh_tokens::expires_at,
                        Session::as_select(),
                        User::as_select(),
                    ))
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?;
                let Some((used_at, expires_at, session, user)) = row else {
                    return Ok(RefreshOutcome::Rejected);
                };
                let session_id = session.id;
                if used_at.is_some() {
                    revoke_session(conn, session_id, "refresh_reuse").await?;
                    return Ok(RefreshOutcome::Reused {
                        session_id,
                        user_id: user.id,
                    });
                }
                if session.revoked_at.is_some() || !user.active || expires_at <= Utc::now() {
                    return Ok(RefreshOutcome::Rejected);
                }
                if super::sessions::idle_since(session.last_used_at, idle) {
                    revoke_session(conn, session_id, "idle").await?;
                    return Ok(RefreshOutcome::Rejected);
                }
                diesel::update(refresh_tokens::table.find(&presented_hash))
                    .set(refresh_tokens::used_at.eq(Utc::now()))
                    .execute(conn)
                    .await?;
                let (token, token_hash) = new_refresh_token();
                diesel::insert_into(refresh_tokens::table)
                    .values((
                        refresh_tokens::token_hash.eq(&token_hash),
                        refresh_tokens::session_id.eq(session.id),
                        refresh_tokens::expires_at.eq(Utc::now() + refresh_ttl),
                    ))
                    .execute(conn)
                    .await?;
                diesel::update(sessions::table.find(session.id))
                    .set(sessions::last_used_at.eq(Utc::now()))
                    .execute(conn)
                    .await?;
                Ok(RefreshOutcome::Rotated {
                    user: Box::new(user),
                    session_id,
                    token,
                })
            }
            .scope_boxed()
        })
        .await?;

    match outcome {
        RefreshOutcome::Rotated {
            user,
            session_id,
            token,
        } => token_response(state, &user, session_id, token),
        RefreshOutcome::Reused { session_id, user_id } => {
            audit::record(
                &mut conn,
                AuditEntry::new(Some(user_id), "refresh_token_reused", "session", session_id)
                    .detail(json!({ "revoked": true }))
                    .ip(meta.ip.as_deref()),
            )
            .await?;
            tracing::warn!(%session_id, %user_id, "refresh token reused; session revoked");
            events::sessions_ended(state, user_id, &[session_id]).await;
            Err(ApiError::Unauthorized(
                Reason::RefreshTokenReused,
                "refresh token was already used; the session has been revoked".into(),
            ))
        }
        RefreshOutcome::Rejected => Err(ApiError::Unauthorized(
            Reason::RefreshTokenInvalid,
            "refresh token is invalid or expired".into(),
        )),
    }
}

/// `POST /auth/logout`: ends the session the refresh token belongs to.
/// Unknown tokens are accepted silently: logging out twice is not an error.
pub async fn logout(state: &AppState, presented: &str, meta: &ClientMeta) -> Result<(), ApiError> {
    let mut conn = state.db.get().await?;
    let found: Option<(SessionId, UserId)> = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(hash_refresh_token(presented)))
        .select((sessions::id, sessions::user_id))
        .first(&mut conn)
        .await
        .optional()?;
    if let Some((session_id, user_id)) = found {
        if revoke_session(&mut conn, session_id, "logout").await? > 0 {
            audit::record(
                &mut conn,
                AuditEntry::new(Some(user_id), "logout", "session", session_id).ip(meta.ip.as_deref()),
            )
            .await?;
        }
        events::sessions_ended(state, user_id, &[session_id]).await;
    }
    Ok(())
}

/// `PUT /me/password`: checks the current password, stores the new one and
/// ends every other session of the user.
pub async fn change_password(
    state: &AppState,
    caller: &AuthUser,
    current: String,
    new: crate::domain::NewPassword,
    meta: &ClientMeta,
) -> Result<(), ApiError> {
    if !password::verify(current, caller.user.password_hash.clone()).await? {
        return Err(ApiError::Forbidden(
            Reason::WrongPassword,
            "current password is wrong".into(),
        ));
    }
    let new_hash = password::hash(new.expose().to_owned()).await?;
    let user_id = caller.id();
    let keep = caller.session_id;
    let mut conn = state.db.get().await?;
    let revoked = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                diesel::update(users::table.find(user_id))
                    .set(users::password_hash.eq(&new_hash))
                    .execute(conn)
                    .await?;
                let revoked = revoke_user_sessions(conn, user_id, Some(keep), "password_changed").await?;
                audit::record(
                    conn,
                    AuditEntry::new(Some(user_id), "password_changed", "user", user_id)
                        .detail(json!({ "sessions_revoked": revoked.len() }))
                        .ip(meta.ip.as_deref()),
                )
                .await?;
                Ok(revoked)
            }
            .scope_boxed()
        })
        .await?;
    events::sessions_ended(state, user_id, &revoked).await;
    Ok(())
}
