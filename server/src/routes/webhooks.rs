//! `/webhooks` (admin): subscriptions of a hospital's gateways (SPEC §7).

use actix_web::{HttpResponse, web};
use consilium_shared::{
    ErrorBody, WebhookId,
    paging::{Page, PageQuery},
    webhooks::{CreateWebhookRequest, WebhookDeliveryDto, WebhookDto},
};

use super::{keyset_page, page_request};
use crate::audit::{self, AuditEntry};
use crate::auth::{AuthUser, ClientMeta};
use crate::domain::keyset::TimeKey;
use crate::error::ApiError;
use crate::state::AppState;
use crate::webhooks;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks", web::post().to(create))
        .route("/webhooks", web::get().to(list))
        .route("/webhooks/{id}", web::delete().to(delete))
        .route("/webhooks/{id}/deliveries", web::get().to(deliveries));
}

/// Subscribes a URL to events; deliveries are signed with `secret`.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])), request_body = CreateWebhookRequest,
    responses((status = 201, body = WebhookDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    body: web::Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut conn = state.db.get().await?;
    let hook = webhooks::create(&mut conn, caller.id(), body.into_inner(), &state.config.webhooks).await?;
    audit::record(
        &mut conn,
        AuditEntry::new(Some(caller.id()), "webhook_created", "webhook", hook.id)
            .detail(serde_json::json!({ "url": hook.url, "events": hook.events }))
            .ip(meta.ip.as_deref()),
    )
    .await?;
    Ok(HttpResponse::Created().json(hook))
}

/// The live subscriptions.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = Vec<WebhookDto>), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, caller: AuthUser) -> Result<web::Json<Vec<WebhookDto>>, ApiError> {
    caller.require_admin()?;
    let mut conn = state.db.get().await?;
    Ok(web::Json(webhooks::list(&mut conn).await?))
}

/// Ends a subscription; its delivery log stays.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", params(("id" = uuid::Uuid, Path, description = "The webhook's id")), tag = "webhooks", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut conn = state.db.get().await?;
    webhooks::delete(&mut conn, *id).await?;
    audit::record(
        &mut conn,
        AuditEntry::new(Some(caller.id()), "webhook_deleted", "webhook", *id).ip(meta.ip.as_deref()),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A webhook's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "The webhook's id"), PageQuery),
    responses((status = 200, body = Page<WebhookDeliveryDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<WebhookId>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<WebhookDeliveryDto>>, ApiError> {
    caller.require_admin()?;
    let page = page_request(query.limit, query.cursor.as_deref(), TimeKey::parse)?;
    let mut conn = state.db.get().await?;
    let (items, more) = webhooks::deliveries(&mut conn, *id, page).await?;
    Ok(web::Json(keyset_page(items, more, |d| {
        TimeKey {
            at: d.created_at,
            id: d.id.0,
        }
        .encode()
    })))
}
