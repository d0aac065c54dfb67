//! [`Filter::to_sql`]: a `WHERE` clause for PostgreSQL or SQLite.
//!
//! Column expressions come only from the [`Schema`](crate::Schema). Values
//! only ever reach the SQL as parameters ([`SqlWhere::params`]): every
//! literal, every wildcard pattern, the digits of a decimal. Validated keys
//! may be inlined: a dynamic key is checked when the filter is compiled
//! (non-empty; letters, digits, `_` and `-` only, so it holds no quote, no
//! backslash and no SQL or JSON-path metacharacter) and is written as a SQL
//! string literal (`c.metadata->>'agentId'`, SQLite
//! `json_extract(c.metadata, '$."agentId"')`, a template's `{key}`), so an
//! expression index on exactly that expression serves the query.
//!
//! The clause is TRUE for exactly the rows [`Filter::matches`] accepts (SQL
//! `NULL` = missing):
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
//! * PostgreSQL string *ordering* uses `COLLATE "C"` (byte order, as
//!   `matches` compares); SQLite's default `BINARY` collation already does.
//!   Equality and `IN` carry no `COLLATE`, so a plain btree index on the
//!   column serves them;
//! * `numeric_strings` ordering is an exact decimal comparison written with
//!   string functions, never a cast to a float (so no stored value can make
//!   the query fail):
//!   `CASE WHEN <e is a decimal> THEN <sign, then (length(int), int, frac) as a row value> ELSE e COLLATE "C" op $t END`,
//!   the literal's normal form bound as `Int(int digits)`, `Text(int)`, `Text(frac)`.
//!
//! # Storage kinds
//!
//! A field's [`SqlType`] ([`Field::sql_type`](crate::Field::sql_type))
//! says how its values are stored; parameters are emitted in that type. For
//! a ms range `[lo, hi]` (from `==`, `=bt=`, `=ge=`, …) and a list (`=in=`):
//!
//! | storage | range | `=in=` | parameters |
//! |---|---|---|---|
//! | no `sql_type` | `e >= $1 AND e <= $2` | `e IN ($1, …)` | [`SqlParam::Time`] (epoch ms) for timestamps, else the field's type |
//! | [`SqlType::EpochMs`] | as above | as above | [`SqlParam::Time`] |
//! | [`SqlType::TimestampTz`] | `e >= $1 AND e < $2` (`$2` = `hi` + 1 ms) | `(e >= $1 AND e < $2 OR …)` | [`SqlParam::TimestampTz`] |
//! | [`SqlType::Timestamp`] | as `TimestampTz` | as `TimestampTz` | [`SqlParam::Timestamp`] (UTC) |
//! | [`SqlType::Text`], [`SqlType::Boolean`] | as no `sql_type` | | [`SqlParam::Text`], [`SqlParam::Bool`] |
//! | [`SqlType::Integer`] | `e >= CAST($1 AS bigint) …` | `e IN (CAST($1 AS bigint), …)` | [`SqlParam::Int`] |
//! | [`SqlType::Float`] | `e > CAST($1 AS double precision) …` | likewise | [`SqlParam::Float`] |
//! | [`SqlType::Numeric`] | `e > CAST(CAST($1 AS text) AS numeric) …` | likewise | [`SqlParam::Numeric`]: an integer's digits, a float's shortest round-trip decimal (`0.1`) |
//! | [`SqlType::Json`] | `CASE WHEN <JSON type and form> THEN <typed comparison> ELSE false END` | likewise | as the converted value's type |
//!
//! A `timestamptz`/`timestamp` value may hold microseconds: it is compared
//! as its instant truncated to the millisecond (towards the past, what a
//! record holding it reports), which the half-open bounds express while a
//! btree index on the column still serves them. The casts on `Integer`,
//! `Float` and `Numeric` parameters keep a literal that does not fit the
//! column's width from making the query fail, and leave the column bare,
//! so its index is used.
//!
//! [`SqlType::Json`] (PostgreSQL; also a map declared with
//! [`Field::sql_json`](crate::Field::sql_json) whose type is not string or
//! enum) reads the value at a path (`doc->'a'->'b'`): a string field reads
//! its text (`doc->'a'->>'b'`); a bool, integer, float or timestamp field
//! checks the JSON type first, as the `json` module's table says
//! (a boolean; a number `-?[0-9]+` within `i64`; a number within the
//! double range; an RFC 3339 string `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`),
//! and a value of another JSON type is present but satisfies no comparison.
//!
//! # Index use
//!
//! A comparison on a plain column leaves the column bare (casts go on the
//! parameters), so a btree index on it serves `=`, `IN`, ranges and the
//! half-open timestamp bounds. `(c.metadata->>'agentId')` is served by the
//! expression index `((metadata->>'agentId'))`. String *ordering* carries
//! `COLLATE "C"`, which an index serves only when it has that collation
//! (`CREATE INDEX … (name COLLATE "C")`, or a database created with
//! `LC_COLLATE 'C'`). `numeric_strings` ordering and typed JSON comparisons
//! are `CASE` expressions that no index serves.
//!
//! SQLite translates no `sql_type`, `EpochMs`, `Text`, `Integer`, `Float`,
//! `Boolean`, and `Json` for string, bool, integer and float fields (typed
//! with `json_type`); `TimestampTz`, `Timestamp`, `Numeric` and timestamps
//! in JSON are an [`EmitError::UnsupportedSqlType`].
//!
//! ```
//! use rsql::{Field, FieldType, Schema, SqlOptions, SqlParam, SqlType};
//! let schema = Schema::builder()
//!     .field(Field::new("start", FieldType::Timestamp).sql_column("c.started_at").sql_type(SqlType::TimestampTz))
//!     .field(Field::new("n", FieldType::Integer).sql_column("c.n").sql_type(SqlType::Integer))
//!     .field(Field::new("ok", FieldType::Bool).sql_json_path("c.doc", ["flags", "ok"]))
//!     .build()?;
//! let w = schema.compile(&rsql::parse("start=ge=2021-06-10;n=in=(1,2);ok==true")?)?
//!     .to_sql(&SqlOptions::postgres())?;
//! assert_eq!(
//!     w.sql,
//!     "c.started_at >= $1 AND c.n IN (CAST($2 AS bigint), CAST($3 AS bigint)) \
//!      AND CASE WHEN jsonb_typeof((c.doc->'flags'->'ok')) = 'boolean' \
//!      THEN CAST((c.doc->'flags'->>'ok') AS boolean) = $4 ELSE false END"
//! );
//! assert_eq!(w.params[0], SqlParam::TimestampTz(1_623_283_200_000));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compare;
mod decimal;
mod error;
mod json;
mod options;
mod param;
mod storage;
mod time;

