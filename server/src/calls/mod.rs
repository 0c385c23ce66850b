//! Video consults (SPEC §9): calls per conversation.
//!
//! Consilium keeps the record (who called, who joined from which socket,
//! when it ended) and relays the signalling; the media goes browser to
//! browser, through TURN when NATs are in the way. Every state change runs
//! in a transaction that locks the call's row, so two nodes never disagree
//! on who is in a call or end it twice. A participant is a socket (its
//! `connection_id`): when that socket closes, or its node dies and its
//! presence entry lapses, the participant leaves, and the call ends with
//! its last participant.

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use consilium_shared::{
    CallId, ConnectionId, ConversationId, ErrorReason as Reason, UserId,
    calls::{CallDto, CallParticipantDto, IceServer, IceServers},
    chat::{ConversationKind, MessageDto, SystemEvent},
    teams::TeamRole,
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::auth::AuthUser;
use crate::chat::{require_member, timeline};
use crate::config::CallConfig;
use crate::db::schema::{call_participants, calls, conversations, team_members, users};
use crate::error::ApiError;

pub mod sweeper;

/// A call nobody has joined ends after this long (its starter's client
/// never joined, or crashed first): nothing else would end it.
const UNJOINED_CALL_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calls)]
struct CallRow {
    id: CallId,
    conversation_id: ConversationId,
    started_by: UserId,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    declined_by: Vec<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = call_participants)]
struct ParticipantRow {
    user_id: UserId,
    connection_id: ConnectionId,
    joined_at: DateTime<Utc>,
    left_at: Option<DateTime<Utc>>,
}

/// What a change did, for [`crate::events::call_changed`] to announce.
#[derive(Debug, Clone)]
pub struct CallChange {
    /// The call afterwards.
    pub call: CallDto,
    /// What happened to it.
    pub what: CallStep,
    /// Timeline entries posted in the thread (start, end).
    pub timeline: Vec<MessageDto>,
}

/// The kind of change, which decides the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStep {
    /// It started: members are rung.
    Started,
    /// Someone joined, left or declined.
    Updated,
    /// It ended.
    Ended,
}

async fn participants_of(conn: &mut AsyncPgConnection, call: CallId) -> Result<Vec<ParticipantRow>, ApiError> {
    Ok(call_participants::table
        .filter(call_participants::call_id.eq(call))
        .order((call_participants::joined_at, call_participants::connection_id))
        .select(ParticipantRow::as_select())
        .load(conn)
        .await?)
}

async fn dto(conn: &mut AsyncPgConnection, row: CallRow, max: u32) -> Result<CallDto, ApiError> {
    let participants = participants_of(conn, row.id)
        .await?
        .into_iter()
        .map(|p| CallParticipantDto {
            user_id: p.user_id,
            connection_id: p.connection_id,
            joined_at: p.joined_at,
            left_at: p.left_at,
        })
        .collect();
    Ok(CallDto {
        id: row.id,
        conversation_id: row.conversation_id,
        started_by: row.started_by,
        started_at: row.started_at,
        ended_at: row.ended_at,
        participants,
        declined_by: row.declined_by,
        max_participants: max,
    })
}

fn not_found() -> ApiError {
    ApiError::not_found(Reason::CallNotFound, "call")
}

/// The call's row; locked for the rest of the transaction with `lock`.
async fn load(conn: &mut AsyncPgConnection, id: CallId, lock: bool) -> Result<Option<CallRow>, ApiError> {
    let query = calls::table.find(id).select(CallRow::as_select());
    let row = if lock {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    };
    Ok(row.optional()?)
}

/// The call's row (locked with `lock`); 404 unless the caller is a member
/// of its conversation.
async fn load_visible(conn: &mut AsyncPgConnection, user: UserId, id: CallId, lock: bool) -> Result<CallRow, ApiError> {
    let row = load(conn, id, lock).await?.ok_or_else(not_found)?;
    require_member(conn, row.conversation_id, user)
        .await
        .map_err(|_| not_found())?;
    Ok(row)
}

