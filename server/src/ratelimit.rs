//! The optional rate limiter (off by default, `api.md` A-4): a fixed window
//! per client address. Every answer carries `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset` (IETF draft names); a refused
//! request gets 429 with `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The limiter's verdict for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The configured limit per window.
    pub limit: u32,
    /// Requests left in this window after this one.
    pub remaining: u32,
    /// Seconds until the window resets (≥ 1).
    pub reset_secs: u64,
}

/// Fixed-window counters per client address.
///
/// ```
/// use server::ratelimit::RateLimiter;
/// let rl = RateLimiter::new(2, 60);
/// assert!(rl.check(None, 0).allowed);
/// assert!(rl.check(None, 10_000).allowed);
/// let third = rl.check(None, 20_000);
/// assert!(!third.allowed);
/// assert_eq!(third.reset_secs, 40);
/// assert!(rl.check(None, 60_000).allowed); // next window
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window_ms: i64,
    windows: Mutex<HashMap<Option<IpAddr>, (i64, u32)>>,
}

/// Above this many tracked clients, stale windows are dropped.
const MAX_CLIENTS: usize = 10_000;

impl RateLimiter {
    /// `limit` requests per `window_secs` per client.
    pub fn new(limit: u32, window_secs: u64) -> RateLimiter {
        RateLimiter {
            limit,
            window_ms: i64::try_from(window_secs.max(1).saturating_mul(1000)).unwrap_or(60_000),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `client` at `now_ms`.
    pub fn check(&self, client: Option<IpAddr>, now_ms: i64) -> Decision {
        let window_start = now_ms - now_ms.rem_euclid(self.window_ms);
        let mut map = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > MAX_CLIENTS {
            map.retain(|_, (start, _)| *start == window_start);
        }
        let slot = map.entry(client).or_insert((window_start, 0));
        if slot.0 != window_start {
            *slot = (window_start, 0);
        }
        let allowed = slot.1 < self.limit;
        if allowed {
            slot.1 += 1;
        }
        let reset_ms = window_start + self.window_ms - now_ms;
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit - slot.1,
            reset_secs: u64::try_from((reset_ms + 999) / 1000).unwrap_or(1).max(1),
        }
    }
}
