//! `/audit` (admin).

use actix_web::web;
use consilium_shared::{
    ErrorBody,
    audit::{AuditEventDto, AuditQuery, AuditVerification},
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
use consilium_shared::ErrorReason as Reason;

/// Detail keys that carry patient content (opinions, reasons, outcomes, recalled
/// bodies, case titles). The rows keep them; the admin view shows only their size:
/// admins read the audit trail but not patient content (spec section 1).
const CLINICAL_KEYS: &[&str] = &[
    "opinion",
    "outcome",
    "reason",
    "note",
    "original_body",
    "title",
    "summary",
];

/// Targets whose audit details can carry patient content.
const CLINICAL_TARGETS: &[&str] = &["case", "consult", "referral", "message", "patient"];

fn redact_clinical_text(mut event: AuditEventDto) -> AuditEventDto {
    if !CLINICAL_TARGETS.contains(&event.target_type.as_str()) {
        return event;
    }
    fn redact(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if CLINICAL_KEYS.contains(&key.as_str()) && !v.is_null() {
                        let size = match &*v {
                            serde_json::Value::String(s) => s.chars().count(),
                            other => other.to_string().chars().count(),
                        };
                        *v = serde_json::json!({ "redacted": true, "chars": size });
                    } else {
                        redact(v);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
            _ => {}
        }
    }
    redact(&mut event.detail);
    event
}

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list))
        .route("/audit/verify", web::get().to(verify));
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
        .map(|c| {
            c.parse()
                .map_err(|_| ApiError::Invalid(Reason::MalformedCursor, "cursor: malformed".into()))
        })
        .transpose()?;
    let mut q = audit_events::table
        .select(AuditEvent::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(actor) = query.actor_id {
        q = q.filter(audit_events::actor_id.eq(actor));
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
    let items = rows
        .into_iter()
        .map(AuditEventDto::from)
        .map(redact_clinical_text)
        .collect();
    Ok(web::Json(Page { items, next_cursor }))
}

/// Checks the audit trail's hash chain (admin): `ok`, how many rows were
/// checked, and the first row that does not check out.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = AuditVerification), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn verify(state: web::Data<AppState>, caller: AuthUser) -> Result<web::Json<AuditVerification>, ApiError> {
    caller.require_admin()?;
    let mut conn = state.db.get().await?;
    let result = crate::audit::verify(&mut conn).await?;
    if !result.ok {
        tracing::error!(first_bad_id = ?result.first_bad_id, "the audit trail's hash chain is broken");
    }
    Ok(web::Json(result))
}
