//! [`ListCache`]: the list route's totals and small pages, kept per query
//! and per write generation, so that a query asked again before the next
//! write is answered from memory instead of by the database (the exact
//! count behind `X-Total-Count` costs a scan of every match).
//!
//! # Why it is exact
//!
//! Every transaction that changes `conversations`, `members` or
//! `conversation_count` (the tables the list route reads) adds to
//! `write_generation` (statement triggers of `migrations/V3__generation.sql`,
//! so writes from any client count, not only this server's; writes that skip
//! triggers, and restores, are not seen: store README). The sum of
//! that table, read in a snapshot, therefore grows with every committed
//! write, and the writes a snapshot sees only grow over time: two snapshots
//! with the same sum see the same writes, so the same rows, the same pages
//! and the same counts. An entry is used only for the generation it was
//! read at; whatever process wrote since, the next request reads again.
//!
//! # Limits
//!
//! At most [`PgOptions::count_cache`](super::PgOptions::count_cache) totals
//! and [`PgOptions::page_cache_bytes`](super::PgOptions::page_cache_bytes)
//! bytes of pages (a page over a sixteenth of that is never kept). A new
//! entry past a limit first drops the entries of older generations, then, if
//! still over, the least asked-for entries of its kind, down to half the
//! limit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rsql::SqlParam;
use tokio::sync::watch;

/// A statement (a count or a page) and what is bound to it, as the SHA-256
/// of both: 32 bytes whatever the statement's length. (The key held the
/// statement's text and parameters: an 8 KiB filter of numeric metadata
/// comparisons emits about 250 KB of SQL, so 1 024 kept totals could hold
/// 250 MB.) Two different statements, windows or parameters give different
/// digests but for a SHA-256 collision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct QueryKey([u8; 32]);

impl QueryKey {
    /// The key of `sql` with `window` and `params` bound; `None` for a
    /// parameter kind this module does not know (never cached).
    pub(crate) fn new(sql: &str, window: Option<[i64; 2]>, params: &[SqlParam]) -> Option<Self> {
        use sha2::Digest;
        // A self-delimiting encoding: every variable part carries its
        // length, every choice a tag byte, so two inputs that differ encode
        // differently.
        let mut h = sha2::Sha256::new();
        let text = |h: &mut sha2::Sha256, tag: u8, s: &str| {
            h.update([tag]);
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        text(&mut h, 0, sql);
        match window {
            None => h.update([0]),
            Some([a, b]) => {
                h.update([1]);
                h.update(a.to_le_bytes());
                h.update(b.to_le_bytes());
            }
        }
        h.update((params.len() as u64).to_le_bytes());
        for p in params {
            let (tag, n) = match p {
                SqlParam::Text(s) => {
                    text(&mut h, 1, s);
                    continue;
                }
                SqlParam::Numeric(s) => {
                    text(&mut h, 2, s);
                    continue;
                }
                SqlParam::Int(i) => (3, *i),
                SqlParam::Float(f) => (4, f.to_bits() as i64),
                SqlParam::Bool(b) => (5, i64::from(*b)),
                SqlParam::Time(t) => (6, *t),
                SqlParam::TimestampTz(t) => (7, *t),
                SqlParam::Timestamp(t) => (8, *t),
                _ => return None,
            };
            h.update([tag]);
            h.update(n.to_le_bytes());
        }
        Some(QueryKey(h.finalize().into()))
    }

    /// The bytes a kept entry's key and slot take.
    pub(crate) fn bytes(&self) -> usize {
        ENTRY_OVERHEAD
    }
}

/// Bytes counted for a kept page beside its body: the map's slot, the
/// key (a digest) and the entry's fixed parts.
const ENTRY_OVERHEAD: usize = 128;

/// A kept value: the write generation it was read at, its weight, how
/// often it was asked for (halved at every eviction, so old favourites
/// age) and when it was last put or asked for.
#[derive(Debug)]
struct Entry<V> {
    generation: i64,
    value: V,
    weight: usize,
    hits: u32,
    used: u64,
}

/// Values by key, each with the write generation it was read at; at most
/// `capacity` units of weight.
#[derive(Debug)]
struct Generations<V> {
    capacity: usize,
    weight: usize,
    entries: HashMap<QueryKey, Entry<V>>,
    /// Counts puts and hits: each entry's `used`.
    clock: u64,
}

impl<V: Clone> Generations<V> {
    fn new(capacity: usize) -> Self {
        Generations {
            capacity,
            weight: 0,
            entries: HashMap::new(),
            clock: 0,
        }
    }

