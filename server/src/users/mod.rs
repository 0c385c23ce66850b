//! Accounts: creation, profile changes, deactivation, directory search.
//!
//! Used by the HTTP routes, the `create-admin` and `seed-demo` commands and the
//! start-up bootstrap, so every path that makes a user applies the same rules.

use chrono::Utc;
use consilium_shared::{
    UserId,
    users::{CareLevel, CreateUserRequest, DutyRequest, DutyStatus, PlatformRole, UpdateUserRequest, UserDto},
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::auth::{AuthUser, password, sessions::revoke_user_sessions};
use crate::db::models::{NewUser, User, UserChanges};
use crate::db::schema::users;
use crate::domain::{BoundedText, NewPassword, Username, parse_specialties};
use crate::error::ApiError;
use consilium_shared::ErrorReason as Reason;

/// A user's profile after validation.
struct ValidProfile {
    username: Username,
    display_name: String,
    password: NewPassword,
    role: PlatformRole,
    title: String,
    institution: String,
    care_level: CareLevel,
    specialties: Vec<String>,
}

fn validate_new_user(req: CreateUserRequest) -> Result<ValidProfile, ApiError> {
    Ok(ValidProfile {
        username: Username::parse(&req.username)?,
        display_name: BoundedText::parse(&req.display_name, "display_name", 1, 100)?.into_inner(),
        password: NewPassword::parse(req.password, "password")?,
        role: req.role.unwrap_or(PlatformRole::User),
        title: BoundedText::parse(req.title.as_deref().unwrap_or(""), "title", 0, 100)?.into_inner(),
        institution: BoundedText::parse(req.institution.as_deref().unwrap_or(""), "institution", 0, 200)?.into_inner(),
        care_level: req.care_level.unwrap_or(CareLevel::Primary),
        specialties: parse_specialties(req.specialties.unwrap_or_default())?,
    })
}

/// Creates a user; `actor` is the admin doing it (`None` for the CLI and bootstrap).
pub async fn create_user(
    conn: &mut AsyncPgConnection,
    actor: Option<UserId>,
    req: CreateUserRequest,
    ip: Option<&str>,
) -> Result<User, ApiError> {
    let profile = validate_new_user(req)?;
    let hash = password::hash(profile.password.expose().to_owned()).await?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let user: User = diesel::insert_into(users::table)
                .values(NewUser {
                    id: UserId::new(),
                    username: profile.username.as_str(),
                    display_name: &profile.display_name,
                    password_hash: &hash,
                    role: profile.role,
                    title: &profile.title,
                    institution: &profile.institution,
                    care_level: profile.care_level,
                    specialties: &profile.specialties,
                })
                .returning(User::as_returning())
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(actor, "user_created", "user", user.id)
                    .detail(json!({ "username": user.username, "role": user.role }))
                    .ip(ip),
            )
            .await?;
            Ok(user)
        }
        .scope_boxed()
    })
    .await
}

/// Loads a user by id; 404 when absent.
pub async fn find(conn: &mut AsyncPgConnection, id: UserId) -> Result<User, ApiError> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(Reason::UserNotFound, "user"))
}

/// What a `PATCH /users/{id}` changed, so the caller can act on side effects.
#[derive(Debug)]
pub struct UpdateOutcome {
    /// The user after the change.
    pub user: User,
    /// Sessions ended by an admin password reset.
    pub revoked_sessions: Vec<consilium_shared::SessionId>,
}

