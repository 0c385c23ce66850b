//! The node's routing table: which local sockets want which topics.
//!
//! One task owns the table and is driven by commands, so the hot path takes no
//! locks. Each socket has a bounded outbound queue; a socket whose queue is
//! full is too slow to keep up and is cancelled (its session closes with 1013
//! and the client recovers with `sync`), so one slow reader never holds up
//! anyone else.

use std::collections::{HashMap, HashSet};

use consilium_shared::{SessionId, UserId};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::envelope::{Envelope, Topic};
use super::metrics::Metrics;

/// Changes to what this node listens to, in order. The hub sends them and
/// the bus (Redis, or nothing on a single node) applies them, so the type
/// belongs to the hub and the bus depends on the hub, not the other way.
pub enum SubscriptionCommand {
    /// Start listening to these topics.
    Subscribe(Vec<Topic>),
    /// Stop listening to these topics.
    Unsubscribe(Vec<Topic>),
    /// Fires once everything queued before it has been applied.
    Barrier(oneshot::Sender<()>),
}

/// Local id of one socket.
pub type SocketKey = u64;

/// What the hub hands a socket.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A routed envelope.
    Envelope(std::sync::Arc<Envelope>),
    /// The bus reconnected after an outage: fetch whatever may have been missed.
    CatchUp,
}

enum Command {
    Register {
        key: SocketKey,
        user: UserId,
        session: SessionId,
        connection: uuid::Uuid,
        tx: mpsc::Sender<Outbound>,
        cancel: CancellationToken,
    },
    Subscribe {
        key: SocketKey,
        topics: Vec<Topic>,
        done: oneshot::Sender<()>,
    },
    Unsubscribe {
        key: SocketKey,
        topics: Vec<Topic>,
    },
    Unregister {
        key: SocketKey,
    },
    Deliver(std::sync::Arc<Envelope>),
    BusReconnected,
    Sessions(oneshot::Sender<Vec<(UserId, SessionId)>>),
}

struct Socket {
    user: UserId,
    session: SessionId,
    connection: uuid::Uuid,
    tx: mpsc::Sender<Outbound>,
    cancel: CancellationToken,
    topics: HashSet<Topic>,
}

/// Handle to the hub task; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    tx: mpsc::UnboundedSender<Command>,
}

impl Hub {
    /// Starts the hub; subscription changes go to `bus`.
    pub fn start(bus: mpsc::UnboundedSender<SubscriptionCommand>, metrics: Metrics) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(rx, bus, metrics));
        Self { tx }
    }

    fn send(&self, cmd: Command) {
        // the hub only stops when the process does
        let _ = self.tx.send(cmd);
    }

    /// Adds a socket (with no topics yet).
    pub fn register(
        &self,
        key: SocketKey,
        user: UserId,
        session: SessionId,
        connection: uuid::Uuid,
        tx: mpsc::Sender<Outbound>,
        cancel: CancellationToken,
    ) {
        self.send(Command::Register {
            key,
            user,
            session,
            connection,
            tx,
            cancel,
        });
    }

    /// Routes `topics` to the socket; resolves once the bus listens for them,
    /// so nothing published after this returns can be missed.
    pub async fn subscribe(&self, key: SocketKey, topics: Vec<Topic>) {
        let (done, wait) = oneshot::channel();
        self.send(Command::Subscribe { key, topics, done });
        let _ = wait.await;
    }

    /// Stops routing `topics` to the socket.
    pub fn unsubscribe(&self, key: SocketKey, topics: Vec<Topic>) {
        self.send(Command::Unsubscribe { key, topics });
    }

    /// Removes a socket.
    pub fn unregister(&self, key: SocketKey) {
        self.send(Command::Unregister { key });
    }

    /// Hands an envelope to every local socket that wants it.
    pub fn deliver(&self, envelope: std::sync::Arc<Envelope>) {
        self.send(Command::Deliver(envelope));
    }

    /// Tells every socket to catch up after a bus outage.
    pub fn bus_reconnected(&self) {
        self.send(Command::BusReconnected);
    }

    /// The login sessions with a socket on this node (each once), so the node
    /// can check them all against Postgres in one query.
    pub async fn sessions(&self) -> Vec<(UserId, SessionId)> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Sessions(tx));
        rx.await.unwrap_or_default()
    }
}

