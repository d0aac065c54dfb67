//! [`Query::to_sql`] and [`Sort::to_sql`]: the tail of a `SELECT` for
//! PostgreSQL or SQLite, in the order [`Sort::compare`] defines.
//!
//! * Every key is `<column> ASC NULLS LAST` or `<column> DESC NULLS FIRST`
//!   (PostgreSQL's defaults, written out because SQLite's are the
//!   opposite); PostgreSQL text and enum keys get `COLLATE "C"` (byte
//!   order). SQLite's `BINARY` collation already compares bytes.
//! * The keyset condition of [`Query::after`] for keys `k1 … kn` and cursor
//!   values `v1 … vn` is `T1 OR T2 OR … OR Tn`, where `Ti` is
//!   `k1 = v1 AND … AND k(i-1) = v(i-1) AND after(ki, vi)` (`k IS NULL` for
//!   a missing `v`), and `after` is, for a present `v`: ascending
//!   `(k > v OR k IS NULL)` (missing values come last), descending `k < v`;
//!   for a missing `v`: ascending nothing comes after (the term is
//!   dropped), descending `k IS NOT NULL`.
//! * `LIMIT` and `OFFSET` are integer literals (SQLite writes `LIMIT -1`
//!   before an `OFFSET` without a limit).

use std::fmt::Write;

use super::Query;
use super::cursor::{Cursor, CursorValue};
use super::sort::{Direction, Sort, SortKey};
use crate::emit::sql::{EmitError, SqlDialect, SqlOptions, SqlParam};
use crate::schema::{Field, FieldType, SqlMapping, SqlType};

/// The tail of a `SELECT` statement, `WHERE … ORDER BY … LIMIT … OFFSET …`
/// (each clause only when needed, `ORDER BY` always), and its parameters in
/// placeholder order.
///
/// ```
/// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable().sql_column("c.id")).build()?;
/// let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
/// let tail = rsql::Query::new(sort).with_limit(5).to_sql(&rsql::SqlOptions::postgres())?;
/// let statement = format!("SELECT c.id FROM conversations c {}", tail.sql);
/// assert_eq!(statement, "SELECT c.id FROM conversations c ORDER BY c.id COLLATE \"C\" ASC NULLS LAST LIMIT 5");
/// assert!(tail.params.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SqlTail {
    /// `WHERE … ORDER BY … LIMIT … OFFSET …`, with placeholders.
    pub sql: String,
    /// The values for the placeholders, in order.
    pub params: Vec<SqlParam>,
}

/// The column expression of a plain field (`Field::sql_column`).
fn column(field: &Field) -> Option<&str> {
    field.sql.as_ref().and_then(SqlMapping::column_expr)
}

/// Whether the key's values are text that PostgreSQL must be told to
/// compare by bytes (`COLLATE "C"`): not for a
/// [`SqlType::ByteText`] column, which already does.
fn is_text(field: &Field) -> bool {
    matches!(field.field_type(), FieldType::String | FieldType::Enum(_))
        && field.declared_sql_type() != Some(SqlType::ByteText)
}

struct Writer<'o> {
    opts: &'o SqlOptions,
    sql: String,
    params: Vec<SqlParam>,
}

impl Writer<'_> {
    fn pg(&self) -> bool {
        self.opts.dialect() == SqlDialect::Postgres
    }

    fn param(&mut self, p: SqlParam) {
        self.params.push(p);
        if self.pg() {
            let n = self.opts.first_placeholder() + self.params.len() - 1;
            let _ = write!(self.sql, "${n}");
        } else {
            self.sql.push('?');
        }
    }
}

/// A key resolved to its column.
struct Col<'s> {
    expr: &'s str,
    text: bool,
    /// The column's declared storage (how a cursor's instant is bound).
    sql_type: Option<SqlType>,
    direction: Direction,
}

