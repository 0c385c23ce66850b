//! Whether bulk work should give way to chat at this moment.
//!
//! A node's cores are shared by the people chatting on it and by the bytes
//! of the files being uploaded to it. On a small node fifty 5 MiB uploads
//! arriving at memory speed take every core for most of a second, and
//! every chat message of that second waits (deliver p99 10.8 → 60 ms at
//! 500 msg/s on two cores, docs/performance.md). Chat is what people feel;
//! an upload that takes a second longer is not.
//!
//! So the node watches itself, two ways. A probe on each of its runtimes
//! asks for a wake-up every few milliseconds and notes how late it comes:
//! late wake-ups mean runnable work is queueing for a core, which is what
//! makes a chat message wait in the node. And the message writer reports
//! how long each batch took to store: a slow one means Postgres is short of
//! a core or its WAL flush waits behind the uploads' writes on the disk,
//! which is what makes a chat message wait in the database. While chat is
//! flowing (a batch of messages stored within the last second) and either shows, uploads stop
//! reading for a moment ([`Pressure::give_way`]); their TCP windows fill
//! and their clients pause too, so the cores and the disk go back to chat.
//! With no chat on the node, an upload runs at full speed however busy it
//! makes the node.
//!
//! Everything here is per node and lives in memory: it measures the node's
//! own cores, which no other node shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// How often the probe asks to be woken.
const TICK: Duration = Duration::from_millis(5);
/// A wake-up this much later than asked for means work is queueing for a
/// core. Tokio's timer has a granularity of a millisecond, so an idle
/// node's wake-ups come up to about a millisecond late.
const LATE: Duration = Duration::from_millis(2);
/// A batch of messages that took this long to store (a connection, the
/// statement, the commit) means the database is being held up; with chat
/// alone 98–99 % of batches take less (`bench/attachments.sh` prints them).
const SLOW_BATCH: Duration = Duration::from_millis(10);
/// After a late wake-up or a slow batch the node counts as crowded for
/// this long: uploads that resume at the first on-time tick would crowd it
/// again at once.
const CROWDED_FOR: Duration = Duration::from_millis(25);
/// Chat counts as flowing for this long after a batch of messages is stored.
const CHAT_FLOWS_FOR: Duration = Duration::from_secs(1);
/// How often an idle probe looks whether chat has started.
const IDLE_TICK: Duration = Duration::from_millis(100);
/// How long bulk work sleeps before it looks again.
const PAUSE: Duration = Duration::from_millis(5);
/// The longest one [`Pressure::give_way`] waits: a node whose chat alone
/// keeps it crowded still takes uploads, a piece at a time.
const MOST_WAIT: Duration = Duration::from_millis(100);

/// The node's pressure gauge; cheap to clone.
#[derive(Clone, Debug)]
pub struct Pressure {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// When the gauge started; the instants below count microseconds from it.
    epoch: Instant,
    /// The last batch of messages stored, in microseconds since `epoch` (0: none yet).
    last_batch_us: AtomicU64,
    /// Crowded until this instant, in microseconds since `epoch` (0: not).
    crowded_until_us: AtomicU64,
    /// Time uploads spent giving way, for `/metrics`.
    yielded: prometheus::Counter,
    /// How late the probe's wake-ups came, for `/metrics`.
    lateness: prometheus::Histogram,
    /// How long batches of messages took to store, for `/metrics`.
    batches: prometheus::Histogram,
}

impl Pressure {
    /// A gauge whose figures go to `registry`; [`Pressure::start`] runs its probe.
    pub fn new(registry: &prometheus::Registry) -> prometheus::Result<Self> {
        let yielded = prometheus::Counter::new(
            "consilium_uploads_yielded_seconds_total",
            "Time uploads paused reading so that chat could have the node's cores",
        )?;
        registry.register(Box::new(yielded.clone()))?;
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| -> prometheus::Result<prometheus::Histogram> {
            let histogram =
                prometheus::Histogram::with_opts(prometheus::HistogramOpts::new(name, help).buckets(buckets))?;
            registry.register(Box::new(histogram.clone()))?;
            Ok(histogram)
        };
        let lateness = histogram(
            "consilium_runtime_wakeup_lateness_seconds",
            "How late the node's pressure probe was woken (work queueing for a core)",
            vec![0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064],
        )?;
        let batches = histogram(
            "consilium_message_batch_store_seconds",
            "How long the message writer took to store a batch (connection, statement, commit)",
            vec![0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                epoch: Instant::now(),
                last_batch_us: AtomicU64::new(0),
                crowded_until_us: AtomicU64::new(0),
                yielded,
                lateness,
                batches,
            }),
        })
    }

    /// Runs a probe on the current runtime until the process ends. Each
    /// runtime that serves chat gets one (the node's main one, which runs
    /// the message writer, and every HTTP worker, which reads sockets and
    /// uploads alike): one worker swamped with an upload's bytes delays the
    /// chat on it even while the machine has a core to spare.
    pub fn start(&self) {
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            loop {
                if !inner.chat_flows(Instant::now()) {
                    // nothing to protect: look again now and then, and let an idle node sleep
                    tokio::time::sleep(IDLE_TICK).await;
                    continue;
                }
                let asked = Instant::now() + TICK;
                tokio::time::sleep_until(asked).await;
                let woke = Instant::now();
                let late = woke.saturating_duration_since(asked);
                inner.lateness.observe(late.as_secs_f64());
                if late >= LATE {
                    inner.crowd_from(woke);
                }
            }
        });
    }

    /// Notes that a batch of chat messages was stored on this node, taking
    /// `took`: chat flows, and a slow batch means the database is held up.
    /// Once per batch, not per message: a busy node's sends come in batches.
    pub fn note_batch(&self, took: Duration) {
        let now = Instant::now();
        self.inner
            .last_batch_us
            .store(self.inner.micros(now).max(1), Ordering::Relaxed);
        self.inner.batches.observe(took.as_secs_f64());
        if took >= SLOW_BATCH {
            self.inner.crowd_from(now);
        }
    }

    /// True while chat flows and the node's cores or its database are held up.
    pub fn crowded(&self) -> bool {
        let now = Instant::now();
        self.inner.chat_flows(now) && self.inner.crowded_until_us.load(Ordering::Relaxed) > self.inner.micros(now)
    }

    /// Waits while the node is [`crowded`](Self::crowded), for at most a
    /// tenth of a second; returns how long it waited (bulk work that
    /// measures its own pace leaves this out).
    pub async fn give_way(&self) -> Duration {
        let start = Instant::now();
        while self.crowded() && start.elapsed() < MOST_WAIT {
            tokio::time::sleep(PAUSE).await;
        }
        let waited = start.elapsed();
        if waited >= PAUSE {
            self.inner.yielded.inc_by(waited.as_secs_f64());
        }
        waited
    }
}

