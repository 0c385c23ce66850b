//! One websocket connection: authenticate, send `ready`, then a single
//! `select!` loop over client frames, routed events, heartbeats and gap fills.
//!
//! Ordering and exactly-once are enforced here, per conversation, by a
//! [`super::ordering::Cursor`] (the pure rules, unit-tested there): the
//! session feeds it every message event, sends what it releases, and fills a
//! gap from Postgres if the missing messages do not arrive shortly (they were
//! published on another node and may still be in flight, or were lost while
//! Redis was away).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use actix_ws::{CloseCode, CloseReason, MessageStream, Session};
use bytestring::ByteString;
use consilium_shared::{
    CallId, ConnectionId, ConversationId, ErrorCode, ErrorReason as Reason, SessionId, UserId, WsCloseReason,
    chat::ConversationDto,
    ws::{ClientFrame, MAX_FRAME_BYTES, OwnStatus, ServerEvent},
};
use futures_util::StreamExt;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::Realtime;
use super::envelope::{Control, Payload, Topic};
use super::frame_guard;
use super::hub::Outbound;
use crate::auth::{AuthUser, sessions};
use crate::chat::{self, NewMessage};
use crate::domain::json_text_has_nul;
use crate::error::ApiError;
use crate::state::AppState;

/// How long a hole in a conversation's seqs may stay open before it is filled from Postgres.
const GAP_GRACE: Duration = Duration::from_millis(300);
/// Messages fetched per query when syncing.
const SYNC_PAGE: i64 = 500;

/// The clock of every socket's send limiter. `QuantaClock::default()` asks
/// the CPU (`cpuid`) whether its TSC is usable each time it is made, and a
/// `cpuid` in a virtual machine traps to the hypervisor: made per socket it
/// showed in a reconnect storm's profile. One clock, cloned, asks once.
static SEND_CLOCK: std::sync::LazyLock<governor::clock::QuantaClock> =
    std::sync::LazyLock::new(governor::clock::QuantaClock::default);

/// The fields of a `send` frame besides its request id and conversation.
struct SendFrame {
    client_msg_id: String,
    body: String,
    reply_to_seq: Option<i64>,
    priority: Option<consilium_shared::chat::MessagePriority>,
    ack_required: Option<bool>,
    attachment_ids: Option<Vec<consilium_shared::AttachmentId>>,
}

/// Why a session ended, and the close frame to send.
enum End {
    ClientClosed,
    Close(CloseCode, WsCloseReason),
}

/// The delivery position of one conversation on this socket (see `ordering`).
type Cursor = super::ordering::Cursor<ByteString>;

struct Conn {
    state: AppState,
    ws: Session,
    user: UserId,
    session_id: SessionId,
    key: u64,
    cursors: HashMap<ConversationId, Cursor>,
    contacts: HashSet<UserId>,
    limiter: DefaultDirectRateLimiter,
    cancel: CancellationToken,
    /// This socket's entry in the presence store, and its `connection_id`
    /// (a call's participant is a socket, and presence says whether it lives).
    presence_id: uuid::Uuid,
    /// The status the user last chose on this socket.
    status: OwnStatus,
}

fn realtime(state: &AppState) -> &Realtime {
    &state.realtime
}

