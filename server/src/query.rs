//! Query strings, read by hand rather than through `warp::query::<T>()` so the
//! rules of `api.md` §2.0 hold exactly: unknown parameters are ignored, the
//! first of a repeated parameter wins, and `sort` values are joined with
//! commas. Decoding is `application/x-www-form-urlencoded` (as serde_urlencoded
//! does): `+` becomes a space, so clients send a literal `+` as `%2B`.

use std::borrow::Cow;
use std::cell::OnceCell;

/// The parameters of one request, in order. Names are decoded when the
/// query is read; a value is decoded the first time it is asked for.
///
/// ```
/// let q = server::query::Params::parse("limit=5&sort=a&limit=9&sort=-b&x=%2B1&f=a%3D%3Db+c");
/// assert_eq!(q.get("limit"), Some("5"));
/// assert_eq!(q.joined("sort").as_deref(), Some("a,-b"));
/// assert_eq!(q.get("x"), Some("+1"));
/// assert_eq!(q.get("f"), Some("a==b c"));
/// assert_eq!(q.get("missing"), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Params<'q> {
    pairs: Vec<Pair<'q>>,
}

#[derive(Clone, Debug)]
struct Pair<'q> {
    /// The decoded name.
    name: Cow<'q, str>,
    /// The value as sent.
    raw: &'q str,
    /// The value decoded, once asked for.
    value: OnceCell<Cow<'q, str>>,
}

impl<'q> Pair<'q> {
    fn value(&self) -> &str {
        self.value.get_or_init(|| decode_form(self.raw))
    }
}

impl<'q> Params<'q> {
    /// Reads a raw query string (without the `?`): `&`-separated pairs,
    /// empty ones skipped, the name up to the first `=`.
    pub fn parse(raw: &'q str) -> Params<'q> {
        Params {
            pairs: raw
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (name, value) = p.split_once('=').unwrap_or((p, ""));
                    Pair {
                        name: decode_form(name),
                        raw: value,
                        value: OnceCell::new(),
                    }
                })
                .collect(),
        }
    }

    /// The first non-empty value of `name`, decoded: an empty value
    /// (`filter=`, `status=`) is the same as an absent parameter (`api.md`
    /// §2.0), on every route.
    ///
    /// ```
    /// let q = server::query::Params::parse("status=&page=&page=2&x");
    /// assert_eq!(q.get("status"), None);
    /// assert_eq!(q.get("page"), Some("2"));
    /// assert_eq!(q.get("x"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|p| p.name == name && !p.raw.is_empty())
            .map(Pair::value)
    }

    /// Every non-empty value of `name` joined with `,` (for `sort`), or `None`.
    pub fn joined(&self, name: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for p in self
            .pairs
            .iter()
            .filter(|p| p.name == name && !p.raw.is_empty())
        {
            match &mut out {
                Some(s) => {
                    s.push(',');
                    s.push_str(p.value());
                }
                None => out = Some(p.value().to_owned()),
            }
        }
        out
    }
}

/// Decodes one `application/x-www-form-urlencoded` name or value: `+` is a
/// space, then percent-decoding, then UTF-8 with invalid bytes replaced (as
/// `form_urlencoded::parse` does). Borrowed when nothing changes.
///
/// ```
/// assert_eq!(server::query::decode_form("a+b%2Bc%3D"), "a b+c=");
/// assert_eq!(server::query::decode_form("%FF"), "\u{FFFD}");
/// ```
pub fn decode_form(s: &str) -> Cow<'_, str> {
    if s.contains('+') {
        let spaced = s.replace('+', " ");
        Cow::Owned(
            percent_encoding::percent_decode_str(&spaced)
                .decode_utf8_lossy()
                .into_owned(),
        )
    } else {
        percent_encoding::percent_decode_str(s).decode_utf8_lossy()
    }
}

/// Percent-encodes a query value so that decoding gives it back exactly:
/// everything but `A-Z a-z 0-9 - . _ ~` is escaped (so `;`, `,`, `=`, `+`,
/// quotes, spaces and `*` in a filter survive a round trip).
///
/// ```
/// use server::query::{encode, Params};
/// let f = "metadata.a=in=(x,'y z');name==*+*";
/// let raw = format!("filter={}", encode(f));
/// let q = Params::parse(&raw);
/// assert_eq!(q.get("filter"), Some(f));
/// ```
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    encode_into(&mut out, value);
    out
}

/// [`encode`], appended to `out` (no buffer of its own).
///
/// ```
/// let mut link = String::from("filter=");
/// server::query::encode_into(&mut link, "a==1;b=in=(x,y)");
/// assert_eq!(link, "filter=a%3D%3D1%3Bb%3Din%3D%28x%2Cy%29");
/// ```
pub fn encode_into(out: &mut String, value: &str) {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    out.extend(percent_encoding::utf8_percent_encode(value, SET));
}

/// Percent-decodes one path segment (warp hands them over raw).
///
/// ```
/// assert_eq!(server::query::decode_segment("a%20b"), "a b");
/// assert_eq!(server::query::decode_segment("a+b"), "a+b");
/// ```
pub fn decode_segment(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Params;

    proptest! {
        /// Reading pairs by hand and decoding lazily gives what
        /// `form_urlencoded::parse` gives, for every name.
        #[test]
        fn params_decode_like_form_urlencoded(raw in "([a-c=&+%]|%[0-9A-Fa-f]{2}|%[G-Z]|é|%C3|%FF){0,24}") {
            let q = Params::parse(&raw);
            let want: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
            // An empty value is the same as an absent parameter.
            for (name, _) in &want {
                let first = want.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str());
                prop_assert_eq!(q.get(name), first, "{:?}", raw);
                let all: Vec<&str> = want.iter().filter(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str()).collect();
                let joined = (!all.is_empty()).then(|| all.join(","));
                prop_assert_eq!(q.joined(name), joined, "{:?}", raw);
            }
            prop_assert_eq!(q.pairs.len(), want.len(), "{:?}", raw);
        }
    }
}
