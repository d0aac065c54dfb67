//! The optional rate limiter (off by default, `api.md` A-4), built on
//! [`governor`]'s GCRA and keyed per client address.
//!
//! `--rate-limit N --rate-period P` lets a client send a burst of at most
//! `N` requests; the budget then refills by one request every `P / N`
//! seconds, continuously (no window edges: across any interval of length `T`
//! at most `N + T·N/P` requests pass, so a burst straddling what a fixed
//! window would call its edge cannot pass twice the limit). Every answer
//! carries `RateLimit-Limit` (N), `RateLimit-Remaining` (requests that may
//! follow at once) and `RateLimit-Reset` (seconds, rounded up, until the full
//! budget is back); a refused request gets 429 with the same headers and
//! `Retry-After` (seconds until one request passes again).
//!
//! Clients are keyed by IPv4 address, or by the /64 prefix of an IPv6
//! address (one host usually owns a whole /64). The state of a client is one
//! 8-byte timestamp in a hash map. Memory is bounded: at most
//! `max_clients` keys are tracked ([`MAX_CLIENTS`] by default, about 5 MB);
//! keys whose budget is full again are dropped ([`governor::RateLimiter::retain_recent`],
//! then `shrink_to_fit`) once per period, and at most once a second while the
//! table is full; clients that arrive while the table is still full of active
//! clients share one overflow budget until room is made.
//!
//! The limiter reads the server's [`Clock`], so tests move a manual clock
//! instead of sleeping.

use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use governor::Quota;
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::{HashMapStateStore, ShrinkableKeyedStateStore};

use crate::clock::Clock;

/// Client keys tracked at most by default (each costs roughly 50 bytes).
pub const MAX_CLIENTS: usize = 100_000;

/// The limiter's verdict for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The configured limit (the burst size).
    pub limit: u32,
    /// Requests that may follow at once, after this one.
    pub remaining: u32,
    /// Seconds (rounded up, ≥ 1) until the full limit is available again.
    pub reset_secs: u64,
    /// For a refused request: seconds (rounded up, ≥ 1) until one passes.
    pub retry_after_secs: u64,
}

/// The address of the peer a request came from: the connection's, put in
/// every request's extensions by the server (`serve`), read by the limiter.
/// A request without one (in-process tests) is counted as
/// [`ClientKey::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub(crate) std::net::SocketAddr);

/// What a client is counted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An IPv4 address, or an IPv6 address with its last 64 bits cleared.
    Addr(IpAddr),
    /// Clients without a known address.
    Unknown,
    /// New clients while the table is full of active ones.
    Overflow,
}

impl ClientKey {
    /// The key of a client address.
    ///
    /// ```
    /// use server::ratelimit::ClientKey;
    /// let a = ClientKey::of(Some("2001:db8::1".parse().unwrap()));
    /// let b = ClientKey::of(Some("2001:db8::ffff:2".parse().unwrap()));
    /// assert_eq!(a, b); // same /64
    /// let v4 = ClientKey::of(Some("::ffff:10.0.0.1".parse().unwrap()));
    /// assert_eq!(v4, ClientKey::of(Some("10.0.0.1".parse().unwrap())));
    /// assert_eq!(ClientKey::of(None), ClientKey::Unknown);
    /// ```
    pub fn of(addr: Option<IpAddr>) -> ClientKey {
        match addr {
            None => ClientKey::Unknown,
            Some(IpAddr::V4(a)) => ClientKey::Addr(IpAddr::V4(a)),
            Some(IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                Some(v4) => ClientKey::Addr(IpAddr::V4(v4)),
                None => {
                    let bits = u128::from(a) & !u128::from(u64::MAX);
                    ClientKey::Addr(IpAddr::V6(Ipv6Addr::from(bits)))
                }
            },
        }
    }
}

/// The server clock as a `governor` clock: nanoseconds since the epoch.
#[derive(Clone, Debug)]
struct GovClock(Clock);

impl governor::clock::Clock for GovClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        let ms = u64::try_from(self.0.now_ms()).unwrap_or(0);
        Nanos::from(ms.saturating_mul(1_000_000))
    }
}

/// A hash-map state store that tracks at most `cap` keys; a new key while
/// it is full is counted as [`ClientKey::Overflow`].
#[derive(Debug)]
struct BoundedStore {
    map: HashMapStateStore<ClientKey>,
    cap: usize,
}

impl StateStore for BoundedStore {
    type Key = ClientKey;

