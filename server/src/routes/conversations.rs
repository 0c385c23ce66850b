//! `/conversations`, `/direct`, `/search`.

use actix_web::{HttpResponse, web};
use consilium_shared::{
    ConversationId, ErrorBody, UserId,
    chat::{
        ConversationDetail, ConversationDto, EditMessageRequest, HistoryQuery, MessageAck, MessageAcks, MessageDto,
        MessageVersion, NotifyRequest, ReactionDto, ReadRequest, SearchQuery, SearchResults, SendMessageRequest,
        SendMessageResponse,
    },
    paging::Page,
};

use super::page_limit;
use crate::auth::{AuthUser, ClientMeta};
use crate::chat::{self, MessageBody, NewMessage};
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations", web::get().to(list))
        .route("/conversations/{id}", web::get().to(get))
        .route("/direct/{user_id}", web::post().to(direct))
        .route("/conversations/{id}/messages", web::get().to(history))
        .route("/conversations/{id}/messages", web::post().to(send))
        .route("/conversations/{id}/messages/{seq}", web::put().to(edit))
        .route("/conversations/{id}/messages/{seq}/versions", web::get().to(versions))
        .route(
            "/conversations/{id}/messages/{seq}/reactions/{emoji}",
            web::put().to(add_reaction),
        )
        .route(
            "/conversations/{id}/messages/{seq}/reactions/{emoji}",
            web::delete().to(remove_reaction),
        )
        .route("/conversations/{id}/messages/{seq}/recall", web::post().to(recall))
        .route("/conversations/{id}/messages/{seq}/ack", web::post().to(acknowledge))
        .route(
            "/conversations/{id}/messages/{seq}/acks",
            web::get().to(acknowledgements),
        )
        .route("/conversations/{id}/read", web::put().to(read))
        .route("/conversations/{id}/notify", web::put().to(notify_level))
        .route("/search", web::get().to(search));
}

/// The caller's conversations with unread counts and last messages, newest activity first.
/// Not paged: it is the REST twin of the websocket `ready` snapshot, which the
/// spec makes complete, and its order moves with every message, so no cursor
/// over it could stay stable.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConversationDto>)))]
pub async fn list(state: web::Data<AppState>, caller: AuthUser) -> Result<web::Json<Vec<ConversationDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(chat::list_for(&mut conn, caller.id(), None).await?))
}

/// One conversation with its members and their read positions ("read by").
#[utoipa::path(get, path = "/api/v1/conversations/{id}", params(("id" = uuid::Uuid, Path, description = "The conversation's id")), tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = ConversationDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ConversationId>,
) -> Result<web::Json<ConversationDetail>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(chat::detail(&mut conn, caller.id(), *id).await?))
}

/// The direct conversation with another user, created on first use.
#[utoipa::path(post, path = "/api/v1/direct/{user_id}", params(("user_id" = uuid::Uuid, Path, description = "The user's id")), tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = ConversationDto), (status = 201, body = ConversationDto), (status = 404, body = ErrorBody)))]
pub async fn direct(
    state: web::Data<AppState>,
    caller: AuthUser,
    other: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let (conversation, created) = chat::get_or_create_direct(&mut conn, caller.id(), *other).await?;
    if created {
        events::conversations_changed(&state, &[caller.id(), *other]).await;
        Ok(HttpResponse::Created().json(conversation))
    } else {
        Ok(HttpResponse::Ok().json(conversation))
    }
}

/// Message history, oldest first: `after_seq` pages forward, `before_seq` backward,
/// neither gives the newest page. `next_cursor` is the seq to pass to continue in the same direction.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "chat", security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "The conversation's id"), HistoryQuery),
    responses((status = 200, body = Page<MessageDto>), (status = 404, body = ErrorBody)))]
pub async fn history(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ConversationId>,
    query: web::Query<HistoryQuery>,
) -> Result<web::Json<Page<MessageDto>>, ApiError> {
    let limit = page_limit(query.limit)?;
    let mut conn = state.db.get().await?;
    chat::require_reader(&mut conn, *id, caller.id()).await?;
    let mut items = chat::history(&mut conn, *id, query.after_seq, query.before_seq, limit).await?;
    state.attachments.signer.sign_messages(&mut items, caller.id());
    let full = items.len() as i64 == limit;
    let next_cursor = match (full, query.after_seq) {
        (false, _) => None,
        (true, Some(_)) => items.last().map(|m| m.seq.to_string()),
        (true, None) => items.first().filter(|m| m.seq > 1).map(|m| m.seq.to_string()),
    };
    Ok(web::Json(Page { items, next_cursor }))
}