impl Sort {
    fn columns(&self) -> Result<Vec<Col<'_>>, EmitError> {
        self.keys()
            .iter()
            .map(|&SortKey { field, direction }| {
                let f = self
                    .schema()
                    .field(field)
                    .ok_or_else(|| EmitError::NoSqlMapping {
                        field: format!("#{}", field.index()),
                    })?;
                let expr = column(f).ok_or_else(|| EmitError::NoSqlMapping {
                    field: f.name().to_owned(),
                })?;
                Ok(Col {
                    expr,
                    text: is_text(f),
                    sql_type: f.declared_sql_type(),
                    direction,
                })
            })
            .collect()
    }

    /// The `ORDER BY` list (without the keywords) in `options`' dialect:
    /// every key is `<column> ASC NULLS LAST` or `<column> DESC NULLS FIRST`
    /// (PostgreSQL's defaults, written out because SQLite's are the
    /// opposite), and on PostgreSQL a text or enum key gets `COLLATE "C"`
    /// (byte order; SQLite's `BINARY` collation already compares bytes).
    ///
    /// # Errors
    ///
    /// [`EmitError::NoSqlMapping`] when a key's field has no
    /// `Field::sql_column`.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Schema, SortRules, SqlOptions};
    /// let schema = Schema::builder()
    ///     .field(Field::new("id", FieldType::String).sortable().sql_column("c.id"))
    ///     .field(Field::new("end", FieldType::Timestamp).sortable().sql_column("c.end_ms"))
    ///     .build()?;
    /// let sort = SortRules::new(&schema, "id")?.parse("-end", Default::default())?;
    /// assert_eq!(sort.to_sql(&SqlOptions::sqlite())?, "c.end_ms DESC NULLS FIRST, c.id ASC NULLS LAST");
    /// assert_eq!(sort.to_sql(&SqlOptions::postgres())?, "c.end_ms DESC NULLS FIRST, c.id COLLATE \"C\" ASC NULLS LAST");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_sql(&self, options: &SqlOptions) -> Result<String, EmitError> {
        let pg = options.dialect() == SqlDialect::Postgres;
        let cols = self.columns()?;
        let mut out = String::new();
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(c.expr);
            if pg && c.text {
                out.push_str(" COLLATE \"C\"");
            }
            out.push_str(match c.direction {
                Direction::Asc => " ASC NULLS LAST",
                Direction::Desc => " DESC NULLS FIRST",
            });
        }
        Ok(out)
    }
}

impl Query {
    /// The query as the tail of a `SELECT`: append it to
    /// `SELECT … FROM <table>`.
    ///
    /// * The `ORDER BY` list is [`Sort::to_sql`]'s.
    /// * The keyset condition of [`Query::after`] for keys `k1 … kn` and
    ///   cursor values `v1 … vn` is `T1 OR … OR Tn`, where `Ti` is
    ///   `k1 = v1 AND … AND k(i-1) = v(i-1) AND after(ki, vi)` (`k IS NULL`
    ///   for a missing `v`); `after` is, for a present `v`, ascending
    ///   `(k > v OR k IS NULL)` (missing values come last) and descending
    ///   `k < v`; for a missing `v`, ascending nothing (the term is dropped)
    ///   and descending `k IS NOT NULL`. With the filter it is
    ///   `WHERE (<filter>) AND (<keyset>)`.
    /// * `LIMIT` and `OFFSET` are integer literals (numbers, nothing to
    ///   escape): with `LIMIT $n` PostgreSQL plans a prepared statement for
    ///   an unknown limit, which re-plans it on every run or, with a generic
    ///   plan, sorts every match for a short page. SQLite writes `LIMIT -1`
    ///   before an `OFFSET` without a limit.
    ///
    /// The filter's parameters come first, then the cursor's. PostgreSQL placeholders start at
    /// [`SqlOptions::first_placeholder`].
    ///
    /// # Errors
    ///
    /// [`EmitError::NoSqlMapping`] when the filter names a field without a
    /// SQL mapping, or a sort key's field has no `Field::sql_column`.
    ///
    /// ```
    /// use rsql::{Cursor, CursorValue, Field, FieldType, Query, Schema, SortRules, SqlOptions, SqlParam};
    /// let schema = Schema::builder()
    ///     .field(Field::new("id", FieldType::String).sortable().sql_column("c.id"))
    ///     .field(Field::new("type", FieldType::String).sql_column("c.type"))
    ///     .field(Field::new("end", FieldType::Timestamp).sortable().sql_column("c.end_ms"))
    ///     .build()?;
    /// let sort = SortRules::new(&schema, "id")?.parse("end", Default::default())?;
    /// let q = Query::new(sort)
    ///     .with_filter(schema.compile(&rsql::parse("type==call")?)?)
    ///     .with_limit(20)
    ///     .after(Cursor::new(vec![CursorValue::Time(1_000), CursorValue::Str("k".into())]))?;
    /// let tail = q.to_sql(&SqlOptions::postgres())?;
    /// assert_eq!(
    ///     tail.sql,
    ///     "WHERE (c.type = $1) AND ((c.end_ms > $2 OR c.end_ms IS NULL) OR (c.end_ms = $3 AND (c.id COLLATE \"C\" > $4 OR c.id IS NULL))) \
    ///      ORDER BY c.end_ms ASC NULLS LAST, c.id COLLATE \"C\" ASC NULLS LAST LIMIT 20"
    /// );
    /// assert_eq!(tail.params[1], SqlParam::Time(1_000));
    /// assert_eq!(tail.params.len(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_sql(&self, options: &SqlOptions) -> Result<SqlTail, EmitError> {
        let order_by = self.sort.to_sql(options)?;
        let mut w = Writer {
            opts: options,
            sql: String::new(),
            params: Vec::new(),
        };
        let mut conditions = Vec::new();
        if let Some(f) = &self.filter {
            let filter = f.to_sql(options)?;
            conditions.push(filter.sql);
            // The cursor's placeholders are numbered after the filter's.
            w.params = filter.params;
        }
        if let Some(cursor) = &self.after {
            keyset_condition(&mut w, &self.sort.columns()?, cursor);
            conditions.push(std::mem::take(&mut w.sql));
        }
        match conditions.as_slice() {
            [] => {}
            [one] => {
                let _ = write!(w.sql, "WHERE {one} ");
            }
            both => {
                let _ = write!(w.sql, "WHERE ({}) ", both.join(") AND ("));
            }
        }
        w.sql.push_str("ORDER BY ");
        w.sql.push_str(&order_by);
        // Literals, not parameters: they are numbers (nothing to escape), and
        // a prepared statement with `LIMIT $n` is planned for an unknown
        // limit — PostgreSQL then re-plans it on every run, or, with a
        // generic plan, sorts every match of a wildcard for a 20-row page.
        let to_int = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        match self.limit {
            Some(n) => {
                let _ = write!(w.sql, " LIMIT {}", to_int(n));
            }
            None if self.offset > 0 && !w.pg() => w.sql.push_str(" LIMIT -1"),
            None => {}
        }
        if self.offset > 0 {
            let _ = write!(w.sql, " OFFSET {}", to_int(self.offset));
        }
        Ok(SqlTail {
            sql: w.sql,
            params: w.params,
        })
    }
}

