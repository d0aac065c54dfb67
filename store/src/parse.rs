//! Parsing one conversation line: JSON → a borrowed, validated [`Draft`].
//!
//! serde_json only checks syntax here. Each field is read by a visitor that
//! accepts any JSON type and remembers what it found (a string borrowed from
//! the line when it has no escape, or just the type's name), so the
//! validation that follows can name the *field* at fault (`members[2].email`,
//! `metadata.agentId`) and catch duplicate keys, which serde's derive and
//! `serde_json::Value` cannot. There is no intermediate document: a line
//! costs a handful of allocations (the member and metadata lists). A record
//! is either fully valid or rejected: nothing is stored before validation ends.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{RecordError, RecordErrorKind};
use crate::model::{Conversation, Member, Metadata};
use crate::time::parse_rfc3339_ms;

/// A scalar field as found: a string, null, or some other JSON type.
#[derive(Debug)]
enum Val<'a> {
    Null,
    Str(Cow<'a, str>),
    Other(&'static str),
}

/// Accepts any JSON value; keeps strings, names other types.
struct AnyVisitor;

macro_rules! other {
    ($name:ident, $t:ty, $what:expr) => {
        fn $name<E>(self, _: $t) -> Result<Val<'de>, E> {
            Ok(Val::Other($what))
        }
    };
}

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    other!(visit_bool, bool, "a boolean");
    other!(visit_i64, i64, "a number");
    other!(visit_u64, u64, "a number");
    other!(visit_f64, f64, "a number");
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Other("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Val::Other("an object"))
    }
}

impl<'de> Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
}

/// An object key, borrowed when it has no escape.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// An object's chosen fields as found, plus the first repeated key.
#[derive(Debug)]
struct Fields<T> {
    slots: T,
    duplicate: Option<String>,
    /// The JSON type when the value was not an object (`None`: an object).
    not_object: Option<&'static str>,
}

impl<T: Default> Fields<T> {
    /// The value was `what` (e.g. "a number"), not an object.
    fn not_object(what: &'static str) -> Self {
        Fields {
            slots: T::default(),
            duplicate: None,
            not_object: Some(what),
        }
    }
}

/// The fields of a member object.
#[derive(Debug, Default)]
struct MemberSlots<'a> {
    id: Option<Val<'a>>,
    name: Option<Val<'a>>,
    email: Option<Val<'a>>,
}

/// The fields of a conversation object.
#[derive(Debug, Default)]
struct ConvSlots<'a> {
    id: Option<Val<'a>>,
    kind: Option<Val<'a>>,
    name: Option<Val<'a>>,
    start: Option<Val<'a>>,
    end: Option<Val<'a>>,
    members: Option<List<'a>>,
    metadata: Option<Pairs<'a>>,
}

