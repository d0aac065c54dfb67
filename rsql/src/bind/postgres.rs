//! `postgres_types::ToSql` for [`SqlParam`], for `postgres` and
//! `tokio-postgres` (feature `postgres`).
//!
//! PostgreSQL infers each placeholder's type from the statement
//! (`c.n = $1` takes `c.n`'s type); `to_sql` writes the parameter in that
//! type when it can hold it (see the table in [`bind`](crate::bind)).

use std::error::Error;

use bytes::BytesMut;
use postgres_types::{IsNull, ToSql, Type, to_sql_checked};

use super::{BindError, pg_utc};
use crate::{SqlParam, SqlWhere};

type BoxError = Box<dyn Error + Sync + Send>;

impl ToSql for SqlParam {
    /// Writes the parameter as the placeholder's type `ty`; a
    /// [`BindError`] when it does not fit or `ty` cannot hold it.
    ///
    /// ```
    /// use postgres_types::{ToSql, Type};
    /// let mut buf = bytes::BytesMut::new();
    /// rsql::SqlParam::Int(7).to_sql_checked(&Type::INT4, &mut buf)?;
    /// assert_eq!(&buf[..], &7i32.to_be_bytes());
    ///
    /// let err = rsql::SqlParam::Int(1 << 40).to_sql_checked(&Type::INT4, &mut buf).err().expect("too big");
    /// assert_eq!(
    ///     err.downcast_ref::<rsql::BindError>(),
    ///     Some(&rsql::BindError::OutOfRange { param: rsql::SqlParam::Int(1 << 40), sql_type: "int4".into() })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error + Sync + Send>>(())
    /// ```
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let wrong_type = || -> BoxError {
            Box::new(BindError::WrongType {
                param: self.clone(),
                sql_type: ty.name().to_owned(),
            })
        };
        let out_of_range = || -> BoxError {
            Box::new(BindError::OutOfRange {
                param: self.clone(),
                sql_type: ty.name().to_owned(),
            })
        };
        match self {
            SqlParam::Int(i) | SqlParam::Time(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)
                    .map_err(|_| out_of_range())?
                    .to_sql(ty, out),
                Type::INT2 if matches!(self, SqlParam::Int(_)) => i16::try_from(*i)
                    .map_err(|_| out_of_range())?
                    .to_sql(ty, out),
                _ => Err(wrong_type()),
            },
            SqlParam::Float(x) => match *ty {
                Type::FLOAT8 => x.to_sql(ty, out),
                Type::FLOAT4 => {
                    // Rounding to the nearest `real` is what a cast does;
                    // a finite value beyond `real`'s range is an error.
                    let narrow = *x as f32;
                    if x.is_finite() && !narrow.is_finite() {
                        return Err(out_of_range());
                    }
                    narrow.to_sql(ty, out)
                }
                _ => Err(wrong_type()),
            },
            SqlParam::Text(s) | SqlParam::Numeric(s) => {
                if is_text(ty) {
                    s.as_str().to_sql(ty, out)
                } else {
                    Err(wrong_type())
                }
            }
            SqlParam::Bool(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                _ => Err(wrong_type()),
            },
            SqlParam::TimestampTz(ms) => match *ty {
                Type::TIMESTAMPTZ => pg_utc(*ms, self, ty.name())?.to_sql(ty, out),
                _ => Err(wrong_type()),
            },
            SqlParam::Timestamp(ms) => match *ty {
                Type::TIMESTAMP => pg_utc(*ms, self, ty.name())?.naive_utc().to_sql(ty, out),
                _ => Err(wrong_type()),
            },
        }
    }

    /// Every type some parameter can be written as; whether this one can is
    /// decided by `to_sql` (a [`BindError::WrongType`] when not).
    ///
    /// ```
    /// use postgres_types::{ToSql, Type};
    /// assert!(<rsql::SqlParam as ToSql>::accepts(&Type::TIMESTAMPTZ));
    /// assert!(!<rsql::SqlParam as ToSql>::accepts(&Type::JSONB));
    /// ```
    fn accepts(ty: &Type) -> bool {
        is_text(ty)
            || matches!(
                *ty,
                Type::INT2
                    | Type::INT4
                    | Type::INT8
                    | Type::FLOAT4
                    | Type::FLOAT8
                    | Type::BOOL
                    | Type::TIMESTAMPTZ
                    | Type::TIMESTAMP
            )
    }

    to_sql_checked!();
}

/// The types a `Text` or `Numeric` parameter is written as (same bytes).
fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    )
}

impl SqlWhere {
    /// The parameters as the slice `postgres` and `tokio-postgres` take, in
    /// order (feature `postgres`).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let schema = rsql::Schema::builder()
    /// #     .field(rsql::Field::new("name", rsql::FieldType::String).sql_column("name"))
    /// #     .build()?;
    /// let w = schema.compile(&rsql::parse("name==bob")?)?.to_sql(&rsql::SqlOptions::postgres())?;
    /// let mut client = postgres::Client::connect("host=127.0.0.1 user=postgres", postgres::NoTls)?;
    /// let rows = client.query(&format!("SELECT id FROM people WHERE {}", w.sql), &w.postgres_params())?;
    /// # let _ = rows;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// ```
    /// # let schema = rsql::Schema::builder()
    /// #     .field(rsql::Field::new("name", rsql::FieldType::String).sql_column("name"))
    /// #     .build()?;
    /// let w = schema.compile(&rsql::parse("name=in=(a,b)")?)?.to_sql(&rsql::SqlOptions::postgres())?;
    /// assert_eq!(w.postgres_params().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn postgres_params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p as &(dyn ToSql + Sync))
            .collect()
    }
}
