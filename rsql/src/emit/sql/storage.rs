//! [`Storage`]: how the emitter reads one field, from its mapping, its
//! [`SqlType`] and the dialect.

use super::{EmitError, Expr, Keys, SqlDialect};
use crate::schema::{Field, FieldType, SqlType};

/// How values of one field are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Storage {
    /// Parameters of the field's type, no casts; timestamps as epoch
    /// milliseconds (no `sql_type`, or a type that needs nothing more).
    Plain { epoch_ms: bool },
    /// An integer column of any width: parameters cast to `bigint` (on
    /// PostgreSQL; SQLite has one integer type).
    Integer,
    /// A float column: parameters cast to `double precision` (on
    /// PostgreSQL).
    Float,
    /// A `numeric` column: exact decimal text cast to `numeric`.
    Numeric,
    /// A `timestamptz` (`tz`) or `timestamp` column.
    Instant { tz: bool },
    /// A `jsonb` value read as a bool, integer, float or timestamp.
    Json(JsonKind),
    /// Text in a byte-ordered column ([`SqlType::ByteText`]): orderings
    /// without `COLLATE "C"`.
    ByteText,
}

/// What a typed JSON value must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JsonKind {
    Bool,
    Int,
    Float,
    Time,
}

fn stringish(ty: &FieldType) -> bool {
    matches!(ty, FieldType::String | FieldType::Enum(_))
}

/// Whether values of `ty` can be stored as `sql`.
fn compatible(ty: &FieldType, sql: SqlType) -> bool {
    match sql {
        SqlType::Json => true,
        SqlType::EpochMs | SqlType::TimestampTz | SqlType::Timestamp => ty == &FieldType::Timestamp,
        SqlType::Text | SqlType::ByteText => stringish(ty),
        SqlType::Integer => ty == &FieldType::Integer,
        SqlType::Float => ty == &FieldType::Float,
        SqlType::Numeric => matches!(ty, FieldType::Integer | FieldType::Float),
        SqlType::Boolean => ty == &FieldType::Bool,
    }
}

impl Storage {
    /// The storage of `field` read through `expr`, or why it cannot be emitted.
    pub(super) fn of(
        field: &Field,
        expr: Expr<'_>,
        dialect: SqlDialect,
    ) -> Result<Storage, EmitError> {
        let ty = field.field_type();
        let pg = dialect == SqlDialect::Postgres;
        let plain = Storage::Plain {
            epoch_ms: ty == &FieldType::Timestamp,
        };
        let json_expr = matches!(expr, Expr::Json(..) | Expr::JsonValue(_));
        let mismatch = |sql_type| EmitError::SqlTypeMismatch {
            field: field.name().to_owned(),
            field_type: ty.name(),
            sql_type,
        };
        let unsupported = |sql_type| EmitError::UnsupportedSqlType {
            field: field.name().to_owned(),
            sql_type,
            dialect,
        };
        if let (Expr::Json(_, Keys::Path(path)), false) = (expr, pg)
            && let Some(bad) = path.iter().find(|k| k.is_empty() || k.contains('"'))
        {
            return Err(EmitError::InvalidJsonPath {
                field: field.name().to_owned(),
                key: bad.clone(),
            });
        }
        let sql_type = match (field.sql_type, expr) {
            (Some(t), _) => t,
            // A JSON path or a dynamic map's key: JSON values, typed on
            // both dialects (`json_extract`'s own typing would compare a
            // JSON `true` as 1 and a string as greater than every number);
            // strings read the text (`SqlType::Json` of a string field is
            // plain).
            (None, Expr::Json(..)) => SqlType::Json,
            (None, _) => return Ok(plain),
        };
        if json_expr != (sql_type == SqlType::Json) && field.sql_type.is_some() {
            return Err(mismatch(sql_type));
        }
        if !compatible(ty, sql_type) {
            return Err(mismatch(sql_type));
        }
        Ok(match sql_type {
            SqlType::EpochMs | SqlType::Text | SqlType::Boolean => plain,
            // Byte order needs no `COLLATE "C"`; SQLite compares bytes anyway.
            SqlType::ByteText => Storage::ByteText,
            // Casts are written on PostgreSQL only (`Writer::arg`).
            SqlType::Integer => Storage::Integer,
            SqlType::Float => Storage::Float,
            SqlType::Numeric if pg => Storage::Numeric,
            SqlType::TimestampTz if pg => Storage::Instant { tz: true },
            SqlType::Timestamp if pg => Storage::Instant { tz: false },
            SqlType::Json if stringish(ty) => plain,
            // SQLite has no regular expressions to check a timestamp's text.
            SqlType::Json if pg || ty != &FieldType::Timestamp => Storage::Json(match ty {
                FieldType::Bool => JsonKind::Bool,
                FieldType::Integer => JsonKind::Int,
                FieldType::Float => JsonKind::Float,
                _ => JsonKind::Time,
            }),
            other => return Err(unsupported(other)),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Field, FieldType, Parser, Schema, SqlOptions, SqlType};

    /// Typed integer and float columns: parameters cast to the column's
    /// width on PostgreSQL (a literal wider than a `smallint` compares
    /// instead of failing to bind); SQLite has one integer and one real
    /// type and binds them plainly.
    #[test]
    fn number_columns_cast_their_parameters_on_postgres_only() {
        let schema = Schema::builder()
            .field(
                Field::new("n", FieldType::Integer)
                    .sql_column("t.n")
                    .sql_type(SqlType::Integer),
            )
            .field(
                Field::new("x", FieldType::Float)
                    .sql_column("t.x")
                    .sql_type(SqlType::Float),
            )
            .build()
            .unwrap();
        let filter = schema.compile_str(&Parser::new(), "n==5;x==2.5").unwrap();
        let sql = |o: &SqlOptions| filter.to_sql(o).unwrap().sql;
        assert_eq!(sql(&SqlOptions::sqlite()), "t.n = ? AND t.x = ?");
        assert_eq!(
            sql(&SqlOptions::postgres()),
            "t.n = CAST($1 AS bigint) AND t.x = CAST($2 AS double precision)"
        );
    }
}
