//! An independent reading of `api.md` §2.2 for one comparison on the fields
//! where issue 14 found the evaluator and both emitters agreeing with each
//! other and not with the spec: `conversation.startTime` / `endTime` (a
//! literal is an exact instant, finer than the stored millisecond too; a
//! missing `endTime` matches no comparison, negations included) and ordering
//! of `metadata.<key>` (numerically when both sides are decimals
//! `-?[0-9]+(\.[0-9]+)?` of any length, else by bytes; a missing key matches
//! the negations only).
//!
//! A differential test against `Filter::matches` alone cannot see such a
//! bug, so the fixed cases these rules cover also compare `matches` with
//! [`verdicts`]. Written without rsql's compiler: only the parser's syntax
//! tree is used, and instants are compared in nanoseconds.

use chrono::{DateTime, NaiveDate};
use rsql::Ast;
use std::cmp::Ordering;
use store::Conversation;

/// The verdict of `api.md` for each row (`None`: the spec leaves that row to
/// the implementation, e.g. a stored number beyond the double range), or
/// `None` for a filter outside what this reference covers.
pub(crate) fn verdicts(text: &str, rows: &[Conversation]) -> Option<Vec<Option<bool>>> {
    let ast = super::parser().parse(text).ok()?;
    let Ast::Cmp(cmp) = ast else {
        return None;
    };
    let op = cmp.op.as_str().to_owned();
    let args: Vec<&str> = cmp.args.iter().map(|v| v.as_str()).collect();
    if cmp.args.iter().any(rsql::Value::is_wildcard) {
        return None;
    }
    let selector = cmp.selector.as_str();
    match selector {
        "conversation.startTime" | "conversation.endTime" => {
            let end = selector.ends_with("endTime");
            let check: Box<dyn Fn(Option<i64>) -> bool> = match presence_test(&op, &args) {
                Some(missing) => Box::new(move |v| v.is_none() == missing),
                None => {
                    let lits = args
                        .iter()
                        .map(|a| instant(a))
                        .collect::<Option<Vec<i128>>>()?;
                    time_test(&op, 0, &lits)?;
                    // A missing endTime matches no comparison on it, negations included.
                    Box::new(move |v| {
                        v.is_some_and(|ms| {
                            time_test(&op, i128::from(ms) * 1_000_000, &lits) == Some(true)
                        })
                    })
                }
            };
            Some(
                rows.iter()
                    .map(|c| Some(check(if end { c.end_time } else { Some(c.start_time) })))
                    .collect(),
            )
        }
        _ => {
            let key = selector
                .strip_prefix("conversation.metadata.")
                .or_else(|| selector.strip_prefix("metadata."))?;
            let presence = presence_test(&op, &args);
            let supported = matches!(
                (op.as_str(), args.len()),
                ("==" | "!=" | "=lt=" | "=le=" | "=gt=" | "=ge=", 1)
                    | ("=bt=" | "=nb=", 2)
                    | ("=in=" | "=out=", _)
            );
            if presence.is_none() && !supported {
                return None;
            }
            Some(
                rows.iter()
                    .map(|c| {
                        let value = c.metadata.get(key);
                        if let Some(want_missing) = presence {
                            return Some(value.is_none() == want_missing);
                        }
                        meta_test(&op, value, &args)
                    })
                    .collect(),
            )
        }
    }
}

/// `Some(true)` for "is missing", `Some(false)` for "is present".
fn presence_test(op: &str, args: &[&str]) -> Option<bool> {
    let flag = match args {
        ["true"] => true,
        ["false"] => false,
        _ => return None,
    };
    match op {
        "=isnull=" => Some(flag),
        "=notnull=" => Some(!flag),
        _ => None,
    }
}

/// RFC 3339 (any fraction length, any offset) or `YYYY-MM-DD`, in epoch
/// nanoseconds.
fn instant(text: &str) -> Option<i128> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(
            i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos()),
        );
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(i128::from(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp()) * 1_000_000_000)
}

fn time_test(op: &str, v: i128, lits: &[i128]) -> Option<bool> {
    Some(match (op, lits) {
        ("==", [l]) => v == *l,
        ("!=", [l]) => v != *l,
        ("=lt=", [l]) => v < *l,
        ("=le=", [l]) => v <= *l,
        ("=gt=", [l]) => v > *l,
        ("=ge=", [l]) => v >= *l,
        ("=in=", ls) => ls.contains(&v),
        ("=out=", ls) => !ls.contains(&v),
        ("=bt=", [lo, hi]) => *lo <= v && v <= *hi,
        ("=nb=", [lo, hi]) => !(*lo <= v && v <= *hi),
        _ => return None,
    })
}

