//! [`Registry`]: the open connections, for the cap (`--max-connections`):
//! which one has been idle longest (closed first to make room) and a wake-up
//! for the accept loop when one closes or goes idle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::track::Track;

/// The open connections.
#[derive(Debug)]
pub(crate) struct Registry {
    conns: Mutex<HashMap<u64, Arc<Track>>>,
    next: Mutex<u64>,
    /// Notified when a connection closes or has no request in progress.
    pub(crate) changed: Arc<Notify>,
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry {
            conns: Mutex::new(HashMap::new()),
            next: Mutex::new(0),
            changed: Arc::new(Notify::new()),
        }
    }

    fn conns(&self) -> MutexGuard<'_, HashMap<u64, Arc<Track>>> {
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Open connections.
    pub(crate) fn len(&self) -> usize {
        self.conns().len()
    }

    /// Adds a connection; returns its id.
    pub(crate) fn insert(&self, track: Arc<Track>) -> u64 {
        let id = {
            let mut n = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            *n += 1;
            *n
        };
        self.conns().insert(id, track);
        id
    }

    /// Forgets a closed connection.
    pub(crate) fn remove(&self, id: u64) {
        self.conns().remove(&id);
        self.changed.notify_one();
    }

    /// Whether some connection has no request in progress.
    pub(crate) fn any_idle(&self) -> bool {
        self.conns().values().any(|t| t.idle_since().is_some())
    }

    /// Closes the connection idle the longest; `false` if every one is busy.
    pub(crate) fn evict_oldest_idle(&self) -> bool {
        let mut conns = self.conns();
        let oldest = conns
            .iter()
            .filter_map(|(id, t)| t.idle_since().map(|since| (since, *id)))
            .min();
        match oldest.and_then(|(_, id)| conns.remove(&id)) {
            Some(track) => {
                track.evict();
                true
            }
            None => false,
        }
    }

    /// Tells every connection the server is shutting down.
    pub(crate) fn shut_down_all(&self) {
        for t in self.conns().values() {
            t.shut_down();
        }
    }
}