/// Applies `req` to `target`: profile fields by the user themself or an admin,
/// role and password only by an admin.
pub async fn update_user(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    target: UserId,
    req: UpdateUserRequest,
    ip: Option<&str>,
) -> Result<UpdateOutcome, ApiError> {
    let existing = find(conn, target).await?;
    let is_self = caller.id() == target;
    if !caller.is_admin() && !is_self {
        return Err(ApiError::Forbidden(
            Reason::SelfOnly,
            "you may only change your own profile".into(),
        ));
    }
    if !caller.is_admin() && (req.role.is_some() || req.password.is_some()) {
        return Err(ApiError::Forbidden(
            Reason::AdminOnly,
            "only an admin may change roles or reset passwords".into(),
        ));
    }
    if req.role == Some(PlatformRole::User) && existing.is_admin() && is_self {
        return Err(ApiError::Conflict(
            Reason::DemoteSelf,
            "an admin cannot remove their own admin role".into(),
        ));
    }
    let password_hash = match req.password {
        Some(p) => Some(password::hash(NewPassword::parse(p, "password")?.expose().to_owned()).await?),
        None => None,
    };
    let changes = UserChanges {
        display_name: req
            .display_name
            .map(|v| BoundedText::parse(&v, "display_name", 1, 100).map(BoundedText::into_inner))
            .transpose()?,
        title: req
            .title
            .map(|v| BoundedText::parse(&v, "title", 0, 100).map(BoundedText::into_inner))
            .transpose()?,
        institution: req
            .institution
            .map(|v| BoundedText::parse(&v, "institution", 0, 200).map(BoundedText::into_inner))
            .transpose()?,
        care_level: req.care_level,
        specialties: req.specialties.map(parse_specialties).transpose()?,
        role: req.role,
        password_hash,
        active: None,
    };
    let reset_password = changes.password_hash.is_some();
    let changed_fields: Vec<&str> = [
        ("display_name", changes.display_name.is_some()),
        ("title", changes.title.is_some()),
        ("institution", changes.institution.is_some()),
        ("care_level", changes.care_level.is_some()),
        ("specialties", changes.specialties.is_some()),
        ("role", changes.role.is_some()),
        ("password", reset_password),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if changed_fields.is_empty() {
        return Ok(UpdateOutcome {
            user: existing,
            revoked_sessions: vec![],
        });
    }
    let actor = caller.id();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let user: User = diesel::update(users::table.find(target))
                .set(&changes)
                .returning(User::as_returning())
                .get_result(conn)
                .await?;
            let revoked_sessions = if reset_password {
                revoke_user_sessions(conn, target, None, "password_reset").await?
            } else {
                vec![]
            };
            audit::record(
                conn,
                AuditEntry::new(Some(actor), "user_updated", "user", target)
                    .detail(json!({ "fields": changed_fields, "role": changes.role }))
                    .ip(ip),
            )
            .await?;
            Ok(UpdateOutcome { user, revoked_sessions })
        }
        .scope_boxed()
    })
    .await
}

/// Sets `active` on a user; deactivation also revokes every session.
/// Returns the user and the revoked session ids.
pub async fn set_active(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    target: UserId,
    active: bool,
    ip: Option<&str>,
) -> Result<(User, Vec<consilium_shared::SessionId>), ApiError> {
    caller.require_admin()?;
    if caller.id() == target && !active {
        return Err(ApiError::Conflict(
            Reason::DeactivateSelf,
            "you cannot deactivate your own account".into(),
        ));
    }
    find(conn, target).await?;
    let actor = caller.id();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let user: User = diesel::update(users::table.find(target))
                .set(users::active.eq(active))
                .returning(User::as_returning())
                .get_result(conn)
                .await?;
            let revoked = if active {
                vec![]
            } else {
                revoke_user_sessions(conn, target, None, "deactivated").await?
            };
            let action = if active { "user_reactivated" } else { "user_deactivated" };
            audit::record(
                conn,
                AuditEntry::new(Some(actor), action, "user", target)
                    .detail(json!({ "sessions_revoked": revoked.len() }))
                    .ip(ip),
            )
            .await?;
            Ok((user, revoked))
        }
        .scope_boxed()
    })
    .await
}

