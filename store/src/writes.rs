//! The write path: every change to a [`Store`]'s conversations and messages
//! is made in this file.
//!
//! The public writes ([`Store::insert_json`], [`Store::insert`],
//! [`Store::upsert`], [`Store::extend`], [`Store::update_metadata`],
//! [`Store::update_member`], [`Store::delete`], [`Store::set_messages`]) and
//! the loaders' [`Bulk`] first validate — parse, check, look the id up,
//! intern the new strings and people — and then
//! change the store only through five functions:
//!
//! | function | change |
//! |---|---|
//! | `place_row` | puts a new row in a slot (and in every index, unless a bulk load rebuilds them at its end) |
//! | `remove_slot` | takes a row out of its slot and every index, with or without its messages |
//! | `replace_metadata` | gives a row new metadata pairs |
//! | `replace_member` | gives a row a changed member and applies the change to that member's messages |
//! | `put_messages` | sets a conversation's messages |
//!
//! A write-ahead journal hooks in here: an operation recorded before it
//! reaches one of these functions covers every change a reader can see.
//! Interning is not such a change: a symbol or person number names the same
//! string or member for as long as a row uses it, and which number a new one
//! gets is invisible. The rebuild that ends a large bulk load (`maintain.rs`)
//! renumbers slots but changes no conversation.
//!
//! Strings and people are reference-counted (`intern.rs`, `people.rs`):
//! validation takes a reference to each string and person a new row or pair
//! uses (and gives them all back if it fails: a failed write holds nothing),
//! and a row or pair that goes gives its references back, after the new
//! ones are taken, so a string kept by the write is never freed meanwhile.
//! The last reference of a string or person frees it.
//!
//! Each write validates first and mutates second, and updates every index it
//! touches (through `maintain.rs`) before returning, so a reader never sees a
//! row that an index disagrees with. Validation includes the store's
//! [`Limits`](crate::Limits): a write past one fails before any of the five
//! functions runs. No stored string holds U+0000 (NUL): SQLite's `GLOB`
//! stops at it and PostgreSQL refuses text with it, so a filter could not
//! treat such a value alike on every backend (rsql refuses it in filter
//! values for the same reason). Every write refuses it, naming the field.

use std::sync::Arc;

use crate::StoreError;
use crate::error::{RecordError, RecordErrorKind};
use crate::intern::{FastMap, NO_SYM, Sym};
use crate::json::{Parts, head_len_over};
use crate::limits;
use crate::model::{Conversation, Member, Message, Metadata};
use crate::parse::Draft;
use crate::rows::{NO_END, Row};
use crate::store::Store;