    /// `key`'s value at `generation`, counted as a hit.
    fn get(&mut self, key: &QueryKey, generation: i64) -> Option<V> {
        match self.entries.get_mut(key) {
            Some(e) if e.generation == generation => {
                self.clock += 1;
                e.hits = e.hits.saturating_add(1);
                e.used = self.clock;
                Some(e.value.clone())
            }
            _ => None,
        }
    }

    /// Keeps `value` (of `weight`) as `key`'s at `generation`, replacing an
    /// entry of an older generation (and keeping its hits), never one of a
    /// newer. Past the capacity, the entries of older generations go
    /// first; if that is not enough, the most asked-for entries are kept up
    /// to half the capacity and the rest go (so a stream of queries asked
    /// once — a window ending "now" is a new query every millisecond —
    /// cannot push out the ones asked all the time), and the kept entries'
    /// hits are halved.
    fn put(&mut self, key: QueryKey, generation: i64, value: V, weight: usize) {
        if weight > self.capacity {
            return;
        }
        let mut hits = 0;
        if let Some(e) = self.entries.get(&key) {
            if e.generation >= generation {
                return;
            }
            if let Some(e) = self.entries.remove(&key) {
                self.weight -= e.weight;
                hits = e.hits;
            }
        }
        if self.weight + weight > self.capacity {
            self.entries.retain(|_, e| e.generation >= generation);
            self.weight = self.entries.values().map(|e| e.weight).sum();
        }
        if self.weight + weight > self.capacity {
            self.evict_to_half();
        }
        self.weight += weight;
        self.clock += 1;
        self.entries.insert(
            key,
            Entry {
                generation,
                value,
                weight,
                hits,
                used: self.clock,
            },
        );
    }

    /// Keeps the most asked-for entries (among equals, the most recently
    /// used: `used` is unique, so the order is total) up to half the
    /// capacity, halving their hits.
    fn evict_to_half(&mut self) {
        let mut ranked: Vec<(u32, u64, usize)> = self
            .entries
            .values()
            .map(|e| (e.hits, e.used, e.weight))
            .collect();
        ranked.sort_unstable_by_key(|r| std::cmp::Reverse((r.0, r.1)));
        let mut kept = 0;
        // The rank of the last entry kept: every entry ranked at or above it.
        let mut last = None;
        for (hits, used, weight) in ranked {
            if kept + weight > self.capacity / 2 {
                break;
            }
            kept += weight;
            last = Some((hits, used));
        }
        self.entries.retain(|_, e| match last {
            Some(last) if (e.hits, e.used) >= last => {
                e.hits /= 2;
                true
            }
            _ => false,
        });
        self.weight = kept;
    }
}

/// The totals (one unit of weight each) and pages (their bytes) of
/// [`PgStorage`](super::PgStorage)'s list route, and the pages being read
/// (at most one entry per request in flight).
#[derive(Debug)]
pub(crate) struct ListCache {
    counts: Mutex<Generations<usize>>,
    pages: Mutex<Generations<Arc<[u8]>>>,
    largest_page: usize,
    flights: Mutex<HashMap<QueryKey, watch::Sender<()>>>,
    /// The highest write generation seen.
    highest: AtomicI64,
}

/// The one read of a page in flight: dropped (done, failed or cancelled),
/// it wakes every request waiting for that page.
#[derive(Debug)]
pub(crate) struct Flight<'a> {
    cache: &'a ListCache,
    key: QueryKey,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        locked(&self.cache.flights).remove(&self.key);
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ListCache {
    /// An empty cache of at most `counts` totals and `page_bytes` bytes of
    /// pages (0: none of that kind is kept).
    pub(crate) fn new(counts: usize, page_bytes: usize) -> ListCache {
        ListCache {
            counts: Mutex::new(Generations::new(counts)),
            pages: Mutex::new(Generations::new(page_bytes)),
            largest_page: page_bytes / 16,
            flights: Mutex::new(HashMap::new()),
            highest: AtomicI64::new(i64::MIN),
        }
    }

    /// Takes note of a write generation read from the database; whether it
    /// is the newest seen. Only such answers are kept: an older snapshot's
    /// (a slow request's) would evict current entries for nothing.
    fn newest(&self, generation: i64) -> bool {
        let before = self.highest.fetch_max(generation, Ordering::Relaxed);
        generation >= before
    }

    /// The read of page `key`: `Some` when no other request is reading it
    /// (this one reads it, and others wait until the guard drops); `None`
    /// after waiting for the request that was (then look in the cache
    /// again, and read it without waiting if it is not there).
    pub(crate) async fn join_flight(&self, key: &QueryKey) -> Option<Flight<'_>> {
        let mut done = {
            let mut flights = locked(&self.flights);
            match flights.get(key) {
                Some(sender) => sender.subscribe(),
                None => {
                    flights.insert(*key, watch::channel(()).0);
                    return Some(Flight {
                        cache: self,
                        key: *key,
                    });
                }
            }
        };
        // Nothing is ever sent: this ends when the sender is dropped.
        let _ = done.changed().await;
        None
    }

