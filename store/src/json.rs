//! JSON text of conversations, written straight into a byte buffer: the
//! bytes of [`crate::Conversation`]'s `Serialize` (field order `id, type,
//! name, startTime, endTime, members, metadata`; `endTime` left out while a
//! conversation runs), for an owned conversation ([`write_owned`]) and for
//! a stored row (`view/json.rs`, from the interned strings) and for each
//! distinct person's member object, rendered once (`PeopleJson` in
//! `people.rs`).
//!
//! A string with nothing to escape (all the generated data) is copied
//! between quotes after one pass over its bytes; any other goes through
//! serde_json's escaper. (A hand-written eight-bytes-at-a-time escape check
//! saved 2.5 % of the instructions of a 100 000-row bulk load and no
//! measurable time, so it went in issue 12, `benches/tricks.rs`; since
//! issue 17 rows are written when a page is, so the plain check came back.)
//! Timestamps are formatted on the stack instead of through chrono
//! (`write_ms` says which figure keeps that).
//!
//! ```
//! let c = store::generate::conversation(1, 2);
//! let mut out = Vec::new();
//! store::json::write_owned(&mut out, &c);
//! assert_eq!(out, serde_json::to_vec(&c)?);
//! # Ok::<(), serde_json::Error>(())
//! ```

use crate::model::Conversation;

/// Appends `s` as a JSON string (quoted, escaped where needed).
///
/// ```
/// let mut out = Vec::new();
/// store::json::write_str(&mut out, "a \"b\"");
/// assert_eq!(out, br#""a \"b\"""#);
/// ```
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    // Most stored strings need no escape: copy them between quotes (found
    // eight bytes at a time). The rest go through serde_json's escaper.
    if crate::escape::first_to_escape(s.as_bytes()).is_none() {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, s).is_err() {
        // Writing into a Vec cannot fail; keep the output valid regardless.
        out.extend_from_slice(b"\"\"");
    }
}

/// Appends epoch milliseconds as a quoted `YYYY-MM-DDTHH:MM:SS.mmmZ`
/// (the same text as [`format_ms`](crate::time::format_ms)).
///
/// ```
/// let mut out = Vec::new();
/// store::json::write_time(&mut out, 1_615_712_711_204);
/// assert_eq!(out, b"\"2021-03-14T09:05:11.204Z\"");
/// ```
pub fn write_time(out: &mut Vec<u8>, ms: i64) {
    let mut buf = [0u8; 24];
    if write_ms(ms, &mut buf) {
        out.reserve(26);
        out.push(b'"');
        out.extend_from_slice(&buf);
        out.push(b'"');
    } else {
        write_str(out, &crate::time::format_ms(ms));
    }
}

/// The scalar fields of a conversation.
pub(crate) struct Parts<'a> {
    pub(crate) id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) name: &'a str,
    pub(crate) start: i64,
    pub(crate) end: Option<i64>,
}

/// Appends a conversation object. `members` writes the members between the
/// brackets.
pub(crate) fn write_conversation<'a>(
    out: &mut Vec<u8>,
    c: Parts<'_>,
    members: impl FnOnce(&mut Vec<u8>),
    metadata: impl Iterator<Item = (&'a str, &'a str)>,
) {
    write_head(out, &c);
    members(out);
    out.extend_from_slice(b"],\"metadata\":{");
    for (i, (k, v)) in metadata.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, k);
        out.push(b':');
        write_str(out, v);
    }
    out.extend_from_slice(b"}}");
}

/// Appends a conversation's JSON up to its members: `{"id":…` to
/// `"members":[`.
pub(crate) fn write_head(out: &mut Vec<u8>, c: &Parts<'_>) {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, c.id);
    out.extend_from_slice(b",\"type\":");
    write_str(out, c.kind);
    out.extend_from_slice(b",\"name\":");
    write_str(out, c.name);
    out.extend_from_slice(b",\"startTime\":");
    write_time(out, c.start);
    if let Some(end) = c.end {
        out.extend_from_slice(b",\"endTime\":");
        write_time(out, end);
    }
    out.extend_from_slice(b",\"members\":[");
}

