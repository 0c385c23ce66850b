//! Reactions (SPEC §8): a quick "收到 👍" without a message. The emoji come
//! from a fixed palette so a reaction stays a professional signal, and a
//! message takes at most [`MAX_REACTIONS_PER_MESSAGE`] different ones.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use consilium_shared::{
    ConversationId, ErrorReason as Reason, MessageId, UserId,
    chat::{MAX_REACTIONS_PER_MESSAGE, MessageDto, REACTION_PALETTE, ReactionDto},
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::{Message, member_message};
use crate::db::schema::{message_reactions, messages};
use crate::error::ApiError;

/// What a reaction change did, for the `reaction` event.
#[derive(Debug, Clone)]
pub struct ReactionChange {
    /// The message's reactions now.
    pub reactions: Vec<ReactionDto>,
    /// False when nothing changed (added twice, or removed what was not there).
    pub changed: bool,
}

/// An emoji from the palette, or 400.
pub fn parse_emoji(raw: &str) -> Result<&'static str, ApiError> {
    REACTION_PALETTE
        .iter()
        .copied()
        .find(|e| *e == raw)
        .ok_or_else(|| ApiError::Invalid(Reason::EmojiNotAllowed, "emoji: not in the reaction palette".into()))
}

/// `PUT` (`add`) or `DELETE` a reaction of `user` on message `seq`.
/// Idempotent both ways; the message row is locked while the distinct emoji
/// are counted, so two members adding the 21st emoji at once cannot both win.
pub async fn set(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    seq: i64,
    emoji: &'static str,
    add: bool,
) -> Result<ReactionChange, ApiError> {
    let message = member_message(conn, user, conversation, seq).await?;
    if message.system.is_some() {
        return Err(ApiError::Conflict(
            Reason::SystemMessage,
            "a timeline entry takes no reactions".into(),
        ));
    }
    if message.recalled_at.is_some() {
        return Err(ApiError::Conflict(
            Reason::AlreadyRecalled,
            "the message is recalled".into(),
        ));
    }
    let id = message.id;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let changed = if add {
                let _: Message = messages::table
                    .find(id)
                    .select(Message::as_select())
                    .for_no_key_update()
                    .first(conn)
                    .await?;
                let present: Vec<String> = message_reactions::table
                    .filter(message_reactions::message_id.eq(id))
                    .select(message_reactions::emoji)
                    .distinct()
                    .load(conn)
                    .await?;
                if !present.iter().any(|e| e == emoji) && present.len() >= MAX_REACTIONS_PER_MESSAGE {
                    return Err(ApiError::Conflict(
                        Reason::TooManyReactions,
                        format!("a message takes at most {MAX_REACTIONS_PER_MESSAGE} different emoji"),
                    ));
                }
                diesel::insert_into(message_reactions::table)
                    .values((
                        message_reactions::message_id.eq(id),
                        message_reactions::emoji.eq(emoji),
                        message_reactions::user_id.eq(user),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?
                    == 1
            } else {
                diesel::delete(message_reactions::table.find((id, emoji, user)))
                    .execute(conn)
                    .await?
                    == 1
            };
            let reactions = load(conn, &[id]).await?.remove(&id).unwrap_or_default();
            Ok(ReactionChange { reactions, changed })
        }
        .scope_boxed()
    })
    .await
}

/// Reactions of these messages, each emoji in the order first used and its
/// users in the order they reacted.
async fn load(
    conn: &mut AsyncPgConnection,
    ids: &[MessageId],
) -> Result<HashMap<MessageId, Vec<ReactionDto>>, ApiError> {
    let rows: Vec<(MessageId, String, UserId, DateTime<Utc>)> = message_reactions::table
        .filter(message_reactions::message_id.eq_any(ids))
        .order((message_reactions::at.asc(), message_reactions::user_id.asc()))
        .select((
            message_reactions::message_id,
            message_reactions::emoji,
            message_reactions::user_id,
            message_reactions::at,
        ))
        .load(conn)
        .await?;
    let mut by_message: HashMap<MessageId, Vec<ReactionDto>> = HashMap::new();
    for (message, emoji, user, _) in rows {
        let list = by_message.entry(message).or_default();
        match list.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => r.user_ids.push(user),
            None => list.push(ReactionDto {
                emoji,
                user_ids: vec![user],
            }),
        }
    }
    Ok(by_message)
}

/// Fills in `reactions` of the (not recalled) messages.
pub async fn load_for_messages(conn: &mut AsyncPgConnection, messages: &mut [MessageDto]) -> Result<(), ApiError> {
    let ids: Vec<MessageId> = messages.iter().filter(|m| !m.recalled).map(|m| m.id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut found = load(conn, &ids).await?;
    for m in messages.iter_mut() {
        if let Some(r) = found.remove(&m.id) {
            m.reactions = r;
        }
    }
    Ok(())
}
