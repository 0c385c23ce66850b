//! One connection type for one Redis server or a Redis Cluster.
//!
//! Presence and the bus send ordinary commands and pipelines; which of the two
//! deployments answers them is decided once, from `REDIS_URL`, here. A cluster
//! connection routes each command to the shard that owns its key (or sharded
//! channel) and follows failovers; a pipeline must stay within one slot.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, PushInfo, RedisFuture, RedisResult, Value};
use tokio::sync::mpsc;

use crate::config::RedisTarget;

/// How long Redis may take to answer before the node treats it as down.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection to wherever `REDIS_URL` points; cheap to clone (both kinds
/// multiplex one set of sockets and reconnect by themselves).
#[derive(Clone)]
pub enum RedisConn {
    /// One server, through a reconnecting manager.
    Single(ConnectionManager),
    /// A Redis Cluster: one connection per node, commands routed by slot.
    Cluster(ClusterConnection),
}

impl RedisConn {
    /// Connects to `target`. With `push`, the connection speaks RESP3 and
    /// hands pub/sub messages (and disconnections) to it.
    pub async fn connect(
        target: &RedisTarget,
        ca: Option<&[u8]>,
        push: Option<mpsc::UnboundedSender<PushInfo>>,
    ) -> RedisResult<Self> {
        match target {
            RedisTarget::Single(url) => {
                let mut config = manager_config();
                if let Some(push) = &push {
                    config = config.set_push_sender(push.clone());
                }
                let conn = ConnectionManager::new_with_config(client(url, push.is_some(), ca)?, config).await?;
                Ok(Self::Single(conn))
            }
            RedisTarget::Cluster(nodes) => {
                let mut builder = ClusterClientBuilder::new(nodes.iter().map(String::as_str))
                    .connection_timeout(REDIS_TIMEOUT)
                    .response_timeout(REDIS_TIMEOUT);
                if let Some(push) = push {
                    builder = builder.use_protocol(redis::ProtocolVersion::RESP3).push_sender(push);
                }
                if let Some(ca) = ca {
                    builder = builder.certs(redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(ca.to_vec()),
                    });
                }
                let conn = builder.build()?.get_async_connection().await?;
                Ok(Self::Cluster(conn))
            }
        }
    }

    /// Whether this is a cluster connection (pipelines must then stay within one slot).
    pub fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster(_))
    }
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(conn) => conn.req_packed_command(cmd),
            Self::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(conn) => conn.req_packed_commands(cmd, offset, count),
            Self::Cluster(conn) => conn.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(conn) => conn.get_db(),
            Self::Cluster(conn) => conn.get_db(),
        }
    }
}

/// A client for one server at `url`. A `rediss://` URL speaks TLS (rustls),
/// trusting the built-in public CAs, or only `ca` (PEM) when given.
pub fn client(url: &str, resp3: bool, ca: Option<&[u8]>) -> RedisResult<redis::Client> {
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
