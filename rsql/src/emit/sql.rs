//! [`Filter::to_sql`]: a `WHERE` clause for PostgreSQL or SQLite.
//!
//! Column expressions come only from the [`Schema`](crate::Schema); every
//! literal, every dynamic key and every wildcard pattern goes into
//! [`SqlWhere::params`]. The clause is TRUE for exactly the rows
//! [`Filter::matches`] accepts (SQL `NULL` = missing):
//!
//! * negations are `(e IS NULL OR NOT (…))`, so `!=`, `=out=`, `=notlike=`
//!   and `=nb=` hold for missing values; on a field declared
//!   [`Missing::MatchesNothing`](crate::Missing) they are
//!   `(e IS NOT NULL AND NOT (…))`;
//! * multi-valued fields become `EXISTS (SELECT 1 FROM … WHERE <join> AND …)`,
//!   and their negations `NOT EXISTS (…)` (no member matches);
//! * wildcards: PostgreSQL gets `e LIKE $n ESCAPE '\'` with `%`, `_` and `\`
//!   escaped in the parameter. SQLite's `LIKE` ignores ASCII case unless
//!   `PRAGMA case_sensitive_like = ON`, so for SQLite the default is
//!   `e GLOB ?` with `*`, `?` and `[` escaped as `[*]`, `[?]`, `[[]`, which is
//!   case-sensitive whatever the pragma says; [`SqlOptions::with_sqlite_like`]
//!   switches to `LIKE … ESCAPE '\'` for connections that set the pragma;
//! * ASCII-case-insensitive operators use `lower(e)` on SQLite (ASCII-only
//!   without ICU) and `translate(e, 'A…Z', 'a…z')` on PostgreSQL (whose
//!   `lower` also folds non-ASCII letters);
//! * PostgreSQL string ordering uses `COLLATE "C"` (byte order, as
//!   `matches` compares); SQLite's default `BINARY` collation already does;
//! * `numeric_strings` ordering is a `CASE` that tests the decimal grammar
//!   (`GLOB`s on SQLite, a regular expression on PostgreSQL) and compares
//!   `CAST(e AS REAL)` / `CAST(e AS double precision)` when it holds.
//!
//! Timestamps are bound as [`SqlParam::Time`] (epoch milliseconds): bind it
//! as an integer for an epoch-ms column, or convert it (e.g. with
//! `chrono::DateTime::from_timestamp_millis`) for a `timestamptz` column.

use std::fmt::{self, Write};

use crate::filter::{CmpOp, F64Range, Filter, Lit, Node, Pred, Test};
use crate::pattern::Pattern;
use crate::schema::{Field, FieldType, SqlMapping};

/// Which SQL dialect to emit.
///
/// ```
/// assert_eq!(rsql::SqlOptions::postgres().dialect(), rsql::SqlDialect::Postgres);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlDialect {
    /// `$1, $2, …` placeholders, `->>` for JSON maps, `LIKE … ESCAPE`.
    Postgres,
    /// `?` placeholders, `json_extract` for JSON maps, `GLOB` for wildcards.
    Sqlite,
}

/// Options for [`Filter::to_sql`].
///
/// ```
/// let opts = rsql::SqlOptions::postgres().with_first_placeholder(3);
/// assert_eq!(opts.first_placeholder(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlOptions {
    dialect: SqlDialect,
    first_placeholder: usize,
    sqlite_like: bool,
}

impl SqlOptions {
    /// PostgreSQL, placeholders from `$1`.
    ///
    /// ```
    /// let _ = rsql::SqlOptions::postgres();
    /// ```
    pub fn postgres() -> SqlOptions {
        SqlOptions {
            dialect: SqlDialect::Postgres,
            first_placeholder: 1,
            sqlite_like: false,
        }
    }

