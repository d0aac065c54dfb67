//! [`Track`]: what one connection is doing, written by its I/O gate and its
//! service, read by its supervisor (to compute the next deadline) and by the
//! accept loop (to pick an idle connection to close at the cap).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::Notify;

use super::ServeOptions;

/// The shared state of one connection.
#[derive(Debug)]
pub(crate) struct Track {
    /// Wakes the connection's supervisor for what needs action at once
    /// (eviction, shutdown, a refused head or lost framing, and then the
    /// flush that lets it close). Deadlines need no wake-up: every deadline
    /// lies at least the shorter timeout after the moment it is set, and
    /// the supervisor looks again at least that often
    /// ([`Track::next_check`]).
    pub(crate) changed: Notify,
    /// Wakes the accept loop (a connection closed or became idle).
    pub(crate) registry_changed: Arc<Notify>,
    accepted: Instant,
    /// Request heads the gate handed to hyper (hyper may hold some,
    /// pipelined, before it calls the service for them).
    passed: AtomicU64,
    /// Responses whose bodies ended (or were dropped), written or not.
    ended: AtomicU64,
    /// `ended` as of the last flush that counted.
    flushed_upto: AtomicU64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Requests hyper passed to the service.
    started: u64,
    /// Responses written out: ended, then flushed to the socket.
    finished: u64,
    /// First byte of a head not yet complete.
    head_since: Option<Instant>,
    /// When the service first waited for body bytes that had not arrived.
    body_since: Option<Instant>,
    /// When a write was first refused (the client takes no bytes).
    write_blocked: Option<Instant>,
    /// When the last request finished (or the connection was accepted).
    idle_since: Instant,
    /// A head is being answered by the gate; the connection ends after it.
    rejected: bool,
    /// The gate lost the framing: hyper reads end of input, answers the
    /// request in progress and closes.
    framing_lost: bool,
    evicted: bool,
    shutting_down: bool,
}

/// Why a connection's time ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expired {
    /// No (complete) request head within the read timeout.
    Head,
    /// A request body too slow.
    Body,
    /// The client took no response bytes for the read timeout.
    Write,
    /// Keep-alive idle timeout.
    Idle,
}

