//! Request extractors for the authenticated caller and the client's address.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use consilium_shared::{SessionId, UserId};
use futures_util::future::LocalBoxFuture;

use crate::db::models::User;
use crate::error::ApiError;
use crate::state::AppState;
use consilium_shared::ErrorReason as Reason;

/// The signed-in caller: a live session of an active user.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's current row (role, active, profile).
    pub user: User,
    /// The session the access token belongs to.
    pub session_id: SessionId,
}

impl AuthUser {
    /// The caller's id.
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// Whether the caller is a platform admin.
    pub fn is_admin(&self) -> bool {
        self.user.is_admin()
    }

    /// Refuses non-admins with 403.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                Reason::AdminOnly,
                "only an admin may do this".into(),
            ))
        }
    }
}

/// Reads the bearer token from the `Authorization` header.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("app state missing")))?;
            let token =
                token.ok_or_else(|| ApiError::Unauthorized(Reason::MissingToken, "missing bearer token".into()))?;
            super::sessions::authenticate(&state.jwt, &state.db, &token, state.auth_rules()).await
        })
    }
}

/// The signed-in caller, let through even when they still have to enrol a
/// second factor (SPEC §11: such an admin "can do nothing but enrol"): only
/// the endpoints that enrolling needs take this instead of [`AuthUser`].
#[derive(Debug, Clone)]
pub struct EnrollingUser(pub AuthUser);

impl FromRequest for EnrollingUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("app state missing")))?;
            let token =
                token.ok_or_else(|| ApiError::Unauthorized(Reason::MissingToken, "missing bearer token".into()))?;
            let rules = super::sessions::AuthRules {
                admins_need_second_factor: false,
                ..state.auth_rules()
            };
            super::sessions::authenticate(&state.jwt, &state.db, &token, rules)
                .await
                .map(EnrollingUser)
        })
    }
}

/// The client's network address and user agent, for the audit log and throttling.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    /// Peer IP address (the direct peer: a proxy in front must be trusted explicitly).
    pub ip: Option<String>,
    /// `User-Agent` header.
    pub user_agent: Option<String>,
}

impl ClientMeta {
    /// Reads the peer address and user agent of `req`.
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            ip: req.peer_addr().map(|a| a.ip().to_string()),
            user_agent: req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(300).collect()),
        }
    }
}

impl FromRequest for ClientMeta {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}
