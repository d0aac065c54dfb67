//! String interning: each distinct string is stored once and named by a
//! `u32` [`Sym`], and freed when its last user goes.
//!
//! Conversation types, names, metadata keys and values, and member ids, names
//! and e-mails repeat a lot (500 agents and 10 000 people across a million
//! conversations in the bench data), so rows hold 4-byte symbols instead of
//! strings.
//!
//! Each symbol has a reference count: one per use by a row (its type, its
//! name, each metadata key and value) and by a person (its id, name and
//! e-mail; see `people.rs`). [`Interner::intern`] takes a reference,
//! [`Interner::retain`] another one of a known symbol, and
//! [`Interner::release`] gives one back; the release of the last one frees
//! the string and puts its symbol on a free list that the next new string
//! takes first. So the table holds the strings in use now, and
//! [`Limits::strings`](crate::Limits) bounds the strings held at once.
//! A count that reaches `u32::MAX` stays there: such a string (used four
//! billion times) is never freed, and no count wraps.
//!
//! Symbols are `0..slots`, with `slots` at most the most strings ever held at
//! once, at most `u32::MAX`, so [`NO_SYM`] (`u32::MAX`) is never one of them.
//! Reads ([`Interner::get`], [`Interner::lookup`]) are what they were before
//! counting: one vector index, one hash lookup.
//!
//! The map's entries hold strings of up to [`SHORT`] bytes in place, beside
//! their symbol: a lookup compares them in the entry its probe has already
//! read, instead of following a pointer to the string (a cache miss on most
//! lookups of a bulk load, where names and customer ids come in random
//! order). Longer strings are compared through the symbol's slot.

use std::collections::HashMap;
use std::hash::BuildHasher as _;
use std::sync::Arc;

use crate::error::RecordError;

/// A hash map with foldhash (fast on short strings, seeded per process).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Gives a map's memory back once it holds under a quarter of its capacity
/// (and more than a few thousand entries' worth): after a removal, so a map
/// that grew for a burst of writes does not keep that size. Shrinking to
/// twice the length makes the rehash's cost amortised O(1) per removal.
pub(crate) fn shrink_if_sparse<K: std::hash::Hash + Eq, V>(map: &mut FastMap<K, V>) {
    if sparse(map.len(), map.capacity()) {
        map.shrink_to(map.len() * 2);
    }
}

/// Whether a map of `len` entries in `capacity` should shrink (to twice
/// `len`): the rule of [`shrink_if_sparse`], for maps of other types too.
fn sparse(len: usize, capacity: usize) -> bool {
    capacity > 4096 && len * 4 < capacity
}

/// An interned string's number.
pub(crate) type Sym = u32;

/// The `email` symbol of a member without one: a symbol no table hands out
/// (see [`Interner::intern`]).
pub(crate) const NO_SYM: Sym = Sym::MAX;

/// A reference count that no longer moves (see the module docs).
const STUCK: u32 = u32::MAX;

/// Bytes of a string an [`Entry`] holds in place.
const SHORT: usize = 27;

/// The `len` of an [`Entry`] whose string is longer than [`SHORT`].
const LONG: u8 = u8::MAX;

/// A map entry: a symbol and, for a string of up to [`SHORT`] bytes, the
/// string itself, zero-padded (`len` is its length, or [`LONG`]).
#[derive(Clone, Debug)]
struct Entry {
    sym: Sym,
    len: u8,
    bytes: [u8; SHORT],
}

/// A string as the map compares it: padded in place when short.
fn padded(s: &str) -> Option<[u8; SHORT]> {
    let mut bytes = [0; SHORT];
    bytes.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
    Some(bytes)
}

/// An entry's hash, from its symbol's string (when the map grows or shrinks).
fn rehash(hasher: &foldhash::fast::RandomState, strings: &[Option<Arc<str>>], e: &Entry) -> u64 {
    hasher.hash_one(
        strings
            .get(e.sym as usize)
            .and_then(Option::as_deref)
            .unwrap_or(""),
    )
}

/// The symbol table.
#[derive(Clone, Debug)]
pub(crate) struct Interner {
    hasher: foldhash::fast::RandomState,
    /// The symbol of each string held.
    map: hashbrown::HashTable<Entry>,
    /// The string of each symbol; `None` for a free one.
    strings: Vec<Option<Arc<str>>>,
    /// The reference count of each symbol (0 for a free one).
    refs: Vec<u32>,
    /// Free symbols, taken last-in first-out.
    free: Vec<Sym>,
    /// Bytes of the strings held.
    bytes: usize,
    /// At most this many strings held at once (at most `u32::MAX`, so
    /// never [`NO_SYM`]).
    limit: u32,
}

impl Default for Interner {
    /// A table of up to `u32::MAX` symbols.
    fn default() -> Interner {
        Interner::with_limit(u32::MAX)
    }
}

impl Interner {
    /// Heap bytes of the table and its strings (see `heapsize.rs`).
    pub(crate) fn heap_bytes(&self) -> usize {
        use crate::heapsize::{arc_str, table, vec};
        table::<Entry>(self.map.capacity())
            + vec::<Option<Arc<str>>>(self.strings.capacity())
            + vec::<u32>(self.refs.capacity())
            + vec::<Sym>(self.free.capacity())
            + self
                .strings
                .iter()
                .flatten()
                .map(|s| arc_str(s.len()))
                .sum::<usize>()
    }