/// Posts a message (same rules as the websocket `send`): 201 when stored, 200
/// with the original when the `client_msg_id` was already used.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", params(("id" = uuid::Uuid, Path, description = "The conversation's id")), tag = "chat", security(("bearer" = [])), request_body = SendMessageRequest,
    responses((status = 201, body = SendMessageResponse), (status = 200, body = SendMessageResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ConversationId>,
    body: web::Json<SendMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let SendMessageRequest {
        client_msg_id,
        body,
        reply_to_seq,
        priority,
        ack_required,
        attachment_ids,
    } = body.into_inner();
    let msg = NewMessage::parse_with_files(client_msg_id, body, reply_to_seq, attachment_ids)?
        .with_attention(priority, ack_required);
    let outcome = state.sends.send(caller.id(), *id, msg).await?;
    let mut response = SendMessageResponse {
        message: outcome.message,
        created: outcome.created,
    };
    if outcome.created {
        events::message_stored(&state, response.message.clone()).await;
    }
    state
        .attachments
        .signer
        .sign_messages(std::iter::once(&mut response.message), caller.id());
    if outcome.created {
        Ok(HttpResponse::Created().json(response))
    } else {
        Ok(HttpResponse::Ok().json(response))
    }
}

/// Recalls the caller's own message; readers see a tombstone.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages/{seq}/recall", params(("id" = uuid::Uuid, Path, description = "The conversation's id"), ("seq" = i64, Path, description = "The message's seq in its conversation")), tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = MessageDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn recall(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    path: web::Path<(ConversationId, i64)>,
) -> Result<web::Json<MessageDto>, ApiError> {
    let (conversation, seq) = path.into_inner();
    let mut conn = state.db.get().await?;
    let message = chat::recall(&mut conn, caller.id(), conversation, seq, meta.ip.as_deref()).await?;
    events::message_recalled(&state, conversation, seq).await;
    Ok(web::Json(message))
}

