//! Two-factor sign-in (SPEC §11): TOTP (RFC 6238) with single-use recovery
//! codes.
//!
//! Enrolment is two steps so nobody locks themselves out: `begin` stores a
//! new secret (sealed, see [`super::seal`]) that is not yet asked for, and
//! `confirm` turns it on only once the user has typed a code their app
//! made, then hands out the recovery codes, once. A code's 30-second step
//! is remembered, so an overheard code cannot be replayed.

use base64::Engine;
use chrono::Utc;
use consilium_shared::auth::{MfaChallenge, RecoveryCodes, TotpEnrollment, TwoFactorStatus};
use consilium_shared::{ErrorReason as Reason, UserId};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::{Rng, RngCore};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

use super::{AuthUser, ClientMeta, seal};
use crate::audit::{self, AuditEntry};
use crate::db::models::User;
use crate::db::schema::{mfa_challenges, recovery_codes, user_totp, users};
use crate::error::ApiError;
use crate::state::AppState;

/// Recovery codes handed out per enrolment (as GitHub and Google do).
pub const RECOVERY_CODE_COUNT: usize = 10;
/// How long a password-accepted sign-in waits for its second factor.
pub const CHALLENGE_TTL_SECS: i64 = 300;
/// Wrong codes one challenge tolerates before the password must be given again.
pub const MAX_CHALLENGE_FAILURES: i32 = 5;
/// RFC 6238's defaults, which every authenticator app understands.
const DIGITS: usize = 6;
const STEP_SECS: u64 = 30;
/// RFC 4226 §4 recommends 160-bit secrets.
const SECRET_BYTES: usize = 20;
/// Recovery code alphabet: lower case without look-alikes (0/o, 1/l/i).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

pub use super::sessions::second_factor_enabled as is_enabled;

/// Whether the deployment requires `user` to have a second factor.
pub fn is_required(state: &AppState, user: &User) -> bool {
    state.config.security.require_2fa_for_admins && user.is_admin()
}

/// `GET /me/2fa`.
pub async fn status(state: &AppState, caller: &AuthUser) -> Result<TwoFactorStatus, ApiError> {
    let mut conn = state.db.get().await?;
    let enabled = is_enabled(&mut conn, caller.id()).await?;
    let left: i64 = if enabled {
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(caller.id()))
            .filter(recovery_codes::used_at.is_null())
            .count()
            .get_result(&mut conn)
            .await?
    } else {
        0
    };
    Ok(TwoFactorStatus {
        enabled,
        required: is_required(state, &caller.user),
        recovery_codes_left: i32::try_from(left).unwrap_or(i32::MAX),
    })
}

/// The RFC 6238 generator for `secret`, labelled for the user's app.
fn generator(state: &AppState, user: &User, secret: Vec<u8>) -> Result<TOTP, ApiError> {
    // the otpauth label may not contain ':'; issuer and username never need one
    let issuer = state.config.security.totp_issuer.replace(':', " ");
    let account = user.username.replace(':', "_");
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECS, secret, Some(issuer), account)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("TOTP parameters refused: {e}")))
}

fn key(state: &AppState) -> &[u8; 32] {
    state.config.security.data_encryption_key.expose_secret()
}

/// `POST /me/2fa/totp`: a new secret for the caller's app, not yet in force.
/// Starting again replaces an unconfirmed secret; a confirmed one must be
/// turned off first (409), so a stolen session cannot swap the factor.
pub async fn begin(state: &AppState, caller: &AuthUser, meta: &ClientMeta) -> Result<TotpEnrollment, ApiError> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let totp = generator(state, &caller.user, secret.clone())?;
    let user = caller.id();
    let sealed = seal::seal(key(state), &secret, user.0.as_bytes())
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("sealing a TOTP secret: {e}")))?;
    let mut conn = state.db.get().await?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let confirmed: Option<Option<chrono::DateTime<Utc>>> = user_totp::table
                .find(user)
                .select(user_totp::confirmed_at)
                .for_update()
                .first(conn)
                .await
                .optional()?;
            if matches!(confirmed, Some(Some(_))) {
                return Err(ApiError::Conflict(
                    Reason::TwoFactorAlreadyEnabled,
                    "two-factor sign-in is already on; turn it off first to enrol another device".into(),
                ));
            }
            diesel::insert_into(user_totp::table)
                .values((user_totp::user_id.eq(user), user_totp::secret_sealed.eq(&sealed)))
                .on_conflict(user_totp::user_id)
                .do_update()
                .set((
                    user_totp::secret_sealed.eq(&sealed),
                    user_totp::last_used_step.eq(0),
                    user_totp::created_at.eq(Utc::now()),
                ))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(user), "two_factor_enrolment_started", "user", user).ip(meta.ip.as_deref()),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    Ok(TotpEnrollment {
        secret: totp.get_secret_base32(),
        otpauth_url: totp.get_url(),
    })
}

