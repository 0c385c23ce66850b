//! `GET /api/v1/ws`: the websocket upgrade.

use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use consilium_shared::ws::MAX_FRAME_BYTES;

use crate::auth::{extractor::bearer_token, sessions};
use crate::error::ApiError;
use crate::realtime::frame_guard::GuardedPayload;
use crate::realtime::session;
use crate::state::AppState;
use consilium_shared::ErrorReason as Reason;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws", web::get().to(upgrade));
}

/// Checks the Origin and (when sent as a header) the token, then hands the
/// socket to its session task. Browsers, which cannot set headers on a
/// websocket, authenticate with a first `auth` frame instead.
pub async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    if let Some(origin) = req.headers().get(actix_web::http::header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
        if !state.config.allowed_origins.iter().any(|o| o == origin) {
            return Err(
                ApiError::Forbidden(Reason::OriginNotAllowed, format!("origin {origin:?} is not allowed")).into(),
            );
        }
    }
    let pre_auth = match bearer_token(&req) {
        Some(token) => Some(sessions::authenticate(&state.jwt, &state.db, token, state.auth_rules()).await?),
        None => None,
    };
    // The guard refuses an oversized frame from its header (see frame_guard).
    let guarded = GuardedPayload::new(body.into_inner(), MAX_FRAME_BYTES);
    let stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<web::Bytes, PayloadError>>>> =
        Box::pin(guarded);
    let mut payload = actix_web::dev::Payload::Stream { payload: stream };
    let body = web::Payload::from_request(&req, &mut payload).await?;
    let (response, ws, stream) = actix_ws::handle(&req, body)?;
    let state = state.get_ref().clone();
    actix_web::rt::spawn(session::run(state, ws, stream, pre_auth));
    Ok(response)
}
