//! The websocket protocol (`GET /api/v1/ws`): every frame is one JSON object
//! tagged by `type`. See docs/protocol.md for the narrative and examples.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{
    ConversationId, MessageId, SessionId, TeamId, UserId,
    cases::{CaseDto, ConsultDto, ReferralDto},
    chat::{ConversationDto, MessageDto, MessagePriority},
    error::{ErrorCode, ErrorReason},
    notifications::NotificationDto,
    teams::TeamRole,
};

/// Largest text frame a client may send (bytes); larger frames close the socket with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// A user's own availability, as they set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OwnStatus {
    /// At the desk.
    Online,
    /// Connected but away.
    Away,
}

/// A user's presence as others see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PresenceStatus {
    /// At least one session online.
    Online,
    /// Connected, but every session is away.
    Away,
    /// No live session.
    Offline,
}

/// Someone's presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PresenceEntry {
    /// Whose.
    pub user_id: UserId,
    /// Their status.
    pub status: PresenceStatus,
    /// Their duty status (SPEC §7), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub duty: Option<crate::users::DutyStatus>,
}

/// Client → server frames. `id` is the client's request id, echoed in the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum ClientFrame {
    /// First frame from a browser (which cannot set headers): authenticate within 10 s.
    Auth {
        /// An access token.
        token: String,
    },
    /// Post a message; answered by `ack` once it is committed.
    Send {
        /// Request id, echoed in the `ack` or `error`.
        id: String,
        /// Where to post.
        conversation_id: ConversationId,
        /// Idempotency key: resending it returns the original `ack`.
        client_msg_id: String,
        /// Markdown, up to 16,000 characters; empty only when files are attached.
        #[serde(default)]
        body: String,
        /// Seq of the message replied to.
        #[serde(default)]
        #[ts(optional, type = "number")]
        reply_to_seq: Option<i64>,
        /// How urgent (default `normal`).
        #[serde(default)]
        #[ts(optional)]
        priority: Option<MessagePriority>,
        /// Whether recipients must acknowledge it (default false).
        #[serde(default)]
        #[ts(optional)]
        ack_required: Option<bool>,
        /// Files uploaded by the sender to this conversation and not yet sent (at most 20).
        #[serde(default)]
        #[ts(optional)]
        attachment_ids: Option<Vec<crate::AttachmentId>>,
    },
    /// Acknowledges an `ack_required` message (answered by `message_acked`
    /// to the conversation, or an `error`).
    AckMessage {
        /// Where.
        conversation_id: ConversationId,
        /// Which message.
        #[ts(type = "number")]
        seq: i64,
    },
    /// Edit one's own message (SPEC §8); answered by `message_edited` to the
    /// conversation, or an `error`.
    Edit {
        /// Request id, echoed in an `error`.
        id: String,
        /// Where.
        conversation_id: ConversationId,
        /// Which message.
        #[ts(type = "number")]
        seq: i64,
        /// The new text.
        body: String,
    },
    /// "I am typing" (send every few seconds while typing).
    Typing {
        /// Where.
        conversation_id: ConversationId,
    },
    /// Mark messages up to `seq` as read.
    Read {
        /// Where.
        conversation_id: ConversationId,
        /// Highest seq seen.
        #[ts(type = "number")]
        seq: i64,
    },
    /// Set the user's own status.
    Presence {
        /// `online` or `away`.
        status: OwnStatus,
    },
    /// Ask for every message after the given seqs; answered by `message`s then `synced`.
    Sync {
        /// Request id, echoed in `synced`.
        #[serde(default)]
        #[ts(optional)]
        id: Option<String>,
        /// Last seq seen, per conversation. Conversations left out are not synced.
        #[ts(type = "Record<string, number>")]
        cursors: BTreeMap<ConversationId, i64>,
    },
    /// WebRTC signalling (an SDP offer or answer, or an ICE candidate) for
    /// one socket of a call's participants; relayed as `signal` to that
    /// socket only, on whichever node it lives, or refused with an `error`.
    Signal {
        /// Request id, echoed in an `error`.
        #[serde(default)]
        #[ts(optional)]
        id: Option<String>,
        /// The call both sockets have joined.
        call_id: crate::CallId,
        /// The addressee's `connection_id`.
        to_connection_id: crate::ConnectionId,
        /// Opaque to the server.
        #[ts(type = "unknown")]
        data: serde_json::Value,
    },
    /// Keep-alive; answered by `pong`.
    Ping {
        /// Request id, echoed in `pong`.
        #[serde(default)]
        #[ts(optional)]
        id: Option<String>,
    },
}

