//! [`SqlParam`] and [`SqlWhere`]: what [`Filter::to_sql`](crate::Filter::to_sql) returns.

use std::fmt;

/// A typed query parameter; bind them in order.
///
/// ```
/// let p = rsql::SqlParam::Text("meeting".into());
/// assert_eq!(p.to_string(), "'meeting'");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SqlParam {
    /// Text: string literals, wildcard patterns, the digits of a decimal literal.
    Text(String),
    /// An integer (also the digit count of a decimal literal).
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An instant as epoch milliseconds, for a `BIGINT` column of epoch
    /// milliseconds (the default storage of a timestamp field): bind it as
    /// an integer.
    Time(i64),
    /// An instant (epoch milliseconds) for a `timestamptz` column: bind it
    /// as a timestamp with time zone.
    TimestampTz(i64),
    /// An instant (epoch milliseconds, UTC) for a `timestamp` column
    /// without time zone: bind it as that UTC wall-clock time.
    Timestamp(i64),
    /// An exact decimal number written as text (`-12.50`), for a `numeric`
    /// column; the emitted SQL casts the text placeholder itself.
    Numeric(String),
}

impl fmt::Display for SqlParam {
    /// A readable rendering for logs and tests (not for building SQL).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlParam::Text(s) => write!(f, "'{}'", s.replace('\'', "''")),
            SqlParam::Int(i) => write!(f, "{i}"),
            SqlParam::Float(x) => write!(f, "{x:?}"),
            SqlParam::Bool(b) => write!(f, "{b}"),
            SqlParam::Time(ms) | SqlParam::TimestampTz(ms) | SqlParam::Timestamp(ms) => {
                write!(f, "{}", crate::schema::literal::format_timestamp(*ms))
            }
            SqlParam::Numeric(text) => f.write_str(text),
        }
    }
}

/// A `WHERE` clause (without the keyword) and its parameters.
///
/// ```
/// let schema = rsql::Schema::builder()
///     .field(rsql::Field::new("name", rsql::FieldType::String).sql_column("c.name"))
///     .build()?;
/// let w = schema.compile(&rsql::parse("name!=x")?)?.to_sql(&rsql::SqlOptions::postgres())?;
/// assert_eq!(w.sql, "(c.name IS NULL OR NOT (c.name = $1))");
/// assert_eq!(w.params, [rsql::SqlParam::Text("x".into())]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SqlWhere {
    /// The condition, with placeholders.
    pub sql: String,
    /// The values for the placeholders, in order.
    pub params: Vec<SqlParam>,
}

#[cfg(test)]
mod tests {
    use super::SqlParam;

    /// The rendering logs and the CLI's JSON output show (`rsql sql`).
    #[test]
    fn parameters_render_as_sql_literals_would_read() {
        let cases = [
            (SqlParam::Text("it's".into()), "'it''s'"),
            (SqlParam::Int(-3), "-3"),
            (SqlParam::Float(0.1), "0.1"),
            (SqlParam::Float(2.5), "2.5"),
            (SqlParam::Bool(true), "true"),
            (SqlParam::Time(0), "1970-01-01T00:00:00.000Z"),
            (SqlParam::TimestampTz(1_500), "1970-01-01T00:00:01.500Z"),
            (SqlParam::Timestamp(-1), "1969-12-31T23:59:59.999Z"),
            (SqlParam::Numeric("-12.50".into()), "-12.50"),
        ];
        for (param, text) in cases {
            assert_eq!(param.to_string(), text, "{param:?}");
        }
    }
}
