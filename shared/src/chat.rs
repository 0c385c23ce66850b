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
    /// What tells this thread apart (case, consult and referral threads; SPEC §8).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ConversationContext>,
}

/// The patient a thread is about, as much as the sidebar needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct PatientBrief {
    /// Name.
    pub name: String,
    /// Sex.
    pub sex: crate::cases::Sex,
    /// Age in whole years, when the birth date is known.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<i32>,
}

/// What distinguishes one case, consult or referral thread from another
/// about the same patient (three threads titled "糖尿病足溃疡" are otherwise
/// indistinguishable in a sidebar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ConversationContext {
    /// The patient.
    pub patient: PatientBrief,
    /// The case's priority.
    pub priority: crate::cases::Priority,
    /// The case's status.
    pub status: crate::cases::CaseStatus,
    /// The case's team.
    pub team_name: String,
    /// The case's title.
    pub case_title: String,
    /// For consult threads: the question asked.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consult_question: Option<String>,
    /// For consult threads: the consult's status.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consult_status: Option<crate::cases::ConsultStatus>,
    /// For referral threads: up or down.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_direction: Option<crate::cases::ReferralDirection>,
    /// For referral threads: the referral's status.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_status: Option<crate::cases::ReferralStatus>,
    /// For referral threads: the team on the other side from the case's team.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_team_name: Option<String>,
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
    /// Written by a person, or a timeline entry of a workflow (SPEC §8).
    #[serde(default)]
    pub kind: MessageKind,
    /// For system messages: what happened (the client renders it in the reader's language).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemEvent>,
    /// Reactions, one entry per emoji in the order first used.
    #[serde(default)]
    pub reactions: Vec<ReactionDto>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MessageKind {
    /// A person.
    #[default]
    User,
    /// A workflow step (its `sender_id` is who took the step).
    System,
}

/// A timeline entry of a case, consult or referral thread. The `body` of a
/// system message repeats the free text (reason, opinion, outcome) so it is
/// found by search; names are resolved when the entry is written so the
/// timeline reads the same after a rename or a roster change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
#[ts(export)]
pub enum SystemEvent {
    /// Triage assigned the case.
    CaseAssigned {
        /// To whom.
        assignee_id: UserId,
        /// Their display name.
        assignee_name: String,
    },
    /// Triage passed the case to another team.
    CaseTransferred {
        /// The team it went to.
        team_name: String,
        /// Why, when given.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Triage declined the case.
    CaseDeclined {
        /// Why.
        reason: String,
    },
    /// The case's status changed (closed, reopened…).
    CaseStatusChanged {
        /// The new status.
        status: crate::cases::CaseStatus,
    },
    /// A consult was requested.
    ConsultRequested {
        /// The question.
        question: String,
        /// The consultants asked.
        consultant_names: Vec<String>,
        /// How urgent.
        urgency: crate::cases::Priority,
    },
    /// A consultant accepted.
    ConsultAccepted,
    /// A consultant declined.
    ConsultDeclined {
        /// Why.
        reason: String,
    },
    /// The consultant gave their opinion.
    ConsultCompleted {
        /// 诊断意见.
        assessment: String,
        /// 处理建议.
        recommendation: String,
    },
    /// The requester withdrew the consult.
    ConsultCancelled,
    /// The patient was referred.
    ReferralCreated {
        /// Up or down.
        direction: crate::cases::ReferralDirection,
        /// The receiving team.
        to_team_name: String,
        /// Why.
        reason: String,
    },
    /// The receiving team accepted.
    ReferralAccepted {
        /// Who will see the patient, when named.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee_name: Option<String>,
        /// The appointment, when set.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        appointment_at: Option<DateTime<Utc>>,
    },
    /// The receiving team declined.
    ReferralDeclined {
        /// Why.
        reason: String,
    },
    /// The referral was completed.
    ReferralCompleted {
        /// What came of it.
        outcome: String,
    },
    /// The referring side withdrew the referral.
    ReferralCancelled,
    /// A follow-up plan (随访) was made for the patient.
    FollowUpsPlanned {
        /// What is to be done, in order of due date.
        titles: Vec<String>,
        /// Who does it (distinct names).
        assignee_names: Vec<String>,
    },
    /// A follow-up's result was recorded: the loop closes.
    FollowUpCompleted {
        /// Which follow-up.
        title: String,
        /// What it found.
        result: String,
    },
    /// A video call started in the thread.
    CallStarted {
        /// The call.
        call_id: crate::CallId,
        /// Who started it.
        started_by_name: String,
    },
    /// The call ended.
    CallEnded {
        /// The call.
        call_id: crate::CallId,
        /// From start to end.
        #[ts(type = "number")]
        duration_secs: i64,
        /// Everyone who joined, in order of first joining.
        participant_names: Vec<String>,
    },
    /// A doctor outside the case opened it under break-glass (SPEC §11): the
    /// team sees who and why, in the thread itself.
    BreakGlass {
        /// Who broke the glass.
        user_name: String,
        /// Their stated reason.
        reason: String,
        /// When their read access ends.
        expires_at: chrono::DateTime<chrono::Utc>,
    },
}

/// Emoji (and the WeChat-style 收到, "received") a reaction may use: a small
/// fixed palette, as clinical messengers offer, so reactions stay
/// professional and every client can draw them. The web client's copy lives
/// in `web-client/src/chat/palette.ts` (a unit test keeps the two equal).
pub const REACTION_PALETTE: &[&str] = &[
    "收到", "👍", "✅", "❤️", "🙏", "👌", "👏", "💪", "🎉", "😄", "😮", "😢", "🤔", "👀", "❓", "‼️", "🌹", "🤝", "💯",
    "☕", "📌", "⏰", "🙌", "👋",
];

/// Most distinct emoji on one message (SPEC §8).
pub const MAX_REACTIONS_PER_MESSAGE: usize = 20;

/// One emoji on a message and who put it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ReactionDto {
    /// The emoji (from [`REACTION_PALETTE`]).
    pub emoji: String,
    /// Who reacted with it, first first.
    pub user_ids: Vec<UserId>,
}

