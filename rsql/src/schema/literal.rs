//! Literal parsing done once at compile time: timestamps, decimal numbers,
//! dynamic keys; and the matching printers used by `Display` and emitters.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};

/// A timestamp literal as the whole epoch milliseconds around it: `floor ≤
/// literal ≤ ceil`, equal when the literal has no digit finer than a
/// millisecond. Compiled tests hold milliseconds (what stores keep); the
/// compiler rounds each bound towards the inside of the exact interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Millis {
    /// The largest whole millisecond not after the literal.
    pub(crate) floor: i64,
    /// The smallest whole millisecond not before the literal.
    pub(crate) ceil: i64,
}

impl Millis {
    /// A whole number of milliseconds.
    pub(crate) fn whole(ms: i64) -> Millis {
        Millis {
            floor: ms,
            ceil: ms,
        }
    }

    /// The value when it is a whole millisecond.
    pub(crate) fn exact(self) -> Option<i64> {
        (self.floor == self.ceil).then_some(self.floor)
    }
}

/// Parses an RFC 3339 timestamp (any offset, any number of fractional
/// digits: chrono keeps nanoseconds) or a `YYYY-MM-DD` date (midnight UTC).
/// The result brackets the exact instant with whole milliseconds; before
/// 1970 `floor` is still the earlier one (`1969-12-31T23:59:59.9995Z` lies
/// between -1 and 0). The error explains what is wrong with a date-shaped
/// literal, and is `None` for anything else.
pub(crate) fn parse_timestamp(text: &str) -> Result<Millis, Option<String>> {
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
            .map(|dt| Millis::whole(dt.and_utc().timestamp_millis()))
            .ok_or_else(|| Some("no such date".to_owned()));
    }
    let date_shaped = b.len() > 10
        && b[4] == b'-'
        && b[7] == b'-'
        && all_digits(&b[..4])
        && all_digits(&b[5..7])
        && all_digits(&b[8..10]);
    match DateTime::parse_from_rfc3339(text) {
        Ok(dt) => {
            // `timestamp_millis` floors (whole seconds are floored and the
            // sub-second part is never negative), also before 1970.
            let floor = dt.timestamp_millis();
            let finer = dt.timestamp_subsec_nanos() % 1_000_000 != 0;
            Ok(Millis {
                floor,
                ceil: floor + i64::from(finer),
            })
        }
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

/// RFC 3339 text that [`parse_timestamp`] reads back as exactly `ms`: the
/// UTC form of [`format_timestamp`] for years 0000–9999, else the same
/// instant written with a `+23:59` or `-23:59` offset (a literal such as
/// `0000-01-01T00:00:00+01:00` lies before year 0 in UTC). `None` when no
/// RFC 3339 text names that instant.
pub(crate) fn timestamp_literal(ms: i64) -> Option<String> {
    let utc = DateTime::<Utc>::from_timestamp_millis(ms)?;
    let offsets = [0, 23 * 3600 + 59 * 60, -(23 * 3600 + 59 * 60)];
    offsets.into_iter().find_map(|secs| {
        let text = if secs == 0 {
            utc.to_rfc3339_opts(SecondsFormat::Millis, true)
        } else {
            let offset = FixedOffset::east_opt(secs)?;
            utc.with_timezone(&offset)
                .to_rfc3339_opts(SecondsFormat::Millis, true)
        };
        (parse_timestamp(&text).ok()?.exact()? == ms).then_some(text)
    })
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
        let whole = |ms| Ok(Millis::whole(ms));
        let between = |floor, ceil| Ok(Millis { floor, ceil });
        assert_eq!(parse_timestamp("1970-01-01"), whole(0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:01Z"), whole(1000));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), whole(0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.0019Z"), between(1, 2));
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00.000000001Z"),
            between(0, 1)
        );
        assert_eq!(parse_timestamp("1969-12-31T23:59:59.9995Z"), between(-1, 0));
        assert_eq!(
            parse_timestamp("1969-12-31T23:59:59.0005Z"),
            between(-1000, -999)
        );
        assert_eq!(parse_timestamp("1969-12-31T23:59:59.999Z"), whole(-1));
        assert_eq!(
            parse_timestamp("2021-03-01T00:00:00.000Z"),
            whole(1_614_556_800_000)
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
    fn literals_read_back_as_the_same_instant() {
        let first = parse_timestamp("0000-01-01T00:00:00+23:59").unwrap().floor;
        let last = parse_timestamp("9999-12-31T23:59:59.999-23:59")
            .unwrap()
            .floor;
        for ms in [0, -1, 1_614_556_800_000, first, first + 1, last, last - 1] {
            let text = timestamp_literal(ms).unwrap();
            assert_eq!(parse_timestamp(&text), Ok(Millis::whole(ms)), "{text}");
        }
        let year_zero = parse_timestamp("0000-01-01").unwrap().floor;
        assert_eq!(
            timestamp_literal(year_zero - 1).as_deref(),
            Some("0000-01-01T23:58:59.999+23:59")
        );
        assert_eq!(timestamp_literal(first - 1), None);
        assert_eq!(timestamp_literal(last + 1), None);
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
