//! String interning: each distinct string is stored once and named by a
//! `u32` [`Sym`].
//!
//! Conversation types, names, metadata keys and values, and member ids, names
//! and e-mails repeat a lot (500 agents and 10 000 people across a million
//! conversations in the bench data), so rows hold 4-byte symbols instead of
//! strings. Symbols are never freed: a string whose last user is deleted
//! stays in the table (bounded by the distinct strings ever inserted, and by
//! [`Limits::strings`](crate::Limits)). Symbols are `0..count`, with `count`
//! at most `u32::MAX`, so [`NO_SYM`] (`u32::MAX`) is never one of them.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::RecordError;

/// A hash map with foldhash (fast on short strings, seeded per process).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// An interned string's number.
pub(crate) type Sym = u32;

/// The `email` symbol of a member without one: a symbol no table hands out
/// (see [`Interner::intern`]).
pub(crate) const NO_SYM: Sym = Sym::MAX;

/// The symbol table.
#[derive(Clone, Debug)]
pub(crate) struct Interner {
    map: FastMap<Arc<str>, Sym>,
    strings: Vec<Arc<str>>,
    /// At most this many symbols (at most `u32::MAX`, so never [`NO_SYM`]).
    limit: u32,
}

impl Default for Interner {
    /// A table of up to `u32::MAX` symbols.
    fn default() -> Interner {
        Interner::with_limit(u32::MAX)
    }
}

impl Interner {
    /// An empty table that hands out at most `limit` symbols
    /// ([`Limits::strings`](crate::Limits)).
    pub(crate) fn with_limit(limit: u32) -> Interner {
        Interner {
            map: FastMap::default(),
            strings: Vec::new(),
            limit,
        }
    }

    /// The symbol of `s`, adding it if new; a new string past the limit is
    /// an error. Symbols are `0..limit`, so never [`NO_SYM`].
    pub(crate) fn intern(&mut self, s: &str) -> Result<Sym, RecordError> {
        if let Some(&sym) = self.map.get(s) {
            return Ok(sym);
        }
        let sym = match Sym::try_from(self.strings.len()) {
            Ok(sym) if sym < self.limit => sym,
            _ => return Err(crate::limits::reached("distinct strings", self.limit)),
        };
        let arc: Arc<str> = Arc::from(s);
        self.strings.push(arc.clone());
        self.map.insert(arc, sym);
        Ok(sym)
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
        let a = i.intern("meeting").unwrap();
        let b = i.intern("call").unwrap();
        assert_eq!(i.intern("meeting").unwrap(), a);
        assert_ne!(a, b);
        assert_eq!(i.get(b), "call");
        assert_eq!(i.lookup("chat"), None);
    }

    #[test]
    fn a_table_hands_out_at_most_its_limit() {
        let mut i = Interner::with_limit(2);
        assert_eq!(i.intern("a").unwrap(), 0);
        assert_eq!(i.intern("b").unwrap(), 1); // at the limit
        let err = i.intern("c").unwrap_err(); // just past it
        assert_eq!(
            err.to_string(),
            "over the store's limit of 2 distinct strings"
        );
        assert_eq!((i.count(), i.lookup("c")), (2, None));
        assert_eq!(i.intern("a").unwrap(), 0, "known strings still resolve");
    }
}
