//! The shared state every handler receives: configuration, data, token
//! store, clock, limiter and the pre-rendered OpenAPI document.

use std::ops::Deref;
use std::sync::Arc;

use bytes::Bytes;

use crate::auth::TokenStore;
use crate::clock::Clock;
use crate::config::Config;
use crate::data::Data;
use crate::filter_cache::FilterCache;
use crate::ratelimit::RateLimiter;

/// Cheap to clone (an `Arc`).
#[derive(Clone, Debug)]
pub struct AppState(Arc<State>);

/// What [`AppState`] points to.
#[derive(Debug)]
pub struct State {
    /// The configuration.
    pub config: Config,
    /// The data of the four families.
    pub data: Data,
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
    /// A state on the system clock.
    ///
    /// ```
    /// let s = server::AppState::new(server::Config::default_for_tests(), server::Data::empty());
    /// assert!(s.limiter.is_none());
    /// ```
    pub fn new(config: Config, data: Data) -> AppState {
        AppState::with_clock(config, data, Clock::system())
    }

    /// A state on the given clock (tests move a manual one).
    pub fn with_clock(config: Config, data: Data, clock: Clock) -> AppState {
        let tokens = TokenStore::new(
            config.app_credentials(),
            config.static_tokens.clone(),
            config.token_ttl,
        );
        let limiter = config
            .rate_limit
            .and_then(std::num::NonZeroU32::new)
            .map(|n| RateLimiter::new(n, config.rate_period, clock.clone()));
        let openapi = Bytes::from(crate::openapi::document_for(&data).to_string());
        let parser = store::filter::parser(config.filter_limit);
        AppState(Arc::new(State {
            config,
            data,
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