/// `GET /calls/{id}`: members of its conversation only.
pub async fn get(conn: &mut AsyncPgConnection, user: UserId, id: CallId, max: u32) -> Result<CallDto, ApiError> {
    let row = load_visible(conn, user, id, false).await?;
    dto(conn, row, max).await
}

/// What a step did to the call (its row as it now stands): `ended` is
/// [`end_if_empty`]'s answer, `None` when the call did not end.
async fn settle(
    conn: &mut AsyncPgConnection,
    row: CallRow,
    ended: Option<Option<MessageDto>>,
    max: u32,
) -> Result<CallChange, ApiError> {
    Ok(CallChange {
        what: if ended.is_some() {
            CallStep::Ended
        } else {
            CallStep::Updated
        },
        timeline: ended.flatten().into_iter().collect(),
        call: dto(conn, row, max).await?,
    })
}

/// The live call of a conversation, if any.
async fn live_in(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    max: u32,
) -> Result<Option<CallDto>, ApiError> {
    let row: Option<CallRow> = calls::table
        .filter(calls::conversation_id.eq(conversation))
        .filter(calls::ended_at.is_null())
        .select(CallRow::as_select())
        .first(conn)
        .await
        .optional()?;
    match row {
        Some(row) => Ok(Some(dto(conn, row, max).await?)),
        None => Ok(None),
    }
}

/// Live calls in these conversations (for `ready`, which knows the
/// user's conversations already): one indexed query when none is live.
pub async fn live_calls_in(
    conn: &mut AsyncPgConnection,
    conversations: &[ConversationId],
    max: u32,
) -> Result<Vec<CallDto>, ApiError> {
    let rows: Vec<CallRow> = calls::table
        .filter(calls::ended_at.is_null())
        .filter(calls::conversation_id.eq_any(conversations))
        .select(CallRow::as_select())
        .load(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(dto(conn, row, max).await?);
    }
    Ok(out)
}

