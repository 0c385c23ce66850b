//! Group commit for messages: sends that arrive while a write is in flight are
//! stored together by the next one, in one statement and one commit.
//!
//! Every send costs Postgres a transaction — a snapshot, a commit record and a
//! WAL flush — and a hot-row update of its conversation. Under load that fixed
//! cost, not the rows, is what saturates the database; batching amortises it
//! over every message that queued up meanwhile, while a lone send still goes
//! out at once (nothing waits for a timer). Seqs stay gapless and in commit
//! order: the batch locks its conversations in id order (so concurrent batches
//! on other nodes cannot deadlock), numbers the messages from each
//! conversation's `last_seq` and bumps it once.
//!
//! A batch never changes what a single send means: messages it does not store
//! (not a member, a bad reply, a reused `client_msg_id`) and every message of a
//! batch that fails (a concurrent resend on another node) go through the
//! one-at-a-time path, which explains or resolves them exactly as before.

use std::collections::{HashMap, HashSet};

use consilium_shared::{ConversationId, MessageId, UserId};

use crate::config::DeadlineConfig;
use diesel_async::RunQueryDsl;
use tokio::sync::{mpsc, oneshot};

use super::queries::{Message, StoreMessages};
use super::{NewMessage, SendOutcome};
use crate::db::DbPool;
use crate::error::ApiError;
use crate::pressure::Pressure;

/// The most messages one statement stores.
const MAX_BATCH: usize = 256;
/// Writers per node, each owning a fixed share of the conversations (by id),
/// so two batches of one node never want the same conversation row. One is
/// the measured best on two cores: more writers make smaller batches, and
/// Postgres CPU per message rose with them (42% → 66–71% of a core at 1000
/// msg/s with four; docs/performance.md) while p99 got no better. Across
/// nodes writers may meet on a row; they lock in id order, so they wait,
/// never deadlock.
const WRITERS: usize = 1;

struct Job {
    sender: UserId,
    conversation: ConversationId,
    msg: NewMessage,
    reply: oneshot::Sender<Result<SendOutcome, ApiError>>,
}

/// Handle to this node's message writer; cheap to clone.
#[derive(Clone)]
pub struct SendQueue {
    writers: std::sync::Arc<[mpsc::Sender<Job>]>,
}

impl SendQueue {
    /// Connections the writers need: one each, from a pool of their own
    /// ([`SendQueue::start`]).
    pub const CONNECTIONS: usize = WRITERS;

    /// Starts the writer task; batch sizes go to `registry` (how much group
    /// commit is saving shows there), and every batch to `pressure`.
    ///
    /// `db` is the writers' own pool of [`SendQueue::CONNECTIONS`], not the
    /// node's shared one: every chat message of the node waits for the
    /// writer's connection, and in the shared pool it queued behind whatever
    /// requests had come in at the same moment (fifty uploads checking
    /// their callers at once held every send up for a quarter of a second,
    /// docs/performance.md).
    pub fn start(
        db: DbPool,
        registry: &prometheus::Registry,
        deadlines: DeadlineConfig,
        pressure: Pressure,
    ) -> prometheus::Result<Self> {
        let batch_sizes = prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new(
                "consilium_message_batch_size",
                "Messages stored per statement by the group-commit writer",
            )
            .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
        )?;
        registry.register(Box::new(batch_sizes.clone()))?;
        let writers: Vec<mpsc::Sender<Job>> = (0..WRITERS)
            .map(|_| {
                let (tx, rx) = mpsc::channel(MAX_BATCH * 16);
                tokio::spawn(run(db.clone(), rx, batch_sizes.clone(), deadlines, pressure.clone()));
                tx
            })
            .collect();
        Ok(Self {
            writers: writers.into(),
        })
    }

    /// Stores `msg` (same semantics as [`super::send`]); resolves once it is
    /// committed.
    pub async fn send(
        &self,
        sender: UserId,
        conversation: ConversationId,
        msg: NewMessage,
    ) -> Result<SendOutcome, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            sender,
            conversation,
            msg,
            reply,
        };
        // UUIDv7: the low bits are random, so shares are even
        let share = (conversation.0.as_u128() % self.writers.len() as u128) as usize;
        self.writers[share]
            .send(job)
            .await
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("the message writer has stopped")))?;
        answer
            .await
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("the message writer dropped a send")))?
    }
}

