//! Conversations and messages: membership, durable ordered sends, history,
//! read state, recall and search.
//!
//! Membership is derived from rosters, consults, referrals and direct
//! participants (`conversation_membership_sources`), and kept in the
//! `conversation_members` table by triggers in the transactions that change
//! those, so it follows a roster change at its commit and reads are index
//! scans. A message's `seq` comes from bumping `conversations.last_seq`
//! inside the inserting transaction: the row lock serialises concurrent senders,
//! so seqs are gapless and in commit order on every node.
//!
//! The conversations of an archived team stay readable but take no new
//! messages: the same seq-bumping statement refuses them, so every way in
//! (REST, websocket, workflow posts) gets the same 409 at no extra round trip.
//! Recall stays allowed there: taking back a mistaken message protects a
//! patient, and the original is kept in the audit trail anyway.

mod context;
pub mod edits;
mod queries;
pub mod reactions;
mod search;
pub mod timeline;
mod writer;

use consilium_shared::users::UserDto;
use std::collections::HashMap;

use chrono::Utc;
use consilium_shared::{
    AttachmentId, ConversationId, MessageId, UserId,
    chat::{
        ConversationDetail, ConversationDto, ConversationKind, ConversationMemberDto, MAX_BODY_CHARS, MessageAck,
        MessageAcks, MessageDto, MessageKind, MessagePriority, NotifyLevel,
    },
};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Nullable, Uuid as SqlUuid};
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::config::DeadlineConfig;
use crate::db::models::{NewConversation, User};
use crate::db::prepared::CachePrepared;
use crate::db::schema::{
    conversation_members, conversation_participants, conversation_reads, conversations, message_acks, messages, users,
};
use crate::domain::{ValidationError, reject_nul};
use crate::error::ApiError;
use consilium_shared::ErrorReason as Reason;

pub use queries::Message;
pub use search::search;
pub use timeline::{display_name_of, post_system};
pub use writer::SendQueue;

/// Most people one message may mention (a group mention counts once).
pub const MAX_MENTIONS: usize = 50;

/// A message body: 1–16,000 characters, not only whitespace, with the
/// `@names` it mentions (parsed once here: the send path, the batch writer
/// and edits all need them).
#[derive(Debug, Clone)]
pub struct MessageBody(String, Vec<String>);

impl MessageBody {
    /// Accepts a valid body.
    pub fn parse(raw: String) -> Result<Self, ValidationError> {
        Self::parse_with(raw, false)
    }

    /// Accepts a valid body; an empty one too when `files` (a message of
    /// attachments alone, like a photo sent without a caption).
    fn parse_with(raw: String, files: bool) -> Result<Self, ValidationError> {
        reject_nul(&raw, "body")?;
        if raw.trim().is_empty() && !(files && raw.is_empty()) {
            return Err(ValidationError::new("body", Reason::FieldEmpty, "must not be empty"));
        }
        if raw.chars().count() > MAX_BODY_CHARS {
            return Err(ValidationError::new(
                "body",
                Reason::BodyTooLong,
                format!("must be at most {MAX_BODY_CHARS} characters"),
            ));
        }
        let mentions = mentioned_usernames(&raw);
        if mentions.len() > MAX_MENTIONS {
            return Err(ValidationError::new(
                "body",
                Reason::TooManyMentions,
                format!("may mention at most {MAX_MENTIONS} people"),
            ));
        }
        Ok(Self(raw, mentions))
    }
}

/// A client's idempotency key: 1–100 characters.
#[derive(Debug, Clone)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    /// Accepts a valid key.
    pub fn parse(raw: String) -> Result<Self, ValidationError> {
        reject_nul(&raw, "client_msg_id")?;
        let len = raw.chars().count();
        if (1..=100).contains(&len) {
            Ok(Self(raw))
        } else {
            Err(ValidationError::new(
                "client_msg_id",
                if len == 0 {
                    Reason::FieldEmpty
                } else {
                    Reason::FieldTooLong
                },
                "must be 1–100 characters",
            ))
        }
    }
}

/// A validated message to send.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Idempotency key.
    pub client_msg_id: ClientMsgId,
    /// Text.
    pub body: MessageBody,
    /// Seq replied to.
    pub reply_to_seq: Option<i64>,
    /// How urgent.
    pub priority: MessagePriority,
    /// Whether recipients must acknowledge it.
    pub ack_required: bool,
    /// Uploads it carries (SPEC §6), in the sender's order.
    pub attachment_ids: Vec<AttachmentId>,
}

impl NewMessage {
    /// Validates raw input from REST or the websocket.
    pub fn parse(client_msg_id: String, body: String, reply_to_seq: Option<i64>) -> Result<Self, ValidationError> {
        Self::parse_with_files(client_msg_id, body, reply_to_seq, None)
    }