/// What a presented second factor turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// A fresh TOTP code.
    Totp,
    /// An unused recovery code, now spent.
    RecoveryCode,
    /// Wrong, replayed, spent, or malformed.
    Wrong,
}

/// Normalises what a person typed: spaces and dashes dropped, lower case.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The step (of 30 s) whose code `code` is, within one step of now.
fn matching_step(totp: &TOTP, code: &str, now: u64) -> Option<u64> {
    let current = now / STEP_SECS;
    [current, current.saturating_sub(1), current + 1]
        .into_iter()
        .find(|step| {
            let generated = totp.generate(step * STEP_SECS);
            // constant time: a timing difference would leak digits
            generated.len() == code.len()
                && generated
                    .bytes()
                    .zip(code.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
}

/// Checks `code` for `user` inside the caller's transaction: a TOTP code of
/// a step not used before (the step is then remembered), or an unused
/// recovery code (then spent). `confirmed_only` ignores an unconfirmed
/// secret (sign-in, turning off) or requires one (confirming enrolment).
async fn check_code(
    conn: &mut AsyncPgConnection,
    key: &[u8; 32],
    user: &User,
    code: &str,
    confirming: bool,
    generator: impl Fn(Vec<u8>) -> Result<TOTP, ApiError>,
) -> Result<CodeCheck, ApiError> {
    let row: Option<(Vec<u8>, Option<chrono::DateTime<Utc>>, i64)> = user_totp::table
        .find(user.id)
        .select((
            user_totp::secret_sealed,
            user_totp::confirmed_at,
            user_totp::last_used_step,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let Some((sealed, confirmed_at, last_step)) = row else {
        return Ok(CodeCheck::Wrong);
    };
    if confirmed_at.is_some() == confirming {
        return Ok(CodeCheck::Wrong);
    }
    let code = normalise(code);
    if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        let secret = seal::open(key, &sealed, user.id.0.as_bytes())
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("opening the TOTP secret of {}: {e}", user.id)))?;
        let totp = generator(secret)?;
        let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
        return Ok(match matching_step(&totp, &code, now) {
            Some(step) if i64::try_from(step).unwrap_or(i64::MAX) > last_step => {
                diesel::update(user_totp::table.find(user.id))
                    .set(user_totp::last_used_step.eq(i64::try_from(step).unwrap_or(i64::MAX)))
                    .execute(conn)
                    .await?;
                CodeCheck::Totp
            }
            _ => CodeCheck::Wrong,
        });
    }
    if confirming || code.len() != 10 || !code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
        return Ok(CodeCheck::Wrong);
    }
    let spent = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user.id))
            .filter(recovery_codes::code_hash.eq(hash_recovery_code(&code)))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(if spent == 1 {
        CodeCheck::RecoveryCode
    } else {
        CodeCheck::Wrong
    })
}

/// Checks a second factor of a user with 2FA on (sign-in, turning it off,
/// new recovery codes), in the caller's transaction.
pub async fn check_confirmed_code(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: &User,
    code: &str,
) -> Result<CodeCheck, ApiError> {
    check_code(conn, key(state), user, code, false, |secret| {
        generator(state, user, secret)
    })
    .await
}

fn hash_recovery_code(normalised: &str) -> Vec<u8> {
    Sha256::digest(normalised.as_bytes()).to_vec()
}

/// Fresh recovery codes for `user`, replacing any earlier ones.
async fn issue_recovery_codes(conn: &mut AsyncPgConnection, user: UserId) -> Result<Vec<String>, ApiError> {
    let mut rng = rand::rngs::OsRng;
    let codes: Vec<String> = (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| char::from(RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())]))
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect();
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = codes
        .iter()
        .map(|c| {
            (
                recovery_codes::user_id.eq(user),
                recovery_codes::code_hash.eq(hash_recovery_code(&normalise(c))),
            )
        })
        .collect();
    diesel::insert_into(recovery_codes::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(codes)
}

fn wrong_code() -> ApiError {
    ApiError::Invalid(
        Reason::InvalidMfaCode,
        "the code is wrong, already used, or malformed".into(),
    )
}

