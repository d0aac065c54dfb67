//! A JSON reader that refuses duplicated object keys at any depth, and can
//! stop at the first object with too many keys.
//!
//! `serde_json::Value` keeps the last of two equal keys silently, so
//! `{"metadata":{"a":"1","a":"2"}}` would look like a valid update. The
//! metadata PUT (`api.md` §2.2) must answer 400 instead, so request bodies are
//! read through [`parse_strict`], whose map visitor checks every key.
//!
//! [`parse_strict_capped`] also bounds the keys of every object: the reader
//! stops at the first key past the cap, so a hostile body of a hundred
//! thousand short keys costs the parse of a few hundred, not of all of them.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a strict read failed.
#[derive(Debug)]
pub enum StrictError {
    /// Not JSON, or a duplicated key (serde_json's message and position).
    Json(serde_json::Error),
    /// An object has more keys than the cap of [`parse_strict_capped`].
    TooManyKeys {
        /// The cap.
        limit: usize,
        /// The first key past the cap (truncated for messages).
        key: String,
        /// Where the object is: the keys leading to it, joined by `.`, and
        /// `[i]` for an array element (empty for the body itself).
        path: String,
    },
}

impl fmt::Display for StrictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrictError::Json(e) => fmt::Display::fmt(e, f),
            StrictError::TooManyKeys { limit, key, path } if path.is_empty() => {
                write!(f, "more than {limit} keys in one object (at key `{key}`)")
            }
            StrictError::TooManyKeys { limit, key, path } => {
                write!(
                    f,
                    "{path}: more than {limit} keys in one object (at key `{key}`)"
                )
            }
        }
    }
}

impl std::error::Error for StrictError {}

/// Parses `bytes` as JSON, failing on a duplicated key anywhere.
///
/// ```
/// use server::jsonmap::parse_strict;
/// assert!(parse_strict(br#"{"a":{"b":1,"c":[{"d":null}]}}"#).is_ok());
/// let err = parse_strict(br#"{"metadata":{"a":"1","a":"2"}}"#).unwrap_err();
/// assert!(err.to_string().contains("duplicate key `a`"), "{err}");
/// ```
pub fn parse_strict(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let overflow = RefCell::new(None);
    let path = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = Strict {
        cap: usize::MAX,
        overflow: &overflow,
        path: &path,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// [`parse_strict`] where no object may hold more than `max_keys` keys: the
/// read stops at the first key past the cap.
///
/// ```
/// use server::jsonmap::{parse_strict_capped, StrictError};
/// assert!(parse_strict_capped(br#"{"m":{"a":"1","b":"2"}}"#, 2).is_ok());
/// let err = parse_strict_capped(br#"{"m":{"a":"1","b":"2","c":"3","d":"4"}}"#, 2).unwrap_err();
/// assert!(matches!(&err, StrictError::TooManyKeys { limit: 2, key, path } if key == "c" && path == "m"));
/// assert_eq!(err.to_string(), "m: more than 2 keys in one object (at key `c`)");
/// ```
pub fn parse_strict_capped(bytes: &[u8], max_keys: usize) -> Result<Value, StrictError> {
    let overflow = RefCell::new(None);
    let path = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Strict {
        cap: max_keys,
        overflow: &overflow,
        path: &path,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match (parsed, overflow.into_inner()) {
        (Err(_), Some((key, path))) => Err(StrictError::TooManyKeys {
            limit: max_keys,
            key,
            path,
        }),
        (Err(e), None) => Err(StrictError::Json(e)),
        (Ok(v), _) => Ok(v),
    }
}

/// The seed and visitor of one value: the key cap, and where the key past
/// the cap is recorded (so the caller can tell that error from a syntax one).
#[derive(Clone, Copy)]
struct Strict<'c> {
    cap: usize,
    /// The key past the cap and the path of its object.
    overflow: &'c RefCell<Option<(String, String)>>,
    /// The keys (and `[i]`s) leading to the value being read.
    path: &'c RefCell<Vec<String>>,
}

impl Strict<'_> {
    /// Reads the next value with `step` on the path.
    fn within<T>(self, step: String, read: impl FnOnce(Self) -> T) -> T {
        self.path.borrow_mut().push(step);
        let v = read(self);
        self.path.borrow_mut().pop();
        v
    }

    fn path(&self) -> String {
        let mut out = String::new();
        for step in self.path.borrow().iter() {
            if !out.is_empty() && !step.starts_with('[') {
                out.push('.');
            }
            out.push_str(step);
        }
        out
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = self.within(format!("[{}]", out.len()), |s| seq.next_element_seed(s))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.len() >= self.cap {
                let key = crate::error::truncate(&key);
                let e = de::Error::custom(format_args!(
                    "more than {} keys in one object (at key `{key}`)",
                    self.cap
                ));
                *self.overflow.borrow_mut() = Some((key, self.path()));
                return Err(e);
            }
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key `{}`",
                    crate::error::truncate(&key)
                )));
            }
            let step = crate::error::truncate(&key);
            let v = self.within(step, |s| map.next_value_seed(s))?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_counts_distinct_keys_at_and_past_the_limit() {
        let body = |n: usize| {
            let pairs: Vec<String> = (0..n).map(|i| format!(r#""k{i}":null"#)).collect();
            format!(r#"{{"metadata":{{{}}}}}"#, pairs.join(","))
        };
        assert!(parse_strict_capped(body(200).as_bytes(), 200).is_ok());
        match parse_strict_capped(body(201).as_bytes(), 200) {
            Err(StrictError::TooManyKeys {
                limit: 200,
                key,
                path,
            }) => assert_eq!((key.as_str(), path.as_str()), ("k200", "metadata")),
            other => panic!("{other:?}"),
        }
        // The path names the object past the cap, through arrays too.
        let deep = format!(r#"{{"a":[1,{{"b":{}}}]}}"#, body(3));
        match parse_strict_capped(deep.as_bytes(), 2) {
            Err(e @ StrictError::TooManyKeys { .. }) => assert_eq!(
                e.to_string(),
                "a[1].b.metadata: more than 2 keys in one object (at key `k2`)"
            ),
            other => panic!("{other:?}"),
        }
        let top = r#"{"a":1,"b":2,"c":3}"#;
        match parse_strict_capped(top.as_bytes(), 2) {
            Err(e @ StrictError::TooManyKeys { .. }) => {
                assert_eq!(e.to_string(), "more than 2 keys in one object (at key `c`)")
            }
            other => panic!("{other:?}"),
        }
        // Arrays of objects: the cap is per object.
        let nested = format!("[{},{}]", body(3), body(3));
        assert!(parse_strict_capped(nested.as_bytes(), 3).is_ok());
    }

    #[test]
    fn syntax_and_duplicates_are_json_errors() {
        for bad in [&b"{\"a\":"[..], br#"{"a":1,"a":2}"#, b"{} x"] {
            assert!(matches!(
                parse_strict_capped(bad, 10),
                Err(StrictError::Json(_))
            ));
            assert!(parse_strict(bad).is_err());
        }
        let dup = parse_strict_capped(br#"{"m":{"a":1,"a":2}}"#, 10).unwrap_err();
        assert!(dup.to_string().contains("duplicate key `a`"), "{dup}");
    }
}
