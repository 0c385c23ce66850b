//! `/cases/{id}/follow-ups`, `/me/follow-ups`, `/follow-ups/{id}/complete`:
//! follow-up after a referral (随访, SPEC §10).

use actix_web::{HttpResponse, web};
use consilium_shared::{
    CaseId, ErrorBody, FollowUpId,
    follow_ups::{CompleteFollowUpRequest, CreateFollowUpsRequest, FollowUpDto, FollowUpFilter, FollowUpQuery},
};

use crate::auth::{AuthUser, ClientMeta};
use crate::error::ApiError;
use crate::events;
use crate::follow_ups;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases/{id}/follow-ups", web::post().to(plan_follow_ups))
        .route("/cases/{id}/follow-ups", web::get().to(case_follow_ups))
        .route("/me/follow-ups", web::get().to(my_follow_ups))
        .route("/follow-ups/{id}/complete", web::post().to(complete_follow_up));
}

/// Plans follow-up items for a case (members of its team or of a team it was
/// referred to or from); each is kept under the case its assignee works on.
/// Each item reminds its assignee as it comes due and escalates once overdue.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "follow-ups", security(("bearer" = [])),
    request_body = CreateFollowUpsRequest,
    responses((status = 201, body = Vec<FollowUpDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn plan_follow_ups(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<CaseId>,
    body: web::Json<CreateFollowUpsRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let planned = follow_ups::create(
        &mut conn,
        caller.id(),
        *id,
        &body,
        meta.ip.as_deref(),
        &state.config.deadlines,
    )
    .await?;
    drop(conn);
    events::follow_ups_planned(&state, &planned).await;
    Ok(HttpResponse::Created().json(planned.items))
}

/// The follow-ups of a case and of the cases linked to it by referrals, by due date.
#[utoipa::path(get, path = "/api/v1/cases/{id}/follow-ups", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "follow-ups", security(("bearer" = [])),
    responses((status = 200, body = Vec<FollowUpDto>), (status = 404, body = ErrorBody)))]
pub async fn case_follow_ups(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CaseId>,
) -> Result<web::Json<Vec<FollowUpDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(follow_ups::for_case(&mut conn, caller.id(), *id).await?))
}

/// The caller's follow-ups: `due` (open, overdue included, soonest first;
/// the default), `overdue`, or `done` (latest first). At most 200.
#[utoipa::path(get, path = "/api/v1/me/follow-ups", params(FollowUpQuery), tag = "follow-ups", security(("bearer" = [])),
    responses((status = 200, body = Vec<FollowUpDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn my_follow_ups(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<FollowUpQuery>,
) -> Result<web::Json<Vec<FollowUpDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    let filter = query.status.unwrap_or(FollowUpFilter::Due);
    Ok(web::Json(follow_ups::mine(&mut conn, caller.id(), filter).await?))
}

/// Records a follow-up's result (its assignee, or a member of the case's
/// teams); the result is posted to the linked cases' discussions and its
/// planner is notified. 409 `follow_up_done` when already recorded.
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/complete", params(("id" = uuid::Uuid, Path, description = "The follow-up's id")), tag = "follow-ups", security(("bearer" = [])),
    request_body = CompleteFollowUpRequest,
    responses((status = 200, body = FollowUpDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn complete_follow_up(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<FollowUpId>,
    body: web::Json<CompleteFollowUpRequest>,
) -> Result<web::Json<FollowUpDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let done = follow_ups::complete(&mut conn, caller.id(), *id, &body.result, meta.ip.as_deref()).await?;
    drop(conn);
    let item = done.item.clone();
    events::follow_up_completed(&state, done).await;
    Ok(web::Json(item))
}
