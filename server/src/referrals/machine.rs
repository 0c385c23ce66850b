//! The referral state machine's one gate: a referral's status (and the
//! columns that move with it) changes only here, whether the receiving team
//! acts on the referral itself or triages its linked case.
//!
//! ```text
//!   pending ──accept──► accepted ──complete(outcome)──► completed
//!      │                   │
//!      ├──decline(reason)  └──cancel──► cancelled
//!      └──cancel──► cancelled
//! ```

use chrono::{DateTime, Utc};
use consilium_shared::{ErrorReason as Reason, cases::ReferralStatus, sql::TextEnum};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::models::Referral;
use crate::db::schema::referrals;
use crate::error::ApiError;

/// A move of the state machine, with the columns that move with it.
#[derive(Debug, Clone, Copy)]
pub enum ReferralMove<'a> {
    /// pending → accepted, with the appointment if one was booked.
    Accept {
        /// When the patient is expected.
        appointment_at: Option<DateTime<Utc>>,
    },
    /// pending → declined.
    Decline {
        /// Why.
        reason: &'a str,
    },
    /// accepted → completed.
    Complete {
        /// What was done, reported back to the referring team.
        outcome: &'a str,
    },
    /// pending or accepted → cancelled (by the referring team).
    Cancel,
}

impl ReferralMove<'_> {
    /// The statuses the move may start from.
    pub fn allowed_from(&self) -> &'static [ReferralStatus] {
        match self {
            Self::Accept { .. } | Self::Decline { .. } => &[ReferralStatus::Pending],
            Self::Complete { .. } => &[ReferralStatus::Accepted],
            Self::Cancel => &[ReferralStatus::Pending, ReferralStatus::Accepted],
        }
    }

    /// Where the move leads.
    pub fn target(&self) -> ReferralStatus {
        match self {
            Self::Accept { .. } => ReferralStatus::Accepted,
            Self::Decline { .. } => ReferralStatus::Declined,
            Self::Complete { .. } => ReferralStatus::Completed,
            Self::Cancel => ReferralStatus::Cancelled,
        }
    }
}

/// The 409 for a transition the current status forbids, naming that status.
pub fn conflict(current: ReferralStatus) -> ApiError {
    let reason = match current {
        ReferralStatus::Pending => Reason::ReferralPending,
        ReferralStatus::Accepted => Reason::ReferralAccepted,
        ReferralStatus::Declined => Reason::ReferralDeclined,
        ReferralStatus::Completed => Reason::ReferralCompleted,
        ReferralStatus::Cancelled => Reason::ReferralCancelled,
    };
    ApiError::Conflict(reason, format!("the referral is {}", current.as_db()))
}

/// Applies `mv` to `referral` (which the caller has locked), or answers 409
/// when the state machine forbids it from the referral's current status.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    referral: &Referral,
    mv: ReferralMove<'_>,
) -> Result<Referral, ApiError> {
    if !mv.allowed_from().contains(&referral.status) {
        return Err(conflict(referral.status));
    }
    let target = referrals::table.find(referral.id);
    let status = referrals::status.eq(mv.target());
    let updated = match mv {
        ReferralMove::Accept { appointment_at } => {
            diesel::update(target)
                .set((status, referrals::appointment_at.eq(appointment_at)))
                .returning(Referral::as_returning())
                .get_result(conn)
                .await
        }
        ReferralMove::Decline { reason } => {
            diesel::update(target)
                .set((status, referrals::decline_reason.eq(reason)))
                .returning(Referral::as_returning())
                .get_result(conn)
                .await
        }
        ReferralMove::Complete { outcome } => {
            diesel::update(target)
                .set((status, referrals::outcome.eq(outcome)))
                .returning(Referral::as_returning())
                .get_result(conn)
                .await
        }
        ReferralMove::Cancel => {
            diesel::update(target)
                .set(status)
                .returning(Referral::as_returning())
                .get_result(conn)
                .await
        }
    };
    Ok(updated?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_diagram() {
        let accept = ReferralMove::Accept { appointment_at: None };
        assert_eq!(accept.allowed_from(), &[ReferralStatus::Pending]);
        assert_eq!(accept.target(), ReferralStatus::Accepted);
        assert_eq!(
            ReferralMove::Complete { outcome: "x" }.allowed_from(),
            &[ReferralStatus::Accepted]
        );
        assert!(ReferralMove::Cancel.allowed_from().contains(&ReferralStatus::Accepted));
        assert!(!ReferralMove::Cancel.allowed_from().contains(&ReferralStatus::Completed));
        assert_eq!(conflict(ReferralStatus::Completed).reason(), Reason::ReferralCompleted);
    }
}
