//! Binding a [`SqlWhere`](crate::SqlWhere)'s parameters with a database
//! driver in one call, each driver behind a feature.
//!
//! | feature | driver | one call |
//! |---|---|---|
//! | `postgres` | [`postgres`](https://docs.rs/postgres) and [`tokio-postgres`](https://docs.rs/tokio-postgres) (through `postgres-types`) | `client.query(&sql, &w.postgres_params())` |
//! | `rusqlite` | [`rusqlite`](https://docs.rs/rusqlite) 0.41 | `stmt.query(w.rusqlite_params())` |
//! | `sqlx-postgres`, `sqlx-sqlite` (both: `sqlx`) | [`sqlx`](https://docs.rs/sqlx) 0.9 | `w.bind_sqlx(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(&pool)` |
//!
//! What each [`SqlParam`] binds as:
//!
//! | `SqlParam` | PostgreSQL (`postgres`) | `sqlx` on PostgreSQL | SQLite (`rusqlite`, `sqlx`) |
//! |---|---|---|---|
//! | `Text(s)` | `text`, `varchar`, `bpchar`, `name` or `unknown`, as the statement needs | `text` | TEXT |
//! | `Int(i)` | `int8`, or `int4` / `int2` when it fits ([`BindError::OutOfRange`] when not) | `int8` | INTEGER |
//! | `Float(x)` | `float8`, or `float4` when it fits | `float8` | REAL |
//! | `Bool(b)` | `bool` | `bool` | INTEGER 1 / 0 |
//! | `Time(ms)` | `int8` (or `int4` when it fits): epoch milliseconds | `int8` | INTEGER (ms) |
//! | `TimestampTz(ms)` | `timestamptz` | `timestamptz` | INTEGER (ms) |
//! | `Timestamp(ms)` | `timestamp` (the UTC wall-clock time) | `timestamp` | INTEGER (ms) |
//! | `Numeric(s)` | text (the SQL casts it), as `Text` | `text` | TEXT |
//!
//! PostgreSQL's own protocol (the `postgres` feature) lets the server infer
//! each placeholder's type from the statement, and [`SqlParam`]'s `ToSql`
//! adapts to it; a value that does not fit, or a kind of parameter that the
//! placeholder's type cannot hold, is a [`BindError`] (wrapped by the driver
//! in its error for parameter *n*). sqlx declares each parameter's type
//! itself, as in the table, and PostgreSQL converts where the column differs
//! (`int4_col = $1::int8` is fine).
//!
//! A worked example for each driver, with a table of your own, is in the
//! repository's `docs/databases.md` and in `rsql/examples/`.

use std::fmt;

use crate::SqlParam;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "rusqlite")]
mod rusqlite;
#[cfg(any(feature = "sqlx-postgres", feature = "sqlx-sqlite"))]
mod sqlx;

#[cfg(any(feature = "sqlx-postgres", feature = "sqlx-sqlite"))]
pub use self::sqlx::SqlxQuery;

/// A parameter that cannot be bound to its placeholder.
///
/// The driver's own error names the placeholder (`error serializing parameter
/// 1` in `postgres`, `Encoding argument $1 failed` in sqlx); this is its
/// source, and says what did not fit where.
///
/// ```
/// let err = rsql::BindError::OutOfRange { param: rsql::SqlParam::Int(70_000), sql_type: "int2".into() };
/// assert_eq!(err.to_string(), "the integer 70000 does not fit the placeholder's type int2");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BindError {
    /// The value is outside the range of the placeholder's type (an
    /// integer beyond `int2`/`int4`, a float beyond `float4`, an instant
    /// beyond what the driver can send).
    OutOfRange {
        /// The parameter.
        param: SqlParam,
        /// The placeholder's SQL type, as the database names it.
        sql_type: String,
    },
    /// The placeholder's type cannot hold this kind of parameter (a `Text`
    /// for an `int8` placeholder: the SQL and the parameters do not belong
    /// together).
    WrongType {
        /// The parameter.
        param: SqlParam,
        /// The placeholder's SQL type, as the database names it.
        sql_type: String,
    },
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindError::OutOfRange { param, sql_type } => write!(
                f,
                "the {} {param} does not fit the placeholder's type {sql_type}",
                kind_name(param)
            ),
            BindError::WrongType { param, sql_type } => write!(
                f,
                "the {} {param} cannot be bound to a placeholder of type {sql_type}",
                kind_name(param)
            ),
        }
    }
}

impl std::error::Error for BindError {}

/// What a parameter is, in words, for error messages.
fn kind_name(param: &SqlParam) -> &'static str {
    match param {
        SqlParam::Text(_) => "text",
        SqlParam::Int(_) => "integer",
        SqlParam::Float(_) => "float",
        SqlParam::Bool(_) => "boolean",
        SqlParam::Time(_) => "epoch-millisecond instant",
        SqlParam::TimestampTz(_) => "timestamptz instant",
        SqlParam::Timestamp(_) => "timestamp instant",
        SqlParam::Numeric(_) => "decimal number",
    }
}

/// The earliest instant PostgreSQL's `timestamp` and `timestamptz` hold,
/// 4714-11-24 00:00:00 BC, in epoch milliseconds (`MIN_TIMESTAMP` in its
/// source, microseconds since 2000-01-01, moved to 1970-01-01). The latest,
/// 294276 AD, is beyond what chrono represents, so chrono's limit applies.
#[cfg(any(feature = "postgres", feature = "sqlx-postgres"))]
const PG_MIN_TIMESTAMP_MS: i64 = -211_813_488_000_000_000 / 1000 + 946_684_800_000;

/// The instant `ms` as a UTC date-time for a PostgreSQL placeholder of
/// `sql_type`, or [`BindError::OutOfRange`] when PostgreSQL or chrono
/// cannot represent it.
#[cfg(any(feature = "postgres", feature = "sqlx-postgres"))]
fn pg_utc(
    ms: i64,
    param: &SqlParam,
    sql_type: &str,
) -> Result<chrono::DateTime<chrono::Utc>, BindError> {
    let out_of_range = || BindError::OutOfRange {
        param: param.clone(),
        sql_type: sql_type.to_owned(),
    };
    if ms < PG_MIN_TIMESTAMP_MS {
        return Err(out_of_range());
    }
    chrono::DateTime::from_timestamp_millis(ms).ok_or_else(out_of_range)
}
