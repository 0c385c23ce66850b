//! `/audit` (admin).

use actix_web::web;
use consilium_shared::{
    ErrorBody,
    audit::{AuditEventDto, AuditQuery},
    paging::Page,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{decode_cursor, encode_cursor, page_limit};
use crate::auth::AuthUser;
use crate::db::models::AuditEvent;
use crate::db::schema::audit_events;
use crate::error::ApiError;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list));
}

/// The audit trail, newest first (admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Page<AuditEventDto>), (status = 403, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEventDto>>, ApiError> {
    caller.require_admin()?;
    let limit = page_limit(query.limit)?;
    let before: Option<i64> = decode_cursor(query.cursor.as_deref())?
        .map(|c| c.parse().map_err(|_| ApiError::Invalid("cursor: malformed".into())))
        .transpose()?;
    let mut q = audit_events::table
        .select(AuditEvent::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(actor) = query.actor_id {
        q = q.filter(audit_events::actor_id.eq(actor.0));
    }
    if let Some(t) = &query.target_type {
        q = q.filter(audit_events::target_type.eq(t.clone()));
    }
    if let Some(t) = &query.target_id {
        q = q.filter(audit_events::target_id.eq(t.clone()));
    }
    if let Some(since) = query.since {
        q = q.filter(audit_events::at.ge(since));
    }
    if let Some(before) = before {
        q = q.filter(audit_events::id.lt(before));
    }
    let mut conn = state.db.get().await?;
    let rows: Vec<AuditEvent> = q.load(&mut conn).await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|e| encode_cursor(&e.id.to_string())))
        .flatten();
    Ok(web::Json(Page {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
