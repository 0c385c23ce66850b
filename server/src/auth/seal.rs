//! Secrets sealed at rest (SPEC §11): AES-256-GCM under `DATA_ENCRYPTION_KEY`.
//!
//! A sealed value is `version ‖ nonce ‖ ciphertext+tag`. The version byte
//! leaves room for a key rotation; the associated data binds a value to its
//! owner (a user id), so copying one user's sealed secret onto another's row
//! does not open.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

/// The layout and key generation of what [`seal`] writes.
const VERSION: u8 = 1;
/// AES-GCM's standard 96-bit nonce.
const NONCE_LEN: usize = 12;

/// Why a sealed value could not be opened (or, in theory, sealed).
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Wrong key, altered bytes, or another owner's value.
    #[error("sealed value does not open with this key (altered, or sealed under another key or owner)")]
    DoesNotOpen,
    /// Too short or of an unknown version.
    #[error("sealed value is malformed")]
    Malformed,
}

/// Encrypts `plaintext` for `owner` under `key` with a fresh random nonce.
pub fn seal(key: &[u8; 32], plaintext: &[u8], owner: &[u8]) -> Result<Vec<u8>, SealError> {
    let cipher = Aes256Gcm::new(key.into());
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: owner,
            },
        )
        .map_err(|_| SealError::DoesNotOpen)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts what [`seal`] wrote for `owner`, checking it was not altered.
pub fn open(key: &[u8; 32], sealed: &[u8], owner: &[u8]) -> Result<Vec<u8>, SealError> {
    let (version, rest) = sealed.split_first().ok_or(SealError::Malformed)?;
    if *version != VERSION || rest.len() < NONCE_LEN + 16 {
        return Err(SealError::Malformed);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    Aes256Gcm::new(key.into())
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: owner,
            },
        )
        .map_err(|_| SealError::DoesNotOpen)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_owner() -> Result<(), SealError> {
        let sealed = seal(&KEY, b"totp secret", b"user-a")?;
        assert_eq!(open(&KEY, &sealed, b"user-a")?, b"totp secret");
        assert!(matches!(
            open(&[8; 32], &sealed, b"user-a"),
            Err(SealError::DoesNotOpen)
        ));
        assert!(matches!(open(&KEY, &sealed, b"user-b"), Err(SealError::DoesNotOpen)));
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert!(matches!(open(&KEY, &altered, b"user-a"), Err(SealError::DoesNotOpen)));
        assert!(matches!(
            open(&KEY, &sealed[..10], b"user-a"),
            Err(SealError::Malformed)
        ));
        Ok(())
    }

    #[test]
    fn sealing_twice_gives_different_bytes() -> Result<(), SealError> {
        assert_ne!(seal(&KEY, b"x", b"o")?, seal(&KEY, b"x", b"o")?);
        Ok(())
    }
}