/// `PUT /conversations/{id}/messages/{seq}`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct EditMessageRequest {
    /// The new text (same rules as a send's body).
    pub body: String,
}

/// One version of an edited message (`GET …/messages/{seq}/versions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MessageVersion {
    /// The text of this version.
    pub body: String,
    /// When it was written (the send time for the first version).
    pub edited_at: DateTime<Utc>,
    /// Who wrote it.
    pub editor_id: UserId,
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

/// Which results a search wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SearchKind {
    /// Messages only.
    Messages,
    /// Cases only.
    Cases,
}

/// `GET /search?q=&conversation_id=&kind=&before=&limit=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct SearchQuery {
    /// Text to find, 1–200 characters (Chinese and English; every word must occur).
    pub q: String,
    /// Only messages of this conversation.
    #[serde(default)]
    #[ts(optional)]
    pub conversation_id: Option<ConversationId>,
    /// Only messages or only cases (default both).
    #[serde(default)]
    #[ts(optional)]
    pub kind: Option<SearchKind>,
    /// Cursor: the `next_before` of the previous page (messages older than it).
    #[serde(default)]
    #[ts(optional)]
    pub before: Option<MessageId>,
    /// Most results per kind, at most 200 (default 20).
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub limit: Option<i64>,
}

/// A message found by search, with where it is and what matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MessageHit {
    /// The message.
    #[serde(flatten)]
    pub message: MessageDto,
    /// Its conversation's title as the caller sees it.
    pub conversation_title: String,
    /// The part of the body around the first match (at most about 120 characters).
    pub snippet: String,
    /// Matches in `snippet` as `[start, end)` offsets in UTF-16 code units
    /// (JavaScript string indices), so the client marks them without parsing HTML.
    #[ts(type = "Array<[number, number]>")]
    pub highlights: Vec<[u32; 2]>,
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
    /// The title, or the part of the summary around the first match.
    pub snippet: String,
    /// Matches in `snippet`, `[start, end)` in UTF-16 code units.
    #[ts(type = "Array<[number, number]>")]
    pub highlights: Vec<[u32; 2]>,
}

/// `GET /search` results: messages and cases the caller may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SearchResults {
    /// Matching messages, newest first.
    pub messages: Vec<MessageHit>,
    /// Matching cases, newest first (first page only: cases are few).
    pub cases: Vec<CaseHit>,
    /// Pass as `before` for the next page of messages; absent on the last page.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<MessageId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The web client draws the picker from its own copy of the palette.
    #[test]
    fn the_web_client_offers_the_same_reaction_palette() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../web-client/src/chat/palette.ts");
        let Ok(source) = std::fs::read_to_string(path) else {
            panic!("cannot read {path}");
        };
        let start = source.find("REACTION_PALETTE = [").unwrap_or_default();
        let end = source[start..].find("] as const").map_or(source.len(), |e| start + e);
        let client: Vec<&str> = source[start..end]
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix("\","))
            .collect();
        assert_eq!(client, REACTION_PALETTE);
        assert!(
            REACTION_PALETTE.len() > MAX_REACTIONS_PER_MESSAGE,
            "the limit must be reachable"
        );
    }
}
