//! [`Store`]: the rows, the symbol tables and every index, and all writes.
//!
//! Layout: conversations live in `rows` (a slot vector; a deleted slot is
//! reused), each row holding interned symbols instead of strings. Every write
//! validates first and mutates second, and updates every index it touches
//! before returning, so a reader never sees a row that an index disagrees with.
//! A bulk load appends rows and then rebuilds the indexes once, renumbering
//! slots in `startTime` order so that a time range is also a run of adjacent
//! rows in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::StoreError;
use crate::error::{RecordError, RecordErrorKind};
use crate::ids::IdMap;
use crate::index::{Postings, TimeIndex};
use crate::intern::{FastMap, Interner, Sym};
use crate::model::{Conversation, Member, Message, Metadata};
use crate::parse::{Draft, MemberDraft};

/// `end` of a running conversation (no `endTime`).
pub(crate) const NO_END: i64 = i64::MIN;
/// `email` of a member without one.
pub(crate) const NO_SYM: Sym = Sym::MAX;

/// A stored conversation.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) id: Arc<str>,
    pub(crate) kind: Sym,
    pub(crate) name: Sym,
    pub(crate) start: i64,
    pub(crate) end: i64,
    /// Member person numbers, then metadata `[key, value]` symbol pairs: one
    /// allocation per row instead of two.
    data: Box<[u32]>,
    n_members: u32,
    /// The row's JSON without its members: `json[..members_at]` ends with
    /// `"members":[`, and the rest is `],"metadata":{…}}`. Rendered when the
    /// row is stored and when its metadata changes; a page copies it and the
    /// members' objects from [`Store::people_json`] (see `json.rs`).
    pub(crate) json: Box<[u8]>,
    pub(crate) members_at: u32,
}

impl Row {
    /// `end`, or `start` while running (the window test's end).
    pub(crate) fn effective_end(&self) -> i64 {
        if self.end == NO_END {
            self.start
        } else {
            self.end
        }
    }

    pub(crate) fn end(&self) -> Option<i64> {
        (self.end != NO_END).then_some(self.end)
    }

    pub(crate) fn meta(&self, key: Sym) -> Option<Sym> {
        self.metadata()
            .iter()
            .find(|[k, _]| *k == key)
            .map(|&[_, v]| v)
    }

    /// Person numbers of the members.
    pub(crate) fn members(&self) -> &[u32] {
        self.data.get(..self.n_members as usize).unwrap_or(&[])
    }

    /// `[key, value]` symbol pairs, in insertion order.
    pub(crate) fn metadata(&self) -> &[[Sym; 2]] {
        self.data
            .get(self.n_members as usize..)
            .unwrap_or(&[])
            .as_chunks::<2>()
            .0
    }

    fn pack(members: &[u32], metadata: &[[Sym; 2]]) -> (Box<[u32]>, u32) {
        let mut data = Vec::with_capacity(members.len() + 2 * metadata.len());
        data.extend_from_slice(members);
        data.extend(metadata.iter().flatten());
        (
            data.into_boxed_slice(),
            u32::try_from(members.len()).unwrap_or(u32::MAX),
        )
    }

    fn set_members(&mut self, members: &[u32]) {
        let meta = self.metadata().to_vec();
        (self.data, self.n_members) = Row::pack(members, &meta);
    }

    fn set_metadata(&mut self, metadata: &[[Sym; 2]]) {
        let members = self.members().to_vec();
        (self.data, self.n_members) = Row::pack(&members, metadata);
    }
}

