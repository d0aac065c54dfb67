//! Query strings, read by hand rather than through `warp::query::<T>()` so the
//! rules of `api.md` §2.0 hold exactly: unknown parameters are ignored, the
//! first of a repeated parameter wins, and `sort` values are joined with
//! commas. Decoding is `application/x-www-form-urlencoded` (as serde_urlencoded
//! does): `+` becomes a space, so clients send a literal `+` as `%2B`.

use std::borrow::Cow;

/// The decoded parameters of one request, in order.
///
/// ```
/// let q = server::query::Params::parse("limit=5&sort=a&limit=9&sort=-b&x=%2B1");
/// assert_eq!(q.get("limit"), Some("5"));
/// assert_eq!(q.joined("sort").as_deref(), Some("a,-b"));
/// assert_eq!(q.get("x"), Some("+1"));
/// assert_eq!(q.get("missing"), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Params<'q> {
    /// Borrowed from the raw query unless decoding changed the text.
    pairs: Vec<(Cow<'q, str>, Cow<'q, str>)>,
}

impl<'q> Params<'q> {
    /// Decodes a raw query string (without the `?`).
    pub fn parse(raw: &'q str) -> Params<'q> {
        Params {
            pairs: form_urlencoded::parse(raw.as_bytes()).collect(),
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }

    /// Every value of `name` joined with `,` (for `sort`), or `None`.
    pub fn joined(&self, name: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for (_, v) in self.pairs.iter().filter(|(k, _)| k == name) {
            match &mut out {
                Some(s) => {
                    s.push(',');
                    s.push_str(v);
                }
                None => out = Some(v.clone().into_owned()),
            }
        }
        out
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
