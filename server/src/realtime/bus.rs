//! Fan-out between nodes over Redis sharded pub/sub (SPUBLISH/SSUBSCRIBE).
//!
//! One subscriber connection per process, never one per socket. The hub asks
//! for a topic's channel while some local socket needs it and releases it when
//! the last one goes. Sharded pub/sub keeps each channel on the shard that owns
//! its slot, so the same commands work on a Redis Cluster (`redis+cluster://`),
//! where the cluster connection routes each channel to its shard.
//!
//! Redis is not the source of truth: when it is unreachable, messages are still
//! committed and acked, local sockets still get them, and once the subscriber
//! is back every local socket catches up from Postgres.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use redis::{PushInfo, PushKind, Value};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::envelope::Envelope;
use super::hub::{Hub, SubscriptionCommand};
use super::metrics::Metrics;
use super::redis_conn::{REDIS_TIMEOUT, RedisConn};
use crate::config::RedisTarget;

/// Without Redis there is nothing to subscribe to; barriers resolve at once.
pub async fn run_local(mut commands: mpsc::UnboundedReceiver<SubscriptionCommand>) {
    while let Some(cmd) = commands.recv().await {
        if let SubscriptionCommand::Barrier(done) = cmd {
            let _ = done.send(());
        }
    }
}

/// Envelopes waiting to be published; past this many, new ones are dropped
/// (and counted): sockets recover them from Postgres.
const PUBLISH_QUEUE: usize = 65_536;
/// Most envelopes sent in one pipelined round trip.
const PUBLISH_BATCH: usize = 256;

/// Publishes envelopes to other nodes. Publishing never waits for Redis: a
/// background task drains a queue in pipelined batches, so a slow or absent
/// Redis never delays an ack.
#[derive(Clone)]
pub struct RedisPublisher {
    queue: mpsc::Sender<(String, String)>,
    conn: RedisConn,
    prefix: String,
    metrics: Metrics,
}

impl RedisPublisher {
    /// Queues `envelope` for every node listening to its topic.
    pub fn publish(&self, envelope: &Envelope) {
        let payload = match envelope.encode() {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "could not encode envelope");
                return;
            }
        };
        if self
            .queue
            .try_send((envelope.topic.channel(&self.prefix), payload))
            .is_err()
        {
            self.metrics.bus_publish_errors.inc();
        }
    }

    /// Whether Redis answers a PING promptly.
    pub async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        matches!(
            tokio::time::timeout(
                Duration::from_secs(1),
                redis::cmd("PING").query_async::<Value>(&mut conn)
            )
            .await,
            Ok(Ok(_))
        )
    }
}

async fn run_publisher(conn: RedisConn, mut queue: mpsc::Receiver<(String, String)>, metrics: Metrics) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while queue.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        if conn.is_cluster() {
            // A cluster pipeline must stay within one slot: one pipeline per
            // channel (keeping each channel's order), all sent at once.
            let mut by_channel: HashMap<&str, redis::Pipeline> = HashMap::new();
            for (channel, payload) in &batch {
                by_channel
                    .entry(channel.as_str())
                    .or_insert_with(redis::pipe)
                    .cmd("SPUBLISH")
                    .arg(channel)
                    .arg(payload)
                    .ignore();
            }
            let sends = by_channel.values().map(|pipe| {
                let mut conn = conn.clone();
                async move { send(pipe, &mut conn).await.err().map(|e| (e, pipe.len())) }
            });
            for (error, dropped) in futures_util::future::join_all(sends).await.into_iter().flatten() {
                metrics.bus_publish_errors.inc_by(dropped as u64);
                tracing::warn!(%error, dropped, "redis publish failed; remote sockets catch up from Postgres");
            }
        } else {
            let mut pipe = redis::pipe();
            for (channel, payload) in &batch {
                pipe.cmd("SPUBLISH").arg(channel).arg(payload).ignore();
            }
            let mut conn = conn.clone();
            if let Err(error) = send(&pipe, &mut conn).await {
                metrics.bus_publish_errors.inc_by(batch.len() as u64);
                tracing::warn!(%error, dropped = batch.len(), "redis publish failed; remote sockets catch up from Postgres");
            }
        }
        batch.clear();
    }
}

/// Why a publish did not reach Redis.
#[derive(Debug, thiserror::Error)]
enum PublishError {
    /// Redis answered with an error (or the connection failed).
    #[error("{0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer in time.
    #[error("timed out")]
    Timeout,
}

async fn send(pipe: &redis::Pipeline, conn: &mut RedisConn) -> Result<(), PublishError> {
    match tokio::time::timeout(REDIS_TIMEOUT, pipe.query_async::<()>(conn)).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(PublishError::Timeout),
    }
}

