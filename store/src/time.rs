//! Timestamps: parsing RFC 3339 into epoch milliseconds, and the three output
//! formats the routes use (Symbl, WhatsApp, chatbot).
//!
//! Every time the store holds is an `i64` count of milliseconds since
//! 1970-01-01T00:00:00Z (microseconds for chatbot messages). Parsing and
//! these formats go through chrono (the store's JSON rows have their own
//! writer, [`crate::json::write_time`]): a hand-written parser for the data files'
//! shape (`2021-01-25T14:03:18.520Z`) saved 1.35 % of the instructions of a
//! 100 000-row bulk load (2.3 % of its parsing thread; callgrind) and no time
//! that interleaved runs could tell from noise, so it went (issue 12,
//! `benches/tricks.rs`).

use std::fmt;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Why a timestamp was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampError {
    /// A date and time without `Z` or `±hh:mm`: `2021-01-25T14:03:18`.
    MissingOffset,
    /// Not RFC 3339 at all (`25/01/2021`), or an impossible date (`2021-02-30T00:00:00Z`).
    Invalid,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimestampError::MissingOffset => {
                "timestamp without an offset, expected `Z` or `±hh:mm` after the time"
            }
            TimestampError::Invalid => {
                "expected an RFC 3339 timestamp such as `2021-01-25T14:03:18.520Z`"
            }
        })
    }
}

impl std::error::Error for TimestampError {}

/// Parses an RFC 3339 timestamp (any offset, any number of fractional digits)
/// into epoch milliseconds: the millisecond at or before the instant (digits
/// beyond milliseconds are dropped towards the past, also before 1970, where
/// that is not truncation towards zero). This is how a stored time is read;
/// filter literals are compared exactly by rsql instead.
///
/// ```
/// use store::time::{parse_rfc3339_ms, TimestampError};
/// assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:01.500Z"), Ok(1500));
/// assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:01.5009Z"), Ok(1500));
/// assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59.9995Z"), Ok(-1));
/// assert_eq!(parse_rfc3339_ms("1970-01-01T01:00:00+01:00"), Ok(0));
/// assert_eq!(parse_rfc3339_ms("2021-01-25T14:03:18"), Err(TimestampError::MissingOffset));
/// ```
pub fn parse_rfc3339_ms(s: &str) -> Result<i64, TimestampError> {
    parse_rfc3339_exact(s).map(|(ms, _)| ms)
}

/// [`parse_rfc3339_ms`] and the nanoseconds past that millisecond (0 to
/// 999 999): the instant exactly, ordered as a pair.
///
/// ```
/// use store::time::parse_rfc3339_exact;
/// assert_eq!(parse_rfc3339_exact("1970-01-01T00:00:01.5009Z"), Ok((1500, 900_000)));
/// assert_eq!(parse_rfc3339_exact("1969-12-31T23:59:59.9995Z"), Ok((-1, 500_000)));
/// ```
pub fn parse_rfc3339_exact(s: &str) -> Result<(i64, u32), TimestampError> {
    match DateTime::parse_from_rfc3339(s) {
        Ok(dt) => Ok((
            dt.timestamp_millis(),
            dt.timestamp_subsec_nanos() % 1_000_000,
        )),
        Err(_) => Err(classify_failure(s)),
    }
}

/// Parses RFC 3339 into epoch microseconds (chatbot `createdOn`).
///
/// ```
/// assert_eq!(store::time::parse_rfc3339_us("1970-01-01T00:00:00.000007Z"), Ok(7));
/// ```
pub fn parse_rfc3339_us(s: &str) -> Result<i64, TimestampError> {
    match DateTime::parse_from_rfc3339(s) {
        Ok(dt) => Ok(dt.timestamp_micros()),
        Err(_) => Err(classify_failure(s)),
    }
}

/// Parses the WhatsApp family's `YYYY-MM-DD HH:MM:SS` (UTC) or, failing that,
/// RFC 3339, into epoch milliseconds.
///
/// ```
/// assert_eq!(store::time::parse_sql_ms("1970-01-01 00:01:00"), Ok(60_000));
/// assert_eq!(store::time::parse_sql_ms("1970-01-01T00:01:00Z"), Ok(60_000));
/// ```
pub fn parse_sql_ms(s: &str) -> Result<i64, TimestampError> {
    match NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        Ok(dt) => Ok(dt.and_utc().timestamp_millis()),
        Err(_) => parse_rfc3339_ms(s),
    }
}

/// Decides whether failed text lacks only an offset (a common mistake worth
/// naming) or is not a timestamp at all.
fn classify_failure(s: &str) -> TimestampError {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"));
    if naive.is_ok() {
        TimestampError::MissingOffset
    } else {
        TimestampError::Invalid
    }
}

/// Formats epoch milliseconds the way Symbl does: UTC, 3 fractional digits, `Z`.
///
/// ```
/// assert_eq!(store::time::format_ms(1_500), "1970-01-01T00:00:01.500Z");
/// ```
pub fn format_ms(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => ms.to_string(),
    }
}

/// Formats epoch milliseconds as `YYYY-MM-DD HH:MM:SS` (UTC), the WhatsApp family's format.
///
/// ```
/// assert_eq!(store::time::format_sql(61_000), "1970-01-01 00:01:01");
/// ```
pub fn format_sql(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => ms.to_string(),
    }
}

/// Formats epoch microseconds as RFC 3339 UTC with 6 fractional digits (chatbot `createdOn`).
///
/// ```
/// assert_eq!(store::time::format_us(7), "1970-01-01T00:00:00.000007Z");
/// ```
pub fn format_us(us: i64) -> String {
    match DateTime::<Utc>::from_timestamp_micros(us) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Micros, true),
        None => us.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_shapes_parse_like_chrono() {
        for s in [
            "2021-01-25T14:03:18.520Z",
            "2021-12-31T23:59:59.999Z",
            "2020-02-29T00:00:00Z",
            "1969-12-31T23:59:59.9Z",
            "2000-03-01T12:00:00.123456789Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
            assert_eq!(parse_rfc3339_ms(s), Ok(chrono), "{s}");
        }
    }

    #[test]
    fn rejects_with_the_right_kind() {
        assert_eq!(
            parse_rfc3339_ms("2021-01-25T14:03:18.520"),
            Err(TimestampError::MissingOffset)
        );
        assert_eq!(
            parse_rfc3339_ms("2021-01-25 14:03:18"),
            Err(TimestampError::MissingOffset)
        );
        assert_eq!(parse_rfc3339_ms("yesterday"), Err(TimestampError::Invalid));
        assert_eq!(
            parse_rfc3339_ms("2021-02-30T00:00:00Z"),
            Err(TimestampError::Invalid)
        );
        assert_eq!(
            parse_rfc3339_ms("2021-01-25T14:03:18+02:00"),
            Ok(1_611_576_198_000)
        );
    }

    #[test]
    fn formats_round_trip() {
        let ms = parse_rfc3339_ms("2021-07-23T16:31:29.798Z").unwrap();
        assert_eq!(format_ms(ms), "2021-07-23T16:31:29.798Z");
        assert_eq!(format_sql(ms), "2021-07-23 16:31:29");
    }
}
