//! [`StorageError`]: what a [`Storage`](super::Storage) call can answer
//! instead of data.

use std::fmt;

use crate::StoreError;

/// What went wrong in a storage call; [`StorageError::kind`] says which
/// answer the API gives.
#[derive(Debug)]
pub struct StorageError {
    kind: StorageErrorKind,
}

/// The kinds of [`StorageError`].
#[derive(Debug)]
#[non_exhaustive]
pub enum StorageErrorKind {
    /// The request's own fault: a bad query, an unknown id, a bad record
    /// (400 or 404, as [`StoreError`] says).
    Store(StoreError),
    /// A metadata merge would leave more than
    /// [`MAX_METADATA_KEYS`](super::MAX_METADATA_KEYS) keys (400).
    TooManyKeys {
        /// Keys the conversation would hold.
        after: usize,
        /// The first key the update adds.
        first_new: String,
    },
    /// The backend cannot answer now: the database is unreachable, the pool
    /// had no connection within its wait, or the journal could not be
    /// written (503). Nothing was changed.
    Unavailable {
        /// Which backend (`PostgreSQL`, `journal`).
        backend: &'static str,
        /// Why, for the logs and the error body.
        reason: String,
    },
    /// A query ran past the statement timeout (503): the filter asks for
    /// more work than the server allows one request. Nothing was changed.
    TimedOut {
        /// Which backend (`memory`).
        backend: &'static str,
        /// The statement timeout.
        limit: std::time::Duration,
    },
    /// The backend answered with something this server cannot use (a
    /// database whose rows do not parse, a constraint that should hold):
    /// a bug or a damaged database (500).
    Internal {
        /// Which backend.
        backend: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl StorageError {
    /// An error of `kind`.
    ///
    /// ```
    /// use store::storage::{StorageError, StorageErrorKind};
    /// let e = StorageError::new(StorageErrorKind::Unavailable {
    ///     backend: "PostgreSQL",
    ///     reason: "connection refused".into(),
    /// });
    /// assert_eq!(e.to_string(), "PostgreSQL unavailable: connection refused");
    /// ```
    pub fn new(kind: StorageErrorKind) -> StorageError {
        StorageError { kind }
    }

    /// A 503: `backend` cannot answer now.
    pub fn unavailable(backend: &'static str, reason: impl Into<String>) -> StorageError {
        StorageError::new(StorageErrorKind::Unavailable {
            backend,
            reason: reason.into(),
        })
    }

    /// A 503: a query on `backend` ran past the statement timeout `limit`.
    ///
    /// ```
    /// let e = store::storage::StorageError::timed_out("memory", std::time::Duration::from_millis(1500));
    /// assert_eq!(e.to_string(), "memory: the query ran past the statement timeout of 1.5 s");
    /// ```
    pub fn timed_out(backend: &'static str, limit: std::time::Duration) -> StorageError {
        StorageError::new(StorageErrorKind::TimedOut { backend, limit })
    }

    /// A 500: `backend` answered with something unusable.
    pub fn internal(backend: &'static str, reason: impl Into<String>) -> StorageError {
        StorageError::new(StorageErrorKind::Internal {
            backend,
            reason: reason.into(),
        })
    }

    /// Which kind of error this is.
    pub fn kind(&self) -> &StorageErrorKind {
        &self.kind
    }

    /// The kind, by value.
    pub fn into_kind(self) -> StorageErrorKind {
        self.kind
    }
}

impl From<StoreError> for StorageError {
    fn from(e: StoreError) -> StorageError {
        StorageError::new(StorageErrorKind::Store(e))
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            StorageErrorKind::Store(e) => fmt::Display::fmt(e, f),
            StorageErrorKind::TooManyKeys { after, first_new } => write!(
                f,
                "metadata: at most {} keys per conversation, this update would leave {after} \
                 (new keys from `{}`)",
                super::MAX_METADATA_KEYS,
                crate::error::echo(first_new)
            ),
            StorageErrorKind::Unavailable { backend, reason } => {
                write!(f, "{backend} unavailable: {reason}")
            }
            StorageErrorKind::TimedOut { backend, limit } => write!(
                f,
                "{backend}: the query ran past the statement timeout of {} s",
                limit.as_secs_f64()
            ),
            StorageErrorKind::Internal { backend, reason } => write!(f, "{backend}: {reason}"),
        }
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            StorageErrorKind::Store(e) => Some(e),
            _ => None,
        }
    }
}
