//! Password hashing with argon2id at OWASP's recommended cost.
//!
//! Hashing is deliberately slow, so it runs on the blocking pool (inside the
//! caller's tracing span) instead of stalling the async workers. At most one
//! hash per core runs at a time: each takes 19 MiB and a core for tens of
//! milliseconds, so a burst of logins queues here instead of spawning a
//! blocking thread (and a malloc arena holding 19 MiB) per request.

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
use tracing::Instrument;

static HASHING_SLOTS: std::sync::LazyLock<Semaphore> = std::sync::LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
});

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

/// Checks `password` against a stored PHC string. A malformed stored hash is
/// an error, not a mismatch, so it shows up in the logs.
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