async fn run(
    mut rx: mpsc::UnboundedReceiver<Command>,
    bus: mpsc::UnboundedSender<SubscriptionCommand>,
    metrics: Metrics,
) {
    let mut sockets: HashMap<SocketKey, Socket> = HashMap::new();
    let mut routes: HashMap<Topic, HashSet<SocketKey>> = HashMap::new();

    let drop_topics =
        |routes: &mut HashMap<Topic, HashSet<SocketKey>>, key: SocketKey, topics: &mut dyn Iterator<Item = Topic>| {
            let mut gone = Vec::new();
            for topic in topics {
                if let Some(keys) = routes.get_mut(&topic) {
                    keys.remove(&key);
                    if keys.is_empty() {
                        routes.remove(&topic);
                        gone.push(topic);
                    }
                }
            }
            if !gone.is_empty() {
                let _ = bus.send(SubscriptionCommand::Unsubscribe(gone));
            }
        };

    while let Some(cmd) = rx.recv().await {
        match cmd {
            Command::Register {
                key,
                user,
                session,
                connection,
                tx,
                cancel,
            } => {
                sockets.insert(
                    key,
                    Socket {
                        user,
                        session,
                        connection,
                        tx,
                        cancel,
                        topics: HashSet::new(),
                    },
                );
                metrics.sockets.set(sockets.len() as i64);
            }
            Command::Subscribe { key, topics, done } => {
                let mut new = Vec::new();
                if let Some(socket) = sockets.get_mut(&key) {
                    for topic in topics {
                        if socket.topics.insert(topic) {
                            let keys = routes.entry(topic).or_default();
                            if keys.is_empty() {
                                new.push(topic);
                            }
                            keys.insert(key);
                        }
                    }
                }
                if !new.is_empty() {
                    let _ = bus.send(SubscriptionCommand::Subscribe(new));
                }
                // the bus works through its queue in order, so this fires once the above is in place
                let _ = bus.send(SubscriptionCommand::Barrier(done));
            }
            Command::Unsubscribe { key, topics } => {
                if let Some(socket) = sockets.get_mut(&key) {
                    let removed: Vec<Topic> = topics.into_iter().filter(|t| socket.topics.remove(t)).collect();
                    drop_topics(&mut routes, key, &mut removed.into_iter());
                }
            }
            Command::Unregister { key } => {
                if let Some(socket) = sockets.remove(&key) {
                    drop_topics(&mut routes, key, &mut socket.topics.into_iter());
                }
                metrics.sockets.set(sockets.len() as i64);
            }
            Command::Deliver(envelope) => {
                let Some(keys) = routes.get(&envelope.topic) else {
                    continue;
                };
                let mut slow = Vec::new();
                for key in keys {
                    let Some(socket) = sockets.get(key) else { continue };
                    if envelope.exclude_user == Some(socket.user) {
                        continue;
                    }
                    if envelope.to_connection.is_some_and(|c| c != socket.connection) {
                        continue;
                    }
                    match socket.tx.try_send(Outbound::Envelope(envelope.clone())) {
                        Ok(()) => metrics.deliveries.inc(),
                        Err(mpsc::error::TrySendError::Full(_)) => slow.push(*key),
                        Err(mpsc::error::TrySendError::Closed(_)) => {}
                    }
                }
                for key in slow {
                    if let Some(socket) = sockets.remove(&key) {
                        tracing::info!(user = %socket.user, session = %socket.session, "socket too slow; closing");
                        metrics.slow_consumers.inc();
                        socket.cancel.cancel();
                        drop_topics(&mut routes, key, &mut socket.topics.into_iter());
                    }
                }
                metrics.sockets.set(sockets.len() as i64);
            }
            Command::Sessions(reply) => {
                let unique: HashSet<(UserId, SessionId)> = sockets.values().map(|s| (s.user, s.session)).collect();
                let _ = reply.send(unique.into_iter().collect());
            }
            Command::BusReconnected => {
                for socket in sockets.values() {
                    if socket.tx.try_send(Outbound::CatchUp).is_err() {
                        socket.cancel.cancel();
                    }
                }
            }
        }
    }
}
