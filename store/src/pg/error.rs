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
        // No SQLSTATE: the connection is gone (closed, or an I/O error), or
        // this side could not use what it got (a value of another type, a
        // row count other than one): only the first is "not now". A value
        // that cannot be read now cannot be read on a retry either.
        None => e.is_closed() || caused_by_io(e),
    }
}

/// Whether an I/O error is among `e`'s causes.
fn caused_by_io(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if inner.is::<std::io::Error>() {
            return true;
        }
        source = inner.source();
    }
    false
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_this_side_cannot_read_is_internal_and_a_lost_connection_unavailable() {
        let Some(temp) = test_pg::TempDb::try_create("pg_error_kinds", "errkinds") else {
            return;
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(temp.url(), tokio_postgres::NoTls)
                .await
                .unwrap();
            let conn = tokio::spawn(conn);
            // An int read as text, and no row where one was expected.
            let row = client.query_one("SELECT 1::int4", &[]).await.unwrap();
            let e = row.try_get::<_, String>(0).unwrap_err();
            assert!(!is_transient(&e), "{e}");
            assert!(db("reading", &e).to_string().contains("reading"));
            let e = client
                .query_one("SELECT 1 WHERE false", &[])
                .await
                .unwrap_err();
            assert!(!is_transient(&e), "{e}");
            // The database's own error: by its class (42: a syntax error).
            let e = client.simple_query("SELEC 1").await.unwrap_err();
            assert!(!is_transient(&e), "{e}");
            // The server ends the connection: unavailable.
            let _ = client
                .simple_query("SELECT pg_terminate_backend(pg_backend_pid())")
                .await;
            let e = client.simple_query("SELECT 1").await.unwrap_err();
            assert!(is_transient(&e), "{e}");
            let _ = conn.await;
        });
    }
}