/// Adds `connection` of `user` to the call (the row is locked); the user's
/// other sockets leave it (joining from the phone moves the call there).
async fn add_participant(
    conn: &mut AsyncPgConnection,
    call: &CallRow,
    user: UserId,
    connection: ConnectionId,
    max: u32,
) -> Result<(), ApiError> {
    let now = Utc::now();
    diesel::update(
        call_participants::table
            .filter(call_participants::call_id.eq(call.id))
            .filter(call_participants::user_id.eq(user))
            .filter(call_participants::connection_id.ne(connection))
            .filter(call_participants::left_at.is_null()),
    )
    .set(call_participants::left_at.eq(now))
    .execute(conn)
    .await?;
    let others: i64 = call_participants::table
        .filter(call_participants::call_id.eq(call.id))
        .filter(call_participants::user_id.ne(user))
        .filter(call_participants::left_at.is_null())
        .count()
        .get_result(conn)
        .await?;
    if others >= i64::from(max) {
        return Err(ApiError::Conflict(
            Reason::CallFull,
            format!("the call already has {max} participants"),
        ));
    }
    let owner: Option<UserId> = call_participants::table
        .find((call.id, connection))
        .select(call_participants::user_id)
        .first(conn)
        .await
        .optional()?;
    match owner {
        Some(owner) if owner != user => return Err(unknown_connection()),
        Some(_) => {
            // the same socket again (a retry, or back after leaving): one stay, restarted
            diesel::update(call_participants::table.find((call.id, connection)))
                .set((
                    call_participants::left_at.eq(None::<DateTime<Utc>>),
                    call_participants::joined_at.eq(now),
                ))
                .filter(call_participants::left_at.is_not_null())
                .execute(conn)
                .await?;
        }
        None => {
            diesel::insert_into(call_participants::table)
                .values((
                    call_participants::call_id.eq(call.id),
                    call_participants::user_id.eq(user),
                    call_participants::connection_id.eq(connection),
                    call_participants::joined_at.eq(now),
                ))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// 400: `connection_id` names no live socket of the caller.
pub fn unknown_connection() -> ApiError {
    ApiError::Invalid(
        Reason::UnknownConnection,
        "connection_id: not a live socket of yours (use the one from your socket's ready)".into(),
    )
}

/// `POST /conversations/{id}/calls`: a member starts a call (and joins it
/// with `connection`, when given). A second live call is refused with the
/// live one, which the client then joins instead.
pub async fn start(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
    connection: Option<ConnectionId>,
    max: u32,
) -> Result<CallChange, ApiError> {
    require_member(conn, conversation, user).await?;
    let started = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let id = CallId::new();
                let inserted = diesel::insert_into(calls::table)
                    .values((
                        calls::id.eq(id),
                        calls::conversation_id.eq(conversation),
                        calls::started_by.eq(user),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?;
                if inserted == 0 {
                    return Ok(None);
                }
                let row: CallRow = calls::table.find(id).select(CallRow::as_select()).first(conn).await?;
                if let Some(connection) = connection {
                    add_participant(conn, &row, user, connection, max).await?;
                }
                let event = SystemEvent::CallStarted {
                    call_id: id,
                    started_by_name: timeline::display_name_of(conn, user).await?,
                };
                let entry = timeline::post_system(conn, conversation, user, &event, "").await?;
                audit::record(
                    conn,
                    AuditEntry::new(Some(user), "call.start", "call", id)
                        .detail(json!({"conversation_id": conversation})),
                )
                .await?;
                Ok(Some(CallChange {
                    call: dto(conn, row, max).await?,
                    what: CallStep::Started,
                    timeline: entry.into_iter().collect(),
                }))
            }
            .scope_boxed()
        })
        .await?;
    match started {
        Some(change) => Ok(change),
        None => {
            let live = live_in(conn, conversation, max).await?;
            Err(match live {
                Some(call) => ApiError::CallInProgress(Box::new(call)),
                // it ended between the insert and the look-up: the caller may simply try again
                None => ApiError::Conflict(Reason::CallInProgress, "a call was just in progress; try again".into()),
            })
        }
    }
}

/// `POST /calls/{id}/join`.
pub async fn join(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: CallId,
    connection: ConnectionId,
    max: u32,
) -> Result<CallChange, ApiError> {
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let row = load_visible(conn, user, id, true).await?;
            if row.ended_at.is_some() {
                return Err(ended());
            }
            add_participant(conn, &row, user, connection, max).await?;
            settle(conn, row, None, max).await
        }
        .scope_boxed()
    })
    .await
}

fn ended() -> ApiError {
    ApiError::Conflict(Reason::CallEnded, "the call has ended".into())
}

/// Ends the call (its row locked) if nobody is left in it; returns the
/// timeline entry.
async fn end_if_empty(
    conn: &mut AsyncPgConnection,
    row: &mut CallRow,
    actor: UserId,
    force: bool,
) -> Result<Option<Option<MessageDto>>, ApiError> {
    let now = Utc::now();
    if force {
        diesel::update(
            call_participants::table
                .filter(call_participants::call_id.eq(row.id))
                .filter(call_participants::left_at.is_null()),
        )
        .set(call_participants::left_at.eq(now))
        .execute(conn)
        .await?;
    } else {
        let live: i64 = call_participants::table
            .filter(call_participants::call_id.eq(row.id))
            .filter(call_participants::left_at.is_null())
            .count()
            .get_result(conn)
            .await?;
        if live > 0 {
            return Ok(None);
        }
    }
    diesel::update(calls::table.find(row.id))
        .set(calls::ended_at.eq(now))
        .execute(conn)
        .await?;
    row.ended_at = Some(now);
    // everyone who joined, in order of first joining
    let names: Vec<(UserId, String)> = call_participants::table
        .inner_join(users::table.on(users::id.eq(call_participants::user_id)))
        .filter(call_participants::call_id.eq(row.id))
        .order(call_participants::joined_at)
        .select((users::id, users::display_name))
        .load(conn)
        .await?;
    let mut participant_names: Vec<String> = Vec::new();
    let mut seen: Vec<UserId> = Vec::new();
    for (user, name) in names {
        if !seen.contains(&user) {
            seen.push(user);
            participant_names.push(name);
        }
    }
    let duration_secs = (now - row.started_at).num_seconds().max(0);
    let event = SystemEvent::CallEnded {
        call_id: row.id,
        duration_secs,
        participant_names,
    };
    let entry = timeline::post_system(conn, row.conversation_id, actor, &event, "").await?;
    audit::record(
        conn,
        AuditEntry::new(Some(actor), "call.end", "call", row.id).detail(json!({
            "conversation_id": row.conversation_id,
            "duration_secs": duration_secs,
            "participants": seen,
        })),
    )
    .await?;
    Ok(Some(entry))
}

