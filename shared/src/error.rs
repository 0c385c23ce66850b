//! The error body every failing HTTP request and websocket frame answers with.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Machine-readable error code; each HTTP status maps to exactly one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// 400: the request is malformed or fails validation.
    Invalid,
    /// 401: missing, expired or revoked credentials.
    Unauthorized,
    /// 403: the caller can see the resource but may not change it.
    Forbidden,
    /// 404: no such resource, or one the caller may not see.
    NotFound,
    /// 409: the resource's current state forbids the change.
    Conflict,
    /// 413: the request body or frame is too large.
    TooLarge,
    /// 429: too many attempts; try again later.
    RateLimited,
    /// 500: the server failed; details are in its logs, never in the response.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Invalid => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::TooLarge => 413,
            Self::RateLimited => 429,
            Self::Internal => 500,
        }
    }

    /// The snake_case wire name, for logs and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::TooLarge => "too_large",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }
}

/// `{"error": {"code": "...", "message": "..."}}` — the spec's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ErrorDetail {
    /// Stable code a client can branch on.
    pub code: ErrorCode,
    /// Human-readable explanation (English), safe to show to the user.
    pub message: String,
}

impl ErrorBody {
    /// Builds the body for a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
            },
        }
    }
}
