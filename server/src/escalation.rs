//! Escalation (SPEC §7): the scheduler that escalates what is still waiting
//! when its deadline passes.
//!
//! Timers are rows of `escalation_timers` (scheduled by [`crate::deadlines`]),
//! never a process's memory. Every node polls; a tick takes the due rows
//! with `FOR UPDATE SKIP LOCKED`, so two nodes never take the same row, and
//! in the same transaction stores the escalation notifications, schedules
//! the next level and marks the row fired. A node that dies mid-tick rolls
//! back and the row is taken again; a restart of every node finds the rows
//! where they were. Each level thus fires exactly once. Notifications are
//! pushed after the commit, through [`crate::events`].
//!
//! Level 1 (the deadline passed): the team's lead is told (for a message, its
//! sender too; for a follow-up, its planner and assignee). Level 2 (still
//! waiting after the same time again): the lead again, and every webhook
//! subscribed to `escalation`. A follow-up also has a level 0: the reminder
//! to its assignee as it comes due (`follow_up_due`), which schedules level 1
//! at the due date.

use std::time::Duration;

use chrono::{DateTime, Utc};
use consilium_shared::{
    ConversationId, EscalationTimerId, TeamId, UserId,
    cases::{CaseStatus, ConsultStatus},
    notifications::EscalationSubject,
    notifications::{NotificationKind, NotificationLink},
    teams::TeamRole,
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::models::Notification;
use crate::db::schema::{
    cases, consults, conversation_members, conversations, escalation_timers, message_acks, messages, team_members,
    teams,
};
use crate::deadlines::{Subject, insert_timer};
use crate::error::ApiError;
use crate::notifications::{self, NewNotification};
use crate::state::AppState;

/// Most timers one tick takes.
const TICK_BATCH: i64 = 200;

/// A due `escalation_timers` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = escalation_timers, check_for_backend(diesel::pg::Pg))]
struct Timer {
    id: EscalationTimerId,
    subject_kind: EscalationSubject,
    subject_id: Uuid,
    level: i32,
    due_at: DateTime<Utc>,
    step_ms: i64,
}

/// Who to tell about a subject still waiting, and what it is.
struct Waiting {
    team: Option<TeamId>,
    also: Vec<UserId>,
    title: String,
    link: NotificationLink,
}

/// Runs the scheduler on this node until the process ends.
pub fn start(state: AppState) {
    let poll = state.config.deadlines.poll;
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match tick(&state).await {
                Ok(fired) => {
                    if fired > 0 {
                        tracing::info!(fired, "escalations fired");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "escalation tick failed"),
            }
        }
    });
}

/// Fires every due timer this node can take; returns how many it took.
pub async fn tick(state: &AppState) -> Result<usize, ApiError> {
    let mut conn = state.db.get().await?;
    let (taken, notes) = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let due: Vec<Timer> = escalation_timers::table
                    .filter(escalation_timers::fired_at.is_null())
                    .filter(escalation_timers::due_at.le(Utc::now()))
                    .order(escalation_timers::due_at)
                    .limit(TICK_BATCH)
                    .select(Timer::as_select())
                    .for_update()
                    .skip_locked()
                    .load(conn)
                    .await?;
                let mut notes: Vec<Notification> = Vec::new();
                for timer in &due {
                    let outcome = if timer.level == 0 {
                        match remind(conn, timer).await? {
                            Some(note) => {
                                notes.extend(note);
                                "escalated"
                            }
                            None => "resolved",
                        }
                    } else {
                        match waiting(conn, timer).await? {
                            None => "resolved",
                            Some(w) => {
                                notes.extend(escalate(conn, timer, w).await?);
                                "escalated"
                            }
                        }
                    };
                    diesel::update(escalation_timers::table.find(timer.id))
                        .set((
                            escalation_timers::fired_at.eq(Utc::now()),
                            escalation_timers::outcome.eq(outcome),
                        ))
                        .execute(conn)
                        .await?;
                }
                Ok((due.len(), notes))
            }
            .scope_boxed()
        })
        .await?;
    drop(conn);
    crate::events::notifications_created(state, notes).await;
    Ok(taken)
}

/// Stores the escalation notifications of `timer` and schedules its next level.
async fn escalate(conn: &mut AsyncPgConnection, timer: &Timer, w: Waiting) -> Result<Vec<Notification>, ApiError> {
    let mut to: Vec<UserId> = match w.team {
        Some(team) => {
            team_members::table
                .filter(team_members::team_id.eq(team))
                .filter(team_members::role.eq(TeamRole::Lead))
                .select(team_members::user_id)
                .load(conn)
                .await?
        }
        None => Vec::new(),
    };
    if timer.level == 1 {
        to.extend(w.also);
    }
    to.sort();
    to.dedup();
    let team_name: String = match w.team {
        Some(team) => teams::table.find(team).select(teams::name).first(conn).await?,
        None => String::new(),
    };
    let items = to
        .into_iter()
        .map(|user| NewNotification {
            user,
            kind: NotificationKind::Escalation,
            title: w.title.clone(),
            body: team_name.clone(),
            link: w.link.clone(),
        })
        .collect();
    let stored = notifications::create(conn, items).await?;
    if timer.level == 2 {
        // the second level reaches the hospital's gateways, in this transaction
        let data = serde_json::json!({
            "subject": timer.subject_kind,
            "level": timer.level,
            "due_at": timer.due_at,
            "title": w.title,
            "team": team_name,
            "link": w.link,
        });
        crate::webhooks::enqueue(conn, consilium_shared::webhooks::WebhookEvent::Escalation, data).await?;
    }
    if timer.level == 1 {
        let step = Duration::from_millis(u64::try_from(timer.step_ms).unwrap_or(1));
        let next = timer.due_at + chrono::Duration::from_std(step).unwrap_or_else(|_| chrono::Duration::minutes(1));
        let subject = match timer.subject_kind {
            EscalationSubject::Case => Subject::Case(timer.subject_id),
            EscalationSubject::Consult => Subject::Consult(timer.subject_id),
            EscalationSubject::Message => Subject::Message(timer.subject_id),
            EscalationSubject::FollowUp => Subject::FollowUp(timer.subject_id),
        };
        insert_timer(conn, subject, 2, next, step).await?;
    }
    Ok(stored)
}