    /// Validates raw input that may carry attachments: the body may then be empty.
    pub fn parse_with_files(
        client_msg_id: String,
        body: String,
        reply_to_seq: Option<i64>,
        attachment_ids: Option<Vec<AttachmentId>>,
    ) -> Result<Self, ValidationError> {
        let attachment_ids = attachment_ids.unwrap_or_default();
        Ok(Self {
            client_msg_id: ClientMsgId::parse(client_msg_id)?,
            body: MessageBody::parse_with(body, !attachment_ids.is_empty())?,
            reply_to_seq,
            priority: MessagePriority::Normal,
            ack_required: false,
            attachment_ids,
        })
    }

    /// The same message marked urgent and/or to be acknowledged (SPEC §7).
    pub fn with_attention(mut self, priority: Option<MessagePriority>, ack_required: Option<bool>) -> Self {
        self.priority = priority.unwrap_or_default();
        self.ack_required = ack_required.unwrap_or(false);
        self
    }

    /// Whether the message asks for attention: such messages take the
    /// single-send path (the batch statement stores ordinary ones).
    pub fn wants_attention(&self) -> bool {
        self.priority != MessagePriority::Normal || self.ack_required
    }

    /// Whether the message carries files (also the single-send path: the
    /// uploads are locked and handed over in the message's transaction).
    pub fn has_files(&self) -> bool {
        !self.attachment_ids.is_empty()
    }
}

/// The result of a send.
#[derive(Debug, Clone)]
pub struct SendOutcome {
    /// The stored message.
    pub message: MessageDto,
    /// False when the `client_msg_id` had been stored before (nothing new was written).
    pub created: bool,
}

/// Whether `user` may read `conversation`.
pub async fn is_member(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        conversation_members::table
            .filter(conversation_members::conversation_id.eq(conversation))
            .filter(conversation_members::user_id.eq(user)),
    ))
    .get_result(conn)
    .await?)
}

