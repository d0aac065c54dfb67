//! A clock the tests can move: token expiry and the "later than now" checks of
//! the Symbl list read the time through it, never from `SystemTime` directly.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Wall-clock time in milliseconds since the Unix epoch.
///
/// ```
/// let clock = server::Clock::manual(1_000);
/// clock.advance_ms(500);
/// assert_eq!(clock.now_ms(), 1_500);
/// assert!(server::Clock::system().now_ms() > 1_600_000_000_000);
/// ```
#[derive(Clone, Debug)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at `now_ms` until moved.
    pub fn manual(now_ms: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(now_ms))))
    }

    /// Current time, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::Relaxed),
            None => chrono::Utc::now().timestamp_millis(),
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance_ms(&self, ms: i64) {
        if let Some(t) = &self.0 {
            t.fetch_add(ms, Ordering::Relaxed);
        }
    }
}
