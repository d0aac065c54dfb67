//! Fast JSON rendering of Symbl conversations for the list and get routes.
//!
//! Same bytes as `store::Conversation`'s `Serialize` (field order `id, type,
//! name, startTime, endTime, members, metadata`; `endTime` left out while a
//! conversation runs; tests check they agree), written straight into a
//! pre-sized buffer: timestamps formatted on the stack instead of through
//! chrono's general formatter, and strings without characters to escape
//! (checked with a vectorizable scan) copied in one go. The routes render
//! borrowed rows ([`store::ConversationRef`], read in place under the store's
//! read lock) with [`list_bytes_ref`] and [`write_conversation_ref`]; the
//! owned variants give the same bytes.

use serde::ser::{Serialize, SerializeStruct, Serializer};
use store::{Conversation, ConversationRef};

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (Symbl's output
/// format, `api.md` §2.0) for years 0000–9999; other instants fall back to
/// the store's formatter.
///
/// ```
/// assert_eq!(server::render::format_ms(0), "1970-01-01T00:00:00.000Z");
/// assert_eq!(server::render::format_ms(1_615_712_711_204), "2021-03-14T09:05:11.204Z");
/// assert_eq!(server::render::format_ms(-1), "1969-12-31T23:59:59.999Z");
/// ```
pub fn format_ms(ms: i64) -> String {
    let mut buf = [0u8; 24];
    if write_ms(ms, &mut buf) {
        String::from_utf8_lossy(&buf).into_owned()
    } else {
        store::time::format_ms(ms)
    }
}

/// Writes the timestamp (ASCII) into `buf`; false outside years 0–9999.
fn write_ms(ms: i64, buf: &mut [u8; 24]) -> bool {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return false;
    }
    // In range: every part fits a u32 (unsigned division is cheaper).
    let rem = rem as u32;
    let (hh, rem) = (rem / 3_600_000, rem % 3_600_000);
    let (mm, rem) = (rem / 60_000, rem % 60_000);
    let (ss, milli) = (rem / 1000, rem % 1000);
    let two = |buf: &mut [u8; 24], at: usize, v: u32| {
        buf[at] = b'0' + (v / 10) as u8;
        buf[at + 1] = b'0' + (v % 10) as u8;
    };
    let y = y as u32;
    two(buf, 0, y / 100);
    two(buf, 2, y % 100);
    buf[4] = b'-';
    two(buf, 5, m as u32);
    buf[7] = b'-';
    two(buf, 8, d as u32);
    buf[10] = b'T';
    two(buf, 11, hh);
    buf[13] = b':';
    two(buf, 14, mm);
    buf[16] = b':';
    two(buf, 17, ss);
    buf[19] = b'.';
    buf[20] = b'0' + (milli / 100) as u8;
    two(buf, 21, milli % 100);
    buf[23] = b'Z';
    true
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A timestamp that serializes as a string (the serde path, off the hot path).
struct Ts(i64);

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_ms(self.0))
    }
}

/// A conversation in Symbl's JSON shape.
///
/// ```
/// let c = store::r#gen::conversation(1, 0);
/// let fast = serde_json::to_string(&server::render::ConversationJson(&c)).unwrap();
/// assert_eq!(fast, serde_json::to_string(&c).unwrap());
/// ```
pub struct ConversationJson<'a>(pub &'a Conversation);

impl Serialize for ConversationJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut st = s.serialize_struct("Conversation", 7)?;
        st.serialize_field("id", &c.id)?;
        st.serialize_field("type", &c.kind)?;
        st.serialize_field("name", &c.name)?;
        st.serialize_field("startTime", &Ts(c.start_time))?;
        match c.end_time {
            Some(end) => st.serialize_field("endTime", &Ts(end))?,
            None => st.skip_field("endTime")?,
        }
        st.serialize_field("members", &c.members)?;
        st.serialize_field("metadata", &c.metadata)?;
        st.end()
    }
}

/// Whether JSON needs an escape in `s` (a control character, `"` or `\\`).
///
/// Eight bytes at a time (SWAR): most values are short and plain, and a word
/// test costs a few instructions where a byte loop costs three compares per
/// byte. The last word overlaps the one before it (no padded copy, which
/// would stall on store forwarding); strings under 8 bytes use a table.
fn needs_escape(s: &[u8]) -> bool {
    if s.len() < 8 {
        return s
            .iter()
            .fold(false, |acc, &b| acc | SPECIAL[usize::from(b)]);
    }
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        word_needs_escape(u64::from_le_bytes(w))
    };
    let mut found = false;
    let mut at = 0;
    while at + 8 <= s.len() {
        found |= word(at);
        at += 8;
    }
    found | word(s.len() - 8)
}

/// `SPECIAL[b]`: whether byte `b` must be escaped in a JSON string.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize;
        b += 1;
    }
    t
};

