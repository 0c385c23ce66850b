//! Live delivery: websocket sessions, the per-node hub, the cross-node bus and presence.
//!
//! Other modules talk to it through [`Realtime`] only, announcing what changed
//! (a roster change, a revoked session); how that reaches sockets on this node
//! and others is this module's business.

use consilium_shared::{SessionId, UserId};

use crate::config::Config;
use crate::db::DbPool;
use crate::teams::RosterChange;

/// Handle to the realtime machinery of this node; cheap to clone.
#[derive(Clone)]
pub struct Realtime {
    redis: Option<redis::aio::ConnectionManager>,
}

impl Realtime {
    /// Connects to Redis when configured and starts this node's hub.
    pub async fn start(config: &Config, _db: DbPool) -> anyhow::Result<Self> {
        let redis = match &config.redis_url {
            Some(url) => {
                let client = redis::Client::open(url.as_str())?;
                Some(redis::aio::ConnectionManager::new(client).await?)
            }
            None => None,
        };
        Ok(Self { redis })
    }

    /// Whether Redis answers; `None` when this node runs without Redis.
    pub async fn redis_ready(&self) -> Option<bool> {
        let mut conn = self.redis.clone()?;
        let pong: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut conn).await;
        Some(pong.is_ok())
    }

    /// Stops background tasks.
    pub async fn shutdown(&self) {}

    /// Closes every live socket of `session` on every node.
    pub async fn close_session(&self, user: UserId, session: SessionId) {
        tracing::debug!(%user, %session, "close session");
    }

    /// Closes every live socket of `user` on every node (deactivation).
    pub async fn close_user(&self, user: UserId) {
        tracing::debug!(%user, "close user sockets");
    }

    /// Announces a roster change to the team and the affected user.
    pub async fn roster_changed(&self, change: RosterChange) {
        tracing::debug!(team = %change.team_id, user = %change.user_id, "roster changed");
    }
}