/// `POST /me/2fa/totp/confirm`: the app works, so 2FA is on from now; the
/// recovery codes are returned this once.
pub async fn confirm(
    state: &AppState,
    caller: &AuthUser,
    code: &str,
    meta: &ClientMeta,
) -> Result<RecoveryCodes, ApiError> {
    let user = caller.user.clone();
    let key = key(state);
    let mut conn = state.db.get().await?;
    let codes = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let pending: Option<Option<chrono::DateTime<Utc>>> = user_totp::table
                    .find(user.id)
                    .select(user_totp::confirmed_at)
                    .first(conn)
                    .await
                    .optional()?;
                match pending {
                    None => {
                        return Err(ApiError::Conflict(
                            Reason::TwoFactorNotEnabled,
                            "start enrolment first (POST /me/2fa/totp)".into(),
                        ));
                    }
                    Some(Some(_)) => {
                        return Err(ApiError::Conflict(
                            Reason::TwoFactorAlreadyEnabled,
                            "two-factor sign-in is already on".into(),
                        ));
                    }
                    Some(None) => {}
                }
                if check_code(conn, key, &user, code, true, |s| generator(state, &user, s)).await? != CodeCheck::Totp {
                    return Ok(None);
                }
                diesel::update(user_totp::table.find(user.id))
                    .set(user_totp::confirmed_at.eq(Utc::now()))
                    .execute(conn)
                    .await?;
                let codes = issue_recovery_codes(conn, user.id).await?;
                audit::record(
                    conn,
                    AuditEntry::new(Some(user.id), "two_factor_enabled", "user", user.id).ip(meta.ip.as_deref()),
                )
                .await?;
                Ok(Some(codes))
            }
            .scope_boxed()
        })
        .await?;
    codes
        .map(|recovery_codes| RecoveryCodes { recovery_codes })
        .ok_or_else(wrong_code)
}

/// `POST /me/2fa/recovery-codes`: new recovery codes (the old ones stop
/// working), after a current code.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    caller: &AuthUser,
    code: &str,
    meta: &ClientMeta,
) -> Result<RecoveryCodes, ApiError> {
    let user = caller.user.clone();
    let mut conn = state.db.get().await?;
    let codes = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                if !is_enabled(conn, user.id).await? {
                    return Err(not_enabled());
                }
                if check_confirmed_code(state, conn, &user, code).await? == CodeCheck::Wrong {
                    return Ok(None);
                }
                let codes = issue_recovery_codes(conn, user.id).await?;
                audit::record(
                    conn,
                    AuditEntry::new(Some(user.id), "recovery_codes_regenerated", "user", user.id)
                        .ip(meta.ip.as_deref()),
                )
                .await?;
                Ok(Some(codes))
            }
            .scope_boxed()
        })
        .await?;
    codes
        .map(|recovery_codes| RecoveryCodes { recovery_codes })
        .ok_or_else(wrong_code)
}

fn not_enabled() -> ApiError {
    ApiError::Conflict(Reason::TwoFactorNotEnabled, "two-factor sign-in is not on".into())
}

/// Removes a user's second factor and recovery codes.
async fn remove(conn: &mut AsyncPgConnection, user: UserId) -> Result<usize, ApiError> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
        .execute(conn)
        .await?;
    Ok(diesel::delete(user_totp::table.find(user)).execute(conn).await?)
}

/// `DELETE /me/2fa`: turns 2FA off after a current code (or a recovery
/// code). An account that must keep it (an admin under
/// `REQUIRE_2FA_FOR_ADMINS`) is refused with 403.
pub async fn disable(state: &AppState, caller: &AuthUser, code: &str, meta: &ClientMeta) -> Result<(), ApiError> {
    if is_required(state, &caller.user) {
        return Err(ApiError::Forbidden(
            Reason::TwoFactorRequired,
            "this account must keep two-factor sign-in".into(),
        ));
    }
    let user = caller.user.clone();
    let mut conn = state.db.get().await?;
    let done = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                if !is_enabled(conn, user.id).await? {
                    return Err(not_enabled());
                }
                if check_confirmed_code(state, conn, &user, code).await? == CodeCheck::Wrong {
                    return Ok(false);
                }
                remove(conn, user.id).await?;
                audit::record(
                    conn,
                    AuditEntry::new(Some(user.id), "two_factor_disabled", "user", user.id).ip(meta.ip.as_deref()),
                )
                .await?;
                Ok(true)
            }
            .scope_boxed()
        })
        .await?;
    if done { Ok(()) } else { Err(wrong_code()) }
}

