//! [`Row`]: one stored conversation — interned symbols instead of strings,
//! times as epoch milliseconds, its members (person numbers, see
//! [`People`](crate::people::People)) and metadata pairs packed in one
//! allocation. Its JSON is written from these parts when a page asks for
//! it (`view/json.rs`): a row keeps no rendered copy.
//!
//! Rows live in the [`Store`](crate::Store)'s slot vector; how they get there
//! and leave is `writes.rs`, how the indexes follow them is `maintain.rs`.

use std::sync::Arc;

use crate::intern::Sym;

/// `end` of a running conversation (no `endTime`).
pub(crate) const NO_END: i64 = i64::MIN;

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
}

impl Row {
    /// Heap bytes of the member numbers and metadata symbols.
    pub(crate) fn data_heap_bytes(&self) -> usize {
        crate::heapsize::vec::<u32>(self.data.len())
    }

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

    /// A row: `data` holds the
    /// `n_members` members' person numbers, then the metadata `[key, value]`
    /// pairs.
    pub(crate) fn new(
        id: Arc<str>,
        kind: Sym,
        name: Sym,
        start: i64,
        end: i64,
        data: Box<[u32]>,
        n_members: u32,
    ) -> Row {
        Row {
            id,
            kind,
            name,
            start,
            end,
            data,
            n_members,
        }
    }

    /// Makes the member at `pos` person `person` (a member update: the
    /// count stays). `None` if there is no member at `pos`.
    pub(crate) fn set_member(&mut self, pos: usize, person: u32) -> Option<()> {
        let members = self.data.get_mut(..self.n_members as usize)?;
        *members.get_mut(pos)? = person;
        Some(())
    }

    /// Replaces the metadata pairs (the members stay).
    pub(crate) fn set_metadata(&mut self, metadata: &[[Sym; 2]]) {
        let mut data = Vec::with_capacity(self.members().len() + 2 * metadata.len());
        data.extend_from_slice(self.members());
        data.extend(metadata.iter().flatten());
        self.data = data.into_boxed_slice();
    }
}
