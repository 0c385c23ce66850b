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
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::envelope::{Envelope, Topic};
use super::hub::Hub;
use super::metrics::Metrics;

/// Changes to what this node listens to, in order.
pub enum SubscriptionCommand {
    /// Start listening to these topics.
    Subscribe(Vec<Topic>),
    /// Stop listening to these topics.
    Unsubscribe(Vec<Topic>),
    /// Fires once everything queued before it has been applied.
    Barrier(oneshot::Sender<()>),
}

/// Without Redis there is nothing to subscribe to; barriers resolve at once.
pub async fn run_local(mut commands: mpsc::UnboundedReceiver<SubscriptionCommand>) {
    while let Some(cmd) = commands.recv().await {
        if let SubscriptionCommand::Barrier(done) = cmd {
            let _ = done.send(());
        }
    }
}

/// Publishes envelopes to other nodes.
#[derive(Clone)]
pub struct RedisPublisher {
    conn: ConnectionManager,
    prefix: String,
    metrics: Metrics,
}

impl RedisPublisher {
    /// Sends `envelope` to every node listening to its topic.
    pub async fn publish(&self, envelope: &Envelope) {
        let payload = match envelope.encode() {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "could not encode envelope");
                return;
            }
        };
        let mut conn = self.conn.clone();
        let result: redis::RedisResult<i64> = redis::cmd("SPUBLISH")
            .arg(envelope.topic.channel(&self.prefix))
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(e) = result {
            self.metrics.bus_publish_errors.inc();
            tracing::warn!(error = %e, "redis publish failed; remote sockets will catch up from Postgres");
        }
    }

    /// Whether Redis answers a PING.
    pub async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok()
    }
}

fn client(url: &str, resp3: bool) -> redis::RedisResult<redis::Client> {
    if !resp3 || url.contains("protocol=") {
        return redis::Client::open(url);
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    redis::Client::open(format!("{url}{sep}protocol=resp3"))
}

fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_secs(2))
        .set_response_timeout(Duration::from_secs(2))
        .set_number_of_retries(1)
        .set_max_delay(1000)
}

/// Connects the publisher and starts the subscriber task, which feeds `hub`.
pub async fn connect(
    url: &str,
    prefix: String,
    node: Uuid,
    hub: Hub,
    commands: mpsc::UnboundedReceiver<SubscriptionCommand>,
    metrics: Metrics,
) -> anyhow::Result<RedisPublisher> {
    let conn = ConnectionManager::new_with_config(client(url, false)?, manager_config()).await?;
    let publisher = RedisPublisher {
        conn,
        prefix: prefix.clone(),
        metrics: metrics.clone(),
    };
    let sub_client = client(url, true)?;
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
