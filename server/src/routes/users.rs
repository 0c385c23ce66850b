//! `/users`.

use actix_web::{HttpResponse, web};
use consilium_shared::{
    ErrorBody, UserId,
    paging::Page,
    users::{CreateUserRequest, UpdateUserRequest, UserDto, UserSearchQuery},
};

use super::{decode_cursor, encode_cursor, page_limit};
use crate::auth::{AuthUser, ClientMeta};
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;
use crate::users;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::post().to(create))
        .route("/users", web::get().to(search))
        .route("/users/{id}", web::get().to(get))
        .route("/users/{id}", web::patch().to(update))
        .route("/users/{id}/deactivate", web::post().to(deactivate))
        .route("/users/{id}/reactivate", web::post().to(reactivate))
        .route("/users/{id}/2fa", web::delete().to(reset_two_factor));
}

/// Turns off a user's two-factor sign-in (admin), for one who lost both
/// their phone and their recovery codes; audited.
#[utoipa::path(delete, path = "/api/v1/users/{id}/2fa", params(("id" = uuid::Uuid, Path, description = "The user's id")), tag = "users", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reset_two_factor(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::two_factor::admin_reset(&state, &caller, *id, &meta).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Creates an account (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = CreateUserRequest,
    responses((status = 201, body = UserDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut conn = state.db.get().await?;
    let user = users::create_user(&mut conn, Some(caller.id()), body.into_inner(), meta.ip.as_deref()).await?;
    Ok(HttpResponse::Created().json(UserDto::from(user)))
}

/// Directory search over active users (admins may include deactivated ones).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(UserSearchQuery),
    responses((status = 200, body = Page<UserDto>)))]
pub async fn search(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<UserSearchQuery>,
) -> Result<web::Json<Page<UserDto>>, ApiError> {
    let limit = page_limit(query.limit)?;
    let after = decode_cursor(query.cursor.as_deref())?;
    let include_inactive = caller.is_admin() && query.include_inactive.unwrap_or(false);
    let mut conn = state.db.get().await?;
    let items = users::search(&mut conn, query.q.as_deref(), include_inactive, after.as_deref(), limit).await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last().map(|u| encode_cursor(&u.username)))
        .flatten();
    Ok(web::Json(Page { items, next_cursor }))
}

/// One user's public profile.
#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = uuid::Uuid, Path, description = "The user's id")), tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    _caller: AuthUser,
    id: web::Path<UserId>,
) -> Result<web::Json<UserDto>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(users::find(&mut conn, *id).await?.into()))
}

/// Changes a profile (self or admin); role and password reset are admin-only.
#[utoipa::path(patch, path = "/api/v1/users/{id}", params(("id" = uuid::Uuid, Path, description = "The user's id")), tag = "users", security(("bearer" = [])), request_body = UpdateUserRequest,
    responses((status = 200, body = UserDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<UserId>,
    body: web::Json<UpdateUserRequest>,
) -> Result<web::Json<UserDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let outcome = users::update_user(&mut conn, &caller, *id, body.into_inner(), meta.ip.as_deref()).await?;
    events::sessions_ended(&state, *id, &outcome.revoked_sessions).await;
    Ok(web::Json(outcome.user.into()))
}

/// Deactivates an account (admin): its tokens stop working and its sockets close at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", params(("id" = uuid::Uuid, Path, description = "The user's id")), tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deactivate(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<UserId>,
) -> Result<web::Json<UserDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let (user, _revoked) = users::set_active(&mut conn, &caller, *id, false, meta.ip.as_deref()).await?;
    events::user_deactivated(&state, *id).await;
    Ok(web::Json(user.into()))
}

/// Reactivates a deactivated account (admin); the user signs in again.
#[utoipa::path(post, path = "/api/v1/users/{id}/reactivate", params(("id" = uuid::Uuid, Path, description = "The user's id")), tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reactivate(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<UserId>,
) -> Result<web::Json<UserDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let (user, _) = users::set_active(&mut conn, &caller, *id, true, meta.ip.as_deref()).await?;
    Ok(web::Json(user.into()))
}
