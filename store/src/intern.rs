//! String interning: each distinct string is stored once and named by a
//! `u32` [`Sym`].
//!
//! Conversation types, names, metadata keys and values, and member ids, names
//! and e-mails repeat a lot (500 agents and 10 000 people across a million
//! conversations in the bench data), so rows hold 4-byte symbols instead of
//! strings. Symbols are never freed: a string whose last user is deleted
//! stays in the table (bounded by the distinct strings ever inserted).

use std::collections::HashMap;
use std::sync::Arc;

/// A hash map with foldhash (fast on short strings, seeded per process).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// An interned string's number.
pub(crate) type Sym = u32;

/// The symbol table.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    map: FastMap<Arc<str>, Sym>,
    strings: Vec<Arc<str>>,
}

impl Interner {
    /// The symbol of `s`, adding it if new.
    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let sym = Sym::try_from(self.strings.len()).unwrap_or(Sym::MAX);
        let arc: Arc<str> = Arc::from(s);
        self.strings.push(arc.clone());
        self.map.insert(arc, sym);
        sym
    }

    /// The symbol of `s` if it was ever interned.
    pub(crate) fn lookup(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    /// The string of a symbol produced by this table.
    pub(crate) fn get(&self, sym: Sym) -> &str {
        self.strings.get(sym as usize).map_or("", |s| s)
    }

    /// Number of symbols handed out (symbols are `0..count`).
    pub(crate) fn count(&self) -> usize {
        self.strings.len()
    }

    /// The shared string of a symbol (for map keys that outlive a borrow).
    pub(crate) fn arc(&self, sym: Sym) -> Arc<str> {
        self.strings
            .get(sym as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(""))
    }
}

/// Size at which [`PersonCache`] starts over.
const CACHE_BYTES: usize = 16 << 20;

/// Member id → the last person stored with it, with that person's strings
/// kept side by side in one buffer so that checking a hit touches warm memory
/// (the interned strings are scattered over the heap).
#[derive(Clone, Debug, Default)]
pub(crate) struct PersonCache {
    hasher: foldhash::fast::RandomState,
    by_id: FastMap<u64, (u32, u32)>,
    /// Entries: person number, then `id`, `name` and `email` as length-prefixed
    /// strings (`u32::MAX` length = no e-mail).
    text: Vec<u8>,
}

impl PersonCache {
    fn field<'t>(text: &'t [u8], at: &mut usize) -> Option<Option<&'t [u8]>> {
        let len = u32::from_le_bytes(text.get(*at..*at + 4)?.try_into().ok()?);
        *at += 4;
        if len == u32::MAX {
            return Some(None);
        }
        let s = text.get(*at..*at + len as usize)?;
        *at += len as usize;
        Some(Some(s))
    }

    /// The person of `(id, name, email)` if it is the one cached for `id`.
    pub(crate) fn get(&self, id: &str, name: &str, email: Option<&str>) -> Option<u32> {
        use std::hash::BuildHasher;
        let &(person, at) = self.by_id.get(&self.hasher.hash_one(id))?;
        let mut at = at as usize;
        let same = Self::field(&self.text, &mut at)? == Some(id.as_bytes())
            && Self::field(&self.text, &mut at)? == Some(name.as_bytes())
            && Self::field(&self.text, &mut at)? == email.map(str::as_bytes);
        same.then_some(person)
    }

    /// Remembers `person` as the one for `id`.
    pub(crate) fn put(&mut self, person: u32, id: &str, name: &str, email: Option<&str>) {
        use std::hash::BuildHasher;
        // A cache only: when members rarely repeat it would just grow, so start over.
        if self.text.len() > CACHE_BYTES {
            self.text.clear();
            self.by_id.clear();
        }
        let Ok(at) = u32::try_from(self.text.len()) else {
            return;
        };
        for f in [Some(id), Some(name), email] {
            match f {
                Some(s) => {
                    let Ok(len) = u32::try_from(s.len()) else {
                        return;
                    };
                    self.text.extend_from_slice(&len.to_le_bytes());
                    self.text.extend_from_slice(s.as_bytes());
                }
                None => self.text.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        self.by_id.insert(self.hasher.hash_one(id), (person, at));
    }
}

#[cfg(test)]
mod tests {
    use super::Interner;

    #[test]
    fn same_string_same_symbol() {
        let mut i = Interner::default();
        let a = i.intern("meeting");
        let b = i.intern("call");
        assert_eq!(i.intern("meeting"), a);
        assert_ne!(a, b);
        assert_eq!(i.get(b), "call");
        assert_eq!(i.lookup("chat"), None);
    }

    #[test]
    fn person_cache_checks_every_field() {
        let mut c = super::PersonCache::default();
        c.put(7, "m1", "Ana", Some("a@x.io"));
        assert_eq!(c.get("m1", "Ana", Some("a@x.io")), Some(7));
        assert_eq!(c.get("m1", "Ana", None), None);
        assert_eq!(c.get("m1", "Ana R.", Some("a@x.io")), None);
        assert_eq!(c.get("m2", "Ana", Some("a@x.io")), None);
        c.put(8, "m1", "Ana", None);
        assert_eq!(c.get("m1", "Ana", None), Some(8));
    }
}