    /// Whether totals are kept.
    pub(crate) fn counts_enabled(&self) -> bool {
        locked(&self.counts).capacity > 0
    }

    /// Whether pages are kept: only with totals (a kept page is answered
    /// only with its kept total).
    pub(crate) fn pages_enabled(&self) -> bool {
        self.largest_page > 0 && self.counts_enabled()
    }

    /// The total of `key` read at `generation`, if kept.
    pub(crate) fn count(&self, key: &QueryKey, generation: i64) -> Option<usize> {
        locked(&self.counts).get(key, generation)
    }

    /// Keeps `total` as `key`'s at `generation` (unless a newer generation
    /// was seen).
    pub(crate) fn put_count(&self, key: QueryKey, generation: i64, total: usize) {
        if self.newest(generation) {
            locked(&self.counts).put(key, generation, total, 1);
        }
    }

    /// The body of page `key` read at `generation`, if kept.
    pub(crate) fn page(&self, key: &QueryKey, generation: i64) -> Option<Arc<[u8]>> {
        locked(&self.pages).get(key, generation)
    }

    /// Whether a page of `key` is kept, for any generation.
    pub(crate) fn holds_page(&self, key: &QueryKey) -> bool {
        locked(&self.pages).entries.contains_key(key)
    }

    /// Keeps `body` as page `key`'s at `generation` (not when it and its key
    /// weigh over a sixteenth of the pages' bytes, or a newer generation
    /// was seen).
    pub(crate) fn put_page(&self, key: QueryKey, generation: i64, body: &[u8]) {
        let weight = body.len() + key.bytes();
        if weight > self.largest_page || !self.newest(generation) {
            return;
        }
        locked(&self.pages).put(key, generation, Arc::from(body), weight);
    }