/// `POST /calls/{id}/leave`: every socket of the caller leaves; the call
/// ends with its last participant. Leaving an ended call answers it as is.
pub async fn leave(conn: &mut AsyncPgConnection, user: UserId, id: CallId, max: u32) -> Result<CallChange, ApiError> {
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let mut row = load_visible(conn, user, id, true).await?;
            if row.ended_at.is_some() {
                return settle(conn, row, None, max).await;
            }
            let left = diesel::update(
                call_participants::table
                    .filter(call_participants::call_id.eq(id))
                    .filter(call_participants::user_id.eq(user))
                    .filter(call_participants::left_at.is_null()),
            )
            .set(call_participants::left_at.eq(Utc::now()))
            .execute(conn)
            .await?;
            let ended = if left > 0 {
                end_if_empty(conn, &mut row, user, false).await?
            } else {
                None
            };
            settle(conn, row, ended, max).await
        }
        .scope_boxed()
    })
    .await
}

/// `POST /calls/{id}/decline`: a member turns the ring down (all their
/// devices stop ringing). In a direct conversation that ends the call, as
/// on a phone; in a group the others talk on.
pub async fn decline(conn: &mut AsyncPgConnection, user: UserId, id: CallId, max: u32) -> Result<CallChange, ApiError> {
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let mut row = load_visible(conn, user, id, true).await?;
            if row.ended_at.is_some() {
                return Err(ended());
            }
            if !row.declined_by.contains(&user) {
                row.declined_by.push(user);
                diesel::update(calls::table.find(id))
                    .set(calls::declined_by.eq(&row.declined_by))
                    .execute(conn)
                    .await?;
            }
            let kind: ConversationKind = conversations::table
                .find(row.conversation_id)
                .select(conversations::kind)
                .first(conn)
                .await?;
            let ended = if kind == ConversationKind::Direct && row.started_by != user {
                end_if_empty(conn, &mut row, user, true).await?
            } else {
                None
            };
            settle(conn, row, ended, max).await
        }
        .scope_boxed()
    })
    .await
}

/// `POST /calls/{id}/end`: the starter, the team's lead or an admin hangs
/// up for everyone. Ending an ended call answers it as is.
pub async fn end(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    id: CallId,
    max: u32,
) -> Result<CallChange, ApiError> {
    let user = caller.id();
    let admin = caller.is_admin();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let mut row = load_visible(conn, user, id, true).await?;
            if row.ended_at.is_some() {
                return settle(conn, row, None, max).await;
            }
            if !(admin || row.started_by == user || is_lead_of_thread(conn, row.conversation_id, user).await?) {
                return Err(ApiError::Forbidden(
                    Reason::CallEndForbidden,
                    "only the call's starter, the team's lead or an admin may end it for everyone".into(),
                ));
            }
            let ended = end_if_empty(conn, &mut row, user, true).await?;
            settle(conn, row, ended, max).await
        }
        .scope_boxed()
    })
    .await
}

