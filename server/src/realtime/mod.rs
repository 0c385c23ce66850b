//! Live delivery: websocket sessions, the per-node hub, the cross-node bus and presence.
//!
//! Other modules talk to it through [`Realtime`] only, announcing what changed
//! (a message, a roster change, a revoked session); how that reaches sockets
//! on this node and on others is this module's business. Postgres stays the
//! truth: everything here is best-effort fan-out that clients can always
//! reconcile with `sync`.

pub mod bus;
pub mod envelope;
pub mod frame_guard;
pub mod hub;
pub mod metrics;
pub mod ordering;
pub mod presence;
pub mod redis_conn;
pub mod session;

use anyhow::Context;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytestring::ByteString;
use consilium_shared::{
    ConversationId, SessionId, UserId,
    chat::MessageDto,
    ws::{PresenceStatus, ServerEvent},
};
use tokio::sync::mpsc;
use uuid::Uuid;

use self::bus::RedisPublisher;
use self::envelope::{Control, Envelope, Payload, Topic};
use self::hub::Hub;
use self::metrics::Metrics;
use self::presence::PresenceStore;
use self::redis_conn::RedisConn;
use crate::config::{Config, RedisTarget, WsConfig};
use crate::db::DbPool;

/// Handle to the realtime machinery of this node; cheap to clone.
#[derive(Clone)]
pub struct Realtime {
    inner: Arc<Inner>,
}

struct Inner {
    node: Uuid,
    hub: Hub,
    publisher: Option<RedisPublisher>,
    presence: PresenceStore,
    db: DbPool,
    ws: WsConfig,
    metrics: Metrics,
    next_socket: AtomicU64,
    shutdown: tokio_util::sync::CancellationToken,
    /// Permits to build a `ready` snapshot (`WS_HANDSHAKE_CONCURRENCY`).
    handshakes: Arc<tokio::sync::Semaphore>,
}