/// One writer: takes whatever has queued for its share (waiting for the
/// first send when nothing has) and stores it.
async fn run(
    db: DbPool,
    mut rx: mpsc::Receiver<Job>,
    batch_sizes: prometheus::Histogram,
    deadlines: DeadlineConfig,
    pressure: Pressure,
) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    loop {
        if rx.recv_many(&mut jobs, MAX_BATCH).await == 0 {
            return;
        }
        batch_sizes.observe(jobs.len() as f64);
        let started = std::time::Instant::now();
        write(&db, std::mem::take(&mut jobs), &deadlines).await;
        pressure.note_batch(started.elapsed());
    }
}

async fn write(db: &DbPool, jobs: Vec<Job>, deadlines: &DeadlineConfig) {
    let mut conn = match db.get().await {
        Ok(conn) => conn,
        Err(e) => {
            let e = ApiError::from(e);
            for job in jobs {
                let _ = job.reply.send(Err(clone_error(&e)));
            }
            return;
        }
    };
    // a client_msg_id twice in one batch: the second waits and resolves as a
    // resend; mentions are resolved against the full membership, one at a time
    let mut seen = HashSet::new();
    let (batch, later): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|j| {
        seen.insert((j.sender, j.msg.client_msg_id.0.clone()))
            && j.msg.body.1.is_empty()
            && !j.msg.wants_attention()
            && !j.msg.has_files()
    });
    let ids: Vec<_> = batch.iter().map(|_| MessageId::new()).collect();
    let query = StoreMessages {
        ids: &ids,
        conversations: &batch.iter().map(|j| j.conversation).collect::<Vec<_>>(),
        senders: &batch.iter().map(|j| j.sender).collect::<Vec<_>>(),
        client_msg_ids: &batch.iter().map(|j| j.msg.client_msg_id.0.as_str()).collect::<Vec<_>>(),
        bodies: &batch.iter().map(|j| j.msg.body.0.as_str()).collect::<Vec<_>>(),
        reply_to_seqs: &batch.iter().map(|j| j.msg.reply_to_seq).collect::<Vec<_>>(),
    };
    let stored: Result<Vec<Message>, _> = query.load(&mut conn).await;
    match stored {
        Ok(rows) => {
            let mut by_id: HashMap<MessageId, Message> = rows.into_iter().map(|m| (m.id, m)).collect();
            for (job, id) in batch.into_iter().zip(ids) {
                match by_id.remove(&id) {
                    Some(stored) => {
                        let _ = job.reply.send(Ok(SendOutcome {
                            message: stored.into(),
                            created: true,
                        }));
                    }
                    None => one_at_a_time(&mut conn, job, deadlines).await,
                }
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, "batched send failed; storing one at a time");
            for job in batch {
                one_at_a_time(&mut conn, job, deadlines).await;
            }
        }
    }
    for job in later {
        one_at_a_time(&mut conn, job, deadlines).await;
    }
}

async fn one_at_a_time(conn: &mut diesel_async::AsyncPgConnection, job: Job, deadlines: &DeadlineConfig) {
    let result = super::send(conn, job.sender, job.conversation, job.msg, deadlines).await;
    let _ = job.reply.send(result);
}

/// Errors are not `Clone` (they may wrap a source); a pool failure is told to
/// every waiting sender as the same message.
fn clone_error(e: &ApiError) -> ApiError {
    ApiError::Unexpected(anyhow::anyhow!("{e}"))
}
