//! [`Stats`]: what a [`Store`] holds, by its own count.

use crate::store::Store;

/// What a store holds now, from its own tables ([`Store::stats`]).
///
/// Strings and people are freed when their last user goes (a deleted
/// conversation, a metadata value replaced or removed, a member renamed), so
/// after writes that undo each other these counts return to where they were.
/// The `*_slots` counts are the sizes of the tables: freed entries are reused
/// before a table grows, so they stay at the most ever held at once.
///
/// ```
/// let mut s = store::Store::new();
/// let empty = s.stats();
/// s.insert_json(r#"{"id":"1","type":"call","name":"x","startTime":"2021-01-01T00:00:00Z",
///     "members":[{"id":"m1","name":"Ana"}],"metadata":{"team":"blue"}}"#)?;
/// let one = s.stats();
/// // `call`, `x`, `team`, `blue`, and the member's `m1` and `Ana`.
/// assert_eq!((one.conversations, one.strings, one.string_bytes, one.people), (1, 6, 18, 1));
/// s.update_metadata("1", &[("team".into(), None)])?;
/// assert_eq!((s.stats().strings, s.stats().string_bytes), (4, 10));
/// // The name `x` has three trigrams: `\0\0x`, `\0x\0`, `x\0\0`.
/// assert_eq!(one.name_trigrams, 3);
/// s.delete("1")?;
/// // The trigram table keeps its (small) capacity.
/// let bytes = s.stats().name_trigram_bytes;
/// assert_eq!(s.stats(), store::Stats { string_slots: 6, people_slots: 1, name_trigram_bytes: bytes, ..empty });
/// # Ok::<(), store::StoreError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Stats {
    /// Conversations held.
    pub conversations: usize,
    /// Distinct strings held (types, names, metadata keys and values, member
    /// ids, names and e-mails), at most [`Limits::strings`](crate::Limits::strings).
    pub strings: usize,
    /// Bytes of those strings (UTF-8), without the table's own overhead.
    pub string_bytes: usize,
    /// Symbol slots: strings held plus free slots.
    pub string_slots: usize,
    /// Distinct members `(id, name, e-mail)` held, at most
    /// [`Limits::people`](crate::Limits::people).
    pub people: usize,
    /// Person numbers: people held plus free numbers.
    pub people_slots: usize,
    /// Messages held, over every conversation.
    pub messages: usize,
    /// Distinct trigrams of the distinct conversation names (the wildcard
    /// index; see the [crate docs](crate#indexes-and-planner)).
    pub name_trigrams: usize,
    /// Heap bytes of that index: its hash table and its lists.
    pub name_trigram_bytes: usize,
}

impl Store {
    /// What the store holds now; see [`Stats`]. O(conversations with messages).
    ///
    /// ```
    /// let s = store::generate::store(1, 10);
    /// let stats = s.stats();
    /// assert_eq!(stats.conversations, 10);
    /// assert!(stats.strings > 0 && stats.people > 0 && stats.messages == 0);
    /// ```
    pub fn stats(&self) -> Stats {
        Stats {
            conversations: self.len(),
            strings: self.strings.held(),
            string_bytes: self.strings.bytes(),
            string_slots: self.strings.count(),
            people: self.people.held(),
            people_slots: self.people.refs().len(),
            messages: self.messages.values().map(Vec::len).sum(),
            name_trigrams: self.name_grams.len(),
            name_trigram_bytes: self.name_grams.heap_bytes(),
        }
    }
}
