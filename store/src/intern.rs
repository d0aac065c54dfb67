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

/// The `email` symbol of a member without one.
pub(crate) const NO_SYM: Sym = Sym::MAX;

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
}