pub use error::EmitError;
pub use options::{SqlDialect, SqlOptions};
pub use param::{SqlParam, SqlWhere};

use std::fmt::Write;

use crate::filter::{Filter, Node, Pred, Test};
use crate::schema::{SqlMapping, SqlType};

use storage::Storage;

impl Filter {
    /// The filter as a SQL condition with typed parameters (see the
    /// [`emit`](crate::emit) module docs for the exact translation).
    ///
    /// # Errors
    ///
    /// [`EmitError::NoSqlMapping`] when a field in the filter has no
    /// suitable SQL mapping in the schema; [`EmitError::SqlTypeMismatch`],
    /// [`EmitError::UnsupportedSqlType`] and [`EmitError::InvalidJsonPath`]
    /// when its [`SqlType`] or JSON path cannot be translated.
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
    /// A column expression (or any SQL value expression), verbatim.
    Column(&'a str),
    /// A column expression whose value is a `jsonb` value ([`SqlType::Json`]).
    JsonValue(&'a str),
    /// The value at `keys` inside the JSON document `column`.
    Json(&'a str, Keys<'a>),
    /// A template with `{key}` standing for the key.
    Template(&'a str, &'a str),
}

impl<'a> Expr<'a> {
    /// A column expression, read as JSON when declared [`SqlType::Json`].
    fn column(c: &'a str, ty: Option<SqlType>) -> Expr<'a> {
        if ty == Some(SqlType::Json) {
            Expr::JsonValue(c)
        } else {
            Expr::Column(c)
        }
    }
}

/// The keys of a JSON path: a dynamic field's key, or a declared path.
#[derive(Clone, Copy)]
enum Keys<'a> {
    One(&'a str),
    Path(&'a [String]),
}

impl<'a> Keys<'a> {
    fn iter(self) -> impl Iterator<Item = &'a str> {
        let (one, path) = match self {
            Keys::One(k) => (Some(k), &[][..]),
            Keys::Path(p) => (None, p),
        };
        one.into_iter().chain(path.iter().map(String::as_str))
    }
}

/// `text` as a SQL string literal (`'` doubled).
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

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

    /// A parameter, cast to `cast` on PostgreSQL (`CAST($n AS bigint)`).
    /// A [`SqlParam::Numeric`] is text cast to `numeric`
    /// (`CAST(CAST($n AS text) AS numeric)`), so it is bound as text and
    /// stays exact.
    fn arg(&mut self, a: Arg) {
        match a.cast.filter(|_| self.pg()) {
            Some(ty) => {
                let text = matches!(a.param, SqlParam::Numeric(_));
                self.s(if text { "CAST(CAST(" } else { "CAST(" });
                self.param(a.param);
                self.s(if text { " AS text) AS " } else { " AS " });
                self.s(ty);
                self.s(")");
            }
            None => self.param(a.param),
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
                let column = Expr::column(column, field.sql_type);
                let st = Storage::of(field, column, self.opts.dialect)?;
                if p.strict {
                    // `Missing::MatchesNothing`: some value, and none of
                    // them passes (the evaluator's rule for a negation).
                    self.s("(EXISTS (SELECT 1 FROM ");
                    self.s(from);
                    self.s(" WHERE ");
                    self.s(join);
                    self.s(" AND ");
                    self.expr(column);
                    self.s(" IS NOT NULL) AND ");
                }
                if p.negated {
                    self.s("NOT ");
                }
                self.s("EXISTS (SELECT 1 FROM ");
                self.s(from);
                self.s(" WHERE ");
                self.s(join);
                self.s(" AND ");
                self.positive(st, column, &p.test);
                self.s(if p.strict { "))" } else { ")" });
                return Ok(());
            }
            (Some(SqlMapping::Column(c)), false, false) => Expr::column(c, field.sql_type),
            (Some(SqlMapping::JsonPath { column, path }), false, false) => {
                Expr::Json(column, Keys::Path(path))
            }
            (Some(SqlMapping::Json(c)), false, true) => Expr::Json(c, Keys::One(key)),
            (Some(SqlMapping::Template(t)), false, true) => Expr::Template(t, key),
            _ => return Err(no_mapping()),
        };
        let st = Storage::of(field, expr, self.opts.dialect)?;
        match (p.negated, &p.test) {
            (false, t) => self.positive(st, expr, t),
            (true, Test::Present) => {
                self.expr(expr);
                self.s(" IS NULL");
            }
            (true, t) if p.strict => {
                // `Missing::MatchesNothing`: a value, and it fails `t`.
                self.s("(");
                self.expr(expr);
                self.s(" IS NOT NULL AND NOT (");
                self.positive(st, expr, t);
                self.s("))");
            }
            (true, t) => {
                self.s("(");
                self.expr(expr);
                self.s(" IS NULL OR NOT (");
                self.positive(st, expr, t);
                self.s("))");
            }
        }
        Ok(())
    }

    /// The value as SQL: for JSON, its text (`NULL` when the key is absent
    /// or the value is JSON `null`).
    fn expr(&mut self, e: Expr<'_>) {
        match e {
            Expr::Column(c) => self.s(c),
            Expr::JsonValue(c) => {
                self.s("(");
                self.s(c);
                self.s(if self.pg() { " #>> '{}')" } else { " ->> '$')" });
            }
            Expr::Json(col, keys) => {
                if self.pg() {
                    self.s("(");
                    self.json_pg(col, keys, "->>");
                    self.s(")");
                } else {
                    self.s("json_extract(");
                    self.s(col);
                    self.s(", ");
                    self.s(&sqlite_path(keys));
                    self.s(")");
                }
            }
            Expr::Template(t, key) => {
                let mut parts = t.split("{key}");
                if let Some(first) = parts.next() {
                    self.s(first);
                }
                for part in parts {
                    self.s(&quoted(key));
                    self.s(part);
                }
            }
        }
    }

    /// `col->'a'->'b'` with `last` (`->` or `->>`) before the last key.
    fn json_pg(&mut self, col: &str, keys: Keys<'_>, last: &str) {
        self.s(col);
        let n = keys.iter().count();
        for (i, k) in keys.iter().enumerate() {
            self.s(if i + 1 == n { last } else { "->" });
            self.s(&quoted(k));
        }
    }
}

/// The SQLite JSON path literal of `keys`: `'$."a"."b"'`. Keys hold no `"`
/// (dynamic keys are validated when compiling, declared paths by
/// [`Storage::of`]).
fn sqlite_path(keys: Keys<'_>) -> String {
    let mut path = String::from("$");
    for k in keys.iter() {
        path.push_str(".\"");
        path.push_str(k);
        path.push('"');
    }
    quoted(&path)
}

/// A parameter and the type PostgreSQL should cast it to.
struct Arg {
    param: SqlParam,
    cast: Option<&'static str>,
}

impl Arg {
    fn plain(param: SqlParam) -> Arg {
        Arg { param, cast: None }
    }
}