impl Store {
    /// Parses one conversation (the JSON of `docs/data-formats.md`) and inserts it.
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
        let old_slot = self.slot(draft.id.as_ref());
        // The old version's slot, freed below, or a new one.
        let slot = match old_slot {
            Some(slot) => slot,
            None => self.next_slot()?,
        };
        let row = self.prepare_row(&draft)?;
        // The messages belong to the id, not to this version.
        let old = old_slot.map(|slot| self.remove_slot(slot, Messages::Keep));
        self.place_row(row, slot, true);
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
            bulk.add_conversation(&c)?;
        }
        Ok(bulk.added())
    }

    /// Starts a bulk insert: rows are stored at once, indexes are brought up
    /// to date when the [`Bulk`] is dropped.
    pub(crate) fn bulk(&mut self) -> Bulk<'_> {
        Bulk {
            store: self,
            new_slots: Vec::new(),
        }
    }

    /// Merges metadata: each `(key, Some(value))` adds or replaces, each
    /// `(key, None)` removes; other keys stay. Returns the metadata after the
    /// update. All or nothing: an unknown id, or a new string past
    /// [`Limits::strings`](crate::Limits::strings), changes nothing.
    ///
    /// Order: a replaced key keeps its place, a new key goes after the
    /// others, in the order of `changes`; when `changes` names a key twice
    /// the last one wins (a key removed and added again goes to the end).
    /// The merge costs O(keys of the row + changes), one hash lookup each.
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
        for (key, value) in changes {
            no_nul_in_pair(key, value.as_deref())?;
        }
        let old = self
            .row(slot)
            .map(|r| r.metadata().to_vec())
            .unwrap_or_default();
        // The strings of every added pair, one reference each, so that none
        // is freed (or its symbol reused) while the merge runs.
        let mut taken: Vec<Sym> = Vec::with_capacity(2 * changes.len());
        let mut added: Vec<Option<[Sym; 2]>> = Vec::with_capacity(changes.len());
        for (key, value) in changes {
            match value {
                Some(v) => match self.intern_pair(key, v, &mut taken) {
                    Ok(pair) => added.push(Some(pair)),
                    Err(e) => {
                        for &sym in &taken {
                            self.strings.release(sym);
                        }
                        return Err(e.into());
                    }
                },
                // A key not held is on no row.
                None => added.push(self.strings.lookup(key).map(|k| [k, NO_SYM])),
            }
        }
        let pairs = merge_metadata(&old, added.into_iter().flatten());
        // The new pairs take their references before the old pairs and the
        // merge's own give theirs back, so a string kept is never freed.
        for &[k, v] in &pairs {
            self.strings.retain(k);
            self.strings.retain(v);
        }
        self.replace_metadata(slot, &old, &pairs);
        for sym in taken.into_iter().chain(old.into_iter().flatten()) {
            self.strings.release(sym);
        }
        Ok(self.metadata_of(slot))
    }

    /// Interns `key` and `value`, pushing each symbol on `taken` as soon as
    /// its reference is taken (so the caller can give them back on an error).
    fn intern_pair(
        &mut self,
        key: &str,
        value: &str,
        taken: &mut Vec<Sym>,
    ) -> Result<[Sym; 2], RecordError> {
        let k = self.strings.intern(key)?;
        taken.push(k);
        let v = self.strings.intern(value)?;
        taken.push(v);
        Ok([k, v])
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
        no_nul_in_member(None, &member.id, &member.name, member.email.as_deref())?;
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
        let person = self.people.intern(
            &mut self.strings,
            &member.id,
            &member.name,
            member.email.as_deref(),
        )?;
        match self.replace_member(slot, pos, person, &member) {
            Some(()) => Ok(()),
            None => {
                self.people.release(&mut self.strings, person);
                Err(StoreError::not_found("conversation", id))
            }
        }
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
        Ok(self.remove_slot(slot, Messages::Drop))
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
        self.put_messages(key, messages);
        Ok(())
    }

    // ---- validated inserts --------------------------------------------------

    /// Stores a validated draft whose id is new; past one of the
    /// [`Limits`](crate::Limits) it is an error, and no conversation changes.
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
        let slot = self.next_slot()?;
        let row = self.prepare_row(d)?;
        self.place_row(row, slot, indexed);
        Ok(slot)
    }

    /// The slot a new row takes: the last freed one, or the next one at the
    /// end while [`Limits::conversations`](crate::Limits::conversations) allows.
    fn next_slot(&self) -> Result<u32, RecordError> {
        if let Some(&slot) = self.free.last() {
            return Ok(slot);
        }
        let limit = self.limits.conversations;
        match u32::try_from(self.rows.len()) {
            Ok(slot) if slot < limit => Ok(slot),
            _ => Err(limits::reached("conversations", limit)),
        }
    }

    /// The row of a validated draft, its strings and people interned and its
    /// JSON rendered; the store's rows and indexes are not touched. Past
    /// [`Limits::members`](crate::Limits::members),
    /// [`Limits::head_bytes`](crate::Limits::head_bytes) or a table's limit it
    /// is an error.
    fn prepare_row(&mut self, d: &Draft<'_>) -> Result<Row, RecordError> {
        no_nul_in_draft(d)?;
        let n_members = match u32::try_from(d.members.len()) {
            Ok(n) if n <= self.limits.members => n,
            _ => {
                let limit = self.limits.members;
                return Err(RecordError::at(
                    "members",
                    RecordErrorKind::Limit {
                        what: "members per conversation",
                        limit,
                    },
                ));
            }
        };
        let mut data: Vec<u32> = Vec::with_capacity(d.members.len() + 2 * d.metadata.len());
        // The type and name symbols taken so far (an array, not a vector:
        // no allocation per row for this bookkeeping).
        let mut head = Head::default();
        let [kind, name] = match self.take_refs(d, &mut data, &mut head) {
            Ok(head) => head,
            Err(e) => {
                let (people, syms) = data.split_at(data.len().min(d.members.len()));
                self.release_refs(people, syms.iter().chain(head.taken()));
                return Err(e);
            }
        };
        let row = Row::new(
            Arc::from(d.id.as_ref()),
            kind,
            name,
            d.start,
            d.end.unwrap_or(NO_END),
            data.into_boxed_slice(),
            n_members,
        );
        let parts = Parts {
            id: &row.id,
            kind: &d.kind,
            name: &d.name,
            start: row.start,
            end: row.end(),
        };
        if head_len_over(&parts, self.limits.head_bytes as usize).is_some() {
            self.release_row(&row);
            let limit = self.limits.head_bytes;
            return Err(limits::reached("bytes of JSON before the members", limit));
        }
        Ok(row)
    }

    /// Takes a reference to each person and string of a draft: its members'
    /// person numbers, then its metadata key and value symbols, go on
    /// `data`; its type and name symbols on `head`. Each is pushed as soon as
    /// it is taken, so on an error the caller gives back exactly what was
    /// taken. Returns `[type, name]`.
    fn take_refs(
        &mut self,
        d: &Draft<'_>,
        data: &mut Vec<u32>,
        head: &mut Head,
    ) -> Result<[Sym; 2], RecordError> {
        for m in &d.members {
            let p = self
                .people
                .intern(&mut self.strings, &m.id, &m.name, m.email.as_deref())?;
            data.push(p);
        }
        for (k, v) in &d.metadata {
            data.push(self.strings.intern(k)?);
            data.push(self.strings.intern(v)?);
        }
        let kind = self.strings.intern(&d.kind)?;
        head.push(kind);
        let name = self.strings.intern(&d.name)?;
        head.push(name);
        Ok([kind, name])
    }

    /// Gives back one reference to each person of `people` and each symbol of `syms`.
    fn release_refs<'a>(&mut self, people: &[u32], syms: impl IntoIterator<Item = &'a Sym>) {
        for &p in people {
            self.people.release(&mut self.strings, p);
        }
        for &sym in syms {
            self.strings.release(sym);
        }
    }

    /// Gives back the references a row holds: its type, name, metadata
    /// strings and members.
    fn release_row(&mut self, row: &Row) {
        let syms = row
            .metadata()
            .iter()
            .flatten()
            .chain([&row.kind, &row.name]);
        for &p in row.members() {
            self.people.release(&mut self.strings, p);
        }
        for &sym in syms {
            self.strings.release(sym);
        }
    }

    // ---- the five functions that change the store --------------------------

    /// Puts a prepared row in `slot`, which [`Store::next_slot`] chose (or
    /// `remove_slot` just freed) with no other change since. With `indexed`,
    /// every index is updated now; otherwise only the id map is, and the
    /// caller must index the row or call [`Store::rebuild`].
    fn place_row(&mut self, row: Row, slot: u32, indexed: bool) {
        self.pattern_cache.clear();
        self.max_span = self
            .max_span
            .max(row.effective_end().saturating_sub(row.start));
        let id = row.id.clone();
        match self.free.last() {
            Some(&free) if free == slot => {
                self.free.pop();
                self.rows[slot as usize] = Some(row);
                self.ordered_upto = self.ordered_upto.min(slot);
            }
            _ => {
                debug_assert_eq!(slot as usize, self.rows.len(), "a new slot is the next one");
                let in_order = slot == self.ordered_upto
                    && match slot.checked_sub(1).and_then(|p| self.row(p)) {
                        Some(prev) => (prev.start, &*prev.id) < (row.start, &*row.id),
                        None => slot == 0,
                    };
                if in_order {
                    self.ordered_upto = slot + 1;
                }
                self.rows.push(Some(row));
            }
        }
        let rows = &self.rows;
        self.ids.insert(&id, slot, |s| {
            rows.get(s as usize)
                .and_then(Option::as_ref)
                .map(|r| &*r.id)
        });
        if indexed {
            self.index_row(slot);
        }
    }

    /// Takes the row out of `slot` and every index, returning it; its
    /// messages go too unless told to stay with the id.
    fn remove_slot(&mut self, slot: u32, messages: Messages) -> Conversation {
        self.pattern_cache.clear();
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
            if messages == Messages::Drop {
                self.messages.remove(&row.id);
            }
            self.release_row(&row);
        }
        self.free.push(slot);
        conv
    }

    /// Gives row `slot` the metadata `pairs` in place of `old`, its current
    /// pairs.
    fn replace_metadata(&mut self, slot: u32, old: &[[Sym; 2]], pairs: &[[Sym; 2]]) {
        self.unindex_meta(slot, old);
        self.index_meta(slot, pairs);
        if let Some(Some(row)) = self.rows.get_mut(slot as usize) {
            row.set_metadata(pairs);
        }
    }

    /// Makes the member at `pos` of row `slot` person `person` (whose
    /// reference the caller took; the replaced person's is given back) and
    /// applies `member`'s name and e-mail to the messages it wrote. `None`
    /// (and no change) if the slot is empty or has no member at `pos`.
    fn replace_member(
        &mut self,
        slot: u32,
        pos: usize,
        person: u32,
        member: &Member,
    ) -> Option<()> {
        let old = self.row(slot)?.members().to_vec();
        let mut new = old.clone();
        let was = std::mem::replace(new.get_mut(pos)?, person);
        self.unindex_members(slot, &old);
        self.index_members(slot, &new);
        let arc_id = match self.rows.get_mut(slot as usize) {
            Some(Some(row)) => {
                row.set_member(pos, person)?;
                row.id.clone()
            }
            _ => return None,
        };
        self.people.release(&mut self.strings, was);
        if let Some(msgs) = self.messages.get_mut(&arc_id) {
            for m in msgs.iter_mut().filter(|m| m.from.id == member.id) {
                m.from.name.clone_from(&member.name);
                if member.email.is_some() || m.from.user_id.is_some() {
                    m.from.user_id.clone_from(&member.email);
                }
            }
        }
        Some(())
    }

    /// Sets the messages of the conversation with id `key` (sorted).
    fn put_messages(&mut self, key: Arc<str>, messages: Vec<Message>) {
        self.messages.insert(key, messages);
    }
}

