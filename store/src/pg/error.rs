//! PostgreSQL and pool errors as [`StorageError`]s: the database not
//! answering is a 503 ([`StorageError::unavailable`]), anything else it
//! answers that this server cannot use is a 500 ([`StorageError::internal`]).

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

use crate::storage::StorageError;

/// The backend name in every error.
pub(crate) const BACKEND: &str = "PostgreSQL";

/// SQLSTATE classes that mean "not now": connection exceptions (08),
/// insufficient resources (53), operator intervention (57: shutdown, a
/// cancelled or timed-out statement) and transaction rollback (40:
/// serialization failure, deadlock).
const TRANSIENT_CLASSES: [&str; 4] = ["08", "53", "57", "40"];

/// `e`, met while doing `what`, as a [`StorageError`]: unavailable when the
/// connection is gone, was never made, or the database says "not now";
/// internal otherwise.
pub(crate) fn db(what: &str, e: &tokio_postgres::Error) -> StorageError {
    let reason = format!("{what}: {}", describe(e));
    if is_transient(e) {
        StorageError::unavailable(BACKEND, reason)
    } else {
        StorageError::internal(BACKEND, reason)
    }
}

/// Whether `e` means the database cannot answer now (see [`db`]).
pub(crate) fn is_transient(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        Some(code) => {
            *code == SqlState::QUERY_CANCELED
                || TRANSIENT_CLASSES.iter().any(|c| code.code().starts_with(c))
        }
        // No SQLSTATE: I/O, a closed connection, a failed connect.
        None => true,
    }
}

/// The error with its database message and detail when there is one.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{} ({}; {detail})", d.message(), d.code().code()),
            None => format!("{} ({})", d.message(), d.code().code()),
        },
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                s.push_str(": ");
                s.push_str(&inner.to_string());
                source = inner.source();
            }
            s
        }
    }
}

/// A pool checkout that failed: always unavailable (no connection within
/// the wait, the database refused or did not answer the connect).
pub(crate) fn pool(e: &PoolError) -> StorageError {
    let reason = match e {
        PoolError::Timeout(t) => format!("no database connection within the pool's wait ({t:?})"),
        PoolError::Backend(e) => format!("connecting: {}", describe(e)),
        PoolError::Closed => "the connection pool is closed".to_owned(),
        other => format!("connection pool: {other}"),
    };
    StorageError::unavailable(BACKEND, reason)
}

/// A row that does not hold what the tables promise (a damaged database or
/// a bug): internal.
pub(crate) fn bad_row(what: &str, reason: impl std::fmt::Display) -> StorageError {
    StorageError::internal(BACKEND, format!("{what}: {reason}"))
}
