//! [`FilterCache`]: compiled filters by the text the request sent, so a
//! filter that clients repeat (a dashboard polling the same list, a client
//! paging with `Link` headers) is decoded, parsed, checked against the
//! policy and compiled once.
//!
//! The key is the query-string value as sent (still percent-encoded): a hit
//! costs one hash of those bytes and no decoding. Two spellings of one
//! filter (`%3D` or `=`) are two entries, each correct. Only filters that
//! compiled are kept; a rejected filter is compiled again on every request
//! and gets the same error. The cache is bounded: when it is full it starts
//! over (cheap, and a working set larger than the bound costs no more than
//! no cache at all). Compiled filters do not depend on the data, so writes
//! never invalidate them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// A filter that compiled, with its decoded text (what `Link` headers
/// encode again).
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The filter's text, decoded from the query string.
    pub text: String,
    /// The compiled filter.
    pub filter: rsql::Filter,
}

impl Compiled {
    /// A conversation filter from its query-string value as sent: decoded
    /// ([`decode_form`](crate::query::decode_form)), then compiled against
    /// the store's schema with `parser`'s policy and limits, so errors point
    /// into the decoded text.
    ///
    /// ```
    /// use server::filter_cache::Compiled;
    /// let parser = rsql::Parser::new();
    /// let c = Compiled::from_query_value("conversation.type%3D%3Dmeeting", &parser)?;
    /// assert_eq!(c.text, "conversation.type==meeting");
    /// assert_eq!(c.filter.to_string(), c.text);
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn from_query_value(raw: &str, parser: &rsql::Parser) -> Result<Compiled, rsql::Error> {
        let text = crate::query::decode_form(raw).into_owned();
        let filter = store::schema().compile_str(parser, &text)?;
        Ok(Compiled { text, filter })
    }
}

/// A bounded map from a filter as sent to its [`Compiled`] form.
///
/// ```
/// use server::filter_cache::{Compiled, FilterCache};
/// let cache = FilterCache::new(2);
/// let parser = rsql::Parser::new();
/// let compile = |raw: &str| Compiled::from_query_value(raw, &parser);
/// let a = cache.get_or_compile("conversation.type%3D%3Dmeeting", compile)?;
/// let b = cache.get_or_compile("conversation.type%3D%3Dmeeting", compile)?;
/// assert_eq!(a.text, "conversation.type==meeting");
/// assert!(std::sync::Arc::ptr_eq(&a, &b));
/// assert_eq!(cache.len(), 1);
/// assert!(cache.get_or_compile("conversation.type%3D", compile).is_err());
/// assert_eq!(cache.len(), 1);
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Debug)]
pub struct FilterCache {
    map: Mutex<HashMap<Box<str>, Arc<Compiled>>>,
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

    /// The compiled filter for `key` (the filter as the request sent it):
    /// the cached one, or `compile(key)`, kept when it succeeds.
    ///
    /// See [`FilterCache`] for an example.
    pub fn get_or_compile<E>(
        &self,
        key: &str,
        compile: impl FnOnce(&str) -> Result<Compiled, E>,
    ) -> Result<Arc<Compiled>, E> {
        if let Some(c) = self.lock().get(key) {
            return Ok(Arc::clone(c));
        }
        // Compiled outside the lock: other requests are not held up.
        let compiled = Arc::new(compile(key)?);
        if self.capacity > 0 {
            let mut map = self.lock();
            if map.len() >= self.capacity {
                map.clear();
            }
            map.insert(key.into(), Arc::clone(&compiled));
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Arc<Compiled>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_starts_over_when_full() {
        let cache = FilterCache::new(2);
        let parser = rsql::Parser::new();
        let compile = |raw: &str| Compiled::from_query_value(raw, &parser);
        for (raw, text) in [
            ("conversation.type==call", "conversation.type==call"),
            ("conversation.type%3D%3Dchat", "conversation.type==chat"),
            ("conversation.type==call", "conversation.type==call"),
        ] {
            let c = cache.get_or_compile(raw, compile).unwrap();
            assert_eq!(c.text, text);
            assert_eq!(c.filter.to_string(), text);
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
