//! The fields of a conversation line as found, before validation: which
//! keys held what (a string borrowed from the line when it has no escape,
//! null, or just the name of another JSON type), and the first repeated key.
//! Both readers fill these (`serde_read.rs`, the general one, and
//! `fast_read.rs`, the common shape's), and `draft` validates them.

use std::borrow::Cow;

/// A scalar field as found: a string, null, or some other JSON type.
#[derive(Debug, PartialEq)]
pub(super) enum Val<'a> {
    Null,
    Str(Cow<'a, str>),
    Other(&'static str),
}

/// An object key, borrowed when it has no escape.
pub(super) struct Key<'a>(pub(super) Cow<'a, str>);

/// An object's chosen fields as found, plus the first repeated key.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Fields<T> {
    pub(super) slots: T,
    pub(super) duplicate: Option<String>,
    /// The JSON type when the value was not an object (`None`: an object).
    pub(super) not_object: Option<&'static str>,
}

impl<T: Default> Fields<T> {
    /// The value was `what` (e.g. "a number"), not an object.
    pub(super) fn not_object(what: &'static str) -> Self {
        Fields {
            slots: T::default(),
            duplicate: None,
            not_object: Some(what),
        }
    }
}

/// The fields of a member object.
#[derive(Debug, Default, PartialEq)]
pub(super) struct MemberSlots<'a> {
    pub(super) id: Option<Val<'a>>,
    pub(super) name: Option<Val<'a>>,
    pub(super) email: Option<Val<'a>>,
}

/// The fields of a conversation object.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ConvSlots<'a> {
    pub(super) id: Option<Val<'a>>,
    pub(super) kind: Option<Val<'a>>,
    pub(super) name: Option<Val<'a>>,
    pub(super) start: Option<Val<'a>>,
    pub(super) end: Option<Val<'a>>,
    pub(super) members: Option<List<'a>>,
    pub(super) metadata: Option<Pairs<'a>>,
}

/// `members` as found.
#[derive(Debug, PartialEq)]
pub(super) enum List<'a> {
    Null,
    Items(Vec<Fields<MemberSlots<'a>>>),
    Other(&'static str),
}

/// `metadata` as found.
#[derive(Debug, PartialEq)]
pub(super) enum Pairs<'a> {
    Null,
    Items(Vec<(Cow<'a, str>, Val<'a>)>),
    Other(&'static str),
}

/// Fills a slot; the first key seen twice is remembered.
pub(super) fn set<T>(slot: &mut Option<T>, value: T, key: &str, duplicate: &mut Option<String>) {
    if slot.is_some() && duplicate.is_none() {
        *duplicate = Some(key.to_string());
    }
    *slot = Some(value);
}
