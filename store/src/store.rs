//! [`Store`]: the rows, the string and people tables, every index, and the
//! reads.
//!
//! Conversations live in `rows` (a slot vector; a deleted slot is reused),
//! each row holding interned symbols instead of strings (`rows.rs`,
//! `intern.rs`, `people.rs`). Around them: the id map, the time indexes and
//! the postings (`ids.rs`, `index.rs`). This file holds the struct and the
//! reads by id; queries are `plan.rs` and `exec.rs`. Every write is in
//! `writes.rs`; keeping the indexes in step with the rows, and rebuilding
//! them after a bulk load, is `maintain.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::StoreError;
use crate::ids::IdMap;
use crate::index::{Postings, TimeIndex};
use crate::intern::{FastMap, Interner, NO_SYM, Sym};
use crate::limits::Limits;
use crate::model::{Conversation, Member, Message, Metadata};
use crate::ngram::NgramIndex;
use crate::pattern_cache::PatternCache;
use crate::people::People;
use crate::rows::Row;
use crate::view::ConversationRef;

/// The in-memory conversation store. See the [crate docs](crate) for the
/// model, the indexes and the complexity of each operation.
///
/// ```
/// let mut store = store::Store::new();
/// store.insert_json(r#"{"id":"1","type":"meeting","name":"Sales Brainstorm",
///     "startTime":"2021-03-12T15:00:02.500Z","endTime":"2021-03-12T15:47:40.000Z",
///     "members":[],"metadata":{"agentId":"agent-0042"}}"#)?;
/// assert_eq!(store.len(), 1);
/// assert_eq!(store.get("1").map(|c| c.name), Some("Sales Brainstorm".to_string()));
/// # Ok::<(), store::StoreError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Store {
    pub(crate) strings: Interner,
    pub(crate) people: People,
    pub(crate) rows: Vec<Option<Row>>,
    /// Slots of deleted rows, reused first.
    pub(crate) free: Vec<u32>,
    /// id → slot (lookups, duplicate checks).
    pub(crate) ids: IdMap,
    /// id → slot in id order (sorted walks).
    pub(crate) by_id: BTreeMap<Arc<str>, u32>,
    pub(crate) by_start: TimeIndex,
    pub(crate) by_end: TimeIndex,
    pub(crate) running: BTreeSet<u32>,
    pub(crate) by_type: BTreeMap<Arc<str>, Postings>,
    /// Name symbol → the rows with that name.
    pub(crate) by_name: FastMap<Sym, Postings>,
    /// The distinct names in order (sorted walks, range and wildcard scans).
    pub(crate) name_order: BTreeMap<Arc<str>, Sym>,
    /// Trigrams of the distinct names (wildcard patterns).
    pub(crate) name_grams: NgramIndex,
    pub(crate) by_meta: FastMap<Sym, FastMap<Sym, Postings>>,
    pub(crate) by_email: FastMap<Sym, Postings>,
    pub(crate) by_member: FastMap<Sym, Postings>,
    /// Slots `0..ordered_upto` hold rows in (`startTime`, id) order (set by a
    /// rebuild, kept by appends in order, cut by a slot reuse): a page in the
    /// default order is then a slice of the matching slots, with no sort.
    pub(crate) ordered_upto: u32,
    /// Upper bound of `effective_end - start` over every row ever stored.
    pub(crate) max_span: i64,
    pub(crate) messages: FastMap<Arc<str>, Vec<Message>>,
    /// How much the store may hold (the string and people tables keep their
    /// own limit too).
    pub(crate) limits: Limits,
    /// The rows of costly wildcard name patterns, kept between writes
    /// (`pattern_cache.rs`).
    pub(crate) pattern_cache: PatternCache,
}

impl Store {
    /// An empty store.
    ///
    /// ```
    /// assert!(store::Store::new().is_empty());
    /// ```
    pub fn new() -> Store {
        Store::default()
    }

