//! Parsing one conversation line: JSON → a borrowed, validated [`Draft`].
//!
//! serde_json only checks syntax here: the line becomes a small borrowed
//! document ([`Json`]) that keeps duplicate keys and strings without escapes
//! as slices of the line. Validation then walks it and reports the *field* at
//! fault (`members[2].email`, `metadata.agentId`), which serde's derive cannot
//! do, and detects duplicate keys, which `serde_json::Value` silently drops.
//! A record is either fully valid or rejected: nothing is stored before
//! validation ends.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{RecordError, RecordErrorKind};
use crate::model::{Conversation, Member, Metadata};
use crate::time::parse_rfc3339_ms;

/// A JSON value borrowing its strings from the input when it can.
#[derive(Debug)]
pub(crate) enum Json<'a> {
    Null,
    Bool,
    Number,
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl Json<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool => "a boolean",
            Json::Number => "a number",
            Json::Str(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Json<'de>, E> {
        Ok(Json::Number)
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(Key(k)) = map.next_key()? {
            items.push((k, map.next_value()?));
        }
        Ok(Json::Object(items))
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(JsonVisitor)
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

    /// Borrows an owned conversation (no validation: owned values were built
    /// by code, but `end < start` is still checked by the store).
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
        for (i, (k, _)) in self.metadata.iter().enumerate() {
            if self.metadata[..i].iter().any(|(k2, _)| k2 == k) {
                return Err(RecordError::at(
                    format!("metadata.{k}"),
                    RecordErrorKind::DuplicateKey { key: k.to_string() },
                ));
            }
        }
        Ok(())
    }
}

/// Parses and validates one conversation.
pub(crate) fn parse_conversation(text: &str) -> Result<Draft<'_>, RecordError> {
    let json: Json<'_> = serde_json::from_str(text).map_err(|e| crate::jsonfile::json_error(&e))?;
    draft(json)
}

fn draft(json: Json<'_>) -> Result<Draft<'_>, RecordError> {
    let Json::Object(fields) = json else {
        return Err(RecordError::whole(RecordErrorKind::WrongType {
            expected: "an object",
            found: json.type_name(),
        }));
    };
    let (mut id, mut kind, mut name, mut start, mut end, mut members, mut metadata) =
        (None, None, None, None, None, None, None);
    for (key, value) in fields {
        let slot = match &*key {
            "id" => &mut id,
            "type" => &mut kind,
            "name" => &mut name,
            "startTime" => &mut start,
            "endTime" => &mut end,
            "members" => &mut members,
            "metadata" => &mut metadata,
            _ => continue,
        };
        if slot.is_some() {
            return Err(RecordError::whole(RecordErrorKind::DuplicateKey {
                key: key.into_owned(),
            }));
        }
        *slot = Some(value);
    }
    let start_text = string("startTime", start)?;
    let start = timestamp("startTime", &start_text)?;
    let end = match end {
        None | Some(Json::Null) => None,
        Some(v) => Some(timestamp("endTime", &string("endTime", Some(v))?)?),
    };
    let d = Draft {
        id: string("id", id)?,
        kind: string("type", kind)?,
        name: string("name", name)?,
        start,
        end,
        members: match members {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, m)| member(i, m))
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(wrong("members", "an array", &other)),
        },
        metadata: match metadata {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Object(pairs)) => pairs
                .into_iter()
                .map(|(k, v)| match v {
                    Json::Str(s) => Ok((k, s)),
                    other => Err(wrong(format!("metadata.{k}"), "a string", &other)),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(wrong("metadata", "an object", &other)),
        },
    };
    d.check()?;
    Ok(d)
}

fn member(i: usize, json: Json<'_>) -> Result<MemberDraft<'_>, RecordError> {
    let Json::Object(fields) = json else {
        return Err(wrong(format!("members[{i}]"), "an object", &json));
    };
    let (mut id, mut name, mut email) = (None, None, None);
    for (key, value) in fields {
        let slot = match &*key {
            "id" => &mut id,
            "name" => &mut name,
            "email" => &mut email,
            _ => continue,
        };
        if slot.is_some() {
            return Err(RecordError::at(
                format!("members[{i}]"),
                RecordErrorKind::DuplicateKey {
                    key: key.into_owned(),
                },
            ));
        }
        *slot = Some(value);
    }
    Ok(MemberDraft {
        id: string(&format!("members[{i}].id"), id)?,
        name: string(&format!("members[{i}].name"), name)?,
        email: match email {
            None | Some(Json::Null) => None,
            Some(v) => Some(string(&format!("members[{i}].email"), Some(v))?),
        },
    })
}

fn wrong(field: impl Into<String>, expected: &'static str, found: &Json<'_>) -> RecordError {
    RecordError::at(
        field,
        RecordErrorKind::WrongType {
            expected,
            found: found.type_name(),
        },
    )
}

fn string<'a>(field: &str, v: Option<Json<'a>>) -> Result<Cow<'a, str>, RecordError> {
    match v {
        Some(Json::Str(s)) => Ok(s),
        None | Some(Json::Null) => Err(RecordError::at(field, RecordErrorKind::Missing)),
        Some(other) => Err(wrong(field, "a string", &other)),
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
                r#"{OK}","id2":1,"members":[{{"id":"a","name":"b","email":5}}]}}"#
            )),
            "field `members[0].email`: expected a string, found a number"
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
            "field `endTime`: `endTime` `2020-12-31T23:59:59.000Z` is before `startTime` `2021-01-01T00:00:00.000Z`"
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
