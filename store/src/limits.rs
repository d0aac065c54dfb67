//! [`Limits`]: how much one [`Store`](crate::Store) may hold.
//!
//! A store numbers its rows (slots), its interned strings (symbols) and its
//! people with `u32`s (a freed one's number is reused), and keeps a row's member count and the length of the
//! JSON before its members in `u32`s too. Each of these counts has a limit,
//! at most `u32::MAX`, checked when a write would pass it: the write fails
//! with [`RecordErrorKind::Limit`](crate::RecordErrorKind::Limit) and no
//! conversation changes. So every number the store hands out fits its type,
//! and no count saturates. The symbol `u32::MAX` is never handed out (at
//! most `u32::MAX` strings are numbered `0..u32::MAX`): it marks a member
//! without an e-mail.
//!
//! The defaults are the largest values. A smaller limit bounds what a store
//! may grow to, for instance the memory a demo server gives its data.

use crate::error::{RecordError, RecordErrorKind};

/// How much one store may hold; see [`Store::with_limits`](crate::Store::with_limits).
///
/// ```
/// let limits = store::Limits { conversations: 2, ..store::Limits::default() };
/// let mut s = store::Store::with_limits(limits);
/// s.extend(store::generate::conversations(1, 2))?;
/// let err = s.insert(store::generate::conversation(1, 2)).unwrap_err();
/// assert_eq!(err.to_string(), "over the store's limit of 2 conversations");
/// assert_eq!(s.len(), 2);
/// # Ok::<(), store::StoreError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Conversations held at once (a deleted one's slot is reused).
    pub conversations: u32,
    /// Distinct strings held at once: types, names, metadata keys and
    /// values, member ids, names and e-mails. A string is freed when no
    /// conversation or member uses it any more; while a write runs it holds
    /// its new strings beside the ones it replaces (a metadata merge that
    /// replaces a value needs room for the new value first).
    pub strings: u32,
    /// Distinct members `(id, name, e-mail)` held at once; freed like strings.
    pub people: u32,
    /// Members of one conversation.
    pub members: u32,
    /// Bytes of one conversation's JSON before its members: its `id`,
    /// `type`, `name`, `startTime` and `endTime`, escaped: `{"id":` up to
    /// `"members":[`. A write past it is refused.
    pub head_bytes: u32,
}

impl Default for Limits {
    /// Every limit at `u32::MAX`, the most the store's numbering allows.
    fn default() -> Limits {
        Limits {
            conversations: u32::MAX,
            strings: u32::MAX,
            people: u32::MAX,
            members: u32::MAX,
            head_bytes: u32::MAX,
        }
    }
}

/// The error of a write that would pass `limit` of `what`.
pub(crate) fn reached(what: &'static str, limit: u32) -> RecordError {
    RecordError::whole(RecordErrorKind::Limit { what, limit })
}
