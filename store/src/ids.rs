//! [`IdMap`]: conversation id → slot.
//!
//! A `hashbrown::HashTable` of `(hash, slot)`: the table holds the 64-bit
//! hash of each id beside its slot, and reads the id itself (from its row,
//! through `id_of`) only when a probe meets the same hash, so a bulk load
//! does not miss the cache on stored strings, and growing the table reads
//! no row. Ids with the same hash are separate entries, told apart by `id_of`.
//!
//! It replaced a hand-written map (a std `HashMap` keyed by the hash with a
//! pass-through hasher, and an overflow map for colliding ids) that no
//! route-level figure favoured (issue 12, `benches/tricks.rs`, callgrind): a
//! 100 000-row bulk load runs 0.95 % fewer instructions with this table, and
//! the store's part of 100 000 `GET /v1/conversations/{id}` 1.8 % more
//! (about 12 instructions a lookup); neither shows in wall time.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// Id → slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdMap {
    hasher: foldhash::fast::RandomState,
    /// `(hash of the id, slot)`.
    table: HashTable<(u64, u32)>,
}

impl IdMap {
    /// Heap bytes of the table (see `heapsize.rs`).
    pub(crate) fn heap_bytes(&self) -> usize {
        crate::heapsize::table::<(u64, u32)>(self.table.capacity())
    }

    pub(crate) fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.table.reserve(n, |&(h, _)| h);
    }

    /// The slot of `id`; `id_of` gives the id stored in a slot.
    pub(crate) fn get<'r>(&self, id: &str, id_of: impl Fn(u32) -> Option<&'r str>) -> Option<u32> {
        self.get_hashed(self.hash(id), id, id_of)
    }

    fn get_hashed<'r>(
        &self,
        h: u64,
        id: &str,
        id_of: impl Fn(u32) -> Option<&'r str>,
    ) -> Option<u32> {
        self.table
            .find(h, |&(eh, s)| eh == h && id_of(s) == Some(id))
            .map(|&(_, s)| s)
    }

    /// Adds `id` at `slot`; false (and no change) if `id` is present.
    pub(crate) fn insert<'r>(
        &mut self,
        id: &Arc<str>,
        slot: u32,
        id_of: impl Fn(u32) -> Option<&'r str>,
    ) -> bool {
        self.insert_hashed(self.hash(id), id, slot, id_of)
    }

    fn insert_hashed<'r>(
        &mut self,
        h: u64,
        id: &str,
        slot: u32,
        id_of: impl Fn(u32) -> Option<&'r str>,
    ) -> bool {
        match self
            .table
            .entry(h, |&(eh, s)| eh == h && id_of(s) == Some(id), |&(eh, _)| eh)
        {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert((h, slot));
                true
            }
        }
    }

    /// Removes `id`; `id_of` must still see the row of `id`.
    pub(crate) fn remove<'r>(&mut self, id: &str, id_of: impl Fn(u32) -> Option<&'r str>) {
        self.remove_hashed(self.hash(id), id, id_of);
    }

    fn remove_hashed<'r>(&mut self, h: u64, id: &str, id_of: impl Fn(u32) -> Option<&'r str>) {
        if let Ok(entry) = self
            .table
            .find_entry(h, |&(eh, s)| eh == h && id_of(s) == Some(id))
        {
            entry.remove();
        }
    }

    /// Renumbers every slot through `new_of_old`.
    pub(crate) fn renumber(&mut self, new_of_old: &[u32]) {
        for (_, slot) in self.table.iter_mut() {
            if let Some(&n) = new_of_old.get(*slot as usize) {
                *slot = n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions_are_exact() {
        // Force a collision: every id gets the same hash.
        const H: u64 = 42;
        let ids: Vec<Arc<str>> = vec![Arc::from("a"), Arc::from("b"), Arc::from("c")];
        let id_of = |s: u32| ids.get(s as usize).map(|a| &**a);
        let mut m = IdMap::default();
        assert!(m.insert_hashed(H, "a", 0, id_of));
        assert_eq!(m.get_hashed(H, "a", id_of), Some(0));
        assert_eq!(m.get_hashed(H, "b", id_of), None, "b is not stored yet");
        assert!(!m.insert_hashed(H, "a", 5, id_of));
        assert!(m.insert_hashed(H, "b", 1, id_of));
        assert_eq!(m.get_hashed(H, "b", id_of), Some(1));
        assert_eq!(m.get_hashed(H, "a", id_of), Some(0));
        m.remove_hashed(H, "b", id_of);
        assert_eq!(m.get_hashed(H, "b", id_of), None);
        assert!(m.insert_hashed(H, "b", 1, id_of));
        m.remove_hashed(H, "a", id_of);
        assert_eq!(m.get_hashed(H, "a", id_of), None);
        assert_eq!(m.len(), 1);
        m.renumber(&[9, 2, 7]);
        let renumbered = |s: u32| match s {
            2 => Some("b"),
            _ => None,
        };
        assert_eq!(m.get_hashed(H, "b", renumbered), Some(2));
        // The public calls hash the id themselves.
        let mut m = IdMap::default();
        assert!(m.insert(&ids[2], 2, id_of));
        assert_eq!(m.get("c", id_of), Some(2));
        m.remove("c", id_of);
        assert_eq!(m.len(), 0);
    }
}
