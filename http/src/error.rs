//! HTTP errors: every failure is a JSON body `{code, message}` with the one status code its
//! kind maps to. The mapping from engine errors lives here and nowhere else.

use std::time::Duration;

use hyper::StatusCode;
use serde::Serialize;
use switchboard_engine::Error;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// Status code.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: String,
    /// One sentence saying what was wrong.
    pub message: String,
    /// For a 405: the methods the path serves.
    pub allow: Option<String>,
    /// For a 429 or 503: when trying again is worth it (sent as `Retry-After`, whole seconds).
    pub retry_after: Option<Duration>,
}

/// The JSON body of an error.
#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            allow: None,
            retry_after: None,
        }
    }

    /// 429: this client (or company) asked too often; `code` names which limit.
    pub fn too_many(code: &str, message: impl Into<String>, retry_after: Duration) -> Self {
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        error.retry_after = Some(retry_after);
        error
    }

    /// The `Retry-After` value: whole seconds, rounded up, at least one.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after
            .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
            .map(|s| s.max(1))
    }

    /// 400 for a bad field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            format!("invalid_{field}"),
            format!("{field}: {}", message.into()),
        )
    }

    /// 404 for a path that names nothing.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::to_string(&Body {
            code: &self.code,
            message: &self.message,
        })
        .expect("two strings always serialize")
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        if let Error::Busy { retry_after } = error {
            return ApiError::too_many("busy", message, retry_after);
        }
        let (status, code) = match &error {
            Error::NotFound(what) => (
                StatusCode::NOT_FOUND,
                format!("{}_not_found", what.replace(' ', "_")),
            ),
            Error::Invalid { field, .. } => (StatusCode::BAD_REQUEST, format!("invalid_{field}")),
            Error::Conflict { code, .. } => (StatusCode::CONFLICT, code.to_string()),
            Error::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized".into()),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden".into()),
            Error::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable".into()),
            _ => {
                tracing::error!("internal error: {error}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal".into())
            }
        };
        ApiError {
            status,
            code,
            message,
            allow: None,
            retry_after: None,
        }
    }
}

impl From<switchboard_storage::Error> for ApiError {
    fn from(error: switchboard_storage::Error) -> Self {
        Error::from(error).into()
    }
}

impl From<actix::MailboxError> for ApiError {
    fn from(error: actix::MailboxError) -> Self {
        Error::from(error).into()
    }
}
