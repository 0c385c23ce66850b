//! The HTTP error policy, stated once.
//!
//! Handlers return `Result<_, ApiError>`. Client errors carry a message meant for
//! the caller and are rendered as the spec's `{"error": {"code", "message"}}`
//! body with the status their code implies. Everything else is `Unexpected`: the
//! caller gets an opaque 500 and the cause chain goes to the log, never the
//! response. Database unique violations become 409s by constraint name, so the
//! database stays the one place uniqueness is enforced.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use consilium_shared::{ErrorBody, ErrorCode, ErrorReason as Reason};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Every way a request can fail. Each client error names its [`Reason`]
/// (what the client translates) and an English message (what a developer reads).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed or invalid input.
    #[error("{1}")]
    Invalid(Reason, String),
    /// 401: no valid credentials.
    #[error("{1}")]
    Unauthorized(Reason, String),
    /// 403: visible but not the caller's to change.
    #[error("{1}")]
    Forbidden(Reason, String),
    /// 404: absent, or not the caller's to see.
    #[error("{1}")]
    NotFound(Reason, String),
    /// 409: the current state forbids it.
    #[error("{1}")]
    Conflict(Reason, String),
    /// 413: too large.
    #[error("{1}")]
    TooLarge(Reason, String),
    /// 415: content of a type that is not accepted.
    #[error("{1}")]
    UnsupportedMediaType(Reason, String),
    /// 416: a byte range outside the file.
    #[error("{1}")]
    RangeNotSatisfiable(Reason, String),
    /// 429: too many attempts; with how long to wait, when that is known,
    /// sent as `Retry-After` so clients back off instead of hammering.
    #[error("{1}")]
    RateLimited(Reason, String, Option<std::time::Duration>),
    /// 409 `call_in_progress`, carrying the live call so the client can join it.
    #[error("the conversation already has a live call")]
    CallInProgress(Box<consilium_shared::calls::CallDto>),
    /// 500: a bug or an outage; details are logged, not returned.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// The code this error is rendered with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(..) => ErrorCode::Invalid,
            Self::Unauthorized(..) => ErrorCode::Unauthorized,
            Self::Forbidden(..) => ErrorCode::Forbidden,
            Self::NotFound(..) => ErrorCode::NotFound,
            Self::Conflict(..) | Self::CallInProgress(_) => ErrorCode::Conflict,
            Self::TooLarge(..) => ErrorCode::TooLarge,
            Self::UnsupportedMediaType(..) => ErrorCode::UnsupportedMediaType,
            Self::RangeNotSatisfiable(..) => ErrorCode::RangeNotSatisfiable,
            Self::RateLimited(..) => ErrorCode::RateLimited,
            Self::Unexpected(_) => ErrorCode::Internal,
        }
    }

    /// The precise cause.
    pub fn reason(&self) -> Reason {
        match self {
            Self::Invalid(r, _)
            | Self::Unauthorized(r, _)
            | Self::Forbidden(r, _)
            | Self::NotFound(r, _)
            | Self::Conflict(r, _)
            | Self::TooLarge(r, _)
            | Self::UnsupportedMediaType(r, _)
            | Self::RangeNotSatisfiable(r, _)
            | Self::RateLimited(r, _, _) => *r,
            Self::CallInProgress(_) => Reason::CallInProgress,
            Self::Unexpected(_) => Reason::Internal,
        }
    }

    /// The body sent to the client.
    pub fn body(&self) -> ErrorBody {
        let message = match self {
            Self::Unexpected(_) => "internal server error".to_owned(),
            other => other.to_string(),
        };
        let mut body = ErrorBody::new(self.code(), self.reason(), message);
        if let Self::CallInProgress(call) = self {
            body.error.call = Some(call.clone());
        }
        body
    }

    /// A 404 naming what was not found.
    pub fn not_found(reason: Reason, what: &str) -> Self {
        Self::NotFound(reason, format!("{what} not found"))
    }

    /// A 400 for a text field holding U+0000.
    pub fn nul_character(where_: &str) -> Self {
        Self::Invalid(Reason::NulCharacter, format!("{where_}: text must not contain U+0000"))
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
        let mut response = HttpResponse::build(self.status_code());
        if let Self::RateLimited(_, _, Some(wait)) = self {
            // whole seconds, rounded up (RFC 9110 §10.2.3)
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response.insert_header((actix_web::http::header::RETRY_AFTER, secs));
        }
        response.json(self.body())
    }
}

impl From<DieselError> for ApiError {
    fn from(err: DieselError) -> Self {
        match &err {
            DieselError::NotFound => Self::NotFound(Reason::NotFound, "not found".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => match info.constraint_name() {
                Some("users_username_key") => Self::Conflict(Reason::UsernameTaken, "username is already taken".into()),
                Some("team_members_one_lead") => {
                    Self::Conflict(Reason::TeamHasLead, "the team already has a lead".into())
                }
                Some(other) => Self::Conflict(Reason::AlreadyExists, format!("already exists ({other})")),
                None => Self::Conflict(Reason::AlreadyExists, "already exists".into()),
            },
            DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, info) => Self::Invalid(
                Reason::ValueRejected,
                format!("value rejected ({})", info.constraint_name().unwrap_or("check")),
            ),
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Self::Invalid(
                Reason::UnknownReference,
                "refers to something that does not exist".into(),
            ),
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
        Self::Invalid(err.reason, err.to_string())
    }
}

/// Maps actix's JSON extractor failures to the spec's 400/413 bodies.
pub fn json_error(err: actix_web::error::JsonPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &err {
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => ApiError::TooLarge(
            Reason::BodyTooLarge,
            format!("request body is larger than {limit} bytes"),
        ),
        E::ContentType => ApiError::Invalid(
            Reason::WrongContentType,
            "expected Content-Type: application/json".into(),
        ),
        E::Deserialize(e) => ApiError::Invalid(Reason::MalformedBody, format!("invalid JSON body: {e}")),
        other => ApiError::Invalid(Reason::MalformedBody, format!("invalid request body: {other}")),
    };
    api.into()
}

/// Maps query-string parse failures to a 400.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::Invalid(Reason::MalformedQuery, format!("invalid query string: {err}")).into()
}

/// Maps path parse failures (e.g. a malformed id) to a 400.
pub fn path_error(err: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::Invalid(Reason::MalformedPath, format!("invalid path parameter: {err}")).into()
}