/// Directory search by username, display name, institution or specialty, ordered
/// by username; `after` is the last username of the previous page.
pub async fn search(
    conn: &mut AsyncPgConnection,
    q: Option<&str>,
    include_inactive: bool,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<UserDto>, ApiError> {
    let mut query = users::table
        .select(User::as_select())
        .order(users::username.asc())
        .limit(limit)
        .into_boxed();
    if !include_inactive {
        query = query.filter(users::active.eq(true));
    }
    if let Some(after) = after {
        query = query.filter(users::username.gt(after.to_owned()));
    }
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", crate::db::escape_like(q));
        query = query.filter(
            users::username
                .ilike(pattern.clone())
                .or(users::display_name.ilike(pattern.clone()))
                .or(users::institution.ilike(pattern.clone()))
                .or(users::title.ilike(pattern.clone()))
                .or(
                    diesel::dsl::sql::<diesel::sql_types::Bool>("array_to_string(specialties, ' ') ilike ")
                        .bind::<diesel::sql_types::Text, _>(pattern),
                ),
        );
    }
    let rows: Vec<User> = query.load(conn).await?;
    Ok(rows.into_iter().map(UserDto::from).collect())
}

/// `PUT /me/status`: the caller's duty status, with the colleague who also
/// receives their notifications while they are off duty or not to be
/// disturbed.
pub async fn set_duty(conn: &mut AsyncPgConnection, me: UserId, req: &DutyRequest) -> Result<User, ApiError> {
    if let Some(until) = req.until
        && until <= Utc::now()
    {
        return Err(ApiError::Invalid(
            Reason::DateInPast,
            "until: must be in the future".into(),
        ));
    }
    if let Some(colleague) = req.forward_to {
        if colleague == me {
            return Err(ApiError::Invalid(
                Reason::ForwardToSelf,
                "forward_to: not yourself".into(),
            ));
        }
        let active: Option<bool> = users::table
            .find(colleague)
            .select(users::active)
            .first(conn)
            .await
            .optional()?;
        match active {
            Some(true) => {}
            Some(false) => {
                return Err(ApiError::Invalid(
                    Reason::UserDeactivated,
                    "forward_to: the user is deactivated".into(),
                ));
            }
            None => {
                return Err(ApiError::Invalid(
                    Reason::UserMissing,
                    "forward_to: no such user".into(),
                ));
            }
        }
    }
    let on_duty = req.status == DutyStatus::OnDuty;
    Ok(diesel::update(users::table.find(me))
        .set((
            users::duty_status.eq(req.status),
            users::duty_until.eq(if on_duty { None } else { req.until }),
            users::forward_to.eq(if on_duty { None } else { req.forward_to }),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await?)
}

/// A user's duty status as it stands now: a status whose `until` passed is
/// back on duty.
pub fn effective_duty(user: &User) -> DutyStatus {
    match user.duty_until {
        Some(until) if until <= Utc::now() => DutyStatus::OnDuty,
        _ => user.duty_status,
    }
}

/// The duty status of each of `users`, as it stands now.
///
/// The future does not hold `conn` (it pipelines with other queries).
pub fn duties_of(
    conn: &mut AsyncPgConnection,
    users_: &[UserId],
) -> impl Future<Output = Result<std::collections::HashMap<UserId, DutyStatus>, ApiError>> + Send + use<> {
    let rows = users::table
        .filter(users::id.eq_any(users_.to_vec()))
        .select((users::id, users::duty_status, users::duty_until))
        .load::<(UserId, DutyStatus, Option<chrono::DateTime<Utc>>)>(conn);
    async move { duties_from(rows.await?) }
}

fn duties_from(
    rows: Vec<(UserId, DutyStatus, Option<chrono::DateTime<Utc>>)>,
) -> Result<std::collections::HashMap<UserId, DutyStatus>, ApiError> {
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|(id, status, until)| match until {
            Some(until) if until <= now => (id, DutyStatus::OnDuty),
            _ => (id, status),
        })
        .collect())
}