/// A decimal `-?[0-9]+(\.[0-9]+)?` as (negative, integer digits without
/// leading zeros, fraction digits without trailing zeros); zero is never
/// negative.
fn decimal(s: &str) -> Option<(bool, &str, &str)> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.unwrap_or("").trim_end_matches('0');
    Some((neg && !(int.is_empty() && frac.is_empty()), int, frac))
}

fn magnitude(a: (&str, &str), b: (&str, &str)) -> Ordering {
    a.0.len()
        .cmp(&b.0.len())
        .then_with(|| a.0.cmp(b.0))
        .then_with(|| a.1.cmp(b.1))
}

/// The order of two metadata texts, or `None` where the spec leaves it open
/// (a decimal beyond the double range, ±1.8e308: more than 308 integer
/// digits).
fn order(value: &str, literal: &str) -> Option<Ordering> {
    match (decimal(value), decimal(literal)) {
        (Some(a), Some(b)) => {
            if a.1.len() > 308 || b.1.len() > 308 {
                return None;
            }
            Some(match (a.0, b.0) {
                (false, true) => Ordering::Greater,
                (true, false) => Ordering::Less,
                (false, false) => magnitude((a.1, a.2), (b.1, b.2)),
                (true, true) => magnitude((b.1, b.2), (a.1, a.2)),
            })
        }
        _ => Some(value.as_bytes().cmp(literal.as_bytes())),
    }
}

/// The verdict for one row (`op` and its arity were checked), `None` where
/// the spec leaves it open.
fn meta_test(op: &str, value: Option<&str>, args: &[&str]) -> Option<bool> {
    let Some(v) = value else {
        // A missing key: the negations hold, nothing else does.
        return Some(matches!(op, "!=" | "=out=" | "=nb="));
    };
    let between = |lo: &str, hi: &str| -> Option<bool> {
        Some(order(v, lo)? != Ordering::Less && order(v, hi)? != Ordering::Greater)
    };
    Some(match (op, args) {
        ("==", [l]) => v == *l,
        ("!=", [l]) => v != *l,
        ("=in=", ls) => ls.contains(&v),
        ("=out=", ls) => !ls.contains(&v),
        ("=lt=", [l]) => order(v, l)? == Ordering::Less,
        ("=le=", [l]) => order(v, l)? != Ordering::Greater,
        ("=gt=", [l]) => order(v, l)? == Ordering::Greater,
        ("=ge=", [l]) => order(v, l)? != Ordering::Less,
        ("=bt=", [lo, hi]) => between(lo, hi)?,
        ("=nb=", [lo, hi]) => !between(lo, hi)?,
        _ => return None,
    })
}

#[test]
fn the_reference_reads_the_spec() {
    assert_eq!(order("007.10", "7.1"), Some(Ordering::Equal));
    assert_eq!(order("-0", "0"), Some(Ordering::Equal));
    assert_eq!(order("-0.0", "0.00"), Some(Ordering::Equal));
    assert_eq!(
        order("0.75000000000000000000000000001", "0.75"),
        Some(Ordering::Greater)
    );
    assert_eq!(order("-3", "-12"), Some(Ordering::Greater));
    assert_eq!(order("10", "9.5"), Some(Ordering::Greater));
    assert_eq!(
        order("1e3", "2"),
        Some(Ordering::Less),
        "not a decimal: bytes"
    );
    assert_eq!(
        order(&"9".repeat(400), "1"),
        None,
        "beyond the double range"
    );
    assert_eq!(
        instant("2021-06-12T23:59:59.9991Z"),
        Some(1_623_542_399_999_100_000)
    );
    assert_eq!(instant("1970-01-01"), Some(0));
    let rows = super::data::rows();
    let running = rows.iter().position(|c| c.end_time.is_none()).unwrap();
    let v = verdicts("conversation.endTime!=2021-06-10T09:30:00Z", rows).unwrap();
    assert_eq!(
        v[running],
        Some(false),
        "a running conversation matches no negation on endTime"
    );
    let v = verdicts("conversation.startTime==2021-06-12T23:59:59.9991Z", rows).unwrap();
    assert!(
        v.iter().all(|x| *x == Some(false)),
        "no stored millisecond equals a sub-ms literal"
    );
    assert!(verdicts("conversation.name==x", rows).is_none());
    assert!(verdicts("conversation.type==a;conversation.type==b", rows).is_none());
}
