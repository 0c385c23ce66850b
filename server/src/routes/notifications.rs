//! `/notifications`: the caller's notifications (SPEC §7).

use actix_web::web;
use consilium_shared::{
    ErrorBody,
    notifications::{MarkReadRequest, MarkReadResponse, NotificationDto, NotificationsQuery},
    paging::Page,
};

use super::{keyset_page, page_request};
use crate::auth::AuthUser;
use crate::domain::keyset::TimeKey;
use crate::error::ApiError;
use crate::events;
use crate::notifications;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/notifications", web::get().to(list))
        .route("/notifications/read", web::post().to(mark_read));
}

/// The caller's notifications, newest first (`?unread=true` for unread only), a page at a time.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])), params(NotificationsQuery),
    responses((status = 200, body = Page<NotificationDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<NotificationsQuery>,
) -> Result<web::Json<Page<NotificationDto>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), TimeKey::parse)?;
    let mut conn = state.db.get().await?;
    let (items, more) = notifications::list(&mut conn, caller.id(), query.unread.unwrap_or(false), page).await?;
    Ok(web::Json(keyset_page(items, more, |n| {
        TimeKey {
            at: n.created_at,
            id: n.id.0,
        }
        .encode()
    })))
}

/// Marks the named notifications (or all) of the caller read; every socket
/// of the caller hears the new unread count.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = [])), request_body = MarkReadRequest,
    responses((status = 200, body = MarkReadResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<MarkReadRequest>,
) -> Result<web::Json<MarkReadResponse>, ApiError> {
    let mut conn = state.db.get().await?;
    let (marked, unread) = notifications::mark_read(&mut conn, caller.id(), body.into_inner()).await?;
    if marked > 0 {
        events::notifications_read(&state, caller.id(), unread).await;
    }
    Ok(web::Json(MarkReadResponse { marked, unread }))
}
