//! Retention (SPEC §11): what may be deleted, and when.
//!
//! Messages, cases, consults, referrals, follow-ups, attachments and the
//! audit trail are the medical and legal record and are never deleted by
//! Consilium (the minimums the README names — chat ≥ 3 years, case records
//! ≥ 15 years, logs ≥ 6 months — are met by keeping them). Only two
//! conveniences expire: notifications that were read (the record they point
//! at stays) and the delivery log of webhooks that were delivered. This
//! module deletes from those two tables and no other; `consilium purge`
//! runs it (from cron or a Kubernetes CronJob, on one node).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{mfa_challenges, notifications, webhook_deliveries};

/// The shortest retention the purge accepts for either table, in days: a
/// mistyped `0` must not empty a user's inbox.
pub const MIN_DAYS: u32 = 30;

/// How long read notifications and delivered webhook logs are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Read notifications older than this many days go.
    pub read_notification_days: u32,
    /// Delivered webhook deliveries older than this many days go.
    pub webhook_delivery_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            read_notification_days: 180,
            webhook_delivery_days: 90,
        }
    }
}

/// Why a policy was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0} must be at least {MIN_DAYS} days")]
pub struct TooShort(pub &'static str);

impl Policy {
    /// Refuses retention shorter than [`MIN_DAYS`].
    pub fn checked(self) -> Result<Self, TooShort> {
        if self.read_notification_days < MIN_DAYS {
            return Err(TooShort("read notification retention"));
        }
        if self.webhook_delivery_days < MIN_DAYS {
            return Err(TooShort("webhook delivery retention"));
        }
        Ok(self)
    }
}

/// What a purge deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    /// Read notifications.
    pub notifications: usize,
    /// Delivered webhook deliveries.
    pub webhook_deliveries: usize,
    /// Second-factor sign-in challenges expired over a day ago (they grant
    /// nothing; the audit log keeps the sign-ins themselves).
    pub mfa_challenges: usize,
}

/// Deletes read notifications and delivered webhook deliveries older than
/// `policy` allows, as of `now`. Unread notifications and undelivered
/// deliveries (still being retried) are kept whatever their age.
pub async fn purge(conn: &mut AsyncPgConnection, policy: Policy, now: DateTime<Utc>) -> QueryResult<Purged> {
    let notes_before = now - chrono::Duration::days(i64::from(policy.read_notification_days));
    let deliveries_before = now - chrono::Duration::days(i64::from(policy.webhook_delivery_days));
    let notifications = diesel::delete(
        notifications::table
            .filter(notifications::read_at.is_not_null())
            .filter(notifications::created_at.lt(notes_before)),
    )
    .execute(conn)
    .await?;
    let webhook_deliveries = diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::delivered_at.is_not_null())
            .filter(webhook_deliveries::created_at.lt(deliveries_before)),
    )
    .execute(conn)
    .await?;
    let mfa_challenges =
        diesel::delete(mfa_challenges::table.filter(mfa_challenges::expires_at.lt(now - chrono::Duration::days(1))))
            .execute(conn)
            .await?;
    Ok(Purged {
        notifications,
        webhook_deliveries,
        mfa_challenges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_shorter_than_thirty_days_is_refused() {
        assert!(Policy::default().checked().is_ok());
        let short = Policy {
            read_notification_days: 0,
            ..Policy::default()
        };
        assert_eq!(short.checked(), Err(TooShort("read notification retention")));
        let short = Policy {
            webhook_delivery_days: 29,
            ..Policy::default()
        };
        assert!(short.checked().is_err());
    }
}
