//! Fan-out between nodes over Redis sharded pub/sub (SPUBLISH/SSUBSCRIBE).
//!
//! One subscriber connection per process, never one per socket. The hub asks
//! for a topic's channel while some local socket needs it and releases it when
//! the last one goes. Sharded pub/sub keeps each channel on the shard that owns
//! its slot, so the same commands work on a Redis Cluster.
//!
//! Redis is not the source of truth: when it is unreachable, messages are still
//! committed and acked, local sockets still get them, and once the subscriber
//! is back every local socket catches up from Postgres.

use std::collections::HashSet;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{PushInfo, PushKind, Value};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::envelope::Envelope;
use super::hub::{Hub, SubscriptionCommand};
use super::metrics::Metrics;

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
/// How long Redis may take to answer before the node treats it as down.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Publishes envelopes to other nodes. Publishing never waits for Redis: a
/// background task drains a queue in pipelined batches, so a slow or absent
/// Redis never delays an ack.
#[derive(Clone)]
pub struct RedisPublisher {
    queue: mpsc::Sender<(String, String)>,
    conn: ConnectionManager,
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
                redis::cmd("PING").query_async::<String>(&mut conn)
            )
            .await,
            Ok(Ok(_))
        )
    }
}

async fn run_publisher(mut conn: ConnectionManager, mut queue: mpsc::Receiver<(String, String)>, metrics: Metrics) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while queue.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for (channel, payload) in &batch {
            pipe.cmd("SPUBLISH").arg(channel).arg(payload).ignore();
        }
        match tokio::time::timeout(REDIS_TIMEOUT, pipe.query_async::<()>(&mut conn)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                metrics.bus_publish_errors.inc_by(batch.len() as u64);
                tracing::warn!(error = %e, dropped = batch.len(), "redis publish failed; remote sockets catch up from Postgres");
            }
            Err(_) => {
                metrics.bus_publish_errors.inc_by(batch.len() as u64);
                tracing::warn!(
                    dropped = batch.len(),
                    "redis publish timed out; remote sockets catch up from Postgres"
                );
            }
        }
        batch.clear();
    }
}

/// A client for `url`. A `rediss://` URL speaks TLS (rustls), trusting the
/// built-in public CAs, or only `ca` (PEM) when given.
pub fn client(url: &str, resp3: bool, ca: Option<&[u8]>) -> redis::RedisResult<redis::Client> {
    let url = if !resp3 || url.contains("protocol=") {
        url.to_owned()
    } else {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}protocol=resp3")
    };
    match ca {
        None => redis::Client::open(url),
        Some(ca) => redis::Client::build_with_tls(
            url,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(ca.to_vec()),
            },
        ),
    }
}

/// Connection settings with short timeouts: Redis only speeds delivery up, so
/// waiting long for it is never worth it.
pub fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(REDIS_TIMEOUT)
        .set_response_timeout(REDIS_TIMEOUT)
        .set_number_of_retries(1)
        .set_max_delay(1000)
}

/// Connects the publisher and starts the subscriber task, which feeds `hub`.
pub async fn connect(
    url: &str,
    ca: Option<&[u8]>,
    prefix: String,
    node: Uuid,
    hub: Hub,
    commands: mpsc::UnboundedReceiver<SubscriptionCommand>,
    metrics: Metrics,
) -> anyhow::Result<RedisPublisher> {
    // RedisError's message already holds its cause; as a source it would print twice.
    let conn = ConnectionManager::new_with_config(client(url, false, ca)?, manager_config())
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
    let sub_client = client(url, true, ca)?;
    tokio::spawn(run_subscriber(sub_client, prefix, node, hub, commands, metrics));
    Ok(publisher)
}

async fn run_subscriber(
    client: redis::Client,
    prefix: String,
    node: Uuid,
    hub: Hub,
    mut commands: mpsc::UnboundedReceiver<SubscriptionCommand>,
    metrics: Metrics,
) {
    let (push_tx, mut pushes) = mpsc::unbounded_channel::<PushInfo>();
    let mut conn = loop {
        match ConnectionManager::new_with_config(client.clone(), manager_config().set_push_sender(push_tx.clone()))
            .await
        {
            Ok(conn) => break conn,
            Err(e) => {
                tracing::warn!(error = %e, "redis subscriber cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let mut wanted: HashSet<String> = HashSet::new();
    let mut healthy = true;
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
                            let channel = topic.channel(&prefix);
                            if healthy && redis::cmd("SSUBSCRIBE").arg(&channel).exec_async(&mut conn).await.is_err() {
                                mark_unhealthy(&mut healthy, &metrics);
                            }
                            wanted.insert(channel);
                        }
                    }
                    SubscriptionCommand::Unsubscribe(topics) => {
                        for topic in topics {
                            let channel = topic.channel(&prefix);
                            wanted.remove(&channel);
                            if healthy && redis::cmd("SUNSUBSCRIBE").arg(&channel).exec_async(&mut conn).await.is_err() {
                                mark_unhealthy(&mut healthy, &metrics);
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
                                Ok(envelope) if envelope.origin != node => hub.deliver(std::sync::Arc::new(envelope)),
                                Ok(_) => {}
                                Err(e) => tracing::warn!(error = %e, "undecodable envelope from redis"),
                            }
                        }
                    }
                    PushKind::Disconnection => mark_unhealthy(&mut healthy, &metrics),
                    _ => {}
                }
            }
            _ = retry.tick(), if !healthy => {
                let mut ok = redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok();
                for channel in &wanted {
                    if !ok {
                        break;
                    }
                    ok = redis::cmd("SSUBSCRIBE").arg(channel).exec_async(&mut conn).await.is_ok();
                }
                if ok {
                    healthy = true;
                    metrics.bus_connected.set(1);
                    tracing::info!(channels = wanted.len(), "redis subscriber reconnected; sockets catch up");
                    hub.bus_reconnected();
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
