//! Conversations and messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{CaseId, ConsultId, ConversationId, MessageId, ReferralId, TeamId, UserId, users::UserDto};

/// Longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 16_000;

/// What a conversation is about; decides who its members are.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConversationKind {
    /// A team's channel: the roster.
    Team,
    /// A case discussion: the case's team, its consultants and the referring side.
    Case,
    /// A consult thread: requester, consultants and the case's team.
    Consult,
    /// A referral thread: both teams.
    Referral,
    /// Two users.
    Direct,
}

/// A conversation as its members see it in their list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ConversationDto {
    /// Stable id.
    pub id: ConversationId,
    /// What it is about.
    pub kind: ConversationKind,
    /// Display title (team name, case title, or the other person's name for direct chats).
    pub title: String,
    /// The team it belongs to, if any.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<TeamId>,
    /// The case it discusses, for case, consult and referral threads.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// The consult, for consult threads.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consult_id: Option<ConsultId>,
    /// The referral, for referral threads.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<ReferralId>,
    /// The other participant, for direct conversations.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_id: Option<UserId>,
    /// Seq of the newest message (0 when empty).
    #[ts(type = "number")]
    pub last_seq: i64,
    /// The caller's read position.
    #[ts(type = "number")]
    pub last_read_seq: i64,
    /// Messages after the caller's read position.
    #[ts(type = "number")]
    pub unread: i64,
    /// The newest message, if any.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<MessageDto>,
    /// How much this conversation may notify the caller (default `all`).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<NotifyLevel>,
}

/// How much a conversation may notify one member (SPEC §7). Urgent and
/// emergency messages and escalations reach them whatever the level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NotifyLevel {
    /// Every notification (and the client's sounds and desktop notices).
    #[default]
    All,
    /// Only when I am mentioned.
    Mentions,
    /// Nothing but urgent messages and escalations.
    None,
}

/// `PUT /conversations/{id}/notify`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NotifyRequest {
    /// The new level.
    pub level: NotifyLevel,
}

/// A member of a conversation with their read position, for "read by".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ConversationMemberDto {
    /// The member.
    pub user: UserDto,
    /// Highest seq they have read.
    #[ts(type = "number")]
    pub last_read_seq: i64,
}

/// `GET /conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ConversationDetail {
    /// The conversation.
    #[serde(flatten)]
    pub conversation: ConversationDto,
    /// Everyone who can read it, with read positions.
    pub members: Vec<ConversationMemberDto>,
}

/// A chat message. A recalled message keeps its place but loses its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MessageDto {
    /// Stable id.
    pub id: MessageId,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Position in the conversation: 1, 2, 3… without gaps, in commit order.
    #[ts(type = "number")]
    pub seq: i64,
    /// Author.
    pub sender_id: UserId,
    /// The sender's idempotency key.
    pub client_msg_id: String,
    /// Markdown text; empty once recalled.
    pub body: String,
    /// The message this one replies to.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_seq: Option<i64>,
    /// Users mentioned with `@username`.
    pub mentions: Vec<UserId>,
    /// When it was committed.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    /// True once the sender recalled it.
    pub recalled: bool,
    /// How urgent the sender marked it.
    pub priority: MessagePriority,
    /// Whether each recipient must acknowledge it (危急值 and the like).
    pub ack_required: bool,
    /// How many recipients have acknowledged it.
    #[ts(type = "number")]
    pub ack_count: i64,
    /// Files it carries (SPEC §6); empty once recalled.
    #[serde(default)]
    pub attachments: Vec<crate::attachments::AttachmentDto>,
}

/// How urgent a message is (SPEC §7). Urgent and emergency messages notify
/// every member and stand out in the thread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MessagePriority {
    /// An ordinary message.
    #[default]
    Normal,
    /// Needs attention within hours.
    Urgent,
    /// Needs attention now (危急值).
    Emergency,
}

/// One acknowledgement of an `ack_required` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MessageAck {
    /// Who acknowledged.
    pub user_id: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

/// `GET /conversations/{id}/messages/{seq}/acks`: who has and who has not
/// acknowledged yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MessageAcks {
    /// Acknowledgements, oldest first.
    pub acks: Vec<MessageAck>,
    /// Current members (other than the sender) who have not acknowledged.
    pub pending: Vec<UserId>,
    /// When acknowledgements are due (urgent and emergency messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub due_at: Option<DateTime<Utc>>,
}

/// `POST /conversations/{id}/messages` (same rules as the websocket `send`).
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct SendMessageRequest {
    /// Client-chosen idempotency key (1–100 characters); resending it returns the original message.
    pub client_msg_id: String,
    /// Markdown, up to 16,000 characters; empty only when files are attached.
    #[serde(default)]
    pub body: String,
    /// Seq of the message replied to.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub reply_to_seq: Option<i64>,
    /// How urgent (default `normal`).
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<MessagePriority>,
    /// Whether recipients must acknowledge it (default false).
    #[serde(default)]
    #[ts(optional)]
    pub ack_required: Option<bool>,
    /// Files uploaded by the sender to this conversation and not yet sent (at most 20).
    #[serde(default)]
    #[ts(optional)]
    pub attachment_ids: Option<Vec<crate::AttachmentId>>,
}

/// The answer to a send: where the message landed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SendMessageResponse {
    /// The stored message.
    pub message: MessageDto,
    /// False when this was a resend of an already stored `client_msg_id`.
    pub created: bool,
}

/// `PUT /conversations/{id}/read`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ReadRequest {
    /// Highest seq the user has seen; read positions never move backwards.
    #[ts(type = "number")]
    pub seq: i64,
}

/// `GET /conversations/{id}/messages` query: pages forwards with `after_seq`
/// or backwards with `before_seq` (default: the newest page).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct HistoryQuery {
    /// Messages with seq greater than this, oldest first.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub after_seq: Option<i64>,
    /// Messages with seq less than this, newest page, returned oldest first.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub before_seq: Option<i64>,
    /// Page size, at most 200.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub limit: Option<i64>,
}

/// `GET /search?q=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct SearchQuery {
    /// Text to find (any language; substring match).
    pub q: String,
    /// Most results per kind, at most 200.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub limit: Option<i64>,
}

/// A case found by search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct CaseHit {
    /// The case.
    pub id: CaseId,
    /// Its team.
    pub team_id: TeamId,
    /// Title.
    pub title: String,
    /// Status.
    pub status: crate::cases::CaseStatus,
    /// Its discussion.
    pub conversation_id: ConversationId,
}

/// `GET /search` results: messages and cases the caller may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SearchResults {
    /// Matching messages, newest first.
    pub messages: Vec<MessageDto>,
    /// Matching cases, newest first.
    pub cases: Vec<CaseHit>,
}