/// The length of [`write_head`]'s bytes for `c`, rendering them only when
/// a bound is over `limit`: a string escapes to at most six bytes a byte
/// (`\u00XX`), a timestamp is at most 40 bytes, the keys and punctuation
/// 60. So the answer is exact whenever it matters, at most `limit` or the
/// exact length past it.
pub(crate) fn head_len_over(c: &Parts<'_>, limit: usize) -> Option<usize> {
    let bound = 6 * (c.id.len() + c.kind.len() + c.name.len()) + 6 + 2 * 40 + 60;
    if bound <= limit {
        return None;
    }
    let mut out = Vec::with_capacity(bound.min(1 << 16));
    write_head(&mut out, c);
    (out.len() > limit).then_some(out.len())
}

/// Appends one member object (`{"id":…,"name":…,"email":…}`, no `email`
/// when unknown).
pub(crate) fn write_member(out: &mut Vec<u8>, id: &str, name: &str, email: Option<&str>) {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, id);
    out.extend_from_slice(b",\"name\":");
    write_str(out, name);
    if let Some(e) = email {
        out.extend_from_slice(b",\"email\":");
        write_str(out, e);
    }
    out.push(b'}');
}

/// Appends an owned conversation's JSON (the bytes `serde_json` gives for
/// it), checking each string for characters to escape.
///
/// ```
/// let c = store::generate::conversation(1, 0);
/// let mut out = Vec::new();
/// store::json::write_owned(&mut out, &c);
/// assert_eq!(out, serde_json::to_vec(&c)?);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn write_owned(out: &mut Vec<u8>, c: &Conversation) {
    write_conversation(
        out,
        Parts {
            id: &c.id,
            kind: &c.kind,
            name: &c.name,
            start: c.start_time,
            end: c.end_time,
        },
        |out| {
            for (i, m) in c.members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_member(out, &m.id, &m.name, m.email.as_deref());
            }
        },
        c.metadata.iter(),
    );
}

/// Days from 1970-01-01 to 0000-01-01 and to 9999-12-31.
const FIRST_DAY: i64 = -719_528;
const LAST_DAY: i64 = 2_932_896;

/// `"00"` to `"99"`.
static DIGITS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Writes the timestamp (ASCII) into `buf`; false outside years 0–9999.
///
/// Kept over chrono on a route-level figure (issue 12): with chrono's
/// `to_rfc3339_opts` instead (a `String` per timestamp), a 100 000-row bulk
/// load (the store bench's data, `TRICKS_ROUTE=load` in `benches/tricks.rs`)
/// ran 7.4 % more instructions (callgrind: 3.24 G against 3.02 G) and took
/// 7 % more CPU (median of 5 interleaved rounds); per timestamp chrono was
/// 4.5× slower (`time_write` in the same bench).
fn write_ms(ms: i64, buf: &mut [u8; 24]) -> bool {
    let days = ms.div_euclid(86_400_000);
    if !(FIRST_DAY..=LAST_DAY).contains(&days) {
        return false;
    }
    // In range: every part fits a u32 (unsigned division by a constant is a
    // multiplication).
    let rem = ms.rem_euclid(86_400_000) as u32;
    let (y, m, d) = civil_from_days(days as i32);
    let (hh, rem) = (rem / 3_600_000, rem % 3_600_000);
    let (mm, rem) = (rem / 60_000, rem % 60_000);
    let (ss, milli) = (rem / 1000, rem % 1000);
    let two = |v: u32| DIGITS[(v % 100) as usize];
    let [y0, y1] = two(y / 100);
    let [y2, y3] = two(y);
    let [m0, m1] = two(m);
    let [d0, d1] = two(d);
    let [h0, h1] = two(hh);
    let [n0, n1] = two(mm);
    let [s0, s1] = two(ss);
    let [f1, f2] = two(milli);
    *buf = [
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        n0,
        n1,
        b':',
        s0,
        s1,
        b'.',
        b'0' + (milli / 100) as u8,
        f1,
        f2,
        b'Z',
    ];
    true
}