    /// An empty store that holds at most what `limits` allows: a write past
    /// a limit fails with [`RecordErrorKind::Limit`](crate::RecordErrorKind::Limit)
    /// and changes no conversation. [`Store::new`] has the largest limits.
    ///
    /// ```
    /// let limits = store::Limits { members: 1, ..store::Limits::default() };
    /// let mut s = store::Store::with_limits(limits);
    /// let mut c = store::generate::conversation(1, 0);
    /// c.members.truncate(2);
    /// let err = s.insert(c.clone()).unwrap_err();
    /// assert_eq!(err.field(), Some("members"));
    /// assert_eq!(err.to_string(), "field `members`: over the store's limit of 1 members per conversation");
    /// c.members.truncate(1);
    /// s.insert(c)?;
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn with_limits(limits: Limits) -> Store {
        Store {
            strings: Interner::with_limit(limits.strings),
            people: People::with_limit(limits.people),
            limits,
            ..Store::default()
        }
    }

    /// The limits the store was made with.
    ///
    /// ```
    /// assert_eq!(store::Store::new().limits(), store::Limits::default());
    /// ```
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Sets the most bytes the pattern cache holds (default 32 MiB; 0 turns
    /// it off) and empties it. The cache keeps, between writes, the rows
    /// whose `conversation.name` matches a wildcard pattern that spans many
    /// distinct names (`*Brainstorm*`), so the next query with that pattern
    /// reads one list; every write that adds, removes or moves a row empties
    /// it. Answers are the same with it on or off.
    ///
    /// ```
    /// let mut s = store::generate::store(42, 2_000);
    /// let spec = store::QuerySpec {
    ///     filter: Some(store::compile_filter("conversation.name==*Sync*")?),
    ///     ..Default::default()
    /// };
    /// let first = s.query(&spec)?; // computed, then kept
    /// assert!(s.explain(&spec).starts_with("access: kept rows of conversation.name"));
    /// assert_eq!(s.query(&spec)?, first);
    /// s.set_pattern_cache_bytes(0);
    /// assert_eq!(s.pattern_cache_bytes(), 0);
    /// assert!(s.explain(&spec).starts_with("access: trigrams"));
    /// assert_eq!(s.query(&spec)?, first);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_pattern_cache_bytes(&mut self, bytes: usize) {
        self.pattern_cache.set_limit(bytes);
    }

    /// The most bytes the pattern cache holds (see
    /// [`Store::set_pattern_cache_bytes`]).
    ///
    /// ```
    /// assert_eq!(store::Store::new().pattern_cache_bytes(), 32 << 20);
    /// ```
    pub fn pattern_cache_bytes(&self) -> usize {
        self.pattern_cache.limit()
    }

