//! [`Decimal`]: exact comparison of decimal strings, for string fields
//! declared with [`Field::numeric_strings`](crate::Field::numeric_strings).
//!
//! A decimal is `-?[0-9]+(\.[0-9]+)?`: no exponent, no `+`, any length.
//! Two decimals compare by their exact values, never through a float: there
//! is no precision loss (`0.1` < `0.10000000000000001`), no range
//! (a 400-digit value is larger than `1e308`, not infinite or `null`), and
//! no value can make a comparison fail. The SQL emitter compares the same
//! normalised parts (sign, integer digits, fraction digits) with string
//! functions and the MongoDB emitter with regular expressions, so every
//! backend gives the evaluator's answer.
//!
//! Normal form: the integer part without leading zeros (empty for zero),
//! the fraction without trailing zeros, and zero never negative
//! (`-0.00` = `0`).

use std::cmp::Ordering;

/// A decimal literal in normal form (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decimal {
    neg: bool,
    int: Box<str>,
    frac: Box<str>,
}

/// A borrowed decimal in normal form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DecimalRef<'a> {
    neg: bool,
    int: &'a str,
    frac: &'a str,
}

impl<'a> DecimalRef<'a> {
    /// `s` in normal form, or `None` when it is not a decimal.
    #[inline]
    pub(crate) fn parse(s: &'a str) -> Option<DecimalRef<'a>> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let b = body.as_bytes();
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if int_len == 0 {
            return None;
        }
        let frac = match &b[int_len..] {
            [] => "",
            [b'.', rest @ ..] if !rest.is_empty() && rest.iter().all(u8::is_ascii_digit) => {
                &body[int_len + 1..]
            }
            _ => return None,
        };
        let int = body[..int_len].trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let zero = int.is_empty() && frac.is_empty();
        Some(DecimalRef {
            neg: neg && !zero,
            int,
            frac,
        })
    }

    /// `-1`, `0` or `1`.
    pub(crate) fn sign(self) -> i8 {
        if self.int.is_empty() && self.frac.is_empty() {
            0
        } else if self.neg {
            -1
        } else {
            1
        }
    }

    /// The digits before the point, without leading zeros (empty for `|x| < 1`).
    #[cfg_attr(not(feature = "mongo"), allow(dead_code))] // read by the Mongo emitter
    pub(crate) fn int_digits(self) -> &'a str {
        self.int
    }

    /// The digits after the point, without trailing zeros.
    #[cfg_attr(not(feature = "mongo"), allow(dead_code))] // read by the Mongo emitter
    pub(crate) fn frac_digits(self) -> &'a str {
        self.frac
    }

    /// Exact numeric order.
    #[inline]
    pub(crate) fn cmp(self, other: DecimalRef<'_>) -> Ordering {
        let (a, b) = (self.sign(), other.sign());
        if a != b {
            return a.cmp(&b);
        }
        // `|x|` by the length of the integer part, then its digits, then the
        // fraction's digits (byte order works for normalised fractions:
        // `5` < `51`, `5` > `49`).
        let magnitude = self
            .int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(other.int))
            .then_with(|| self.frac.cmp(other.frac));
        if a < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl Decimal {
    /// `s` as a decimal, or `None` when it is not one.
    pub(crate) fn parse(s: &str) -> Option<Decimal> {
        let d = DecimalRef::parse(s)?;
        Some(Decimal {
            neg: d.neg,
            int: Box::from(d.int),
            frac: Box::from(d.frac),
        })
    }

    /// The borrowed form, for comparisons and the emitters.
    #[inline]
    pub(crate) fn as_ref(&self) -> DecimalRef<'_> {
        DecimalRef {
            neg: self.neg,
            int: &self.int,
            frac: &self.frac,
        }
    }

    /// How the decimal string `s` compares with this value; `None` when `s`
    /// is not a decimal.
    #[inline]
    pub(crate) fn cmp_text(&self, s: &str) -> Option<Ordering> {
        Some(DecimalRef::parse(s)?.cmp(self.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> DecimalRef<'_> {
        DecimalRef::parse(s).unwrap_or_else(|| panic!("{s} is a decimal"))
    }

    #[test]
    fn grammar() {
        for yes in ["0", "12", "-3", "0.75", "-0.5", "007.10", "-0", "-0.000"] {
            assert!(DecimalRef::parse(yes).is_some(), "{yes}");
        }
        for no in [
            "", "-", ".5", "5.", "1e3", "+1", "1.2.3", "1-2", " 1", "inf", "NaN", "١", "--1",
            "1.-2",
        ] {
            assert!(DecimalRef::parse(no).is_none(), "{no}");
        }
    }

    #[test]
    fn normal_form() {
        let x = d("-007.1200");
        assert_eq!((x.sign(), x.int_digits(), x.frac_digits()), (-1, "7", "12"));
        let z = d("-0.000");
        assert_eq!((z.sign(), z.int_digits(), z.frac_digits()), (0, "", ""));
        let f = d("0.05");
        assert_eq!((f.sign(), f.int_digits(), f.frac_digits()), (1, "", "05"));
    }

    #[test]
    fn exact_order() {
        use Ordering::*;
        let cases = [
            ("0.1", "0.10000000000000001", Less),
            ("-0", "0.0", Equal),
            ("10", "9.999", Greater),
            ("-10", "-9.999", Less),
            ("0.5", "0.49", Greater),
            ("0.5", "0.51", Less),
            ("-0.5", "0", Less),
            ("007", "7.000", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(d(a).cmp(d(b)), want, "{a} vs {b}");
        }
        let huge = "9".repeat(400);
        assert_eq!(d(&huge).cmp(d("179769313486231570000")), Greater);
        let tiny = format!("0.{}1", "0".repeat(400));
        assert_eq!(d(&tiny).cmp(d("0")), Greater);
        assert_eq!(d(&format!("-{tiny}")).cmp(d("0")), Less);
    }

    proptest! {
        /// Agrees with `f64` wherever both sides are short enough to be exact in a double.
        #[test]
        fn agrees_with_f64_on_short_values(a in -99_999i64..99_999, b in -99_999i64..99_999, sa in 0u32..4, sb in 0u32..4) {
            let fa = a as f64 / 10f64.powi(sa as i32);
            let fb = b as f64 / 10f64.powi(sb as i32);
            let ta = format!("{fa:.*}", sa as usize);
            let tb = format!("{fb:.*}", sb as usize);
            let want = ta.parse::<f64>().unwrap_or(0.0).partial_cmp(&tb.parse::<f64>().unwrap_or(0.0));
            prop_assert_eq!(Some(d(&ta).cmp(d(&tb))), want, "{} vs {}", ta, tb);
        }

        /// Antisymmetric, and consistent with `Decimal::cmp_text`.
        #[test]
        fn antisymmetric(a in "-?[0-9]{1,30}(\\.[0-9]{1,30})?", b in "-?[0-9]{1,30}(\\.[0-9]{1,30})?") {
            prop_assert_eq!(d(&a).cmp(d(&b)), d(&b).cmp(d(&a)).reverse());
            let lit = Decimal::parse(&b).unwrap_or_else(|| panic!("{b}"));
            prop_assert_eq!(lit.cmp_text(&a), Some(d(&a).cmp(d(&b))));
        }
    }
}
