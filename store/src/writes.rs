//! The write path: every change to a [`Store`]'s conversations and messages
//! is made in this file.
//!
//! The public writes ([`Store::insert_json`], [`Store::insert`],
//! [`Store::upsert`], [`Store::extend`], [`Store::update_metadata`],
//! [`Store::update_member`], [`Store::delete`], [`Store::set_messages`]) and
//! the loaders' [`Bulk`] first validate — parse, check, look the id up,
//! intern the new strings and people, render the row's JSON — and then
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
//! Interning is not such a change: the string and people tables only grow,
//! and an entry that no row uses is invisible (as are those of deleted rows).
//! The rebuild that ends a large bulk load (`maintain.rs`) renumbers slots
//! but changes no conversation.
//!
//! Each write validates first and mutates second, and updates every index it
//! touches (through `maintain.rs`) before returning, so a reader never sees a
//! row that an index disagrees with.

use std::sync::Arc;

use crate::StoreError;
use crate::error::{RecordError, RecordErrorKind};
use crate::intern::Sym;
use crate::model::{Conversation, Member, Message, Metadata};
use crate::parse::Draft;
use crate::rows::{NO_END, Row};
use crate::store::Store;
use crate::view::json::render_row;

impl Store {
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
        let row = self.prepare_row(&draft)?;
        // The messages belong to the id, not to this version.
        let old = self
            .slot(draft.id.as_ref())
            .map(|slot| self.remove_slot(slot, Messages::Keep));
        self.place_row(row, true);
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
        self.replace_metadata(slot, &old, &pairs);
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
        let person = self.people.intern(
            &mut self.strings,
            &member.id,
            &member.name,
            member.email.as_deref(),
        );
        let mut new_members = old_members.clone();
        new_members[pos] = person;
        self.replace_member(slot, &old_members, &new_members, &member)
            .ok_or_else(|| StoreError::not_found("conversation", id))
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

    /// Stores a validated draft whose id is new (see [`Store::place_row`]).
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
        let row = self.prepare_row(d)?;
        Ok(self.place_row(row, indexed))
    }

    /// The row of a validated draft, its strings and people interned and its
    /// JSON rendered; the store's rows and indexes are not touched.
    fn prepare_row(&mut self, d: &Draft<'_>) -> Result<Row, RecordError> {
        let mut data: Vec<u32> = Vec::with_capacity(d.members.len() + 2 * d.metadata.len());
        for m in &d.members {
            let p = self
                .people
                .intern(&mut self.strings, &m.id, &m.name, m.email.as_deref());
            data.push(p);
        }
        for (k, v) in &d.metadata {
            let (k, v) = (self.strings.intern(k), self.strings.intern(v));
            data.extend([k, v]);
        }
        let mut row = Row::new(
            Arc::from(d.id.as_ref()),
            self.strings.intern(&d.kind),
            self.strings.intern(&d.name),
            d.start,
            d.end.unwrap_or(NO_END),
            data.into_boxed_slice(),
            u32::try_from(d.members.len()).unwrap_or(u32::MAX),
        );
        (row.json, row.members_at) = render_row(&self.strings, &row);
        Ok(row)
    }

    // ---- the five functions that change the store --------------------------

    /// Puts a prepared row in a slot (a free one first) and returns the slot.
    /// With `indexed`, every index is updated now; otherwise only the id map
    /// is, and the caller must index the row or call [`Store::rebuild`].
    fn place_row(&mut self, row: Row, indexed: bool) -> u32 {
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
        slot
    }

    /// Takes the row out of `slot` and every index, returning it; its
    /// messages go too unless told to stay with the id.
    fn remove_slot(&mut self, slot: u32, messages: Messages) -> Conversation {
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
        }
        self.free.push(slot);
        conv
    }

    /// Gives row `slot` the metadata `pairs` in place of `old`, its current
    /// pairs, and renders its JSON again.
    fn replace_metadata(&mut self, slot: u32, old: &[[Sym; 2]], pairs: &[[Sym; 2]]) {
        self.unindex_meta(slot, old);
        self.index_meta(slot, pairs);
        if let Some(Some(row)) = self.rows.get_mut(slot as usize) {
            row.set_metadata(pairs);
        }
        self.refresh_json(slot);
    }

    /// Gives row `slot` the members `new` (person numbers) in place of `old`,
    /// its current ones, and applies `member`'s name and e-mail to the
    /// messages it wrote. `None` if the slot is empty.
    fn replace_member(
        &mut self,
        slot: u32,
        old: &[u32],
        new: &[u32],
        member: &Member,
    ) -> Option<()> {
        self.unindex_members(slot, old);
        self.index_members(slot, new);
        let arc_id = match self.rows.get_mut(slot as usize) {
            Some(Some(row)) => {
                row.set_members(new);
                row.id.clone()
            }
            _ => return None,
        };
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

    /// Renders [`Row::json`] again after the row's metadata changed.
    fn refresh_json(&mut self, slot: u32) {
        let Some(rendered) = self.row(slot).map(|r| render_row(&self.strings, r)) else {
            return;
        };
        if let Some(Some(row)) = self.rows.get_mut(slot as usize) {
            (row.json, row.members_at) = rendered;
        }
    }
}

/// What [`Store::remove_slot`] does with the row's messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Messages {
    /// They go with the row (a delete).
    Drop,
    /// They stay with the id (an upsert replaces the row, not its messages).
    Keep,
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
