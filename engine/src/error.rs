//! The engine's errors: what went wrong, in words a client can be shown.

/// What went wrong in the engine. The HTTP layer maps each kind to one status code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing named does not exist (or belongs to another company).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An input field is wrong; the message says how.
    #[error("{field}: {message}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The request lost a race or clashes with what exists; the code names which.
    #[error("{message}")]
    Conflict {
        /// Stable machine-readable code.
        code: &'static str,
        /// One sentence for people.
        message: String,
    },
    /// The payment gateway declined the card.
    #[error("{0}")]
    Declined(String),
    /// No valid credentials.
    #[error("sign in first: the token is missing, expired or unknown")]
    Unauthorized,
    /// Signed in, but not allowed to do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Too much of a bounded resource is in use (password hashing); try again after
    /// `retry_after`.
    #[error("the server is busy checking other passwords; try again in a moment")]
    Busy {
        /// When trying again is worth it.
        retry_after: std::time::Duration,
    },
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] switchboard_storage::Error),
    /// An actor is gone (the server is stopping).
    #[error("the server is shutting down")]
    Unavailable,
    /// The company's actor did not answer in time: too much work queued. Retry shortly.
    #[error("the server is busy; try again in a moment")]
    Overloaded,
    /// Cluster mode: the company's shard is not served by this node right now (it is
    /// moving between nodes, or another node serves it). Retry shortly.
    #[error("the company is moving to another node; try again in a moment")]
    Moved,
    /// A bug or an environment failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An [`Error::Invalid`] for `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl From<actix::MailboxError> for Error {
    fn from(_: actix::MailboxError) -> Self {
        Error::Unavailable
    }
}

/// The engine's result.
pub type Result<T> = std::result::Result<T, Error>;
