//! [`PatternCache`]: the rows that match a wildcard `conversation.name`
//! pattern, kept between writes.
//!
//! A pattern such as `*Brainstorm*` matches thousands of distinct names at
//! a million conversations, each with its own postings list: the trigram
//! index finds them, but every query still checks each candidate name,
//! looks up its postings, and merges thousands of lists for the page and the
//! total. This cache keeps the merged result, the ascending slots of the
//! rows whose name matches, so the next query with the same pattern reads
//! one list, like an `==` on one value. It is what Lucene's query cache
//! does for costly multi-term filters.
//!
//! # What is kept, and for how long
//!
//! * Only patterns whose matches span at least [`MIN_LISTS`] distinct
//!   names (fewer lists are cheap to merge each time), and only the
//!   pattern's own matches: the other conjuncts, the window, the sort and
//!   the page are applied to it per query, so one entry serves every query
//!   that has the pattern as a conjunct.
//! * Every write that adds, removes or moves a row (an insert, upsert,
//!   delete, bulk load or rebuild) empties the cache: such a write holds the
//!   store exclusively, so no query sees a stale entry. Metadata and member
//!   updates change neither names nor slots and keep it.
//! * At most [`PatternCache::limit`] bytes: slots at 4 bytes each, plus the
//!   pattern and [`ENTRY_OVERHEAD`] bytes per entry. A result over a
//!   sixteenth of the limit is not kept; when a new entry would pass the
//!   limit, the least recently used entries go first, until the new entry
//!   and an eighth of the limit more fit (one sort of the table per eighth
//!   of the limit put, not a scan per entry dropped). A limit of 0 turns
//!   the cache off.
//!
//! Reads share the store (`&Store`), so the table sits behind a mutex held
//! only to clone or insert an `Arc` (never while a query runs).

use std::sync::{Arc, Mutex, PoisonError};

use crate::intern::FastMap;

/// Patterns matching fewer distinct names than this are not kept.
pub(crate) const MIN_LISTS: usize = 16;

/// Bytes counted per entry beside its slots and pattern (the table entry,
/// the `Arc` header, the key's allocation).
pub(crate) const ENTRY_OVERHEAD: usize = 96;

/// The default limit: 32 MiB.
pub(crate) const DEFAULT_LIMIT: usize = 32 << 20;

/// A pattern's segments, as `Conjunct::as_pattern` gives them.
type Key = Box<[Box<str>]>;

struct Entry {
    slots: Arc<[u32]>,
    /// Bytes counted against the limit ([`entry_bytes`]).
    bytes: usize,
    /// The tick of the last use (eviction order).
    used: u64,
}

#[derive(Default)]
struct Table {
    entries: FastMap<Key, Entry>,
    bytes: usize,
    tick: u64,
}

/// The cache; see the module docs.
pub(crate) struct PatternCache {
    table: Mutex<Table>,
    limit: usize,
}

impl Default for PatternCache {
    fn default() -> PatternCache {
        PatternCache::with_limit(DEFAULT_LIMIT)
    }
}

impl Clone for PatternCache {
    /// An empty cache with the same limit (the entries are derived data).
    fn clone(&self) -> PatternCache {
        PatternCache::with_limit(self.limit)
    }
}

impl std::fmt::Debug for PatternCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let table = self.lock();
        f.debug_struct("PatternCache")
            .field("entries", &table.entries.len())
            .field("bytes", &table.bytes)
            .field("limit", &self.limit)
            .finish()
    }
}

fn entry_bytes(segments: &[&str], slots: usize) -> usize {
    ENTRY_OVERHEAD + slots * 4 + segments.iter().map(|s| s.len() + 16).sum::<usize>()
}

impl PatternCache {
    /// An empty cache that holds at most `limit` bytes (0: keeps nothing).
    pub(crate) fn with_limit(limit: usize) -> PatternCache {
        PatternCache {
            table: Mutex::new(Table::default()),
            limit,
        }
    }

    /// The most bytes held.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        // No code panics while holding the lock; a poisoned table is still
        // consistent.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kept slots of `segments`, if any.
    pub(crate) fn get(&self, segments: &[&str]) -> Option<Arc<[u32]>> {
        if self.limit == 0 {
            return None;
        }
        let mut table = self.lock();
        table.tick += 1;
        let tick = table.tick;
        let entry = table.entries.get_mut(segments_key(segments).as_ref())?;
        entry.used = tick;
        Some(entry.slots.clone())
    }

    /// Keeps `slots` for `segments` unless they are over a sixteenth of the
    /// limit; makes room by dropping the least recently used entries.
    /// Returns the slots, shared.
    pub(crate) fn put(&self, segments: &[&str], slots: Vec<u32>) -> Arc<[u32]> {
        let size = entry_bytes(segments, slots.len());
        let slots: Arc<[u32]> = slots.into();
        if size > self.limit / 16 {
            return slots;
        }
        let mut table = self.lock();
        let key = segments_key(segments);
        if let Some(old) = table.entries.remove(&key) {
            table.bytes -= old.bytes;
        }
        if table.bytes + size > self.limit {
            evict(&mut table, self.limit.saturating_sub(size + self.limit / 8));
        }
        table.tick += 1;
        let used = table.tick;
        table.bytes += size;
        table.entries.insert(
            key,
            Entry {
                slots: slots.clone(),
                bytes: size,
                used,
            },
        );
        slots
    }

