//! [`PgOptions`]: the pool and per-connection settings of
//! [`PgStorage`](super::PgStorage).

use std::time::Duration;

/// How [`PgStorage::connect`](super::PgStorage::connect) sets up its pool.
///
/// Every limit here bounds what one server process asks of the database:
/// at most `max_connections` connections, a request waits at most
/// `pool_wait` for one (then answers 503), a connect attempt takes at most
/// `connect_timeout`, a statement at most `statement_timeout` (PostgreSQL's
/// `statement_timeout`, set on each connection; loads lift it for their own
/// transaction), a whole request at most [`PgOptions::answer_timeout`] (the
/// two added), and each connection keeps at most `statement_cache`
/// prepared statements of at most 16 KiB each (past the count the cache
/// is emptied and refilled; a longer statement is prepared for its one
/// use). The
/// list route keeps at most `count_cache` totals and `page_cache_bytes` of
/// pages (bodies and keys), each for the write generation it was read at
/// (the store README, "Answers kept between writes"); pages only with
/// totals.
///
/// ```
/// use std::time::Duration;
/// let o = store::pg::PgOptions::default().with_max_connections(4);
/// assert_eq!(o.max_connections, 4);
/// assert_eq!(o.pool_wait, Duration::from_secs(2));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgOptions {
    /// Connections the pool opens at most (default 16).
    pub max_connections: usize,
    /// How long a request waits for a free connection, a new one's connect
    /// included (default 2 s).
    pub pool_wait: Duration,
    /// How long one connect attempt may take (default 2 s).
    pub connect_timeout: Duration,
    /// `statement_timeout` of every connection (default 10 s).
    pub statement_timeout: Duration,
    /// Prepared statements kept per connection (default 256).
    pub statement_cache: usize,
    /// List totals kept, one per query (default 1024; 0 counts on every
    /// request). A total is kept under the SHA-256 of its statement and
    /// parameters, about 200 bytes whatever the filter's length.
    pub count_cache: usize,
    /// Bytes of list pages kept, each page's key counted (default 16 MiB; a
    /// page over a sixteenth of it is not kept; 0 keeps none, and so does
    /// `count_cache` 0).
    pub page_cache_bytes: usize,
}

impl Default for PgOptions {
    fn default() -> PgOptions {
        PgOptions {
            max_connections: 16,
            pool_wait: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(10),
            statement_cache: 256,
            count_cache: 1024,
            page_cache_bytes: 16 << 20,
        }
    }
}

impl PgOptions {
    /// Sets [`PgOptions::max_connections`].
    ///
    /// ```
    /// assert_eq!(store::pg::PgOptions::default().with_max_connections(2).max_connections, 2);
    /// ```
    pub fn with_max_connections(mut self, n: usize) -> PgOptions {
        self.max_connections = n;
        self
    }

    /// Sets [`PgOptions::pool_wait`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = store::pg::PgOptions::default().with_pool_wait(Duration::from_millis(500));
    /// assert_eq!(o.pool_wait, Duration::from_millis(500));
    /// ```
    pub fn with_pool_wait(mut self, wait: Duration) -> PgOptions {
        self.pool_wait = wait;
        self
    }

    /// How long a request may take in all before it is answered 503: the
    /// pool wait plus the statement timeout (a request's statements after
    /// the first run in the time the database needs; a database that
    /// answers nothing, paused or cut off without a closed connection, is
    /// cut off here).
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = store::pg::PgOptions::default();
    /// assert_eq!(o.answer_timeout(), Duration::from_secs(12));
    /// ```
    pub fn answer_timeout(&self) -> Duration {
        self.pool_wait.saturating_add(self.statement_timeout)
    }

    /// Sets [`PgOptions::connect_timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = store::pg::PgOptions::default().with_connect_timeout(Duration::from_secs(1));
    /// assert_eq!(o.connect_timeout, Duration::from_secs(1));
    /// ```
    pub fn with_connect_timeout(mut self, timeout: Duration) -> PgOptions {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`PgOptions::statement_timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = store::pg::PgOptions::default().with_statement_timeout(Duration::from_secs(3));
    /// assert_eq!(o.statement_timeout, Duration::from_secs(3));
    /// ```
    pub fn with_statement_timeout(mut self, timeout: Duration) -> PgOptions {
        self.statement_timeout = timeout;
        self
    }

    /// Sets [`PgOptions::statement_cache`].
    ///
    /// ```
    /// assert_eq!(store::pg::PgOptions::default().with_statement_cache(8).statement_cache, 8);
    /// ```
    pub fn with_statement_cache(mut self, n: usize) -> PgOptions {
        self.statement_cache = n;
        self
    }

    /// Sets [`PgOptions::count_cache`].
    ///
    /// ```
    /// assert_eq!(store::pg::PgOptions::default().with_count_cache(0).count_cache, 0);
    /// ```
    pub fn with_count_cache(mut self, n: usize) -> PgOptions {
        self.count_cache = n;
        self
    }

    /// Sets [`PgOptions::page_cache_bytes`].
    ///
    /// ```
    /// assert_eq!(store::pg::PgOptions::default().with_page_cache_bytes(0).page_cache_bytes, 0);
    /// ```
    pub fn with_page_cache_bytes(mut self, n: usize) -> PgOptions {
        self.page_cache_bytes = n;
        self
    }
}