/// `old` with `changes` applied in order: `[key, value]` adds or replaces
/// (a replaced key keeps its place, a new one goes last), `[key, NO_SYM]`
/// removes. O(`old` + `changes`): a map from each key to its place, and
/// removed pairs left as holes until the end.
/// `RecordError` naming `field` when `value` holds U+0000 (shown as `\0`).
fn no_nul(field: impl FnOnce() -> String, value: &str) -> Result<(), RecordError> {
    if !value.contains('\0') {
        return Ok(());
    }
    Err(RecordError::invalid(
        field(),
        "text without U+0000 (NUL)",
        &shown(value),
    ))
}

/// `s` with each U+0000 written `\0`, for messages.
fn shown(s: &str) -> String {
    s.replace('\0', "\\0")
}

/// No U+0000 in a metadata key or value (the field named is `metadata.<key>`).
pub(crate) fn no_nul_in_pair(key: &str, value: Option<&str>) -> Result<(), RecordError> {
    no_nul(|| "metadata".to_owned(), key)?;
    match value {
        Some(v) => no_nul(|| format!("metadata.{key}"), v),
        None => Ok(()),
    }
}

/// No U+0000 in a member's id, name or e-mail: member `i` of a
/// conversation (`members[i].name`), or the one member of an update
/// (`member.name`).
pub(crate) fn no_nul_in_member(
    i: Option<usize>,
    id: &str,
    name: &str,
    email: Option<&str>,
) -> Result<(), RecordError> {
    let field = |part: &str| match i {
        Some(i) => format!("members[{i}].{part}"),
        None => format!("member.{part}"),
    };
    no_nul(|| field("id"), id)?;
    no_nul(|| field("name"), name)?;
    match email {
        Some(e) => no_nul(|| field("email"), e),
        None => Ok(()),
    }
}