    fn measure_and_replace<T, F, E>(&self, key: &ClientKey, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let key = {
            let map = self.map.lock();
            if map.len() >= self.cap && !map.contains_key(key) {
                ClientKey::Overflow
            } else {
                *key
            }
        };
        self.map.measure_and_replace(&key, f)
    }
}

impl ShrinkableKeyedStateStore<ClientKey> for BoundedStore {
    fn retain_recent(&self, drop_below: Nanos) {
        self.map.retain_recent(drop_below);
    }
    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&self.map);
    }
    fn len(&self) -> usize {
        ShrinkableKeyedStateStore::len(&self.map)
    }
    fn is_empty(&self) -> bool {
        ShrinkableKeyedStateStore::is_empty(&self.map)
    }
}

type Gov = governor::RateLimiter<ClientKey, BoundedStore, GovClock, StateInformationMiddleware>;

/// GCRA budgets per client, on the server clock.
///
/// ```
/// use std::num::NonZeroU32;
/// use server::ratelimit::RateLimiter;
/// let clock = server::Clock::manual(0);
/// let rl = RateLimiter::new(NonZeroU32::new(2).unwrap(), 60, clock.clone());
/// let first = rl.check(None);
/// assert!(first.allowed);
/// assert_eq!((first.limit, first.remaining, first.reset_secs), (2, 1, 30));
/// assert!(rl.check(None).allowed);
/// let third = rl.check(None);
/// assert!(!third.allowed);
/// assert_eq!(third.retry_after_secs, 30); // one request back every 30 s
/// clock.advance_ms(30_000);
/// assert!(rl.check(None).allowed);
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    gov: Gov,
    limit: NonZeroU32,
    /// One request's share of the period.
    interval: Duration,
    period_ms: i64,
    max_clients: usize,
    clock: Clock,
    last_sweep_ms: AtomicI64,
}

impl RateLimiter {
    /// `limit` requests per `period_secs` (at least 1 s) per client, at most
    /// [`MAX_CLIENTS`] clients tracked.
    pub fn new(limit: NonZeroU32, period_secs: u64, clock: Clock) -> RateLimiter {
        RateLimiter::with_max_clients(limit, period_secs, clock, MAX_CLIENTS)
    }

    /// As [`RateLimiter::new`], tracking at most `max_clients` (≥ 1) keys.
    pub fn with_max_clients(
        limit: NonZeroU32,
        period_secs: u64,
        clock: Clock,
        max_clients: usize,
    ) -> RateLimiter {
        let period = Duration::from_secs(period_secs.max(1));
        // At least 1 ns per request (a limit above 10^9 per second is
        // meaningless; the flags' ranges keep well below it).
        let interval = (period / limit.get()).max(Duration::from_nanos(1));
        let quota = match Quota::with_period(interval) {
            Some(q) => q.allow_burst(limit),
            None => Quota::per_second(limit),
        };
        let store = BoundedStore {
            map: HashMapStateStore::default(),
            cap: max_clients.max(1),
        };
        let gov: Gov = governor::RateLimiter::new(quota, store, GovClock(clock.clone()));
        let now = clock.now_ms();
        RateLimiter {
            gov,
            limit,
            interval,
            period_ms: i64::try_from(period.as_millis()).unwrap_or(i64::MAX),
            max_clients: max_clients.max(1),
            clock,
            last_sweep_ms: AtomicI64::new(now),
        }
    }

    /// Client keys currently tracked (the overflow key included).
    pub fn tracked_clients(&self) -> usize {
        self.gov.len()
    }

    /// Counts one request from `client`.
    pub fn check(&self, client: Option<IpAddr>) -> Decision {
        self.sweep();
        let key = ClientKey::of(client);
        let limit = self.limit.get();
        match self.gov.check_key(&key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let used = limit.saturating_sub(remaining);
                Decision {
                    allowed: true,
                    limit,
                    remaining,
                    reset_secs: ceil_secs(self.interval.saturating_mul(used)),
                    retry_after_secs: 0,
                }
            }
            Err(not_until) => {
                let now = governor::clock::Clock::now(&GovClock(self.clock.clone()));
                let wait = not_until.wait_time_from(now);
                let full = wait.saturating_add(self.interval.saturating_mul(limit - 1));
                Decision {
                    allowed: false,
                    limit,
                    remaining: 0,
                    reset_secs: ceil_secs(full),
                    retry_after_secs: ceil_secs(wait),
                }
            }
        }
    }

    /// Drops the keys whose budget is full again: once per period, and at
    /// most once a second while the table is full.
    fn sweep(&self) {
        let now = self.clock.now_ms();
        let last = self.last_sweep_ms.load(Ordering::Relaxed);
        let since = now.saturating_sub(last);
        let due = since >= self.period_ms || (since >= 1_000 && self.gov.len() >= self.max_clients);
        if due
            && self
                .last_sweep_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.gov.retain_recent();
            self.gov.shrink_to_fit();
        }
    }
}

