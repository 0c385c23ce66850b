//! `/teams`.

use actix_web::{HttpResponse, web};
use consilium_shared::{
    ErrorBody, TeamId, UserId,
    teams::{
        CreateTeamRequest, SetMemberRequest, TeamDetail, TeamDirectoryEntry, TeamDirectoryQuery, TeamDto,
        TeamMemberDto, TeamSettings, TeamSettingsPatch, UpdateTeamRequest,
    },
};

use crate::auth::{AuthUser, ClientMeta};
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;
use crate::teams;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/teams", web::post().to(create))
        .route("/teams", web::get().to(list))
        .route("/teams/directory", web::get().to(directory))
        .route("/teams/{id}", web::get().to(get))
        .route("/teams/{id}", web::patch().to(update))
        .route("/teams/{id}/archive", web::post().to(archive))
        .route("/teams/{id}/settings", web::get().to(settings))
        .route("/teams/{id}/settings", web::patch().to(update_settings))
        .route("/teams/{id}/members", web::get().to(members))
        .route("/teams/{id}/members/{user_id}", web::put().to(set_member))
        .route("/teams/{id}/members/{user_id}", web::delete().to(remove_member));
}

/// Creates a team with its lead and team channel (admin).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])), request_body = CreateTeamRequest,
    responses((status = 201, body = TeamDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    body: web::Json<CreateTeamRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let (team, change) = teams::create(&mut conn, &caller, body.into_inner(), meta.ip.as_deref()).await?;
    let detail = teams::detail(&mut conn, team, caller.id()).await?;
    events::roster_changed(&state, change).await;
    Ok(HttpResponse::Created().json(detail))
}

/// The caller's teams (admins: all teams, archived included). Not paged, like
/// the other team lists: teams are an organisation's units, tens per platform
/// and a few per user, and clients need them all to draw navigation.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = Vec<TeamDto>)))]
pub async fn list(state: web::Data<AppState>, caller: AuthUser) -> Result<web::Json<Vec<TeamDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(teams::list_for(&mut conn, &caller).await?))
}

/// Every active team, for choosing where to refer a patient or send an intake.
/// Not paged: the spec makes it the complete list of active teams (tens), and
/// pickers filter it locally.
#[utoipa::path(get, path = "/api/v1/teams/directory", tag = "teams", security(("bearer" = [])), params(TeamDirectoryQuery),
    responses((status = 200, body = Vec<TeamDirectoryEntry>)))]
pub async fn directory(
    state: web::Data<AppState>,
    _caller: AuthUser,
    query: web::Query<TeamDirectoryQuery>,
) -> Result<web::Json<Vec<TeamDirectoryEntry>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(
        teams::directory(&mut conn, query.specialty.as_deref(), query.q.as_deref()).await?,
    ))
}

/// A team with its roster (members and admins).
#[utoipa::path(get, path = "/api/v1/teams/{id}", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = TeamDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<TeamId>,
) -> Result<web::Json<TeamDetail>, ApiError> {
    let mut conn = state.db.get().await?;
    let (team, _) = teams::load_visible(&mut conn, &caller, *id).await?;
    Ok(web::Json(teams::detail(&mut conn, team, caller.id()).await?))
}

/// Changes the team's description (admin or lead) or its lead (admin).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "teams", security(("bearer" = [])), request_body = UpdateTeamRequest,
    responses((status = 200, body = TeamDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<TeamId>,
    body: web::Json<UpdateTeamRequest>,
) -> Result<web::Json<TeamDetail>, ApiError> {
    let mut conn = state.db.get().await?;
    let (team, changes) = teams::update(&mut conn, &caller, *id, body.into_inner(), meta.ip.as_deref()).await?;
    let detail = teams::detail(&mut conn, team, caller.id()).await?;
    for change in changes {
        events::roster_changed(&state, change).await;
    }
    Ok(web::Json(detail))
}

/// Archives a team (admin).
#[utoipa::path(post, path = "/api/v1/teams/{id}/archive", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = TeamDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn archive(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<TeamId>,
) -> Result<web::Json<TeamDetail>, ApiError> {
    let mut conn = state.db.get().await?;
    let team = teams::archive(&mut conn, &caller, *id, meta.ip.as_deref()).await?;
    Ok(web::Json(teams::detail(&mut conn, team, caller.id()).await?))
}

/// The roster (members and admins). Not paged: a team's roster is a few dozen
/// people, shown and triaged against as a whole.
#[utoipa::path(get, path = "/api/v1/teams/{id}/members", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = Vec<TeamMemberDto>), (status = 404, body = ErrorBody)))]
pub async fn members(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<TeamId>,
) -> Result<web::Json<Vec<TeamMemberDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    teams::load_visible(&mut conn, &caller, *id).await?;
    Ok(web::Json(teams::roster(&mut conn, *id).await?))
}

/// Adds a member or changes their role (admin or lead).
#[utoipa::path(put, path = "/api/v1/teams/{id}/members/{user_id}", params(("id" = uuid::Uuid, Path, description = "The team's id"), ("user_id" = uuid::Uuid, Path, description = "The user's id")), tag = "teams", security(("bearer" = [])), request_body = SetMemberRequest,
    responses((status = 200, body = TeamMemberDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    path: web::Path<(TeamId, UserId)>,
    body: web::Json<SetMemberRequest>,
) -> Result<web::Json<TeamMemberDto>, ApiError> {
    let (team_id, user_id) = path.into_inner();
    let mut conn = state.db.get().await?;
    let (member, change) =
        teams::set_member(&mut conn, &caller, team_id, user_id, body.role, meta.ip.as_deref()).await?;
    if let Some(change) = change {
        events::roster_changed(&state, change).await;
    }
    Ok(web::Json(member))
}

/// Removes a member (admin or lead; never the lead).
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user_id}", params(("id" = uuid::Uuid, Path, description = "The team's id"), ("user_id" = uuid::Uuid, Path, description = "The user's id")), tag = "teams", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    path: web::Path<(TeamId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, user_id) = path.into_inner();
    let mut conn = state.db.get().await?;
    let change = teams::remove_member(&mut conn, &caller, team_id, user_id, meta.ip.as_deref()).await?;
    events::roster_changed(&state, change).await;
    Ok(HttpResponse::NoContent().finish())
}

/// A team's deadlines (SPEC §7): triage, consult and acknowledgement minutes by priority.
#[utoipa::path(get, path = "/api/v1/teams/{id}/settings", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = TeamSettings), (status = 404, body = ErrorBody)))]
pub async fn settings(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<TeamId>,
) -> Result<web::Json<TeamSettings>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(teams::settings(&mut conn, &caller, *id).await?))
}

/// Changes a team's deadlines (its lead or an admin); each group given is
/// replaced whole. Running deadlines keep their due time.
#[utoipa::path(patch, path = "/api/v1/teams/{id}/settings", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "teams", security(("bearer" = [])), request_body = TeamSettingsPatch,
    responses((status = 200, body = TeamSettings), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_settings(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<TeamId>,
    body: web::Json<TeamSettingsPatch>,
) -> Result<web::Json<TeamSettings>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(
        teams::update_settings(&mut conn, &caller, *id, body.into_inner(), meta.ip.as_deref()).await?,
    ))
}
