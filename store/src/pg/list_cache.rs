//! [`ListCache`]: the list route's totals and small pages, kept per query
//! and per write generation, so that a query asked again before the next
//! write is answered from memory instead of by the database (the exact
//! count behind `X-Total-Count` costs a scan of every match).
//!
//! # Why it is exact
//!
//! Every transaction that changes `conversations` or `members` adds to
//! `write_generation` (a statement trigger of `migrations/V3__generation.sql`,
//! so writes from any client count, not only this server's). The sum of
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
use std::sync::{Arc, Mutex, PoisonError};

use rsql::SqlParam;
use tokio::sync::watch;

/// One parameter of a cached count, comparable (floats by their bits).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum KeyParam {
    Text(String),
    Int(i64),
    Float(u64),
    Bool(bool),
    Time(i64),
    TimestampTz(i64),
    Timestamp(i64),
    Numeric(String),
}

/// A statement (a count or a page) and what is bound to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct QueryKey {
    sql: String,
    window: Option<[i64; 2]>,
    params: Vec<KeyParam>,
}

impl QueryKey {
    /// The key of `sql` with `window` and `params` bound; `None` for a
    /// parameter kind this module does not know (never cached).
    pub(crate) fn new(sql: &str, window: Option<[i64; 2]>, params: &[SqlParam]) -> Option<Self> {
        let params = params
            .iter()
            .map(|p| {
                Some(match p {
                    SqlParam::Text(s) => KeyParam::Text(s.clone()),
                    SqlParam::Int(i) => KeyParam::Int(*i),
                    SqlParam::Float(f) => KeyParam::Float(f.to_bits()),
                    SqlParam::Bool(b) => KeyParam::Bool(*b),
                    SqlParam::Time(t) => KeyParam::Time(*t),
                    SqlParam::TimestampTz(t) => KeyParam::TimestampTz(*t),
                    SqlParam::Timestamp(t) => KeyParam::Timestamp(*t),
                    SqlParam::Numeric(s) => KeyParam::Numeric(s.clone()),
                    _ => return None,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(QueryKey {
            sql: sql.to_owned(),
            window,
            params,
        })
    }
}

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
    /// entry of an older generation, never one of a newer. Past the
    /// capacity, the entries of older generations go first; if that is not
    /// enough, the most asked-for entries are kept up to half the capacity
    /// and the rest go (so a stream of queries asked once — a window ending
    /// "now" is a new query every millisecond — cannot push out the ones
    /// asked all the time), and the kept entries' hits are halved.
    fn put(&mut self, key: QueryKey, generation: i64, value: V, weight: usize) {
        if weight > self.capacity {
            return;
        }
        if let Some(e) = self.entries.get(&key) {
            if e.generation >= generation {
                return;
            }
            if let Some(e) = self.entries.remove(&key) {
                self.weight -= e.weight;
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
                hits: 0,
                used: self.clock,
            },
        );
    }

    /// Keeps the most asked-for entries (among equals, the most recently
    /// used) up to half the capacity, halving their hits.
    fn evict_to_half(&mut self) {
        let mut by_hits: Vec<(u32, u64, QueryKey)> = self
            .entries
            .iter()
            .map(|(k, e)| (e.hits, e.used, k.clone()))
            .collect();
        by_hits.sort_unstable_by_key(|e| std::cmp::Reverse((e.0, e.1)));
        let mut kept = 0;
        for (_, _, key) in by_hits {
            let weight = self.entries.get(&key).map_or(0, |e| e.weight);
            if kept + weight <= self.capacity / 2 {
                kept += weight;
                if let Some(e) = self.entries.get_mut(&key) {
                    e.hits /= 2;
                }
            } else {
                self.entries.remove(&key);
            }
        }
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
        }
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
                    flights.insert(key.clone(), watch::channel(()).0);
                    return Some(Flight {
                        cache: self,
                        key: key.clone(),
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

    /// Whether pages are kept.
    pub(crate) fn pages_enabled(&self) -> bool {
        self.largest_page > 0
    }

    /// The total of `key` read at `generation`, if kept.
    pub(crate) fn count(&self, key: &QueryKey, generation: i64) -> Option<usize> {
        locked(&self.counts).get(key, generation)
    }

    /// Keeps `total` as `key`'s at `generation`.
    pub(crate) fn put_count(&self, key: QueryKey, generation: i64, total: usize) {
        locked(&self.counts).put(key, generation, total, 1);
    }

    /// The body of page `key` read at `generation`, if kept.
    pub(crate) fn page(&self, key: &QueryKey, generation: i64) -> Option<Arc<[u8]>> {
        locked(&self.pages).get(key, generation)
    }

    /// Whether a page of `key` is kept, for any generation.
    pub(crate) fn holds_page(&self, key: &QueryKey) -> bool {
        locked(&self.pages).entries.contains_key(key)
    }

    /// Keeps `body` as page `key`'s at `generation` (not when it is over a
    /// sixteenth of the pages' bytes).
    pub(crate) fn put_page(&self, key: QueryKey, generation: i64, body: &[u8]) {
        if body.len() > self.largest_page {
            return;
        }
        locked(&self.pages).put(key, generation, Arc::from(body), body.len());
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
        assert_eq!(cache.sizes(), (1, 1, 3));
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
            cache.put_count(k.clone(), 1, i);
        }
        for (i, k) in [&a, &b, &c, &d].into_iter().enumerate() {
            assert_eq!(cache.count(k, 1), Some(i));
        }
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
        // 1 600 bytes of pages: a page of at most 100 bytes is kept.
        let cache = ListCache::new(0, 1_600);
        cache.put_page(key(0), 1, &[b'x'; 101]);
        assert_eq!(cache.sizes(), (0, 0, 0), "a page past a sixteenth");
        for i in 0..16 {
            cache.put_page(key(i), 1, &[b'x'; 100]);
        }
        assert_eq!(cache.sizes(), (0, 16, 1_600), "exactly at the limit");
        cache.put_page(key(16), 1, &[b'y'; 1]);
        assert_eq!(cache.sizes(), (0, 9, 801), "one byte past: half, then it");
        assert_eq!(cache.page(&key(16), 1).as_deref(), Some(&b"y"[..]));
        // Older generations go first.
        cache.put_page(key(20), 2, &[b'z'; 100]);
        assert_eq!(cache.sizes(), (0, 10, 901));
        for i in 21..29 {
            cache.put_page(key(i), 2, &[b'z'; 100]);
        }
        assert_eq!(cache.sizes(), (0, 9, 900), "generation 1 dropped");
        // Replacing an entry gives its bytes back.
        cache.put_page(key(20), 3, &[b'z'; 50]);
        assert_eq!(cache.sizes(), (0, 9, 850));
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