/// 404 unless `user` may read `conversation`.
pub async fn require_member(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<(), ApiError> {
    if is_member(conn, conversation, user).await? {
        Ok(())
    } else {
        Err(ApiError::not_found(Reason::ConversationNotFound, "conversation"))
    }
}

/// 404 unless `user` may read `conversation`'s history: a member, or a
/// holder of live break-glass access to the case it is the thread of (who
/// reads but, not being a member, never sends).
pub async fn require_reader(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<(), ApiError> {
    if is_member(conn, conversation, user).await? || crate::grants::on_conversation(conn, conversation, user).await? {
        Ok(())
    } else {
        Err(ApiError::not_found(Reason::ConversationNotFound, "conversation"))
    }
}

/// Ids of every conversation `user` belongs to.
/// The future does not hold `conn` (it pipelines with other queries).
pub fn conversation_ids_of(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> impl Future<Output = Result<Vec<ConversationId>, ApiError>> + Send + use<> {
    let ids = conversation_members::table
        .filter(conversation_members::user_id.eq(user))
        .select(conversation_members::conversation_id)
        .load::<ConversationId>(conn);
    async move { Ok(ids.await?) }
}

/// Everyone who may read `conversation`.
pub async fn member_ids(conn: &mut AsyncPgConnection, conversation: ConversationId) -> Result<Vec<UserId>, ApiError> {
    Ok(conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation))
        .select(conversation_members::user_id)
        .load::<UserId>(conn)
        .await?)
}

/// What a socket of `user` listens to: their conversations, and everyone
/// they share at least one with (whose presence they see).
#[derive(Debug, QueryableByName)]
pub struct Membership {
    /// The conversations `user` belongs to.
    #[diesel(sql_type = Array<SqlUuid>)]
    pub conversation_ids: Vec<ConversationId>,
    /// Everyone else in them.
    #[diesel(sql_type = Array<SqlUuid>)]
    pub contacts: Vec<UserId>,
}

/// `user`'s [`Membership`], in one statement. The future does not hold
/// `conn` (it pipelines with other queries).
pub fn membership_of(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> impl Future<Output = Result<Membership, ApiError>> + Send + use<> {
    let row = diesel::sql_query(queries::MEMBERSHIP)
        .bind::<SqlUuid, _>(user)
        .cache_prepared()
        .get_result::<Membership>(conn);
    async move { Ok(row.await?) }
}

/// The caller's conversations (or one of them), newest activity first, with
/// unread counts and the last message.
pub async fn list_for(
    conn: &mut AsyncPgConnection,
    user: UserId,
    only: Option<ConversationId>,
) -> Result<Vec<ConversationDto>, ApiError> {
    let rows = list_rows(conn, user, only).await?;
    complete_list(conn, rows).await
}

/// [`list_for`] in two steps, so the first can be pipelined with other
/// queries: the list's own rows, before their last messages and contexts.
pub struct ListRows(Vec<queries::ConversationRow>);

/// The first step of [`list_for`]. The future does not hold `conn`.
pub fn list_rows(
    conn: &mut AsyncPgConnection,
    user: UserId,
    only: Option<ConversationId>,
) -> impl Future<Output = Result<ListRows, ApiError>> + Send + use<> {
    let rows = diesel::sql_query(queries::LIST_CONVERSATIONS)
        .bind::<SqlUuid, _>(user)
        .bind::<Nullable<SqlUuid>, _>(only)
        .cache_prepared()
        .load::<queries::ConversationRow>(conn);
    async move { Ok(ListRows(rows.await?)) }
}

/// The second step of [`list_for`]: each conversation's last message and
/// its case context, the two queries pipelined.
pub async fn complete_list(
    conn: &mut AsyncPgConnection,
    ListRows(rows): ListRows,
) -> Result<Vec<ConversationDto>, ApiError> {
    let with_messages: Vec<(ConversationId, i64)> = rows
        .iter()
        .filter(|r| r.last_seq > 0)
        .map(|r| (r.id, r.last_seq))
        .collect();
    let last = (!with_messages.is_empty()).then(|| {
        let (ids, seqs): (Vec<ConversationId>, Vec<i64>) = with_messages.into_iter().unzip();
        diesel::sql_query(
            "select m.* from messages m join unnest($1::uuid[], $2::bigint[]) as k(c, s) on m.conversation_id = k.c and m.seq = k.s",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<BigInt>, _>(seqs)
        .cache_prepared().load::<Message>(conn)
    });
    let last = async move {
        Ok::<_, ApiError>(match last {
            Some(messages) => messages
                .await?
                .into_iter()
                .map(|m| (m.conversation_id, m.into()))
                .collect(),
            None => HashMap::<ConversationId, MessageDto>::new(),
        })
    };
    let threads: Vec<ConversationId> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                ConversationKind::Case | ConversationKind::Consult | ConversationKind::Referral
            )
        })
        .map(|r| r.id)
        .collect();
    let contexts = context::load(conn, threads);
    let (mut last, mut contexts) = futures_util::try_join!(last, contexts)?;
    rows.into_iter()
        .map(|r| {
            let last_read_seq = r.last_read_seq.min(r.last_seq);
            Ok(ConversationDto {
                id: r.id,
                kind: r.kind,
                title: r.title,
                team_id: r.team_id,
                case_id: r.case_id,
                consult_id: r.consult_id,
                referral_id: r.referral_id,
                peer_id: r.peer_id,
                last_seq: r.last_seq,
                last_read_seq,
                unread: r.last_seq - last_read_seq,
                last_message: last.remove(&r.id),
                notify: Some(r.notify),
                context: contexts.remove(&r.id),
            })
        })
        .collect::<anyhow::Result<_>>()
        .map_err(ApiError::from)
}

/// One conversation as `user` sees it; 404 unless a member.
pub async fn get_for(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: ConversationId,
) -> Result<ConversationDto, ApiError> {
    list_for(conn, user, Some(id))
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(Reason::ConversationNotFound, "conversation"))
}

