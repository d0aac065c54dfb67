//! [`IdMap`]: conversation id → slot, keyed by a 64-bit hash of the id.
//!
//! A `HashMap<Arc<str>, u32>` must read the stored string on every probe,
//! which costs a cache miss per inserted id during a bulk load. Here the
//! table holds only `(hash, slot)`; the id itself is read from its row, and
//! only when the hashes match. Two different ids with the same 64-bit hash
//! (about one chance in 10^7 for a billion pairs) are handled exactly: the
//! later one goes to a small overflow map keyed by the string.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::intern::FastMap;

/// A `Hasher` for keys that are already hashes.
#[derive(Default)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Id → slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdMap {
    hasher: foldhash::fast::RandomState,
    primary: HashMap<u64, u32, BuildHasherDefault<PreHashed>>,
    overflow: FastMap<Arc<str>, u32>,
}

impl IdMap {
    pub(crate) fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.primary.len() + self.overflow.len()
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.primary.reserve(n);
    }

    /// The slot of `id`; `id_of` gives the id stored in a slot.
    pub(crate) fn get<'r>(&self, id: &str, id_of: impl Fn(u32) -> Option<&'r str>) -> Option<u32> {
        let slot = *self.primary.get(&self.hash(id))?;
        if id_of(slot) == Some(id) {
            Some(slot)
        } else {
            self.overflow.get(id).copied()
        }
    }

    /// Adds `id` at `slot`; false (and no change) if `id` is present.
    pub(crate) fn insert<'r>(
        &mut self,
        id: &Arc<str>,
        slot: u32,
        id_of: impl Fn(u32) -> Option<&'r str>,
    ) -> bool {
        let h = self.hash(id);
        match self.primary.get(&h) {
            None => {
                self.primary.insert(h, slot);
                true
            }
            Some(&other) if id_of(other) == Some(&**id) => false,
            Some(_) => {
                if self.overflow.contains_key(&**id) {
                    return false;
                }
                self.overflow.insert(id.clone(), slot);
                true
            }
        }
    }

    /// Removes `id`; `id_of` must still see the row of `id`.
    pub(crate) fn remove<'r>(&mut self, id: &str, id_of: impl Fn(u32) -> Option<&'r str>) {
        if self.overflow.remove(id).is_some() {
            return;
        }
        let h = self.hash(id);
        if self.primary.get(&h).is_some_and(|&s| id_of(s) == Some(id)) {
            self.primary.remove(&h);
            // Promote an overflow id with the same hash, if any.
            let promoted = self
                .overflow
                .iter()
                .find(|(k, _)| self.hasher.hash_one(&***k) == h)
                .map(|(k, &s)| (k.clone(), s));
            if let Some((k, s)) = promoted {
                self.overflow.remove(&k);
                self.primary.insert(h, s);
            }
        }
    }

    /// Renumbers every slot through `new_of_old`.
    pub(crate) fn renumber(&mut self, new_of_old: &[u32]) {
        for slot in self.primary.values_mut().chain(self.overflow.values_mut()) {
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
        // Force a collision by giving two ids the same primary key.
        let ids: Vec<Arc<str>> = vec![Arc::from("a"), Arc::from("b"), Arc::from("c")];
        let id_of = |s: u32| ids.get(s as usize).map(|a| &**a);
        let mut m = IdMap::default();
        assert!(m.insert(&ids[0], 0, id_of));
        let h = m.hash("a");
        // Simulate "b" colliding with "a".
        m.overflow.insert(ids[1].clone(), 1);
        assert_eq!(m.get("a", id_of), Some(0));
        assert_eq!(m.get("b", id_of), None, "b's own hash is not in primary");
        assert!(!m.insert(&ids[0], 5, id_of));
        m.primary.insert(m.hash("b"), 0); // "b" hashes to a slot holding "a"
        assert_eq!(m.get("b", id_of), Some(1));
        m.remove("b", id_of);
        assert_eq!(m.get("b", id_of), None);
        m.remove("a", id_of);
        assert!(!m.primary.contains_key(&h));
        assert_eq!(m.len(), 1);
        m.renumber(&[9, 8, 7]);
        assert_eq!(m.primary.get(&m.hash("b")), Some(&9));
    }
}