/// A member as stored: interned id, name and e-mail ([`NO_SYM`] if none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Person {
    pub(crate) id: Sym,
    pub(crate) name: Sym,
    pub(crate) email: Sym,
}

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
    pub(crate) people: Vec<Person>,
    /// Each person's JSON object, rendered once.
    pub(crate) people_json: crate::json::PeopleJson,
    people_map: FastMap<Person, u32>,
    /// The last person seen for each member id, checked against a compact
    /// copy of the people's strings: most members come back with the same
    /// name and e-mail, so one warm lookup replaces four cold ones.
    person_cache: crate::intern::PersonCache,
    pub(crate) rows: Vec<Option<Row>>,
    free: Vec<u32>,
    /// id → slot (lookups, duplicate checks).
    pub(crate) ids: IdMap,
    /// id → slot in id order (sorted walks).
    pub(crate) by_id: BTreeMap<Arc<str>, u32>,
    pub(crate) by_start: TimeIndex,
    pub(crate) by_end: TimeIndex,
    pub(crate) running: BTreeSet<u32>,
    pub(crate) by_type: BTreeMap<Arc<str>, Postings>,
    pub(crate) by_name: BTreeMap<Arc<str>, Postings>,
    pub(crate) by_meta: FastMap<Sym, FastMap<Sym, Postings>>,
    pub(crate) by_email: FastMap<Sym, Postings>,
    pub(crate) by_member: FastMap<Sym, Postings>,
    /// Slots `0..ordered_upto` hold rows in (`startTime`, id) order (set by a
    /// rebuild, kept by appends in order, cut by a slot reuse): a page in the
    /// default order is then a slice of the matching slots, with no sort.
    pub(crate) ordered_upto: u32,
    /// Upper bound of `effective_end - start` over every row ever stored.
    pub(crate) max_span: i64,
    messages: FastMap<Arc<str>, Vec<Message>>,
}

impl Store {
    /// Renders [`Row::json`] again after the row's metadata changed.
    fn refresh_json(&mut self, slot: u32) {
        let Some(rendered) = self.row(slot).map(|r| crate::json::render_row(self, r)) else {
            return;
        };
        if let Some(Some(row)) = self.rows.get_mut(slot as usize) {
            (row.json, row.members_at) = rendered;
        }
    }

