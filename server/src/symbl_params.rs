//! Validation of the `GET /v1/conversations` parameters that do not need the
//! store: `limit`, `offset`, `order`, `startTime`, `endTime` (`api.md` §2.2
//! catalogue, checked in that order; the first error wins). `sort` and
//! `filter` are parsed by the store and rsql, right after these.

use crate::error::{ApiError, Family};

/// Largest `limit` (`api.md` §2.2).
pub const MAX_LIMIT: u64 = 65_536;
/// Largest `offset` (2^31 − 1).
pub const MAX_OFFSET: u64 = 2_147_483_647;
/// How far in the future `startTime`/`endTime` may be (clock skew).
pub const SKEW_MS: i64 = 5_000;

/// Sort direction for fields without a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// `asc` (default).
    Asc,
    /// `desc`.
    Desc,
}

const F: Family = Family::Symbl;

/// Parses an unsigned integer parameter in `0..=max`.
///
/// ```
/// use server::symbl_params::parse_uint;
/// assert_eq!(parse_uint("limit", Some("7"), 20, 65_536).unwrap(), 7);
/// assert_eq!(parse_uint("limit", None, 20, 65_536).unwrap(), 20);
/// let e = parse_uint("limit", Some("-1"), 20, 65_536).unwrap_err();
/// assert_eq!(e.to_string(), "limit: expected an integer between 0 and 65536, found `-1`");
/// ```
pub fn parse_uint(
    name: &'static str,
    raw: Option<&str>,
    default: u64,
    max: u64,
) -> Result<u64, ApiError> {
    let Some(raw) = raw else { return Ok(default) };
    let ok = !raw.is_empty() && raw.len() <= 20 && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<u64>() {
        Ok(n) if ok && n <= max => Ok(n),
        _ => Err(ApiError::param(
            F,
            name,
            format!(
                "{name}: expected an integer between 0 and {max}, found `{}`",
                crate::error::truncate(raw)
            ),
        )),
    }
}

/// `order`: exactly `asc` or `desc`.
///
/// ```
/// use server::symbl_params::{parse_order, Order};
/// assert_eq!(parse_order(None).unwrap(), Order::Asc);
/// assert_eq!(parse_order(Some("desc")).unwrap(), Order::Desc);
/// assert!(parse_order(Some("DESC")).is_err());
/// ```
pub fn parse_order(raw: Option<&str>) -> Result<Order, ApiError> {
    match raw {
        None | Some("asc") => Ok(Order::Asc),
        Some("desc") => Ok(Order::Desc),
        Some(other) => Err(ApiError::param(
            F,
            "order",
            format!(
                "order: expected `asc` or `desc`, found `{}`",
                crate::error::truncate(other)
            ),
        )),
    }
}

/// An RFC 3339 timestamp with an offset, as epoch milliseconds.
///
/// ```
/// use server::symbl_params::parse_time;
/// assert_eq!(parse_time("startTime", Some("1970-01-01T00:00:01Z")).unwrap(), Some(1000));
/// assert_eq!(parse_time("startTime", Some("1970-01-01T01:00:00%2B01:00".replace("%2B", "+").as_str())).unwrap(), Some(0));
/// let e = parse_time("endTime", Some("2021-08-09")).unwrap_err();
/// assert!(e.to_string().starts_with("endTime: expected an RFC 3339 timestamp"));
/// ```
pub fn parse_time(name: &'static str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    match chrono::DateTime::parse_from_rfc3339(raw) {
        Ok(t) => Ok(Some(t.timestamp_millis())),
        Err(_) => {
            // Form decoding turns a literal `+` into a space.
            let hint = if raw.contains(' ') {
                " (a `+` in the offset must be sent as `%2B`)"
            } else {
                ""
            };
            Err(ApiError::param(
                F,
                name,
                format!(
                    "{name}: expected an RFC 3339 timestamp with an offset such as `2021-08-09T18:30:00.000Z`, found `{}`{hint}",
                    crate::error::truncate(raw)
                ),
            ))
        }
    }
}

/// `startTime < endTime`, neither later than `now + 5 s`.
///
/// ```
/// use server::symbl_params::check_window;
/// assert!(check_window(Some(1), Some(2), Some("a"), Some("b"), 10_000).is_ok());
/// let e = check_window(Some(2), Some(2), Some("a"), Some("b"), 10_000).unwrap_err();
/// assert_eq!(e.to_string(), "startTime `a` must be earlier than endTime `b`");
/// assert!(check_window(Some(20_000), None, Some("x"), None, 10_000).is_err());
/// ```
pub fn check_window(
    start: Option<i64>,
    end: Option<i64>,
    start_raw: Option<&str>,
    end_raw: Option<&str>,
    now_ms: i64,
) -> Result<(), ApiError> {
    let t = |s: Option<&str>| crate::error::truncate(s.unwrap_or(""));
    if let (Some(s), Some(e)) = (start, end)
        && s >= e
    {
        return Err(ApiError::param(
            F,
            "startTime",
            format!(
                "startTime `{}` must be earlier than endTime `{}`",
                t(start_raw),
                t(end_raw)
            ),
        ));
    }
    let limit = now_ms.saturating_add(SKEW_MS);
    if start.is_some_and(|s| s > limit) {
        return Err(ApiError::param(
            F,
            "startTime",
            format!(
                "startTime `{}` is in the future (endTime: `{}`)",
                t(start_raw),
                t(end_raw)
            ),
        ));
    }
    if end.is_some_and(|e| e > limit) {
        return Err(ApiError::param(
            F,
            "endTime",
            format!(
                "endTime `{}` is in the future (startTime: `{}`)",
                t(end_raw),
                t(start_raw)
            ),
        ));
    }
    Ok(())
}

/// `verbose` / `sentiment` on the messages route: `true` or `false`, any case.
///
/// ```
/// use server::symbl_params::parse_bool;
/// assert_eq!(parse_bool("verbose", Some("TRUE")).unwrap(), true);
/// assert_eq!(parse_bool("verbose", None).unwrap(), false);
/// assert!(parse_bool("sentiment", Some("1")).is_err());
/// ```
pub fn parse_bool(name: &'static str, raw: Option<&str>) -> Result<bool, ApiError> {
    match raw {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(ApiError::param(
            F,
            name,
            format!(
                "{name}: expected `true` or `false`, found `{}`",
                crate::error::truncate(v)
            ),
        )),
    }
}