/// Serves one upgraded connection until it ends. `pre_auth` is set when the
/// upgrade request carried a valid bearer token.
pub async fn run(state: AppState, mut ws: Session, stream: MessageStream, pre_auth: Option<AuthUser>) {
    let mut stream = stream
        .max_frame_size(MAX_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME_BYTES);
    let auth = match pre_auth {
        Some(a) => a,
        None => match Box::pin(wait_for_auth(&state, &mut ws, &mut stream)).await {
            Some(a) => a,
            None => return,
        },
    };
    let span = tracing::info_span!("ws", user = %auth.id(), session = %auth.session_id);
    async move {
        let rt = realtime(&state).clone();
        let cfg = rt.ws_config().clone();
        let (tx, rx) = mpsc::channel(cfg.outbound_queue);
        let cancel = CancellationToken::new();
        let key = rt.next_socket_key();
        let presence_id = uuid::Uuid::now_v7();
        rt.hub()
            .register(key, auth.id(), auth.session_id, presence_id, tx, cancel.clone());
        let limiter = RateLimiter::direct_with_clock(
            Quota::per_second(NonZeroU32::new(cfg.send_rate_per_sec).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(cfg.send_burst).unwrap_or(NonZeroU32::MIN)),
            SEND_CLOCK.clone(),
        );
        let mut conn = Conn {
            state: state.clone(),
            ws: ws.clone(),
            user: auth.id(),
            session_id: auth.session_id,
            key,
            cursors: HashMap::new(),
            contacts: HashSet::new(),
            limiter,
            cancel: cancel.clone(),
            presence_id,
            status: OwnStatus::Online,
        };
        // a reconnect storm queues here instead of taking every database connection
        let turn = rt.handshake_turn().await;
        // The socket's task is allocated at the size of its largest state for
        // as long as the socket lives. The handshake, the frame handlers and
        // the database work behind them are boxed, so an idle socket's task
        // holds only its loop (a heap profile put the unboxed task at
        // 8.8 KiB per socket; docs/performance.md).
        let started = Box::pin(conn.start()).await;
        drop(turn);
        let end = match started {
            Ok(()) => {
                tracing::info!("connected");
                conn.run(stream, rx).await
            }
            Err(ApiError::Unauthorized(..)) => End::Close(CloseCode::Policy, WsCloseReason::SessionEnded),
            Err(e) => {
                tracing::error!(error = %e, "could not start session");
                End::Close(CloseCode::Error, WsCloseReason::InternalError)
            }
        };
        Box::pin(conn.finish()).await;
        if let End::Close(code, why) = end {
            close_within(ws, code, why, Duration::from_secs(10)).await;
        }
        tracing::info!("disconnected");
    }
    .instrument(span)
    .await;
}

/// Sends a close frame, giving a backed-up socket a while to drain first.
async fn close_within(ws: Session, code: CloseCode, why: WsCloseReason, limit: Duration) {
    let reason = CloseReason {
        code,
        description: Some(why.as_str().to_owned()),
    };
    let _ = tokio::time::timeout(limit, ws.close(Some(reason))).await;
}

async fn send_event(ws: &mut Session, event: &ServerEvent) -> bool {
    match serde_json::to_string(event) {
        Ok(json) => ws.text(json).await.is_ok(),
        Err(_) => false,
    }
}

async fn wait_for_auth(
    state: &AppState,
    ws: &mut Session,
    stream: &mut actix_ws::AggregatedMessageStream,
) -> Option<AuthUser> {
    let deadline = tokio::time::sleep(state.realtime.ws_config().auth_timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => {
                close_within(ws.clone(), CloseCode::Policy, WsCloseReason::AuthTimeout, Duration::from_secs(1)).await;
                return None;
            }
            msg = stream.next() => match msg {
                Some(Ok(actix_ws::AggregatedMessage::Text(text))) => {
                    let token = match serde_json::from_str::<ClientFrame>(&text) {
                        Ok(ClientFrame::Auth { token }) => token,
                        _ => {
                            close_within(ws.clone(), CloseCode::Policy, WsCloseReason::AuthRequired, Duration::from_secs(1)).await;
                            return None;
                        }
                    };
                    // boxed: a socket waits here with this state allocated
                    return match Box::pin(sessions::authenticate(&state.jwt, &state.db, &token, state.auth_rules())).await {
                        Ok(auth) => Some(auth),
                        Err(e) => {
                            let _ = send_event(ws, &error_event(None, &e)).await;
                            close_within(ws.clone(), CloseCode::Policy, WsCloseReason::InvalidToken, Duration::from_secs(1)).await;
                            None
                        }
                    };
                }
                Some(Ok(actix_ws::AggregatedMessage::Ping(bytes))) => {
                    let _ = ws.pong(&bytes).await;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) if frame_guard::is_oversized(&e) => {
                    close_within(ws.clone(), CloseCode::Size, WsCloseReason::FrameTooLarge, Duration::from_secs(1)).await;
                    return None;
                }
                Some(Err(_)) | None => return None,
            }
        }
    }
}

