//! Typed values inside `jsonb` (PostgreSQL) or JSON text (SQLite): a bool,
//! integer, float or timestamp field stored in a JSON document.
//!
//! Each comparison is `CASE WHEN <the JSON value has the field's type>
//! THEN <the comparison on the converted value> ELSE false END`, with the
//! guards nested so that no conversion runs on a value it could fail on:
//!
//! | field | the value must be | converted with |
//! |---|---|---|
//! | bool | a JSON boolean | `CAST(t AS boolean)` |
//! | integer | a JSON number written `-?[0-9]+`, within `i64` | `CAST(t AS bigint)` |
//! | float | a JSON number within ±1.7976931348623157e308 (below 2.2250738585072014e-308 in magnitude it is 0) | `CAST(CAST(t AS numeric) AS double precision)` |
//! | timestamp | a JSON string `YYYY-MM-DDTHH:MM:SS[.ffffff](Z\|±HH:MM)`, a real date, year ≥ 1, offset below 16 h | `CAST(t AS timestamptz)` |
//!
//! where `t` is the value's text (`doc->'a'->>'b'`). A value of another
//! type is present (`=isnull=false` holds) but satisfies no comparison, as
//! in [`Filter::matches`](crate::Filter::matches) for a record value of
//! another type; so a negation (`!=`) holds for it.
//!
//! SQLite: `json_extract` already returns an SQL value of the JSON value's
//! type, and nothing fails, so one guard suffices: a boolean is
//! `json_type(…) IN ('true', 'false')` (compared as 1/0), an integer is
//! `json_type(…) = 'integer'` whose value is an SQL integer (within `i64`),
//! a float is `json_type(…) IN ('integer', 'real')`. Timestamps in JSON are
//! PostgreSQL-only ([`EmitError::UnsupportedSqlType`](crate::EmitError) on SQLite).

use super::storage::{JsonKind, Storage};
use super::{Expr, Writer};
use crate::filter::Test;

/// RFC 3339 with `T`, upper-case `Z`, at most microseconds (PostgreSQL
/// rounds finer fractions), a year from 0001 and an offset PostgreSQL takes.
const TIMESTAMP_RE: &str = "^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})\
-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\
(\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$";

impl Writer<'_> {
    /// `e`'s SQL as a string (JSON expressions carry no parameters).
    fn captured(&mut self, f: impl FnOnce(&mut Self)) -> String {
        let start = self.sql.len();
        f(self);
        self.sql.split_off(start)
    }

    /// The `jsonb` value of `e`.
    fn jsonb(&mut self, e: Expr<'_>) {
        match e {
            Expr::Json(col, keys) => {
                self.s("(");
                self.json_pg(col, keys, "->");
                self.s(")");
            }
            Expr::JsonValue(c) => {
                self.s("(");
                self.s(c);
                self.s(")");
            }
            Expr::Column(_) | Expr::Template(..) => self.expr(e),
        }
    }

    pub(super) fn json_positive(&mut self, kind: JsonKind, e: Expr<'_>, t: &Test) {
        if !self.pg() {
            self.json_positive_sqlite(kind, e, t);
            return;
        }
        let text = self.captured(|w| w.expr(e));
        let json = self.captured(|w| w.jsonb(e));
        let numeric = format!("CAST({text} AS numeric)");
        let (json_type, pattern, guard, value, inner) = match kind {
            JsonKind::Bool => (
                "boolean",
                None,
                None,
                format!("CAST({text} AS boolean)"),
                Storage::Plain { epoch_ms: false },
            ),
            JsonKind::Int => (
                "number",
                Some("^-?[0-9]+$"),
                Some(format!(
                    "{numeric} BETWEEN -9223372036854775808 AND 9223372036854775807"
                )),
                format!("CAST({text} AS bigint)"),
                Storage::Plain { epoch_ms: false },
            ),
            JsonKind::Float => (
                "number",
                None,
                Some(format!("abs({numeric}) <= 1.7976931348623157e308")),
                format!(
                    "CAST(CASE WHEN abs({numeric}) < 2.2250738585072014e-308 THEN 0 \
                     ELSE {numeric} END AS double precision)"
                ),
                Storage::Float,
            ),
            JsonKind::Time => (
                "string",
                Some(TIMESTAMP_RE),
                Some(format!(
                    "CAST(substr({text}, 9, 2) AS integer) <= extract(day from \
                     make_date(CAST(substr({text}, 1, 4) AS integer), \
                     CAST(substr({text}, 6, 2) AS integer), 1) + interval '1 month - 1 day')"
                )),
                format!("CAST({text} AS timestamptz)"),
                Storage::Instant { tz: true },
            ),
        };
        self.s("CASE WHEN jsonb_typeof(");
        self.s(&json);
        self.s(") = '");
        self.s(json_type);
        self.s("'");
        if let Some(re) = pattern {
            self.s(" AND ");
            self.s(&text);
            self.s(" ~ '");
            self.s(re);
            self.s("'");
        }
        self.s(" THEN ");
        if let Some(g) = &guard {
            self.s("CASE WHEN ");
            self.s(g);
            self.s(" THEN ");
        }
        self.positive(inner, Expr::Column(&value), t);
        if guard.is_some() {
            self.s(" ELSE false END");
        }
        self.s(" ELSE false END");
    }

    /// SQLite: `json_type` of the value (`NULL` when absent).
    fn json_type_sqlite(&mut self, e: Expr<'_>) {
        match e {
            Expr::Json(col, keys) => {
                self.s("json_type(");
                self.s(col);
                self.s(", ");
                self.s(&super::sqlite_path(keys));
                self.s(")");
            }
            Expr::JsonValue(c) => {
                self.s("json_type(");
                self.s(c);
                self.s(")");
            }
            Expr::Column(_) | Expr::Template(..) => {
                self.s("json_type(");
                self.expr(e);
                self.s(")");
            }
        }
    }

    fn json_positive_sqlite(&mut self, kind: JsonKind, e: Expr<'_>, t: &Test) {
        self.s("CASE WHEN ");
        self.json_type_sqlite(e);
        match kind {
            JsonKind::Bool => self.s(" IN ('true', 'false')"),
            JsonKind::Int => {
                self.s(" = 'integer' AND typeof(");
                self.expr(e);
                self.s(") = 'integer'");
            }
            JsonKind::Float | JsonKind::Time => self.s(" IN ('integer', 'real')"),
        }
        self.s(" THEN ");
        self.positive(Storage::Plain { epoch_ms: false }, e, t);
        self.s(" ELSE false END");
    }
}