async fn is_lead_of_thread(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<bool, ApiError> {
    let team: Option<consilium_shared::TeamId> = conversations::table
        .find(conversation)
        .select(conversations::team_id)
        .first(conn)
        .await?;
    let Some(team) = team else { return Ok(false) };
    let role: Option<TeamRole> = team_members::table
        .find((team, user))
        .select(team_members::role)
        .first(conn)
        .await
        .optional()?;
    Ok(role == Some(TeamRole::Lead))
}

/// These sockets are gone (closed, or their node died): they leave their
/// calls, and calls left empty end. Each row is updated by exactly one node.
pub async fn connections_gone(
    conn: &mut AsyncPgConnection,
    connections: &[ConnectionId],
    max: u32,
) -> Result<Vec<CallChange>, ApiError> {
    if connections.is_empty() {
        return Ok(Vec::new());
    }
    let affected: Vec<(CallId, UserId)> = call_participants::table
        .filter(call_participants::connection_id.eq_any(connections))
        .filter(call_participants::left_at.is_null())
        .select((call_participants::call_id, call_participants::user_id))
        .load(conn)
        .await?;
    let mut changes = Vec::new();
    for (call, user) in affected {
        let change = conn
            .transaction::<_, ApiError, _>(|conn| {
                async move {
                    let Some(mut row) = load(conn, call, true).await? else {
                        return Ok(None);
                    };
                    let left = diesel::update(
                        call_participants::table
                            .filter(call_participants::call_id.eq(call))
                            .filter(call_participants::connection_id.eq_any(connections))
                            .filter(call_participants::left_at.is_null()),
                    )
                    .set(call_participants::left_at.eq(Utc::now()))
                    .execute(conn)
                    .await?;
                    if left == 0 || row.ended_at.is_some() {
                        // another node (or an earlier pass) got there first
                        return Ok(None);
                    }
                    let ended = end_if_empty(conn, &mut row, user, false).await?;
                    settle(conn, row, ended, max).await.map(Some)
                }
                .scope_boxed()
            })
            .await?;
        changes.extend(change);
    }
    Ok(changes)
}

/// Sockets in live calls, for the liveness sweep.
pub async fn live_participants(conn: &mut AsyncPgConnection) -> Result<Vec<(UserId, ConnectionId)>, ApiError> {
    Ok(call_participants::table
        .filter(call_participants::left_at.is_null())
        .select((call_participants::user_id, call_participants::connection_id))
        .load(conn)
        .await?)
}

/// Ends calls nobody joined within [`UNJOINED_CALL_TIMEOUT`].
pub async fn end_unjoined(conn: &mut AsyncPgConnection, max: u32) -> Result<Vec<CallChange>, ApiError> {
    let cutoff = Utc::now() - chrono::Duration::from_std(UNJOINED_CALL_TIMEOUT).unwrap_or_default();
    let stale: Vec<CallId> = calls::table
        .filter(calls::ended_at.is_null())
        .filter(calls::started_at.lt(cutoff))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            call_participants::table
                .filter(call_participants::call_id.eq(calls::id))
                .filter(call_participants::left_at.is_null()),
        )))
        .select(calls::id)
        .load(conn)
        .await?;
    let mut changes = Vec::new();
    for call in stale {
        let change = conn
            .transaction::<_, ApiError, _>(|conn| {
                async move {
                    let Some(mut row) = load(conn, call, true).await? else {
                        return Ok(None);
                    };
                    if row.ended_at.is_some() {
                        return Ok(None);
                    }
                    let starter = row.started_by;
                    match end_if_empty(conn, &mut row, starter, false).await? {
                        Some(entry) => settle(conn, row, Some(entry), max).await.map(Some),
                        None => Ok(None),
                    }
                }
                .scope_boxed()
            })
            .await?;
        changes.extend(change);
    }
    Ok(changes)
}

/// Where a `signal` frame from `connection` of `user` may go: the user
/// owning `to`, when both sockets are joined participants of the live call.
pub async fn signal_target(
    conn: &mut AsyncPgConnection,
    user: UserId,
    connection: ConnectionId,
    call: CallId,
    to: ConnectionId,
) -> Result<UserId, ApiError> {
    let ended_at: Option<Option<DateTime<Utc>>> = calls::table
        .find(call)
        .select(calls::ended_at)
        .first(conn)
        .await
        .optional()?;
    let Some(ended_at) = ended_at else {
        return Err(not_found());
    };
    if ended_at.is_some() {
        return Err(ended());
    }
    let live: Vec<(UserId, ConnectionId)> = call_participants::table
        .filter(call_participants::call_id.eq(call))
        .filter(call_participants::left_at.is_null())
        .filter(call_participants::connection_id.eq_any([connection, to]))
        .select((call_participants::user_id, call_participants::connection_id))
        .load(conn)
        .await?;
    let from_joined = live.iter().any(|(u, c)| *u == user && *c == connection);
    let target = live.iter().find(|(_, c)| *c == to && to != connection).map(|(u, _)| *u);
    match (from_joined, target) {
        (true, Some(target)) => Ok(target),
        (false, _) => Err(ApiError::Conflict(
            Reason::NotInCall,
            "this socket has not joined the call".into(),
        )),
        (true, None) => Err(ApiError::Conflict(
            Reason::NotInCall,
            "to_connection_id: not a participant of the call".into(),
        )),
    }
}

