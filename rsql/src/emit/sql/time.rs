//! Millisecond tests on `timestamptz` / `timestamp` values.
//!
//! rsql instants are epoch milliseconds; such a column may hold
//! microseconds. A value is compared as its instant truncated to the
//! millisecond (towards the past, what a record reports), so "the value's
//! millisecond is in `[lo, hi]`" is the half-open range
//! `col >= lo AND col < hi + 1 ms`, which a btree index on the column serves.

use super::{Arg, Expr, SqlParam, Writer};

impl Writer<'_> {
    fn instant(tz: bool, ms: i64) -> Arg {
        Arg::plain(if tz {
            SqlParam::TimestampTz(ms)
        } else {
            SqlParam::Timestamp(ms)
        })
    }

    /// The value's millisecond lies in `[lo, hi]`.
    pub(super) fn instant_range(&mut self, e: Expr<'_>, tz: bool, lo: i64, hi: i64) {
        if lo > hi {
            self.s("1 = 0");
            return;
        }
        let mut parts = Vec::new();
        if lo != i64::MIN {
            parts.push((">=", Self::instant(tz, lo)));
        }
        if hi != i64::MAX {
            parts.push(("<", Self::instant(tz, hi + 1)));
        }
        self.range(e, parts);
    }

    /// The value's millisecond is one of `v` (sorted, deduplicated): an OR
    /// of one-millisecond ranges.
    pub(super) fn instant_in(&mut self, e: Expr<'_>, tz: bool, v: &[i64]) {
        match v {
            [] => self.s("1 = 0"),
            [x] => self.instant_range(e, tz, *x, *x),
            _ => {
                self.s("(");
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        self.s(" OR ");
                    }
                    self.instant_range(e, tz, *x, *x);
                }
                self.s(")");
            }
        }
    }
}