/// Whether one of the 8 bytes of `w` is below 0x20, `"` or `\\`. The
/// classic "has a byte less than n" and "has a zero byte" tests: their
/// per-byte flags may be wrong above a true hit, but whether any flag is set
/// is exact (for n ≤ 128).
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    let q = w ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let b = w ^ (ONES * u64::from(b'\\'));
    let backslash = b.wrapping_sub(ONES) & !b;
    (control | quote | backslash) & HIGH != 0
}

/// Appends `s` as a JSON string. Plain text (no control character, quote or
/// backslash — nearly every value) is copied in one go; anything else goes
/// through serde_json's escaper.
fn push_str(out: &mut Vec<u8>, s: &str) {
    if !needs_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, s).is_err() {
        // Writing into a Vec cannot fail; keep the output valid regardless.
        out.extend_from_slice(b"\"\"");
    }
}

fn push_ts(out: &mut Vec<u8>, ms: i64) {
    let mut buf = [0u8; 24];
    if write_ms(ms, &mut buf) {
        out.push(b'"');
        out.extend_from_slice(&buf);
        out.push(b'"');
    } else {
        push_str(out, &store::time::format_ms(ms));
    }
}

/// Appends one conversation's JSON (the bytes `ConversationJson` serializes to).
///
/// ```
/// let c = store::r#gen::conversation(1, 0);
/// let mut out = Vec::new();
/// server::render::write_conversation(&mut out, &c);
/// assert_eq!(out, serde_json::to_vec(&c).unwrap());
/// ```
pub fn write_conversation(out: &mut Vec<u8>, c: &Conversation) {
    write_parts(
        out,
        Parts {
            id: &c.id,
            kind: &c.kind,
            name: &c.name,
            start: c.start_time,
            end: c.end_time,
        },
        c.members
            .iter()
            .map(|m| (m.id.as_str(), m.name.as_str(), m.email.as_deref())),
        c.metadata.iter(),
    );
}

/// Appends one borrowed conversation's JSON: the same bytes as
/// [`write_conversation`] of its owned copy, read straight from the store.
///
/// ```
/// let s = store::r#gen::store(1, 3);
/// let c = store::r#gen::conversation(1, 2);
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// server::render::write_conversation_ref(&mut a, s.get_ref(&c.id).unwrap());
/// server::render::write_conversation(&mut b, &c);
/// assert_eq!(a, b);
/// ```
pub fn write_conversation_ref(out: &mut Vec<u8>, c: ConversationRef<'_>) {
    write_parts(
        out,
        Parts {
            id: c.id(),
            kind: c.kind(),
            name: c.name(),
            start: c.start_time(),
            end: c.end_time(),
        },
        c.members().map(|m| (m.id, m.name, m.email)),
        c.metadata(),
    );
}

/// The scalar fields of a conversation.
struct Parts<'a> {
    id: &'a str,
    kind: &'a str,
    name: &'a str,
    start: i64,
    end: Option<i64>,
}

fn write_parts<'a>(
    out: &mut Vec<u8>,
    c: Parts<'_>,
    members: impl Iterator<Item = (&'a str, &'a str, Option<&'a str>)>,
    metadata: impl Iterator<Item = (&'a str, &'a str)>,
) {
    out.extend_from_slice(b"{\"id\":");
    push_str(out, c.id);
    out.extend_from_slice(b",\"type\":");
    push_str(out, c.kind);
    out.extend_from_slice(b",\"name\":");
    push_str(out, c.name);
    out.extend_from_slice(b",\"startTime\":");
    push_ts(out, c.start);
    if let Some(end) = c.end {
        out.extend_from_slice(b",\"endTime\":");
        push_ts(out, end);
    }
    out.extend_from_slice(b",\"members\":[");
    for (i, (id, name, email)) in members.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"id\":");
        push_str(out, id);
        out.extend_from_slice(b",\"name\":");
        push_str(out, name);
        if let Some(e) = email {
            out.extend_from_slice(b",\"email\":");
            push_str(out, e);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"metadata\":{");
    for (i, (k, v)) in metadata.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, k);
        out.push(b':');
        push_str(out, v);
    }
    out.extend_from_slice(b"}}");
}

/// `{"conversations":[…]}` as bytes, sized up front.
///
/// ```
/// let cs: Vec<_> = (0..3).map(|i| store::r#gen::conversation(1, i)).collect();
/// let fast = server::render::list_bytes(&cs);
/// assert_eq!(fast, serde_json::to_vec(&server::render::ListJson(&cs)).unwrap());
/// ```
pub fn list_bytes(items: &[Conversation]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + items.len() * 768);
    out.extend_from_slice(b"{\"conversations\":[");
    for (i, c) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_conversation(&mut out, c);
    }
    out.extend_from_slice(b"]}");
    out
}