    /// An empty store.
    ///
    /// ```
    /// assert!(store::Store::new().is_empty());
    /// ```
    pub fn new() -> Store {
        Store::default()
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

    /// Parses one conversation (the JSON of `shared/data/README.md`) and inserts it.
    /// Errors name the field; a duplicate id is an error (see [`Store::upsert`]).
    ///
    /// ```
    /// let mut s = store::Store::new();
    /// let line = r#"{"id":"1","type":"call","name":"x","startTime":"2021-01-01T00:00:00Z"}"#;
    /// s.insert_json(line)?;
    /// let err = s.insert_json(line).unwrap_err();
    /// assert_eq!(err.to_string(), "field `id`: duplicate id `1`");
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn insert_json(&mut self, json: &str) -> Result<(), StoreError> {
        let draft = crate::parse::parse_conversation(json)?;
        self.insert_draft(&draft, true)?;
        Ok(())
    }

    /// Inserts a conversation; its id must be new.
    ///
    /// ```
    /// let mut s = store::Store::new();
    /// s.insert(store::generate::conversation(7, 0))?;
    /// assert!(s.insert(store::generate::conversation(7, 0)).is_err());
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn insert(&mut self, conversation: Conversation) -> Result<(), StoreError> {
        let draft = Draft::from_conversation(&conversation);
        draft.check()?;
        self.insert_draft(&draft, true)?;
        Ok(())
    }

    /// Inserts or replaces (by id). Returns the previous version, if any.
    ///
    /// ```
    /// let mut s = store::Store::new();
    /// let mut c = store::generate::conversation(7, 0);
    /// assert!(s.upsert(c.clone())?.is_none());
    /// c.name = "Renamed".into();
    /// assert!(s.upsert(c)?.is_some());
    /// assert_eq!(s.get(&store::generate::conversation(7, 0).id).map(|c| c.name), Some("Renamed".into()));
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn upsert(
        &mut self,
        conversation: Conversation,
    ) -> Result<Option<Conversation>, StoreError> {
        let draft = Draft::from_conversation(&conversation);
        draft.check()?;
        let old = match self.slot(draft.id.as_ref()) {
            Some(slot) => {
                // The messages belong to the id, not to this version.
                let msgs = self.messages.remove(draft.id.as_ref());
                let old = self.remove_slot(slot);
                if let Some(msgs) = msgs {
                    self.messages.insert(Arc::from(draft.id.as_ref()), msgs);
                }
                Some(old)
            }
            None => None,
        };
        self.insert_draft(&draft, true)?;
        Ok(old)
    }

    /// Inserts many conversations, building the indexes once at the end
    /// (rows first, then one rebuild). Stops at the first bad conversation; those before it
    /// stay inserted. Returns how many were inserted.
    ///
    /// ```
    /// let mut s = store::Store::new();
    /// assert_eq!(s.extend(store::generate::conversations(1, 50))?, 50);
    /// assert!(s.extend(store::generate::conversations(1, 1)).is_err()); // duplicate id
    /// assert_eq!(s.len(), 50);
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn extend(
        &mut self,
        conversations: impl IntoIterator<Item = Conversation>,
    ) -> Result<usize, StoreError> {
        let mut bulk = self.bulk();
        for c in conversations {
            let draft = Draft::from_conversation(&c);
            draft.check()?;
            bulk.add(&draft)?;
        }
        Ok(bulk.added())
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

    /// Starts a bulk insert: rows are stored at once, indexes are brought up
    /// to date when the [`Bulk`] is dropped.
    pub(crate) fn bulk(&mut self) -> Bulk<'_> {
        Bulk {
            store: self,
            new_slots: Vec::new(),
        }
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
    pub fn get_ref(&self, id: &str) -> Option<crate::view::ConversationRef<'_>> {
        let row = self.row(self.slot(id)?)?;
        Some(crate::view::ConversationRef::new(self, row))
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

    /// Merges metadata: each `(key, Some(value))` adds or replaces, each
    /// `(key, None)` removes; other keys stay. Returns the metadata after the
    /// update. All or nothing: an unknown id changes nothing.
    ///
    /// ```
    /// let mut s = store::generate::store(1, 1);
    /// let id = store::generate::conversation(1, 0).id;
    /// let m = s.update_metadata(&id, &[("team".into(), Some("blue".into())), ("channel".into(), None)])?;
    /// assert_eq!(m.get("team"), Some("blue"));
    /// assert_eq!(m.get("channel"), None);
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn update_metadata(
        &mut self,
        id: &str,
        changes: &[(String, Option<String>)],
    ) -> Result<Metadata, StoreError> {
        let slot = self.slot_of(id)?;
        let old = self
            .row(slot)
            .map(|r| r.metadata().to_vec())
            .unwrap_or_default();
        let mut pairs: Vec<[Sym; 2]> = old.clone();
        for (key, value) in changes {
            let k = self.strings.intern(key);
            match value {
                Some(v) => {
                    let v = self.strings.intern(v);
                    match pairs.iter_mut().find(|[pk, _]| *pk == k) {
                        Some(p) => p[1] = v,
                        None => pairs.push([k, v]),
                    }
                }
                None => pairs.retain(|[pk, _]| *pk != k),
            }
        }
        self.unindex_meta(slot, &old);
        self.index_meta(slot, &pairs);
        if let Some(Some(row)) = self.rows.get_mut(slot as usize) {
            row.set_metadata(&pairs);
        }
        self.refresh_json(slot);
        Ok(self.metadata_of(slot))
    }

    /// Replaces the name and e-mail of member `member.id` of conversation `id`
    /// and applies them to every message that member wrote (`from.name`,
    /// `from.userId`).
    ///
    /// ```
    /// let mut s = store::generate::store(1, 1);
    /// let c = store::generate::conversation(1, 0);
    /// let mut m = c.members[0].clone();
    /// m.name = "New Name".into();
    /// s.update_member(&c.id, m.clone())?;
    /// assert!(s.members(&c.id).unwrap().contains(&m));
    /// assert!(s.update_member(&c.id, store::Member { id: "nobody".into(), ..m }).is_err());
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn update_member(&mut self, id: &str, member: Member) -> Result<(), StoreError> {
        let slot = self.slot_of(id)?;
        let Some(row) = self.row(slot) else {
            return Err(StoreError::not_found("conversation", id));
        };
        let member_sym = self.strings.lookup(&member.id);
        let Some(pos) = row
            .members()
            .iter()
            .position(|&p| Some(self.people[p as usize].id) == member_sym)
        else {
            return Err(StoreError::not_found("member", &member.id));
        };
        let old_members = row.members().to_vec();
        let person = self.person(&MemberDraft {
            id: member.id.as_str().into(),
            name: member.name.as_str().into(),
            email: member.email.as_deref().map(Into::into),
        });
        let mut new_members = old_members.clone();
        new_members[pos] = person;
        self.unindex_members(slot, &old_members);
        self.index_members(slot, &new_members);
        let arc_id = match self.rows.get_mut(slot as usize) {
            Some(Some(row)) => {
                row.set_members(&new_members);
                row.id.clone()
            }
            _ => return Err(StoreError::not_found("conversation", id)),
        };
        if let Some(msgs) = self.messages.get_mut(&arc_id) {
            for m in msgs.iter_mut().filter(|m| m.from.id == member.id) {
                m.from.name.clone_from(&member.name);
                if member.email.is_some() || m.from.user_id.is_some() {
                    m.from.user_id.clone_from(&member.email);
                }
            }
        }
        Ok(())
    }

    /// Deletes a conversation with its messages, returning it.
    ///
    /// ```
    /// let mut s = store::generate::store(1, 2);
    /// let id = store::generate::conversation(1, 0).id;
    /// assert_eq!(s.delete(&id)?.id, id);
    /// assert!(s.delete(&id).is_err());
    /// assert_eq!(s.len(), 1);
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn delete(&mut self, id: &str) -> Result<Conversation, StoreError> {
        let slot = self.slot_of(id)?;
        Ok(self.remove_slot(slot))
    }

    /// Sets the messages of a conversation (sorted by `startTime`, then id).
    ///
    /// ```
    /// let mut s = store::generate::store(1, 1);
    /// let c = store::generate::conversation(1, 0);
    /// s.set_messages(&c.id, store::generate::messages(1, &c))?;
    /// assert!(!s.messages(&c.id).unwrap().is_empty());
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn set_messages(&mut self, id: &str, mut messages: Vec<Message>) -> Result<(), StoreError> {
        let slot = self.slot_of(id)?;
        let Some(row) = self.row(slot) else {
            return Err(StoreError::not_found("conversation", id));
        };
        let key = row.id.clone();
        messages.sort_by(|a, b| (a.start_time, &a.id).cmp(&(b.start_time, &b.id)));
        self.messages.insert(key, messages);
        Ok(())
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

    fn slot_of(&self, id: &str) -> Result<u32, StoreError> {
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

    fn metadata_of(&self, slot: u32) -> Metadata {
        self.row(slot)
            .map(|r| {
                r.metadata()
                    .iter()
                    .map(|&[k, v]| (self.strings.get(k), self.strings.get(v)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The owned form of a stored row.
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

    fn person(&mut self, m: &MemberDraft<'_>) -> u32 {
        if let Some(n) = self.person_cache.get(&m.id, &m.name, m.email.as_deref()) {
            return n;
        }
        let p = Person {
            id: self.strings.intern(&m.id),
            name: self.strings.intern(&m.name),
            email: m
                .email
                .as_deref()
                .map_or(NO_SYM, |e| self.strings.intern(e)),
        };
        let n = match self.people_map.get(&p) {
            Some(&n) => n,
            None => {
                let n = u32::try_from(self.people.len()).unwrap_or(u32::MAX);
                self.people.push(p);
                self.people_map.insert(p, n);
                self.people_json.push(&m.id, &m.name, m.email.as_deref());
                n
            }
        };
        self.person_cache.put(n, &m.id, &m.name, m.email.as_deref());
        n
    }

    /// Stores a validated draft. With `indexed`, every index is updated now;
    /// otherwise only `by_id` is, and the caller must call [`Store::rebuild`].
    pub(crate) fn insert_draft(
        &mut self,
        d: &Draft<'_>,
        indexed: bool,
    ) -> Result<u32, RecordError> {
        if self.slot(d.id.as_ref()).is_some() {
            return Err(RecordError::at(
                "id",
                RecordErrorKind::DuplicateId {
                    id: d.id.to_string(),
                },
            ));
        }
        let mut data: Vec<u32> = Vec::with_capacity(d.members.len() + 2 * d.metadata.len());
        for m in &d.members {
            let p = self.person(m);
            data.push(p);
        }
        for (k, v) in &d.metadata {
            let (k, v) = (self.strings.intern(k), self.strings.intern(v));
            data.extend([k, v]);
        }
        let row = Row {
            id: Arc::from(d.id.as_ref()),
            kind: self.strings.intern(&d.kind),
            name: self.strings.intern(&d.name),
            start: d.start,
            end: d.end.unwrap_or(NO_END),
            data: data.into_boxed_slice(),
            n_members: u32::try_from(d.members.len()).unwrap_or(u32::MAX),
            json: Box::default(),
            members_at: 0,
        };
        let (json, members_at) = crate::json::render_row(self, &row);
        let row = Row {
            json,
            members_at,
            ..row
        };
        self.max_span = self
            .max_span
            .max(row.effective_end().saturating_sub(row.start));
        let id = row.id.clone();
        let slot = match self.free.pop() {
            Some(slot) => {
                self.rows[slot as usize] = Some(row);
                self.ordered_upto = self.ordered_upto.min(slot);
                slot
            }
            None => {
                let slot = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
                let in_order = slot == self.ordered_upto
                    && match slot.checked_sub(1).and_then(|p| self.row(p)) {
                        Some(prev) => (prev.start, &*prev.id) < (row.start, &*row.id),
                        None => slot == 0,
                    };
                if in_order {
                    self.ordered_upto = slot + 1;
                }
                self.rows.push(Some(row));
                slot
            }
        };
        let rows = &self.rows;
        self.ids.insert(&id, slot, |s| {
            rows.get(s as usize)
                .and_then(Option::as_ref)
                .map(|r| &*r.id)
        });
        if indexed {
            self.index_row(slot);
        }
        Ok(slot)
    }

    fn remove_slot(&mut self, slot: u32) -> Conversation {
        let conv = self.materialize(slot);
        self.unindex_row(slot);
        if let Some(row) = self.rows.get_mut(slot as usize).and_then(Option::take) {
            let rows = &self.rows;
            self.ids.remove(&row.id, |s| {
                if s == slot {
                    Some(&*row.id)
                } else {
                    rows.get(s as usize)
                        .and_then(Option::as_ref)
                        .map(|r| &*r.id)
                }
            });
            self.messages.remove(&row.id);
        }
        self.free.push(slot);
        conv
    }

    fn index_row(&mut self, slot: u32) {
        let Some(row) = self.row(slot) else { return };
        let (start, end, kind, name) = (row.start, row.end, row.kind, row.name);
        let members = row.members().to_vec();
        let meta = row.metadata().to_vec();
        let id = row.id.clone();
        self.by_id.insert(id, slot);
        self.by_start.insert((start, slot));
        if end == NO_END {
            self.running.insert(slot);
        } else {
            self.by_end.insert((end, slot));
        }
        let (k, n) = (self.strings.arc(kind), self.strings.arc(name));
        add_posting(self.by_type.entry(k), slot);
        add_posting(self.by_name.entry(n), slot);
        self.index_meta(slot, &meta);
        self.index_members(slot, &members);
    }

    fn unindex_row(&mut self, slot: u32) {
        let Some(row) = self.row(slot) else { return };
        let (start, end) = (row.start, row.end);
        let (kind, name) = (
            self.strings.get(row.kind).to_string(),
            self.strings.get(row.name).to_string(),
        );
        let members = row.members().to_vec();
        let meta = row.metadata().to_vec();
        let id = row.id.clone();
        self.by_id.remove(&id);
        self.by_start.remove((start, slot));
        if end == NO_END {
            self.running.remove(&slot);
        } else {
            self.by_end.remove((end, slot));
        }
        remove_posting_btree(&mut self.by_type, &kind, slot);
        remove_posting_btree(&mut self.by_name, &name, slot);
        self.unindex_meta(slot, &meta);
        self.unindex_members(slot, &members);
    }

    fn index_meta(&mut self, slot: u32, pairs: &[[Sym; 2]]) {
        for &[k, v] in pairs {
            add_posting(self.by_meta.entry(k).or_default().entry(v), slot);
        }
    }

    fn unindex_meta(&mut self, slot: u32, pairs: &[[Sym; 2]]) {
        for &[k, v] in pairs {
            if let Some(values) = self.by_meta.get_mut(&k) {
                remove_posting_hash(values, v, slot);
                if values.is_empty() {
                    self.by_meta.remove(&k);
                }
            }
        }
    }

    fn index_members(&mut self, slot: u32, members: &[u32]) {
        for &p in members {
            let person = self.people[p as usize];
            add_posting(self.by_member.entry(person.id), slot);
            if person.email != NO_SYM {
                add_posting(self.by_email.entry(person.email), slot);
            }
        }
    }

    /// Removes `slot` from the postings of every member id and e-mail in
    /// `members` (the whole list goes; the new one is indexed afterwards).
    fn unindex_members(&mut self, slot: u32, members: &[u32]) {
        for &p in members {
            let person = self.people[p as usize];
            remove_posting_hash(&mut self.by_member, person.id, slot);
            if person.email != NO_SYM {
                remove_posting_hash(&mut self.by_email, person.email, slot);
            }
        }
    }

    /// Rebuilds every index from the rows, renumbering slots in `startTime`
    /// order and dropping free slots.
    pub(crate) fn rebuild(&mut self) {
        let mut old: Vec<Option<Row>> = std::mem::take(&mut self.rows);
        // Sort a small (start, index) permutation rather than the rows.
        let mut order: Vec<(i64, u32)> = old
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (r.start, i as u32)))
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| match (&old[a.1 as usize], &old[b.1 as usize]) {
                    (Some(x), Some(y)) => x.id.cmp(&y.id),
                    _ => a.1.cmp(&b.1),
                })
        });
        let mut new_of_old = vec![u32::MAX; old.len()];
        for (new, &(_, i)) in order.iter().enumerate() {
            new_of_old[i as usize] = new as u32;
        }
        let rows: Vec<Row> = order
            .iter()
            .filter_map(|&(_, i)| old[i as usize].take())
            .collect();
        drop((old, order));
        self.free.clear();
        // Two threads build disjoint sets of indexes from the (read-only)
        // rows; within each, one index at a time keeps temporaries small.
        let syms = self.strings.count();
        let (strings, people) = (&self.strings, &self.people);
        let (ids, rows_ref) = (&mut self.ids, &rows);
        let ((by_id, by_start, by_end, running), (by_type, by_name, by_member, by_email, by_meta)) =
            std::thread::scope(|scope| {
                let keys = scope.spawn(move || {
                    ids.renumber(&new_of_old);
                    drop(new_of_old);
                    time_and_id_indexes(rows_ref)
                });
                let values = value_indexes(rows_ref, strings, people, syms);
                let keys = match keys.join() {
                    Ok(k) => k,
                    Err(panic) => std::panic::resume_unwind(panic),
                };
                (keys, values)
            });
        self.by_id = by_id;
        self.by_start = by_start;
        self.by_end = by_end;
        self.running = running;
        self.by_type = by_type;
        self.by_name = by_name;
        self.by_member = by_member;
        self.by_email = by_email;
        self.by_meta = by_meta;
        self.rows = rows.into_iter().map(Some).collect();
        self.ordered_upto = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
    }

    /// Checks that every index agrees with the rows (used by tests).
    #[doc(hidden)]
    pub fn check_consistency(&self) -> Result<(), String> {
        let mut fresh = Store {
            strings: self.strings.clone(),
            people: self.people.clone(),
            rows: self.rows.clone(),
            ..Store::default()
        };
        let live: Vec<u32> = (0..self.rows.len() as u32)
            .filter(|&s| self.row(s).is_some())
            .collect();
        if live.len() != self.ids.len() || live.len() != self.by_id.len() {
            return Err(format!(
                "{} live rows, {} ids, {} sorted ids",
                live.len(),
                self.ids.len(),
                self.by_id.len()
            ));
        }
        for &slot in &live {
            fresh.index_row(slot);
            let row = self.row(slot).ok_or("vanished row")?;
            if self.slot(&row.id) != Some(slot) || self.by_id.get(&row.id) != Some(&slot) {
                return Err(format!("id `{}` not mapped to its slot {slot}", row.id));
            }
            let (json, members_at) = crate::json::render_row(self, row);
            if row.json != json || row.members_at != members_at {
                return Err(format!("the JSON of `{}` is stale", row.id));
            }
        }
        let same = |a: &TimeIndex, b: &TimeIndex| a.range(0, a.len()).eq(b.range(0, b.len()));
        if !same(&fresh.by_start, &self.by_start) || !same(&fresh.by_end, &self.by_end) {
            return Err("time indexes differ".into());
        }
        if fresh.running != self.running {
            return Err("running set differs".into());
        }
        if fresh.by_type != self.by_type || fresh.by_name != self.by_name {
            return Err("type or name postings differ".into());
        }
        if fresh.by_meta != self.by_meta {
            return Err("metadata postings differ".into());
        }
        if fresh.by_email != self.by_email || fresh.by_member != self.by_member {
            return Err("member postings differ".into());
        }
        Ok(())
    }
}

fn add_posting<K>(entry: impl EntryLike<K>, slot: u32) {
    entry.add(slot);
}

/// `insert` on either map's entry type.
trait EntryLike<K> {
    fn add(self, slot: u32);
}

impl<K: Ord> EntryLike<K> for std::collections::btree_map::Entry<'_, K, Postings> {
    fn add(self, slot: u32) {
        match self {
            std::collections::btree_map::Entry::Occupied(mut o) => o.get_mut().insert(slot),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(Postings::One(slot));
            }
        }
    }
}

impl<K: std::hash::Hash + Eq> EntryLike<K> for std::collections::hash_map::Entry<'_, K, Postings> {
    fn add(self, slot: u32) {
        match self {
            std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().insert(slot),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Postings::One(slot));
            }
        }
    }
}