    /// Drops every entry (a write that adds, removes or moves rows); needs
    /// no lock, as the caller holds the store exclusively.
    pub(crate) fn clear(&mut self) {
        let table = self.table.get_mut().unwrap_or_else(PoisonError::into_inner);
        if !table.entries.is_empty() {
            table.entries = FastMap::default();
            table.bytes = 0;
        }
    }

    /// Sets the limit and drops every entry.
    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
        self.clear();
    }

    /// Every kept `(segments, slots)` pair (consistency checks).
    pub(crate) fn entries(&self) -> Vec<(Vec<String>, Arc<[u32]>)> {
        self.lock()
            .entries
            .iter()
            .map(|(k, e)| (k.iter().map(|s| s.to_string()).collect(), e.slots.clone()))
            .collect()
    }

    /// Bytes held, as counted against the limit.
    pub(crate) fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

fn segments_key(segments: &[&str]) -> Key {
    segments.iter().map(|s| Box::<str>::from(*s)).collect()
}

/// Drops the least recently used entries until at most `target` bytes are
/// held, in one pass: the entries sorted once by last use. A put that makes
/// room frees an eighth of the limit beyond its own size, so the next puts
/// do not each sort the table again (finding the oldest entry one at a time
/// scanned the whole table per entry dropped, under the mutex every
/// wildcard query takes: about 10⁹ steps when a large result displaced
/// thousands of small ones).
fn evict(table: &mut Table, target: usize) {
    let mut order: Vec<(u64, usize, &Key)> = table
        .entries
        .iter()
        .map(|(k, e)| (e.used, e.bytes, k))
        .collect();
    order.sort_unstable_by_key(|&(used, _, _)| used);
    let mut held = table.bytes;
    let mut gone = Vec::new();
    for (_, bytes, key) in order {
        if held <= target {
            break;
        }
        held -= bytes;
        gone.push(key.clone());
    }
    for key in gone {
        if let Some(e) = table.entries.remove(&key) {
            table.bytes -= e.bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_up_to_the_limit_then_drops_the_least_recently_used() {
        // Each entry: 96 + 4 × 100 + (1 + 16) = 513 bytes; a limit of 16 × 513
        // lets each entry in (a sixteenth) and holds 16 of them.
        let one = entry_bytes(&["a"], 100);
        assert_eq!(one, 513);
        let mut cache = PatternCache::with_limit(16 * one);
        let names: Vec<String> = (0..17).map(|i| format!("{}", (b'a' + i) as char)).collect();
        for name in &names[..16] {
            cache.put(&[name], vec![7; 100]);
        }
        assert_eq!(cache.bytes(), 16 * one, "at the limit: all 16 kept");
        assert!(
            cache.get(&["a"]).is_some(),
            "touch `a`: `b` is now the oldest"
        );
        cache.put(&[&names[16]], vec![7; 100]);
        // Past it: the least recently used went, `b`, `c` and `d`: room for
        // the new entry and an eighth of the limit (two entries) more.
        assert_eq!(cache.bytes(), 14 * one);
        for gone in ["b", "c", "d"] {
            assert!(cache.get(&[gone]).is_none(), "{gone}");
        }
        assert!(cache.get(&["a"]).is_some() && cache.get(&["e"]).is_some());
        assert!(cache.get(&["q"]).is_some());
        cache.clear();
        assert_eq!((cache.bytes(), cache.get(&["a"])), (0, None));
    }

    #[test]
    fn a_result_over_a_sixteenth_of_the_limit_is_not_kept() {
        let limit = 16 * entry_bytes(&["x"], 100);
        let cache = PatternCache::with_limit(limit);
        // At a sixteenth: kept.
        assert_eq!(&*cache.put(&["x"], vec![1; 100]), &[1; 100][..]);
        assert!(cache.get(&["x"]).is_some());
        // One slot more: answered, not kept.
        assert_eq!(cache.put(&["y"], vec![2; 101]).len(), 101);
        assert!(cache.get(&["y"]).is_none());
        // Off: nothing kept.
        let off = PatternCache::with_limit(0);
        off.put(&["x"], vec![1]);
        assert!(off.get(&["x"]).is_none());
    }

    #[test]
    fn segments_are_the_key() {
        let cache = PatternCache::with_limit(DEFAULT_LIMIT);
        cache.put(&["", "ab", ""], vec![1]);
        cache.put(&["ab", ""], vec![2]);
        assert_eq!(cache.get(&["", "ab", ""]).as_deref(), Some(&[1][..]));
        assert_eq!(cache.get(&["ab", ""]).as_deref(), Some(&[2][..]));
        assert_eq!(cache.get(&["", "ab"]), None);
        let clone = cache.clone();
        assert_eq!(
            (clone.get(&["ab", ""]), clone.limit()),
            (None, DEFAULT_LIMIT)
        );
    }
}
