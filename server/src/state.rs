//! The shared state every handler receives: configuration, storage, token
//! store, clock, limiter and the pre-rendered OpenAPI document.

use std::ops::Deref;
use std::sync::Arc;

use bytes::Bytes;

use crate::auth::TokenStore;
use crate::clock::Clock;
use crate::config::Config;
use crate::data::Data;
use crate::filter_cache::FilterCache;
use crate::openapi::Examples;
use crate::ratelimit::RateLimiter;
use store::storage::{MemoryStorage, Storage};

/// Cheap to clone (an `Arc`).
#[derive(Clone, Debug)]
pub struct AppState(Arc<State>);

/// What [`AppState`] points to.
#[derive(Debug)]
pub struct State {
    /// The configuration.
    pub config: Config,
    /// Where the four families' data lives: the handlers call only this
    /// ([`store::storage::Storage`]), whichever backend answers.
    pub storage: Arc<dyn Storage>,
    /// The same storage when it is the in-memory one (tests and the
    /// banner read it directly); `None` on PostgreSQL.
    memory: Option<Arc<MemoryStorage>>,
    /// Issued and static tokens.
    pub tokens: TokenStore,
    /// The clock used for expiry and time checks.
    pub clock: Clock,
    /// The rate limiter, when configured.
    pub limiter: Option<RateLimiter>,
    /// `GET /openapi.json`'s body.
    pub openapi: Bytes,
    /// The filter parser: the API's ([`store::filter::parser`]: Symbl
    /// policy, nesting ≤ 32, `=in=` lists ≤ 500 values, `api.md` A-8) with
    /// `--filter-limit` bytes.
    pub parser: rsql::Parser,
    /// Compiled filters by text ([`FILTER_CACHE_SIZE`] of them).
    pub filters: FilterCache,
}

/// Distinct filter texts kept compiled.
pub const FILTER_CACHE_SIZE: usize = 256;

impl AppState {
    /// A state on the system clock over `data` in memory.
    ///
    /// ```
    /// let s = server::AppState::new(server::Config::default_for_tests(), server::Data::empty());
    /// assert!(s.limiter.is_none());
    /// assert!(s.memory().is_some());
    /// ```
    pub fn new(config: Config, data: Data) -> AppState {
        AppState::with_clock(config, data, Clock::system())
    }

    /// A state over `data` in memory on the given clock (tests move a manual one).
    pub fn with_clock(config: Config, data: Data, clock: Clock) -> AppState {
        AppState::with_memory(config, data.into_storage(), clock)
    }

    /// A state over an in-memory storage built elsewhere (`--data-dir`: one
    /// with a journal, [`crate::data_dir::open`]); its list queries stop at
    /// the configuration's `--statement-timeout`.
    pub fn with_memory(config: Config, memory: MemoryStorage, clock: Clock) -> AppState {
        // In memory every call is ready at once: the examples need no runtime
        // (nor the timer the statement timeout waits for the lock with).
        let examples =
            futures_util::FutureExt::now_or_never(Examples::collect(&memory)).unwrap_or_default();
        let memory = Arc::new(memory.with_statement_timeout(config.statement_timeout));
        let storage: Arc<dyn Storage> = memory.clone();
        AppState::build(config, storage, Some(memory), &examples, clock)
    }

    /// A state over any storage (the PostgreSQL backend); `examples` fill
    /// the OpenAPI document's parameter examples ([`Examples::collect`]).
    pub fn with_storage(
        config: Config,
        storage: Arc<dyn Storage>,
        examples: &Examples,
        clock: Clock,
    ) -> AppState {
        AppState::build(config, storage, None, examples, clock)
    }

    /// The in-memory storage, when that is the backend.
    pub fn memory(&self) -> Option<&MemoryStorage> {
        self.memory.as_deref()
    }

    fn build(
        config: Config,
        storage: Arc<dyn Storage>,
        memory: Option<Arc<MemoryStorage>>,
        examples: &Examples,
        clock: Clock,
    ) -> AppState {
        let tokens = TokenStore::new(
            config.app_credentials(),
            config.static_tokens.clone(),
            config.token_ttl,
        );
        let limiter = config
            .rate_limit
            .and_then(std::num::NonZeroU32::new)
            .map(|n| RateLimiter::new(n, config.rate_period, clock.clone()));
        let openapi = Bytes::from(crate::openapi::document_for(examples).to_string());
        let parser = store::filter::parser(config.filter_limit);
        AppState(Arc::new(State {
            config,
            storage,
            memory,
            tokens,
            clock,
            limiter,
            openapi,
            parser,
            filters: FilterCache::new(FILTER_CACHE_SIZE),
        }))
    }
}

impl Deref for AppState {
    type Target = State;
    fn deref(&self) -> &State {
        &self.0
    }
}