/// `members` as found.
#[derive(Debug)]
enum List<'a> {
    Null,
    Items(Vec<Fields<MemberSlots<'a>>>),
    Other(&'static str),
}

/// `metadata` as found.
#[derive(Debug)]
enum Pairs<'a> {
    Null,
    Items(Vec<(Cow<'a, str>, Val<'a>)>),
    Other(&'static str),
}

fn set<T>(slot: &mut Option<T>, value: T, key: &str, duplicate: &mut Option<String>) {
    if slot.is_some() && duplicate.is_none() {
        *duplicate = Some(key.to_string());
    }
    *slot = Some(value);
}

/// Implements `Deserialize` for an object-or-other wrapper with a map visitor body.
macro_rules! object_visitor {
    ($slots:ident, $visit:expr) => {
        impl<'de> Deserialize<'de> for Fields<$slots<'de>> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Fields<$slots<'de>>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a JSON value")
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut out = Fields {
                            slots: $slots::default(),
                            duplicate: None,
                            not_object: None,
                        };
                        while let Some(Key(key)) = map.next_key()? {
                            #[allow(clippy::redundant_closure_call)]
                            ($visit)(&mut out, key, &mut map)?;
                        }
                        Ok(out)
                    }
                    fn visit_unit<E>(self) -> Result<Self::Value, E> {
                        Ok(Fields::not_object("null"))
                    }
                    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                        Ok(Fields::not_object("a boolean"))
                    }
                    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                        Ok(Fields::not_object("a number"))
                    }
                    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                        Ok(Fields::not_object("a number"))
                    }
                    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                        Ok(Fields::not_object("a number"))
                    }
                    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                        Ok(Fields::not_object("a string"))
                    }
                    fn visit_seq<A: SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<Self::Value, A::Error> {
                        while seq.next_element::<IgnoredAny>()?.is_some() {}
                        Ok(Fields::not_object("an array"))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

object_visitor!(MemberSlots, |out: &mut Fields<MemberSlots<'de>>,
                              key: Cow<'de, str>,
                              map: &mut A| {
    let dup = &mut out.duplicate;
    let s = &mut out.slots;
    match &*key {
        "id" => set(&mut s.id, map.next_value()?, &key, dup),
        "name" => set(&mut s.name, map.next_value()?, &key, dup),
        "email" => set(&mut s.email, map.next_value()?, &key, dup),
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok::<(), A::Error>(())
});

object_visitor!(ConvSlots, |out: &mut Fields<ConvSlots<'de>>,
                            key: Cow<'de, str>,
                            map: &mut A| {
    let dup = &mut out.duplicate;
    let s = &mut out.slots;
    match &*key {
        "id" => set(&mut s.id, map.next_value()?, &key, dup),
        "type" => set(&mut s.kind, map.next_value()?, &key, dup),
        "name" => set(&mut s.name, map.next_value()?, &key, dup),
        "startTime" => set(&mut s.start, map.next_value()?, &key, dup),
        "endTime" => set(&mut s.end, map.next_value()?, &key, dup),
        "members" => set(&mut s.members, map.next_value()?, &key, dup),
        "metadata" => set(&mut s.metadata, map.next_value()?, &key, dup),
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok::<(), A::Error>(())
});

impl<'de> Deserialize<'de> for List<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<List<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<'de>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(6));
                while let Some(m) = seq.next_element()? {
                    items.push(m);
                }
                Ok(List::Items(items))
            }
            fn visit_unit<E>(self) -> Result<List<'de>, E> {
                Ok(List::Null)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(List::Other("an object"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<List<'de>, E> {
                Ok(List::Other("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<List<'de>, E> {
                Ok(List::Other("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<List<'de>, E> {
                Ok(List::Other("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<List<'de>, E> {
                Ok(List::Other("a number"))
            }
            fn visit_str<E>(self, _: &str) -> Result<List<'de>, E> {
                Ok(List::Other("a string"))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Pairs<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pairs<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'de>, A::Error> {
                let mut items = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(Key(k)) = map.next_key()? {
                    items.push((k, map.next_value()?));
                }
                Ok(Pairs::Items(items))
            }
            fn visit_unit<E>(self) -> Result<Pairs<'de>, E> {
                Ok(Pairs::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pairs<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Pairs::Other("an array"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Pairs<'de>, E> {
                Ok(Pairs::Other("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Pairs<'de>, E> {
                Ok(Pairs::Other("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Pairs<'de>, E> {
                Ok(Pairs::Other("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Pairs<'de>, E> {
                Ok(Pairs::Other("a number"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Pairs<'de>, E> {
                Ok(Pairs::Other("a string"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A validated member, borrowing from the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MemberDraft<'a> {
    pub(crate) id: Cow<'a, str>,
    pub(crate) name: Cow<'a, str>,
    pub(crate) email: Option<Cow<'a, str>>,
}

/// A validated conversation, borrowing from the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Draft<'a> {
    pub(crate) id: Cow<'a, str>,
    pub(crate) kind: Cow<'a, str>,
    pub(crate) name: Cow<'a, str>,
    pub(crate) start: i64,
    pub(crate) end: Option<i64>,
    pub(crate) members: Vec<MemberDraft<'a>>,
    pub(crate) metadata: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Known to hold no U+0000: parsed from JSON (where only an escaped
    /// string, which is owned, can hold one) and no owned string does. When
    /// `false`, writes check every string (`writes::no_nul_in_draft`).
    pub(crate) nul_free: bool,
}

impl<'a> Draft<'a> {
    pub(crate) fn to_owned_conversation(&self) -> Conversation {
        Conversation {
            id: self.id.to_string(),
            kind: self.kind.to_string(),
            name: self.name.to_string(),
            start_time: self.start,
            end_time: self.end,
            members: self
                .members
                .iter()
                .map(|m| Member {
                    id: m.id.to_string(),
                    name: m.name.to_string(),
                    email: m.email.as_deref().map(str::to_string),
                })
                .collect(),
            metadata: self
                .metadata
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Metadata>(),
        }
    }

    /// Borrows an owned conversation (checked with [`Draft::check`] by the caller).
    pub(crate) fn from_conversation(c: &'a Conversation) -> Draft<'a> {
        Draft {
            id: Cow::Borrowed(&c.id),
            kind: Cow::Borrowed(&c.kind),
            name: Cow::Borrowed(&c.name),
            start: c.start_time,
            end: c.end_time,
            members: c
                .members
                .iter()
                .map(|m| MemberDraft {
                    id: Cow::Borrowed(&m.id),
                    name: Cow::Borrowed(&m.name),
                    email: m.email.as_deref().map(Cow::Borrowed),
                })
                .collect(),
            metadata: c
                .metadata
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v)))
                .collect(),
            nul_free: false,
        }
    }

    /// Rules every stored conversation obeys, whatever its source.
    pub(crate) fn check(&self) -> Result<(), RecordError> {
        if self.id.is_empty() {
            return Err(RecordError::invalid("id", "a non-empty string", ""));
        }
        if let Some(end) = self.end
            && end < self.start
        {
            return Err(RecordError::at(
                "endTime",
                RecordErrorKind::EndBeforeStart {
                    start: crate::time::format_ms(self.start),
                    end: crate::time::format_ms(end),
                },
            ));
        }
        for (i, m) in self.members.iter().enumerate() {
            if m.id.is_empty() {
                return Err(RecordError::invalid(
                    format!("members[{i}].id"),
                    "a non-empty string",
                    "",
                ));
            }
        }
        if let Some(key) = first_duplicate(&self.metadata) {
            return Err(RecordError::at(
                format!("metadata.{key}"),
                RecordErrorKind::DuplicateKey {
                    key: key.to_string(),
                },
            ));
        }
        Ok(())
    }
}

/// The first key that appears twice.
fn first_duplicate<'k>(pairs: &'k [(Cow<'_, str>, Cow<'_, str>)]) -> Option<&'k str> {
    if pairs.len() <= 16 {
        pairs
            .iter()
            .enumerate()
            .find(|(i, (k, _))| pairs[..*i].iter().any(|(k2, _)| k2 == k))
            .map(|(_, (k, _))| &**k)
    } else {
        let mut seen = std::collections::HashSet::with_capacity(pairs.len());
        pairs.iter().map(|(k, _)| &**k).find(|k| !seen.insert(*k))
    }
}

/// A serde_json error as a [`RecordError`].
pub(crate) fn json_error(e: &serde_json::Error) -> RecordError {
    RecordError::whole(RecordErrorKind::Json {
        message: strip_position(&e.to_string()),
        column: e.column(),
    })
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

impl Conversation {
    /// Parses one conversation in the JSON shape of `docs/data-formats.md`,
    /// with errors that name the field.
    ///
    /// ```
    /// let err = store::Conversation::from_json(r#"{"id":"1","type":"call","name":"x",
    ///     "startTime":"2021-01-01T10:00:00Z","endTime":"2021-01-01T09:00:00Z"}"#).unwrap_err();
    /// assert_eq!(err.field(), Some("endTime"));
    /// ```
    pub fn from_json(text: &str) -> Result<Conversation, RecordError> {
        parse_conversation(text).map(|d| d.to_owned_conversation())
    }
}

/// Parses and validates one conversation.
pub(crate) fn parse_conversation(text: &str) -> Result<Draft<'_>, RecordError> {
    let fields: Fields<ConvSlots<'_>> = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    draft(fields)
}

fn draft(fields: Fields<ConvSlots<'_>>) -> Result<Draft<'_>, RecordError> {
    if let Some(found) = fields.not_object {
        return Err(RecordError::whole(RecordErrorKind::WrongType {
            expected: "an object",
            found,
        }));
    }
    if let Some(key) = fields.duplicate {
        return Err(RecordError::whole(RecordErrorKind::DuplicateKey { key }));
    }
    let s = fields.slots;
    let start = timestamp("startTime", &string("startTime", s.start)?)?;
    let end = match s.end {
        None | Some(Val::Null) => None,
        Some(v) => Some(timestamp("endTime", &string("endTime", Some(v))?)?),
    };
    let d = Draft {
        id: string("id", s.id)?,
        kind: string("type", s.kind)?,
        name: string("name", s.name)?,
        start,
        end,
        members: match s.members {
            None | Some(List::Null) => Vec::new(),
            Some(List::Items(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, m)| member(i, m))
                .collect::<Result<_, _>>()?,
            Some(List::Other(found)) => return Err(wrong("members", "an array", found)),
        },
        metadata: match s.metadata {
            None | Some(Pairs::Null) => Vec::new(),
            Some(Pairs::Items(pairs)) => pairs
                .into_iter()
                .map(|(k, v)| match v {
                    Val::Str(s) => Ok((k, s)),
                    Val::Null => Err(wrong(format!("metadata.{k}"), "a string", "null")),
                    Val::Other(found) => Err(wrong(format!("metadata.{k}"), "a string", found)),
                })
                .collect::<Result<_, _>>()?,
            Some(Pairs::Other(found)) => return Err(wrong("metadata", "an object", found)),
        },
        nul_free: false,
    };
    d.check()?;
    Ok(Draft {
        nul_free: owned_nul_free(&d),
        ..d
    })
}

/// Whether no owned (unescaped) string of a parsed draft holds U+0000. A
/// borrowed one cannot: JSON text holds no raw control character, inside a
/// string (serde_json refuses it) or out.
fn owned_nul_free(d: &Draft<'_>) -> bool {
    let ok = |s: &Cow<'_, str>| matches!(s, Cow::Borrowed(_)) || !s.contains('\0');
    ok(&d.id)
        && ok(&d.kind)
        && ok(&d.name)
        && d.members
            .iter()
            .all(|m| ok(&m.id) && ok(&m.name) && m.email.as_ref().is_none_or(ok))
        && d.metadata.iter().all(|(k, v)| ok(k) && ok(v))
}

fn member<'a>(i: usize, m: Fields<MemberSlots<'a>>) -> Result<MemberDraft<'a>, RecordError> {
    if let Some(found) = m.not_object {
        return Err(wrong(format!("members[{i}]"), "an object", found));
    }
    if let Some(key) = m.duplicate {
        return Err(RecordError::at(
            format!("members[{i}]"),
            RecordErrorKind::DuplicateKey { key },
        ));
    }
    let s = m.slots;
    let path = |name: &str| format!("members[{i}].{name}");
    Ok(MemberDraft {
        id: string_at(s.id, || path("id"))?,
        name: string_at(s.name, || path("name"))?,
        email: match s.email {
            None | Some(Val::Null) => None,
            Some(v) => Some(string_at(Some(v), || path("email"))?),
        },
    })
}

fn wrong(field: impl Into<String>, expected: &'static str, found: &'static str) -> RecordError {
    RecordError::at(field, RecordErrorKind::WrongType { expected, found })
}

fn string<'a>(field: &str, v: Option<Val<'a>>) -> Result<Cow<'a, str>, RecordError> {
    string_at(v, || field.to_string())
}

/// A required string; the field path is only built on error.
fn string_at<'a>(
    v: Option<Val<'a>>,
    field: impl FnOnce() -> String,
) -> Result<Cow<'a, str>, RecordError> {
    match v {
        Some(Val::Str(s)) => Ok(s),
        None | Some(Val::Null) => Err(RecordError::at(field(), RecordErrorKind::Missing)),
        Some(Val::Other(found)) => Err(wrong(field(), "a string", found)),
    }
}

fn timestamp(field: &str, text: &str) -> Result<i64, RecordError> {
    parse_rfc3339_ms(text).map_err(|reason| {
        RecordError::at(
            field,
            RecordErrorKind::Timestamp {
                value: text.to_string(),
                reason,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_conversation(text).unwrap_err().to_string()
    }

    const OK: &str = r#"{"id":"1","type":"call","name":"n","startTime":"2021-01-01T00:00:00Z"#;

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(err(r#"{"id":1}"#), "field `startTime`: missing");
        assert_eq!(
            err(&format!(
                r#"{OK}","members":[{{"id":"a","name":"b","email":5}}]}}"#
            )),
            "field `members[0].email`: expected a string, found a number"
        );
        assert_eq!(
            err(&format!(r#"{OK}","members":[3]}}"#)),
            "field `members[0]`: expected an object, found a number"
        );
        assert_eq!(
            err(&format!(r#"{OK}","members":{{}}}}"#)),
            "field `members`: expected an array, found an object"
        );
        assert_eq!(
            err(&format!(r#"{OK}","metadata":{{"a":"1","b":true}}}}"#)),
            "field `metadata.b`: expected a string, found a boolean"
        );
        assert_eq!(
            err(&format!(r#"{OK}","metadata":{{"a":"1","a":"2"}}}}"#)),
            "field `metadata.a`: duplicate key `a`"
        );
        assert_eq!(err(&format!(r#"{OK}","id":"2"}}"#)), "duplicate key `id`");
        assert_eq!(
            err(&format!(r#"{OK}","endTime":"2020-12-31T23:59:59Z"}}"#)),
            "field `endTime`: `2020-12-31T23:59:59.000Z` is before startTime `2021-01-01T00:00:00.000Z`"
        );
        assert_eq!(err("[1]"), "expected an object, found an array");
        assert!(err(r#"{"id":"1""#).starts_with("malformed JSON at column"));
        assert_eq!(
            err(r#"{"id":"","type":"call","name":"n","startTime":"2021-01-01T00:00:00Z"}"#),
            "field `id`: expected a non-empty string, found ``"
        );
    }

    #[test]
    fn borrows_unescaped_strings_and_unescapes_others() {
        let text = r#"{"id":"1","type":"call","name":"a \"quoted\" name","startTime":"2021-01-01T00:00:00Z","endTime":null,"extra":{"x":[1,2]}}"#;
        let d = parse_conversation(text).unwrap();
        assert!(matches!(d.id, Cow::Borrowed(_)));
        assert_eq!(d.name, "a \"quoted\" name");
        assert_eq!(d.end, None);
    }
}