impl Inner {
    /// Marks the node crowded for a while from `at`.
    fn crowd_from(&self, at: Instant) {
        self.crowded_until_us
            .fetch_max(self.micros(at + CROWDED_FOR), Ordering::Relaxed);
    }

    fn chat_flows(&self, now: Instant) -> bool {
        let last_batch = self.last_batch_us.load(Ordering::Relaxed);
        last_batch != 0 && last_batch + micros_of(CHAT_FLOWS_FOR) > self.micros(now)
    }

    fn micros(&self, at: Instant) -> u64 {
        micros_of(at.saturating_duration_since(self.epoch))
    }
}

fn micros_of(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bulk_work_gives_way_only_while_chat_flows_on_a_crowded_node() -> prometheus::Result<()> {
        let mut pressure = Pressure::new(&prometheus::Registry::new())?;
        // a gauge started a while ago, so "a send over a second ago" exists
        if let (Some(gauge), Some(earlier)) = (
            Arc::get_mut(&mut pressure.inner),
            Instant::now().checked_sub(CHAT_FLOWS_FOR * 2),
        ) {
            gauge.epoch = earlier;
        }
        let inner = &pressure.inner;
        // crowded, but nobody is chatting: uploads go on
        inner.crowded_until_us.store(u64::MAX, Ordering::Relaxed);
        assert!(!pressure.crowded());
        assert!(pressure.give_way().await < PAUSE);
        // chat flows on a crowded node: an upload waits, at most a tenth of a second
        pressure.note_batch(Duration::from_millis(1));
        assert!(pressure.crowded());
        let waited = pressure.give_way().await;
        assert!(waited >= MOST_WAIT, "{waited:?}");
        assert!(inner.yielded.get() >= MOST_WAIT.as_secs_f64());
        // the crowding passes: the upload goes on at once
        inner
            .crowded_until_us
            .store(inner.micros(Instant::now()), Ordering::Relaxed);
        assert!(!pressure.crowded());
        assert!(pressure.give_way().await < PAUSE);
        // the last send was over a second ago: crowding no longer matters
        inner.crowded_until_us.store(u64::MAX, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let long_ago = inner.micros(Instant::now()).saturating_sub(micros_of(CHAT_FLOWS_FOR));
        assert!(long_ago > 0, "the gauge started over a second ago");
        inner.last_batch_us.store(long_ago, Ordering::Relaxed);
        assert!(!pressure.crowded());
        Ok(())
    }

    #[tokio::test]
    async fn the_probe_marks_the_node_crowded_when_its_runtime_is_held_up() -> prometheus::Result<()> {
        let pressure = Pressure::new(&prometheus::Registry::new())?;
        pressure.note_batch(Duration::from_millis(1));
        pressure.start();
        // let the probe ask for its wake-up, then keep this runtime's only
        // thread busy well past it
        tokio::time::sleep(TICK).await;
        std::thread::sleep(TICK * 4);
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(pressure.crowded(), "a probe woken 15 ms late marks the node crowded");
        assert!(pressure.inner.lateness.get_sample_count() > 0);
        Ok(())
    }

    #[tokio::test]
    async fn a_slow_batch_of_messages_marks_the_node_crowded() -> prometheus::Result<()> {
        let pressure = Pressure::new(&prometheus::Registry::new())?;
        pressure.note_batch(Duration::from_millis(3));
        assert!(!pressure.crowded(), "a batch stored in 3 ms is chat as usual");
        pressure.note_batch(SLOW_BATCH * 3);
        assert!(pressure.crowded());
        assert_eq!(pressure.inner.batches.get_sample_count(), 2);
        Ok(())
    }
}
