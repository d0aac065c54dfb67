//! sqlx's `Encode` and `Type` for [`SqlParam`] on PostgreSQL (feature
//! `sqlx-postgres`) and SQLite (feature `sqlx-sqlite`), and
//! [`SqlWhere::bind_sqlx`].
//!
//! sqlx declares each parameter's type itself (PostgreSQL then converts
//! where the column differs): text and decimal numbers as `text`, integers
//! and epoch-ms instants as `int8`, floats as `float8`, booleans as `bool`,
//! `TimestampTz` as `timestamptz` and `Timestamp` as `timestamp`. On SQLite
//! every instant is an integer of epoch milliseconds and a boolean is 1 / 0.

use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Database, Encode, Type};

use crate::{SqlParam, SqlWhere};

/// A sqlx query that takes positional parameters: `sqlx::query`,
/// `sqlx::query_as` and `sqlx::query_scalar` (before any other `bind`),
/// for every database [`SqlParam`] encodes for.
///
/// ```
/// use rsql::bind::SqlxQuery;
/// # #[cfg(feature = "sqlx-sqlite")] {
/// let q = sqlx::query::<sqlx::Sqlite>("SELECT ?").bind_param(rsql::SqlParam::Int(1));
/// # let _ = q;
/// # }
/// ```
pub trait SqlxQuery: Sized {
    /// The query with `param` bound to its next placeholder.
    ///
    /// ```
    /// use rsql::bind::SqlxQuery;
    /// # #[cfg(feature = "sqlx-postgres")] {
    /// let q = sqlx::query::<sqlx::Postgres>("SELECT $1").bind_param(rsql::SqlParam::Bool(true));
    /// # let _ = q;
    /// # }
    /// ```
    fn bind_param(self, param: SqlParam) -> Self;
}

impl<'q, DB> SqlxQuery for Query<'q, DB, <DB as Database>::Arguments>
where
    DB: Database,
    SqlParam: Encode<'q, DB> + Type<DB>,
{
    fn bind_param(self, param: SqlParam) -> Self {
        self.bind(param)
    }
}

impl<'q, DB, O> SqlxQuery for QueryAs<'q, DB, O, <DB as Database>::Arguments>
where
    DB: Database,
    SqlParam: Encode<'q, DB> + Type<DB>,
{
    fn bind_param(self, param: SqlParam) -> Self {
        self.bind(param)
    }
}

impl<'q, DB, O> SqlxQuery for QueryScalar<'q, DB, O, <DB as Database>::Arguments>
where
    DB: Database,
    SqlParam: Encode<'q, DB> + Type<DB>,
{
    fn bind_param(self, param: SqlParam) -> Self {
        self.bind(param)
    }
}

impl SqlWhere {
    /// `query` with every parameter bound, in order (features
    /// `sqlx-postgres` / `sqlx-sqlite`). A parameter that cannot be sent
    /// (an instant beyond PostgreSQL's range) fails the query when it runs,
    /// with sqlx's `Encoding argument $n failed` around a
    /// [`BindError`](crate::BindError).
    ///
    /// ```
    /// # #[cfg(feature = "sqlx-sqlite")]
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// use sqlx::Connection;
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("name", rsql::FieldType::String).sql_column("name"))
    ///     .build()?;
    /// let w = schema.compile(&rsql::parse("name=in=(al,bob)")?)?.to_sql(&rsql::SqlOptions::sqlite())?;
    ///
    /// let mut db = sqlx::SqliteConnection::connect("sqlite::memory:").await?;
    /// sqlx::raw_sql("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);
    ///                INSERT INTO people VALUES (1, 'bob'), (2, 'bea'), (3, 'al');")
    ///     .execute(&mut db)
    ///     .await?;
    /// // The SQL text holds no user input (every value is a parameter).
    /// let sql = format!("SELECT id FROM people WHERE {} ORDER BY id", w.sql);
    /// let ids: Vec<i64> = w
    ///     .bind_sqlx(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)))
    ///     .fetch_all(&mut db)
    ///     .await?;
    /// assert_eq!(ids, [1, 3]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind_sqlx<Q: SqlxQuery>(&self, query: Q) -> Q {
        self.params.iter().cloned().fold(query, Q::bind_param)
    }
}