/// What a call notification calls the thread: its title, or for a direct
/// conversation the caller's name (what the callee sees as "who is calling").
pub async fn thread_title(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    caller: UserId,
) -> Result<String, ApiError> {
    let (kind, title): (ConversationKind, String) = conversations::table
        .find(conversation)
        .select((conversations::kind, conversations::title))
        .first(conn)
        .await?;
    if kind == ConversationKind::Direct {
        return timeline::display_name_of(conn, caller).await;
    }
    Ok(title)
}

/// `GET /calls/ice-servers`: STUN as configured, and TURN with credentials
/// in the TURN REST API scheme (draft-uberti-behave-turn-rest, what coturn's
/// `use-auth-secret` checks): the username is `<expiry>:<user id>` and the
/// password base64(HMAC-SHA1(secret, username)), so a leaked credential
/// stops working at its expiry and no TURN password is ever stored.
pub fn ice_servers(config: &CallConfig, user: UserId, now: DateTime<Utc>) -> Result<IceServers, ApiError> {
    let mut servers = Vec::new();
    if !config.stun_urls.is_empty() {
        servers.push(IceServer {
            urls: config.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if let (false, Some(secret)) = (config.turn_urls.is_empty(), &config.turn_secret) {
        let expiry = now.timestamp() + i64::try_from(config.turn_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let username = format!("{expiry}:{user}");
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.expose_secret().as_bytes())
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("TURN secret: {e}")))?;
        mac.update(username.as_bytes());
        let credential = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        servers.push(IceServer {
            urls: config.turn_urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
    }
    Ok(IceServers {
        ice_servers: servers,
        ttl_secs: config.turn_ttl.as_secs(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn turn_credentials_follow_the_rest_api_scheme() -> Result<(), ApiError> {
        let config = CallConfig {
            max_participants: 6,
            stun_urls: vec!["stun:stun.example.org:3478".into()],
            turn_urls: vec!["turn:turn.example.org:3478?transport=udp".into()],
            turn_secret: Some(SecretString::from("north")),
            turn_ttl: Duration::from_secs(3600),
        };
        let user = UserId(uuid::Uuid::nil());
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let servers = ice_servers(&config, user, now)?;
        assert_eq!(servers.ttl_secs, 3600);
        assert_eq!(servers.ice_servers.len(), 2);
        assert_eq!(
            servers.ice_servers[0].urls,
            vec!["stun:stun.example.org:3478".to_owned()]
        );
        assert_eq!(servers.ice_servers[0].credential, None);
        let turn = &servers.ice_servers[1];
        let username = format!("1700003600:{}", uuid::Uuid::nil());
        assert_eq!(turn.username.as_deref(), Some(username.as_str()));
        // computed independently: printf %s "$username" | openssl dgst -sha1 -hmac north -binary | base64
        let expected = "1K3ZLI10Z+wIAQMXk2t2uZPMmVU=";
        assert_eq!(turn.credential.as_deref(), Some(expected));
        Ok(())
    }

    #[test]
    fn no_turn_without_urls() -> Result<(), ApiError> {
        let config = CallConfig {
            max_participants: 6,
            stun_urls: vec![],
            turn_urls: vec![],
            turn_secret: Some(SecretString::from("north")),
            turn_ttl: Duration::from_secs(60),
        };
        assert!(ice_servers(&config, UserId::new(), Utc::now())?.ice_servers.is_empty());
        Ok(())
    }
}