impl Track {
    pub(crate) fn new(registry_changed: Arc<Notify>) -> Track {
        let now = Instant::now();
        Track {
            changed: Notify::new(),
            registry_changed,
            accepted: now,
            passed: AtomicU64::new(0),
            ended: AtomicU64::new(0),
            flushed_upto: AtomicU64::new(0),
            state: Mutex::new(State {
                started: 0,
                finished: 0,
                head_since: None,
                body_since: None,
                write_blocked: None,
                idle_since: now,
                rejected: false,
                framing_lost: false,
                evicted: false,
                shutting_down: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The first byte of a new head arrived.
    pub(crate) fn head_started(&self) {
        let mut s = self.lock();
        if s.head_since.is_none() {
            s.head_since = Some(Instant::now());
        }
    }

    /// The gate handed hyper a complete head.
    pub(crate) fn head_passed(&self) {
        self.passed.fetch_add(1, Ordering::Relaxed);
    }

    /// hyper called the service: a request is in progress.
    pub(crate) fn request_started(&self) {
        let mut s = self.lock();
        s.started += 1;
        s.head_since = None;
        s.body_since = None;
    }

    /// The service waits for body bytes that have not arrived.
    pub(crate) fn body_waiting(&self) {
        let mut s = self.lock();
        if s.body_since.is_none() {
            s.body_since = Some(Instant::now());
        }
    }

    /// The request body was read to its end.
    pub(crate) fn body_done(&self) {
        self.lock().body_since = None;
    }

    /// A response's body ended or was dropped; its last bytes may still
    /// sit in hyper's write buffer (see [`Track::flushed`]).
    pub(crate) fn response_ended(&self) {
        self.ended.fetch_add(1, Ordering::Relaxed);
    }

    /// hyper's write buffer is empty and flushed: every response that
    /// ended is written. The connection is idle if no request is left.
    pub(crate) fn flushed(&self) {
        // hyper flushes often; only a flush after a response ended counts.
        let ended = self.ended.load(Ordering::Relaxed);
        if self.flushed_upto.swap(ended, Ordering::Relaxed) == ended {
            return;
        }
        let mut s = self.lock();
        s.finished = ended;
        if s.finished >= s.started {
            s.idle_since = Instant::now();
            let act = s.rejected || s.framing_lost || s.shutting_down;
            drop(s);
            if act {
                self.changed.notify_one();
            }
            self.registry_changed.notify_one();
        }
    }

    /// A write was refused for now.
    pub(crate) fn write_blocked(&self) {
        let mut s = self.lock();
        if s.write_blocked.is_none() {
            s.write_blocked = Some(Instant::now());
        }
    }

    /// A write took bytes.
    pub(crate) fn write_progressed(&self) {
        self.lock().write_blocked = None;
    }

    /// The gate answers a bad head; the connection ends after that.
    pub(crate) fn reject(&self) {
        let mut s = self.lock();
        s.rejected = true;
        s.head_since = None;
        drop(s);
        self.changed.notify_one();
    }

    /// The gate lost the framing; the connection ends after the request
    /// in progress.
    pub(crate) fn framing_lost(&self) {
        self.lock().framing_lost = true;
        self.changed.notify_one();
    }

    /// Closes the connection at once (the accept loop needs its slot).
    pub(crate) fn evict(&self) {
        self.lock().evicted = true;
        self.changed.notify_one();
    }

    /// The server is shutting down: finish in-flight requests, then close.
    pub(crate) fn shut_down(&self) {
        self.lock().shutting_down = true;
        self.changed.notify_one();
    }

    pub(crate) fn is_evicted(&self) -> bool {
        self.lock().evicted
    }

    /// Whether a request is in progress (a head passed and its response not
    /// yet written): a connection evicted while idle may have received one
    /// since, which is then answered before the connection closes.
    pub(crate) fn in_progress(&self) -> bool {
        let passed = self.passed.load(Ordering::Relaxed);
        let s = self.lock();
        s.started.max(passed) > s.finished || s.write_blocked.is_some()
    }

    /// Whether hyper should be told to close once idle: at shutdown, or
    /// after a refused head (or lost framing) once every head passed before
    /// it is answered (told earlier, hyper would drop the pipelined
    /// requests it holds).
    pub(crate) fn wants_close(&self) -> bool {
        let passed = self.passed.load(Ordering::Relaxed);
        let s = self.lock();
        s.shutting_down || ((s.rejected || s.framing_lost) && s.started.max(passed) <= s.finished)
    }

    /// `Some(since)` if no request is in progress (idle keep-alive, or no or
    /// part of a head received): such a connection may be closed at the cap.
    /// A head the gate passed that hyper has not yet handed to the routes
    /// (pipelined behind a response being written) counts as in progress.
    pub(crate) fn idle_since(&self) -> Option<Instant> {
        let passed = self.passed.load(Ordering::Relaxed);
        let s = self.lock();
        let idle = s.started.max(passed) <= s.finished
            && !s.rejected
            && !s.framing_lost
            && !s.evicted
            && s.write_blocked.is_none();
        idle.then_some(s.idle_since)
    }

    /// When the supervisor must look again at the latest, given the
    /// deadline it found: deadlines set later are at least the shorter
    /// timeout away from when they are set.
    pub(crate) fn next_check(
        now: Instant,
        deadline: Option<(Instant, Expired)>,
        o: &ServeOptions,
    ) -> Instant {
        let soonest = now + o.read_timeout.min(o.idle_timeout).min(o.write_timeout);
        deadline.map_or(soonest, |(at, _)| at.min(soonest))
    }

    /// The next deadline and what it is for.
    pub(crate) fn deadline(&self, o: &ServeOptions) -> Option<(Instant, Expired)> {
        let passed = self.passed.load(Ordering::Relaxed);
        let s = self.lock();
        let mut best: Option<(Instant, Expired)> = None;
        let mut consider = |at: Instant, why: Expired| {
            if best.is_none_or(|(b, _)| at < b) {
                best = Some((at, why));
            }
        };
        if let Some(t) = s.write_blocked {
            consider(t + o.write_timeout, Expired::Write);
        }
        if s.rejected {
            return best;
        }
        if s.started > s.finished {
            if let Some(t) = s.body_since {
                consider(t + o.read_timeout, Expired::Body);
            }
        } else if passed > s.finished {
            // A passed head hyper has not handed on yet: it does so as soon
            // as the response before it is written; bounded all the same.
            consider(s.idle_since + o.read_timeout, Expired::Head);
        } else if s.started == 0 {
            consider(self.accepted + o.read_timeout, Expired::Head);
        } else if let Some(t) = s.head_since {
            consider(t + o.read_timeout, Expired::Head);
        } else {
            consider(s.idle_since + o.idle_timeout, Expired::Idle);
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn deadlines_follow_the_request_cycle() {
        let o = ServeOptions::default();
        let t = Track::new(Arc::new(Notify::new()));
        assert_eq!(t.deadline(&o).map(|d| d.1), Some(Expired::Head));
        assert!(t.idle_since().is_some());
        t.head_started();
        t.head_passed();
        assert!(t.idle_since().is_none(), "a passed head is in progress");
        t.request_started();
        assert_eq!(t.deadline(&o), None);
        assert!(t.idle_since().is_none());
        t.body_waiting();
        assert_eq!(t.deadline(&o).map(|d| d.1), Some(Expired::Body));
        t.body_done();
        t.write_blocked();
        assert_eq!(t.deadline(&o).map(|d| d.1), Some(Expired::Write));
        t.write_progressed();
        t.response_ended();
        assert!(t.idle_since().is_none(), "not idle before the flush");
        assert_eq!(t.deadline(&o), None);
        t.flushed();
        let (at, why) = t.deadline(&o).unwrap();
        assert_eq!(why, Expired::Idle);
        assert!(at > Instant::now() + Duration::from_secs(59));
        t.head_started();
        assert_eq!(t.deadline(&o).map(|d| d.1), Some(Expired::Head));
        t.reject();
        assert_eq!(t.deadline(&o), None);
        assert!(t.wants_close() && t.idle_since().is_none());
    }

    #[test]
    fn an_evicted_connection_knows_whether_a_request_arrived_since() {
        let t = Track::new(Arc::new(Notify::new()));
        t.evict();
        assert!(t.idle_since().is_none(), "evicted: never chosen again");
        assert!(!t.in_progress(), "nothing arrived: closed at once");
        t.head_started();
        assert!(!t.in_progress(), "part of a head is no request yet");
        t.head_passed();
        assert!(t.in_progress(), "answered first, then closed");
        t.request_started();
        t.response_ended();
        t.flushed();
        assert!(!t.in_progress());
    }
}