/// `GET /conversations/{id}`: the conversation with its members' read positions.
pub async fn detail(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: ConversationId,
) -> Result<ConversationDetail, ApiError> {
    let conversation = get_for(conn, user, id).await?;
    let rows: Vec<(User, Option<i64>)> = conversation_members::table
        .inner_join(users::table.on(users::id.eq(conversation_members::user_id)))
        .left_join(
            conversation_reads::table.on(conversation_reads::conversation_id
                .eq(conversation_members::conversation_id)
                .and(conversation_reads::user_id.eq(conversation_members::user_id))),
        )
        .filter(conversation_members::conversation_id.eq(id))
        .select((User::as_select(), conversation_reads::last_read_seq.nullable()))
        .order(users::username.asc())
        .load(conn)
        .await?;
    let members = rows
        .into_iter()
        .map(|(u, seq)| {
            Ok(ConversationMemberDto {
                user: UserDto::from(u.clone()),
                last_read_seq: seq.unwrap_or(0),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(ConversationDetail { conversation, members })
}

/// `POST /direct/{user_id}`: the one direct conversation between two users,
/// created on first use. Returns it and whether it was created.
pub async fn get_or_create_direct(
    conn: &mut AsyncPgConnection,
    me: UserId,
    other: UserId,
) -> Result<(ConversationDto, bool), ApiError> {
    if me == other {
        return Err(ApiError::Invalid(
            Reason::DirectWithSelf,
            "user_id: a direct conversation needs another user".into(),
        ));
    }
    let peer: Option<bool> = users::table
        .find(other)
        .select(users::active)
        .first(conn)
        .await
        .optional()?;
    match peer {
        None => return Err(ApiError::not_found(Reason::UserNotFound, "user")),
        Some(false) => {
            return Err(ApiError::Conflict(
                Reason::UserDeactivated,
                "the user is deactivated".into(),
            ));
        }
        Some(true) => {}
    }
    let (a, b) = if me.0 < other.0 { (me, other) } else { (other, me) };
    let key = format!("{a}:{b}");
    let existing: Option<ConversationId> = conversations::table
        .filter(conversations::direct_key.eq(&key))
        .select(conversations::id)
        .first(conn)
        .await
        .optional()?;
    let (id, created) = match existing {
        Some(id) => (id, false),
        None => {
            let id = ConversationId::new();
            let inserted = conn
                .transaction::<_, DieselError, _>(|conn| {
                    let key = key.clone();
                    async move {
                        let n = diesel::insert_into(conversations::table)
                            .values(NewConversation {
                                id,
                                kind: ConversationKind::Direct,
                                title: "",
                                team_id: None,
                                direct_key: Some(&key),
                            })
                            .on_conflict_do_nothing()
                            .execute(conn)
                            .await?;
                        if n == 1 {
                            diesel::insert_into(conversation_participants::table)
                                .values(vec![
                                    (
                                        conversation_participants::conversation_id.eq(id),
                                        conversation_participants::user_id.eq(a),
                                    ),
                                    (
                                        conversation_participants::conversation_id.eq(id),
                                        conversation_participants::user_id.eq(b),
                                    ),
                                ])
                                .execute(conn)
                                .await?;
                        }
                        Ok(n == 1)
                    }
                    .scope_boxed()
                })
                .await?;
            if inserted {
                (id, true)
            } else {
                // a concurrent request created it first
                let id = conversations::table
                    .filter(conversations::direct_key.eq(&key))
                    .select(conversations::id)
                    .first(conn)
                    .await?;
                (id, false)
            }
        }
    };
    Ok((get_for(conn, me, id).await?, created))
}

/// Finds `@username` mentions in a body.
pub fn mentioned_usernames(body: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let preceded_by_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if bytes[i] == b'@' && !preceded_by_word {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len()
                && (bytes[end].is_ascii_lowercase()
                    || bytes[end].is_ascii_digit()
                    || matches!(bytes[end], b'_' | b'.' | b'-'))
            {
                end += 1;
            }
            let name = body[start..end].trim_end_matches(['.', '-']);
            if (3..=32).contains(&name.len()) && !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
            i = end.max(start);
        } else {
            i += 1;
        }
    }
    names
}

/// Stores a message and returns it; a resend of a stored `client_msg_id`
/// returns the original and stores nothing. 409 when the conversation's
/// team is archived.
pub async fn send(
    conn: &mut AsyncPgConnection,
    sender: UserId,
    conversation: ConversationId,
    msg: NewMessage,
    deadlines: &DeadlineConfig,
) -> Result<SendOutcome, ApiError> {
    store(conn, sender, conversation, msg, false, Some(deadlines)).await
}

/// Posts on behalf of a workflow (e.g. a referral outcome into the referring
/// case's discussion), where the author acts for their team and need not be
/// a member of the conversation. Idempotent on `client_msg_id` like `send`.
pub async fn post_on_behalf(
    conn: &mut AsyncPgConnection,
    author: UserId,
    conversation: ConversationId,
    msg: NewMessage,
) -> Result<SendOutcome, ApiError> {
    store(conn, author, conversation, msg, true, None).await
}

/// The hot path is one statement ([`queries::StoreMessage`]); only when it
/// stores nothing do we look at why, so the common case pays one round trip.
async fn store(
    conn: &mut AsyncPgConnection,
    sender: UserId,
    conversation: ConversationId,
    msg: NewMessage,
    on_behalf: bool,
    deadlines: Option<&DeadlineConfig>,
) -> Result<SendOutcome, ApiError> {
    if !msg.attachment_ids.is_empty() {
        return store_with_files(conn, sender, conversation, msg, on_behalf, deadlines).await;
    }
    match insert_one(conn, sender, conversation, &msg, on_behalf, deadlines).await {
        Ok(Some(stored)) => Ok(SendOutcome {
            message: stored.into(),
            created: true,
        }),
        Ok(None) => explain_unstored(conn, sender, conversation, &msg, on_behalf).await,
        // the client_msg_id was used before (or by a concurrent resend): answer with the original
        Err(ApiError::Conflict(..)) => match find_by_client_id(conn, sender, &msg.client_msg_id.0).await? {
            Some(existing) => resend_outcome(existing, conversation),
            None => Err(ApiError::Conflict(
                Reason::MessageNotStored,
                "message could not be stored; retry".into(),
            )),
        },
        Err(e) => Err(e),
    }
}

/// The one statement that stores a message; `None` when it stored nothing
/// (not a member, archived, bad reply), a conflict when the
/// `client_msg_id` is taken.
async fn insert_one(
    conn: &mut AsyncPgConnection,
    sender: UserId,
    conversation: ConversationId,
    msg: &NewMessage,
    on_behalf: bool,
    deadlines: Option<&DeadlineConfig>,
) -> Result<Option<Message>, ApiError> {
    let mention_names = &msg.body.1;
    // only urgent and emergency messages that must be acknowledged have a deadline
    let ack_step_ms = match deadlines {
        Some(cfg) if msg.ack_required => crate::deadlines::ack_deadline(conn, conversation, msg.priority, cfg)
            .await?
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        _ => None,
    };
    let rows: Vec<Message> = queries::StoreMessage {
        id: MessageId::new(),
        conversation,
        sender,
        on_behalf,
        client_msg_id: &msg.client_msg_id.0,
        body: &msg.body.0,
        reply_to_seq: msg.reply_to_seq,
        mention_names,
        priority: msg.priority,
        ack_required: msg.ack_required,
        ack_step_ms,
    }
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// A message with files: the uploads are checked and locked, the message
/// stored and the uploads handed to it in one transaction, so a file is
/// never in two messages and a refused send leaves the uploads pending.
async fn store_with_files(
    conn: &mut AsyncPgConnection,
    sender: UserId,
    conversation: ConversationId,
    msg: NewMessage,
    on_behalf: bool,
    deadlines: Option<&DeadlineConfig>,
) -> Result<SendOutcome, ApiError> {
    // a resend answers with the original (whose files are already taken)
    if let Some(existing) = find_by_client_id(conn, sender, &msg.client_msg_id.0).await? {
        let mut outcome = resend_outcome(existing, conversation)?;
        crate::attachments::load_for_messages(conn, std::slice::from_mut(&mut outcome.message)).await?;
        return Ok(outcome);
    }
    let ids = msg.attachment_ids.clone();
    let client_msg_id = msg.client_msg_id.0.clone();
    let stored = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                require_member(conn, conversation, sender).await?;
                crate::attachments::lock_for_send(conn, sender, conversation, &ids).await?;
                let stored = match insert_one(conn, sender, conversation, &msg, on_behalf, deadlines).await {
                    Ok(Some(stored)) => stored,
                    Ok(None) => return explain_unstored(conn, sender, conversation, &msg, on_behalf).await,
                    Err(ApiError::Conflict(..)) => {
                        return Err(ApiError::Conflict(
                            Reason::MessageNotStored,
                            "message could not be stored; retry".into(),
                        ));
                    }
                    Err(e) => return Err(e),
                };
                crate::attachments::attach(conn, &ids, stored.id).await?;
                let mut outcome = SendOutcome {
                    message: stored.into(),
                    created: true,
                };
                crate::attachments::load_for_messages(conn, std::slice::from_mut(&mut outcome.message)).await?;
                Ok(outcome)
            }
            .scope_boxed()
        })
        .await;
    match stored {
        // a concurrent resend on another node stored it first
        Err(ApiError::Conflict(Reason::MessageNotStored, _)) => {
            match find_by_client_id(conn, sender, &client_msg_id).await? {
                Some(existing) => {
                    let mut outcome = resend_outcome(existing, conversation)?;
                    crate::attachments::load_for_messages(conn, std::slice::from_mut(&mut outcome.message)).await?;
                    Ok(outcome)
                }
                None => Err(ApiError::Conflict(
                    Reason::MessageNotStored,
                    "message could not be stored; retry".into(),
                )),
            }
        }
        other => other,
    }
}

/// Why a send stored nothing: a resend by someone who has since left (the
/// original ack still stands), no such conversation for them, or a reply to
/// a message that does not exist.
async fn explain_unstored(
    conn: &mut AsyncPgConnection,
    sender: UserId,
    conversation: ConversationId,
    msg: &NewMessage,
    on_behalf: bool,
) -> Result<SendOutcome, ApiError> {
    if let Some(existing) = find_by_client_id(conn, sender, &msg.client_msg_id.0).await? {
        return resend_outcome(existing, conversation);
    }
    // None: no such conversation; Some(false): its team is archived
    let writable: Option<bool> = conversations::table
        .find(conversation)
        .select(diesel::dsl::sql::<diesel::sql_types::Bool>(
            queries::OF_NO_ARCHIVED_TEAM,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some(writable) = writable else {
        return Err(ApiError::not_found(Reason::ConversationNotFound, "conversation"));
    };
    if !on_behalf && !is_member(conn, conversation, sender).await? {
        // a break-glass reader knows the thread exists: say why it is closed to them
        return Err(if crate::grants::on_conversation(conn, conversation, sender).await? {
            ApiError::Forbidden(
                Reason::BreakGlassReadOnly,
                "break-glass access reads the thread; it cannot send in it".into(),
            )
        } else {
            ApiError::not_found(Reason::ConversationNotFound, "conversation")
        });
    }
    if !writable {
        return Err(ApiError::Conflict(
            Reason::TeamArchived,
            "the team is archived: its conversations are read-only".into(),
        ));
    }
    match msg.reply_to_seq {
        Some(reply) => Err(ApiError::Invalid(
            Reason::ReplyTargetMissing,
            format!("reply_to_seq: no message {reply} in this conversation"),
        )),
        None => Err(ApiError::Conflict(
            Reason::MessageNotStored,
            "message could not be stored; retry".into(),
        )),
    }
}

fn resend_outcome(existing: Message, conversation: ConversationId) -> Result<SendOutcome, ApiError> {
    if existing.conversation_id != conversation {
        return Err(ApiError::Conflict(
            Reason::ClientMsgIdReused,
            "client_msg_id was already used for another conversation".into(),
        ));
    }
    Ok(SendOutcome {
        message: existing.into(),
        created: false,
    })
}

async fn find_by_client_id(
    conn: &mut AsyncPgConnection,
    sender: UserId,
    client_msg_id: &str,
) -> Result<Option<Message>, ApiError> {
    Ok(messages::table
        .filter(messages::sender_id.eq(sender))
        .filter(messages::client_msg_id.eq(client_msg_id))
        .select(Message::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Moves `user`'s read position forward to `seq` (never backwards); returns
/// the new position when it moved.
async fn advance_read(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<Option<i64>, DieselError> {
    #[derive(QueryableByName)]
    struct Position {
        #[diesel(sql_type = BigInt)]
        last_read_seq: i64,
    }
    diesel::sql_query(
        "insert into conversation_reads (conversation_id, user_id, last_read_seq) values ($1, $2, $3) \
         on conflict (conversation_id, user_id) do update \
         set last_read_seq = excluded.last_read_seq, updated_at = now() \
         where conversation_reads.last_read_seq < excluded.last_read_seq \
         returning last_read_seq",
    )
    .bind::<SqlUuid, _>(conversation)
    .bind::<SqlUuid, _>(user)
    .bind::<BigInt, _>(seq)
    .cache_prepared()
    .get_result::<Position>(conn)
    .await
    .map(|p| p.last_read_seq)
    .optional()
}

/// `PUT /conversations/{id}/read` and the websocket `read`: returns the new
/// position when it moved (so only real changes are broadcast).
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<Option<i64>, ApiError> {
    if seq < 0 {
        return Err(ApiError::Invalid(
            Reason::NegativeSeq,
            "seq: must not be negative".into(),
        ));
    }
    require_member(conn, conversation, user).await?;
    let last_seq: i64 = conversations::table
        .find(conversation)
        .select(conversations::last_seq)
        .first(conn)
        .await?;
    let seq = seq.min(last_seq);
    if seq == 0 {
        return Ok(None);
    }
    Ok(advance_read(conn, user, conversation, seq).await?)
}

/// Messages of a conversation, oldest first: after `after_seq`, or the page
/// before `before_seq`, or the newest page.
pub async fn history(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    after_seq: Option<i64>,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<MessageDto>, ApiError> {
    let base = messages::table
        .filter(messages::conversation_id.eq(conversation))
        .select(Message::as_select());
    let rows: Vec<Message> = match (after_seq, before_seq) {
        (Some(_), Some(_)) => {
            return Err(ApiError::Invalid(
                Reason::ConflictingCursors,
                "give after_seq or before_seq, not both".into(),
            ));
        }
        (Some(after), None) => {
            base.filter(messages::seq.gt(after))
                .order(messages::seq.asc())
                .limit(limit)
                .load(conn)
                .await?
        }
        (None, before) => {
            let mut rows: Vec<Message> = base
                .filter(messages::seq.lt(before.unwrap_or(i64::MAX)))
                .order(messages::seq.desc())
                .limit(limit)
                .load(conn)
                .await?;
            rows.reverse();
            rows
        }
    };
    let mut found: Vec<MessageDto> = rows.into_iter().map(Into::into).collect();
    decorate(conn, &mut found).await?;
    Ok(found)
}

/// Recalls the caller's own message: readers see a tombstone from now on; the
/// original body stays in the row and is copied into the audit trail.
pub async fn recall(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    conversation: ConversationId,
    seq: i64,
    ip: Option<&str>,
) -> Result<MessageDto, ApiError> {
    require_member(conn, conversation, caller).await?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let msg = lock_message_at(conn, conversation, seq).await?;
            if msg.sender_id != caller {
                return Err(ApiError::Forbidden(
                    Reason::SenderOnly,
                    "only the sender may recall a message".into(),
                ));
            }
            if msg.recalled_at.is_some() {
                return Err(ApiError::Conflict(
                    Reason::AlreadyRecalled,
                    "the message is already recalled".into(),
                ));
            }
            let updated: Message = diesel::update(messages::table.find(msg.id))
                .set(messages::recalled_at.eq(Utc::now()))
                .returning(Message::as_returning())
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(caller), "message_recalled", "message", msg.id)
                    .detail(json!({ "conversation_id": conversation, "seq": seq, "original_body": msg.body }))
                    .ip(ip),
            )
            .await?;
            Ok(updated.into())
        }
        .scope_boxed()
    })
    .await
}

/// Fills in what a message row does not hold: its files and its reactions.
pub async fn decorate(conn: &mut AsyncPgConnection, messages: &mut [MessageDto]) -> Result<(), ApiError> {
    crate::attachments::load_for_messages(conn, messages).await?;
    reactions::load_for_messages(conn, messages).await
}

/// Messages after `after_seq` (for `sync` and gap filling), oldest first.
pub async fn messages_after(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    after_seq: i64,
    until_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<MessageDto>, ApiError> {
    let mut q = messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::seq.gt(after_seq))
        .order(messages::seq.asc())
        .limit(limit)
        .select(Message::as_select())
        .into_boxed();
    if let Some(until) = until_seq {
        q = q.filter(messages::seq.le(until));
    }
    let mut found: Vec<MessageDto> = q.load::<Message>(conn).await?.into_iter().map(Into::into).collect();
    decorate(conn, &mut found).await?;
    Ok(found)
}

/// `PUT /conversations/{id}/notify`: how much this conversation may notify
/// the caller (a member).
pub async fn set_notify_level(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    level: NotifyLevel,
) -> Result<(), ApiError> {
    if !is_member(conn, conversation, user).await? {
        return Err(ApiError::not_found(Reason::ConversationNotFound, "conversation"));
    }
    diesel::insert_into(conversation_reads::table)
        .values((
            conversation_reads::conversation_id.eq(conversation),
            conversation_reads::user_id.eq(user),
            conversation_reads::last_read_seq.eq(0),
            conversation_reads::notify.eq(level),
        ))
        .on_conflict((conversation_reads::conversation_id, conversation_reads::user_id))
        .do_update()
        .set(conversation_reads::notify.eq(level))
        .execute(conn)
        .await?;
    Ok(())
}

/// Of `users`, those who silenced `conversation` entirely.
pub async fn silenced_in(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    users: &[UserId],
) -> Result<Vec<UserId>, ApiError> {
    Ok(conversation_reads::table
        .filter(conversation_reads::conversation_id.eq(conversation))
        .filter(conversation_reads::user_id.eq_any(users))
        .filter(conversation_reads::notify.eq(NotifyLevel::None))
        .select(conversation_reads::user_id)
        .load(conn)
        .await?)
}

/// What acknowledging a message did.
#[derive(Debug, Clone, Copy)]
pub struct Acknowledged {
    /// When the user acknowledged it (the first time).
    pub at: chrono::DateTime<Utc>,
    /// The message's acknowledgements so far.
    pub ack_count: i64,
    /// False when the user had already acknowledged it: nothing changed.
    pub new: bool,
}

/// Message `seq` of `conversation`; 404 when there is none.
async fn message_at(conn: &mut AsyncPgConnection, conversation: ConversationId, seq: i64) -> Result<Message, ApiError> {
    messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::seq.eq(seq))
        .select(Message::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(Reason::MessageNotFound, "message"))
}

/// Message `seq` of `conversation`, locked until the transaction ends (a
/// recall or an edit changes it); 404 when there is none.
async fn lock_message_at(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    seq: i64,
) -> Result<Message, ApiError> {
    messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::seq.eq(seq))
        .select(Message::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(Reason::MessageNotFound, "message"))
}

/// Message `seq` of a conversation `user` belongs to; 404 when it is not
/// theirs to see. (No row lock: an acknowledgement is one insert that
/// cannot be doubled and one atomic counter update.)
async fn member_message(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<Message, ApiError> {
    require_member(conn, conversation, user).await?;
    message_at(conn, conversation, seq).await
}

fn ack_not_required() -> ApiError {
    ApiError::Conflict(
        Reason::AckNotRequired,
        "this message asks for no acknowledgement".into(),
    )
}

/// The message `user` is acknowledging: 409 when it asks for no
/// acknowledgement (or was recalled) or is their own.
async fn message_to_acknowledge(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<Message, ApiError> {
    let message = member_message(conn, user, conversation, seq).await?;
    if !message.ack_required || message.recalled_at.is_some() {
        return Err(ack_not_required());
    }
    if message.sender_id == user {
        return Err(ApiError::Conflict(
            Reason::AckOwnMessage,
            "the sender does not acknowledge their own message".into(),
        ));
    }
    Ok(message)
}

/// `ack_message` / `POST …/messages/{seq}/ack`: `user` acknowledges an
/// `ack_required` message they received. Acknowledging twice changes
/// nothing and answers the first acknowledgement.
pub async fn acknowledge(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<Acknowledged, ApiError> {
    if seq < 1 {
        return Err(ApiError::Invalid(Reason::NegativeSeq, "seq: must be at least 1".into()));
    }
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let message = message_to_acknowledge(conn, user, conversation, seq).await?;
            let inserted: Option<chrono::DateTime<Utc>> = diesel::insert_into(message_acks::table)
                .values((message_acks::message_id.eq(message.id), message_acks::user_id.eq(user)))
                .on_conflict_do_nothing()
                .returning(message_acks::at)
                .get_result(conn)
                .await
                .optional()?;
            match inserted {
                Some(at) => {
                    let ack_count: i32 = diesel::update(messages::table.find(message.id))
                        .set(messages::ack_count.eq(messages::ack_count + 1))
                        .returning(messages::ack_count)
                        .get_result(conn)
                        .await?;
                    Ok(Acknowledged {
                        at,
                        ack_count: i64::from(ack_count),
                        new: true,
                    })
                }
                None => {
                    let at = message_acks::table
                        .find((message.id, user))
                        .select(message_acks::at)
                        .first(conn)
                        .await?;
                    Ok(Acknowledged {
                        at,
                        ack_count: i64::from(message.ack_count),
                        new: false,
                    })
                }
            }
        }
        .scope_boxed()
    })
    .await
}

/// `GET …/messages/{seq}/acks`: who acknowledged an `ack_required` message
/// and which current members (other than its sender) have not yet.
pub async fn acknowledgements(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<MessageAcks, ApiError> {
    let message = member_message(conn, user, conversation, seq).await?;
    if !message.ack_required {
        return Err(ack_not_required());
    }
    let acks: Vec<MessageAck> = message_acks::table
        .filter(message_acks::message_id.eq(message.id))
        .order((message_acks::at.asc(), message_acks::user_id.asc()))
        .select((message_acks::user_id, message_acks::at))
        .load::<(UserId, chrono::DateTime<Utc>)>(conn)
        .await?
        .into_iter()
        .map(|(user_id, at)| MessageAck { user_id, at })
        .collect();
    let members: Vec<UserId> = conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation))
        .select(conversation_members::user_id)
        .order(conversation_members::user_id)
        .load(conn)
        .await?;
    let pending = members
        .into_iter()
        .filter(|m| *m != message.sender_id && !acks.iter().any(|a| a.user_id == *m))
        .collect();
    Ok(MessageAcks {
        acks,
        pending,
        due_at: message.ack_due_at,
    })
}

