//! The HTTP error policy, stated once.
//!
//! Handlers return `Result<_, ApiError>`. Client errors carry a message meant for
//! the caller and are rendered as the spec's `{"error": {"code", "message"}}`
//! body with the status their code implies. Everything else is `Unexpected`: the
//! caller gets an opaque 500 and the cause chain goes to the log, never the
//! response. Database unique violations become 409s by constraint name, so the
//! database stays the one place uniqueness is enforced.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use consilium_shared::{ErrorBody, ErrorCode};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed or invalid input.
    #[error("{0}")]
    Invalid(String),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: visible but not the caller's to change.
    #[error("{0}")]
    Forbidden(String),
    /// 404: absent, or not the caller's to see.
    #[error("{0}")]
    NotFound(String),
    /// 409: the current state forbids it.
    #[error("{0}")]
    Conflict(String),
    /// 413: too large.
    #[error("{0}")]
    TooLarge(String),
    /// 429: too many attempts.
    #[error("{0}")]
    RateLimited(String),
    /// 500: a bug or an outage; details are logged, not returned.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// The code this error is rendered with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::Invalid,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::TooLarge(_) => ErrorCode::TooLarge,
            Self::RateLimited(_) => ErrorCode::RateLimited,
            Self::Unexpected(_) => ErrorCode::Internal,
        }
    }

    /// The body sent to the client.
    pub fn body(&self) -> ErrorBody {
        let message = match self {
            Self::Unexpected(_) => "internal server error".to_owned(),
            other => other.to_string(),
        };
        ErrorBody::new(self.code(), message)
    }

    /// Shorthand for a 404 naming what was not found.
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Unexpected(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        HttpResponse::build(self.status_code()).json(self.body())
    }
}

impl From<DieselError> for ApiError {
    fn from(err: DieselError) -> Self {
        match &err {
            DieselError::NotFound => Self::NotFound("not found".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => match info.constraint_name() {
                Some("users_username_key") => Self::Conflict("username is already taken".into()),
                Some("team_members_one_lead") => Self::Conflict("the team already has a lead".into()),
                Some(other) => Self::Conflict(format!("already exists ({other})")),
                None => Self::Conflict("already exists".into()),
            },
            DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, info) => Self::Invalid(format!(
                "value rejected ({})",
                info.constraint_name().unwrap_or("check")
            )),
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Self::Invalid("refers to something that does not exist".into())
            }
            _ => Self::Unexpected(err.into()),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Unexpected(anyhow::Error::new(err).context("no database connection"))
    }
}

impl From<crate::domain::ValidationError> for ApiError {
    fn from(err: crate::domain::ValidationError) -> Self {
        Self::Invalid(err.to_string())
    }
}

/// Maps actix's JSON extractor failures to the spec's 400/413 bodies.
pub fn json_error(err: actix_web::error::JsonPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &err {
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => {
            ApiError::TooLarge(format!("request body is larger than {limit} bytes"))
        }
        E::ContentType => ApiError::Invalid("expected Content-Type: application/json".into()),
        E::Deserialize(e) => ApiError::Invalid(format!("invalid JSON body: {e}")),
        other => ApiError::Invalid(format!("invalid request body: {other}")),
    };
    api.into()
}

/// Maps query-string parse failures to a 400.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::Invalid(format!("invalid query string: {err}")).into()
}

/// Maps path parse failures (e.g. a malformed id) to a 400.
pub fn path_error(err: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::Invalid(format!("invalid path parameter: {err}")).into()
}