fn error_event(id: Option<String>, e: &ApiError) -> ServerEvent {
    let body = e.body();
    ServerEvent::Error {
        id,
        code: body.error.code,
        reason: body.error.reason,
        message: body.error.message,
    }
}

fn invalid(id: Option<String>, reason: Reason, message: impl Into<String>) -> ServerEvent {
    ServerEvent::Error {
        id,
        code: ErrorCode::Invalid,
        reason,
        message: message.into(),
    }
}

impl Conn {
    fn rt(&self) -> &Realtime {
        &self.state.realtime
    }

    /// Subscribes, snapshots and sends `ready`.
    ///
    /// A reconnect storm runs this thousands of times a second, so each step's
    /// independent queries are pipelined on one connection (sent together,
    /// answered in order): three round trips to Postgres instead of ten.
    async fn start(&mut self) -> Result<(), ApiError> {
        let rt = self.rt().clone();
        rt.hub().subscribe(self.key, vec![Topic::User(self.user)]).await;
        let mut db = self.state.db.get().await?;
        // a logout or deactivation between the token check and the subscription above reached no one
        let live = sessions::is_live(&mut db, self.user, self.session_id);
        let membership = chat::membership_of(&mut db, self.user);
        let (
            live,
            chat::Membership {
                conversation_ids,
                contacts,
            },
        ) = futures_util::try_join!(live, membership)?;
        if !live {
            return Err(ApiError::Unauthorized(Reason::SessionEnded, "session ended".into()));
        }
        let mut topics: Vec<Topic> = conversation_ids.iter().map(|c| Topic::Conversation(*c)).collect();
        topics.extend(contacts.iter().map(|u| Topic::Presence(*u)));
        rt.hub().subscribe(self.key, topics).await;
        // the snapshot is taken after the subscriptions are live, so nothing falls between them
        let rows = chat::list_rows(&mut db, self.user, None);
        // counted after the user topic is live: a notification created meanwhile
        // is counted and also arrives as an event, which a client dedupes by id
        let unread_notifications = crate::notifications::unread_count(&mut db, self.user);
        let duties = crate::users::duties_of(&mut db, &contacts);
        let (rows, unread_notifications, duties, live_calls) = futures_util::try_join!(
            rows,
            unread_notifications,
            duties,
            crate::calls::live_calls_in(&mut db, &conversation_ids, self.state.config.calls.max_participants),
        )?;
        let conversations = chat::complete_list(&mut db, rows).await?;
        drop(db);
        for c in &conversations {
            self.cursors.insert(c.id, Cursor::new(c.last_seq));
        }
        self.contacts = contacts.iter().copied().collect();
        let mut presence = rt.presence().statuses(&contacts).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "presence unavailable for ready");
            vec![]
        });
        for entry in &mut presence {
            entry.duty = duties.get(&entry.user_id).copied();
        }
        // online before `ready`: a client that holds `ready` counts as present, so
        // closing its other socket right after cannot announce it offline
        self.set_presence(Some(OwnStatus::Online)).await;
        let ready = ServerEvent::Ready {
            user_id: self.user,
            session_id: self.session_id,
            connection_id: ConnectionId(self.presence_id),
            live_calls,
            conversations,
            presence,
            unread_notifications,
        };
        if !send_event(&mut self.ws, &ready).await {
            return Err(ApiError::Unexpected(anyhow::anyhow!("socket closed before ready")));
        }
        Ok(())
    }

    /// Sets (or refreshes, or with `None` removes) this socket's presence and
    /// announces the user's new aggregate status when it changed.
    async fn set_presence(&mut self, status: Option<OwnStatus>) {
        if let Some(s) = status {
            self.status = s;
        }
        match self.rt().presence().set(self.user, self.presence_id, status).await {
            Ok((before, after)) if before != after => {
                crate::events::presence_changed(&self.state, self.user, after).await
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "presence update failed"),
        }
    }

    async fn finish(&mut self) {
        self.rt().hub().unregister(self.key);
        self.set_presence(None).await;
        // a socket that goes leaves its calls at once (the others see it hang up)
        let gone = [ConnectionId(self.presence_id)];
        let max = self.state.config.calls.max_participants;
        let changes = match self.state.db.get().await {
            Ok(mut db) => crate::calls::connections_gone(&mut db, &gone, max).await,
            Err(e) => Err(e.into()),
        };
        match changes {
            Ok(changes) => {
                for change in changes {
                    crate::events::call_changed(&self.state, change).await;
                }
            }
            // the sweep on every node retries once this socket's presence is gone
            Err(e) => tracing::warn!(error = %e, "could not leave calls on disconnect"),
        }
    }

    async fn run(&mut self, mut stream: actix_ws::AggregatedMessageStream, mut rx: mpsc::Receiver<Outbound>) -> End {
        let cfg = self.rt().ws_config().clone();
        let mut heartbeat = tokio::time::interval(cfg.heartbeat);
        heartbeat.tick().await;
        let mut last_heard = Instant::now();
        let cancel = self.cancel.clone();
        loop {
            let next_gap = self
                .cursors
                .values()
                .filter_map(|c| c.gap().map(|g| g.since))
                .min()
                .map(|t| t + GAP_GRACE);
            let gap_timer = async {
                match next_gap {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return End::Close(CloseCode::Again, WsCloseReason::TooSlow),
                msg = stream.next() => {
                    last_heard = Instant::now();
                    match msg {
                        Some(Ok(actix_ws::AggregatedMessage::Text(text))) => {
                            if let Some(end) = Box::pin(self.on_text(&text)).await {
                                return end;
                            }
                        }
                        Some(Ok(actix_ws::AggregatedMessage::Binary(_))) => {
                            if !send_event(&mut self.ws, &invalid(None, Reason::BinaryFrame, "binary frames are not supported; send JSON text")).await {
                                return End::ClientClosed;
                            }
                        }
                        Some(Ok(actix_ws::AggregatedMessage::Ping(bytes))) => {
                            if self.ws.pong(&bytes).await.is_err() {
                                return End::ClientClosed;
                            }
                        }
                        Some(Ok(actix_ws::AggregatedMessage::Pong(_))) => {}
                        Some(Ok(actix_ws::AggregatedMessage::Close(_))) | None => return End::ClientClosed,
                        Some(Err(e)) if frame_guard::is_oversized(&e) => {
                            return End::Close(CloseCode::Size, WsCloseReason::FrameTooLarge);
                        }
                        Some(Err(e)) => {
                            tracing::debug!(error = %e, "websocket protocol error");
                            return End::Close(CloseCode::Protocol, WsCloseReason::ProtocolError);
                        }
                    }
                }
                out = rx.recv() => {
                    let Some(out) = out else { return End::ClientClosed };
                    if let Some(end) = self.on_outbound(out).await {
                        return end;
                    }
                }
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > cfg.client_timeout {
                        return End::Close(CloseCode::Normal, WsCloseReason::IdleTimeout);
                    }
                    if self.ws.ping(b"").await.is_err() {
                        return End::ClientClosed;
                    }
                    Box::pin(self.set_presence(Some(self.status))).await;
                }
                _ = gap_timer => {
                    if let Err(e) = Box::pin(self.fill_gaps()).await {
                        tracing::warn!(error = %e, "gap fill failed");
                    }
                }
            }
        }
    }

    /// Handles one client frame; `Some` ends the session.
    async fn on_text(&mut self, text: &str) -> Option<End> {
        let frame_id = || {
            serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
        };
        // Every string of every frame is refused whole when it holds U+0000.
        if json_text_has_nul(text.as_bytes()) {
            let event = invalid(frame_id(), Reason::NulCharacter, "frame: text must not contain U+0000");
            return (!send_event(&mut self.ws, &event).await).then_some(End::ClientClosed);
        }
        let frame: ClientFrame = match serde_json::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                let message = if e.is_data() || e.is_syntax() || e.is_eof() {
                    format!("invalid frame: {e}")
                } else {
                    "invalid frame".to_owned()
                };
                let event = invalid(frame_id(), Reason::MalformedFrame, message);
                return (!send_event(&mut self.ws, &event).await).then_some(End::ClientClosed);
            }
        };
        let reply = match frame {
            ClientFrame::Auth { .. } => Some(invalid(None, Reason::AlreadyAuthenticated, "already authenticated")),
            ClientFrame::Ping { id } => Some(ServerEvent::Pong { id }),
            ClientFrame::Send {
                id,
                conversation_id,
                client_msg_id,
                body,
                reply_to_seq,
                priority,
                ack_required,
                attachment_ids,
            } => {
                let frame = SendFrame {
                    client_msg_id,
                    body,
                    reply_to_seq,
                    priority,
                    ack_required,
                    attachment_ids,
                };
                Some(self.on_send(id, conversation_id, frame).await)
            }
            ClientFrame::Edit {
                id,
                conversation_id,
                seq,
                body,
            } => self
                .on_edit(conversation_id, seq, body)
                .await
                .err()
                .map(|e| error_event(Some(id), &e)),
            ClientFrame::AckMessage { conversation_id, seq } => self
                .on_ack_message(conversation_id, seq)
                .await
                .err()
                .map(|e| error_event(None, &e)),
            ClientFrame::Typing { conversation_id } => {
                if self.cursors.contains_key(&conversation_id) {
                    crate::events::typing(&self.state, conversation_id, self.user).await;
                    None
                } else {
                    Some(error_event(
                        None,
                        &ApiError::not_found(Reason::ConversationNotFound, "conversation"),
                    ))
                }
            }
            ClientFrame::Read { conversation_id, seq } => match self.on_read(conversation_id, seq).await {
                Ok(()) => None,
                Err(e) => Some(error_event(None, &e)),
            },
            ClientFrame::Presence { status } => {
                self.set_presence(Some(status)).await;
                None
            }
            ClientFrame::Signal {
                id,
                call_id,
                to_connection_id,
                data,
            } => self
                .on_signal(call_id, to_connection_id, data)
                .await
                .err()
                .map(|e| error_event(id, &e)),
            ClientFrame::Sync { id, cursors } => match self.on_sync(cursors).await {
                Ok(()) => Some(ServerEvent::Synced { id }),
                Err(e) => Some(error_event(id, &e)),
            },
        };
        match reply {
            Some(event) if !send_event(&mut self.ws, &event).await => Some(End::ClientClosed),
            _ => None,
        }
    }

    /// Relays WebRTC signalling to one socket of the call (SPEC §9), on
    /// whichever node it lives; both sockets must be joined participants.
    async fn on_signal(&mut self, call: CallId, to: ConnectionId, data: serde_json::Value) -> Result<(), ApiError> {
        let from = ConnectionId(self.presence_id);
        let mut db = self.state.db.get().await?;
        let target = crate::calls::signal_target(&mut db, self.user, from, call, to).await?;
        drop(db);
        let event = ServerEvent::Signal {
            call_id: call,
            from_user_id: self.user,
            from_connection_id: from,
            data,
        };
        self.rt().publish_to_connection(target, to, &event).await;
        Ok(())
    }

    /// Edits the user's own message (SPEC §8); the conversation hears
    /// `message_edited`. Edits share the send rate limit: both write.
    async fn on_edit(&mut self, conversation_id: ConversationId, seq: i64, body: String) -> Result<(), ApiError> {
        if self.limiter.check().is_err() {
            return Err(ApiError::RateLimited(
                Reason::SendingTooFast,
                "sending too fast; slow down".into(),
                None,
            ));
        }
        let body = chat::MessageBody::parse(body)?;
        let window = self.state.config.message_edit_window;
        let mut db = self.state.db.get().await?;
        let edited = chat::edits::edit(&mut db, self.user, conversation_id, seq, body, window, None).await?;
        drop(db);
        crate::events::message_edited(&self.state, &edited).await;
        Ok(())
    }

    /// Acknowledges an `ack_required` message; the conversation hears
    /// `message_acked` (the first time only).
    async fn on_ack_message(&mut self, conversation_id: ConversationId, seq: i64) -> Result<(), ApiError> {
        let mut db = self.state.db.get().await?;
        let done = chat::acknowledge(&mut db, self.user, conversation_id, seq).await?;
        drop(db);
        if done.new {
            crate::events::message_acked(&self.state, conversation_id, seq, self.user, done).await;
        }
        Ok(())
    }

    async fn on_send(&mut self, id: String, conversation_id: ConversationId, frame: SendFrame) -> ServerEvent {
        let arrived = std::time::Instant::now();
        if self.limiter.check().is_err() {
            return error_event(
                Some(id),
                &ApiError::RateLimited(Reason::SendingTooFast, "sending too fast; slow down".into(), None),
            );
        }
        let result = async {
            let msg = NewMessage::parse_with_files(
                frame.client_msg_id,
                frame.body,
                frame.reply_to_seq,
                frame.attachment_ids,
            )?
            .with_attention(frame.priority, frame.ack_required);
            self.state.sends.send(self.user, conversation_id, msg).await
        }
        .await;
        match result {
            Ok(outcome) => {
                let m = &outcome.message;
                let ack = ServerEvent::Ack {
                    id,
                    conversation_id,
                    seq: m.seq,
                    message_id: m.id,
                    created_at: m.created_at,
                };
                if outcome.created {
                    crate::events::message_stored(&self.state, outcome.message).await;
                }
                self.state.realtime.send_answered(arrived.elapsed());
                ack
            }
            Err(e) => error_event(Some(id), &e),
        }
    }

    async fn on_read(&mut self, conversation_id: ConversationId, seq: i64) -> Result<(), ApiError> {
        let mut db = self.state.db.get().await?;
        if let Some(seq) = chat::mark_read(&mut db, self.user, conversation_id, seq).await? {
            crate::events::read_moved(&self.state, conversation_id, self.user, seq).await;
        }
        Ok(())
    }

    /// Sends every message after each cursor, in seq order, and moves the
    /// delivery positions so live events do not repeat them.
    async fn on_sync(&mut self, requested: BTreeMap<ConversationId, i64>) -> Result<(), ApiError> {
        let mut db = self.state.db.get().await?;
        for (conversation, from) in requested {
            if !self.cursors.contains_key(&conversation) {
                if !chat::is_member(&mut db, conversation, self.user).await? {
                    continue;
                }
                // joined since the socket last looked: route it here before reading history
                drop(db);
                self.refresh_membership().await?;
                db = self.state.db.get().await?;
            }
            let mut after = from.max(0);
            loop {
                let mut page = chat::messages_after(&mut db, conversation, after, None, SYNC_PAGE).await?;
                self.state.attachments.signer.sign_messages(&mut page, self.user);
                let done = (page.len() as i64) < SYNC_PAGE;
                for message in page {
                    after = message.seq;
                    if !send_event(&mut self.ws, &ServerEvent::Message { message }).await {
                        return Ok(());
                    }
                }
                if done {
                    break;
                }
            }
            self.cursors
                .entry(conversation)
                .or_insert_with(|| Cursor::new(0))
                .advance_to(after, Instant::now());
        }
        Ok(())
    }

    /// Handles an event routed to this socket; `Some` ends the session.
    async fn on_outbound(&mut self, out: Outbound) -> Option<End> {
        let envelope = match out {
            Outbound::CatchUp => {
                return match Box::pin(self.catch_up()).await {
                    Ok(true) => None,
                    Ok(false) => Some(End::Close(CloseCode::Policy, WsCloseReason::SessionEnded)),
                    Err(e) => {
                        tracing::warn!(error = %e, "catch-up failed");
                        None
                    }
                };
            }
            Outbound::Envelope(e) => e,
        };
        match (&envelope.payload, envelope.topic, envelope.seq) {
            (Payload::Control(control), _, _) => Box::pin(self.on_control(control.clone())).await,
            (Payload::Event(json), Topic::Conversation(conversation), Some(seq)) => {
                let json = json.clone();
                self.on_message(conversation, seq, json).await
            }
            (Payload::Event(json), _, _) => {
                let json = json.clone();
                (self.ws.text(json).await.is_err()).then_some(End::ClientClosed)
            }
        }
    }

    async fn on_message(&mut self, conversation: ConversationId, seq: i64, json: ByteString) -> Option<End> {
        let json = self.signed_for_me(json);
        let ready = self.cursors.get_mut(&conversation)?.offer(seq, json, Instant::now());
        self.send_all(ready).await
    }

    /// A `message` event carrying files, with their URLs signed for this
    /// socket's user (events are serialized once for everyone; URLs are
    /// personal). Events without files pass untouched, at the cost of one
    /// substring search: `"content_url":"` cannot occur inside a JSON
    /// string, where quotes are escaped.
    fn signed_for_me(&self, json: ByteString) -> ByteString {
        if !json.contains("\"content_url\":\"") {
            return json;
        }
        match serde_json::from_str::<ServerEvent>(&json) {
            Ok(ServerEvent::Message { mut message }) => {
                self.state
                    .attachments
                    .signer
                    .sign_messages(std::iter::once(&mut message), self.user);
                match serde_json::to_string(&ServerEvent::Message { message }) {
                    Ok(signed) => ByteString::from(signed),
                    Err(_) => json,
                }
            }
            _ => json,
        }
    }

    async fn send_all(&mut self, ready: Vec<ByteString>) -> Option<End> {
        for json in ready {
            if self.ws.text(json).await.is_err() {
                return Some(End::ClientClosed);
            }
        }
        None
    }

    /// Fetches missing messages of conversations whose gap outlived the grace period.
    async fn fill_gaps(&mut self) -> Result<(), ApiError> {
        let now = Instant::now();
        let due: Vec<_> = self
            .cursors
            .iter()
            .filter_map(|(id, c)| c.gap().filter(|g| now >= g.since + GAP_GRACE).map(|g| (*id, g)))
            .collect();
        for (conversation, gap) in due {
            let mut db = self.state.db.get().await?;
            let missing = chat::messages_after(&mut db, conversation, gap.after, Some(gap.until), SYNC_PAGE).await?;
            drop(db);
            self.deliver_fetched(conversation, missing).await;
        }
        Ok(())
    }

    /// After a bus outage: close if the session was ended meanwhile (the
    /// instruction may have been lost), pick up membership changes, and fetch
    /// whatever was committed past each delivery position. Returns false when
    /// the session must end.
    async fn catch_up(&mut self) -> Result<bool, ApiError> {
        let mut db = self.state.db.get().await?;
        if !sessions::is_live(&mut db, self.user, self.session_id).await? {
            return Ok(false);
        }
        drop(db);
        if !self.refresh_membership().await? {
            return Ok(false);
        }
        let conversations: Vec<(ConversationId, i64)> =
            self.cursors.iter().map(|(id, c)| (*id, c.delivered())).collect();
        let mut db = self.state.db.get().await?;
        for (conversation, mut from) in conversations {
            loop {
                let missing = chat::messages_after(&mut db, conversation, from, None, SYNC_PAGE).await?;
                let done = (missing.len() as i64) < SYNC_PAGE;
                if let Some(last) = missing.last() {
                    from = last.seq;
                }
                self.deliver_fetched(conversation, missing).await;
                if done {
                    break;
                }
            }
        }
        Ok(true)
    }

    async fn deliver_fetched(
        &mut self,
        conversation: ConversationId,
        messages: Vec<consilium_shared::chat::MessageDto>,
    ) {
        for mut message in messages {
            let seq = message.seq;
            self.state
                .attachments
                .signer
                .sign_messages(std::iter::once(&mut message), self.user);
            let Ok(json) = serde_json::to_string(&ServerEvent::Message { message }) else {
                continue;
            };
            let Some(cursor) = self.cursors.get_mut(&conversation) else {
                return;
            };
            let ready = cursor.offer_fetched(seq, ByteString::from(json), Instant::now());
            if self.send_all(ready).await.is_some() {
                return;
            }
        }
        if let Some(cursor) = self.cursors.get_mut(&conversation) {
            // whatever is still held beyond a hole that Postgres could not fill waits for the next event
            cursor.restart_gap(Instant::now());
        }
    }

    async fn on_control(&mut self, control: Control) -> Option<End> {
        match control {
            Control::CloseSession { session_id } if session_id == self.session_id => {
                Some(End::Close(CloseCode::Policy, WsCloseReason::SessionEnded))
            }
            Control::CloseSession { .. } => None,
            Control::CloseUser => Some(End::Close(CloseCode::Policy, WsCloseReason::AccountDeactivated)),
            Control::RefreshMembership => match self.refresh_membership().await {
                Ok(alive) => (!alive).then_some(End::ClientClosed),
                Err(e) => {
                    tracing::warn!(error = %e, "membership refresh failed");
                    None
                }
            },
        }
    }

    /// Reloads the user's conversations and contacts, re-routes the socket and
    /// tells the client what it gained or lost. Returns false if the socket closed.
    async fn refresh_membership(&mut self) -> Result<bool, ApiError> {
        let mut db = self.state.db.get().await?;
        let membership = chat::membership_of(&mut db, self.user).await?;
        drop(db);
        let ids: HashSet<ConversationId> = membership.conversation_ids.into_iter().collect();
        let contacts: HashSet<UserId> = membership.contacts.into_iter().collect();
        let removed: Vec<ConversationId> = self.cursors.keys().filter(|id| !ids.contains(id)).copied().collect();
        let added_ids: Vec<ConversationId> = ids
            .iter()
            .filter(|id| !self.cursors.contains_key(id))
            .copied()
            .collect();
        let added_topics: Vec<Topic> = added_ids.iter().map(|c| Topic::Conversation(*c)).collect();
        let mut subscribe: Vec<Topic> = added_topics;
        subscribe.extend(contacts.difference(&self.contacts).map(|u| Topic::Presence(*u)));
        let mut unsubscribe: Vec<Topic> = removed.iter().map(|c| Topic::Conversation(*c)).collect();
        unsubscribe.extend(self.contacts.difference(&contacts).map(|u| Topic::Presence(*u)));
        if !unsubscribe.is_empty() {
            self.rt().hub().unsubscribe(self.key, unsubscribe);
        }
        if !subscribe.is_empty() {
            self.rt().hub().subscribe(self.key, subscribe).await;
        }
        // snapshot the new conversations only now that their events are routed here
        // and the calls already live in them: a call started in a conversation
        // just made (a direct chat opened to call someone) must ring here
        // even though it began before this socket listened
        let (added, live_calls): (Vec<ConversationDto>, Vec<_>) = if added_ids.is_empty() {
            (vec![], vec![])
        } else {
            let mut db = self.state.db.get().await?;
            let all = chat::list_for(&mut db, self.user, None).await?;
            let live_calls =
                crate::calls::live_calls_in(&mut db, &added_ids, self.state.config.calls.max_participants).await?;
            (
                all.into_iter().filter(|c| added_ids.contains(&c.id)).collect(),
                live_calls,
            )
        };
        let new_contacts: Vec<UserId> = contacts.difference(&self.contacts).copied().collect();
        self.contacts = contacts;
        for id in removed {
            self.cursors.remove(&id);
            if !send_event(&mut self.ws, &ServerEvent::ConversationRemoved { conversation_id: id }).await {
                return Ok(false);
            }
        }
        for conversation in added {
            self.cursors.insert(conversation.id, Cursor::new(conversation.last_seq));
            if !send_event(&mut self.ws, &ServerEvent::ConversationAdded { conversation }).await {
                return Ok(false);
            }
        }
        // a call that starts after the subscription arrives on its own as well;
        // clients key calls by id, so hearing of one twice is harmless
        for call in live_calls {
            if !send_event(&mut self.ws, &ServerEvent::CallStarted { call }).await {
                return Ok(false);
            }
        }
        if !new_contacts.is_empty() {
            let statuses = self.rt().presence().statuses(&new_contacts).await.unwrap_or_default();
            for entry in statuses
                .into_iter()
                .filter(|e| e.status != consilium_shared::ws::PresenceStatus::Offline)
            {
                let event = ServerEvent::Presence {
                    user_id: entry.user_id,
                    status: entry.status,
                    duty: None,
                };
                if !send_event(&mut self.ws, &event).await {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}
