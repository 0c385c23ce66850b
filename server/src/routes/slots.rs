//! `/teams/{id}/slots`, `/slots/{id}`: expert slots (号源, SPEC §10).

use actix_web::{HttpResponse, web};
use consilium_shared::{
    ErrorBody, SlotId, TeamId,
    cases::{CreateSlotRequest, SlotDto, SlotQuery},
};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::slots;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/teams/{id}/slots", web::post().to(create_slot))
        .route("/teams/{id}/slots", web::get().to(list_slots))
        .route("/slots/{id}", web::delete().to(delete_slot));
}

/// Publishes a slot of one of the team's doctors (its lead or assistants);
/// 409 `slot_overlaps` when the doctor already has one at that time.
#[utoipa::path(post, path = "/api/v1/teams/{id}/slots", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "slots", security(("bearer" = [])),
    request_body = CreateSlotRequest,
    responses((status = 201, body = SlotDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_slot(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<TeamId>,
    body: web::Json<CreateSlotRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let slot = slots::create(&mut conn, &caller, *id, &body).await?;
    Ok(HttpResponse::Created().json(slot))
}

/// A team's slots, soonest first (any signed-in user: a referring doctor
/// picks from the receiving team's); `available=true` keeps those with a
/// free place that have not started.
#[utoipa::path(get, path = "/api/v1/teams/{id}/slots", params(("id" = uuid::Uuid, Path, description = "The team's id"), SlotQuery), tag = "slots", security(("bearer" = [])),
    responses((status = 200, body = Vec<SlotDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_slots(
    state: web::Data<AppState>,
    _caller: AuthUser,
    id: web::Path<TeamId>,
    query: web::Query<SlotQuery>,
) -> Result<web::Json<Vec<SlotDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(slots::list(&mut conn, *id, &query).await?))
}

/// Deletes a slot nobody has booked (the team's lead or assistants).
#[utoipa::path(delete, path = "/api/v1/slots/{id}", params(("id" = uuid::Uuid, Path, description = "The slot's id")), tag = "slots", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_slot(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<SlotId>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    slots::delete(&mut conn, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