fn remove_posting_btree(map: &mut BTreeMap<Arc<str>, Postings>, key: &str, slot: u32) {
    if let Some(p) = map.get_mut(key)
        && p.remove(slot)
    {
        map.remove(key);
    }
}

fn remove_posting_hash(map: &mut FastMap<Sym, Postings>, key: Sym, slot: u32) {
    if let Some(p) = map.get_mut(&key)
        && p.remove(slot)
    {
        map.remove(&key);
    }
}

/// A bulk insert in progress. Rows go in unindexed; on drop, the new rows are
/// indexed one by one when they are few compared with the store, otherwise
/// every index is rebuilt in one pass (and slots renumbered by `startTime`).
/// Queries cannot run meanwhile: the bulk holds `&mut Store`.
pub(crate) struct Bulk<'s> {
    store: &'s mut Store,
    new_slots: Vec<u32>,
}

impl Bulk<'_> {
    /// Stores one validated draft (duplicate ids are rejected).
    pub(crate) fn add(&mut self, d: &Draft<'_>) -> Result<(), RecordError> {
        let slot = self.store.insert_draft(d, false)?;
        self.new_slots.push(slot);
        Ok(())
    }

    pub(crate) fn added(&self) -> usize {
        self.new_slots.len()
    }
}

impl Drop for Bulk<'_> {
    fn drop(&mut self) {
        if self.new_slots.is_empty() {
            return;
        }
        if self.new_slots.len() * 4 >= self.store.len() {
            self.store.rebuild();
        } else {
            for &slot in &self.new_slots {
                self.store.index_row(slot);
            }
        }
    }
}

