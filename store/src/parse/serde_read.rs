//! The general reader: serde_json checks the syntax and these visitors
//! fill the fields as found (`found.rs`). Each accepts any JSON type and
//! remembers what it found, so the validation that follows can name the
//! *field* at fault and catch duplicate keys, which serde's derive and
//! `serde_json::Value` cannot.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{RecordError, RecordErrorKind};

use super::found::{ConvSlots, Fields, Key, List, MemberSlots, Pairs, Val, set};

/// Accepts any JSON value; keeps strings, names other types.
struct AnyVisitor;

macro_rules! other {
    ($name:ident, $t:ty, $what:expr) => {
        fn $name<E>(self, _: $t) -> Result<Val<'de>, E> {
            Ok(Val::Other($what))
        }
    };
}

/// The visitor methods for the scalar JSON types a container field may
/// hold instead of its container: each gives `$other(the type's name)`.
macro_rules! scalars_are {
    ($value:ty, $other:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<$value, E> {
            Ok($other("a boolean"))
        }
        fn visit_i64<E>(self, _: i64) -> Result<$value, E> {
            Ok($other("a number"))
        }
        fn visit_u64<E>(self, _: u64) -> Result<$value, E> {
            Ok($other("a number"))
        }
        fn visit_f64<E>(self, _: f64) -> Result<$value, E> {
            Ok($other("a number"))
        }
        fn visit_str<E>(self, _: &str) -> Result<$value, E> {
            Ok($other("a string"))
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
                    scalars_are!(Self::Value, Fields::not_object);
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
            scalars_are!(List<'de>, List::Other);
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
            scalars_are!(Pairs<'de>, Pairs::Other);
        }
        d.deserialize_any(V)
    }
}

/// The fields of a line, or its syntax error.
pub(super) fn conversation(text: &str) -> Result<Fields<ConvSlots<'_>>, RecordError> {
    serde_json::from_str(text).map_err(|e| json_error(&e))
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