#[cfg(feature = "sqlx-postgres")]
mod postgres {
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo};
    use sqlx::{Encode, Postgres, Type};

    use crate::SqlParam;
    use crate::bind::pg_utc;

    impl Type<Postgres> for SqlParam {
        /// `text`; each value declares its own type (`Encode::produces`).
        fn type_info() -> PgTypeInfo {
            <String as Type<Postgres>>::type_info()
        }
    }

    impl Encode<'_, Postgres> for SqlParam {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            match self {
                SqlParam::Text(s) | SqlParam::Numeric(s) => {
                    <&str as Encode<'_, Postgres>>::encode_by_ref(&s.as_str(), buf)
                }
                SqlParam::Int(i) | SqlParam::Time(i) => {
                    <i64 as Encode<'_, Postgres>>::encode_by_ref(i, buf)
                }
                SqlParam::Float(x) => <f64 as Encode<'_, Postgres>>::encode_by_ref(x, buf),
                SqlParam::Bool(b) => <bool as Encode<'_, Postgres>>::encode_by_ref(b, buf),
                SqlParam::TimestampTz(ms) => {
                    let t = pg_utc(*ms, self, "timestamptz")?;
                    <chrono::DateTime<chrono::Utc> as Encode<'_, Postgres>>::encode_by_ref(&t, buf)
                }
                SqlParam::Timestamp(ms) => {
                    let t = pg_utc(*ms, self, "timestamp")?.naive_utc();
                    <chrono::NaiveDateTime as Encode<'_, Postgres>>::encode_by_ref(&t, buf)
                }
            }
        }

        fn produces(&self) -> Option<PgTypeInfo> {
            Some(match self {
                SqlParam::Text(_) | SqlParam::Numeric(_) => <String as Type<Postgres>>::type_info(),
                SqlParam::Int(_) | SqlParam::Time(_) => <i64 as Type<Postgres>>::type_info(),
                SqlParam::Float(_) => <f64 as Type<Postgres>>::type_info(),
                SqlParam::Bool(_) => <bool as Type<Postgres>>::type_info(),
                SqlParam::TimestampTz(_) => {
                    <chrono::DateTime<chrono::Utc> as Type<Postgres>>::type_info()
                }
                SqlParam::Timestamp(_) => <chrono::NaiveDateTime as Type<Postgres>>::type_info(),
            })
        }
    }
}

#[cfg(feature = "sqlx-sqlite")]
mod sqlite {
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo};
    use sqlx::{Encode, Sqlite, Type};

    use crate::SqlParam;

    impl Type<Sqlite> for SqlParam {
        /// `TEXT`; SQLite binds each value as what it is.
        fn type_info() -> SqliteTypeInfo {
            <String as Type<Sqlite>>::type_info()
        }
    }

    impl Encode<'_, Sqlite> for SqlParam {
        fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
            match self {
                SqlParam::Text(s) | SqlParam::Numeric(s) => {
                    <String as Encode<'_, Sqlite>>::encode_by_ref(s, buf)
                }
                SqlParam::Int(i)
                | SqlParam::Time(i)
                | SqlParam::TimestampTz(i)
                | SqlParam::Timestamp(i) => <i64 as Encode<'_, Sqlite>>::encode_by_ref(i, buf),
                SqlParam::Float(x) => <f64 as Encode<'_, Sqlite>>::encode_by_ref(x, buf),
                SqlParam::Bool(b) => {
                    <i64 as Encode<'_, Sqlite>>::encode_by_ref(&i64::from(*b), buf)
                }
            }
        }

        fn produces(&self) -> Option<SqliteTypeInfo> {
            Some(match self {
                SqlParam::Text(_) | SqlParam::Numeric(_) => <String as Type<Sqlite>>::type_info(),
                SqlParam::Float(_) => <f64 as Type<Sqlite>>::type_info(),
                SqlParam::Int(_)
                | SqlParam::Time(_)
                | SqlParam::TimestampTz(_)
                | SqlParam::Timestamp(_)
                | SqlParam::Bool(_) => <i64 as Type<Sqlite>>::type_info(),
            })
        }
    }
}
