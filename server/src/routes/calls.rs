//! `/conversations/{id}/calls`, `/calls` (SPEC §9).

use actix_web::{HttpResponse, web};
use consilium_shared::{
    CallId, ConnectionId, ConversationId, ErrorBody, ErrorReason as Reason, UserId,
    calls::{CallDto, IceServers, JoinCallRequest, StartCallRequest},
};

use super::optional_json;
use crate::auth::AuthUser;
use crate::calls;
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}/calls", web::post().to(start))
        .route("/calls/ice-servers", web::get().to(ice_servers))
        .route("/calls/{id}", web::get().to(get))
        .route("/calls/{id}/join", web::post().to(join))
        .route("/calls/{id}/leave", web::post().to(leave))
        .route("/calls/{id}/decline", web::post().to(decline))
        .route("/calls/{id}/end", web::post().to(end));
}

/// A socket named by a client must be one of the caller's live sockets:
/// signals go to it, and a participant whose socket is gone leaves.
async fn require_own_socket(state: &AppState, user: UserId, connection: ConnectionId) -> Result<(), ApiError> {
    let alive = state
        .realtime
        .presence()
        .sockets_alive(&[(user, connection.0)])
        .await
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("presence: {e}")))?;
    if alive.first().copied().unwrap_or(false) {
        Ok(())
    } else {
        Err(calls::unknown_connection())
    }
}

/// Starts a call in the conversation (a member) and rings the others; with
/// `connection_id`, that socket joins at once. A conversation has one live
/// call: a second start answers 409 `call_in_progress` with the live call.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/calls", params(("id" = uuid::Uuid, Path, description = "The conversation's id")), tag = "calls", security(("bearer" = [])),
    request_body(content = StartCallRequest, description = "May be empty"),
    responses((status = 201, body = CallDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn start(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ConversationId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: StartCallRequest = match optional_json(&body)? {
        serde_json::Value::Null => StartCallRequest::default(),
        value => serde_json::from_value(value)
            .map_err(|e| ApiError::Invalid(Reason::MalformedBody, format!("invalid body: {e}")))?,
    };
    if let Some(connection) = request.connection_id {
        require_own_socket(&state, caller.id(), connection).await?;
    }
    let max = state.config.calls.max_participants;
    let mut conn = state.db.get().await?;
    let change = calls::start(&mut conn, caller.id(), *id, request.connection_id, max).await?;
    drop(conn);
    let call = change.call.clone();
    events::call_changed(&state, change).await;
    Ok(HttpResponse::Created().json(call))
}

/// STUN and TURN servers for `RTCPeerConnection`, with TURN credentials
/// that expire after `ttl_secs`.
#[utoipa::path(get, path = "/api/v1/calls/ice-servers", tag = "calls", security(("bearer" = [])),
    responses((status = 200, body = IceServers), (status = 401, body = ErrorBody)))]
pub async fn ice_servers(state: web::Data<AppState>, caller: AuthUser) -> Result<web::Json<IceServers>, ApiError> {
    Ok(web::Json(calls::ice_servers(
        &state.config.calls,
        caller.id(),
        chrono::Utc::now(),
    )?))
}

/// One call: members of its conversation.
#[utoipa::path(get, path = "/api/v1/calls/{id}", params(("id" = uuid::Uuid, Path, description = "The call's id")), tag = "calls", security(("bearer" = [])),
    responses((status = 200, body = CallDto), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CallId>,
) -> Result<web::Json<CallDto>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(
        calls::get(&mut conn, caller.id(), *id, state.config.calls.max_participants).await?,
    ))
}

/// Joins the call from one of the caller's sockets (moving the caller
/// there if another of their sockets was in it); 409 when full or ended.
#[utoipa::path(post, path = "/api/v1/calls/{id}/join", params(("id" = uuid::Uuid, Path, description = "The call's id")), tag = "calls", security(("bearer" = [])),
    request_body = JoinCallRequest,
    responses((status = 200, body = CallDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn join(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CallId>,
    body: web::Json<JoinCallRequest>,
) -> Result<web::Json<CallDto>, ApiError> {
    require_own_socket(&state, caller.id(), body.connection_id).await?;
    let mut conn = state.db.get().await?;
    let change = calls::join(
        &mut conn,
        caller.id(),
        *id,
        body.connection_id,
        state.config.calls.max_participants,
    )
    .await?;
    drop(conn);
    Ok(web::Json(announce(&state, change).await))
}

async fn announce(state: &AppState, change: calls::CallChange) -> CallDto {
    let call = change.call.clone();
    events::call_changed(state, change).await;
    call
}

/// Leaves the call (every socket of the caller); the call ends with its last participant.
#[utoipa::path(post, path = "/api/v1/calls/{id}/leave", params(("id" = uuid::Uuid, Path, description = "The call's id")), tag = "calls", security(("bearer" = [])),
    responses((status = 200, body = CallDto), (status = 404, body = ErrorBody)))]
pub async fn leave(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CallId>,
) -> Result<web::Json<CallDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let change = calls::leave(&mut conn, caller.id(), *id, state.config.calls.max_participants).await?;
    drop(conn);
    Ok(web::Json(announce(&state, change).await))
}

/// Declines the ring (every device of the caller stops ringing); in a
/// direct conversation the call ends.
#[utoipa::path(post, path = "/api/v1/calls/{id}/decline", params(("id" = uuid::Uuid, Path, description = "The call's id")), tag = "calls", security(("bearer" = [])),
    responses((status = 200, body = CallDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decline(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CallId>,
) -> Result<web::Json<CallDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let change = calls::decline(&mut conn, caller.id(), *id, state.config.calls.max_participants).await?;
    drop(conn);
    Ok(web::Json(announce(&state, change).await))
}

/// Ends the call for everyone: its starter, the team's lead or an admin.
#[utoipa::path(post, path = "/api/v1/calls/{id}/end", params(("id" = uuid::Uuid, Path, description = "The call's id")), tag = "calls", security(("bearer" = [])),
    responses((status = 200, body = CallDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn end(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CallId>,
) -> Result<web::Json<CallDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let change = calls::end(&mut conn, &caller, *id, state.config.calls.max_participants).await?;
    drop(conn);
    Ok(web::Json(announce(&state, change).await))
}
