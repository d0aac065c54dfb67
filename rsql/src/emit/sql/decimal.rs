//! Ordering on [`numeric_strings`](crate::Field::numeric_strings) fields:
//! an exact decimal comparison in SQL, with no cast to a float.
//!
//! When the stored text `e` and the literal are both decimals
//! (`-?[0-9]+(\.[0-9]+)?`, any length), they compare by value, as
//! `DecimalRef::cmp` does: by sign, then by the
//! magnitude `(length(int), int, frac)` where `int` is the integer part
//! without leading zeros and `frac` the fraction without trailing zeros,
//! compared as a row value (text in byte order). The literal's sign chooses
//! the shape of the condition; its normal form is bound as three parameters
//! (the integer digits' count, the integer digits, the fraction digits).
//! Otherwise the two compare as text, by bytes.
//!
//! ```text
//! CASE WHEN <e is a decimal> THEN <exact> ELSE e COLLATE "C" <op> $t END
//! ```
//!
//! Only string functions are used (`substr`, `ltrim`, `rtrim`, `length`,
//! PostgreSQL `split_part`, SQLite `instr`), so no stored value (20 000
//! digits, `-0`, `007.10`) can make the query fail.

use super::{Expr, SqlParam, Writer};
use crate::filter::{CmpOp, Lit};
use crate::schema::decimal::DecimalRef;

/// The operator with its sides swapped: `a < b` ⇔ `b > a`.
fn reversed(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
    }
}

impl Writer<'_> {
    /// `collate`: add `COLLATE "C"` to the text comparison on PostgreSQL
    /// (not needed for a [`SqlType::ByteText`](crate::SqlType::ByteText) column).
    pub(super) fn str_cmp(&mut self, e: Expr<'_>, op: CmpOp, lit: &Lit, collate: bool) {
        let Some(num) = lit.num.as_ref() else {
            self.text_cmp(e, op, lit, collate);
            return;
        };
        self.s("CASE WHEN ");
        self.is_decimal(e);
        self.s(" THEN ");
        self.exact(e, op, num.as_ref());
        self.s(" ELSE ");
        self.text_cmp(e, op, lit, collate);
        self.s(" END");
    }

    fn text_cmp(&mut self, e: Expr<'_>, op: CmpOp, lit: &Lit, collate: bool) {
        self.expr(e);
        if self.pg() && collate {
            self.s(" COLLATE \"C\"");
        }
        self.s(" ");
        self.s(op.sql());
        self.s(" ");
        self.param(SqlParam::Text(lit.text.to_string()));
    }

    /// `e op lit` for a decimal `e`.
    fn exact(&mut self, e: Expr<'_>, op: CmpOp, lit: DecimalRef<'_>) {
        let below = matches!(op, CmpOp::Lt | CmpOp::Le);
        self.s("(");
        match lit.sign() {
            0 => {
                // `e op 0` is the sign of `e`: negative = a `-` and a digit
                // other than zero, zero = only `-`, `.` and `0`.
                self.negative_sign(e, below);
                self.s(if matches!(op, CmpOp::Gt | CmpOp::Lt) {
                    " AND "
                } else {
                    " OR "
                });
                self.s("ltrim(");
                self.expr(e);
                self.s(if matches!(op, CmpOp::Gt | CmpOp::Lt) {
                    ", '-.0') <> ''"
                } else {
                    ", '-.0') = ''"
                });
            }
            1 => {
                // A positive literal: every `-…` value (`-0` included) is
                // below it; other values compare by magnitude.
                self.negative_sign(e, below);
                self.s(if below { " OR " } else { " AND " });
                self.magnitude(e, op, lit);
            }
            _ => {
                // A negative literal: every value without `-` is above it;
                // `-x` compares as `x` with the operator reversed (`-0`
                // has magnitude 0, below every negative literal's).
                self.negative_sign(e, below);
                self.s(if below { " AND " } else { " OR " });
                self.magnitude(e, reversed(op), lit);
            }
        }
        self.s(")");
    }

    /// `e` starts with `-` (`minus`), or does not (`!minus`).
    fn negative_sign(&mut self, e: Expr<'_>, minus: bool) {
        self.s("substr(");
        self.expr(e);
        self.s(if minus {
            ", 1, 1) = '-'"
        } else {
            ", 1, 1) <> '-'"
        });
    }

    /// `|e| op |lit|` as a row comparison of the normal forms.
    fn magnitude(&mut self, e: Expr<'_>, op: CmpOp, lit: DecimalRef<'_>) {
        let collate = if self.pg() { " COLLATE \"C\"" } else { "" };
        self.s("(length(");
        self.int_digits(e);
        self.s("), ");
        self.int_digits(e);
        self.s(collate);
        self.s(", ");
        self.frac_digits(e);
        self.s(collate);
        self.s(") ");
        self.s(op.sql());
        self.s(" (");
        let int = lit.int_digits();
        self.param(SqlParam::Int(i64::try_from(int.len()).unwrap_or(i64::MAX)));
        self.s(", ");
        self.param(SqlParam::Text(int.to_owned()));
        self.s(", ");
        self.param(SqlParam::Text(lit.frac_digits().to_owned()));
        self.s(")");
    }

    /// The digits before the point of `|e|`, without leading zeros.
    fn int_digits(&mut self, e: Expr<'_>) {
        if self.pg() {
            self.s("ltrim(split_part(ltrim(");
            self.expr(e);
            self.s(", '-'), '.', 1), '0')");
        } else {
            self.s("ltrim(substr(ltrim(");
            self.expr(e);
            self.s(", '-'), 1, instr(ltrim(");
            self.expr(e);
            self.s(", '-') || '.', '.') - 1), '0')");
        }
    }

    /// The digits after the point of `e`, without trailing zeros.
    fn frac_digits(&mut self, e: Expr<'_>) {
        if self.pg() {
            self.s("rtrim(split_part(");
            self.expr(e);
            self.s(", '.', 2), '0')");
        } else {
            self.s("rtrim(substr(");
            self.expr(e);
            self.s(", instr(");
            self.expr(e);
            self.s(" || '.', '.') + 1), '0')");
        }
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