impl Realtime {
    /// Starts this node's hub and, when configured, connects to Redis.
    pub async fn start(config: &Config, db: DbPool, registry: &prometheus::Registry) -> anyhow::Result<Self> {
        let metrics = Metrics::register(registry)?;
        let node = Uuid::now_v7();
        let (sub_tx, sub_rx) = mpsc::unbounded_channel();
        let hub = Hub::start(sub_tx, metrics.clone());
        let (publisher, presence) = match &config.redis_url {
            Some(url) => {
                let target = RedisTarget::parse(url.expose_secret())
                    .map_err(|reason| anyhow::anyhow!("REDIS_URL is invalid: {reason}"))?;
                // rustls asks for the process-wide crypto provider when the
                // redis client makes its TLS configuration.
                crate::db::tls::install_crypto_provider();
                let ca = match &config.redis_ca_cert {
                    Some(path) => {
                        Some(std::fs::read(path).with_context(|| format!("reading REDIS_CA_CERT {}", path.display()))?)
                    }
                    None => None,
                };
                let ca = ca.as_deref();
                // Says which trust was in force, never the URL (it may hold a password).
                let kind = match &target {
                    RedisTarget::Single(_) => "Redis".to_owned(),
                    RedisTarget::Cluster(nodes) => format!("Redis Cluster (seed nodes: {})", nodes.len()),
                };
                let what = match (target.is_tls(), &config.redis_ca_cert) {
                    (false, _) => format!("connecting to {kind} (plain text)"),
                    (true, Some(path)) => format!("connecting to {kind} (TLS, CA file {})", path.display()),
                    (true, None) => format!("connecting to {kind} (TLS, built-in public CAs)"),
                };
                let publisher = bus::connect(
                    &target,
                    ca,
                    config.redis_prefix.clone(),
                    node,
                    hub.clone(),
                    sub_rx,
                    metrics.clone(),
                )
                .await
                .context(what.clone())?;
                let conn = RedisConn::connect(&target, ca, None)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))
                    .context(what)?;
                let presence = PresenceStore::Redis {
                    conn,
                    prefix: config.redis_prefix.clone(),
                    ttl: config.ws.presence_ttl,
                };
                (Some(publisher), presence)
            }
            None => {
                tokio::spawn(bus::run_local(sub_rx));
                (None, PresenceStore::Local(Default::default()))
            }
        };
        let realtime = Self {
            inner: Arc::new(Inner {
                node,
                hub,
                publisher,
                presence,
                db,
                ws: config.ws.clone(),
                metrics,
                next_socket: AtomicU64::new(1),
                shutdown: tokio_util::sync::CancellationToken::new(),
                handshakes: Arc::new(tokio::sync::Semaphore::new(config.ws.handshake_concurrency)),
            }),
        };
        tokio::spawn(realtime.clone().presence_loop());
        tokio::spawn(realtime.clone().session_check_loop());
        tracing::info!(%node, redis = config.redis_url.is_some(), "realtime started");
        Ok(realtime)
    }

    /// Waits for a turn to build a `ready` snapshot; the turn ends when the
    /// permit is dropped. `None` once the node is shutting down.
    pub async fn handshake_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.inner.handshakes.clone().acquire_owned().await.ok()
    }

    /// Sweeps out presence entries of crashed nodes' sockets, announcing who went offline.
    async fn presence_loop(self) {
        let period = (self.inner.ws.presence_ttl / 3).max(std::time::Duration::from_millis(200));
        let mut tick = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.inner.shutdown.cancelled() => return,
            }
            match self.inner.presence.sweep().await {
                Ok(changed) => {
                    for (user, status) in changed {
                        self.announce_presence(user, status).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "presence sweep failed"),
            }
        }
    }

    /// A close instruction lost on the bus (Redis down at the time) must not
    /// keep a revoked session reading: every heartbeat period the node checks
    /// all its sockets' sessions in one query and closes the ended ones.
    async fn session_check_loop(self) {
        let mut tick = tokio::time::interval(self.inner.ws.heartbeat);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.inner.shutdown.cancelled() => return,
            }
            let live = self.inner.hub.sessions().await;
            if live.is_empty() {
                continue;
            }
            let ended = match self.inner.db.get().await {
                Ok(mut conn) => crate::auth::sessions::ended_among(&mut conn, &live).await,
                Err(e) => Err(e.into()),
            };
            match ended {
                Ok(ended) => {
                    for (user, session_id) in ended {
                        // local only: every node runs this check for its own sockets
                        let close = Payload::Control(Control::CloseSession { session_id });
                        self.inner
                            .hub
                            .deliver(self.envelope(Topic::User(user), None, None, close));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "checking live sessions failed"),
            }
        }
    }

    pub(crate) fn next_socket_key(&self) -> u64 {
        self.inner.next_socket.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    pub(crate) fn presence(&self) -> &PresenceStore {
        &self.inner.presence
    }

    pub(crate) fn ws_config(&self) -> &WsConfig {
        &self.inner.ws
    }

    /// Whether Redis answers; `None` when this node runs without Redis.
    pub async fn redis_ready(&self) -> Option<bool> {
        match &self.inner.publisher {
            Some(p) => Some(p.ping().await),
            None => None,
        }
    }

    /// Stops background tasks.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
    }

    fn envelope(
        &self,
        topic: Topic,
        seq: Option<i64>,
        exclude_user: Option<UserId>,
        payload: Payload,
    ) -> Arc<Envelope> {
        Arc::new(Envelope {
            origin: self.inner.node,
            topic,
            seq,
            exclude_user,
            to_connection: None,
            payload,
        })
    }

    /// Sends `event` to one socket of `user` (signalling), on whichever node it lives.
    pub async fn publish_to_connection(
        &self,
        user: UserId,
        connection: consilium_shared::ConnectionId,
        event: &ServerEvent,
    ) {
        let json = match serde_json::to_string(event) {
            Ok(json) => ByteString::from(json),
            Err(e) => {
                tracing::error!(error = %e, "could not serialize event");
                return;
            }
        };
        let envelope = Arc::new(Envelope {
            origin: self.inner.node,
            topic: Topic::User(user),
            seq: None,
            exclude_user: None,
            to_connection: Some(connection.0),
            payload: Payload::Event(json),
        });
        self.inner.hub.deliver(envelope.clone());
        if let Some(publisher) = &self.inner.publisher {
            publisher.publish(&envelope);
        }
    }

    async fn publish(&self, topic: Topic, seq: Option<i64>, exclude_user: Option<UserId>, payload: Payload) {
        let envelope = self.envelope(topic, seq, exclude_user, payload);
        self.inner.hub.deliver(envelope.clone());
        if let Some(publisher) = &self.inner.publisher {
            publisher.publish(&envelope);
        }
    }

    /// Sends `event` to every socket listening to `topic`, on every node.
    pub async fn publish_event(&self, topic: Topic, event: &ServerEvent, exclude_user: Option<UserId>) {
        let seq = match event {
            ServerEvent::Message { message } => Some(message.seq),
            _ => None,
        };
        match serde_json::to_string(event) {
            Ok(json) => {
                self.publish(topic, seq, exclude_user, Payload::Event(ByteString::from(json)))
                    .await
            }
            Err(e) => tracing::error!(error = %e, "could not serialize event"),
        }
    }

    /// Sends `event` to every session of each of `users`, on every node
    /// (workflow events go to the people involved, whatever they have open).
    pub async fn publish_to_users(&self, users: &[UserId], event: &ServerEvent) {
        let json = match serde_json::to_string(event) {
            Ok(json) => ByteString::from(json),
            Err(e) => {
                tracing::error!(error = %e, "could not serialize event");
                return;
            }
        };
        for user in users {
            self.publish(Topic::User(*user), None, None, Payload::Event(json.clone()))
                .await;
        }
    }

    async fn control(&self, user: UserId, control: Control) {
        self.publish(Topic::User(user), None, None, Payload::Control(control))
            .await;
    }

    /// How long a `send` took in this node, from its frame to its ack.
    pub fn send_answered(&self, took: std::time::Duration) {
        self.inner.metrics.send_seconds.observe(took.as_secs_f64());
    }

    /// A message was committed.
    /// Takes the message by value: the event owns it, and copying a body of up
    /// to 16,000 characters per send would be waste on the hottest path.
    pub async fn message_created(&self, message: MessageDto) {
        self.inner.metrics.messages.inc();
        let topic = Topic::Conversation(message.conversation_id);
        self.publish_event(topic, &ServerEvent::Message { message }, None).await;
    }

    /// A message was recalled.
    pub async fn message_recalled(&self, conversation_id: ConversationId, seq: i64) {
        let event = ServerEvent::MessageRecalled { conversation_id, seq };
        self.publish_event(Topic::Conversation(conversation_id), &event, None)
            .await;
    }

    /// A member's read position moved.
    pub async fn read_moved(&self, conversation_id: ConversationId, user_id: UserId, seq: i64) {
        let event = ServerEvent::Read {
            conversation_id,
            user_id,
            seq,
        };
        self.publish_event(Topic::Conversation(conversation_id), &event, None)
            .await;
    }

    /// Someone is typing (not echoed to their own sessions).
    pub async fn typing(&self, conversation_id: ConversationId, user_id: UserId) {
        let event = ServerEvent::Typing {
            conversation_id,
            user_id,
        };
        self.publish_event(Topic::Conversation(conversation_id), &event, Some(user_id))
            .await;
    }

    /// Tells everyone watching `user` their new presence.
    pub async fn announce_presence(&self, user: UserId, status: PresenceStatus) {
        self.publish_event(
            Topic::Presence(user),
            &ServerEvent::Presence {
                user_id: user,
                status,
                duty: None,
            },
            None,
        )
        .await;
    }

    /// Closes every live socket of `session` on every node.
    pub async fn close_session(&self, user: UserId, session: SessionId) {
        self.control(user, Control::CloseSession { session_id: session }).await;
    }

    /// Closes every live socket of `user` on every node (deactivation).
    pub async fn close_user(&self, user: UserId) {
        self.control(user, Control::CloseUser).await;
    }

    /// The users' conversation membership may have changed: their sessions
    /// reload it and announce what was added or removed.
    pub async fn membership_changed(&self, users: &[UserId]) {
        for user in users {
            self.control(*user, Control::RefreshMembership).await;
        }
    }
}
