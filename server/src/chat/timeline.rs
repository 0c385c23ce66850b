//! System messages (SPEC §8): every step of a case, consult or referral is
//! posted into its thread as a timeline entry, in the same transaction as
//! the step, so the thread reads as the record of what happened, in seq
//! order with the talk. The entry is numbered like any message (the same
//! row lock on the conversation), so a client that syncs gets it too.

use consilium_shared::{
    ConversationId, MessageId, UserId,
    chat::{MessageDto, SystemEvent},
};
use diesel::sql_types::{Jsonb, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Message;
use super::queries::OF_NO_ARCHIVED_TEAM;
use crate::error::ApiError;

/// Posts `event`, taken by `actor`, into `conversation`. `text` is the
/// step's free text (reason, opinion, outcome), kept as the body so search
/// finds it. Returns `None` when the conversation takes no messages (its
/// team is archived): the step itself still stands.
pub async fn post_system(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    actor: UserId,
    event: &SystemEvent,
    text: &str,
) -> Result<Option<MessageDto>, ApiError> {
    let id = MessageId::new();
    let system = serde_json::to_value(event).map_err(anyhow::Error::from)?;
    let sql = format!(
        "with bumped as (\
           update conversations set last_seq = conversations.last_seq + 1, last_message_at = now() \
           where conversations.id = $1 and {OF_NO_ARCHIVED_TEAM} \
           returning conversations.id, conversations.last_seq) \
         insert into messages (id, conversation_id, seq, sender_id, client_msg_id, body, mentions, system) \
         select $2, bumped.id, bumped.last_seq, $3, $4, $5, '{{}}', $6 from bumped \
         returning *"
    );
    let text: String = text.chars().take(consilium_shared::chat::MAX_BODY_CHARS).collect();
    let stored: Option<Message> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(conversation)
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(actor)
        .bind::<Text, _>(format!("system:{id}"))
        .bind::<Text, _>(text)
        .bind::<Jsonb, _>(system)
        .get_result(conn)
        .await
        .map(Some)
        .or_else(|e| match e {
            diesel::result::Error::NotFound => Ok(None),
            e => Err(e),
        })?;
    Ok(stored.map(Into::into))
}

/// A user's display name as a timeline entry records it.
pub async fn display_name_of(conn: &mut AsyncPgConnection, user: UserId) -> Result<String, ApiError> {
    use crate::db::schema::users;
    use diesel::QueryDsl;
    Ok(users::table.find(user).select(users::display_name).first(conn).await?)
}