    /// An empty table that holds at most `limit` strings at once
    /// ([`Limits::strings`](crate::Limits)).
    pub(crate) fn with_limit(limit: u32) -> Interner {
        Interner {
            hasher: foldhash::fast::RandomState::default(),
            map: hashbrown::HashTable::new(),
            strings: Vec::new(),
            refs: Vec::new(),
            free: Vec::new(),
            bytes: 0,
            limit,
        }
    }

    /// The symbol of `s`, adding it if new, with one more reference taken
    /// (the caller gives it back with [`Interner::release`]). A new string
    /// past the limit is an error and changes nothing. Symbols are below the
    /// limit, so never [`NO_SYM`].
    pub(crate) fn intern(&mut self, s: &str) -> Result<Sym, RecordError> {
        let hash = self.hasher.hash_one(s);
        let short = padded(s);
        if let Some(sym) = self.find(hash, s, short) {
            self.retain(sym);
            return Ok(sym);
        }
        if self.map.len() >= self.limit as usize {
            return Err(crate::limits::reached("distinct strings", self.limit));
        }
        let sym = match self.free.pop() {
            Some(sym) => {
                let i = sym as usize;
                self.strings[i] = Some(Arc::from(s));
                self.refs[i] = 1;
                sym
            }
            None => {
                // Fewer than `limit` (a `u32`) strings are held and none is
                // free, so the next slot is below `limit`.
                let Ok(sym) = Sym::try_from(self.strings.len()) else {
                    return Err(crate::limits::reached("distinct strings", self.limit));
                };
                self.strings.push(Some(Arc::from(s)));
                self.refs.push(1);
                sym
            }
        };
        self.bytes += s.len();
        let entry = Entry {
            sym,
            len: short.map_or(LONG, |_| s.len() as u8),
            bytes: short.unwrap_or_default(),
        };
        let (strings, hasher) = (&self.strings, &self.hasher);
        self.map
            .insert_unique(hash, entry, |e| rehash(hasher, strings, e));
        Ok(sym)
    }

    /// The symbol of `s` (hashed `hash`, padded `short` when short) if held.
    fn find(&self, hash: u64, s: &str, short: Option<[u8; SHORT]>) -> Option<Sym> {
        let strings = &self.strings;
        let entry = self.map.find(hash, |e| match &short {
            Some(bytes) => usize::from(e.len) == s.len() && e.bytes == *bytes,
            None => {
                e.len == LONG && strings.get(e.sym as usize).and_then(Option::as_deref) == Some(s)
            }
        })?;
        Some(entry.sym)
    }

    /// Takes one more reference to a symbol in use.
    pub(crate) fn retain(&mut self, sym: Sym) {
        if let Some(r) = self.refs.get_mut(sym as usize)
            && *r != 0
            && *r != STUCK
        {
            *r += 1;
        }
    }

    /// Gives back one reference; the last one frees the string and its symbol.
    pub(crate) fn release(&mut self, sym: Sym) {
        let Some(r) = self.refs.get_mut(sym as usize) else {
            return;
        };
        match *r {
            0 | STUCK => {}
            1 => {
                *r = 0;
                if let Some(s) = self.strings.get_mut(sym as usize).and_then(Option::take) {
                    self.bytes -= s.len();
                    let hash = self.hasher.hash_one(&*s);
                    if let Ok(entry) = self.map.find_entry(hash, |e| e.sym == sym) {
                        entry.remove();
                    }
                    if sparse(self.map.len(), self.map.capacity()) {
                        let (strings, hasher) = (&self.strings, &self.hasher);
                        self.map
                            .shrink_to(self.map.len() * 2, |e| rehash(hasher, strings, e));
                    }
                }
                self.free.push(sym);
            }
            _ => *r -= 1,
        }
    }

    /// The symbol of `s` if it is held.
    pub(crate) fn lookup(&self, s: &str) -> Option<Sym> {
        self.find(self.hasher.hash_one(s), s, padded(s))
    }

    /// The string of a symbol in use ("" for any other).
    pub(crate) fn get(&self, sym: Sym) -> &str {
        self.strings
            .get(sym as usize)
            .and_then(Option::as_deref)
            .unwrap_or("")
    }

    /// Number of symbol slots, free ones included: symbols in use are
    /// `0..slots`.
    pub(crate) fn count(&self) -> usize {
        self.strings.len()
    }

    /// Number of strings held.
    pub(crate) fn held(&self) -> usize {
        self.map.len()
    }

    /// Bytes of the strings held (UTF-8, without the table's own overhead).
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// The reference count of each symbol slot (0 = free), for the
    /// consistency check.
    pub(crate) fn refs(&self) -> &[u32] {
        &self.refs
    }

    /// The shared string of a symbol (for map keys that outlive a borrow).
    pub(crate) fn arc(&self, sym: Sym) -> Arc<str> {
        self.strings
            .get(sym as usize)
            .and_then(Option::clone)
            .unwrap_or_else(|| Arc::from(""))
    }

