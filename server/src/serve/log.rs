//! Logging of client-caused connection events (bad heads, timeouts, resets,
//! evictions) and accept errors, so that thousands of bad sockets cannot fill
//! the log: each event is logged at `debug`, and at most one `warn` line per
//! [`SUMMARY_EVERY`] counts the events since the previous one.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Shortest time between two summary lines.
pub const SUMMARY_EVERY: Duration = Duration::from_secs(10);

static CLIENT_EVENTS: AtomicU64 = AtomicU64::new(0);
static LAST_SUMMARY: Mutex<Option<Instant>> = Mutex::new(None);

/// Client-caused connection events since start-up (for tests and figures).
///
/// ```
/// let before = server::serve::client_events();
/// assert!(server::serve::client_events() >= before);
/// ```
pub fn client_events() -> u64 {
    CLIENT_EVENTS.load(Ordering::Relaxed)
}

/// Records one client-caused event: `debug` always, `warn` summary at most
/// once per [`SUMMARY_EVERY`].
pub(crate) fn client_error(what: &str, detail: &dyn std::fmt::Display) {
    let n = CLIENT_EVENTS.fetch_add(1, Ordering::Relaxed) + 1;
    tracing::debug!(detail = %detail, "{what}");
    let mut last = LAST_SUMMARY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let now = Instant::now();
    match *last {
        Some(t) if now.duration_since(t) < SUMMARY_EVERY => {}
        _ => {
            *last = Some(now);
            drop(last);
            tracing::warn!(
                total = n,
                last = what,
                "client connection errors (timeouts, bad heads, resets); details at debug level"
            );
        }
    }
}

/// Records a failed `accept` (e.g. out of file descriptors), rate-limited
/// like the client events, and says how long to back off.
pub(crate) fn accept_error(e: &std::io::Error, failures: u32) -> Duration {
    client_error("accept failed", e);
    // 10 ms, 20 ms, … up to 1 s while the failures go on.
    Duration::from_millis(10u64.saturating_mul(1 << failures.min(7)).min(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_failures_back_off_up_to_a_second() {
        let e = std::io::Error::other("too many open files");
        let waits: Vec<u128> = (0..10).map(|n| accept_error(&e, n).as_millis()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
        assert!(client_events() >= 10);
    }
}
