//! Hold and release: the delivery order of one conversation on one socket,
//! as a pure value with no socket, clock or database, so every ordering rule
//! is unit-tested here and the session only moves bytes.
//!
//! Events of a conversation carry gapless seqs but may arrive out of order
//! (two nodes publish through Redis) or twice (an event and a sync, or a
//! gap fill). The cursor remembers the last seq delivered, drops anything at
//! or below it, holds anything that skips ahead, and releases held events as
//! soon as the hole before them fills. A hole that stays open is filled from
//! Postgres by the session; [`Cursor::gap`] says what to fetch and since when.

use std::collections::BTreeMap;
use std::time::Instant;

/// One conversation's delivery position; `T` is the encoded event.
#[derive(Debug, Clone)]
pub struct Cursor<T> {
    delivered: i64,
    held: BTreeMap<i64, T>,
    gap_since: Option<Instant>,
}

/// A hole to fill from the database: the messages after `after` up to and
/// including `until`, open since `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The last seq delivered.
    pub after: i64,
    /// The highest seq held.
    pub until: i64,
    /// When the oldest held event arrived with the hole before it.
    pub since: Instant,
}

impl<T> Cursor<T> {
    /// A cursor of a conversation the client has seen up to `delivered`.
    pub fn new(delivered: i64) -> Self {
        Self {
            delivered,
            held: BTreeMap::new(),
            gap_since: None,
        }
    }

    /// The last seq delivered.
    pub fn delivered(&self) -> i64 {
        self.delivered
    }

    /// The open hole, if any.
    pub fn gap(&self) -> Option<Gap> {
        let until = *self.held.keys().next_back()?;
        Some(Gap {
            after: self.delivered,
            until,
            since: self.gap_since?,
        })
    }

    /// Offers the event with `seq`, arrived at `now`; returns what may be
    /// delivered now, in seq order (nothing for a duplicate or an event
    /// that skips ahead, which is held).
    pub fn offer(&mut self, seq: i64, event: T, now: Instant) -> Vec<T> {
        if seq <= self.delivered {
            return Vec::new();
        }
        if seq > self.delivered + 1 {
            self.held.insert(seq, event);
            self.gap_since.get_or_insert(now);
            return Vec::new();
        }
        self.delivered = seq;
        let mut ready = vec![event];
        while let Some(next) = self.held.remove(&(self.delivered + 1)) {
            self.delivered += 1;
            ready.push(next);
        }
        self.restart_gap(now);
        ready
    }

    /// Offers an event read from the database to fill a hole: it replaces a
    /// held copy of the same seq; either way each seq is delivered once.
    pub fn offer_fetched(&mut self, seq: i64, event: T, now: Instant) -> Vec<T> {
        self.held.remove(&seq);
        self.offer(seq, event, now)
    }

    /// The client received everything up to `seq` another way (a `sync`):
    /// held events at or below it are dropped.
    pub fn advance_to(&mut self, seq: i64, now: Instant) {
        if seq > self.delivered {
            self.delivered = seq;
            self.held = self.held.split_off(&(seq + 1));
            self.restart_gap(now);
        }
    }

