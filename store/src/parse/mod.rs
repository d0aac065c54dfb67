//! Parsing one conversation line: JSON → a borrowed, validated [`Draft`].
//!
//! A line is read into its fields as found (`found.rs`), then validated
//! here, so errors name the *field* at fault (`members[2].email`,
//! `metadata.agentId`). Two readers fill the fields: `fast_read.rs` takes
//! the common shape (the documented keys, unescaped strings, no numbers)
//! and gives up on anything else, and `serde_read.rs` (serde_json) reads
//! everything and words every syntax error. Both give the same fields for
//! every line the fast one takes (a differential test checks it). There is
//! no intermediate document: a line costs a handful of allocations (the
//! member and metadata lists). A record is either fully valid or rejected:
//! nothing is stored before validation ends.

mod fast_read;
mod found;
mod serde_read;

pub(crate) use serde_read::json_error;

use std::borrow::Cow;

use found::{ConvSlots, Fields, List, MemberSlots, Pairs, Val};

use crate::error::{RecordError, RecordErrorKind};
use crate::model::{Conversation, Member, Metadata};
use crate::rows::NO_END;
use crate::time::parse_rfc3339_ms;

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
        // The marker of a row without an end: as an end time it would come
        // back as none.
        if self.end == Some(NO_END) {
            return Err(RecordError::invalid(
                "endTime",
                "a time after the earliest 64-bit millisecond",
                &NO_END.to_string(),
            ));
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
    let fields = match fast_read::conversation(text) {
        Some(fields) => fields,
        None => serde_read::conversation(text)?,
    };
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
