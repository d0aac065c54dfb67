//! Where a field lives in a database: [`SqlMapping`], [`SqlType`] and
//! [`MongoPath`], set with the `Field::sql_*` and `Field::mongo_*` builders.
//! They belong to the schema (a field's declaration says where its values
//! are stored and how); the emitters only read them.

use std::fmt;

/// How a field's values are stored in SQL, set with
/// [`Field::sql_type`](crate::Field::sql_type): it decides how parameters
/// are typed and how a value is compared (see the translation table in the
/// [`emit`](crate::emit) module docs).
///
/// Without `sql_type`, a field is emitted as before typed columns existed:
/// timestamps as [`SqlType::EpochMs`], other values with parameters of the
/// field's type and no casts.
///
/// | `SqlType` | field types | PostgreSQL | SQLite |
/// |---|---|---|---|
/// | `EpochMs` | timestamp | `BIGINT` of epoch milliseconds | `INTEGER` |
/// | `TimestampTz` | timestamp | `timestamptz` (any precision) | – |
/// | `Timestamp` | timestamp | `timestamp` holding UTC | – |
/// | `Text` | string, enum | `text`, `varchar` | `TEXT` |
/// | `ByteText` | string, enum | `text COLLATE "C"` (or any text in a database whose collation is `C`) | `TEXT` |
/// | `Integer` | integer | `smallint`, `integer`, `bigint` | `INTEGER` |
/// | `Float` | float | `real`, `double precision` | `REAL` |
/// | `Numeric` | integer, float | `numeric` | – |
/// | `Boolean` | bool | `boolean` | `INTEGER` 0/1 |
/// | `Json` | all | a `jsonb` value ([`Field::sql_json_path`](crate::Field::sql_json_path)) | JSON text (not timestamps) |
///
/// ```
/// use rsql::{Field, FieldType, SqlType};
/// let f = Field::new("start", FieldType::Timestamp)
///     .sql_column("c.started_at")
///     .sql_type(SqlType::TimestampTz);
/// assert_eq!(f.declared_sql_type(), Some(SqlType::TimestampTz));
/// assert_eq!(SqlType::TimestampTz.name(), "timestamptz");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// An integer column of epoch milliseconds (the default for timestamps).
    EpochMs,
    /// `timestamptz`. Values may hold microseconds; a value is compared as
    /// its instant truncated to the millisecond (what a record reports).
    TimestampTz,
    /// `timestamp` without time zone, holding UTC wall-clock time; compared
    /// like [`SqlType::TimestampTz`].
    Timestamp,
    /// Text.
    Text,
    /// Text in a column that already orders by bytes: declared
    /// `COLLATE "C"`, or in a database created with a `C` collation.
    /// PostgreSQL orderings (`<`, `=bt=`, `ORDER BY`, keyset pages) then
    /// leave out the `COLLATE "C"` that [`SqlType::Text`] needs to compare
    /// by bytes, so a plain btree index on the column serves them.
    ByteText,
    /// An integer of any width; parameters are cast to `bigint`, so a
    /// literal wider than the column never makes the query fail.
    Integer,
    /// `real` or `double precision`; parameters are cast to `double precision`.
    Float,
    /// `numeric`; parameters are [`SqlParam::Numeric`](crate::SqlParam::Numeric)
    /// text cast to `numeric`, so the comparison is exact.
    Numeric,
    /// `boolean`.
    Boolean,
    /// A JSON value (PostgreSQL `jsonb`) read as the field's type: a value of
    /// another JSON type satisfies no comparison and never makes the query fail.
    Json,
}

impl SqlType {
    /// A short lowercase name (`epoch_ms`, `timestamptz`, `timestamp`,
    /// `text`, `text_c`, `integer`, `float`, `numeric`, `boolean`, `json`), as schema
    /// files spell it.
    ///
    /// ```
    /// assert_eq!(rsql::SqlType::EpochMs.name(), "epoch_ms");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            SqlType::EpochMs => "epoch_ms",
            SqlType::TimestampTz => "timestamptz",
            SqlType::Timestamp => "timestamp",
            SqlType::Text => "text",
            SqlType::ByteText => "text_c",
            SqlType::Integer => "integer",
            SqlType::Float => "float",
            SqlType::Numeric => "numeric",
            SqlType::Boolean => "boolean",
            SqlType::Json => "json",
        }
    }

    /// The type named `name` ([`SqlType::name`]).
    ///
    /// ```
    /// assert_eq!(rsql::SqlType::from_name("numeric"), Some(rsql::SqlType::Numeric));
    /// assert_eq!(rsql::SqlType::from_name("decimal"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<SqlType> {
        SqlType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Every storage kind.
    pub const ALL: [SqlType; 10] = [
        SqlType::EpochMs,
        SqlType::TimestampTz,
        SqlType::Timestamp,
        SqlType::Text,
        SqlType::ByteText,
        SqlType::Integer,
        SqlType::Float,
        SqlType::Numeric,
        SqlType::Boolean,
        SqlType::Json,
    ];
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a field maps to SQL (set with `Field::sql_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SqlMapping {
    /// A column expression of a plain field (`Field::sql_column`).
    Column(String),
    /// A multi-valued field in a child table (`Field::sql_exists`).
    Exists {
        from: String,
        join: String,
        column: String,
    },
    /// A dynamic field stored as a JSON object (`Field::sql_json`).
    Json(String),
    /// A dynamic field as a template with a `{key}` placeholder (`Field::sql_template`).
    Template(String),
    /// A plain field inside a JSON document (`Field::sql_json_path`).
    JsonPath { column: String, path: Vec<String> },
}

impl SqlMapping {
    /// The column expression of a plain field mapped with `Field::sql_column`
    /// (`None` for the other mappings).
    pub(crate) fn column_expr(&self) -> Option<&str> {
        match self {
            SqlMapping::Column(c) => Some(c),
            _ => None,
        }
    }
}

/// The MongoDB location of a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MongoPath {
    /// A dotted document path (`name`, `metadata`).
    Path(String),
    /// A multi-valued field inside an array of documents: `members` + `email`.
    Elem { array: String, field: String },
}
