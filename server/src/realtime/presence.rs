//! Presence: a user is online while any of their sessions is online, away
//! while all of them are away, offline when none is left.
//!
//! Presence is kept per socket (two tabs of one login are two sockets). With
//! Redis, each user has a hash of socket → status, and a shared sorted set holds
//! every socket's expiry. Each socket refreshes its entry on its heartbeat; a
//! sweeper on every node removes sockets that stopped refreshing (their node
//! crashed) and announces the users who went offline, so nobody stays online
//! forever. Without Redis the same rules run in memory.
//!
//! Every presence key carries the hash tag `{prefix}`, so on a Redis Cluster
//! they all live in one slot: the pipelines below mix a user's hash with the
//! shared expiry set (and several users' hashes), which a cluster refuses
//! across slots (CROSSSLOT).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use consilium_shared::{
    UserId,
    ws::{OwnStatus, PresenceEntry, PresenceStatus},
};
use uuid::Uuid;

use super::redis_conn::RedisConn;

/// Where presence lives.
#[derive(Clone)]
pub enum PresenceStore {
    /// Single node: in memory.
    Local(std::sync::Arc<Mutex<HashMap<UserId, HashMap<Uuid, OwnStatus>>>>),
    /// Shared by every node through Redis.
    Redis {
        /// Connection (one server or a cluster).
        conn: RedisConn,
        /// Key prefix.
        prefix: String,
        /// How long a session lives without a heartbeat.
        ttl: Duration,
    },
}

fn aggregate<'a>(statuses: impl Iterator<Item = &'a str>) -> PresenceStatus {
    let mut any = false;
    for s in statuses {
        if s == "online" {
            return PresenceStatus::Online;
        }
        any = true;
    }
    if any {
        PresenceStatus::Away
    } else {
        PresenceStatus::Offline
    }
}