/// `DELETE /users/{id}/2fa` (admin): for a user who lost both their phone
/// and their recovery codes. They sign in with the password alone until they
/// enrol again (at once, if the deployment requires it of them).
pub async fn admin_reset(state: &AppState, admin: &AuthUser, user: UserId, meta: &ClientMeta) -> Result<(), ApiError> {
    admin.require_admin()?;
    let mut conn = state.db.get().await?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let exists: bool = diesel::select(diesel::dsl::exists(users::table.find(user)))
                .get_result(conn)
                .await?;
            if !exists {
                return Err(ApiError::not_found(Reason::UserNotFound, "user"));
            }
            if remove(conn, user).await? == 0 {
                return Err(not_enabled());
            }
            audit::record(
                conn,
                AuditEntry::new(Some(admin.id()), "two_factor_reset", "user", user).ip(meta.ip.as_deref()),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// Challenge tokens are stored hashed, like refresh tokens.
fn hash_challenge(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A password was accepted for `user`, who has 2FA on: the challenge the
/// sign-in completes with.
pub async fn open_challenge(conn: &mut AsyncPgConnection, user: UserId) -> Result<MfaChallenge, ApiError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    diesel::insert_into(mfa_challenges::table)
        .values((
            mfa_challenges::token_hash.eq(hash_challenge(&token)),
            mfa_challenges::user_id.eq(user),
            mfa_challenges::expires_at.eq(Utc::now() + chrono::Duration::seconds(CHALLENGE_TTL_SECS)),
        ))
        .execute(conn)
        .await?;
    Ok(MfaChallenge {
        mfa_required: true,
        mfa_token: token,
        expires_in: CHALLENGE_TTL_SECS,
    })
}

/// What presenting a code against a challenge came to.
#[derive(Debug)]
pub enum ChallengeOutcome {
    /// The sign-in may complete for this user.
    Passed(Box<User>, CodeCheck),
    /// Wrong code; the challenge counted it.
    WrongCode(Box<User>),
    /// Unknown, expired, used, or worn out by wrong codes.
    Invalid,
}

/// Checks `code` against the challenge `token`, in one transaction: the
/// challenge is spent on success and counts a failure otherwise.
pub async fn answer_challenge(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    token: &str,
    code: &str,
) -> Result<ChallengeOutcome, ApiError> {
    let token_hash = hash_challenge(token);
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let found: Option<(UserId, i32)> = mfa_challenges::table
                .find(&token_hash)
                .filter(mfa_challenges::used_at.is_null())
                .filter(mfa_challenges::expires_at.gt(Utc::now()))
                .select((mfa_challenges::user_id, mfa_challenges::failed_attempts))
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let Some((user_id, failures)) = found else {
                return Ok(ChallengeOutcome::Invalid);
            };
            if failures >= MAX_CHALLENGE_FAILURES {
                return Ok(ChallengeOutcome::Invalid);
            }
            let user: User = users::table
                .find(user_id)
                .select(<User as diesel::SelectableHelper<diesel::pg::Pg>>::as_select())
                .first(conn)
                .await?;
            if !user.active {
                return Ok(ChallengeOutcome::Invalid);
            }
            match check_confirmed_code(state, conn, &user, code).await? {
                CodeCheck::Wrong => {
                    diesel::update(mfa_challenges::table.find(&token_hash))
                        .set(mfa_challenges::failed_attempts.eq(failures + 1))
                        .execute(conn)
                        .await?;
                    Ok(ChallengeOutcome::WrongCode(Box::new(user)))
                }
                passed => {
                    diesel::update(mfa_challenges::table.find(&token_hash))
                        .set(mfa_challenges::used_at.eq(Utc::now()))
                        .execute(conn)
                        .await?;
                    Ok(ChallengeOutcome::Passed(Box::new(user), passed))
                }
            }
        }
        .scope_boxed()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totp() -> Result<TOTP, totp_rs::TotpUrlError> {
        TOTP::new(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP_SECS,
            b"12345678901234567890".to_vec(),
            Some("Consilium".into()),
            "doctor".into(),
        )
    }

    #[test]
    fn rfc_6238_vectors_match_their_step() -> Result<(), totp_rs::TotpUrlError> {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits
        let totp = totp()?;
        assert_eq!(matching_step(&totp, "287082", 59), Some(1));
        assert_eq!(matching_step(&totp, "081804", 1_111_111_109), Some(37_037_036));
        // a neighbouring step's code is accepted (clock skew), a far one is not
        assert_eq!(matching_step(&totp, "287082", 89), Some(1));
        assert_eq!(matching_step(&totp, "287082", 200), None);
        assert_eq!(matching_step(&totp, "28708", 59), None);
        Ok(())
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalise(" AbCde-fGh23 "), "abcdefgh23");
        assert_eq!(normalise("123 456"), "123456");
    }
}