/// The id, start and end indexes of rows in slot order.
fn time_and_id_indexes(
    rows: &[Row],
) -> (BTreeMap<Arc<str>, u32>, TimeIndex, TimeIndex, BTreeSet<u32>) {
    // Ids sorted by their first 16 bytes (integer compares), ties by the
    // whole string; the B-tree is then built from sorted input.
    let mut ids: Vec<(u128, u32)> = rows
        .iter()
        .enumerate()
        .map(|(slot, r)| (id_prefix(&r.id), slot as u32))
        .collect();
    ids.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| rows[a.1 as usize].id.cmp(&rows[b.1 as usize].id))
    });
    let by_id = ids
        .into_iter()
        .map(|(_, slot)| (rows[slot as usize].id.clone(), slot))
        .collect();
    let by_start = TimeIndex::build(
        rows.iter()
            .enumerate()
            .map(|(slot, r)| (r.start, slot as u32))
            .collect(),
    );
    let by_end = TimeIndex::build(
        rows.iter()
            .enumerate()
            .filter(|(_, r)| r.end != NO_END)
            .map(|(slot, r)| (r.end, slot as u32))
            .collect(),
    );
    let running = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.end == NO_END)
        .map(|(slot, _)| slot as u32)
        .collect();
    (by_id, by_start, by_end, running)
}