fn own_str(s: OwnStatus) -> &'static str {
    match s {
        OwnStatus::Online => "online",
        OwnStatus::Away => "away",
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl PresenceStore {
    fn user_key(prefix: &str, user: UserId) -> String {
        format!("{{{prefix}}}:presence:{user}")
    }

    fn expiry_key(prefix: &str) -> String {
        format!("{{{prefix}}}:presence-expiry")
    }

    /// Sets or refreshes (or with `None`, removes) one socket's status; returns
    /// the user's aggregate before and after.
    pub async fn set(
        &self,
        user: UserId,
        socket: Uuid,
        status: Option<OwnStatus>,
    ) -> redis::RedisResult<(PresenceStatus, PresenceStatus)> {
        match self {
            Self::Local(map) => {
                let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let sessions = map.entry(user).or_default();
                let before = aggregate(sessions.values().map(|s| own_str(*s)));
                match status {
                    Some(s) => {
                        sessions.insert(socket, s);
                    }
                    None => {
                        sessions.remove(&socket);
                    }
                }
                let after = aggregate(sessions.values().map(|s| own_str(*s)));
                if sessions.is_empty() {
                    map.remove(&user);
                }
                Ok((before, after))
            }
            Self::Redis { conn, prefix, ttl } => {
                let mut conn = conn.clone();
                let key = Self::user_key(prefix, user);
                let member = format!("{user}/{socket}");
                // before, change, after in one round trip
                let mut pipe = redis::pipe();
                pipe.cmd("HVALS").arg(&key);
                match status {
                    Some(s) => {
                        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
                        pipe.cmd("HSET")
                            .arg(&key)
                            .arg(socket.to_string())
                            .arg(own_str(s))
                            .ignore();
                        pipe.cmd("PEXPIRE").arg(&key).arg(ttl_ms * 2).ignore();
                        pipe.cmd("ZADD")
                            .arg(Self::expiry_key(prefix))
                            .arg(now_ms() + ttl_ms)
                            .arg(&member)
                            .ignore();
                    }
                    None => {
                        pipe.cmd("HDEL").arg(&key).arg(socket.to_string()).ignore();
                        pipe.cmd("ZREM").arg(Self::expiry_key(prefix)).arg(&member).ignore();
                    }
                }
                pipe.cmd("HVALS").arg(&key);
                let (before, after): (Vec<String>, Vec<String>) = pipe.query_async(&mut conn).await?;
                Ok((
                    aggregate(before.iter().map(String::as_str)),
                    aggregate(after.iter().map(String::as_str)),
                ))
            }
        }
    }

    /// The aggregate status of each of `users`.
    pub async fn statuses(&self, users: &[UserId]) -> redis::RedisResult<Vec<PresenceEntry>> {
        match self {
            Self::Local(map) => {
                let map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                Ok(users
                    .iter()
                    .map(|u| PresenceEntry {
                        user_id: *u,
                        status: map
                            .get(u)
                            .map_or(PresenceStatus::Offline, |s| aggregate(s.values().map(|s| own_str(*s)))),
                        duty: None,
                    })
                    .collect())
            }
            Self::Redis { conn, prefix, .. } => {
                if users.is_empty() {
                    return Ok(vec![]);
                }
                let mut pipe = redis::pipe();
                for u in users {
                    pipe.cmd("HVALS").arg(Self::user_key(prefix, *u));
                }
                let mut conn = conn.clone();
                let all: Vec<Vec<String>> = pipe.query_async(&mut conn).await?;
                Ok(users
                    .iter()
                    .zip(all)
                    .map(|(u, vals)| PresenceEntry {
                        user_id: *u,
                        status: aggregate(vals.iter().map(String::as_str)),
                        duty: None,
                    })
                    .collect())
            }
        }
    }

    /// Whether each `(user, socket)` still holds a presence entry: a socket
    /// that closed has removed its own, and a dead node's sockets are swept
    /// once their heartbeat lapses, so "absent" means gone for good.
    pub async fn sockets_alive(&self, sockets: &[(UserId, Uuid)]) -> redis::RedisResult<Vec<bool>> {
        match self {
            Self::Local(map) => {
                let map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                Ok(sockets
                    .iter()
                    .map(|(u, s)| map.get(u).is_some_and(|m| m.contains_key(s)))
                    .collect())
            }
            Self::Redis { conn, prefix, .. } => {
                if sockets.is_empty() {
                    return Ok(vec![]);
                }
                let mut pipe = redis::pipe();
                for (user, socket) in sockets {
                    pipe.cmd("HEXISTS")
                        .arg(Self::user_key(prefix, *user))
                        .arg(socket.to_string());
                }
                let mut conn = conn.clone();
                pipe.query_async(&mut conn).await
            }
        }
    }

    /// Removes sockets that stopped refreshing (their node crashed); returns the users whose
    /// status changed and their new status.
    pub async fn sweep(&self) -> redis::RedisResult<Vec<(UserId, PresenceStatus)>> {
        let Self::Redis { conn, prefix, .. } = self else {
            return Ok(vec![]);
        };
        let mut conn = conn.clone();
        let expired: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(Self::expiry_key(prefix))
            .arg("-inf")
            .arg(now_ms())
            .arg("LIMIT")
            .arg(0)
            .arg(500)
            .query_async(&mut conn)
            .await?;
        let mut changed = Vec::new();
        for member in expired {
            // ZREM answers 1 to exactly one node, which then owns the announcement
            let removed: i64 = redis::cmd("ZREM")
                .arg(Self::expiry_key(prefix))
                .arg(&member)
                .query_async(&mut conn)
                .await?;
            let Some((user, session)) = member.split_once('/') else {
                continue;
            };
            let (Ok(user), true) = (user.parse::<UserId>(), removed == 1) else {
                continue;
            };
            let key = Self::user_key(prefix, user);
            let mut pipe = redis::pipe();
            pipe.cmd("HVALS").arg(&key);
            pipe.cmd("HDEL").arg(&key).arg(session).ignore();
            pipe.cmd("HVALS").arg(&key);
            let (before, after): (Vec<String>, Vec<String>) = pipe.query_async(&mut conn).await?;
            let (before, after) = (
                aggregate(before.iter().map(String::as_str)),
                aggregate(after.iter().map(String::as_str)),
            );
            if before != after {
                changed.push((user, after));
            }
        }
        Ok(changed)
    }
}