/// A follow-up's level 0: reminds its assignee that it comes due, and
/// schedules the escalation at its due date; `None` once it is done.
async fn remind(conn: &mut AsyncPgConnection, timer: &Timer) -> Result<Option<Vec<Notification>>, ApiError> {
    let Some(open) = crate::follow_ups::open(conn, consilium_shared::FollowUpId(timer.subject_id)).await? else {
        return Ok(None);
    };
    let f = &open.row;
    let stored = notifications::create(
        conn,
        vec![NewNotification {
            user: f.assignee_id,
            kind: NotificationKind::FollowUpDue,
            title: f.title.clone(),
            body: f.instructions.clone(),
            link: NotificationLink {
                conversation_id: Some(open.conversation),
                case_id: Some(f.case_id),
                follow_up_id: Some(f.id),
                ..Default::default()
            },
        }],
    )
    .await?;
    let step = Duration::from_millis(u64::try_from(timer.step_ms).unwrap_or(1));
    insert_timer(conn, Subject::FollowUp(timer.subject_id), 1, f.due_at, step).await?;
    Ok(Some(stored))
}

/// What `timer` watches, if it is still waiting.
async fn waiting(conn: &mut AsyncPgConnection, timer: &Timer) -> Result<Option<Waiting>, ApiError> {
    let id = timer.subject_id;
    match timer.subject_kind {
        EscalationSubject::Case => {
            let row: Option<(TeamId, CaseStatus, String, ConversationId)> = cases::table
                .filter(cases::id.eq(id))
                .select((cases::team_id, cases::status, cases::title, cases::conversation_id))
                .first(conn)
                .await
                .optional()?;
            Ok(row
                .filter(|(_, status, _, _)| *status == CaseStatus::Triage)
                .map(|(team, _, title, conversation)| Waiting {
                    team: Some(team),
                    also: Vec::new(),
                    title,
                    link: NotificationLink {
                        conversation_id: Some(conversation),
                        case_id: Some(consilium_shared::CaseId(id)),
                        ..Default::default()
                    },
                }))
        }
        EscalationSubject::Consult => {
            let row: Option<(ConsultStatus, String, ConversationId, consilium_shared::CaseId, TeamId)> =
                consults::table
                    .inner_join(cases::table)
                    .filter(consults::id.eq(id))
                    .select((
                        consults::status,
                        consults::question,
                        consults::conversation_id,
                        consults::case_id,
                        cases::team_id,
                    ))
                    .first(conn)
                    .await
                    .optional()?;
            Ok(row.filter(|(status, ..)| *status == ConsultStatus::Requested).map(
                |(_, question, conversation, case, team)| Waiting {
                    team: Some(team),
                    also: Vec::new(),
                    title: question,
                    link: NotificationLink {
                        conversation_id: Some(conversation),
                        case_id: Some(case),
                        consult_id: Some(consilium_shared::ConsultId(id)),
                        ..Default::default()
                    },
                },
            ))
        }
        EscalationSubject::Message => {
            let row: Option<(ConversationId, i64, UserId, String, bool)> = messages::table
                .filter(messages::id.eq(id))
                .select((
                    messages::conversation_id,
                    messages::seq,
                    messages::sender_id,
                    messages::body,
                    messages::recalled_at.is_not_null(),
                ))
                .first(conn)
                .await
                .optional()?;
            let Some((conversation, seq, sender, body, recalled)) = row else {
                return Ok(None);
            };
            if recalled {
                return Ok(None);
            }
            let pending: i64 = conversation_members::table
                .filter(conversation_members::conversation_id.eq(conversation))
                .filter(conversation_members::user_id.ne(sender))
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    message_acks::table
                        .filter(message_acks::message_id.eq(id))
                        .filter(message_acks::user_id.eq(conversation_members::user_id)),
                )))
                .count()
                .get_result(conn)
                .await?;
            if pending == 0 {
                return Ok(None);
            }
            let team: Option<TeamId> = conversations::table
                .find(conversation)
                .select(conversations::team_id)
                .first(conn)
                .await?;
            Ok(Some(Waiting {
                team,
                also: vec![sender],
                title: body,
                link: NotificationLink {
                    conversation_id: Some(conversation),
                    seq: Some(seq),
                    ..Default::default()
                },
            }))
        }
        EscalationSubject::FollowUp => {
            let open = crate::follow_ups::open(conn, consilium_shared::FollowUpId(id)).await?;
            Ok(open.map(|o| Waiting {
                team: Some(o.team),
                also: vec![o.row.created_by, o.row.assignee_id],
                title: o.row.title.clone(),
                link: NotificationLink {
                    conversation_id: Some(o.conversation),
                    case_id: Some(o.row.case_id),
                    follow_up_id: Some(o.row.id),
                    ..Default::default()
                },
            }))
        }
    }
}
