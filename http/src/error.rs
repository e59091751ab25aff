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
        let mut message = error.to_string();
        if let Error::Busy { retry_after } = error {
            return ApiError::too_many("busy", message, retry_after);
        }
        let (status, code) = match &error {
            // 507: the client may retry later; the store recovers by itself once space is
            // freed. The message is storage's own sentence, not sled's.
            Error::Storage(e) if e.is_disk_full() => {
                tracing::warn!("refused a write: {e}");
                message = e.to_string();
                (StatusCode::INSUFFICIENT_STORAGE, "disk_full".into())
            }
            // Cluster mode: the shard's log refused or could not take the write (the
            // company moved to another node, or the cluster is unreachable).
            Error::Storage(e @ switchboard_storage::Error::Replication(_)) => {
                tracing::warn!("refused a write: {e}");
                message = "the cluster did not store the change, so it was not made; the \
                           company may be moving to another node: try again in a moment"
                    .to_owned();
                (StatusCode::SERVICE_UNAVAILABLE, "not_replicated".into())
            }
            // Storage library text stays in the log: it says nothing a client can act on,
            // and may name files.
            Error::Storage(e) => {
                tracing::error!("storage error: {e:#}");
                message = "the database could not complete the request".to_owned();
                (StatusCode::INTERNAL_SERVER_ERROR, "storage_error".into())
            }
            Error::NotFound(what) => (
                StatusCode::NOT_FOUND,
                format!("{}_not_found", what.replace(' ', "_")),
            ),
            Error::Invalid { field, .. } => (StatusCode::BAD_REQUEST, format!("invalid_{field}")),
            Error::Conflict { code, .. } => (StatusCode::CONFLICT, code.to_string()),
            Error::Declined(_) => (StatusCode::PAYMENT_REQUIRED, "card_declined".into()),
            Error::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized".into()),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden".into()),
            Error::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "shutting_down".into()),
            Error::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "overloaded".into()),
            Error::Moved => (StatusCode::SERVICE_UNAVAILABLE, "company_moving".into()),
            _ => {
                // The details are for the log, never for the client.
                tracing::error!("internal error: {error}");
                message = "the server could not complete the request; nothing was changed \
                           and the failure is logged"
                    .into();
                (StatusCode::INTERNAL_SERVER_ERROR, "internal".into())
            }
        };
        let retry_after = match &error {
            // Another instance (or this one, restarted) answers after a few seconds.
            Error::Unavailable => Some(Duration::from_secs(5)),
            // The queue ahead drains in well under a second when healthy.
            Error::Overloaded | Error::Moved => Some(Duration::from_secs(1)),
            Error::Storage(switchboard_storage::Error::Replication(_)) => {
                Some(Duration::from_secs(1))
            }
            _ => None,
        };
        ApiError {
            status,
            code,
            message,
            allow: None,
            retry_after,
        }
    }
}

impl From<switchboard_storage::Error> for ApiError {
    fn from(error: switchboard_storage::Error) -> Self {
        Error::from(error).into()
    }
}
