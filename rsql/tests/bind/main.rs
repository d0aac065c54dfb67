//! The one-call bindings (`rsql::bind`) against real databases: the
//! machine's PostgreSQL (`DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/postgres`;
//! each test creates a database of its own with [`test_pg::TempDb`] and drops
//! it, also on failure)
//! and SQLite in memory.
// helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "postgres")]
mod with_postgres;
#[cfg(feature = "rusqlite")]
mod with_rusqlite;
#[cfg(feature = "sqlx-postgres")]
mod with_sqlx_postgres;
#[cfg(feature = "sqlx-sqlite")]
mod with_sqlx_sqlite;