/// Postings of every value index.
type ValueIndexes = (
    BTreeMap<Arc<str>, Postings>,
    BTreeMap<Arc<str>, Postings>,
    FastMap<Sym, Postings>,
    FastMap<Sym, Postings>,
    FastMap<Sym, FastMap<Sym, Postings>>,
);

/// The type, name, member id, e-mail and metadata postings of rows in slot order.
fn value_indexes(rows: &[Row], strings: &Interner, people: &[Person], syms: usize) -> ValueIndexes {
    let pairs: Vec<(Sym, u32)> = rows
        .iter()
        .enumerate()
        .map(|(slot, r)| (r.kind, slot as u32))
        .collect();
    let by_type = group_by_sym(&pairs, syms)
        .into_iter()
        .map(|(k, p)| (strings.arc(k), p))
        .collect();
    let pairs: Vec<(Sym, u32)> = rows
        .iter()
        .enumerate()
        .map(|(slot, r)| (r.name, slot as u32))
        .collect();
    let by_name = group_by_sym(&pairs, syms)
        .into_iter()
        .map(|(k, p)| (strings.arc(k), p))
        .collect();
    let persons = || {
        rows.iter().enumerate().flat_map(|(slot, r)| {
            r.members()
                .iter()
                .map(move |&p| (people[p as usize], slot as u32))
        })
    };
    let pairs: Vec<(Sym, u32)> = persons().map(|(p, slot)| (p.id, slot)).collect();
    let by_member = group_by_sym(&pairs, syms).into_iter().collect();
    let pairs: Vec<(Sym, u32)> = persons()
        .filter(|(p, _)| p.email != NO_SYM)
        .map(|(p, slot)| (p.email, slot))
        .collect();
    let by_email = group_by_sym(&pairs, syms).into_iter().collect();
    drop(pairs);
    // Metadata: group the (key, value, slot) triples by key, then each key's
    // (value, slot) pairs by value.
    let meta: Vec<(Sym, Sym, u32)> = rows
        .iter()
        .enumerate()
        .flat_map(|(slot, r)| r.metadata().iter().map(move |&[k, v]| (k, v, slot as u32)))
        .collect();
    let keyed: Vec<(Sym, u32)> = meta
        .iter()
        .enumerate()
        .map(|(i, &(k, _, _))| (k, i as u32))
        .collect();
    let mut by_meta: FastMap<Sym, FastMap<Sym, Postings>> = FastMap::default();
    for (key, entries) in group_by_sym(&keyed, syms) {
        let pairs: Vec<(Sym, u32)> = entries
            .as_slice()
            .iter()
            .map(|&e| (meta[e as usize].1, meta[e as usize].2))
            .collect();
        by_meta.insert(key, group_by_sym(&pairs, syms).into_iter().collect());
    }
    (by_type, by_name, by_member, by_email, by_meta)
}

