//! `GET /api/v1/ws`: the websocket upgrade.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::{extractor::bearer_token, sessions};
use crate::error::ApiError;
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
    let (response, ws, stream) = actix_ws::handle(&req, body)?;
    let state = state.get_ref().clone();
    actix_web::rt::spawn(session::run(state, ws, stream, pre_auth));
    Ok(response)
}