    /// Checks the table against itself: the map, the slots, the free list and
    /// the byte count agree. The counts' agreement with their users is
    /// [`Store::check_consistency`](crate::Store::check_consistency)'s.
    pub(crate) fn check(&self) -> Result<(), String> {
        let mut bytes = 0;
        let mut free = 0;
        for (i, (s, &r)) in self.strings.iter().zip(&self.refs).enumerate() {
            match s {
                Some(s) => {
                    bytes += s.len();
                    if r == 0 || self.lookup(s) != Some(i as Sym) {
                        return Err(format!("string {i} `{s}` is badly mapped or unused"));
                    }
                }
                None if r == 0 => free += 1,
                None => return Err(format!("free symbol {i} has {r} references")),
            }
        }
        if free != self.free.len() || self.map.len() + free != self.strings.len() {
            return Err(format!(
                "{} strings, {} mapped, {free} free slots, free list of {}",
                self.strings.len(),
                self.map.len(),
                self.free.len()
            ));
        }
        if bytes != self.bytes {
            return Err(format!("{bytes} bytes held, {} counted", self.bytes));
        }
        Ok(())
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
        i.check().unwrap();
    }

    #[test]
    fn a_table_holds_at_most_its_limit_at_once() {
        let mut i = Interner::with_limit(2);
        assert_eq!(i.intern("a").unwrap(), 0);
        assert_eq!(i.intern("b").unwrap(), 1); // at the limit
        let err = i.intern("c").unwrap_err(); // just past it
        assert_eq!(
            err.to_string(),
            "over the store's limit of 2 distinct strings"
        );
        assert_eq!((i.held(), i.lookup("c")), (2, None));
        assert_eq!(i.intern("a").unwrap(), 0, "known strings still resolve");
        // `a` has two references now: one release keeps it.
        i.release(0);
        assert_eq!(i.lookup("a"), Some(0));
        assert!(i.intern("c").is_err());
        // The last release frees it, and `c` takes its symbol.
        i.release(0);
        assert_eq!((i.lookup("a"), i.get(0), i.held()), (None, "", 1));
        assert_eq!(i.intern("c").unwrap(), 0);
        assert_eq!((i.count(), i.held(), i.bytes()), (2, 2, 2));
        i.check().unwrap();
    }

    #[test]
    fn short_strings_in_place_and_long_ones_through_their_slot() {
        // Every length around the in-place limit, and far past it.
        let mut i = Interner::default();
        let text: Vec<String> = (0..=64)
            .map(|n| "é".repeat(n / 2) + &"x".repeat(n % 2))
            .collect();
        let syms: Vec<_> = text.iter().map(|t| i.intern(t).unwrap()).collect();
        for (t, &sym) in text.iter().zip(&syms) {
            assert_eq!((i.lookup(t), i.get(sym)), (Some(sym), t.as_str()));
            // A string that differs only past the in-place bytes, or in length.
            assert_eq!(i.lookup(&format!("{t}y")), None);
        }
        i.check().unwrap();
        // Release every other one: the rest still resolve; the freed come back.
        for &sym in syms.iter().step_by(2) {
            i.release(sym);
        }
        for (n, t) in text.iter().enumerate() {
            assert_eq!(i.lookup(t).is_some(), n % 2 == 1, "{t}");
        }
        i.check().unwrap();
        for t in &text {
            i.intern(t).unwrap();
        }
        assert_eq!(i.held(), text.len());
        i.check().unwrap();
    }

    #[test]
    fn a_map_mostly_released_shrinks_and_still_finds_the_rest() {
        let mut i = Interner::default();
        // Short and long strings, so the shrink rehashes both kinds.
        let text: Vec<String> = (0..20_000)
            .map(|n| format!("{n:0width$}", width = 5 + n % 40))
            .collect();
        let syms: Vec<_> = text.iter().map(|t| i.intern(t).unwrap()).collect();
        let full = i.map.capacity();
        for &sym in &syms[100..] {
            i.release(sym);
        }
        assert!(
            i.map.capacity() < full / 4,
            "{} of {full}",
            i.map.capacity()
        );
        for (t, &sym) in text.iter().zip(&syms).take(100) {
            assert_eq!(i.lookup(t), Some(sym));
        }
        assert_eq!(i.lookup(&text[100]), None);
        i.check().unwrap();
    }

    #[test]
    fn released_strings_give_their_bytes_back() {
        let mut i = Interner::default();
        let syms: Vec<_> = (0..100)
            .map(|n| i.intern(&format!("value-{n:03}")).unwrap())
            .collect();
        assert_eq!((i.held(), i.bytes()), (100, 900));
        for &s in &syms {
            i.release(s);
        }
        assert_eq!((i.held(), i.bytes(), i.count()), (0, 0, 100));
        i.check().unwrap();
        // The slots are reused: the table does not grow.
        for n in 0..100 {
            i.intern(&format!("other-{n:03}")).unwrap();
        }
        assert_eq!((i.held(), i.count()), (100, 100));
        i.check().unwrap();
    }
}
