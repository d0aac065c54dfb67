//! `rusqlite::ToSql` for [`SqlParam`] (feature `rusqlite`).
//!
//! SQLite has no column types to adapt to: text is TEXT, integers and every
//! instant are INTEGER (epoch milliseconds), floats are REAL, booleans are 1
//! and 0, and a `Numeric` is its decimal text (the emitted SQL casts it).

use rusqlite::ToSql;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use crate::{SqlParam, SqlWhere};

impl ToSql for SqlParam {
    /// The parameter as a SQLite value.
    ///
    /// ```
    /// use rusqlite::types::{ToSqlOutput, ValueRef};
    /// use rusqlite::ToSql;
    /// let p = rsql::SqlParam::TimestampTz(1_623_319_200_000);
    /// assert_eq!(p.to_sql()?, ToSqlOutput::Borrowed(ValueRef::Integer(1_623_319_200_000)));
    /// # Ok::<(), rusqlite::Error>(())
    /// ```
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlParam::Text(s) | SqlParam::Numeric(s) => {
                ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
            }
            SqlParam::Int(i)
            | SqlParam::Time(i)
            | SqlParam::TimestampTz(i)
            | SqlParam::Timestamp(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            SqlParam::Float(x) => ToSqlOutput::Borrowed(ValueRef::Real(*x)),
            SqlParam::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(*b))),
        })
    }
}

impl SqlWhere {
    /// The parameters as `rusqlite` takes them, in order (feature
    /// `rusqlite`): pass the result wherever rusqlite wants `impl Params`.
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("name", rsql::FieldType::String).sql_column("name"))
    ///     .field(rsql::Field::new("age", rsql::FieldType::Integer).sql_column("age"))
    ///     .build()?;
    /// let w = schema.compile(&rsql::parse("name==b*;age=ge=18")?)?.to_sql(&rsql::SqlOptions::sqlite())?;
    ///
    /// let db = rusqlite::Connection::open_in_memory()?;
    /// db.execute_batch(
    ///     "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
    ///      INSERT INTO people VALUES (1, 'bob', 40), (2, 'bea', 9), (3, 'al', 50);",
    /// )?;
    /// let mut stmt = db.prepare(&format!("SELECT id FROM people WHERE {} ORDER BY id", w.sql))?;
    /// let ids: Vec<i64> = stmt
    ///     .query_map(w.rusqlite_params(), |row| row.get(0))?
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(ids, [1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rusqlite_params(&self) -> rusqlite::ParamsFromIter<std::slice::Iter<'_, SqlParam>> {
        rusqlite::params_from_iter(self.params.iter())
    }
}