    /// Number of conversations.
    ///
    /// ```
    /// let s = store::generate::store(1, 10);
    /// assert_eq!(s.len(), 10);
    /// ```
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the store holds no conversation.
    ///
    /// ```
    /// assert!(store::Store::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ids.len() == 0
    }

    /// Reserves room for `additional` more conversations (a hint for bulk loads).
    ///
    /// ```
    /// let mut s = store::Store::new();
    /// s.reserve(1_000);
    /// assert!(s.is_empty());
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
        self.ids.reserve(additional);
    }

    /// One conversation by id.
    ///
    /// ```
    /// assert!(store::Store::new().get("1").is_none());
    /// ```
    pub fn get(&self, id: &str) -> Option<Conversation> {
        let slot = self.slot(id)?;
        Some(self.materialize(slot))
    }

    /// One conversation by id, borrowed (no copy).
    ///
    /// ```
    /// let s = store::generate::store(1, 2);
    /// let c = store::generate::conversation(1, 1);
    /// assert_eq!(s.get_ref(&c.id).map(|r| r.to_owned()), Some(c));
    /// ```
    pub fn get_ref(&self, id: &str) -> Option<ConversationRef<'_>> {
        let row = self.row(self.slot(id)?)?;
        Some(ConversationRef::new(&self.strings, &self.people, row))
    }

    /// Whether a conversation with this id is stored.
    ///
    /// ```
    /// let s = store::generate::store(1, 3);
    /// assert!(s.contains(&store::generate::conversation(1, 2).id));
    /// ```
    pub fn contains(&self, id: &str) -> bool {
        self.slot(id).is_some()
    }

    /// Every conversation, in id order.
    ///
    /// ```
    /// let s = store::generate::store(1, 5);
    /// assert_eq!(s.iter().count(), 5);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Conversation> + '_ {
        self.by_id.values().map(|&slot| self.materialize(slot))
    }

    /// The members of a conversation.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// let c = store::generate::conversation(1, 0);
    /// assert_eq!(s.members(&c.id), Some(c.members));
    /// ```
    pub fn members(&self, id: &str) -> Option<Vec<Member>> {
        let row = self.row(self.slot(id)?)?;
        Some(row.members().iter().map(|&p| self.member(p)).collect())
    }
    /// The messages of a conversation in `startTime` order (`Some(&[])` when it
    /// has none, `None` when the conversation is unknown).
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// assert_eq!(s.messages(&store::generate::conversation(1, 0).id).map(<[_]>::len), Some(0));
    /// assert!(s.messages("nope").is_none());
    /// ```
    pub fn messages(&self, id: &str) -> Option<&[Message]> {
        let row = self.row(self.slot(id)?)?;
        Some(self.messages.get(&row.id).map_or(&[][..], Vec::as_slice))
    }

    // ---- internals -------------------------------------------------------

    /// The slot of a stored id.
    pub(crate) fn slot(&self, id: &str) -> Option<u32> {
        self.ids.get(id, |s| self.row(s).map(|r| &*r.id))
    }

    pub(crate) fn row(&self, slot: u32) -> Option<&Row> {
        self.rows.get(slot as usize).and_then(Option::as_ref)
    }

    pub(crate) fn slot_of(&self, id: &str) -> Result<u32, StoreError> {
        self.slot(id)
            .ok_or_else(|| StoreError::not_found("conversation", id))
    }

    pub(crate) fn member(&self, person: u32) -> Member {
        let p = self.people[person as usize];
        Member {
            id: self.strings.get(p.id).to_string(),
            name: self.strings.get(p.name).to_string(),
            email: (p.email != NO_SYM).then(|| self.strings.get(p.email).to_string()),
        }
    }

    pub(crate) fn metadata_of(&self, slot: u32) -> Metadata {
        self.row(slot)
            .map(|r| {
                // A row's keys are distinct: no per-key search (O(keys)).
                Metadata::from_unique(
                    r.metadata()
                        .iter()
                        .map(|&[k, v]| {
                            (
                                self.strings.get(k).to_owned(),
                                self.strings.get(v).to_owned(),
                            )
                        })
                        .collect(),
                )
            })
            .unwrap_or_default()
    }

    /// The owned form of a stored row.
    /// What a snapshot reads of the store ([`Store::iter`], `contains` and
    /// the messages), copied: the rows with their strings and people, the
    /// two id maps and the messages, without the time indexes, postings,
    /// trigrams and ordered names a query would need. A snapshot copies the
    /// store under its read lock, which a writer waits for, and readers
    /// after the writer wait too (tokio's lock is fair): the copy is that
    /// pause, and the indexes were about half of it.
    pub(crate) fn snapshot_copy(&self) -> Store {
        Store {
            strings: self.strings.clone(),
            people: self.people.clone(),
            rows: self.rows.clone(),
            ids: self.ids.clone(),
            by_id: self.by_id.clone(),
            messages: self.messages.clone(),
            limits: self.limits,
            ..Store::default()
        }
    }

    pub(crate) fn materialize(&self, slot: u32) -> Conversation {
        let Some(row) = self.row(slot) else {
            return Conversation {
                id: String::new(),
                kind: String::new(),
                name: String::new(),
                start_time: 0,
                end_time: None,
                members: Vec::new(),
                metadata: Metadata::new(),
            };
        };
        Conversation {
            id: row.id.to_string(),
            kind: self.strings.get(row.kind).to_string(),
            name: self.strings.get(row.name).to_string(),
            start_time: row.start,
            end_time: row.end(),
            members: row.members().iter().map(|&p| self.member(p)).collect(),
            metadata: self.metadata_of(slot),
        }
    }
}