    /// Whatever is still held waits behind a hole that opened (again) `now`.
    pub fn restart_gap(&mut self, now: Instant) {
        self.gap_since = self.held.keys().next().map(|_| now);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(ms: u64, base: Instant) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn in_order_events_pass_straight_through() {
        let t = Instant::now();
        let mut c = Cursor::new(0);
        assert_eq!(c.offer(1, "a", t), vec!["a"]);
        assert_eq!(c.offer(2, "b", t), vec!["b"]);
        assert_eq!(c.delivered(), 2);
        assert_eq!(c.gap(), None);
    }

    #[test]
    fn duplicates_and_old_events_are_dropped() {
        let t = Instant::now();
        let mut c = Cursor::new(5);
        assert!(c.offer(5, "dup", t).is_empty());
        assert!(c.offer(3, "old", t).is_empty());
        assert_eq!(c.offer(6, "new", t), vec!["new"]);
        assert!(c.offer(6, "again", t).is_empty());
    }

    #[test]
    fn an_event_that_skips_ahead_is_held_until_the_hole_fills() {
        let t = Instant::now();
        let mut c = Cursor::new(1);
        assert!(c.offer(3, "c", t).is_empty());
        assert!(c.offer(4, "d", at(10, t)).is_empty());
        assert_eq!(
            c.gap(),
            Some(Gap {
                after: 1,
                until: 4,
                since: t
            }),
            "the hole dates from the first held event"
        );
        assert_eq!(c.offer(2, "b", at(20, t)), vec!["b", "c", "d"]);
        assert_eq!(c.delivered(), 4);
        assert_eq!(c.gap(), None);
    }

    #[test]
    fn a_second_hole_restarts_the_clock_once_the_first_fills() {
        let t = Instant::now();
        let mut c = Cursor::new(0);
        c.offer(2, "b", t);
        c.offer(5, "e", t);
        assert_eq!(c.offer(1, "a", at(50, t)), vec!["a", "b"]);
        let gap = c.gap().map(|g| (g.after, g.until, g.since));
        assert_eq!(gap, Some((2, 5, at(50, t))));
    }

    #[test]
    fn fetched_events_and_held_copies_are_delivered_once() {
        let t = Instant::now();
        let mut c = Cursor::new(0);
        c.offer(3, "c-live", t);
        let mut out = Vec::new();
        for (seq, e) in [(1, "a-db"), (2, "b-db"), (3, "c-db")] {
            out.extend(c.offer_fetched(seq, e, at(300, t)));
        }
        // filling seq 2 releases the held live copy of 3; the fetched copy of
        // 3 is then a duplicate: each seq reaches the client exactly once
        assert_eq!(out, vec!["a-db", "b-db", "c-live"]);
        assert_eq!(c.delivered(), 3);
        assert_eq!(c.gap(), None);
        assert!(c.offer(3, "c-late", t).is_empty());
    }

    #[test]
    fn a_sync_moves_the_position_and_drops_what_it_covered() {
        let t = Instant::now();
        let mut c = Cursor::new(0);
        c.offer(3, "c", t);
        c.offer(7, "g", t);
        c.advance_to(5, at(100, t));
        assert_eq!(c.delivered(), 5);
        assert_eq!(c.gap().map(|g| (g.after, g.until, g.since)), Some((5, 7, at(100, t))));
        assert_eq!(c.offer(6, "f", t), vec!["f", "g"]);
        c.advance_to(2, t);
        assert_eq!(c.delivered(), 7, "a sync never moves the position back");
    }

    #[test]
    fn a_hole_the_database_cannot_fill_keeps_waiting() {
        let t = Instant::now();
        let mut c = Cursor::new(0);
        c.offer(3, "c", t);
        // the fill found seq 1 but not 2 (not yet committed when read)
        assert_eq!(c.offer_fetched(1, "a", at(300, t)), vec!["a"]);
        c.restart_gap(at(300, t));
        assert_eq!(c.gap().map(|g| (g.after, g.since)), Some((1, at(300, t))));
    }

    /// Any arrival order of a gapless run, with duplicates, delivers each
    /// event exactly once and in seq order.
    #[test]
    fn every_arrival_order_delivers_once_in_order() {
        let t = Instant::now();
        let orders: [&[i64]; 6] = [
            &[1, 2, 3, 4, 5],
            &[5, 4, 3, 2, 1],
            &[2, 1, 4, 3, 5],
            &[3, 3, 1, 5, 2, 4, 1],
            &[5, 1, 5, 2, 2, 3, 4],
            &[4, 2, 5, 3, 1, 5, 4],
        ];
        for order in orders {
            let mut c = Cursor::new(0);
            let mut out = Vec::new();
            for &seq in order {
                out.extend(c.offer(seq, seq, t));
            }
            assert_eq!(out, vec![1, 2, 3, 4, 5], "arrival order {order:?}");
            assert_eq!(c.gap(), None);
        }
    }
}