/// Connects the publisher and starts the subscriber task, which feeds `hub`.
pub async fn connect(
    target: &RedisTarget,
    ca: Option<&[u8]>,
    prefix: String,
    node: Uuid,
    hub: Hub,
    commands: mpsc::UnboundedReceiver<SubscriptionCommand>,
    metrics: Metrics,
) -> anyhow::Result<RedisPublisher> {
    // RedisError's message already holds its cause; as a source it would print twice.
    let conn = RedisConn::connect(target, ca, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (queue, queued) = mpsc::channel(PUBLISH_QUEUE);
    tokio::spawn(run_publisher(conn.clone(), queued, metrics.clone()));
    let publisher = RedisPublisher {
        queue,
        conn,
        prefix: prefix.clone(),
        metrics: metrics.clone(),
    };
    let subscriber = Subscriber {
        target: target.clone(),
        ca: ca.map(<[u8]>::to_vec),
        prefix,
        node,
        hub,
        metrics,
    };
    tokio::spawn(subscriber.run(commands));
    Ok(publisher)
}

/// The one subscriber connection of this process and what it feeds.
struct Subscriber {
    target: RedisTarget,
    ca: Option<Vec<u8>>,
    prefix: String,
    node: Uuid,
    hub: Hub,
    metrics: Metrics,
}

impl Subscriber {
    async fn run(self, mut commands: mpsc::UnboundedReceiver<SubscriptionCommand>) {
        let (push_tx, mut pushes) = mpsc::unbounded_channel::<PushInfo>();
        let mut conn = loop {
            match RedisConn::connect(&self.target, self.ca.as_deref(), Some(push_tx.clone())).await {
                Ok(conn) => break conn,
                Err(e) => {
                    tracing::warn!(error = %e, "redis subscriber cannot connect; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        let metrics = &self.metrics;
        let mut wanted: HashSet<String> = HashSet::new();
        let mut healthy = true;
        // Clean resubscription passes in a row since the last trouble.
        let mut clean_passes = 0;
        metrics.bus_connected.set(1);
        let mut retry = tokio::time::interval(Duration::from_millis(500));
        retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        loop {
            tokio::select! {
                cmd = commands.recv() => {
                    let Some(cmd) = cmd else { break };
                    match cmd {
                        SubscriptionCommand::Subscribe(topics) => {
                            for topic in topics {
                                let channel = topic.channel(&self.prefix);
                                if healthy && redis::cmd("SSUBSCRIBE").arg(&channel).exec_async(&mut conn).await.is_err() {
                                    mark_unhealthy(&mut healthy, metrics);
                                }
                                wanted.insert(channel);
                            }
                        }
                        SubscriptionCommand::Unsubscribe(topics) => {
                            for topic in topics {
                                let channel = topic.channel(&self.prefix);
                                wanted.remove(&channel);
                                if healthy && redis::cmd("SUNSUBSCRIBE").arg(&channel).exec_async(&mut conn).await.is_err() {
                                    mark_unhealthy(&mut healthy, metrics);
                                }
                            }
                        }
                        SubscriptionCommand::Barrier(done) => {
                            let _ = done.send(());
                        }
                    }
                }
                push = pushes.recv() => {
                    let Some(push) = push else { break };
                    match push.kind {
                        PushKind::SMessage | PushKind::Message => {
                            if let Some(Value::BulkString(bytes)) = push.data.get(1) {
                                match Envelope::decode(bytes) {
                                    Ok(envelope) if envelope.origin != self.node => self.hub.deliver(std::sync::Arc::new(envelope)),
                                    Ok(_) => {}
                                    Err(e) => tracing::warn!(error = %e, "undecodable envelope from redis"),
                                }
                            }
                        }
                        PushKind::Disconnection => {
                            mark_unhealthy(&mut healthy, metrics);
                            clean_passes = 0;
                        }
                        // A cluster shard that gives up a slot (failover,
                        // resharding) unsubscribes its clients from the slot's
                        // channels; one still wanted means resubscribing.
                        PushKind::SUnsubscribe => {
                            if let Some(Value::BulkString(channel)) = push.data.first()
                                && wanted.contains(String::from_utf8_lossy(channel).as_ref())
                            {
                                mark_unhealthy(&mut healthy, metrics);
                                clean_passes = 0;
                            }
                        }
                        _ => {}
                    }
                }
                _ = retry.tick(), if !healthy => {
                    let mut ok = redis::cmd("PING").query_async::<Value>(&mut conn).await.is_ok();
                    for channel in &wanted {
                        if !ok {
                            break;
                        }
                        ok = redis::cmd("SSUBSCRIBE").arg(channel).exec_async(&mut conn).await.is_ok();
                    }
                    clean_passes = if ok { clean_passes + 1 } else { 0 };
                    // A cluster connection that reconnects one node may drop
                    // its sockets to the others, and their subscriptions,
                    // without a word (it resubscribes on its own later). One
                    // more clean pass once the cluster has settled makes sure
                    // every channel is subscribed before sockets catch up.
                    let needed = if conn.is_cluster() { 2 } else { 1 };
                    if clean_passes >= needed {
                        healthy = true;
                        clean_passes = 0;
                        metrics.bus_connected.set(1);
                        tracing::info!(channels = wanted.len(), "redis subscriber reconnected; sockets catch up");
                        self.hub.bus_reconnected();
                    }
                }
            }
        }
    }
}

fn mark_unhealthy(healthy: &mut bool, metrics: &Metrics) {
    if *healthy {
        tracing::warn!("redis subscriber lost its connection; will resubscribe");
    }
    *healthy = false;
    metrics.bus_connected.set(0);
}