/// No U+0000 in any string of a conversation.
pub(crate) fn no_nul_in_draft(d: &Draft<'_>) -> Result<(), RecordError> {
    if d.nul_free {
        return Ok(());
    }
    no_nul(|| "id".to_owned(), &d.id)?;
    no_nul(|| "type".to_owned(), &d.kind)?;
    no_nul(|| "name".to_owned(), &d.name)?;
    for (i, m) in d.members.iter().enumerate() {
        no_nul_in_member(Some(i), &m.id, &m.name, m.email.as_deref())?;
    }
    for (k, v) in &d.metadata {
        no_nul_in_pair(k, Some(v))?;
    }
    Ok(())
}

fn merge_metadata(old: &[[Sym; 2]], changes: impl IntoIterator<Item = [Sym; 2]>) -> Vec<[Sym; 2]> {
    let mut pairs: Vec<Option<[Sym; 2]>> = old.iter().copied().map(Some).collect();
    let mut at: FastMap<Sym, usize> = FastMap::default();
    at.reserve(old.len());
    at.extend(old.iter().enumerate().map(|(i, &[k, _])| (k, i)));
    for [k, v] in changes {
        if v == NO_SYM {
            if let Some(slot) = at.remove(&k).and_then(|i| pairs.get_mut(i)) {
                *slot = None;
            }
        } else if let Some(slot) = at.get(&k).and_then(|&i| pairs.get_mut(i)) {
            *slot = Some([k, v]);
        } else {
            at.insert(k, pairs.len());
            pairs.push(Some([k, v]));
        }
    }
    pairs.into_iter().flatten().collect()
}

