//! Deadlines (SPEC §7): a team's deadlines, the due time of what waits, and
//! the escalation timer scheduled with it in the same transaction, so nothing
//! is stored without its timer. [`crate::escalation`] fires the timers.

use std::time::Duration;

use chrono::{DateTime, Utc};
use consilium_shared::{
    ConversationId, ErrorReason as Reason, EscalationTimerId, TeamId,
    cases::Priority,
    chat::MessagePriority,
    notifications::EscalationSubject,
    teams::{AckMinutes, MinutesByPriority, TeamSettings, TeamSettingsPatch},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::config::DeadlineConfig;
use crate::db::schema::{conversations, escalation_timers, team_settings};
use crate::error::ApiError;

/// The longest deadline a team may set: 30 days.
const MAX_MINUTES: i32 = 30 * 24 * 60;

/// What a timer watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A case waiting in triage.
    Case(Uuid),
    /// A requested consult waiting for an answer.
    Consult(Uuid),
    /// An `ack_required` message waiting for acknowledgements.
    Message(Uuid),
    /// An open follow-up (随访): level 0 reminds, 1 and 2 escalate.
    FollowUp(Uuid),
}

impl Subject {
    fn kind(self) -> EscalationSubject {
        match self {
            Self::Case(_) => EscalationSubject::Case,
            Self::Consult(_) => EscalationSubject::Consult,
            Self::Message(_) => EscalationSubject::Message,
            Self::FollowUp(_) => EscalationSubject::FollowUp,
        }
    }

    fn id(self) -> Uuid {
        match self {
            Self::Case(id) | Self::Consult(id) | Self::Message(id) | Self::FollowUp(id) => id,
        }
    }
}

/// A team's deadlines (the defaults until its lead changes them).
pub async fn settings(conn: &mut AsyncPgConnection, team: TeamId) -> Result<TeamSettings, ApiError> {
    Ok(team_settings::table
        .find(team)
        .select(team_settings::settings)
        .first::<TeamSettings>(conn)
        .await
        .optional()?
        .unwrap_or_default())
}

fn check_minutes(values: &[i32]) -> Result<(), ApiError> {
    if values.iter().all(|m| (1..=MAX_MINUTES).contains(m)) {
        Ok(())
    } else {
        Err(ApiError::Invalid(
            Reason::DeadlineOutOfRange,
            format!("deadlines are 1 to {MAX_MINUTES} minutes"),
        ))
    }
}

/// Replaces the given groups of a team's deadlines. Deadlines already
/// running keep the due time they were given.
pub async fn update_settings(
    conn: &mut AsyncPgConnection,
    team: TeamId,
    patch: TeamSettingsPatch,
) -> Result<TeamSettings, ApiError> {
    let mut s = settings(conn, team).await?;
    if let Some(m) = patch.triage_minutes {
        check_minutes(&[m.emergency, m.urgent, m.routine])?;
        s.triage_minutes = m;
    }
    if let Some(m) = patch.consult_minutes {
        check_minutes(&[m.emergency, m.urgent, m.routine])?;
        s.consult_minutes = m;
    }
    if let Some(m) = patch.ack_minutes {
        check_minutes(&[m.urgent, m.emergency])?;
        s.ack_minutes = m;
    }
    diesel::insert_into(team_settings::table)
        .values((team_settings::team_id.eq(team), team_settings::settings.eq(s)))
        .on_conflict(team_settings::team_id)
        .do_update()
        .set((team_settings::settings.eq(s), team_settings::updated_at.eq(Utc::now())))
        .execute(conn)
        .await?;
    Ok(s)
}

fn by_priority(m: MinutesByPriority, p: Priority) -> i32 {
    match p {
        Priority::Emergency => m.emergency,
        Priority::Urgent => m.urgent,
        Priority::Routine => m.routine,
    }
}

/// How long an acknowledgement may take, for the priorities that have one.
pub fn ack_minutes(m: AckMinutes, p: MessagePriority) -> Option<i32> {
    match p {
        MessagePriority::Urgent => Some(m.urgent),
        MessagePriority::Emergency => Some(m.emergency),
        MessagePriority::Normal => None,
    }
}

