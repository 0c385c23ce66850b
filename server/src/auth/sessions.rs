//! Sessions as stored: checking an access token on every request, whether a
//! session is still live, and revoking sessions.
//!
//! A session is one refresh-token chain (see [`super::login`] for the flows
//! that start, rotate and end them). Access tokens carry the session id, and
//! every request checks the session is still live and its user still active,
//! which makes logout, password changes and deactivation take effect
//! immediately instead of at token expiry. Nothing here depends on the
//! application state, so realtime and account code can use it freely.

use chrono::Utc;
use consilium_shared::{ErrorReason as Reason, SessionId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use super::AuthUser;
use super::jwt::{JwtKeys, TokenError};
use crate::db::DbPool;
use crate::db::models::User;
use crate::db::schema::{sessions, user_totp, users};
use crate::error::ApiError;

/// Refresh tokens are stored hashed: a leaked table grants no session.
pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Marks a session revoked (idempotent).
pub async fn revoke_session(conn: &mut AsyncPgConnection, session: SessionId, reason: &str) -> QueryResult<usize> {
    diesel::update(sessions::table.find(session).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(Utc::now()), sessions::revoked_reason.eq(reason)))
        .execute(conn)
        .await
}

/// Revokes every live session of `user`, except `keep` if given; returns the revoked ids.
pub async fn revoke_user_sessions(
    conn: &mut AsyncPgConnection,
    user: UserId,
    keep: Option<SessionId>,
    reason: &str,
) -> QueryResult<Vec<SessionId>> {
    // the nil id names no session, so "keep none" needs no second query shape
    let keep = keep.unwrap_or(SessionId(uuid::Uuid::nil()));
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep)),
    )
    .set((sessions::revoked_at.eq(Utc::now()), sessions::revoked_reason.eq(reason)))
    .returning(sessions::id)
    .get_results(conn)
    .await
}

/// Whether `session` of `user` is still live and the user active (for
/// long-lived sockets re-checking after they may have missed a revocation).
///
/// The future does not hold `conn`: it can be awaited together with other
/// queries on the same connection, which pipelines them (see `realtime::snapshot`).
pub fn is_live(
    conn: &mut AsyncPgConnection,
    user: UserId,
    session: SessionId,
) -> impl Future<Output = Result<bool, ApiError>> + Send + use<> {
    let row = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session))
        .filter(sessions::user_id.eq(user))
        .select((sessions::revoked_at, users::active))
        .first::<(Option<chrono::DateTime<Utc>>, bool)>(conn);
    async move { Ok(matches!(row.await.optional()?, Some((None, true)))) }
}

/// Which of `candidates` have ended (logged out, revoked, user deactivated):
/// one query for a whole node's sockets instead of one per socket.
pub async fn ended_among(
    conn: &mut AsyncPgConnection,
    candidates: &[(UserId, SessionId)],
) -> Result<Vec<(UserId, SessionId)>, ApiError> {
    let mut ended = Vec::new();
    for chunk in candidates.chunks(1000) {
        let ids: Vec<SessionId> = chunk.iter().map(|(_, s)| *s).collect();
        let live: std::collections::HashSet<(UserId, SessionId)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::id.eq_any(&ids))
            .filter(sessions::revoked_at.is_null())
            .filter(users::active.eq(true))
            .select((sessions::user_id, sessions::id))
            .load::<(UserId, SessionId)>(conn)
            .await?
            .into_iter()
            .collect();
        ended.extend(chunk.iter().filter(|pair| !live.contains(pair)).copied());
    }
    Ok(ended)
}

/// How stale `last_used_at` may get before a use writes it again: one write
/// per session a minute (a quarter of the idle limit when that is shorter),
/// not one per request.
fn touch_every(idle: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(idle / 4)
        .unwrap_or(chrono::Duration::seconds(60))
        .min(chrono::Duration::seconds(60))
}

/// Whether a session last used at `last_used` has been idle too long.
pub fn idle_since(last_used: chrono::DateTime<Utc>, idle: std::time::Duration) -> bool {
    chrono::Duration::from_std(idle).is_ok_and(|idle| last_used + idle <= Utc::now())
}

/// Ends a session left unused too long (SPEC §11); the caller answers 401.
async fn end_idle(conn: &mut AsyncPgConnection, session: SessionId) -> Result<ApiError, ApiError> {
    revoke_session(conn, session, "idle").await?;
    Ok(ApiError::Unauthorized(
        Reason::SessionEnded,
        "session has ended: unused for too long".into(),
    ))
}

