//! The positive test of a predicate on one value: equality, lists, ranges,
//! wildcards and case folding, typed by the field's [`Storage`].

use super::storage::Storage;
use super::{Arg, Expr, SqlParam, Writer};
use crate::filter::{CmpOp, F64Range, Test};
use crate::pattern::Pattern;

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

impl Storage {
    /// An integer (or epoch-ms) literal as this storage binds it.
    fn int(self, x: i64) -> Arg {
        match self {
            Storage::Plain { epoch_ms: true } => Arg::plain(SqlParam::Time(x)),
            Storage::Integer => Arg {
                param: SqlParam::Int(x),
                cast: Some("bigint"),
            },
            Storage::Numeric => Arg {
                param: SqlParam::Numeric(x.to_string()),
                cast: Some("numeric"),
            },
            _ => Arg::plain(SqlParam::Int(x)),
        }
    }

    /// A float literal as this storage binds it.
    fn float(self, x: f64) -> Arg {
        match self {
            Storage::Float => Arg {
                param: SqlParam::Float(x),
                cast: Some("double precision"),
            },
            // `Display` of a finite `f64` is its shortest decimal that reads
            // back as the same float, without exponent: `0.1`, not
            // `0.1000000000000000055511151231257827`.
            Storage::Numeric => Arg {
                param: SqlParam::Numeric(x.to_string()),
                cast: Some("numeric"),
            },
            _ => Arg::plain(SqlParam::Float(x)),
        }
    }
}

impl Writer<'_> {
    /// A condition that is TRUE iff the value is present and passes `t`,
    /// and never NULL for a present value.
    pub(super) fn positive(&mut self, st: Storage, e: Expr<'_>, t: &Test) {
        match (st, t) {
            (_, Test::Present) => {
                self.expr(e);
                self.s(" IS NOT NULL");
            }
            (Storage::Json(kind), t) => self.json_positive(kind, e, t),
            (Storage::Instant { tz }, Test::I64Range(lo, hi)) => {
                self.instant_range(e, tz, *lo, *hi)
            }
            (Storage::Instant { tz }, Test::I64In(v)) => self.instant_in(e, tz, v),
            (st, t) => self.scalar(st, e, t),
        }
    }

    fn scalar(&mut self, st: Storage, e: Expr<'_>, t: &Test) {
        match t {
            Test::Present => {
                self.expr(e);
                self.s(" IS NOT NULL");
            }
            Test::StrEq(s) => self.binary(e, "=", Arg::plain(SqlParam::Text(s.to_string()))),
            Test::StrIn(set) => {
                let items = set
                    .items
                    .iter()
                    .map(|s| Arg::plain(SqlParam::Text(s.to_string())))
                    .collect();
                self.in_list(e, items);
            }
            Test::Pattern(p) => self.pattern(e, p),
            Test::StrCmp(op, lit) => self.str_cmp(e, *op, lit, st != Storage::ByteText),
            Test::StrRange(lo, hi) => {
                let collate = st != Storage::ByteText;
                self.s("(");
                self.str_cmp(e, CmpOp::Ge, lo, collate);
                self.s(" AND ");
                self.str_cmp(e, CmpOp::Le, hi, collate);
                self.s(")");
            }
            Test::I64Range(lo, hi) => {
                if lo > hi {
                    self.s("1 = 0");
                } else if lo == hi {
                    self.binary(e, "=", st.int(*lo));
                } else {
                    let parts: Vec<(&str, Arg)> = [
                        (*lo != i64::MIN).then(|| (">=", st.int(*lo))),
                        (*hi != i64::MAX).then(|| ("<=", st.int(*hi))),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    self.range(e, parts);
                }
            }
            Test::I64In(v) => self.in_list(e, v.iter().map(|x| st.int(*x)).collect()),
            Test::F64Range(r) => self.f64_range(st, e, r),
            Test::F64In(v) => self.in_list(e, v.iter().map(|x| st.float(*x)).collect()),
            Test::Bool { t, f } => match (t, f) {
                (true, true) => {
                    self.expr(e);
                    self.s(" IS NOT NULL");
                }
                (true, false) | (false, true) => {
                    self.binary(e, "=", Arg::plain(SqlParam::Bool(*t)));
                }
                (false, false) => self.s("1 = 0"),
            },
        }
    }

    pub(super) fn binary(&mut self, e: Expr<'_>, op: &str, a: Arg) {
        self.expr(e);
        self.s(" ");
        self.s(op);
        self.s(" ");
        self.arg(a);
    }

    fn in_list(&mut self, e: Expr<'_>, items: Vec<Arg>) {
        if items.len() == 1 {
            if let Some(a) = items.into_iter().next() {
                self.binary(e, "=", a);
            }
            return;
        }
        self.expr(e);
        self.s(" IN (");
        for (i, a) in items.into_iter().enumerate() {
            if i > 0 {
                self.s(", ");
            }
            self.arg(a);
        }
        self.s(")");
    }

    pub(super) fn range(&mut self, e: Expr<'_>, parts: Vec<(&str, Arg)>) {
        match parts.len() {
            0 => {
                self.expr(e);
                self.s(" IS NOT NULL");
            }
            1 => {
                for (op, a) in parts {
                    self.binary(e, op, a);
                }
            }
            _ => {
                self.s("(");
                for (i, (op, a)) in parts.into_iter().enumerate() {
                    if i > 0 {
                        self.s(" AND ");
                    }
                    self.binary(e, op, a);
                }
                self.s(")");
            }
        }
    }

    fn f64_range(&mut self, st: Storage, e: Expr<'_>, r: &F64Range) {
        if r.lo > r.hi || (r.lo == r.hi && !(r.lo_incl && r.hi_incl)) {
            self.s("1 = 0");
            return;
        }
        if r.lo == r.hi {
            self.binary(e, "=", st.float(r.lo));
            return;
        }
        let mut parts = Vec::new();
        if r.lo.is_finite() {
            parts.push((if r.lo_incl { ">=" } else { ">" }, st.float(r.lo)));
        }
        if r.hi.is_finite() {
            parts.push((if r.hi_incl { "<=" } else { "<" }, st.float(r.hi)));
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
}

/// Segments joined with `%`, with `%`, `_` and `\` escaped by `\`.
fn like_pattern(segments: &[Box<str>]) -> String {
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
fn glob_pattern(segments: &[Box<str>]) -> String {
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