/// `minutes` deadline minutes as a duration.
pub fn length(minutes: i32, cfg: &DeadlineConfig) -> Duration {
    cfg.minute * u32::try_from(minutes.max(1)).unwrap_or(1)
}

/// How long a case of `team` may wait in triage at `priority`.
pub async fn triage_deadline(
    conn: &mut AsyncPgConnection,
    team: TeamId,
    priority: Priority,
    cfg: &DeadlineConfig,
) -> Result<Duration, ApiError> {
    let s = settings(conn, team).await?;
    Ok(length(by_priority(s.triage_minutes, priority), cfg))
}

/// How long a consult of a case of `team` may wait for an answer at `urgency`.
pub async fn consult_deadline(
    conn: &mut AsyncPgConnection,
    team: TeamId,
    urgency: Priority,
    cfg: &DeadlineConfig,
) -> Result<Duration, ApiError> {
    let s = settings(conn, team).await?;
    Ok(length(by_priority(s.consult_minutes, urgency), cfg))
}

/// How long acknowledgements of a message of `priority` in `conversation` may take.
pub async fn ack_deadline(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    priority: MessagePriority,
    cfg: &DeadlineConfig,
) -> Result<Option<Duration>, ApiError> {
    let team: Option<TeamId> = conversations::table
        .find(conversation)
        .select(conversations::team_id)
        .first(conn)
        .await
        .optional()?
        .flatten();
    let s = match team {
        Some(team) => settings(conn, team).await?,
        None => TeamSettings::default(),
    };
    Ok(ack_minutes(s.ack_minutes, priority).map(|m| length(m, cfg)))
}

/// Schedules the first escalation of `subject`, due at `due_at`; the second
/// falls due `step` later. In the caller's transaction, so a subject is never
/// stored without its timer.
pub async fn schedule(
    conn: &mut AsyncPgConnection,
    subject: Subject,
    due_at: DateTime<Utc>,
    step: Duration,
) -> Result<(), ApiError> {
    insert_timer(conn, subject, 1, due_at, step).await
}

pub(crate) async fn insert_timer(
    conn: &mut AsyncPgConnection,
    subject: Subject,
    level: i32,
    due_at: DateTime<Utc>,
    step: Duration,
) -> Result<(), ApiError> {
    let step_ms = i64::try_from(step.as_millis()).unwrap_or(i64::MAX).max(1);
    diesel::insert_into(escalation_timers::table)
        .values((
            escalation_timers::id.eq(EscalationTimerId::new()),
            escalation_timers::subject_kind.eq(subject.kind()),
            escalation_timers::subject_id.eq(subject.id()),
            escalation_timers::level.eq(level),
            escalation_timers::due_at.eq(due_at),
            escalation_timers::step_ms.eq(step_ms),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_minutes_scale_with_the_configured_minute() {
        let cfg = DeadlineConfig {
            minute: Duration::from_millis(100),
            poll: Duration::from_millis(50),
        };
        assert_eq!(length(10, &cfg), Duration::from_secs(1));
        assert_eq!(
            length(0, &cfg),
            Duration::from_millis(100),
            "never shorter than one minute"
        );
        let defaults = TeamSettings::default();
        assert_eq!(ack_minutes(defaults.ack_minutes, MessagePriority::Emergency), Some(2));
        assert_eq!(ack_minutes(defaults.ack_minutes, MessagePriority::Normal), None);
        assert_eq!(by_priority(defaults.triage_minutes, Priority::Emergency), 10);
        assert_eq!(by_priority(defaults.consult_minutes, Priority::Routine), 4320);
    }

    #[test]
    fn deadlines_are_bounded() {
        assert!(check_minutes(&[1, MAX_MINUTES]).is_ok());
        assert_eq!(
            check_minutes(&[0]).map_err(|e| e.reason()),
            Err(Reason::DeadlineOutOfRange)
        );
        assert!(check_minutes(&[MAX_MINUTES + 1]).is_err());
    }
}