    /// SQLite, `?` placeholders, `GLOB` for wildcards.
    ///
    /// ```
    /// let _ = rsql::SqlOptions::sqlite();
    /// ```
    pub fn sqlite() -> SqlOptions {
        SqlOptions {
            dialect: SqlDialect::Sqlite,
            first_placeholder: 1,
            sqlite_like: false,
        }
    }

    /// Numbers PostgreSQL placeholders from `$n` (when the statement has
    /// earlier parameters). Ignored for SQLite.
    ///
    /// ```
    /// let _ = rsql::SqlOptions::postgres().with_first_placeholder(2);
    /// ```
    pub fn with_first_placeholder(mut self, n: usize) -> SqlOptions {
        self.first_placeholder = n.max(1);
        self
    }

    /// SQLite: emit wildcards as `LIKE ? ESCAPE '\'` instead of `GLOB ?`.
    /// Only exact on connections with `PRAGMA case_sensitive_like = ON`.
    ///
    /// ```
    /// let _ = rsql::SqlOptions::sqlite().with_sqlite_like(true);
    /// ```
    pub fn with_sqlite_like(mut self, enabled: bool) -> SqlOptions {
        self.sqlite_like = enabled;
        self
    }

    /// The dialect.
    ///
    /// ```
    /// assert_eq!(rsql::SqlOptions::sqlite().dialect(), rsql::SqlDialect::Sqlite);
    /// ```
    pub fn dialect(&self) -> SqlDialect {
        self.dialect
    }

    /// The number of the first PostgreSQL placeholder.
    ///
    /// ```
    /// assert_eq!(rsql::SqlOptions::postgres().first_placeholder(), 1);
    /// ```
    pub fn first_placeholder(&self) -> usize {
        self.first_placeholder
    }
}

/// A typed query parameter; bind them in order.
///
/// ```
/// let p = rsql::SqlParam::Text("meeting".into());
/// assert_eq!(p.to_string(), "'meeting'");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SqlParam {
    /// Text: string literals, wildcard patterns, JSON paths and keys.
    Text(String),
    /// An integer.
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
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::NoSqlMapping { field } => write!(f, "field `{field}` has no SQL mapping"),
        }
    }
}

impl std::error::Error for EmitError {}

impl Filter {
    /// The filter as a SQL condition with typed parameters (see the
    /// [`emit`](crate::emit) module docs for the exact translation).
    ///
    /// # Errors
    ///
    /// [`EmitError::NoSqlMapping`] when a field in the filter has no
    /// suitable SQL mapping in the schema.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Schema, SqlOptions, SqlParam};
    /// let schema = Schema::builder()
    ///     .field(Field::new("name", FieldType::String).sql_column("name"))
    ///     .build()?;
    /// let w = schema.compile(&rsql::parse("name==*50%_off*")?)?.to_sql(&SqlOptions::postgres())?;
    /// assert_eq!(w.sql, r"name LIKE $1 ESCAPE '\'");
    /// assert_eq!(w.params, [SqlParam::Text(r"%50\%\_off%".into())]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_sql(&self, options: &SqlOptions) -> Result<SqlWhere, EmitError> {
        let mut w = Writer {
            filter: self,
            opts: options,
            sql: String::new(),
            params: Vec::new(),
        };
        w.node(&self.root, false)?;
        Ok(SqlWhere {
            sql: w.sql,
            params: w.params,
        })
    }
}

struct Writer<'f> {
    filter: &'f Filter,
    opts: &'f SqlOptions,
    sql: String,
    params: Vec<SqlParam>,
}

/// The value expression of a predicate.
#[derive(Clone, Copy)]
enum Expr<'a> {
    Column(&'a str),
    Json(&'a str, &'a str),
    Template(&'a str, &'a str),
}

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

impl<'f> Writer<'f> {
    fn pg(&self) -> bool {
        self.opts.dialect == SqlDialect::Postgres
    }

    fn s(&mut self, text: &str) {
        self.sql.push_str(text);
    }

