//! The audit trail: who did what to which record, from where.
//!
//! Entries are written in the same transaction as the change they describe,
//! so an action and its audit row commit or roll back together. The table is
//! append-only (a trigger refuses updates and deletes).

use consilium_shared::UserId;
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::db::{models::NewAuditEvent, schema::audit_events};

/// One entry to append.
#[derive(Debug)]
pub struct AuditEntry<'a> {
    /// Who acted; `None` for anonymous actions.
    pub actor: Option<UserId>,
    /// What was done, snake_case (`login_failed`, `member_added`, …).
    pub action: &'a str,
    /// Kind of the target (`user`, `team`, `case`, …).
    pub target_type: &'a str,
    /// Id of the target.
    pub target_id: Option<String>,
    /// Action-specific facts.
    pub detail: Value,
    /// Client address.
    pub ip: Option<&'a str>,
}

impl<'a> AuditEntry<'a> {
    /// An entry by `actor` about `target_type` `target_id`.
    pub fn new(actor: Option<UserId>, action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Self {
            actor,
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            detail: Value::Object(Default::default()),
            ip: None,
        }
    }

    /// Attaches action-specific facts.
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    /// Attaches the client address.
    pub fn ip(mut self, ip: Option<&'a str>) -> Self {
        self.ip = ip;
        self
    }
}

/// Appends `entry` on `conn` (inside the caller's transaction, when it has one).
pub async fn record(conn: &mut AsyncPgConnection, entry: AuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(NewAuditEvent {
            actor_id: entry.actor,
            action: entry.action,
            target_type: entry.target_type,
            target_id: entry.target_id,
            detail: entry.detail,
            ip: entry.ip,
        })
        .execute(conn)
        .await
        .map(drop)
}