/// Server → client frames.
// An event is built once and serialised once for all its sockets, never
// kept in bulk, so the size of the largest variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum ServerEvent {
    /// First frame after authentication: everything needed to draw the first screen.
    Ready {
        /// The signed-in user.
        user_id: UserId,
        /// This login session.
        session_id: SessionId,
        /// This socket (signalling addresses sockets, SPEC §9).
        connection_id: crate::ConnectionId,
        /// Live calls in the user's conversations, so a reconnecting client
        /// can offer to join (or rejoin) them.
        #[serde(default)]
        live_calls: Vec<crate::calls::CallDto>,
        /// The user's conversations with `last_seq` and `unread`.
        conversations: Vec<ConversationDto>,
        /// Presence of everyone the user shares a conversation with.
        presence: Vec<PresenceEntry>,
        /// How many of the user's notifications are unread.
        #[ts(type = "number")]
        unread_notifications: i64,
    },
    /// A `send` was committed.
    Ack {
        /// The `send`'s request id.
        id: String,
        /// Where it landed.
        conversation_id: ConversationId,
        /// Its seq.
        #[ts(type = "number")]
        seq: i64,
        /// Its id.
        message_id: MessageId,
        /// Commit time.
        created_at: DateTime<Utc>,
    },
    /// A frame was refused; the connection stays open.
    Error {
        /// The refused frame's request id, when it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        id: Option<String>,
        /// Same codes as the HTTP API.
        code: ErrorCode,
        /// Same reasons as the HTTP API.
        reason: ErrorReason,
        /// What was wrong (English, for developers).
        message: String,
    },
    /// A member acknowledged an `ack_required` message.
    MessageAcked {
        /// Where.
        conversation_id: ConversationId,
        /// Which message.
        #[ts(type = "number")]
        seq: i64,
        /// Who.
        user_id: UserId,
        /// When.
        at: DateTime<Utc>,
        /// The message's acknowledgements so far.
        #[ts(type = "number")]
        ack_count: i64,
    },
    /// A notification for this user (SPEC §7).
    Notification {
        /// The notification.
        notification: NotificationDto,
    },
    /// The user's notifications were marked read (on any of their sockets).
    NotificationsRead {
        /// Their unread count afterwards.
        #[ts(type = "number")]
        unread: i64,
    },
    /// A new message.
    Message {
        /// The message.
        message: MessageDto,
    },
    /// A message was recalled by its sender.
    MessageRecalled {
        /// Where.
        conversation_id: ConversationId,
        /// Which.
        #[ts(type = "number")]
        seq: i64,
    },
    /// A message was edited by its sender.
    MessageEdited {
        /// Where.
        conversation_id: ConversationId,
        /// Which.
        #[ts(type = "number")]
        seq: i64,
        /// The new text.
        body: String,
        /// When.
        edited_at: DateTime<Utc>,
        /// Members the new text mentions.
        mentions: Vec<UserId>,
    },
    /// A reaction was added or taken back.
    Reaction {
        /// Where.
        conversation_id: ConversationId,
        /// Which message.
        #[ts(type = "number")]
        seq: i64,
        /// Who.
        user_id: UserId,
        /// Which emoji.
        emoji: String,
        /// True when added, false when taken back.
        added: bool,
    },
    /// Someone is typing.
    Typing {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
    },
    /// Someone's read position moved.
    Read {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
        /// Their new read position.
        #[ts(type = "number")]
        seq: i64,
    },
    /// A call started in one of the user's conversations: ring.
    CallStarted {
        /// The call.
        call: crate::calls::CallDto,
    },
    /// Someone joined, left or declined.
    CallUpdated {
        /// The call.
        call: crate::calls::CallDto,
    },
    /// The call ended: stop ringing, hang up.
    CallEnded {
        /// The call.
        call: crate::calls::CallDto,
    },
    /// Signalling from another participant's socket, for this socket only.
    Signal {
        /// The call.
        call_id: crate::CallId,
        /// Who sent it.
        from_user_id: UserId,
        /// From which socket (answer to it).
        from_connection_id: crate::ConnectionId,
        /// As sent.
        #[ts(type = "unknown")]
        data: serde_json::Value,
    },
    /// Someone's presence changed.
    Presence {
        /// Whose.
        user_id: UserId,
        /// New status.
        status: PresenceStatus,
        /// Their duty status, when it changed (absent: unchanged).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        duty: Option<crate::users::DutyStatus>,
    },
    /// The user gained access to a conversation.
    ConversationAdded {
        /// It.
        conversation: ConversationDto,
    },
    /// The user lost access to a conversation.
    ConversationRemoved {
        /// Which.
        conversation_id: ConversationId,
    },
    /// A case changed.
    CaseUpdated {
        /// The case as it is now.
        case: CaseDto,
    },
    /// A team's triage queue changed.
    TriageChanged {
        /// Whose queue.
        team_id: TeamId,
        /// The case that entered, moved or left.
        case: CaseDto,
    },
    /// A consult changed.
    ConsultUpdated {
        /// The consult as it is now.
        consult: ConsultDto,
    },
    /// A referral changed.
    ReferralUpdated {
        /// The referral as it is now.
        referral: ReferralDto,
    },
    /// A team's roster changed.
    RosterChanged {
        /// Which team.
        team_id: TeamId,
        /// Who joined, changed role or left.
        user_id: UserId,
        /// Their role now; absent when they left.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        role: Option<TeamRole>,
    },
    /// Every message asked for by `sync` has been sent.
    Synced {
        /// The `sync`'s request id, when it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        id: Option<String>,
    },
    /// Answer to `ping`.
    Pong {
        /// The `ping`'s request id, when it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        id: Option<String>,
    },
}
