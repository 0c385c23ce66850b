//! What every request handler can reach: the pool, the settings, the keys.

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::db::DbPool;
use crate::realtime::Realtime;

/// Shared application state; cheap to clone (everything inside is shared).
#[derive(Clone)]
pub struct AppState {
    /// Postgres pool.
    pub db: DbPool,
    /// Settings read at start-up.
    pub config: Arc<Config>,
    /// Access-token keys.
    pub jwt: Arc<JwtKeys>,
    /// Live fan-out, presence and session control.
    pub realtime: Realtime,
    /// Case materials: the object store, URL signing and limits (SPEC §6).
    pub attachments: crate::attachments::Attachments,
    /// This node's message writer (group commit for sends).
    pub sends: crate::chat::SendQueue,
    /// A valid argon2 hash of a random password, verified against when a login
    /// names an unknown user so the response time does not reveal which names exist.
    pub dummy_password_hash: Arc<str>,
}

impl AppState {
    /// What every authenticated request must pass (idle sessions, the
    /// second factor admins must have), from the configuration.
    pub fn auth_rules(&self) -> crate::auth::sessions::AuthRules {
        crate::auth::sessions::AuthRules {
            idle: self.config.session_idle,
            admins_need_second_factor: self.config.security.require_2fa_for_admins,
        }
    }
}
