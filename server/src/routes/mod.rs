//! The HTTP surface: one file per resource, thin handlers that parse,
//! authorize through the domain modules and map results.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod calls;
pub mod cases;
pub mod consults;
pub mod conversations;
pub mod fhir;
pub mod follow_ups;
pub mod input;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod referrals;
pub mod slots;
pub mod teams;
pub mod users;
pub mod webhooks;
pub mod work;
pub mod ws;

use actix_web::web;
use base64::Engine;
use consilium_shared::paging::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page};

use crate::domain::ValidationError;
use crate::domain::keyset::PageRequest;
use crate::error::ApiError;
use consilium_shared::ErrorReason as Reason;

/// Registers every `/api/v1` route.
pub fn api(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth::routes)
        .configure(users::routes)
        .configure(teams::routes)
        .configure(audit::routes)
        .configure(conversations::routes)
        .configure(calls::routes)
        .configure(attachments::routes)
        .configure(cases::routes)
        .configure(consults::routes)
        .configure(referrals::routes)
        .configure(slots::routes)
        .configure(follow_ups::routes)
        .configure(fhir::routes)
        .configure(notifications::routes)
        .configure(work::routes)
        .configure(webhooks::routes)
        .configure(ws::routes)
        .route("/openapi.json", web::get().to(openapi::serve));
}

/// Validates `?limit=`: 1..=200, default 50.
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE_LIMIT),
        Some(l) if (1..=MAX_PAGE_LIMIT).contains(&l) => Ok(l),
        Some(_) => Err(ApiError::Invalid(
            Reason::InvalidLimit,
            format!("limit: must be between 1 and {MAX_PAGE_LIMIT}"),
        )),
    }
}

/// Wraps a cursor value so clients treat it as opaque.
pub fn encode_cursor(raw: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Reads a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<String>, ApiError> {
    cursor
        .map(|c| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::Invalid(Reason::MalformedCursor, "cursor: malformed".into()))
        })
        .transpose()
}

/// Reads `?limit=&cursor=` of a keyset-paged list; `parse` reads the key
/// inside the cursor (e.g. [`crate::domain::keyset::TimeKey::parse`]).
pub fn page_request<K>(
    limit: Option<i64>,
    cursor: Option<&str>,
    parse: impl FnOnce(&str) -> Result<K, ValidationError>,
) -> Result<PageRequest<K>, ApiError> {
    Ok(PageRequest {
        limit: page_limit(limit)?,
        after: decode_cursor(cursor)?.map(|raw| parse(&raw)).transpose()?,
    })
}

/// A page of `items`; when `more` follow, its cursor is the key of the last item.
pub fn keyset_page<T>(items: Vec<T>, more: bool, key: impl Fn(&T) -> String) -> Page<T> {
    let next_cursor = if more {
        items.last().map(|last| encode_cursor(&key(last)))
    } else {
        None
    };
    Page { items, next_cursor }
}

/// A transition's body: empty means none; anything else must be JSON.
pub(super) fn optional_json(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::Invalid(Reason::MalformedBody, format!("invalid JSON body: {e}")))
}

/// A transition's body parsed as `T` (an empty body parses as JSON `null`).
pub(super) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_value(optional_json(body)?)
        .map_err(|e| ApiError::Invalid(Reason::MalformedBody, format!("invalid body: {e}")))
}