    /// How many totals and pages are kept, and the pages' bytes.
    #[cfg(test)]
    fn sizes(&self) -> (usize, usize, usize) {
        let pages = locked(&self.pages);
        (
            locked(&self.counts).entries.len(),
            pages.entries.len(),
            pages.weight,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: i64) -> QueryKey {
        QueryKey::new(
            "SELECT count(*) FROM conversations c WHERE (c.type = $1)",
            Some([0, i]),
            &[SqlParam::Text("meeting".into())],
        )
        .unwrap()
    }

    #[test]
    fn an_entry_answers_only_for_its_generation() {
        let cache = ListCache::new(4, 1 << 20);
        cache.put_count(key(1), 7, 9_543);
        assert_eq!(cache.count(&key(1), 7), Some(9_543));
        assert_eq!(cache.count(&key(1), 8), None);
        assert_eq!(cache.count(&key(2), 7), None);
        // A newer count replaces an older one, never the other way round.
        cache.put_count(key(1), 9, 9_542);
        cache.put_count(key(1), 8, 1);
        assert_eq!(cache.count(&key(1), 9), Some(9_542));
        assert_eq!(cache.count(&key(1), 8), None);
        cache.put_page(key(1), 9, b"[1]");
        assert_eq!(cache.page(&key(1), 9).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(cache.page(&key(1), 10), None);
        assert_eq!(cache.sizes(), (1, 1, 3 + key(1).bytes()));
    }

    #[test]
    fn parameters_are_part_of_the_key() {
        let sql = "SELECT count(*) FROM conversations c WHERE (c.x = $1)";
        let a = QueryKey::new(sql, None, &[SqlParam::Int(5)]).unwrap();
        let b = QueryKey::new(sql, None, &[SqlParam::Time(5)]).unwrap();
        let c = QueryKey::new(sql, None, &[SqlParam::Float(5.0)]).unwrap();
        let d = QueryKey::new(sql, Some([0, 5]), &[SqlParam::Int(5)]).unwrap();
        let cache = ListCache::new(8, 0);
        for (i, k) in [&a, &b, &c, &d].into_iter().enumerate() {
            cache.put_count(*k, 1, i);
        }
        for (i, k) in [&a, &b, &c, &d].into_iter().enumerate() {
            assert_eq!(cache.count(k, 1), Some(i));
        }
    }

    #[test]
    fn a_key_is_a_digest_of_every_part_told_apart() {
        let sql = "SELECT count(*) FROM conversations c WHERE (c.x = $1 OR c.y = $2)";
        let text = |a: &str, b: &str| {
            QueryKey::new(
                sql,
                None,
                &[SqlParam::Text(a.into()), SqlParam::Text(b.into())],
            )
            .unwrap()
        };
        // Lengths delimit: moving a byte between two values is another key.
        assert_ne!(text("ab", ""), text("a", "b"));
        assert_eq!(text("a", "b"), text("a", "b"));
        let numeric = QueryKey::new(sql, None, &[SqlParam::Numeric("1".into())]);
        let text1 = QueryKey::new(sql, None, &[SqlParam::Text("1".into())]);
        assert_ne!(numeric, text1);
        assert_ne!(
            QueryKey::new(sql, None, &[]),
            QueryKey::new(&format!("{sql} "), None, &[])
        );
        // The same weight for a statement of any length.
        let long = "x".repeat(250_000);
        assert_eq!(
            QueryKey::new(&long, None, &[]).unwrap().bytes(),
            key(0).bytes()
        );
    }

    #[test]
    fn counts_at_capacity_and_one_past() {
        let cache = ListCache::new(4, 0);
        for i in 0..4 {
            cache.put_count(key(i), 5, 10);
        }
        assert_eq!(cache.sizes().0, 4, "at capacity: all kept");
        // Asked for: key 0 three times, key 1 twice, key 2 once.
        for (i, n) in [(0, 3), (1, 2), (2, 1)] {
            for _ in 0..n {
                assert_eq!(cache.count(&key(i), 5), Some(10));
            }
        }
        // One past: the two most asked-for stay (half), then the new one.
        cache.put_count(key(4), 5, 11);
        assert_eq!(cache.sizes().0, 3);
        for (i, kept) in [(0, true), (1, true), (2, false), (3, false), (4, true)] {
            assert_eq!(cache.count(&key(i), 5).is_some(), kept, "key {i}");
        }
        // At capacity again, a newer generation's entry drops the older
        // ones first (however often they were asked for).
        cache.put_count(key(5), 5, 12);
        assert_eq!(cache.sizes().0, 4);
        cache.put_count(key(7), 7, 13);
        assert_eq!(cache.sizes().0, 1);
        assert_eq!(cache.count(&key(7), 7), Some(13));
        // An entry already kept is replaced in place at capacity.
        let full = ListCache::new(1, 0);
        full.put_count(key(0), 1, 1);
        full.put_count(key(0), 2, 2);
        assert_eq!((full.sizes().0, full.count(&key(0), 2)), (1, Some(2)));
    }

    #[test]
    fn queries_asked_once_do_not_push_out_the_ones_asked_often() {
        let cache = ListCache::new(8, 0);
        for i in 0..2 {
            cache.put_count(key(i), 1, 1);
            for _ in 0..1_000 {
                cache.count(&key(i), 1);
            }
        }
        // 40 queries asked once: 9 evictions, each halving the hits.
        for i in 100..140 {
            cache.put_count(key(i), 1, 1);
        }
        assert!(cache.sizes().0 <= 8);
        assert_eq!(cache.count(&key(0), 1), Some(1));
        assert_eq!(cache.count(&key(1), 1), Some(1));
        // Not asked for any more, they age out in the end.
        for i in 200..300 {
            cache.put_count(key(i), 1, 1);
        }
        assert_eq!(cache.count(&key(0), 1), None);
    }

    #[test]
    fn page_bytes_at_the_limit_and_one_past() {
        // A page weighs its body and its key; the keys here weigh alike.
        let k = key(0).bytes();
        assert_eq!(k, ENTRY_OVERHEAD);
        let page = 100 + k;
        // Room for 16 pages of 100 bytes: the largest kept is a sixteenth.
        let cache = ListCache::new(1, 16 * page);
        cache.put_page(key(0), 1, &[b'x'; 101]);
        assert_eq!(cache.sizes(), (0, 0, 0), "a page past a sixteenth");
        for i in 0..16 {
            cache.put_page(key(i), 1, &[b'x'; 100]);
        }
        assert_eq!(cache.sizes(), (0, 16, 16 * page), "exactly at the limit");
        cache.put_page(key(16), 1, &[b'y'; 1]);
        assert_eq!(
            cache.sizes(),
            (0, 9, 8 * page + 1 + k),
            "one byte past: half, then it"
        );
        assert_eq!(cache.page(&key(16), 1).as_deref(), Some(&b"y"[..]));
        // Older generations go first.
        cache.put_page(key(20), 2, &[b'z'; 100]);
        assert_eq!(cache.sizes(), (0, 10, 9 * page + 1 + k));
        for i in 21..29 {
            cache.put_page(key(i), 2, &[b'z'; 100]);
        }
        assert_eq!(cache.sizes(), (0, 9, 9 * page), "generation 1 dropped");
        // Replacing an entry gives its bytes back.
        cache.put_page(key(20), 3, &[b'z'; 50]);
        assert_eq!(cache.sizes(), (0, 9, 9 * page - 50));
        // An answer of an older generation than one seen is not kept.
        cache.put_page(key(40), 2, b"[]");
        assert_eq!(cache.page(&key(40), 2), None);
    }

    #[test]
    fn a_key_weighs_the_same_whatever_its_text_and_parameters() {
        let short = QueryKey::new("SELECT 1", None, &[]).unwrap();
        let long = QueryKey::new("SELECT 1", None, &[SqlParam::Text("x".repeat(8_192))]).unwrap();
        assert_eq!(short.bytes(), ENTRY_OVERHEAD);
        assert_eq!(long.bytes(), ENTRY_OVERHEAD);
        assert_eq!(std::mem::size_of::<QueryKey>(), 32);
        // Many distinct queries with empty pages cannot hold more than the
        // bytes given (empty pages weigh their keys).
        let cache = ListCache::new(1, 1 << 20);
        for i in 0..10_000 {
            cache.put_page(key(i), 1, b"[]");
        }
        assert!(cache.sizes().2 <= 1 << 20, "{:?}", cache.sizes());
    }

    #[test]
    fn pages_are_kept_only_with_totals() {
        assert!(ListCache::new(1, 1 << 20).pages_enabled());
        assert!(!ListCache::new(0, 1 << 20).pages_enabled());
        assert!(!ListCache::new(1, 0).pages_enabled());
    }

    #[test]
    fn one_read_per_page_in_flight_the_others_wait_for_it() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let cache = ListCache::new(4, 1 << 20);
            let leader = cache.join_flight(&key(1)).await.expect("the first reads");
            // Another page is not held up.
            let other = cache.join_flight(&key(2)).await;
            assert!(other.is_some());
            let first = key(1);
            let waiting = cache.join_flight(&first);
            tokio::pin!(waiting);
            // Still in flight: the second request waits.
            assert!(
                futures_util::FutureExt::now_or_never(&mut waiting).is_none(),
                "waited for no read"
            );
            cache.put_page(key(1), 3, b"[]");
            drop(leader);
            assert!(waiting.await.is_none(), "woken, not made a reader");
            assert_eq!(cache.page(&key(1), 3).as_deref(), Some(&b"[]"[..]));
            // Done: the next request reads again; no entry left behind.
            drop(other);
            assert!(locked(&cache.flights).is_empty());
            assert!(cache.join_flight(&key(1)).await.is_some());
        });
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let cache = ListCache::new(0, 0);
        assert!(!cache.counts_enabled() && !cache.pages_enabled());
        cache.put_count(key(0), 1, 1);
        cache.put_page(key(0), 1, b"[]");
        assert_eq!(cache.sizes(), (0, 0, 0));
        assert_eq!(
            (cache.count(&key(0), 1), cache.page(&key(0), 1)),
            (None, None)
        );
    }
}