/// What [`Store::remove_slot`] does with the row's messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Messages {
    /// They go with the row (a delete).
    Drop,
    /// They stay with the id (an upsert replaces the row, not its messages).
    Keep,
}

/// Up to two symbols (a row's type and name) taken while a row is prepared.
#[derive(Default)]
struct Head {
    syms: [Sym; 2],
    len: usize,
}

impl Head {
    fn push(&mut self, sym: Sym) {
        if let Some(slot) = self.syms.get_mut(self.len) {
            *slot = sym;
            self.len += 1;
        }
    }

    fn taken(&self) -> &[Sym] {
        self.syms.get(..self.len).unwrap_or_default()
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

    /// Checks and stores one owned conversation (see [`Bulk::add`]).
    pub(crate) fn add_conversation(&mut self, c: &Conversation) -> Result<(), RecordError> {
        let draft = Draft::from_conversation(c);
        draft.check()?;
        self.add(&draft)
    }

    pub(crate) fn added(&self) -> usize {
        self.new_slots.len()
    }

    /// Reserves room for `rows` more rows in the row vector (not the id
    /// map: a map sized for every row from the start misses the cache on
    /// each insert, where a growing one stays small for longer; its growth
    /// re-inserts hashes without reading a row).
    /// Never past [`Limits::conversations`](crate::Limits::conversations).
    pub(crate) fn reserve(&mut self, rows: usize) {
        let room = (self.store.limits.conversations as usize).saturating_sub(self.store.rows.len());
        let rows = rows.min(room);
        self.store.rows.reserve(rows);
        self.new_slots.reserve(rows);
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

#[cfg(test)]
mod tests {
    use crate::{Conversation, Limits, Member, Metadata, RecordErrorKind, Store, StoreError, load};

    fn conv(id: &str, name: &str, members: &[(&str, &str)]) -> Conversation {
        Conversation {
            id: id.to_string(),
            kind: "call".to_string(),
            name: name.to_string(),
            start_time: 1_600_000_000_000,
            end_time: None,
            members: members
                .iter()
                .map(|&(id, name)| Member {
                    id: id.to_string(),
                    name: name.to_string(),
                    email: None,
                })
                .collect(),
            metadata: Metadata::new(),
        }
    }

    /// The limit a write passed, as `(what, limit)`.
    #[track_caller]
    fn limit_of(err: StoreError) -> (&'static str, u32) {
        match err.record().map(|r| r.kind()) {
            Some(&RecordErrorKind::Limit { what, limit }) => (what, limit),
            _ => panic!("not a limit error: {err}"),
        }
    }

    fn limited(limits: Limits) -> Store {
        Store::with_limits(limits)
    }

    #[test]
    fn the_earliest_millisecond_is_no_end_time() {
        // It marks a row without an end: as an end time it would read back
        // as none, so it is refused; every later one reads back as given.
        let mut s = Store::new();
        let mut c = conv("1", "a", &[]);
        c.start_time = i64::MIN;
        c.end_time = Some(i64::MIN);
        let err = s.insert(c.clone()).unwrap_err().to_string();
        assert!(err.contains("endTime"), "{err}");
        assert_eq!(s.len(), 0);
        c.end_time = Some(i64::MIN + 1);
        s.insert(c).unwrap();
        assert_eq!(s.get("1").unwrap().end_time, Some(i64::MIN + 1));
        s.check_consistency().unwrap();
    }

    #[test]
    fn a_bulk_reserves_no_more_rows_than_the_limit_allows() {
        let mut s = limited(Limits {
            conversations: 10,
            ..Limits::default()
        });
        s.insert(conv("1", "a", &[])).unwrap();
        let mut bulk = s.bulk();
        bulk.reserve(1_000_000);
        assert!(
            bulk.store.rows.capacity() <= 16,
            "{}",
            bulk.store.rows.capacity()
        );
        assert!(
            bulk.new_slots.capacity() <= 16,
            "{}",
            bulk.new_slots.capacity()
        );
    }

    #[test]
    fn conversations_up_to_the_limit_then_an_error_that_changes_nothing() {
        let mut s = limited(Limits {
            conversations: 2,
            ..Limits::default()
        });
        s.insert(conv("1", "a", &[])).unwrap();
        s.insert(conv("2", "b", &[])).unwrap(); // at the limit
        let past = s.insert(conv("3", "c", &[])).unwrap_err();
        assert_eq!(limit_of(past), ("conversations", 2));
        let past = s.upsert(conv("3", "c", &[])).unwrap_err();
        assert_eq!(limit_of(past), ("conversations", 2));
        assert!(
            s.upsert(conv("2", "b2", &[])).unwrap().is_some(),
            "a replacement needs no room"
        );
        assert_eq!(
            s.extend([conv("4", "d", &[])]).map_err(limit_of),
            Err(("conversations", 2))
        );
        assert_eq!(
            (s.len(), s.contains("3"), s.contains("4")),
            (2, false, false)
        );
        s.check_consistency().unwrap();
        // A deleted conversation's slot is free again.
        s.delete("1").unwrap();
        s.insert(conv("3", "c", &[])).unwrap();
        assert_eq!(s.len(), 2);
        s.check_consistency().unwrap();
        // The loader reports each line past the limit.
        let mut s = limited(Limits {
            conversations: 2,
            ..Limits::default()
        });
        let mut jsonl = Vec::new();
        crate::generate::write_jsonl(3, 3, &mut jsonl).unwrap();
        let report = load::load_jsonl(&mut s, jsonl.as_slice(), &Default::default()).unwrap();
        assert_eq!((report.loaded, report.skipped.len()), (2, 1));
        assert_eq!(
            report.skipped[0].to_string(),
            "line 3: over the store's limit of 2 conversations"
        );
        s.check_consistency().unwrap();
    }

    #[test]
    fn distinct_strings_up_to_the_limit() {
        // A conversation without members or metadata interns its type and name.
        let mut s = limited(Limits {
            strings: 3,
            ..Limits::default()
        });
        s.insert(conv("1", "a", &[])).unwrap(); // `call`, `a`
        s.insert(conv("2", "b", &[])).unwrap(); // `b`: at the limit
        let past = s.insert(conv("3", "c", &[])).unwrap_err();
        assert_eq!(limit_of(past), ("distinct strings", 3));
        s.insert(conv("4", "a", &[])).unwrap(); // no new string
        let past = s.update_metadata("1", &[("k".into(), Some("v".into()))]);
        assert_eq!(past.map_err(limit_of), Err(("distinct strings", 3)));
        // Removing a key that was never stored needs no string.
        assert!(
            s.update_metadata("1", &[("k".into(), None)])
                .unwrap()
                .is_empty()
        );
        assert_eq!((s.len(), s.contains("3")), (3, false));
        assert!(s.get("1").unwrap().metadata.is_empty());
        s.check_consistency().unwrap();
    }

    #[test]
    fn distinct_members_up_to_the_limit() {
        let mut s = limited(Limits {
            people: 1,
            ..Limits::default()
        });
        s.insert(conv("1", "a", &[("m1", "Ana")])).unwrap(); // at the limit
        s.insert(conv("2", "a", &[("m1", "Ana")])).unwrap(); // the same person
        let past = s.insert(conv("3", "a", &[("m2", "Bo")])).unwrap_err();
        assert_eq!(limit_of(past), ("distinct members", 1));
        let renamed = Member {
            id: "m1".into(),
            name: "Ana R.".into(),
            email: None,
        };
        let past = s.update_member("1", renamed).unwrap_err();
        assert_eq!(limit_of(past), ("distinct members", 1));
        assert_eq!(s.members("1").unwrap()[0].name, "Ana");
        assert_eq!((s.len(), s.contains("3")), (2, false));
        s.check_consistency().unwrap();
    }

    #[test]
    fn members_per_conversation_up_to_the_limit() {
        let mut s = limited(Limits {
            members: 2,
            ..Limits::default()
        });
        s.insert(conv("1", "a", &[("m1", "Ana"), ("m2", "Bo")]))
            .unwrap(); // at the limit
        let three = conv("2", "a", &[("m1", "Ana"), ("m2", "Bo"), ("m3", "Cy")]);
        let past = s.insert(three).unwrap_err();
        assert_eq!(past.field(), Some("members"));
        assert_eq!(limit_of(past), ("members per conversation", 2));
        assert_eq!(s.len(), 1);
        s.check_consistency().unwrap();
    }

    #[test]
    fn json_before_the_members_up_to_the_limit() {
        let c = conv("1", "a", &[]);
        let mut json = Vec::new();
        crate::json::write_owned(&mut json, &c);
        let marker = b"\"members\":[";
        let head = json
            .windows(marker.len())
            .position(|w| w == marker)
            .unwrap()
            + marker.len();
        let head = u32::try_from(head).unwrap();
        let mut at = limited(Limits {
            head_bytes: head,
            ..Limits::default()
        });
        at.insert(c.clone()).unwrap(); // at the limit
        let mut past = limited(Limits {
            head_bytes: head - 1,
            ..Limits::default()
        });
        let err = past.insert(c).unwrap_err();
        assert_eq!(
            limit_of(err),
            ("bytes of JSON before the members", head - 1)
        );
        assert!(past.is_empty());
        past.check_consistency().unwrap();
        // Metadata comes after the members: it may grow past the head's limit.
        at.update_metadata("1", &[("k".into(), Some("v".repeat(100)))])
            .unwrap();
        at.check_consistency().unwrap();
    }
}