/// `{"conversations":[…]}` of a borrowed page, as bytes: the same bytes as
/// [`list_bytes`] of the owned page.
///
/// ```
/// let s = store::r#gen::store(4, 50);
/// let spec = store::QuerySpec { limit: 5, window: None, ..Default::default() };
/// let page = s.query_ref(&spec)?;
/// assert_eq!(server::render::list_bytes_ref(&page.items), server::render::list_bytes(&s.query(&spec)?.items));
/// # Ok::<(), store::StoreError>(())
/// ```
pub fn list_bytes_ref(items: &[ConversationRef<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + items.len() * 768);
    out.extend_from_slice(b"{\"conversations\":[");
    for (i, c) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_conversation_ref(&mut out, *c);
    }
    out.extend_from_slice(b"]}");
    out
}

/// `{"conversations":[…]}`.
pub struct ListJson<'a>(pub &'a [Conversation]);

impl Serialize for ListJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Items<'a>(&'a [Conversation]);
        impl Serialize for Items<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(ConversationJson))
            }
        }
        let mut st = s.serialize_struct("List", 1)?;
        st.serialize_field("conversations", &Items(self.0))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_the_store_formatter() {
        let mut ms: i64 = -62_167_219_200_000; // 0000-01-01
        while ms < 253_402_300_799_999 {
            assert_eq!(format_ms(ms), store::time::format_ms(ms), "{ms}");
            ms += 7_919_999_977; // ~92 days and an odd number of ms
        }
        for ms in [0, 951_782_400_000, 951_868_799_999, 1_615_712_711_204, -1] {
            assert_eq!(format_ms(ms), store::time::format_ms(ms), "{ms}");
        }
    }

    #[test]
    fn rendering_matches_serde_for_generated_conversations() {
        for i in 0..200 {
            let c = store::r#gen::conversation(3, i);
            let serde = serde_json::to_vec(&c).unwrap_or_default();
            assert_eq!(
                serde_json::to_vec(&ConversationJson(&c)).unwrap_or_default(),
                serde
            );
            let mut fast = Vec::new();
            write_conversation(&mut fast, &c);
            assert_eq!(fast, serde);
        }
    }

    #[test]
    fn escaping_matches_serde() {
        let mut c = store::r#gen::conversation(3, 0);
        c.name = "quote \" backslash \\ tab \t nul \u{0} é 😀 </script>".to_owned();
        c.id = "\u{1f}".to_owned();
        c.end_time = None;
        c.metadata.insert("k\"ey", "v\nal");
        if let Some(m) = c.members.first_mut() {
            m.email = None;
        }
        let mut fast = Vec::new();
        write_conversation(&mut fast, &c);
        assert_eq!(fast, serde_json::to_vec(&c).unwrap_or_default());
        let back: serde_json::Value = serde_json::from_slice(&fast).unwrap_or_default();
        assert_eq!(back["name"], c.name.as_str());
        // The same conversation read back from a store, borrowed.
        c.id = "id \" \\ \u{1f}".to_owned();
        let mut s = store::Store::new();
        s.insert(c.clone()).unwrap();
        let mut borrowed = Vec::new();
        write_conversation_ref(&mut borrowed, s.get_ref(&c.id).unwrap());
        assert_eq!(borrowed, serde_json::to_vec(&c).unwrap_or_default());
    }

    #[test]
    fn borrowed_pages_render_like_owned_pages() {
        let s = store::r#gen::store(5, 300);
        for c in s.iter() {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            write_conversation_ref(&mut a, s.get_ref(&c.id).unwrap());
            write_conversation(&mut b, &c);
            assert_eq!(a, b);
        }
        let spec = store::QuerySpec {
            limit: 50,
            offset: 7,
            window: None,
            ..Default::default()
        };
        let page = s.query_ref(&spec).unwrap();
        assert_eq!(page.items.len(), 50);
        assert_eq!(
            list_bytes_ref(&page.items),
            list_bytes(&s.query(&spec).unwrap().items)
        );
        assert_eq!(list_bytes_ref(&[]), b"{\"conversations\":[]}");
    }

    #[test]
    fn escape_check_finds_every_special_byte() {
        for b in 0u8..=127 {
            let text = [b'a', b, b'z'];
            let special = b < 0x20 || b == b'"' || b == b'\\';
            assert_eq!(needs_escape(&text), special, "{b}");
        }
        assert!(!needs_escape("é 😀 </script>".as_bytes()));
        assert!(!needs_escape(b""));
        // Every byte value at every position of strings of 1–24 bytes,
        // around plain ASCII and around bytes ≥ 0x80 (UTF-8 continuations).
        for filler in [b'a', 0xC3, 0xFF, 0x80, b'!', b'#', b'[', b']'] {
            for len in 1..=24 {
                for at in 0..len {
                    for b in 0u8..=255 {
                        let mut text = vec![filler; len];
                        text[at] = b;
                        let naive = text.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
                        assert_eq!(needs_escape(&text), naive, "{filler} {len} {at} {b}");
                    }
                }
            }
        }
    }
}