/// The cursor value as a parameter of its column's type.
fn param_of(value: &CursorValue, sql_type: Option<SqlType>) -> Option<SqlParam> {
    Some(match value {
        CursorValue::Missing => return None,
        CursorValue::Str(s) => SqlParam::Text(s.clone()),
        CursorValue::Int(i) => SqlParam::Int(*i),
        CursorValue::Float(x) => SqlParam::Float(*x),
        CursorValue::Bool(b) => SqlParam::Bool(*b),
        CursorValue::Time(t) => match sql_type {
            Some(SqlType::TimestampTz) => SqlParam::TimestampTz(*t),
            Some(SqlType::Timestamp) => SqlParam::Timestamp(*t),
            _ => SqlParam::Time(*t),
        },
    })
}

/// `T1 OR … OR Tn` (see the module docs); `1 = 0` when no term remains.
fn keyset_condition(w: &mut Writer<'_>, cols: &[Col<'_>], cursor: &Cursor) {
    let pairs: Vec<(&Col<'_>, Option<SqlParam>)> = cols
        .iter()
        .zip(cursor.values())
        .map(|(c, v)| (c, param_of(v, c.sql_type)))
        .collect();
    // Terms whose last key can come after the cursor's value.
    let live: Vec<usize> = (0..pairs.len())
        .filter(|&i| !(pairs[i].1.is_none() && pairs[i].0.direction == Direction::Asc))
        .collect();
    if live.is_empty() {
        w.sql.push_str("1 = 0");
        return;
    }
    for (n, &i) in live.iter().enumerate() {
        // A term with equalities before its last key is an AND: parenthesise.
        let wrap = live.len() > 1 && i > 0;
        if n > 0 {
            w.sql.push_str(" OR ");
        }
        if wrap {
            w.sql.push('(');
        }
        for (c, v) in &pairs[..i] {
            w.sql.push_str(c.expr);
            match v {
                Some(p) => {
                    w.sql.push_str(" = ");
                    w.param(p.clone());
                }
                None => w.sql.push_str(" IS NULL"),
            }
            w.sql.push_str(" AND ");
        }
        let (c, v) = &pairs[i];
        let collate = if w.pg() && c.text {
            " COLLATE \"C\""
        } else {
            ""
        };
        match (c.direction, v) {
            (Direction::Asc, Some(p)) => {
                let _ = write!(w.sql, "({}{collate} > ", c.expr);
                w.param(p.clone());
                let _ = write!(w.sql, " OR {} IS NULL)", c.expr);
            }
            (Direction::Desc, Some(p)) => {
                let _ = write!(w.sql, "{}{collate} < ", c.expr);
                w.param(p.clone());
            }
            (Direction::Desc, None) => {
                let _ = write!(w.sql, "{} IS NOT NULL", c.expr);
            }
            // Dropped above: nothing comes after a missing value ascending.
            (Direction::Asc, None) => w.sql.push_str("1 = 0"),
        }
        if wrap {
            w.sql.push(')');
        }
    }
}
