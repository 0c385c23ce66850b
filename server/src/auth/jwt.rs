//! Short-lived access tokens: HS256 JWTs naming the user and the session.
//!
//! The algorithm is pinned (no `alg: none`, no RS/HS confusion) and issuer,
//! audience, expiry and issue time are all required. A token only proves who
//! the caller was when it was minted; the extractor still checks that the
//! session is live and the user active, so revocation takes effect at once.

use std::time::Duration;

use chrono::Utc;
use consilium_shared::{SessionId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const ISSUER: &str = "consilium";
const AUDIENCE: &str = "consilium-api";

/// What an access token asserts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The session (refresh-token chain) it was minted for.
    pub sid: Uuid,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Always `consilium`.
    pub iss: String,
    /// Always `consilium-api`.
    pub aud: String,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Past its expiry.
    #[error("access token has expired")]
    Expired,
    /// Forged, malformed, for another audience, or signed another way.
    #[error("access token is invalid")]
    Invalid,
    /// Signing failed (a bug).
    #[error("could not sign token: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// Signing and verification keys with their policy.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Keys for `secret`; tokens live for `ttl`.
    pub fn new(secret: &str, ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            ttl,
        }
    }

    /// Seconds a fresh token is valid for.
    pub fn ttl_secs(&self) -> i64 {
        i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX)
    }

    /// Mints a token for `user` in `session`.
    pub fn issue(&self, user: UserId, session: SessionId) -> Result<String, TokenError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.0,
            sid: session.0,
            iat: now,
            exp: now + self.ttl_secs(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Checks signature, algorithm and claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_secret() -> Result<(), TokenError> {
        let keys = JwtKeys::new("a-very-long-secret-for-unit-tests-only", Duration::from_secs(60));
        let other = JwtKeys::new("another-very-long-secret-for-unit-test", Duration::from_secs(60));
        let token = keys.issue(UserId::new(), SessionId::new())?;
        assert!(keys.verify(&token).is_ok());
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid)));
        Ok(())
    }
}
