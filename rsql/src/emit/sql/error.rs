//! [`EmitError`]: a filter that cannot be emitted as SQL.

use std::fmt;

use super::SqlDialect;
use crate::schema::SqlType;

/// A filter that cannot be emitted.
///
/// ```
/// let schema = rsql::Schema::builder().field(rsql::Field::new("a", rsql::FieldType::Bool)).build()?;
/// let err = schema.compile(&rsql::parse("a==true")?)?.to_sql(&rsql::SqlOptions::sqlite()).unwrap_err();
/// assert_eq!(err.to_string(), "field `a` has no SQL mapping");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitError {
    /// The filter names a field declared without `sql_*` mapping (or a
    /// multi-valued field without `sql_exists`, a dynamic field without
    /// `sql_json`/`sql_template`).
    NoSqlMapping {
        /// The field.
        field: String,
    },
    /// The field's [`SqlType`] cannot hold values of its field type (say
    /// [`SqlType::TimestampTz`] on an integer field).
    ///
    /// ```
    /// use rsql::{EmitError, Field, FieldType, SqlOptions, SqlType};
    /// let schema = rsql::Schema::builder()
    ///     .field(Field::new("n", FieldType::Integer).sql_column("n").sql_type(SqlType::TimestampTz))
    ///     .build()?;
    /// let err = schema.compile(&rsql::parse("n==1")?)?.to_sql(&SqlOptions::postgres()).unwrap_err();
    /// assert_eq!(err.to_string(), "field `n`: an integer field cannot be stored as timestamptz");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    SqlTypeMismatch {
        /// The field.
        field: String,
        /// Its [`FieldType::name`](crate::FieldType::name).
        field_type: &'static str,
        /// The declared storage.
        sql_type: SqlType,
    },
    /// The dialect has no translation for the field's [`SqlType`] (SQLite
    /// has no `timestamptz`, `timestamp` or `numeric`, nor timestamps in JSON).
    ///
    /// ```
    /// use rsql::{EmitError, Field, FieldType, SqlOptions, SqlType};
    /// let schema = rsql::Schema::builder()
    ///     .field(Field::new("t", FieldType::Timestamp).sql_column("t").sql_type(SqlType::TimestampTz))
    ///     .build()?;
    /// let err = schema.compile(&rsql::parse("t=ge=2021-01-01")?)?.to_sql(&SqlOptions::sqlite()).unwrap_err();
    /// assert_eq!(err.to_string(), "field `t`: SQLite has no translation for values stored as timestamptz");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    UnsupportedSqlType {
        /// The field.
        field: String,
        /// The declared storage.
        sql_type: SqlType,
        /// The dialect asked for.
        dialect: SqlDialect,
    },
    /// A key of [`Field::sql_json_path`](crate::Field::sql_json_path) cannot
    /// be written into a SQLite JSON path (it holds `"`), or is empty.
    ///
    /// ```
    /// use rsql::{EmitError, Field, FieldType, SqlOptions};
    /// let schema = rsql::Schema::builder()
    ///     .field(Field::new("r", FieldType::String).sql_json_path("doc", ["a\"b"]))
    ///     .build()?;
    /// let err = schema.compile(&rsql::parse("r==x")?)?.to_sql(&SqlOptions::sqlite()).unwrap_err();
    /// assert_eq!(err.to_string(), "field `r`: JSON path key `a\"b` is empty or holds `\"`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    InvalidJsonPath {
        /// The field.
        field: String,
        /// The offending key.
        key: String,
    },
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::NoSqlMapping { field } => write!(f, "field `{field}` has no SQL mapping"),
            EmitError::SqlTypeMismatch {
                field,
                field_type,
                sql_type,
            } => {
                let article = if field_type.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                write!(
                    f,
                    "field `{field}`: {article} {field_type} field cannot be stored as {sql_type}"
                )
            }
            EmitError::UnsupportedSqlType {
                field,
                sql_type,
                dialect,
            } => write!(
                f,
                "field `{field}`: {dialect} has no translation for values stored as {sql_type}"
            ),
            EmitError::InvalidJsonPath { field, key } => {
                write!(
                    f,
                    "field `{field}`: JSON path key `{key}` is empty or holds `\"`"
                )
            }
        }
    }
}

impl std::error::Error for EmitError {}
