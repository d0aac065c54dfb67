//! Regular expressions for "a decimal string whose exact value is
//! `<` / `<=` / `>` / `>=` a constant", so that MongoDB's plain query
//! language (`$regex`) compares `numeric_strings` values exactly, without
//! `$expr`, `$toDouble` or any float.
//!
//! The constant `c` is taken in normal form ([`DecimalRef`]: sign, integer
//! digits `I` without leading zeros, fraction digits `F` without trailing
//! zeros). A matching value `u` (unsigned part of the string) is split into
//! leading zeros, the significant integer digits `J` and the fraction `f`.
//! For `|u| > |c|` the pattern is the union of
//!
//! 1. a longer integer part: `0*[1-9][0-9]{n,}` with `n = |I|`;
//! 2. an integer part of the same length that is greater at the first digit
//!    that differs: `0*` then `I[..i]`, a digit above `I[i]`, any `n-i-1` digits;
//! 3. the integer part `I` (any leading zeros) and a greater fraction: `f`
//!    greater than `F` at the first digit that differs, or `F` followed by
//!    digits that are not all zeros;
//!
//! and `<`, `<=`, `>=` are built the same way (shorter integer part; smaller
//! digit; a fraction that stops inside `F`; equality as `F` followed by
//! zeros). The sign picks which magnitude test applies: for a negative `c`,
//! `x > c` is "non-negative (including `-0`), or `-` and `|x| < |c|`".
//!
//! The "first digit that differs" alternatives nest (`(?:[5-9]…|4(?:…))`),
//! which keeps the pattern linear in the number of digits; the nesting is cut
//! into chunks of [`NEST`] digits (each chunk repeats the digits before it),
//! so no pattern nests deeper than PCRE2's default limit of 250 groups or
//! Python's recursion limit. Every pattern is anchored (`\A…\z`) and holds
//! digits, `.` and regex syntax only.

use crate::filter::CmpOp;
use crate::schema::decimal::DecimalRef;

/// The decimal grammar `-?[0-9]+(\.[0-9]+)?`, anchored.
pub(super) const GRAMMAR: &str = r"\A-?[0-9]+(?:\.[0-9]+)?\z";

/// Any unsigned decimal.
const UNSIGNED: &str = r"[0-9]+(?:\.[0-9]+)?";

/// An unsigned decimal equal to zero.
const ZERO: &str = r"0+(?:\.0+)?";

/// Any fraction, or none.
const ANY_FRACTION: &str = r"(?:\.[0-9]+)?";

/// The deepest run of nested groups a pattern uses for one digit string.
pub(super) const NEST: usize = 64;

/// The anchored pattern matching exactly the decimal strings `s` for which
/// `s op c` holds (compared by exact value); `None` when no decimal does
/// (which never happens: larger, smaller and equal values always exist, but
/// the caller does not rely on it).
pub(super) fn decimal_regex(op: CmpOp, c: DecimalRef<'_>) -> Option<String> {
    let (i, f) = (c.int_digits(), c.frac_digits());
    let unsigned = || Some(UNSIGNED.to_owned());
    let negative = |body: Option<String>| body.map(|b| format!("-{b}"));
    let body = match (op, c.sign()) {
        (CmpOp::Gt, 1) => magnitude(CmpOp::Gt, i, f),
        (CmpOp::Gt, 0) => magnitude(CmpOp::Gt, "", ""),
        (CmpOp::Gt, _) => alt([unsigned(), negative(magnitude(CmpOp::Lt, i, f))]),
        (CmpOp::Ge, 1) => magnitude(CmpOp::Ge, i, f),
        (CmpOp::Ge, 0) => alt([unsigned(), negative(Some(ZERO.to_owned()))]),
        (CmpOp::Ge, _) => alt([unsigned(), negative(magnitude(CmpOp::Le, i, f))]),
        (CmpOp::Lt, 1) => alt([negative(unsigned()), magnitude(CmpOp::Lt, i, f)]),
        (CmpOp::Lt, 0) => negative(magnitude(CmpOp::Gt, "", "")),
        (CmpOp::Lt, _) => negative(magnitude(CmpOp::Gt, i, f)),
        (CmpOp::Le, 1) => alt([negative(unsigned()), magnitude(CmpOp::Le, i, f)]),
        (CmpOp::Le, 0) => alt([negative(unsigned()), Some(ZERO.to_owned())]),
        (CmpOp::Le, _) => negative(magnitude(CmpOp::Ge, i, f)),
    }?;
    Some(format!(r"\A{body}\z"))
}

