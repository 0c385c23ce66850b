//! The case state machine's one gate: a case row is created and its status
//! changed only here, whoever asks (triage, the case's team, a referral), so
//! the rules of the diagram in [`super`] hold in exactly one place.

use consilium_shared::{
    CaseId, ConversationId, ErrorReason as Reason, PatientId, TeamId, UserId,
    cases::{CaseSource, CaseStatus, Priority},
    sql::TextEnum,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::models::Case;
use crate::db::schema::cases;
use crate::error::ApiError;

/// A case to create: in `triage` (intakes, referrals) or `open` (a team's own).
#[derive(Debug)]
pub struct NewCase<'a> {
    /// Owning team.
    pub team: TeamId,
    /// Its patient.
    pub patient: PatientId,
    /// Title.
    pub title: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// Where it starts.
    pub status: CaseStatus,
    /// Priority.
    pub priority: Priority,
    /// How it came to the team.
    pub source: CaseSource,
    /// Who created it.
    pub created_by: UserId,
    /// Its discussion thread, already created.
    pub conversation: ConversationId,
    /// How long it may wait in triage (a case created in triage).
    pub triage_deadline: Option<std::time::Duration>,
}

/// Creates a case; a new case starts in triage or open, never closed.
pub async fn create(conn: &mut AsyncPgConnection, new: NewCase<'_>) -> Result<Case, ApiError> {
    if new.status == CaseStatus::Closed {
        return Err(anyhow::anyhow!("a case cannot be created closed").into());
    }
    let deadline = new
        .triage_deadline
        .filter(|_| new.status == CaseStatus::Triage)
        .and_then(|d| chrono::Duration::from_std(d).ok().map(|c| (d, chrono::Utc::now() + c)));
    let case: Case = diesel::insert_into(cases::table)
        .values((
            cases::id.eq(CaseId::new()),
            cases::team_id.eq(new.team),
            cases::patient_id.eq(new.patient),
            cases::title.eq(new.title),
            cases::summary.eq(new.summary),
            cases::status.eq(new.status),
            cases::priority.eq(new.priority),
            cases::source.eq(new.source),
            cases::created_by.eq(new.created_by),
            cases::conversation_id.eq(new.conversation),
            cases::due_at.eq(deadline.map(|(_, at)| at)),
        ))
        .returning(Case::as_returning())
        .get_result(conn)
        .await?;
    if let Some((step, due_at)) = deadline {
        crate::deadlines::schedule(conn, crate::deadlines::Subject::Case(case.id.0), due_at, step).await?;
    }
    Ok(case)
}

/// A move of the state machine, with the columns that move with it.
#[derive(Debug, Clone, Copy)]
pub enum CaseMove<'a> {
    /// triage → open: the case gets its assignee (and maybe a new priority).
    Assign {
        /// Who handles it.
        assignee: UserId,
        /// A new priority, if triage changed it.
        priority: Option<Priority>,
    },
    /// triage or open → closed with a reason: declined at triage, or its
    /// referral was declined or cancelled. A declined case is not reopened.
    Decline {
        /// Why, shown to the submitter.
        reason: &'a str,
    },
    /// open → closed: the team finished it.
    Close,
    /// closed → open: the team reopens a finished (not declined) case.
    Reopen,
}

impl CaseMove<'_> {
    fn allowed_from(&self) -> &'static [CaseStatus] {
        match self {
            Self::Assign { .. } => &[CaseStatus::Triage],
            Self::Decline { .. } => &[CaseStatus::Triage, CaseStatus::Open],
            Self::Close => &[CaseStatus::Open],
            Self::Reopen => &[CaseStatus::Closed],
        }
    }

    /// Where the move leads.
    pub fn target(&self) -> CaseStatus {
        match self {
            Self::Assign { .. } | Self::Reopen => CaseStatus::Open,
            Self::Decline { .. } | Self::Close => CaseStatus::Closed,
        }
    }
}

/// The 409 for a change the case's current status forbids, naming that status.
pub fn conflict(what: &str, status: CaseStatus) -> ApiError {
    let reason = match status {
        CaseStatus::Triage => Reason::CaseInTriage,
        CaseStatus::Open => Reason::CaseOpen,
        CaseStatus::Closed => Reason::CaseClosed,
    };
    ApiError::Conflict(reason, format!("{what} is {}", status.as_db()))
}

/// Applies `mv` to `case` (which the caller has locked), or answers 409 when
/// the state machine forbids it from the case's current status.
pub async fn apply(conn: &mut AsyncPgConnection, case: &Case, mv: CaseMove<'_>) -> Result<Case, ApiError> {
    if !mv.allowed_from().contains(&case.status) {
        return Err(conflict("the case", case.status));
    }
    if matches!(mv, CaseMove::Reopen) && case.decline_reason.is_some() {
        return Err(ApiError::Conflict(
            Reason::CaseDeclined,
            "the case is closed: it was declined, submit it again instead".into(),
        ));
    }
    let target = cases::table.find(case.id);
    let query = match mv {
        CaseMove::Assign { assignee, priority } => {
            diesel::update(target)
                .set((
                    cases::status.eq(CaseStatus::Open),
                    cases::assignee_id.eq(assignee),
                    priority.map(|p| cases::priority.eq(p)),
                ))
                .returning(Case::as_returning())
                .get_result(conn)
                .await
        }
        CaseMove::Decline { reason } => {
            diesel::update(target)
                .set((cases::status.eq(CaseStatus::Closed), cases::decline_reason.eq(reason)))
                .returning(Case::as_returning())
                .get_result(conn)
                .await
        }
        CaseMove::Close | CaseMove::Reopen => {
            diesel::update(target)
                .set(cases::status.eq(mv.target()))
                .returning(Case::as_returning())
                .get_result(conn)
                .await
        }
    };
    Ok(query?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_diagram() {
        let assign = CaseMove::Assign {
            assignee: UserId::new(),
            priority: None,
        };
        assert_eq!(assign.allowed_from(), &[CaseStatus::Triage]);
        assert_eq!(assign.target(), CaseStatus::Open);
        assert_eq!(CaseMove::Close.allowed_from(), &[CaseStatus::Open]);
        assert_eq!(CaseMove::Reopen.allowed_from(), &[CaseStatus::Closed]);
        let decline = CaseMove::Decline { reason: "x" };
        assert!(!decline.allowed_from().contains(&CaseStatus::Closed));
        assert_eq!(decline.target(), CaseStatus::Closed);
    }

    #[test]
    fn conflicts_name_the_current_status() {
        assert_eq!(conflict("the case", CaseStatus::Open).reason(), Reason::CaseOpen);
        assert_eq!(conflict("the case", CaseStatus::Closed).reason(), Reason::CaseClosed);
    }
}
