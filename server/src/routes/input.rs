//! Input rules that hold for every endpoint, applied before any handler or
//! extractor runs, so a new field or endpoint cannot forget them.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{middleware::Next, web};
use consilium_shared::ErrorReason as Reason;

use crate::domain::{json_text_has_nul, query_has_nul};
use crate::error::ApiError;
use crate::startup::MAX_JSON_BODY_BYTES;

/// Refuses U+0000 anywhere in the path, the query string or a JSON body with 400
/// `nul_character`. Postgres cannot store it in `text`, and no clinical text
/// needs it; without this rule each such field was a 500 waiting to happen.
///
/// JSON bodies (or bodies without a content type, which the transition
/// endpoints read as JSON) are read once here, checked, and handed on
/// unchanged; other bodies (uploads) stream past untouched.
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if query_has_nul(req.query_string()) {
        return Err(ApiError::nul_character("query string").into());
    }
    // Path segments are percent-encoded the same way (`/consults/{id}/%00`).
    if query_has_nul(req.uri().path()) {
        return Err(ApiError::nul_character("path").into());
    }
    if carries_json(&req) {
        let body = req.extract::<web::Bytes>().await.map_err(|e| {
            if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(
                    Reason::BodyTooLarge,
                    format!("request body is larger than {MAX_JSON_BODY_BYTES} bytes"),
                )
            } else {
                ApiError::Invalid(Reason::MalformedBody, format!("could not read the request body: {e}"))
            }
        })?;
        if json_text_has_nul(&body) {
            return Err(ApiError::nul_character("body").into());
        }
        req.set_payload(body.into());
    }
    next.call(req).await
}

/// Does this request carry a body that will be read as JSON?
fn carries_json(req: &ServiceRequest) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    match req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(ct) => {
            let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        }
    }
}

/// The buffered body may be at most as large as the JSON extractor accepts.
pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(MAX_JSON_BODY_BYTES)
}
