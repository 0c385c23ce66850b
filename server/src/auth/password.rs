//! Password hashing with argon2id at OWASP's recommended cost.
//!
//! Hashing is deliberately slow, so it runs on the blocking pool (inside the
//! caller's tracing span) instead of stalling the async workers. Each hash
//! takes 19 MiB and a core for tens of milliseconds, so at most one runs per
//! two cores: a login storm then leaves the other cores to live chat instead
//! of starving it. Logins queue for a slot, but only so many: past
//! `LOGIN_QUEUE_LIMIT` ([`DEFAULT_LOGIN_QUEUE_LIMIT`]) a login is refused at once with 429 (it would wait
//! seconds otherwise), so a storm costs the node a bounded amount of work.

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
use tracing::Instrument;

static HASHING_SLOTS: std::sync::LazyLock<Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Semaphore::new((cores / 2).max(1))
});

/// Logins waiting for a hashing slot (or holding one).
static WAITING_LOGINS: AtomicUsize = AtomicUsize::new(0);

/// Most logins a node lets wait for a hashing slot by default: at ~40 ms a
/// hash, the last of them signs in within about two seconds.
pub const DEFAULT_LOGIN_QUEUE_LIMIT: usize = 48;

/// The limit in force (`LOGIN_QUEUE_LIMIT`); global like the slots it guards.
static LOGIN_QUEUE_LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_LOGIN_QUEUE_LIMIT);

/// Sets how many logins may wait for a hashing slot (from the config, at start).
pub fn limit_waiting_logins(limit: usize) {
    LOGIN_QUEUE_LIMIT.store(limit.max(1), Ordering::Relaxed);
}

/// Why a password could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Too many logins are already waiting on this node: try again shortly.
    #[error("too many sign-ins at once; try again in a moment")]
    Busy,
    /// Hashing itself failed (a malformed stored hash, a lost task).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Counts a login as waiting until dropped.
struct WaitingLogin;

impl WaitingLogin {
    fn enter() -> Result<Self, PasswordError> {
        if WAITING_LOGINS.fetch_add(1, Ordering::AcqRel) >= LOGIN_QUEUE_LIMIT.load(Ordering::Relaxed) {
            WAITING_LOGINS.fetch_sub(1, Ordering::AcqRel);
            return Err(PasswordError::Busy);
        }
        Ok(Self)
    }
}

impl Drop for WaitingLogin {
    fn drop(&mut self) {
        WAITING_LOGINS.fetch_sub(1, Ordering::AcqRel);
    }
}

/// OWASP (2024): argon2id, 19 MiB, 2 iterations, 1 lane.
fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` into a PHC string.
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _slot = HASHING_SLOTS.acquire().await.context("hashing slots closed")?;
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            let salt = SaltString::generate(&mut OsRng);
            hasher()?
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
        })
    })
    .instrument(tracing::debug_span!("hash_password"))
    .await
    .context("password hashing task failed")?
}

/// Checks a login's `password` against a stored PHC string; refuses with
/// [`PasswordError::Busy`] when too many logins already wait. A malformed
/// stored hash is an error, not a mismatch, so it shows up in the logs.
pub async fn verify_login(password: String, phc: String) -> Result<bool, PasswordError> {
    let _waiting = WaitingLogin::enter()?;
    Ok(verify(password, phc).await?)
}

/// Checks `password` against a stored PHC string, waiting for a slot however
/// long it takes (re-authentication of a signed-in user, e.g. a password change).
pub async fn verify(password: String, phc: String) -> anyhow::Result<bool> {
    let _slot = HASHING_SLOTS.acquire().await.context("hashing slots closed")?;
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            let parsed = PasswordHash::new(&phc).map_err(|e| anyhow::anyhow!("stored hash is malformed: {e}"))?;
            Ok(hasher()?.verify_password(password.as_bytes(), &parsed).is_ok())
        })
    })
    .instrument(tracing::debug_span!("verify_password"))
    .await
    .context("password verification task failed")?
}