    fn param(&mut self, p: SqlParam) {
        self.params.push(p);
        if self.pg() {
            let n = self.opts.first_placeholder + self.params.len() - 1;
            let _ = write!(self.sql, "${n}");
        } else {
            self.sql.push('?');
        }
    }

    fn node(&mut self, node: &Node, nested: bool) -> Result<(), EmitError> {
        match node {
            Node::True => self.s("1 = 1"),
            Node::And(c) | Node::Or(c) => {
                let sep = if matches!(node, Node::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                if nested {
                    self.s("(");
                }
                for (i, n) in c.iter().enumerate() {
                    if i > 0 {
                        self.s(sep);
                    }
                    self.node(n, true)?;
                }
                if nested {
                    self.s(")");
                }
            }
            Node::Pred(p) => self.pred(p)?,
        }
        Ok(())
    }

    fn pred(&mut self, p: &Pred) -> Result<(), EmitError> {
        let schema = &self.filter.schema;
        let Some(field) = schema.field(p.field) else {
            return Err(EmitError::NoSqlMapping {
                field: format!("#{}", p.field.index()),
            });
        };
        let no_mapping = || EmitError::NoSqlMapping {
            field: field.name().to_owned(),
        };
        let key = p.key.as_deref().unwrap_or("");
        let expr = match (&field.sql, p.multi, field.is_dynamic()) {
            (Some(SqlMapping::Exists { from, join, column }), true, false) => {
                if p.negated {
                    self.s("NOT ");
                }
                self.s("EXISTS (SELECT 1 FROM ");
                self.s(from);
                self.s(" WHERE ");
                self.s(join);
                self.s(" AND ");
                self.positive(field, Expr::Column(column), &p.test);
                self.s(")");
                return Ok(());
            }
            (Some(SqlMapping::Column(c)), false, false) => Expr::Column(c),
            (Some(SqlMapping::Json(c)), false, true) => Expr::Json(c, key),
            (Some(SqlMapping::Template(t)), false, true) => Expr::Template(t, key),
            _ => return Err(no_mapping()),
        };
        match (p.negated, &p.test) {
            (false, t) => self.positive(field, expr, t),
            (true, Test::Present) => {
                self.expr(expr);
                self.s(" IS NULL");
            }
            (true, t) if p.strict => {
                // `Missing::MatchesNothing`: a value, and it fails `t`.
                self.s("(");
                self.expr(expr);
                self.s(" IS NOT NULL AND NOT (");
                self.positive(field, expr, t);
                self.s("))");
            }
            (true, t) => {
                self.s("(");
                self.expr(expr);
                self.s(" IS NULL OR NOT (");
                self.positive(field, expr, t);
                self.s("))");
            }
        }
        Ok(())
    }

    fn expr(&mut self, e: Expr<'_>) {
        match e {
            Expr::Column(c) => self.s(c),
            Expr::Json(col, key) => {
                if self.pg() {
                    self.s("(");
                    self.s(col);
                    self.s("->>");
                    self.param(SqlParam::Text(key.to_owned()));
                    self.s(")");
                } else {
                    self.s("json_extract(");
                    self.s(col);
                    self.s(", ");
                    // Keys hold letters, digits, `_` and `-` only (checked at
                    // compile time), so quoting them in the path is enough.
                    self.param(SqlParam::Text(format!("$.\"{key}\"")));
                    self.s(")");
                }
            }
            Expr::Template(t, key) => {
                let mut parts = t.split("{key}");
                if let Some(first) = parts.next() {
                    self.s(first);
                }
                for part in parts {
                    self.param(SqlParam::Text(key.to_owned()));
                    self.s(part);
                }
            }
        }
    }

    /// A condition that is TRUE iff the value is present and passes `t`,
    /// and never NULL for a present value.
    fn positive(&mut self, field: &Field, e: Expr<'_>, t: &Test) {
        let time = field.field_type() == &FieldType::Timestamp;
        let int = |x: i64| {
            if time {
                SqlParam::Time(x)
            } else {
                SqlParam::Int(x)
            }
        };
        match t {
            Test::Present => {
                self.expr(e);
                self.s(" IS NOT NULL");
            }
            Test::StrEq(s) => self.binary(e, "=", SqlParam::Text(s.to_string())),
            Test::StrIn(set) => {
                let items = set
                    .items
                    .iter()
                    .map(|s| SqlParam::Text(s.to_string()))
                    .collect();
                self.in_list(e, items);
            }
            Test::Pattern(p) => self.pattern(e, p),
            Test::StrCmp(op, lit) => self.str_cmp(e, *op, lit),
            Test::StrRange(lo, hi) => {
                self.s("(");
                self.str_cmp(e, CmpOp::Ge, lo);
                self.s(" AND ");
                self.str_cmp(e, CmpOp::Le, hi);
                self.s(")");
            }
            Test::I64Range(lo, hi) => {
                if lo > hi {
                    self.s("1 = 0");
                } else if lo == hi {
                    self.binary(e, "=", int(*lo));
                } else {
                    let parts: Vec<(&str, SqlParam)> = [
                        (*lo != i64::MIN).then(|| (">=", int(*lo))),
                        (*hi != i64::MAX).then(|| ("<=", int(*hi))),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    self.range(e, parts);
                }
            }
            Test::I64In(v) => self.in_list(e, v.iter().map(|x| int(*x)).collect()),
            Test::F64Range(r) => self.f64_range(e, r),
            Test::F64In(v) => self.in_list(e, v.iter().map(|x| SqlParam::Float(*x)).collect()),
            Test::Bool { t, f } => match (t, f) {
                (true, true) => {
                    self.expr(e);
                    self.s(" IS NOT NULL");
                }
                (true, false) | (false, true) => self.binary(e, "=", SqlParam::Bool(*t)),
                (false, false) => self.s("1 = 0"),
            },
        }
    }

    fn binary(&mut self, e: Expr<'_>, op: &str, p: SqlParam) {
        self.expr(e);
        self.s(" ");
        self.s(op);
        self.s(" ");
        self.param(p);
    }

    fn in_list(&mut self, e: Expr<'_>, items: Vec<SqlParam>) {
        if items.len() == 1 {
            if let Some(p) = items.into_iter().next() {
                self.binary(e, "=", p);
            }
            return;
        }
        self.expr(e);
        self.s(" IN (");
        for (i, p) in items.into_iter().enumerate() {
            if i > 0 {
                self.s(", ");
            }
            self.param(p);
        }
        self.s(")");
    }

    fn range(&mut self, e: Expr<'_>, parts: Vec<(&str, SqlParam)>) {
        match parts.len() {
            0 => {
                self.expr(e);
                self.s(" IS NOT NULL");
            }
            1 => {
                for (op, p) in parts {
                    self.binary(e, op, p);
                }
            }
            _ => {
                self.s("(");
                for (i, (op, p)) in parts.into_iter().enumerate() {
                    if i > 0 {
                        self.s(" AND ");
                    }
                    self.binary(e, op, p);
                }
                self.s(")");
            }
        }
    }

    fn f64_range(&mut self, e: Expr<'_>, r: &F64Range) {
        if r.lo > r.hi || (r.lo == r.hi && !(r.lo_incl && r.hi_incl)) {
            self.s("1 = 0");
            return;
        }
        if r.lo == r.hi {
            self.binary(e, "=", SqlParam::Float(r.lo));
            return;
        }
        let mut parts = Vec::new();
        if r.lo.is_finite() {
            parts.push((if r.lo_incl { ">=" } else { ">" }, SqlParam::Float(r.lo)));
        }
        if r.hi.is_finite() {
            parts.push((if r.hi_incl { "<=" } else { "<" }, SqlParam::Float(r.hi)));
        }
        self.range(e, parts);
    }

    /// `e` with ASCII letters folded to lower case.
    fn folded(&mut self, e: Expr<'_>) {
        if self.pg() {
            self.s("translate(");
            self.expr(e);
            self.s(&format!(", '{UPPER}', '{LOWER}')"));
        } else {
            self.s("lower(");
            self.expr(e);
            self.s(")");
        }
    }

    fn pattern(&mut self, e: Expr<'_>, p: &Pattern) {
        let fold = p.is_case_insensitive();
        if fold {
            self.folded(e);
        } else {
            self.expr(e);
        }
        if p.is_exact() {
            self.s(" = ");
            let text = p
                .segments()
                .first()
                .map_or(String::new(), |s| s.to_string());
            self.param(SqlParam::Text(text));
            return;
        }
        if self.pg() || self.opts.sqlite_like {
            self.s(" LIKE ");
            self.param(SqlParam::Text(like_pattern(p.segments())));
            self.s(" ESCAPE '\\'");
        } else {
            self.s(" GLOB ");
            self.param(SqlParam::Text(glob_pattern(p.segments())));
        }
    }

    fn str_cmp(&mut self, e: Expr<'_>, op: CmpOp, lit: &Lit) {
        // Interim: the exact-decimal SQL replaces this float comparison.
        let Some(num) = lit.num.as_ref().and_then(|_| lit.text.parse::<f64>().ok()) else {
            self.text_cmp(e, op, lit);
            return;
        };
        self.s("CASE WHEN ");
        self.is_decimal(e);
        self.s(" THEN CAST(");
        self.expr(e);
        self.s(if self.pg() {
            " AS double precision) "
        } else {
            " AS REAL) "
        });
        self.s(op.sql());
        self.s(" ");
        self.param(SqlParam::Float(num));
        self.s(" ELSE ");
        self.text_cmp(e, op, lit);
        self.s(" END");
    }

    fn text_cmp(&mut self, e: Expr<'_>, op: CmpOp, lit: &Lit) {
        self.expr(e);
        if self.pg() {
            self.s(" COLLATE \"C\"");
        }
        self.s(" ");
        self.s(op.sql());
        self.s(" ");
        self.param(SqlParam::Text(lit.text.to_string()));
    }

    /// The decimal grammar `-?[0-9]+(\.[0-9]+)?` as SQL.
    fn is_decimal(&mut self, e: Expr<'_>) {
        if self.pg() {
            self.expr(e);
            self.s(r" ~ '^-?[0-9]+(\.[0-9]+)?$'");
            return;
        }
        // Starts with a digit or `-digit`, ends with a digit, has only digits
        // and dots after the first character, and at most one dot.
        self.s("((");
        self.expr(e);
        self.s(" GLOB '[0-9]*' OR ");
        self.expr(e);
        self.s(" GLOB '-[0-9]*') AND ");
        self.expr(e);
        self.s(" GLOB '*[0-9]' AND NOT substr(");
        self.expr(e);
        self.s(", 2) GLOB '*[^0-9.]*' AND NOT ");
        self.expr(e);
        self.s(" GLOB '*.*.*')");
    }
}

/// Segments joined with `%`, with `%`, `_` and `\` escaped by `\`.
pub(crate) fn like_pattern(segments: &[Box<str>]) -> String {
    let mut out = String::new();
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            out.push('%');
        }
        for c in s.chars() {
            if matches!(c, '%' | '_' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Segments joined with `*`, with `*`, `?` and `[` written as bracket classes.
pub(crate) fn glob_pattern(segments: &[Box<str>]) -> String {
    let mut out = String::new();
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            out.push('*');
        }
        for c in s.chars() {
            match c {
                '*' => out.push_str("[*]"),
                '?' => out.push_str("[?]"),
                '[' => out.push_str("[[]"),
                c => out.push(c),
            }
        }
    }
    out
}
