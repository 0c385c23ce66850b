//! The one place that turns what a transaction committed into what others
//! hear. Domain modules change the database and return what they changed;
//! handlers (HTTP and websocket) hand it here once the transaction has
//! committed, and this module works out the audience and publishes the
//! events through [`crate::realtime`]. Notifications, system messages and
//! timers that follow from a change (the next issues) are added here, so a
//! new workflow cannot forget them and no handler publishes by hand.
//!
//! Publishing happens after commit, never inside a transaction: an event
//! must not announce what a rollback then undoes. Events are best effort
//! (a client that misses one recovers with `sync` and its REST reads); the
//! database is the record.

use consilium_shared::{
    CaseId, ConversationId, SessionId, TeamId, UserId,
    cases::{CaseDto, ConsultDto, ConsultStatus, ReferralDto, ReferralStatus},
    chat::{ConversationKind, MessageDto, MessagePriority},
    notifications::{NotificationKind, NotificationLink},
    teams::TeamRole,
    webhooks::WebhookEvent,
    ws::ServerEvent,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::cases::{self, CaseChange};
use crate::consults::LoadedConsult;
use crate::db::models::{Case, CaseRow, Patient, Referral};
use crate::db::schema::{
    cases as cases_t, conversation_members, conversations, patients, referrals as referrals_t, team_members, users,
};
use crate::error::ApiError;
use crate::notifications::{self, NewNotification};
use crate::realtime::envelope::Topic;
use crate::referrals::{self, Created, Transitioned};
use crate::state::AppState;
use crate::teams::RosterChange;

/// A message was stored (by REST, the websocket or a workflow). Members it
/// @mentions are notified; a message without mentions costs no query here.
pub async fn message_stored(state: &AppState, message: MessageDto) {
    let mentioned: Vec<UserId> = message
        .mentions
        .iter()
        .copied()
        .filter(|u| *u != message.sender_id)
        .collect();
    let urgent = message.priority != MessagePriority::Normal;
    let link = NotificationLink {
        conversation_id: Some(message.conversation_id),
        seq: Some(message.seq),
        ..Default::default()
    };
    let (sender, excerpt, conversation) = (message.sender_id, message.body.clone(), message.conversation_id);
    let webhook_message = urgent.then(|| message.clone());
    state.realtime.message_created(message).await;
    if mentioned.is_empty() && !urgent {
        return;
    }
    let notified = async {
        let mut conn = state.db.get().await?;
        let sender_name = display_name(&mut conn, sender).await?;
        // an urgent message reaches every member whatever their level; a
        // mention in it needs no second notice; a silenced conversation
        // mentions no one
        let (kind, to) = if urgent {
            let members: Vec<UserId> = conversation_members::table
                .filter(conversation_members::conversation_id.eq(conversation))
                .select(conversation_members::user_id)
                .load(&mut conn)
                .await?;
            (
                NotificationKind::UrgentMessage,
                members.into_iter().filter(|u| *u != sender).collect(),
            )
        } else {
            let silenced = crate::chat::silenced_in(&mut conn, conversation, &mentioned).await?;
            let to: Vec<UserId> = mentioned.into_iter().filter(|u| !silenced.contains(u)).collect();
            (NotificationKind::Mentioned, to)
        };
        let items = to
            .into_iter()
            .map(|user: UserId| NewNotification {
                user,
                kind,
                title: excerpt.clone(),
                body: sender_name.clone(),
                link: link.clone(),
            })
            .collect();
        notify(state, &mut conn, items).await;
        if urgent {
            let data = serde_json::json!({ "message": webhook_message, "sender": sender_name });
            crate::webhooks::enqueue(&mut conn, WebhookEvent::UrgentMessage, data).await?;
        }
        Ok::<_, ApiError>(())
    };
    if let Err(e) = notified.await {
        tracing::error!(error = %e, "could not notify the mentioned members");
    }
}

/// A user changed their duty status: everyone who shares a conversation
/// with them hears it with their presence.
pub async fn duty_changed(state: &AppState, user: UserId, duty: consilium_shared::users::DutyStatus) {
    let status = match state.realtime.presence().statuses(&[user]).await {
        Ok(entries) => entries
            .into_iter()
            .next()
            .map_or(consilium_shared::ws::PresenceStatus::Offline, |e| e.status),
        Err(e) => {
            tracing::warn!(error = %e, "presence unavailable for a duty change");
            consilium_shared::ws::PresenceStatus::Online
        }
    };
    let event = ServerEvent::Presence {
        user_id: user,
        status,
        duty: Some(duty),
    };
    state.realtime.publish_event(Topic::Presence(user), &event, None).await;
    state.realtime.publish_to_users(&[user], &event).await;
}

/// A member acknowledged an `ack_required` message: the conversation hears it
/// (the sender's "who has acknowledged" list updates live).
pub async fn message_acked(
    state: &AppState,
    conversation: ConversationId,
    seq: i64,
    user: UserId,
    done: crate::chat::Acknowledged,
) {
    let event = ServerEvent::MessageAcked {
        conversation_id: conversation,
        seq,
        user_id: user,
        at: done.at,
        ack_count: done.ack_count,
    };
    state
        .realtime
        .publish_event(Topic::Conversation(conversation), &event, None)
        .await;
}

/// Stores notifications and pushes each to every socket of its user. It
/// runs after the change committed, so a failure here is logged and never
/// undoes or fails the change.
async fn notify(state: &AppState, conn: &mut AsyncPgConnection, items: Vec<NewNotification>) {
    match notifications::create(conn, items).await {
        Ok(rows) => notifications_created(state, rows).await,
        Err(e) => tracing::error!(error = %e, "could not store notifications"),
    }
}

/// Notifications created elsewhere in a transaction (escalations) are
/// pushed once it has committed.
pub async fn notifications_created(state: &AppState, rows: Vec<crate::db::models::Notification>) {
    for row in rows {
        let user = row.user_id;
        let event = ServerEvent::Notification {
            notification: row.into(),
        };
        state.realtime.publish_to_users(&[user], &event).await;
    }
}

/// The user's marked notifications as read: all their sockets update their count.
pub async fn notifications_read(state: &AppState, user: UserId, unread: i64) {
    state
        .realtime
        .publish_to_users(&[user], &ServerEvent::NotificationsRead { unread })
        .await;
}

async fn display_name(conn: &mut AsyncPgConnection, user: UserId) -> Result<String, ApiError> {
    Ok(users::table.find(user).select(users::display_name).first(conn).await?)
}

/// The triagers (assistants and lead) of a team.
async fn triagers(conn: &mut AsyncPgConnection, team: TeamId) -> Result<Vec<UserId>, ApiError> {
    Ok(team_members::table
        .filter(team_members::team_id.eq(team))
        .filter(team_members::role.eq_any([TeamRole::Assistant, TeamRole::Lead]))
        .select(team_members::user_id)
        .load(conn)
        .await?)
}

fn case_link(case: &Case) -> NotificationLink {
    NotificationLink {
        conversation_id: Some(case.conversation_id),
        case_id: Some(case.id),
        ..Default::default()
    }
}

/// Someone is typing (ephemeral: relayed, never stored).
pub async fn typing(state: &AppState, conversation: ConversationId, user: UserId) {
    state.realtime.typing(conversation, user).await;
}

/// A user's overall presence changed (their sockets came, went or chose a status).
pub async fn presence_changed(state: &AppState, user: UserId, status: consilium_shared::ws::PresenceStatus) {
    state.realtime.announce_presence(user, status).await;
}

/// A message was recalled: readers replace it by a tombstone.
pub async fn message_recalled(state: &AppState, conversation: ConversationId, seq: i64) {
    state.realtime.message_recalled(conversation, seq).await;
}

/// A message was edited: every member's copy takes the new text. A new
/// `@mention` in the corrected text is not notified again: the edit is a
/// correction, and the mentioned member sees it in the thread.
pub async fn message_edited(state: &AppState, edited: &crate::chat::edits::Edited) {
    let event = ServerEvent::MessageEdited {
        conversation_id: edited.message.conversation_id,
        seq: edited.message.seq,
        body: edited.message.body.clone(),
        edited_at: edited.edited_at,
        mentions: edited.message.mentions.clone(),
    };
    state
        .realtime
        .publish_event(Topic::Conversation(edited.message.conversation_id), &event, None)
        .await;
}

/// A reaction was added or taken back.
pub async fn reaction_changed(
    state: &AppState,
    conversation: ConversationId,
    seq: i64,
    user: UserId,
    emoji: &str,
    added: bool,
) {
    let event = ServerEvent::Reaction {
        conversation_id: conversation,
        seq,
        user_id: user,
        emoji: emoji.to_owned(),
        added,
    };
    state
        .realtime
        .publish_event(Topic::Conversation(conversation), &event, None)
        .await;
}

/// Timeline entries a workflow step posted (SPEC §8), announced like any
/// message once the step has committed.
pub async fn timeline_posted(state: &AppState, entries: Vec<MessageDto>) {
    for entry in entries {
        state.realtime.message_created(entry).await;
    }
}

/// Follow-up items were planned: the timeline entries reach the cases' discussions.
pub async fn follow_ups_planned(state: &AppState, planned: &crate::follow_ups::Planned) {
    timeline_posted(state, planned.timeline.clone()).await;
}

/// A follow-up's result was recorded: its entries reach the linked cases'
/// discussions and the planner hears of it.
pub async fn follow_up_completed(state: &AppState, done: crate::follow_ups::Completed) {
    timeline_posted(state, done.timeline).await;
    notifications_created(state, done.notes).await;
}

/// A member's read position moved ("read by").
pub async fn read_moved(state: &AppState, conversation: ConversationId, user: UserId, seq: i64) {
    state.realtime.read_moved(conversation, user, seq).await;
}

/// These users' conversation lists changed (e.g. a new direct conversation).
pub async fn conversations_changed(state: &AppState, users: &[UserId]) {
    state.realtime.membership_changed(users).await;
}

/// Sessions ended (logout, password change, refresh-token reuse): their
/// sockets close at once.
pub async fn sessions_ended(state: &AppState, user: UserId, sessions: &[SessionId]) {
    for session in sessions {
        state.realtime.close_session(user, *session).await;
    }
}

/// A user was deactivated: every socket of theirs closes at once.
pub async fn user_deactivated(state: &AppState, user: UserId) {
    state.realtime.close_user(user).await;
}

/// A case changed. The members of the `membership` teams gained or lost its
/// thread; its audience hears `case_updated` (an intake's submitter the
/// status view only); the members of each `queues` team hear
/// `triage_changed` because their queue moved.
pub async fn case_changed(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    case: &Case,
    patient: &Patient,
    queues: &[TeamId],
    membership: &[TeamId],
) -> Result<CaseDto, ApiError> {
    let dto = CaseDto::from(CaseRow(case, patient));
    let mut refresh = Vec::new();
    for team in membership {
        refresh.extend(cases::team_member_ids(conn, *team).await?);
    }
    state.realtime.membership_changed(&refresh).await;
    let (audience, submitter) = cases::audience(conn, case).await?;
    let event = ServerEvent::CaseUpdated { case: dto.clone() };
    state.realtime.publish_to_users(&audience, &event).await;
    if let Some(submitter) = submitter {
        let event = ServerEvent::CaseUpdated {
            case: cases::status_view(&dto),
        };
        state.realtime.publish_to_users(&[submitter], &event).await;
    }
    for team in queues {
        let members = cases::team_member_ids(conn, *team).await?;
        let event = ServerEvent::TriageChanged {
            team_id: *team,
            case: dto.clone(),
        };
        state.realtime.publish_to_users(&members, &event).await;
    }
    Ok(dto)
}

/// A case was edited, closed or reopened by its team.
pub async fn case_edited(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    change: CaseChange,
) -> Result<CaseDto, ApiError> {
    case_moved(state, conn, &change).await
}

/// A case was triaged: its assignee is notified. A triaged referred case
/// also moves its referral (assigning accepts it, declining declines it).
pub async fn case_triaged(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    change: CaseChange,
) -> Result<CaseDto, ApiError> {
    if change.case.source == consilium_shared::cases::CaseSource::Referral {
        referral_of_case_changed(state, conn, change.case.id, change.actor).await?;
    }
    if let Some(assignee) = change.assigned_to.filter(|a| *a != change.actor) {
        let actor = display_name(conn, change.actor).await?;
        let item = NewNotification {
            user: assignee,
            kind: NotificationKind::Assigned,
            title: change.case.title.clone(),
            body: actor,
            link: case_link(&change.case),
        };
        notify(state, conn, vec![item]).await;
    }
    case_moved(state, conn, &change).await
}

/// A transfer moves the case (and its thread) from one team's queue to another's.
async fn case_moved(state: &AppState, conn: &mut AsyncPgConnection, change: &CaseChange) -> Result<CaseDto, ApiError> {
    let moved: Vec<TeamId> = change
        .left_team
        .into_iter()
        .chain(change.left_team.map(|_| change.case.team_id))
        .collect();
    let queues: Vec<TeamId> = match (change.queue_changed, moved.is_empty()) {
        (false, _) => vec![],
        (true, true) => vec![change.case.team_id],
        (true, false) => moved.clone(),
    };
    let dto = case_changed(state, conn, &change.case, &change.patient, &queues, &moved).await?;
    // after the membership refresh, so a receiving team's sessions hear it
    timeline_posted(state, change.timeline.clone()).await;
    Ok(dto)
}

/// A consult was requested (its consultants are notified) or moved (its
/// requester hears the answer or the decline); `extra` are users who left
/// it (a declined or cancelled consultant), who must drop its thread.
pub async fn consult_changed(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: UserId,
    consult: &LoadedConsult,
    extra: &[UserId],
) -> Result<ConsultDto, ApiError> {
    let c = &consult.consult;
    let link = NotificationLink {
        conversation_id: Some(c.conversation_id),
        case_id: Some(c.case_id),
        consult_id: Some(c.id),
        ..Default::default()
    };
    let (kind, to): (NotificationKind, Vec<UserId>) = match c.status {
        ConsultStatus::Requested => (NotificationKind::ConsultRequested, consult.consultants.clone()),
        ConsultStatus::Completed | ConsultStatus::Declined => (NotificationKind::ConsultAnswered, vec![c.requested_by]),
        ConsultStatus::Accepted | ConsultStatus::Cancelled => (NotificationKind::ConsultAnswered, vec![]),
    };
    let to: Vec<UserId> = to.into_iter().filter(|u| *u != actor).collect();
    if !to.is_empty() {
        let actor_name = display_name(conn, actor).await?;
        let items = to
            .into_iter()
            .map(|user| NewNotification {
                user,
                kind,
                title: c.question.clone(),
                body: actor_name.clone(),
                link: link.clone(),
            })
            .collect();
        notify(state, conn, items).await;
    }
    let dto = consult.dto();
    let mut audience = consult.audience(conn).await?;
    for u in extra {
        if !audience.contains(u) {
            audience.push(*u);
        }
    }
    state.realtime.membership_changed(&audience).await;
    let event = ServerEvent::ConsultUpdated { consult: dto.clone() };
    state.realtime.publish_to_users(&audience, &event).await;
    Ok(dto)
}

/// A referral moved: both teams hear `referral_updated`.
pub async fn referral_changed(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    referral: &Referral,
) -> Result<ReferralDto, ApiError> {
    let dto = referrals::dto(conn, referral).await?;
    let audience = referrals::audience(conn, referral).await?;
    let event = ServerEvent::ReferralUpdated { referral: dto.clone() };
    state.realtime.publish_to_users(&audience, &event).await;
    Ok(dto)
}

/// The linked case of a referral was triaged, which moves the referral too.
async fn referral_of_case_changed(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    target_case: CaseId,
    actor: UserId,
) -> Result<(), ApiError> {
    let referral: Option<Referral> = referrals_t::table
        .filter(referrals_t::target_case_id.eq(target_case))
        .select(Referral::as_select())
        .first(conn)
        .await
        .optional()?;
    if let Some(r) = referral {
        if r.status != ReferralStatus::Pending {
            notify_referral_creator(state, conn, &r, actor).await?;
        }
        referral_changed(state, conn, &r).await?;
    }
    Ok(())
}

/// The referring doctor hears that their referral moved.
async fn notify_referral_creator(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    referral: &Referral,
    actor: UserId,
) -> Result<(), ApiError> {
    if referral.created_by == actor {
        return Ok(());
    }
    let title: String = cases_t::table
        .find(referral.case_id)
        .select(cases_t::title)
        .first(conn)
        .await?;
    let item = NewNotification {
        user: referral.created_by,
        kind: NotificationKind::ReferralUpdated,
        title,
        body: display_name(conn, actor).await?,
        link: NotificationLink {
            conversation_id: Some(referral.conversation_id),
            case_id: Some(referral.case_id),
            referral_id: Some(referral.id),
            ..Default::default()
        },
    };
    notify(state, conn, vec![item]).await;
    Ok(())
}

/// A referral was created: its linked case enters the receiving team's
/// triage queue, both teams see the case and the referral, and the
/// receiving team's triagers are notified.
pub async fn referral_created(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: UserId,
    created: &Created,
) -> Result<ReferralDto, ApiError> {
    let to: Vec<UserId> = triagers(conn, created.referral.to_team_id)
        .await?
        .into_iter()
        .filter(|u| *u != actor)
        .collect();
    if !to.is_empty() {
        let actor_name = display_name(conn, actor).await?;
        let link = NotificationLink {
            conversation_id: Some(created.referral.conversation_id),
            case_id: Some(created.target_case.id),
            referral_id: Some(created.referral.id),
            ..Default::default()
        };
        let items = to
            .into_iter()
            .map(|user| NewNotification {
                user,
                kind: NotificationKind::ReferralReceived,
                title: created.target_case.title.clone(),
                body: actor_name.clone(),
                link: link.clone(),
            })
            .collect();
        notify(state, conn, items).await;
    }
    let data = serde_json::json!({
        "referral": referrals::dto(conn, &created.referral).await?,
        "case_title": created.target_case.title,
    });
    if let Err(e) = crate::webhooks::enqueue(conn, WebhookEvent::ReferralReceived, data).await {
        tracing::error!(error = %e, "could not queue referral webhooks");
    }
    let patient = patient_of(conn, &created.target_case).await?;
    let teams = [created.referral.from_team_id, created.referral.to_team_id];
    case_changed(
        state,
        conn,
        &created.target_case,
        &patient,
        &[created.referral.to_team_id],
        &teams,
    )
    .await?;
    let dto = referral_changed(state, conn, &created.referral).await?;
    timeline_posted(state, created.timeline.clone()).await;
    Ok(dto)
}

/// A referral moved: its timeline entries reach the referral's and the
/// referring case's threads, its creator is notified (and the assignee, when accepting
/// assigned the linked case), its linked case and the referral are announced.
pub async fn referral_transitioned(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: UserId,
    done: Transitioned,
) -> Result<ReferralDto, ApiError> {
    notify_referral_creator(state, conn, &done.referral, actor).await?;
    let assigned_now = done.queue_changed
        && done.referral.status == ReferralStatus::Accepted
        && done.target_case.status == consilium_shared::cases::CaseStatus::Open;
    if let Some(assignee) = done.target_case.assignee_id.filter(|a| assigned_now && *a != actor) {
        let item = NewNotification {
            user: assignee,
            kind: NotificationKind::Assigned,
            title: done.target_case.title.clone(),
            body: display_name(conn, actor).await?,
            link: case_link(&done.target_case),
        };
        notify(state, conn, vec![item]).await;
    }
    let patient = patient_of(conn, &done.target_case).await?;
    let queues = if done.queue_changed {
        vec![done.target_case.team_id]
    } else {
        vec![]
    };
    case_changed(state, conn, &done.target_case, &patient, &queues, &[]).await?;
    let dto = referral_changed(state, conn, &done.referral).await?;
    timeline_posted(state, done.timeline).await;
    Ok(dto)
}

/// A roster changed: the member's sessions pick up (or drop) the team's
/// conversations, the team's sessions pick up (or drop) the member's
/// presence, and the member and the team hear `roster_changed`.
pub async fn roster_changed(state: &AppState, change: RosterChange) {
    let (members, channel) = match roster_audience(state, change.team_id).await {
        Ok(found) => found,
        Err(e) => {
            // The change is committed; the member's own sessions still hear
            // it, and the others catch up on their next refresh.
            tracing::warn!(error = %e, "loading the roster for a roster event");
            (Vec::new(), None)
        }
    };
    let mut refresh = vec![change.user_id];
    refresh.extend(members.into_iter().filter(|u| *u != change.user_id));
    state.realtime.membership_changed(&refresh).await;
    let event = ServerEvent::RosterChanged {
        team_id: change.team_id,
        user_id: change.user_id,
        role: change.role,
    };
    state
        .realtime
        .publish_event(Topic::User(change.user_id), &event, None)
        .await;
    if let Some(channel) = channel {
        state
            .realtime
            .publish_event(Topic::Conversation(channel), &event, Some(change.user_id))
            .await;
    }
}

async fn roster_audience(state: &AppState, team: TeamId) -> Result<(Vec<UserId>, Option<ConversationId>), ApiError> {
    let mut conn = state.db.get().await?;
    let members = cases::team_member_ids(&mut conn, team).await?;
    let channel = conversations::table
        .filter(conversations::team_id.eq(team))
        .filter(conversations::kind.eq(ConversationKind::Team))
        .select(conversations::id)
        .first(&mut conn)
        .await
        .optional()?;
    Ok((members, channel))
}

async fn patient_of(conn: &mut AsyncPgConnection, case: &Case) -> Result<Patient, ApiError> {
    Ok(patients::table
        .find(case.patient_id)
        .select(Patient::as_select())
        .first(conn)
        .await?)
}

/// A call started, changed or ended (SPEC §9): every member of its
/// conversation hears it, the thread gets its timeline entry, and a start
/// rings everyone but the caller with a `call` notification.
pub async fn call_changed(state: &AppState, change: crate::calls::CallChange) {
    use crate::calls::CallStep;
    let call = change.call;
    let conversation = call.conversation_id;
    timeline_posted(state, change.timeline).await;
    if change.what == CallStep::Started {
        let rung = async {
            let mut conn = state.db.get().await?;
            let members: Vec<UserId> = conversation_members::table
                .filter(conversation_members::conversation_id.eq(conversation))
                .filter(conversation_members::user_id.ne(call.started_by))
                .select(conversation_members::user_id)
                .load(&mut conn)
                .await?;
            if members.is_empty() {
                return Ok::<_, ApiError>(());
            }
            let caller = display_name(&mut conn, call.started_by).await?;
            let title = crate::calls::thread_title(&mut conn, conversation, call.started_by).await?;
            let link = NotificationLink {
                conversation_id: Some(conversation),
                call_id: Some(call.id),
                ..Default::default()
            };
            let items = members
                .into_iter()
                .map(|user| NewNotification {
                    user,
                    kind: NotificationKind::Call,
                    title: title.clone(),
                    body: caller.clone(),
                    link: link.clone(),
                })
                .collect();
            notify(state, &mut conn, items).await;
            Ok(())
        };
        if let Err(e) = rung.await {
            tracing::error!(error = %e, call = %call.id, "could not ring the call's members");
        }
    }
    let event = match change.what {
        CallStep::Started => ServerEvent::CallStarted { call },
        CallStep::Updated => ServerEvent::CallUpdated { call },
        CallStep::Ended => ServerEvent::CallEnded { call },
    };
    state
        .realtime
        .publish_event(Topic::Conversation(conversation), &event, None)
        .await;
}
