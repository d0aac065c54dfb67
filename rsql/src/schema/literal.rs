//! Literal parsing done once at compile time: timestamps, decimal numbers,
//! dynamic keys; and the matching printers used by `Display` and emitters.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// Parses an RFC 3339 timestamp (any offset) or a `YYYY-MM-DD` date
/// (midnight UTC) into epoch milliseconds. Sub-millisecond digits are
/// truncated (floored). The error explains what is wrong with a date-shaped
/// literal, and is `None` for anything else.
pub(crate) fn parse_timestamp(text: &str) -> Result<i64, Option<String>> {
    let b = text.as_bytes();
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && all_digits(&b[..4])
        && all_digits(&b[5..7])
        && all_digits(&b[8..])
    {
        let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
        let year = i32::try_from(num(0..4)).unwrap_or(0);
        return NaiveDate::from_ymd_opt(year, num(5..7), num(8..10))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|dt| dt.and_utc().timestamp_millis())
            .ok_or_else(|| Some("no such date".to_owned()));
    }
    let date_shaped = b.len() > 10
        && b[4] == b'-'
        && b[7] == b'-'
        && all_digits(&b[..4])
        && all_digits(&b[5..7])
        && all_digits(&b[8..10]);
    match DateTime::parse_from_rfc3339(text) {
        Ok(dt) => Ok(dt.timestamp_millis()),
        Err(_) if !date_shaped => Err(None),
        Err(e) => Err(Some(match e.kind() {
            chrono::format::ParseErrorKind::TooShort => {
                "incomplete timestamp: a time and an offset such as `Z` or `+02:00` are required"
                    .to_owned()
            }
            chrono::format::ParseErrorKind::OutOfRange => "a part is out of range".to_owned(),
            _ => "not an RFC 3339 timestamp".to_owned(),
        })),
    }
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// Formats epoch milliseconds as RFC 3339 UTC with milliseconds
/// (`2021-03-01T00:00:00.000Z`); out-of-range values print as a number.
pub(crate) fn format_timestamp(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => ms.to_string(),
    }
}

/// Whether a dynamic key is acceptable: non-empty, letters (any script),
/// digits, `_` and `-` only. No emitter then needs to quote it inside a JSON
/// path or a MongoDB document path.
pub(crate) fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01"), Ok(0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:01Z"), Ok(1000));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Ok(0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.0019Z"), Ok(1));
        assert_eq!(parse_timestamp("1969-12-31T23:59:59.9995Z"), Ok(-1));
        assert_eq!(
            parse_timestamp("2021-03-01T00:00:00.000Z"),
            Ok(1_614_556_800_000)
        );
        assert_eq!(
            parse_timestamp("2021-02-30"),
            Err(Some("no such date".into()))
        );
        assert!(
            parse_timestamp("2021-03-01T25:00:00Z")
                .unwrap_err()
                .is_some()
        );
        assert!(parse_timestamp("2021-3-01").is_err());
        assert_eq!(parse_timestamp("yesterday"), Err(None));
        assert!(parse_timestamp("2021-03-01T00:00:00").is_err());
        assert_eq!(
            format_timestamp(1_614_556_800_000),
            "2021-03-01T00:00:00.000Z"
        );
    }

    #[test]
    fn keys() {
        assert!(is_valid_key("agentId"));
        assert!(is_valid_key("région_2-b"));
        assert!(!is_valid_key("a.b"));
        assert!(!is_valid_key("$where"));
        assert!(!is_valid_key("a\"b"));
        assert!(!is_valid_key(""));
    }
}