/// Unsigned decimals `u` with `|u| op (I, F)`; `None` when there are none
/// (only `< 0`).
fn magnitude(op: CmpOp, int: &str, frac: &str) -> Option<String> {
    let n = int.len();
    // The integer part equal to `I`, leading zeros allowed.
    let same_int = if n == 0 {
        "0+".to_owned()
    } else {
        format!("0*{int}")
    };
    let (side, other) = match op {
        CmpOp::Gt | CmpOp::Ge => (
            Side::Above,
            // A longer integer part.
            Some(if n == 0 {
                format!("0*[1-9][0-9]*{ANY_FRACTION}")
            } else {
                format!("0*[1-9][0-9]{{{n},}}{ANY_FRACTION}")
            }),
        ),
        CmpOp::Lt | CmpOp::Le => (
            Side::Below,
            // A shorter integer part (zero included).
            match n {
                0 => None,
                1 => Some(format!("0+{ANY_FRACTION}")),
                _ => Some(format!("0*[0-9]{{1,{}}}{ANY_FRACTION}", n - 1)),
            },
        ),
    };
    alt([
        other,
        same_length(int, side).map(|d| format!("0*{d}{ANY_FRACTION}")),
        fraction(op, frac).map(|f| format!("{same_int}{f}")),
    ])
}

/// Which way a digit string differs from the constant's.
#[derive(Clone, Copy)]
enum Side {
    Above,
    Below,
}

/// The class of digits strictly above / below `d`, or `None` when there is none.
fn digits_beyond(d: u8, side: Side) -> Option<String> {
    let d = d - b'0';
    match side {
        Side::Above => match d {
            9 => None,
            8 => Some("9".to_owned()),
            _ => Some(format!("[{}-9]", d + 1)),
        },
        Side::Below => match d {
            0 => None,
            1 => Some("0".to_owned()),
            _ => Some(format!("[0-{}]", d - 1)),
        },
    }
}

/// `k` digits.
fn any_digits(k: usize) -> String {
    match k {
        0 => String::new(),
        1 => "[0-9]".to_owned(),
        _ => format!("[0-9]{{{k}}}"),
    }
}

/// Digit strings as long as `int` that are above / below it (first
/// difference decides); `None` when there are none (`int` all nines / zeros,
/// or empty).
fn same_length(int: &str, side: Side) -> Option<String> {
    let n = int.len();
    let b = int.as_bytes();
    chain(int, |i| {
        (i < n)
            .then(|| digits_beyond(b[i], side).map(|c| format!("{c}{}", any_digits(n - i - 1))))
            .flatten()
    })
}

/// The fraction part of an unsigned decimal whose integer part equals the
/// constant's, for `fraction op 0.F`: the `\.digits` suffix (or its absence).
fn fraction(op: CmpOp, frac: &str) -> Option<String> {
    let m = frac.len();
    let b = frac.as_bytes();
    // After `F[..i]`: a digit above / below `F[i]`, then anything.
    let beyond = |i: usize, side: Side| digits_beyond(b[i], side).map(|c| format!("{c}[0-9]*"));
    match op {
        CmpOp::Ge if m == 0 => Some(ANY_FRACTION.to_owned()),
        CmpOp::Lt if m == 0 => None,
        CmpOp::Le if m == 0 => Some(r"(?:\.0+)?".to_owned()),
        CmpOp::Gt | CmpOp::Ge => {
            // `F` itself then digits not all zero (`>`) or anything (`>=`).
            let tail = if op == CmpOp::Gt {
                "[0-9]*[1-9][0-9]*"
            } else {
                "[0-9]*"
            };
            chain(frac, |i| {
                if i == m {
                    Some(tail.to_owned())
                } else {
                    beyond(i, Side::Above)
                }
            })
            .map(|r| format!(r"\.{r}"))
        }
        CmpOp::Lt | CmpOp::Le => {
            // No fraction, or one that stops inside `F` (after at least one
            // digit), or is smaller at the first difference; `<=` also takes
            // `F` followed by zeros.
            let digits = chain(frac, |i| {
                let stop = (i >= 1 && i < m).then(String::new);
                let here = if i == m {
                    (op == CmpOp::Le).then(|| "0*".to_owned())
                } else {
                    beyond(i, Side::Below)
                };
                alt([stop, here])
            });
            alt([Some(String::new()), digits.map(|r| format!(r"\.{r}"))])
        }
    }
}

/// The union over `i` in `0..=s.len()` of `s[..i]` followed by `at(i)`,
/// written with nested groups (`(?:X0|s0(?:X1|s1(?:…)))`) in chunks of at
/// most [`NEST`] positions; `None` when every `at(i)` is `None`.
fn chain(s: &str, at: impl Fn(usize) -> Option<String>) -> Option<String> {
    let m = s.len();
    let mut chunks = Vec::new();
    let mut lo = 0;
    while lo <= m {
        let hi = (lo + NEST).min(m + 1);
        let mut inner: Option<String> = None;
        for j in (lo..hi).rev() {
            // Nothing deeper at the chunk's last position (`inner` is None).
            let deeper = inner.map(|r| format!("{}{r}", &s[j..=j]));
            inner = alt([at(j), deeper]);
        }
        if let Some(r) = inner {
            chunks.push(Some(format!("{}{r}", &s[..lo])));
        }
        lo = hi;
    }
    alt(chunks)
}

