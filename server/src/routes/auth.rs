//! `/auth/*` and `/me`.

use actix_web::{HttpResponse, web};
use consilium_shared::{
    ErrorBody, SessionId,
    auth::{
        ChangePasswordRequest, LoginRequest, LoginResponse, MfaLoginRequest, RecoveryCodes, RefreshRequest, SessionDto,
        TokenResponse, TotpCodeRequest, TotpEnrollment, TwoFactorStatus,
    },
    users::UserDto,
};

use crate::auth::{AuthUser, ClientMeta, EnrollingUser, login as flows, sessions, two_factor};
use crate::domain::NewPassword;
use crate::error::ApiError;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::post().to(login))
        .route("/auth/login/mfa", web::post().to(login_second_factor))
        .route("/me/2fa", web::get().to(two_factor_status))
        .route("/me/2fa", web::delete().to(disable_two_factor))
        .route("/me/2fa/totp", web::post().to(enrol_totp))
        .route("/me/2fa/totp/confirm", web::post().to(confirm_totp))
        .route("/me/2fa/recovery-codes", web::post().to(regenerate_recovery_codes))
        .route("/auth/refresh", web::post().to(refresh))
        .route("/auth/logout", web::post().to(logout))
        .route("/me", web::get().to(me))
        .route("/me/password", web::put().to(change_password))
        .route("/me/sessions", web::get().to(my_sessions))
        .route("/me/sessions/{id}", web::delete().to(end_session));
}

/// Signs in with username and password: tokens, or (with 2FA on) a
/// challenge for `POST /auth/login/mfa`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    meta: ClientMeta,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    flows::login(&state, username.trim(), password, &meta)
        .await
        .map(web::Json)
}

/// Completes a sign-in with a TOTP code or an unused recovery code.
#[utoipa::path(post, path = "/api/v1/auth/login/mfa", tag = "auth", request_body = MfaLoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login_second_factor(
    state: web::Data<AppState>,
    meta: ClientMeta,
    body: web::Json<MfaLoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    flows::complete_second_factor(&state, &body.mfa_token, &body.code, &meta)
        .await
        .map(web::Json)
}

/// The caller's second-factor state.
#[utoipa::path(get, path = "/api/v1/me/2fa", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TwoFactorStatus), (status = 401, body = ErrorBody)))]
pub async fn two_factor_status(
    state: web::Data<AppState>,
    caller: EnrollingUser,
) -> Result<web::Json<TwoFactorStatus>, ApiError> {
    two_factor::status(&state, &caller.0).await.map(web::Json)
}

/// Starts TOTP enrolment: a new secret for the authenticator app, in force
/// only once confirmed.
#[utoipa::path(post, path = "/api/v1/me/2fa/totp", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TotpEnrollment), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn enrol_totp(
    state: web::Data<AppState>,
    caller: EnrollingUser,
    meta: ClientMeta,
) -> Result<web::Json<TotpEnrollment>, ApiError> {
    two_factor::begin(&state, &caller.0, &meta).await.map(web::Json)
}

/// Confirms enrolment with a code from the app: 2FA is on, and the recovery
/// codes are returned this once.
#[utoipa::path(post, path = "/api/v1/me/2fa/totp/confirm", tag = "auth", security(("bearer" = [])), request_body = TotpCodeRequest,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm_totp(
    state: web::Data<AppState>,
    caller: EnrollingUser,
    meta: ClientMeta,
    body: web::Json<TotpCodeRequest>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    two_factor::confirm(&state, &caller.0, &body.code, &meta)
        .await
        .map(web::Json)
}

/// Replaces the recovery codes (the old ones stop working), after a current code.
#[utoipa::path(post, path = "/api/v1/me/2fa/recovery-codes", tag = "auth", security(("bearer" = [])), request_body = TotpCodeRequest,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn regenerate_recovery_codes(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    body: web::Json<TotpCodeRequest>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    two_factor::regenerate_recovery_codes(&state, &caller, &body.code, &meta)
        .await
        .map(web::Json)
}

/// Turns two-factor sign-in off, after a current code or a recovery code.
#[utoipa::path(delete, path = "/api/v1/me/2fa", tag = "auth", security(("bearer" = [])), request_body = TotpCodeRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn disable_two_factor(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    body: web::Json<TotpCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    two_factor::disable(&state, &caller, &body.code, &meta).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Exchanges a refresh token for a new token pair (the old one is consumed).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    state: web::Data<AppState>,
    meta: ClientMeta,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    flows::refresh(&state, &body.refresh_token, &meta).await.map(web::Json)
}

/// Ends the session the refresh token belongs to.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204)))]
pub async fn logout(
    state: web::Data<AppState>,
    meta: ClientMeta,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    flows::logout(&state, &body.refresh_token, &meta).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 401, body = ErrorBody)))]
pub async fn me(caller: EnrollingUser) -> Result<web::Json<UserDto>, ApiError> {
    Ok(web::Json(caller.0.user.clone().into()))
}

/// Changes the caller's password and ends their other sessions.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    let new_password = NewPassword::parse(new_password, "new_password")?;
    flows::change_password(&state, &caller, current_password, new_password, &meta).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's signed-in devices: live sessions, most recently used first.
/// A session unused for `SESSION_IDLE_SECS` has ended and is not listed.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionDto>), (status = 401, body = ErrorBody)))]
pub async fn my_sessions(
    state: web::Data<AppState>,
    caller: EnrollingUser,
) -> Result<web::Json<Vec<SessionDto>>, ApiError> {
    let caller = caller.0;
    let mut conn = state.db.get().await?;
    let list = sessions::list_live(&mut conn, caller.id(), caller.session_id, state.config.session_idle).await?;
    Ok(web::Json(list))
}

/// Ends one of the caller's sessions (another device, or this one); its
/// sockets close at once. 404 `session_not_found` when it is not a live
/// session of the caller.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", params(("id" = uuid::Uuid, Path, description = "The session's id")), tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn end_session(
    state: web::Data<AppState>,
    caller: EnrollingUser,
    meta: ClientMeta,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let mut conn = state.db.get().await?;
    sessions::end_own(&mut conn, caller.id(), *id, meta.ip.as_deref()).await?;
    drop(conn);
    crate::events::sessions_ended(&state, caller.id(), &[*id]).await;
    Ok(HttpResponse::NoContent().finish())
}
