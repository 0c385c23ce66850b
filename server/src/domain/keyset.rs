//! Keyset paging: a page ends at the sort key of its last item and the next
//! page starts strictly after it, so rows inserted meanwhile never shift what
//! a client has already seen (offset paging would repeat or skip items).
//!
//! Keys are parsed here from the text inside a cursor; `routes` wraps that
//! text so clients treat it as opaque. Timestamps travel as whole
//! microseconds, Postgres' own precision, so a key compares equal to the row
//! it came from.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ValidationError;

/// How much of a list to load: `limit` items after `after` (from the start when `None`).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest<K> {
    /// Where the previous page ended.
    pub after: Option<K>,
    /// Page size (already checked against the spec's bounds).
    pub limit: i64,
}

impl<K> PageRequest<K> {
    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts rows fetched with [`Self::fetch`] to the page; `true` when more follow.
    pub fn split<T>(&self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        (rows, more)
    }
}

fn malformed() -> ValidationError {
    ValidationError::new("cursor", consilium_shared::ErrorReason::MalformedCursor, "malformed")
}

fn parse_micros(raw: &str) -> Result<DateTime<Utc>, ValidationError> {
    raw.parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(malformed)
}

fn parse_id(raw: &str) -> Result<Uuid, ValidationError> {
    Uuid::parse_str(raw).map_err(|_| malformed())
}

/// Position in a list ordered by creation time, the id breaking ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeKey {
    /// The item's `created_at`.
    pub at: DateTime<Utc>,
    /// The item's id.
    pub id: Uuid,
}

impl TimeKey {
    /// Reads the text made by [`Self::encode`].
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let (at, id) = raw.split_once('_').ok_or_else(malformed)?;
        Ok(Self {
            at: parse_micros(at)?,
            id: parse_id(id)?,
        })
    }

    /// The key as cursor text.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.at.timestamp_micros(), self.id)
    }
}

/// Position in the triage order: priority rank (1 = most urgent), then age, then id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueKey {
    /// The priority's rank, as the queue's SQL ranks it.
    pub rank: i32,
    /// The case's `created_at`.
    pub at: DateTime<Utc>,
    /// The case's id.
    pub id: Uuid,
}

impl QueueKey {
    /// Reads the text made by [`Self::encode`].
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let mut parts = raw.splitn(3, '_');
        let (Some(rank), Some(at), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed());
        };
        Ok(Self {
            rank: rank.parse().map_err(|_| malformed())?,
            at: parse_micros(at)?,
            id: parse_id(id)?,
        })
    }

    /// The key as cursor text.
    pub fn encode(&self) -> String {
        format!("{}_{}_{}", self.rank, self.at.timestamp_micros(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_to_the_microsecond() -> Result<(), ValidationError> {
        let at = DateTime::from_timestamp_micros(1_795_000_000_123_456).ok_or_else(malformed)?;
        let time = TimeKey { at, id: Uuid::now_v7() };
        assert_eq!(TimeKey::parse(&time.encode())?, time);
        let queue = QueueKey {
            rank: 2,
            at,
            id: Uuid::now_v7(),
        };
        assert_eq!(QueueKey::parse(&queue.encode())?, queue);
        Ok(())
    }

    #[test]
    fn foreign_text_is_refused() {
        assert!(TimeKey::parse("").is_err());
        assert!(TimeKey::parse("12_not-a-uuid").is_err());
        assert!(TimeKey::parse("yesterday_0192f3a2-1b44-7e05-a1c9-3f2d4e5a6b7c").is_err());
        assert!(QueueKey::parse("1_2").is_err());
        assert!(QueueKey::parse("x_1_0192f3a2-1b44-7e05-a1c9-3f2d4e5a6b7c").is_err());
    }

    #[test]
    fn a_page_knows_whether_more_follow() {
        let page = PageRequest::<TimeKey> { after: None, limit: 2 };
        assert_eq!(page.fetch(), 3);
        assert_eq!(page.split(vec![1, 2, 3]), (vec![1, 2], true));
        assert_eq!(page.split(vec![1, 2]), (vec![1, 2], false));
    }
}
