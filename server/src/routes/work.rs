//! `/me/work`: the caller's day (SPEC §7).

use actix_web::web;
use consilium_shared::{ErrorBody, notifications::MyWork, users::DutyRequest};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::work;
use crate::{events, users};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/work", web::get().to(my_work))
        .route("/me/status", web::put().to(set_status));
}

/// What needs the caller today: assigned cases, consults to answer, referrals
/// to handle, messages to acknowledge, the queues they triage, and what of it
/// is overdue.
#[utoipa::path(get, path = "/api/v1/me/work", tag = "attention", security(("bearer" = [])),
    responses((status = 200, body = MyWork), (status = 401, body = ErrorBody)))]
pub async fn my_work(state: web::Data<AppState>, caller: AuthUser) -> Result<web::Json<MyWork>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(work::my_work(&mut conn, caller.id()).await?))
}

/// Sets the caller's duty status (`on_duty`, `off_duty`, `do_not_disturb`),
/// until when, and the colleague who also gets their notifications
/// meanwhile. Everyone who shares a conversation with them sees the change.
#[utoipa::path(put, path = "/api/v1/me/status", tag = "attention", security(("bearer" = [])), request_body = DutyRequest,
    responses((status = 200, body = DutyRequest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn set_status(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<DutyRequest>,
) -> Result<web::Json<DutyRequest>, ApiError> {
    let mut conn = state.db.get().await?;
    let user = users::set_duty(&mut conn, caller.id(), &body).await?;
    drop(conn);
    events::duty_changed(&state, user.id, user.duty_status).await;
    Ok(web::Json(DutyRequest {
        status: user.duty_status,
        until: user.duty_until,
        forward_to: user.forward_to,
    }))
}