impl From<Message> for MessageDto {
    fn from(m: Message) -> Self {
        let recalled = m.recalled_at.is_some();
        Self {
            id: m.id,
            conversation_id: m.conversation_id,
            seq: m.seq,
            sender_id: m.sender_id,
            client_msg_id: m.client_msg_id,
            body: if recalled { String::new() } else { m.body },
            reply_to_seq: m.reply_to_seq,
            mentions: if recalled { vec![] } else { m.mentions },
            created_at: m.created_at,
            edited_at: m.edited_at,
            recalled,
            priority: m.priority,
            ack_required: m.ack_required,
            ack_count: i64::from(m.ack_count),
            attachments: Vec::new(),
            kind: if m.system.is_some() {
                MessageKind::System
            } else {
                MessageKind::User
            },
            // written by this server from a `SystemEvent`; an entry a newer
            // version wrote that this one cannot read still shows as system
            system: m.system.and_then(|v| serde_json::from_value(v).ok()),
            reactions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_parsed() {
        assert_eq!(
            mentioned_usernames("@dr_li 请看 @wang.jg, cc @dr_li"),
            vec!["dr_li", "wang.jg"]
        );
        assert!(mentioned_usernames("mail me at a@example.com").is_empty());
        assert_eq!(mentioned_usernames("请@zhangwei会诊"), vec!["zhangwei"]);
        assert!(mentioned_usernames("@ab @").is_empty());
    }

    #[test]
    fn bodies() {
        assert!(MessageBody::parse("  \n ".into()).is_err());
        assert!(MessageBody::parse("好".repeat(MAX_BODY_CHARS)).is_ok());
        assert!(MessageBody::parse("好".repeat(MAX_BODY_CHARS + 1)).is_err());
    }
}
