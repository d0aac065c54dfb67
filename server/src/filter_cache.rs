//! [`FilterCache`]: compiled filters by their text, so a filter that clients
//! repeat (a dashboard polling the same list, a client paging with `Link`
//! headers) is parsed, checked against the policy and compiled once.
//!
//! The key is the filter's decoded text, the same text the store's
//! [`QuerySpec::from_params_with`](store::QuerySpec::from_params_with) hands
//! to the compile step, so two spellings of one filter in the query string
//! (`%3D` or `=`) share an entry. Only filters that compiled are kept; a
//! rejected filter is compiled again on every request and gets the same
//! error. The cache is bounded: when it is full it starts over (cheap, and a
//! working set larger than the bound costs no more than no cache at all).
//! Compiled filters do not depend on the data, so writes never invalidate
//! them. Entries are `Arc<Filter>`: a request shares the cached filter, it
//! never copies it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rsql::Filter;

/// A bounded map from a filter's text to its compiled form.
///
/// ```
/// use server::filter_cache::FilterCache;
/// let cache = FilterCache::new(2);
/// let compile = |text: &str| store::compile_filter(text);
/// let a = cache.get_or_compile("conversation.type==meeting", compile)?;
/// let b = cache.get_or_compile("conversation.type==meeting", compile)?;
/// assert!(std::sync::Arc::ptr_eq(&a, &b));
/// assert_eq!(cache.len(), 1);
/// assert!(cache.get_or_compile("conversation.type=", compile).is_err());
/// assert_eq!(cache.len(), 1);
/// # Ok::<(), store::StoreError>(())
/// ```
#[derive(Debug)]
pub struct FilterCache {
    map: Mutex<HashMap<Box<str>, Arc<Filter>>>,
    capacity: usize,
}

impl FilterCache {
    /// A cache of at most `capacity` filters (0 turns it off).
    ///
    /// ```
    /// assert!(server::filter_cache::FilterCache::new(0).is_empty());
    /// ```
    pub fn new(capacity: usize) -> FilterCache {
        FilterCache {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The compiled filter for `text`: the cached one, or `compile(text)`,
    /// kept when it succeeds.
    ///
    /// See [`FilterCache`] for an example.
    pub fn get_or_compile<E>(
        &self,
        text: &str,
        compile: impl FnOnce(&str) -> Result<Arc<Filter>, E>,
    ) -> Result<Arc<Filter>, E> {
        if let Some(f) = self.lock().get(text) {
            return Ok(Arc::clone(f));
        }
        // Compiled outside the lock: other requests are not held up.
        let compiled = compile(text)?;
        if self.capacity > 0 {
            let mut map = self.lock();
            if map.len() >= self.capacity {
                map.clear();
            }
            map.insert(text.into(), Arc::clone(&compiled));
        }
        Ok(compiled)
    }

    /// How many filters are cached.
    ///
    /// ```
    /// assert_eq!(server::filter_cache::FilterCache::new(8).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is cached.
    ///
    /// ```
    /// assert!(server::filter_cache::FilterCache::new(8).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Arc<Filter>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_starts_over_when_full() {
        let cache = FilterCache::new(2);
        let compile = |text: &str| store::compile_filter(text);
        for text in [
            "conversation.type==call",
            "conversation.type==chat",
            "conversation.type==call",
        ] {
            let f = cache.get_or_compile(text, compile).unwrap();
            assert_eq!(f.to_string(), text);
        }
        assert_eq!(cache.len(), 2);
        cache
            .get_or_compile("conversation.type==meeting", compile)
            .unwrap();
        assert_eq!(cache.len(), 1);
        let off = FilterCache::new(0);
        off.get_or_compile("conversation.type==call", compile)
            .unwrap();
        assert!(off.is_empty());
    }
}