/// Days since 1970-01-01 (within [`FIRST_DAY`]..=[`LAST_DAY`]) → (year,
/// month, day), proleptic Gregorian: Neri and Schneider's algorithm
/// ("Euclidean affine functions and their application to calendar
/// algorithms", 2022), all multiplications and shifts on `u32`/`u64`.
fn civil_from_days(days: i32) -> (u32, u32, u32) {
    // Shift the epoch back 82 × 400 years so every day is positive.
    const SHIFT_YEARS: u32 = 82 * 400;
    const K: u32 = 719_468 + 146_097 * 82;
    let n = days.wrapping_add(K as i32) as u32;
    let n1 = 4 * n + 3;
    let century = n1 / 146_097;
    let n_c = n1 % 146_097 / 4;
    let p2 = 2_939_745u64 * u64::from(4 * n_c + 3);
    let z = (p2 >> 32) as u32;
    let n_y = (p2 as u32) / 2_939_745 / 4;
    let n3 = 2141 * n_y + 197_913;
    let (m, d) = (n3 >> 16, (n3 & 0xFFFF) / 2141);
    let january_or_february = n_y >= 306;
    let y = 100 * century + z + u32::from(january_or_february) - SHIFT_YEARS;
    let m = if january_or_february { m - 12 } else { m };
    (y, m, d + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `write_time` gives the JSON string of chrono's formatting of `ms`.
    #[track_caller]
    fn assert_like_chrono(ms: i64) {
        let mut out = Vec::new();
        write_time(&mut out, ms);
        assert_eq!(
            out,
            serde_json::to_vec(&crate::time::format_ms(ms)).unwrap(),
            "{ms}"
        );
    }

    #[test]
    fn timestamps_match_the_chrono_formatter() {
        let mut ms: i64 = -62_167_219_200_000; // 0000-01-01
        while ms < 253_402_300_799_999 {
            assert_like_chrono(ms);
            ms += 7_919_999_977; // ~92 days and an odd number of ms
        }
        for ms in [
            0,
            951_782_400_000,
            951_868_799_999,
            1_615_712_711_204,
            -1,
            i64::MIN,
            i64::MAX,
        ] {
            assert_like_chrono(ms);
        }
    }

    #[test]
    fn every_day_from_1900_to_2200_matches_chrono() {
        let first = -25_567; // 1900-01-01
        for day in first..first + 300 * 366 {
            let ms = day * 86_400_000 + 45_296_789; // 12:34:56.789
            assert_like_chrono(ms);
        }
        for day in [FIRST_DAY - 1, FIRST_DAY, LAST_DAY, LAST_DAY + 1] {
            let ms = day * 86_400_000;
            assert_like_chrono(ms);
        }
    }

    #[test]
    fn escape_check_finds_every_special_byte() {
        // Every ASCII byte at every position of strings of 1–24 bytes: the
        // string is escaped exactly when it holds a special byte, and reads
        // back as itself.
        for len in 1..=24 {
            for at in 0..len {
                for b in 0u8..=127 {
                    let mut text = vec![b'a'; len];
                    text[at] = b;
                    let text = String::from_utf8(text).unwrap();
                    let mut out = Vec::new();
                    write_str(&mut out, &text);
                    let special = b < 0x20 || b == b'"' || b == b'\\';
                    assert_eq!(out.len() > len + 2, special, "{len} {at} {b}");
                    assert_eq!(serde_json::from_slice::<String>(&out).unwrap(), text);
                }
            }
        }
        let mut out = Vec::new();
        write_str(&mut out, "é 😀 </script>");
        assert_eq!(out, "\"é 😀 </script>\"".as_bytes());
    }
}
