//! Editing a sent message (SPEC §8): the sender fixes a typo within the
//! edit window; every earlier text is kept in `message_versions` and the
//! change is audited, because in a clinical record what was said first
//! matters as much as the correction.

use chrono::{DateTime, Utc};
use consilium_shared::{
    ConversationId, ErrorReason as Reason, UserId,
    chat::{MessageDto, MessageVersion},
    teams::TeamRole,
};
use diesel::prelude::*;
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use super::{Message, MessageBody, lock_message_at, member_message, message_at, require_member};
use crate::audit::{self, AuditEntry};
use crate::db::prepared::CachePrepared;
use crate::db::schema::message_versions;
use crate::error::ApiError;

/// What an edit changed, for the `message_edited` event.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The message as it is now.
    pub message: MessageDto,
    /// When it was edited.
    pub edited_at: DateTime<Utc>,
}

/// `PUT …/messages/{seq}` and the websocket `edit`: the sender replaces the
/// text of their own message within `window`. The previous text becomes a
/// version (the first edit also records the text as sent); mentions are
/// resolved again so a corrected `@name` reaches the right person.
pub async fn edit(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    conversation: ConversationId,
    seq: i64,
    body: MessageBody,
    window: std::time::Duration,
    ip: Option<&str>,
) -> Result<Edited, ApiError> {
    require_member(conn, conversation, caller).await?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let msg = lock_message_at(conn, conversation, seq).await?;
            if msg.system.is_some() {
                return Err(ApiError::Conflict(
                    Reason::SystemMessage,
                    "a timeline entry cannot be edited".into(),
                ));
            }
            if msg.sender_id != caller {
                return Err(ApiError::Forbidden(
                    Reason::SenderOnly,
                    "only the sender may edit a message".into(),
                ));
            }
            if msg.recalled_at.is_some() {
                return Err(ApiError::Conflict(
                    Reason::AlreadyRecalled,
                    "a recalled message cannot be edited".into(),
                ));
            }
            // Postgres keeps microseconds: the event must carry what is stored
            let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
            let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
            if now - msg.created_at > window {
                return Err(ApiError::Conflict(
                    Reason::EditWindowPassed,
                    "the time to edit this message has passed".into(),
                ));
            }
            let MessageBody(body, names) = body;
            let versions: i64 = message_versions::table
                .filter(message_versions::message_id.eq(msg.id))
                .count()
                .get_result(conn)
                .await?;
            if versions == 0 {
                // the text as sent is version 1
                diesel::insert_into(message_versions::table)
                    .values((
                        message_versions::message_id.eq(msg.id),
                        message_versions::version.eq(1),
                        message_versions::body.eq(&msg.body),
                        message_versions::written_at.eq(msg.created_at),
                        message_versions::editor_id.eq(msg.sender_id),
                    ))
                    .execute(conn)
                    .await?;
            }
            let next = i32::try_from(versions.max(1) + 1).unwrap_or(i32::MAX);
            diesel::insert_into(message_versions::table)
                .values((
                    message_versions::message_id.eq(msg.id),
                    message_versions::version.eq(next),
                    message_versions::body.eq(&body),
                    message_versions::written_at.eq(now),
                    message_versions::editor_id.eq(caller),
                ))
                .execute(conn)
                .await?;
            let updated: Message = diesel::sql_query(
                "update messages set body = $2, edited_at = $3, \
                   mentions = resolve_mentions(messages.conversation_id, $4) \
                 where id = $1 returning *",
            )
            .bind::<SqlUuid, _>(msg.id)
            .bind::<Text, _>(&body)
            .bind::<diesel::sql_types::Timestamptz, _>(now)
            .bind::<Array<Text>, _>(&names)
            .cache_prepared()
            .get_result(conn)
            .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(caller), "message_edited", "message", msg.id)
                    .detail(json!({
                        "conversation_id": conversation,
                        "seq": seq,
                        "previous_body": msg.body,
                        "version": next,
                    }))
                    .ip(ip),
            )
            .await?;
            let mut message: MessageDto = updated.into();
            super::decorate(conn, std::slice::from_mut(&mut message)).await?;
            Ok(Edited {
                message,
                edited_at: now,
            })
        }
        .scope_boxed()
    })
    .await
}

/// `GET …/messages/{seq}/versions`: every text the message has had, oldest
/// first, the last being the current one. The sender, the lead of the
/// conversation's team and admins may look; other members get 403.
pub async fn versions(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    caller_is_admin: bool,
    conversation: ConversationId,
    seq: i64,
) -> Result<Vec<MessageVersion>, ApiError> {
    let msg = if caller_is_admin {
        message_at(conn, conversation, seq).await?
    } else {
        member_message(conn, caller, conversation, seq).await?
    };
    if !(caller_is_admin || msg.sender_id == caller || leads_team_of(conn, caller, conversation).await?) {
        return Err(ApiError::Forbidden(
            Reason::VersionsForbidden,
            "only the sender, the team's lead and admins see earlier versions".into(),
        ));
    }
    if msg.recalled_at.is_some() && !caller_is_admin {
        // a recall hides the text from readers; the audit trail keeps it
        return Ok(Vec::new());
    }
    let rows: Vec<(String, DateTime<Utc>, UserId)> = message_versions::table
        .filter(message_versions::message_id.eq(msg.id))
        .order(message_versions::version.asc())
        .select((
            message_versions::body,
            message_versions::written_at,
            message_versions::editor_id,
        ))
        .load(conn)
        .await?;
    if rows.is_empty() {
        // never edited: its one version is the text as sent
        return Ok(vec![MessageVersion {
            body: msg.body,
            edited_at: msg.created_at,
            editor_id: msg.sender_id,
        }]);
    }
    Ok(rows
        .into_iter()
        .map(|(body, edited_at, editor_id)| MessageVersion {
            body,
            edited_at,
            editor_id,
        })
        .collect())
}

/// Whether `user` leads the team the conversation belongs to (a consult
/// thread belongs to its case's team).
async fn leads_team_of(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
) -> Result<bool, ApiError> {
    #[derive(QueryableByName)]
    struct Leads {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        leads: bool,
    }
    let found: Leads = diesel::sql_query(
        "select exists (select 1 from conversations c \
           left join consults k on k.conversation_id = c.id \
           left join cases cs on cs.id = k.case_id \
           join team_members tm on tm.team_id = coalesce(cs.team_id, c.team_id) \
         where c.id = $1 and tm.user_id = $2 and tm.role = $3) as leads",
    )
    .bind::<SqlUuid, _>(conversation)
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(TeamRole::Lead)
    .cache_prepared()
    .get_result(conn)
    .await?;
    Ok(found.leads)
}
