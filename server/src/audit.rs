//! The audit trail: who did what to which record, from where.
//!
//! Entries are written in the same transaction as the change they describe,
//! so an action and its audit row commit or roll back together. The table is
//! append-only (triggers refuse updates, deletes and TRUNCATE), and each row
//! is linked into a hash chain at commit (migration `audit_chain`): `hash` =
//! SHA-256 over the previous row's hash and the row's content, so [`verify`]
//! finds a row changed, removed or slipped in with the triggers disabled.

use consilium_shared::UserId;
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::db::prepared::CachePrepared;
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

/// The first row the chain check finds wrong, if any: a row without a link
/// (written with the triggers disabled), a hash that does not cover its
/// content and the previous hash, or a gap or swap in the sequence.
const FIRST_BAD: &str = "\
with ordered as (
    select e.id, e.chain_seq, e.prev_hash, e.hash,
           audit_event_digest(e.prev_hash, e) as expected,
           lag(e.hash) over (order by e.chain_seq) as before_hash,
           lag(e.chain_seq) over (order by e.chain_seq) as before_seq
    from audit_events e
    where e.chain_seq is not null
)
select id from (
    select id, -1::bigint as chain_seq from audit_events where chain_seq is null
    union all
    select id, chain_seq from ordered
    where hash is distinct from expected
       or (before_seq is null and (chain_seq <> 1 or prev_hash <> '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea))
       or (before_seq is not null and (chain_seq <> before_seq + 1 or prev_hash is distinct from before_hash))
) bad
order by chain_seq
limit 1";

#[derive(diesel::QueryableByName)]
struct BadRow {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    id: i64,
}

/// Checks the whole hash chain in Postgres, where the digest is defined
/// (`audit_event_digest`), and that its end is the chain's recorded head, so
/// rows cut from the end show too.
pub async fn verify(conn: &mut AsyncPgConnection) -> QueryResult<consilium_shared::audit::AuditVerification> {
    use diesel_async::scoped_futures::ScopedFutureExt;
    // one snapshot: rows committing meanwhile must not look like a cut chain
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| verify_snapshot(conn).scope_boxed())
        .await
}

async fn verify_snapshot(conn: &mut AsyncPgConnection) -> QueryResult<consilium_shared::audit::AuditVerification> {
    use crate::db::schema::audit_chain;
    use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
    let checked: i64 = audit_events::table.count().get_result(conn).await?;
    let bad: Option<BadRow> = diesel::sql_query(FIRST_BAD)
        .cache_prepared()
        .get_result(conn)
        .await
        .optional()?;
    let mut first_bad_id = bad.map(|b| b.id);
    if first_bad_id.is_none() {
        let (head_seq, head_hash): (i64, Vec<u8>) = audit_chain::table
            .find(1)
            .select((audit_chain::seq, audit_chain::hash))
            .first(conn)
            .await?;
        let last: Option<(i64, Option<i64>, Option<Vec<u8>>)> = audit_events::table
            .filter(audit_events::chain_seq.is_not_null())
            .order(audit_events::chain_seq.desc())
            .select((audit_events::id, audit_events::chain_seq, audit_events::hash))
            .first(conn)
            .await
            .optional()?;
        let intact = match &last {
            None => head_seq == 0,
            Some((_, seq, hash)) => *seq == Some(head_seq) && hash.as_deref() == Some(head_hash.as_slice()),
        };
        if !intact {
            first_bad_id = last.map(|(id, ..)| id);
            if first_bad_id.is_none() {
                // every row is gone but the head remembers some
                first_bad_id = Some(0);
            }
        }
    }
    Ok(consilium_shared::audit::AuditVerification {
        ok: first_bad_id.is_none(),
        checked,
        first_bad_id,
    })
}