/// The first 16 bytes of an id as a big-endian integer (zero-padded): orders
/// like the string except between ids that share those bytes.
fn id_prefix(id: &str) -> u128 {
    let mut b = [0u8; 16];
    let n = id.len().min(16);
    b[..n].copy_from_slice(&id.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

/// Groups `(sym, slot)` pairs by symbol with a counting sort (O(n + syms));
/// slots keep their input order, so ascending input gives ascending postings.
/// Only symbols that occur are returned, in symbol order.
fn group_by_sym(pairs: &[(Sym, u32)], syms: usize) -> Vec<(Sym, Postings)> {
    if pairs.len() * 8 < syms {
        // Few pairs: sorting beats a table the size of the symbol space.
        let mut sorted = pairs.to_vec();
        sorted.sort_unstable();
        let mut out: Vec<(Sym, Postings)> = Vec::new();
        for (sym, slot) in sorted {
            match out.last_mut() {
                Some((s, p)) if *s == sym => p.push_sorted(slot),
                _ => out.push((sym, Postings::One(slot))),
            }
        }
        return out;
    }
    let mut counts = vec![0u32; syms];
    for &(sym, _) in pairs {
        if let Some(c) = counts.get_mut(sym as usize) {
            *c += 1;
        }
    }
    let mut group_of = vec![u32::MAX; syms];
    let mut out: Vec<(Sym, Postings)> = Vec::new();
    for (sym, &c) in counts.iter().enumerate() {
        if c > 0 {
            group_of[sym] = out.len() as u32;
            let p = if c == 1 {
                Postings::One(u32::MAX)
            } else {
                Postings::Many(Vec::with_capacity(c as usize))
            };
            out.push((sym as Sym, p));
        }
    }
    for &(sym, slot) in pairs {
        if let Some(&g) = group_of.get(sym as usize)
            && let Some((_, p)) = out.get_mut(g as usize)
        {
            match p {
                Postings::One(s) => *s = slot,
                // A row may list the same value twice (two members, one e-mail).
                Postings::Many(v) if v.last() == Some(&slot) => {}
                Postings::Many(v) => v.push(slot),
            }
        }
    }
    for (_, p) in &mut out {
        if let Postings::Many(v) = p
            && v.len() == 1
        {
            *p = Postings::One(v[0]);
        }
    }
    out
}
