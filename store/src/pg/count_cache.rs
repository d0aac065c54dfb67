//! [`CountCache`]: the list route's totals, kept per query and per write
//! generation, so that the exact count behind `X-Total-Count` is counted
//! once per query between two writes instead of on every request.
//!
//! # Why it is exact
//!
//! Every transaction that changes `conversations` or `members` adds to
//! `write_generation` (a statement trigger of `migrations/V3__generation.sql`,
//! so writes from any client count, not only this server's). The sum of
//! that table, read in the same snapshot as the page, therefore grows with
//! every committed write, and the writes a snapshot sees only grow over
//! time: two snapshots with the same sum see the same writes, so the same
//! rows and the same count. An entry is used only for the generation it was
//! counted at; whatever process wrote since, the next request recounts.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use rsql::SqlParam;

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

/// A count statement and what is bound to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CountKey {
    sql: String,
    window: Option<[i64; 2]>,
    params: Vec<KeyParam>,
}

impl CountKey {
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
        Some(CountKey {
            sql: sql.to_owned(),
            window,
            params,
        })
    }
}

/// Totals by query, each with the write generation it was counted at; at
/// most `capacity` entries (a new query past it first drops the entries of
/// older generations, then, if still full, every entry). An entry holds
/// its count statement and parameters: at most the filter's length limit
/// plus the SQL around it.
#[derive(Debug)]
pub(crate) struct CountCache {
    capacity: usize,
    entries: Mutex<HashMap<CountKey, (i64, usize)>>,
}

impl CountCache {
    /// An empty cache of at most `capacity` entries (0: nothing is kept).
    pub(crate) fn new(capacity: usize) -> CountCache {
        CountCache {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Whether anything is ever kept.
    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// The total of `key` counted at `generation`, if kept.
    pub(crate) fn get(&self, key: &CountKey, generation: i64) -> Option<usize> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(key) {
            Some(&(g, n)) if g == generation => Some(n),
            _ => None,
        }
    }

    /// Keeps `total` as `key`'s count at `generation` (replacing an entry
    /// of an older generation, never one of a newer).
    pub(crate) fn put(&self, key: CountKey, generation: i64, total: usize) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get_mut(&key) {
            if entry.0 < generation {
                *entry = (generation, total);
            }
            return;
        }
        if entries.len() >= self.capacity {
            entries.retain(|_, (g, _)| *g >= generation);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (generation, total));
    }

    /// How many entries are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: i64) -> CountKey {
        CountKey::new(
            "SELECT count(*) FROM conversations c WHERE (c.type = $1)",
            Some([0, i]),
            &[SqlParam::Text("meeting".into())],
        )
        .unwrap()
    }

    #[test]
    fn an_entry_answers_only_for_its_generation() {
        let cache = CountCache::new(4);
        cache.put(key(1), 7, 9_543);
        assert_eq!(cache.get(&key(1), 7), Some(9_543));
        assert_eq!(cache.get(&key(1), 8), None);
        assert_eq!(cache.get(&key(2), 7), None);
        // A newer count replaces an older one, never the other way round.
        cache.put(key(1), 9, 9_542);
        cache.put(key(1), 8, 1);
        assert_eq!(cache.get(&key(1), 9), Some(9_542));
        assert_eq!(cache.get(&key(1), 8), None);
    }

    #[test]
    fn parameters_are_part_of_the_key() {
        let sql = "SELECT count(*) FROM conversations c WHERE (c.x = $1)";
        let a = CountKey::new(sql, None, &[SqlParam::Int(5)]).unwrap();
        let b = CountKey::new(sql, None, &[SqlParam::Time(5)]).unwrap();
        let c = CountKey::new(sql, None, &[SqlParam::Float(5.0)]).unwrap();
        let d = CountKey::new(sql, Some([0, 5]), &[SqlParam::Int(5)]).unwrap();
        let cache = CountCache::new(8);
        for (i, k) in [&a, &b, &c, &d].into_iter().enumerate() {
            cache.put(k.clone(), 1, i);
        }
        for (i, k) in [&a, &b, &c, &d].into_iter().enumerate() {
            assert_eq!(cache.get(k, 1), Some(i));
        }
    }

    #[test]
    fn at_capacity_and_one_past() {
        let cache = CountCache::new(3);
        for i in 0..3 {
            cache.put(key(i), 5, 10);
        }
        assert_eq!(cache.len(), 3);
        // At capacity, a newer generation's entry drops the older ones.
        cache.put(key(3), 6, 11);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&key(3), 6), Some(11));
        for i in 4..6 {
            cache.put(key(i), 6, 12);
        }
        assert_eq!(cache.len(), 3);
        // Full of the current generation: one past empties it first.
        cache.put(key(6), 6, 13);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&key(6), 6), Some(13));
        // An entry already kept is updated in place at capacity.
        let full = CountCache::new(1);
        full.put(key(0), 1, 1);
        full.put(key(0), 2, 2);
        assert_eq!((full.len(), full.get(&key(0), 2)), (1, Some(2)));
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let cache = CountCache::new(0);
        assert!(!cache.enabled());
        cache.put(key(0), 1, 1);
        assert_eq!((cache.len(), cache.get(&key(0), 1)), (0, None));
    }
}