/// Moves the caller's read position forward.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/read", params(("id" = uuid::Uuid, Path, description = "The conversation's id")), tag = "chat", security(("bearer" = [])), request_body = ReadRequest,
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn read(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ConversationId>,
    body: web::Json<ReadRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    if let Some(seq) = chat::mark_read(&mut conn, caller.id(), *id, body.seq).await? {
        events::read_moved(&state, *id, caller.id(), seq).await;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Messages and cases the caller may see that contain `q` (works for Chinese).
#[utoipa::path(get, path = "/api/v1/search", tag = "chat", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody)))]
pub async fn search(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<SearchResults>, ApiError> {
    let limit = match query.limit {
        None => 20,
        limit => page_limit(limit)?,
    };
    let mut conn = state.db.get().await?;
    let mut found = chat::search(&mut conn, caller.id(), &query, limit).await?;
    state
        .attachments
        .signer
        .sign_messages(found.messages.iter_mut().map(|h| &mut h.message), caller.id());
    Ok(web::Json(found))
}

/// Edits the caller's own message within the edit window (SPEC §8); every
/// member hears `message_edited`; the earlier text is kept as a version.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/messages/{seq}", params(("id" = uuid::Uuid, Path, description = "The conversation's id"), ("seq" = i64, Path, description = "The message's seq in its conversation")), tag = "chat", security(("bearer" = [])), request_body = EditMessageRequest,
    responses((status = 200, body = MessageDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn edit(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    path: web::Path<(ConversationId, i64)>,
    body: web::Json<EditMessageRequest>,
) -> Result<web::Json<MessageDto>, ApiError> {
    let (conversation, seq) = path.into_inner();
    let body = MessageBody::parse(body.into_inner().body)?;
    let mut conn = state.db.get().await?;
    let window = state.config.message_edit_window;
    let edited = chat::edits::edit(
        &mut conn,
        caller.id(),
        conversation,
        seq,
        body,
        window,
        meta.ip.as_deref(),
    )
    .await?;
    drop(conn);
    events::message_edited(&state, &edited).await;
    let mut message = edited.message;
    state
        .attachments
        .signer
        .sign_messages(std::iter::once(&mut message), caller.id());
    Ok(web::Json(message))
}

/// Every text a message has had, oldest first (the last is the current
/// one): for its sender, the team's lead and admins.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages/{seq}/versions", params(("id" = uuid::Uuid, Path, description = "The conversation's id"), ("seq" = i64, Path, description = "The message's seq in its conversation")), tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = Vec<MessageVersion>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn versions(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(ConversationId, i64)>,
) -> Result<web::Json<Vec<MessageVersion>>, ApiError> {
    let (conversation, seq) = path.into_inner();
    let mut conn = state.db.get().await?;
    Ok(web::Json(
        chat::edits::versions(&mut conn, caller.id(), caller.is_admin(), conversation, seq).await?,
    ))
}

/// Adds the caller's reaction (idempotent); answers the message's reactions.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/messages/{seq}/reactions/{emoji}", params(("id" = uuid::Uuid, Path, description = "The conversation's id"), ("seq" = i64, Path, description = "The message's seq in its conversation"), ("emoji" = String, Path, description = "An emoji of the palette, URL-encoded")), tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReactionDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_reaction(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(ConversationId, i64, String)>,
) -> Result<web::Json<Vec<ReactionDto>>, ApiError> {
    react(state, caller, path.into_inner(), true).await
}

/// Takes back the caller's reaction (idempotent); answers the message's reactions.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/messages/{seq}/reactions/{emoji}", params(("id" = uuid::Uuid, Path, description = "The conversation's id"), ("seq" = i64, Path, description = "The message's seq in its conversation"), ("emoji" = String, Path, description = "An emoji of the palette, URL-encoded")), tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReactionDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_reaction(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(ConversationId, i64, String)>,
) -> Result<web::Json<Vec<ReactionDto>>, ApiError> {
    react(state, caller, path.into_inner(), false).await
}

async fn react(
    state: web::Data<AppState>,
    caller: AuthUser,
    (conversation, seq, emoji): (ConversationId, i64, String),
    add: bool,
) -> Result<web::Json<Vec<ReactionDto>>, ApiError> {
    let emoji = chat::reactions::parse_emoji(&emoji)?;
    let mut conn = state.db.get().await?;
    let change = chat::reactions::set(&mut conn, caller.id(), conversation, seq, emoji, add).await?;
    drop(conn);
    if change.changed {
        events::reaction_changed(&state, conversation, seq, caller.id(), emoji, add).await;
    }
    Ok(web::Json(change.reactions))
}

/// Acknowledges an `ack_required` message the caller received (SPEC §7);
/// acknowledging twice answers the first acknowledgement.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages/{seq}/ack", params(("id" = uuid::Uuid, Path, description = "The conversation's id"), ("seq" = i64, Path, description = "The message's seq in its conversation")), tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = MessageAck), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledge(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(ConversationId, i64)>,
) -> Result<web::Json<MessageAck>, ApiError> {
    let (conversation, seq) = path.into_inner();
    let mut conn = state.db.get().await?;
    let done = chat::acknowledge(&mut conn, caller.id(), conversation, seq).await?;
    drop(conn);
    if done.new {
        events::message_acked(&state, conversation, seq, caller.id(), done).await;
    }
    Ok(web::Json(MessageAck {
        user_id: caller.id(),
        at: done.at,
    }))
}

/// Who acknowledged an `ack_required` message, and which members have not yet.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages/{seq}/acks", params(("id" = uuid::Uuid, Path, description = "The conversation's id"), ("seq" = i64, Path, description = "The message's seq in its conversation")), tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = MessageAcks), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledgements(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(ConversationId, i64)>,
) -> Result<web::Json<MessageAcks>, ApiError> {
    let (conversation, seq) = path.into_inner();
    let mut conn = state.db.get().await?;
    Ok(web::Json(
        chat::acknowledgements(&mut conn, caller.id(), conversation, seq).await?,
    ))
}

/// How much this conversation may notify the caller: `all`, `mentions` or
/// `none` (urgent messages and escalations reach them anyway).
#[utoipa::path(put, path = "/api/v1/conversations/{id}/notify", params(("id" = uuid::Uuid, Path, description = "The conversation's id")), tag = "chat", security(("bearer" = [])), request_body = NotifyRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn notify_level(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ConversationId>,
    body: web::Json<NotifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    chat::set_notify_level(&mut conn, caller.id(), *id, body.level).await?;
    Ok(HttpResponse::NoContent().finish())
}
