//! Signed, short-lived URLs for attachment bytes (SPEC §6).
//!
//! A browser cannot put an `Authorization` header on `<img src>` or a link
//! opened in a new tab, so the URL itself carries the grant: which
//! attachment, which rendering, for which user, until when — sealed with an
//! HMAC-SHA256 under a key derived from the server's secret. The serving
//! handler still checks that the user may read the conversation *now*; the
//! signature only proves who asked and when. Expiries are rounded up to the
//! minute so a page that re-renders gets the same URL (and the browser's
//! cache) instead of a new one every second.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use consilium_shared::{AttachmentId, UserId, attachments::AttachmentDto, chat::MessageDto};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

/// Which bytes a URL serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    /// The original (metadata-stripped) file.
    Content,
    /// The server's PNG/JPEG rendering.
    Preview,
}

impl Rendition {
    fn path(self) -> &'static str {
        match self {
            Self::Content => "content",
            Self::Preview => "preview",
        }
    }
}

/// The query string of a signed URL: `?u=<user>&e=<unix expiry>&s=<signature>`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct SignedQuery {
    /// The user the URL was issued to.
    pub u: Option<String>,
    /// Expiry, seconds since the epoch.
    pub e: Option<String>,
    /// Signature.
    pub s: Option<String>,
}

/// Issues and checks attachment URLs; cheap to clone.
#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; 32],
    ttl: Duration,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlSigner")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// How far expiries are rounded up, so URLs stay stable for a while.
const ROUND_SECS: i64 = 60;

impl UrlSigner {
    /// A signer whose key is derived from `secret` (the JWT secret): one
    /// secret to rotate, and a token key never doubles as a URL key.
    pub fn new(secret: &SecretString, ttl: Duration) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(b"consilium attachment url key v1");
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        Self { key, ttl }
    }

    fn mac(&self, id: AttachmentId, rendition: Rendition, user: UserId, expires: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable_hmac());
        mac.update(format!("{}|{}|{}|{}", rendition.path(), id, user, expires).as_bytes());
        mac
    }

    /// The URL of `rendition` of attachment `id` for `user`.
    pub fn url(&self, id: AttachmentId, rendition: Rendition, user: UserId) -> String {
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let expires = (Utc::now().timestamp() + ttl + ROUND_SECS - 1) / ROUND_SECS * ROUND_SECS;
        self.url_expiring_at(id, rendition, user, expires)
    }

    /// The URL with an explicit expiry (seconds since the epoch); tests use
    /// it to hold a genuinely signed but expired URL.
    pub fn url_expiring_at(&self, id: AttachmentId, rendition: Rendition, user: UserId, expires: i64) -> String {
        let signature = URL_SAFE_NO_PAD.encode(self.mac(id, rendition, user, expires).finalize().into_bytes());
        format!(
            "/api/v1/attachments/{id}/{}?u={user}&e={expires}&s={signature}",
            rendition.path()
        )
    }

    /// The user a signed URL was issued to, if it is genuine and unexpired.
    pub fn verify(&self, id: AttachmentId, rendition: Rendition, query: &SignedQuery) -> Option<UserId> {
        let user: UserId = query.u.as_deref()?.parse().ok()?;
        let expires: i64 = query.e.as_deref()?.parse().ok()?;
        if expires < Utc::now().timestamp() {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(query.s.as_deref()?).ok()?;
        // verify_slice compares in constant time
        self.mac(id, rendition, user, expires).verify_slice(&signature).ok()?;
        Some(user)
    }

    /// Fills the URLs of `attachment` for `viewer`.
    pub fn sign(&self, attachment: &mut AttachmentDto, viewer: UserId) {
        attachment.content_url = self.url(attachment.id, Rendition::Content, viewer);
        if attachment.preview_url.is_some() {
            attachment.preview_url = Some(self.url(attachment.id, Rendition::Preview, viewer));
        }
    }

    /// Fills the URLs of every attachment of `messages` for `viewer`.
    pub fn sign_messages<'a>(&self, messages: impl IntoIterator<Item = &'a mut MessageDto>, viewer: UserId) {
        for message in messages {
            for attachment in &mut message.attachments {
                self.sign(attachment, viewer);
            }
        }
    }
}

/// HMAC-SHA256 takes keys of any length; `new_from_slice` cannot fail for it.
fn unreachable_hmac() -> Hmac<Sha256> {
    unreachable!("HMAC accepts keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_of(url: &str) -> SignedQuery {
        let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let get = |k: &str| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")).map(str::to_owned))
        };
        SignedQuery {
            u: get("u"),
            e: get("e"),
            s: get("s"),
        }
    }

    #[test]
    fn urls_verify_only_as_issued() {
        let signer = UrlSigner::new(&SecretString::from("x".repeat(40)), Duration::from_secs(900));
        let (id, user) = (AttachmentId::new(), UserId::new());
        let url = signer.url(id, Rendition::Content, user);
        let q = query_of(&url);
        assert_eq!(signer.verify(id, Rendition::Content, &q), Some(user));
        // another rendition, another attachment, another user, another expiry, another key
        assert_eq!(signer.verify(id, Rendition::Preview, &q), None);
        assert_eq!(signer.verify(AttachmentId::new(), Rendition::Content, &q), None);
        let other_user = SignedQuery {
            u: Some(UserId::new().to_string()),
            ..q.clone()
        };
        assert_eq!(signer.verify(id, Rendition::Content, &other_user), None);
        let later = SignedQuery {
            e: q.e
                .as_deref()
                .and_then(|e| e.parse::<i64>().ok())
                .map(|e| (e + 60).to_string()),
            ..q.clone()
        };
        assert_eq!(signer.verify(id, Rendition::Content, &later), None);
        let other_key = UrlSigner::new(&SecretString::from("y".repeat(40)), Duration::from_secs(900));
        assert_eq!(other_key.verify(id, Rendition::Content, &q), None);
    }

    #[test]
    fn expired_urls_fail() {
        let signer = UrlSigner::new(&SecretString::from("x".repeat(40)), Duration::from_secs(0));
        let (id, user) = (AttachmentId::new(), UserId::new());
        let expires = Utc::now().timestamp() - 1;
        let s = URL_SAFE_NO_PAD.encode(
            signer
                .mac(id, Rendition::Content, user, expires)
                .finalize()
                .into_bytes(),
        );
        let q = SignedQuery {
            u: Some(user.to_string()),
            e: Some(expires.to_string()),
            s: Some(s),
        };
        assert_eq!(signer.verify(id, Rendition::Content, &q), None);
    }
}