/// Records a use of `session`, at most once a minute.
pub async fn touch(
    conn: &mut AsyncPgConnection,
    session: SessionId,
    last_used: chrono::DateTime<Utc>,
    idle: std::time::Duration,
) -> Result<(), ApiError> {
    if last_used + touch_every(idle) <= Utc::now() {
        diesel::update(sessions::table.find(session))
            .set(sessions::last_used_at.eq(Utc::now()))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// What a request must pass beyond a valid token.
#[derive(Debug, Clone, Copy)]
pub struct AuthRules {
    /// A session unused this long ends (`SESSION_IDLE_SECS`).
    pub idle: std::time::Duration,
    /// Admins without a confirmed second factor are refused with 403
    /// `two_factor_required` (`REQUIRE_2FA_FOR_ADMINS`); off for the few
    /// endpoints that let them enrol.
    pub admins_need_second_factor: bool,
}

/// Checks an access token and loads its live session and active user; a
/// session unused too long ends here, and a use is recorded.
pub async fn authenticate(jwt: &JwtKeys, db: &DbPool, token: &str, rules: AuthRules) -> Result<AuthUser, ApiError> {
    let idle = rules.idle;
    let claims = jwt.verify(token).map_err(|e| match e {
        TokenError::Expired => ApiError::Unauthorized(Reason::TokenExpired, "access token has expired".into()),
        _ => ApiError::Unauthorized(Reason::TokenInvalid, "access token is invalid".into()),
    })?;
    let mut conn = db.get().await?;
    let row: Option<(Option<chrono::DateTime<Utc>>, chrono::DateTime<Utc>, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(claims.sid))
        .filter(sessions::user_id.eq(claims.sub))
        .select((sessions::revoked_at, sessions::last_used_at, User::as_select()))
        .first(&mut conn)
        .await
        .optional()?;
    let session_id = SessionId(claims.sid);
    match row {
        Some((None, last_used, user)) if user.active => {
            if idle_since(last_used, idle) {
                return Err(end_idle(&mut conn, session_id).await?);
            }
            touch(&mut conn, session_id, last_used, idle).await?;
            if rules.admins_need_second_factor && user.is_admin() && !second_factor_enabled(&mut conn, user.id).await? {
                return Err(ApiError::Forbidden(
                    Reason::TwoFactorRequired,
                    "this account must set up two-factor sign-in first (POST /api/v1/me/2fa/totp)".into(),
                ));
            }
            Ok(AuthUser { user, session_id })
        }
        Some((Some(_), ..)) => Err(ApiError::Unauthorized(Reason::SessionEnded, "session has ended".into())),
        Some(_) => Err(ApiError::Unauthorized(
            Reason::AccountDeactivated,
            "account is deactivated".into(),
        )),
        None => Err(ApiError::Unauthorized(
            Reason::TokenInvalid,
            "access token is invalid".into(),
        )),
    }
}

/// The live sessions of `user` (not revoked, not idle), most recently used first.
pub async fn list_live(
    conn: &mut AsyncPgConnection,
    user: UserId,
    current: SessionId,
    idle: std::time::Duration,
) -> Result<Vec<consilium_shared::auth::SessionDto>, ApiError> {
    let idle = chrono::Duration::from_std(idle).unwrap_or_else(|_| chrono::Duration::days(365));
    let rows: Vec<crate::db::models::Session> = sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::last_used_at.gt(Utc::now() - idle))
        .order(sessions::last_used_at.desc())
        .select(crate::db::models::Session::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| consilium_shared::auth::SessionDto {
            id: s.id,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            idle_expires_at: s.last_used_at + idle,
            user_agent: s.user_agent,
            ip: s.ip,
            current: s.id == current,
        })
        .collect())
}

/// Ends one live session of `user` (from their Sessions page); 404 when it
/// is not one of theirs or already ended.
pub async fn end_own(
    conn: &mut AsyncPgConnection,
    user: UserId,
    session: SessionId,
    ip: Option<&str>,
) -> Result<(), ApiError> {
    let ended = diesel::update(
        sessions::table
            .filter(sessions::id.eq(session))
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Utc::now()),
        sessions::revoked_reason.eq("ended_by_user"),
    ))
    .execute(conn)
    .await?;
    if ended == 0 {
        return Err(ApiError::not_found(Reason::SessionNotFound, "session"));
    }
    crate::audit::record(
        conn,
        crate::audit::AuditEntry::new(Some(user), "session_ended", "session", session.0)
            .detail(serde_json::json!({ "by": "user" }))
            .ip(ip),
    )
    .await?;
    Ok(())
}

/// Whether `user` has a confirmed second factor. Lives here, not in
/// `two_factor`, because every authenticated request asks it and
/// `two_factor` depends on the whole application state.
pub async fn second_factor_enabled(conn: &mut AsyncPgConnection, user: UserId) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        user_totp::table
            .filter(user_totp::user_id.eq(user))
            .filter(user_totp::confirmed_at.is_not_null()),
    ))
    .get_result(conn)
    .await?)
}
