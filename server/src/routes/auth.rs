//! `/auth/*` and `/me`.

use actix_web::{HttpResponse, web};
use consilium_shared::{
    ErrorBody,
    auth::{ChangePasswordRequest, LoginRequest, RefreshRequest, TokenResponse},
    users::UserDto,
};

use crate::auth::{AuthUser, ClientMeta, login as flows};
use crate::domain::NewPassword;
use crate::error::ApiError;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::post().to(login))
        .route("/auth/refresh", web::post().to(refresh))
        .route("/auth/logout", web::post().to(logout))
        .route("/me", web::get().to(me))
        .route("/me/password", web::put().to(change_password));
}

/// Signs in with username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    meta: ClientMeta,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    flows::login(&state, username.trim(), password, &meta)
        .await
        .map(web::Json)
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
pub async fn me(caller: AuthUser) -> Result<web::Json<UserDto>, ApiError> {
    Ok(web::Json(caller.user.clone().into()))
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