/// Whole seconds, rounded up, at least 1.
fn ceil_secs(d: Duration) -> u64 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    s.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(limit: u32, period: u64, max_clients: usize) -> (RateLimiter, Clock) {
        let clock = Clock::manual(1_700_000_000_000);
        let rl = RateLimiter::with_max_clients(
            NonZeroU32::new(limit).unwrap(),
            period,
            clock.clone(),
            max_clients,
        );
        (rl, clock)
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn a_burst_across_a_window_edge_passes_at_most_the_limit() {
        // The old fixed window let 10 of 12 through here (5 just before a
        // minute boundary, 5 just after it).
        let (rl, clock) = limiter(5, 60, 16);
        clock.advance_ms(59_000);
        let mut passed = 0;
        for _ in 0..6 {
            passed += u32::from(rl.check(ip("10.0.0.1")).allowed);
        }
        clock.advance_ms(2_000); // across the :00 a fixed window would reset at
        for _ in 0..6 {
            passed += u32::from(rl.check(ip("10.0.0.1")).allowed);
        }
        assert_eq!(passed, 5);
        // One request comes back every 12 s.
        clock.advance_ms(10_000);
        assert!(rl.check(ip("10.0.0.1")).allowed);
        assert!(!rl.check(ip("10.0.0.1")).allowed);
    }

    #[test]
    fn over_any_interval_at_most_limit_plus_refills_pass() {
        let (rl, clock) = limiter(5, 60, 16);
        // One request every second for 5 minutes.
        let mut allowed_at = Vec::new();
        for s in 0..300i64 {
            if rl.check(ip("10.0.0.2")).allowed {
                allowed_at.push(s);
            }
            clock.advance_ms(1_000);
        }
        for (i, &start) in allowed_at.iter().enumerate() {
            for window in [1i64, 12, 60, 120] {
                let n = allowed_at[i..]
                    .iter()
                    .take_while(|&&t| t < start + window)
                    .count() as i64;
                assert!(n <= 5 + window / 12, "{n} in {window}s from {start}");
            }
        }
        // Long-run rate: 5 per 60 s after the first burst.
        assert_eq!(allowed_at.len(), 5 + 295 / 12);
    }

    #[test]
    fn headers_at_the_limit_and_past_it() {
        let (rl, _clock) = limiter(3, 30, 16);
        let d: Vec<Decision> = (0..4).map(|_| rl.check(ip("10.0.0.3"))).collect();
        assert_eq!(
            d.iter()
                .map(|d| (d.allowed, d.remaining, d.reset_secs))
                .collect::<Vec<_>>(),
            [(true, 2, 10), (true, 1, 20), (true, 0, 30), (false, 0, 30)]
        );
        assert_eq!(d[3].retry_after_secs, 10);
        assert_eq!(d[3].limit, 3);
    }

    #[test]
    fn clients_are_separate_and_ipv6_counts_per_64() {
        let (rl, _clock) = limiter(1, 60, 16);
        assert!(rl.check(ip("10.0.0.1")).allowed);
        assert!(rl.check(ip("10.0.0.2")).allowed);
        assert!(!rl.check(ip("10.0.0.1")).allowed);
        assert!(rl.check(ip("2001:db8:0:1::1")).allowed);
        assert!(!rl.check(ip("2001:db8:0:1::2")).allowed);
        assert!(rl.check(ip("2001:db8:0:2::1")).allowed);
    }

    #[test]
    fn the_table_is_bounded_and_shrinks_back() {
        let (rl, clock) = limiter(1, 10, 3);
        // At the cap: three clients tracked.
        for c in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
            assert!(rl.check(ip(c)).allowed);
        }
        assert_eq!(rl.tracked_clients(), 3);
        // Past it: newcomers share one overflow budget.
        assert!(rl.check(ip("10.0.0.4")).allowed);
        assert!(!rl.check(ip("10.0.0.5")).allowed);
        assert_eq!(rl.tracked_clients(), 4); // 3 + the overflow key
        // Tracked clients keep their own budget.
        assert!(!rl.check(ip("10.0.0.1")).allowed);
        // Once their budgets are full again the keys are dropped.
        clock.advance_ms(20_000);
        assert!(rl.check(ip("10.0.0.6")).allowed);
        assert_eq!(rl.tracked_clients(), 1);
    }
}
