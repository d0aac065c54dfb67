//! [`Budget`]: how long a query may run, checked while it visits rows and
//! values, so that an expensive filter (a wildcard tested on every member of
//! a million conversations) ends at its deadline instead of holding the
//! store and a thread for as long as it takes.
//!
//! The clock is read once every [`CHECK_EVERY`] visits, and at the first
//! one: a query that visits no row or value (one answered from an index
//! alone) never reads it. Once the deadline has passed, every later visit
//! is refused at the cost of one branch, the loop it is in runs out
//! without doing its work, and the query reports
//! [`StoreError::TimedOut`](crate::StoreError::TimedOut): its partial result
//! is never used.

use std::cell::Cell;
use std::time::Instant;

/// Rows or values visited between two readings of the clock.
pub(crate) const CHECK_EVERY: u32 = 1024;

/// A query's deadline and the visits left before the clock is read again.
#[derive(Debug)]
pub(crate) struct Budget {
    deadline: Option<Instant>,
    /// Visits before the next reading of the clock.
    left: Cell<u32>,
    /// The deadline has passed: every visit is refused.
    spent: Cell<bool>,
}

impl Budget {
    /// A budget ending at `deadline`; `None` never ends.
    pub(crate) fn until(deadline: Option<Instant>) -> Budget {
        Budget {
            deadline,
            // The first visit reads the clock: a query that waited past its
            // deadline (for the store's lock) stops at once.
            left: Cell::new(0),
            spent: Cell::new(false),
        }
    }

    /// A budget that never ends.
    pub(crate) fn unlimited() -> Budget {
        Budget::until(None)
    }

    /// Accounts for one visit; `false` once the deadline has passed (the
    /// visit should not do its work).
    #[inline]
    pub(crate) fn visit(&self) -> bool {
        let Some(deadline) = self.deadline else {
            return true;
        };
        match self.left.get() {
            0 => self.read_clock(deadline),
            left => {
                self.left.set(left - 1);
                true
            }
        }
    }

    #[cold]
    fn read_clock(&self, deadline: Instant) -> bool {
        if self.spent.get() || Instant::now() >= deadline {
            self.spent.set(true);
            return false;
        }
        self.left.set(CHECK_EVERY - 1);
        true
    }

    /// Whether the deadline passed during a visit (the result is partial).
    pub(crate) fn is_spent(&self) -> bool {
        self.spent.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_unlimited_budget_never_ends() {
        let b = Budget::unlimited();
        assert!((0..10 * CHECK_EVERY).all(|_| b.visit()));
        assert!(!b.is_spent());
    }

    #[test]
    fn a_passed_deadline_refuses_the_first_visit_and_every_later_one() {
        let b = Budget::until(Some(Instant::now()));
        assert!(!b.visit());
        assert!(b.is_spent());
        assert!((0..2 * CHECK_EVERY).all(|_| !b.visit()));
    }

    #[test]
    fn a_distant_deadline_lets_every_visit_through() {
        let b = Budget::until(Some(Instant::now() + Duration::from_secs(3600)));
        assert!((0..3 * CHECK_EVERY).all(|_| b.visit()));
        assert!(!b.is_spent());
    }
}