/// The alternation of the present branches, grouped when there are two or
/// more (so the result can be concatenated); `None` when there are none.
fn alt(branches: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    let v: Vec<String> = branches.into_iter().flatten().collect();
    match v.len() {
        0 => None,
        1 => v.into_iter().next(),
        _ => Some(format!("(?:{})", v.join("|"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::{Regex, RegexBuilder};
    use std::cmp::Ordering;

    const OPS: [CmpOp; 4] = [CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];

    fn d(s: &str) -> DecimalRef<'_> {
        DecimalRef::parse(s).unwrap_or_else(|| panic!("{s} is a decimal"))
    }

    /// The pattern compiled by the `regex` crate, whose syntax for what the
    /// patterns use (`\A`, `\z`, `(?:…)`, classes, counted repetition) is
    /// PCRE's.
    fn compiled(op: CmpOp, c: &str) -> Regex {
        let pattern = decimal_regex(op, d(c)).unwrap_or_else(|| panic!("{op:?} {c}: empty"));
        RegexBuilder::new(&pattern)
            .unicode(false)
            .nest_limit(2_000)
            .size_limit(1 << 30)
            .build()
            .unwrap_or_else(|e| panic!("{op:?} {c}: {e}"))
    }

    /// The four patterns for `c`, in the order of [`OPS`].
    fn all(c: &str) -> Vec<Regex> {
        OPS.iter().map(|&op| compiled(op, c)).collect()
    }

    /// Deepest group nesting of a pattern.
    fn depth(pattern: &str) -> usize {
        let (mut now, mut max, mut escaped) = (0usize, 0usize, false);
        for ch in pattern.chars() {
            match (escaped, ch) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '(') => {
                    now += 1;
                    max = max.max(now);
                }
                (false, ')') => now = now.saturating_sub(1),
                _ => {}
            }
        }
        max
    }

    /// Every value against every constant, each pattern compiled once.
    #[track_caller]
    fn check_all(values: &[String]) {
        for c in values {
            let patterns = all(c);
            for s in values {
                let want = d(s).cmp(d(c));
                for (op, re) in OPS.iter().zip(&patterns) {
                    assert_eq!(
                        re.is_match(s),
                        op.holds(want),
                        "{s} {op:?} {c} (exact order: {want:?})"
                    );
                }
            }
        }
    }

    #[test]
    fn fixed_cases() {
        let values = [
            "0",
            "-0",
            "00",
            "-0.000",
            "0.0",
            "1",
            "-1",
            "0.75",
            "0.750",
            "00.75",
            "0.7500001",
            "0.7499999",
            "0.8",
            "0.7",
            "0.75000000000000000001",
            "10",
            "9.999",
            "-10",
            "-9.999",
            "0.05",
            "0.5",
            "-0.05",
            "100",
            "099",
            "1000.0",
            "999",
            "5",
            "0.1",
            "0.10000000000000001",
            "-0.75",
            "-0.76",
            "-0.7",
        ];
        check_all(&values.map(str::to_owned));
    }

    #[test]
    fn beyond_the_double_range() {
        let nines = "9".repeat(400);
        let big = format!("1{}", "0".repeat(400));
        let tiny = format!("0.{}1", "0".repeat(400));
        let values = [
            nines.clone(),
            format!("-{nines}"),
            format!("{nines}.5"),
            format!("000{nines}"),
            big.clone(),
            format!("-{big}"),
            tiny.clone(),
            format!("-{tiny}"),
            format!("{tiny}0000"),
            "179769313486231570000".to_owned(),
            format!("17976931348623157{}", "0".repeat(292)),
            format!("17976931348623157{}1", "0".repeat(292)),
            "5".to_owned(),
            "0".to_owned(),
            "-5".to_owned(),
        ];
        check_all(&values);
        // `metadata.score=gt=<400 nines>`: 5 does not match, a longer value does.
        let gt = compiled(CmpOp::Gt, &nines);
        assert!(!gt.is_match("5"));
        assert!(gt.is_match(&big));
        assert!(!gt.is_match(&nines));
    }

    #[test]
    fn nesting_is_bounded_and_size_linear_in_short_constants() {
        let long: String = (0..1_000)
            .map(|i| char::from(b'0' + (i * 7 % 10) as u8))
            .collect();
        let c = format!("{long}.{long}1");
        for op in OPS {
            let p = decimal_regex(op, d(&c)).unwrap_or_default();
            assert!(depth(&p) <= NEST + 4, "{op:?}: depth {}", depth(&p));
        }
        for op in OPS {
            let p = decimal_regex(op, d("0.75")).unwrap_or_default();
            assert!(p.len() < 200, "{p}");
            assert!(p.starts_with(r"\A") && p.ends_with(r"\z"), "{p}");
        }
        assert_eq!(
            decimal_regex(CmpOp::Gt, d("0.75")).as_deref(),
            Some(
                r"\A(?:0*[1-9][0-9]*(?:\.[0-9]+)?|0+\.(?:[8-9][0-9]*|7(?:[6-9][0-9]*|5[0-9]*[1-9][0-9]*)))\z"
            )
        );
    }

    /// MongoDB rejects patterns over 16 KiB: literals of up to 600
    /// significant digits (integer, fraction or both) stay within it.
    #[test]
    fn patterns_fit_mongodbs_limit_up_to_600_digits() {
        let digits = |n: usize| -> String {
            (0..n)
                .map(|i| char::from(b'1' + ((i * 7 + i / 3) % 9) as u8))
                .collect()
        };
        let constants = [
            digits(600),
            format!("0.{}", digits(600)),
            format!("{}.{}", digits(300), digits(300)),
            format!("-{}", digits(600)),
        ];
        for c in &constants {
            for op in OPS {
                let p = decimal_regex(op, d(c)).unwrap_or_default();
                assert!(
                    p.len() < 16_384,
                    "{op:?} on {} digits: {} bytes",
                    c.len(),
                    p.len()
                );
            }
        }
    }

    /// A constant and values that often share a prefix with it (so the
    /// first-difference and equal-up-to-zeros cases are exercised), with
    /// leading and trailing zeros, signs, and integer or fraction parts of
    /// about 400 digits.
    fn family() -> impl Strategy<Value = (String, Vec<String>)> {
        let side = || {
            (
                prop_oneof![Just(""), Just("-")],
                0usize..3,
                "[0-9]{0,3}",
                "[0-9]{0,3}",
                0usize..3,
            )
        };
        let shared_int = prop_oneof![
            30 => "[0-9]{0,6}",
            1 => "[1-9][0-9]{395,405}",
            1 => "9{390,410}",
        ];
        let shared_frac = prop_oneof![30 => "[0-9]{0,6}", 1 => "[0-9]{300,410}"];
        (
            shared_int,
            shared_frac,
            side(),
            proptest::collection::vec(side(), 8),
        )
            .prop_map(|(int, frac, c, values)| {
                let make = |(sign, zeros, int_tail, frac_tail, trailing): (
                    &str,
                    usize,
                    String,
                    String,
                    usize,
                )| {
                    let mut i = format!("{}{int}{int_tail}", "0".repeat(zeros));
                    if i.is_empty() {
                        i.push('0');
                    }
                    let f = format!("{frac}{frac_tail}{}", "0".repeat(trailing));
                    if f.is_empty() {
                        format!("{sign}{i}")
                    } else {
                        format!("{sign}{i}.{f}")
                    }
                };
                let c = make(c);
                let mut values: Vec<String> = values.into_iter().map(make).collect();
                // `c` itself, and `c` with zeros added (an equal value).
                values.push(if c.contains('.') {
                    format!("{c}00")
                } else {
                    format!("{c}.00")
                });
                values.push(c.clone());
                (c, values)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// The pattern for `op c` matches a decimal `s` exactly when
        /// `DecimalRef::cmp` says `s op c` (2 000 constants, 10 values each).
        #[test]
        fn agrees_with_exact_order((c, values) in family()) {
            let patterns = all(&c);
            for s in &values {
                let want = d(s).cmp(d(&c));
                for (op, re) in OPS.iter().zip(&patterns) {
                    prop_assert_eq!(re.is_match(s), op.holds(want), "{} {:?} {}", s, op, c);
                }
            }
            let equal = &values[values.len() - 2];
            prop_assert_eq!(d(equal).cmp(d(&c)), Ordering::Equal);
        }

        /// Strings outside the grammar never match.
        #[test]
        fn only_decimals_match(c in "-?[0-9]{1,5}(\\.[0-9]{1,5})?", values in proptest::collection::vec("[-0-9.eE+ a]{0,8}", 16)) {
            let patterns = all(&c);
            for s in values.iter().filter(|s| DecimalRef::parse(s).is_none()) {
                for (op, re) in OPS.iter().zip(&patterns) {
                    prop_assert!(!re.is_match(s), "{} {:?} {}", s, op, c);
                }
            }
        }
    }
}
