//! The write-ahead journal of the in-memory store (`--data-dir DIR`,
//! `api.md` §2.6b): every write of the Symbl family is a checksummed,
//! versioned [`Record`] appended to a segment and made durable before the
//! write is acknowledged; snapshots of the whole store let the segments
//! behind them go; start-up is the newest snapshot plus the segments after
//! it. The format, the recovery rules and the limits are in
//! `docs/journal.md`.
//!
//! Files in `DIR`: `LOCK` (held while a process uses the directory),
//! `NNNNNNNN.wal` (segments, numbered from 1), `NNNNNNNN.snap` (the store as
//! of the start of segment `NNNNNNNN`), `NNNNNNNN.snap.tmp` (a snapshot
//! being written; deleted at start-up).
//!
//! Group commit: writers append (one `write(2)` each, in the order they
//! apply) and then wait; one syncer thread `fdatasync`s the segment for
//! every write appended so far, so concurrent writers share one sync.
//!
//! ```
//! use store::journal::{Journal, JournalOptions, Record};
//!
//! let dir = std::env::temp_dir().join(format!("journal-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! let id = store::generate::conversation(1, 0).id;
//! {
//!     let (journal, recovered) = Journal::open(&dir, JournalOptions::default())?;
//!     assert!(recovered.report.is_fresh());
//!     journal.seed(&store::generate::store(1, 3), Vec::new())?;
//!     let ticket = journal.append(&Record::Delete { id: id.clone() })?;
//!     rt.block_on(journal.wait_durable(&ticket))?;
//! }
//! let (_journal, recovered) = Journal::open(&dir, JournalOptions::default())?;
//! assert_eq!(recovered.report.records, 1);
//! assert_eq!(recovered.store.len(), 2);
//! assert!(!recovered.store.contains(&id));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod fingerprint;
mod frame;
mod record;
mod recover;
mod seed;
mod segment;
mod snapshot;

pub use error::JournalError;
pub use fingerprint::{LoadMark, demo_fingerprint, file_fingerprint, recorded_without_year};
pub use record::{ConvRec, MemberRec, MsgRec, RECORD_VERSION, Record};
pub use recover::{Recovery, RecoveryReport};
pub use seed::{SeedMismatch, SeedPlan, plan_seed};
pub use segment::TornTail;
pub use snapshot::SnapshotStats;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::Store;

/// Largest frame payload in bytes (16 MiB): one record (a request body is
/// at most 1 MiB) or one batch of snapshot items (256 KiB).
pub const MAX_FRAME: usize = 16 << 20;

/// Default size at which a segment is closed and the next one begun.
pub const DEFAULT_SEGMENT_BYTES: u64 = 64 << 20;

/// Default journal bytes written since the last snapshot that start a new
/// snapshot in the background.
pub const DEFAULT_SNAPSHOT_AFTER_BYTES: u64 = 256 << 20;

/// Sizes that decide when segments roll over and snapshots are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JournalOptions {
    /// A segment that would grow past this many bytes is closed (fsynced)
    /// and the record goes to a new one ([`DEFAULT_SEGMENT_BYTES`]).
    pub segment_bytes: u64,
    /// After this many journal bytes since the last snapshot, the next
    /// write starts a snapshot in the background
    /// ([`DEFAULT_SNAPSHOT_AFTER_BYTES`]).
    pub snapshot_after_bytes: u64,
}

impl Default for JournalOptions {
    fn default() -> JournalOptions {
        JournalOptions {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            snapshot_after_bytes: DEFAULT_SNAPSHOT_AFTER_BYTES,
        }
    }
}

/// An open journal directory. Dropping it stops the syncer thread (after
/// it has synced what was appended) and releases `DIR/LOCK`.
#[derive(Debug)]
pub struct Journal {
    shared: Arc<Shared>,
    syncer: Option<std::thread::JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    opts: JournalOptions,
    inner: Mutex<Inner>,
    /// Wakes the syncer when something was appended (or on stop).
    wake: Condvar,
    durable: tokio::sync::watch::Sender<Durable>,
    snapshotting: AtomicBool,
    /// Held while a snapshot is taken: one at a time.
    snapshot_lock: Mutex<()>,
    /// fdatasync calls made for appended records (group commit: fewer than
    /// the records when writers overlap).
    syncs: AtomicU64,
    /// Held (locked) while the journal is open.
    _lock: File,
}

#[derive(Debug)]
struct Inner {
    /// The segment appended to (opened in append mode).
    file: Arc<File>,
    number: u64,
    len: u64,
    /// Length of the segment's header (a segment holding only it is not
    /// rolled over: a record larger than the segment size gets one alone).
    header_len: u64,
    /// Records appended since open (the last one's sequence number).
    appended: u64,
    /// The sequence number the syncer last started a sync for.
    sync_started: u64,
    since_snapshot: u64,
    failed: Option<String>,
    loads: Vec<LoadMark>,
    stop: bool,
}

/// What is durable: every record up to `upto`; or the journal failed.
#[derive(Clone, Debug, Default)]
struct Durable {
    upto: u64,
    failed: Option<String>,
}

/// A record appended but perhaps not yet durable; see
/// [`Journal::wait_durable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a write is acknowledged only after wait_durable"]
pub struct Ticket {
    seq: u64,
    /// Enough was written since the last snapshot: the caller should start
    /// one ([`Journal::snapshot_from`]) once it has released the store.
    pub snapshot_due: bool,
}

impl Journal {
    /// Opens (creating it if missing) the journal directory `dir`: takes
    /// `DIR/LOCK`, recovers the store from the newest snapshot and the
    /// segments after it (cutting a torn tail off the newest segment), and
    /// opens the newest segment for appending. Damage anywhere else is
    /// [`JournalError::Damaged`] naming the file and offset.
    pub fn open(
        dir: impl AsRef<Path>,
        opts: JournalOptions,
    ) -> Result<(Journal, Recovery), JournalError> {
        recover::open(dir.as_ref(), opts)
    }

    fn start(shared: Shared) -> Result<Journal, JournalError> {
        let shared = Arc::new(shared);
        let for_thread = Arc::clone(&shared);
        let syncer = std::thread::Builder::new()
            .name("journal-sync".to_owned())
            .spawn(move || for_thread.sync_loop())
            .map_err(|e| JournalError::io("start the syncer thread for", &shared.dir, e))?;
        Ok(Journal {
            shared,
            syncer: Some(syncer),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// Why the journal refuses writes until a restart (a failed fsync, or a
    /// partial write it could not truncate away), if it does.
    /// Read from the durability channel, not under the journal's lock: a
    /// readiness probe does not wait out a segment switch's fsyncs.
    pub fn failure(&self) -> Option<JournalError> {
        self.shared
            .durable
            .borrow()
            .failed
            .as_ref()
            .map(|reason| JournalError::Failed {
                reason: reason.clone(),
            })
    }

    /// How many `fdatasync`s have made records durable since open (one per
    /// group of overlapping writes, and one per closed segment).
    pub fn syncs(&self) -> u64 {
        self.shared.syncs.load(Ordering::Relaxed)
    }

    /// The loads (fingerprints) the journal's data came from.
    pub fn loads(&self) -> Vec<LoadMark> {
        self.shared.lock().loads.clone()
    }

    /// Appends `record` to the current segment with one `write(2)`, after
    /// closing the segment and opening the next when it would grow past
    /// [`JournalOptions::segment_bytes`]. On an error nothing of the record
    /// stays in the segment (a partial write is truncated away; if even that
    /// fails, the journal refuses every further write). Call it in the order
    /// the writes apply (under the store's write lock), before applying.
    pub fn append(&self, record: &Record) -> Result<Ticket, JournalError> {
        let payload = record.encode()?;
        let mut bytes = Vec::with_capacity(payload.len() + frame::HEADER as usize);
        frame::encode(&payload, &mut bytes)?;
        let shared = &*self.shared;
        let mut inner = shared.lock();
        if let Some(reason) = &inner.failed {
            return Err(JournalError::Failed {
                reason: reason.clone(),
            });
        }
        if inner.len + bytes.len() as u64 > shared.opts.segment_bytes
            && inner.len > inner.header_len
        {
            shared.rotate(&mut inner)?;
        }
        let path = segment::path(&shared.dir, inner.number);
        if let Err(e) = (&*inner.file).write_all(&bytes) {
            if let Err(t) = inner.file.set_len(inner.len) {
                let reason = format!(
                    "write to {} failed ({e}) and truncating the partial record failed ({t})",
                    path.display()
                );
                shared.fail(&mut inner, reason);
            }
            return Err(JournalError::io("write", &path, e));
        }
        inner.len += bytes.len() as u64;
        inner.appended += 1;
        inner.since_snapshot += bytes.len() as u64;
        let snapshot_due = inner.since_snapshot >= shared.opts.snapshot_after_bytes
            && !shared.snapshotting.swap(true, Ordering::AcqRel);
        let seq = inner.appended;
        drop(inner);
        shared.wake.notify_one();
        Ok(Ticket { seq, snapshot_due })
    }

    /// Resolves when the record of `ticket` is on disk (fsynced), or with
    /// [`JournalError::Failed`] when a sync failed. Owns what it needs, so
    /// it may be awaited after the store's lock is released.
    pub fn wait_durable(
        &self,
        ticket: &Ticket,
    ) -> impl Future<Output = Result<(), JournalError>> + Send + 'static {
        let mut rx = self.shared.durable.subscribe();
        let seq = ticket.seq;
        async move {
            let d = rx
                .wait_for(|d| d.upto >= seq || d.failed.is_some())
                .await
                .map_err(|_| JournalError::Failed {
                    reason: "the journal was closed".to_owned(),
                })?;
            match &d.failed {
                _ if d.upto >= seq => Ok(()),
                Some(reason) => Err(JournalError::Failed {
                    reason: reason.clone(),
                }),
                None => Ok(()),
            }
        }
    }

    /// Makes `store` the journal's whole content, from the loads `loads`:
    /// writes it as a snapshot (synchronously) and drops every segment and
    /// snapshot before it. For seeding an empty directory and for
    /// `--replace-data`.
    pub fn seed(&self, store: &Store, loads: Vec<LoadMark>) -> Result<SnapshotStats, JournalError> {
        let _one_at_a_time = self.shared.snapshot_lock.lock();
        let next = {
            let mut inner = self.shared.lock();
            inner.loads = loads;
            let next = self.shared.rotate(&mut inner)?;
            inner.since_snapshot = 0;
            next
        };
        self.write_snapshot(next, store)
    }

    /// Takes a snapshot of the store behind `symbl` (blocking: call it from
    /// a thread of its own, not an async task): under a read lock, closes
    /// the current segment and copies what the snapshot reads of the store
    /// (its rows and messages, not its indexes; a writer waits that long,
    /// and so do the readers that come after it, the lock being fair); then,
    /// without any lock, writes the copy and drops the segments it covers.
    /// Clears the "snapshot running" mark that [`Ticket::snapshot_due`] set,
    /// also when it panics.
    pub fn snapshot_from(
        &self,
        symbl: &tokio::sync::RwLock<Store>,
    ) -> Result<SnapshotStats, JournalError> {
        // Cleared however this ends, a panic included: otherwise no
        // snapshot would ever come due again.
        let _running = ClearOnDrop(&self.shared.snapshotting);
        let one_at_a_time = self.shared.snapshot_lock.lock();
        let result = (|| {
            let (next, copy) = {
                let store = symbl.blocking_read();
                let next = {
                    let mut inner = self.shared.lock();
                    let next = self.shared.rotate(&mut inner)?;
                    // The snapshot covers everything before `next`: the
                    // count starts again from here.
                    inner.since_snapshot = 0;
                    next
                };
                (next, store.snapshot_copy())
            };
            self.write_snapshot(next, &copy)
        })();
        if result.is_err() {
            // Try again only after as much journal again.
            self.shared.lock().since_snapshot = 0;
        }
        drop(one_at_a_time);
        result
    }

    /// Clears the mark [`Ticket::snapshot_due`] set, when the caller could
    /// not start the snapshot (the next write past the threshold asks again).
    pub fn snapshot_not_started(&self) {
        self.shared.snapshotting.store(false, Ordering::Release);
    }

    /// Writes the snapshot `next` of `store`, then removes every segment
    /// and snapshot before `next`.
    fn write_snapshot(&self, next: u64, store: &Store) -> Result<SnapshotStats, JournalError> {
        let loads = self.loads();
        let stats = snapshot::write(&self.shared.dir, next, &loads, store)?;
        let listing = segment::list(&self.shared.dir)?;
        let dir = &self.shared.dir;
        let old_wals = listing.wals.iter().filter(|&&n| n < next);
        let old_snaps = listing.snaps.iter().filter(|&&n| n < next);
        let covered = old_wals
            .map(|&n| segment::path(dir, n))
            .chain(old_snaps.map(|&n| snapshot::path(dir, n)));
        for p in covered {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(JournalError::io("remove", &p, e)),
            }
        }
        sync_dir(dir)?;
        Ok(stats)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.syncer.take() {
            let _ = t.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain numbers behind, and
        // the file state is checked by `failed`; go on with them.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks the journal failed: every later append and wait is refused.
    fn fail(&self, inner: &mut Inner, reason: String) {
        tracing::error!(dir = %self.dir.display(), "journal: {reason}; refusing writes until restart");
        inner.failed = Some(reason.clone());
        self.durable.send_modify(|d| d.failed = Some(reason));
    }

    /// Closes the current segment (fsync: everything appended is durable)
    /// and opens the next; returns its number. A failed fsync fails the
    /// journal; a failed creation leaves the current segment in use.
    fn rotate(&self, inner: &mut Inner) -> Result<u64, JournalError> {
        if let Some(reason) = &inner.failed {
            return Err(JournalError::Failed {
                reason: reason.clone(),
            });
        }
        let old = segment::path(&self.dir, inner.number);
        self.syncs.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = sync_data(&self.dir, &inner.file) {
            let reason = format!("fsync {}: {e}", old.display());
            self.fail(inner, reason);
            return Err(JournalError::io("fsync", &old, e));
        }
        let upto = inner.appended;
        self.durable.send_modify(|d| d.upto = d.upto.max(upto));
        let next = inner.number + 1;
        let (file, len) = create_segment(&self.dir, next)?;
        inner.file = Arc::new(file);
        inner.number = next;
        inner.len = len;
        inner.header_len = len;
        Ok(next)
    }

    /// The syncer: while records wait, one `fdatasync` for all of them.
    fn sync_loop(&self) {
        loop {
            let (target, file, number) = {
                let mut inner = self.lock();
                while !inner.stop && inner.sync_started >= inner.appended {
                    inner = self
                        .wake
                        .wait(inner)
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                }
                if inner.sync_started >= inner.appended || inner.failed.is_some() {
                    return;
                }
                inner.sync_started = inner.appended;
                (inner.appended, Arc::clone(&inner.file), inner.number)
            };
            self.syncs.fetch_add(1, Ordering::Relaxed);
            match sync_data(&self.dir, &file) {
                Ok(()) => self.durable.send_modify(|d| d.upto = d.upto.max(target)),
                Err(e) => {
                    let reason =
                        format!("fsync {}: {e}", segment::path(&self.dir, number).display());
                    let mut inner = self.lock();
                    self.fail(&mut inner, reason);
                    return;
                }
            }
        }
    }
}

/// `file.sync_data()` (fdatasync) of a segment in `dir`. With the
/// `failpoints` feature, the failpoint `journal::fsync` configured as
/// `return(DIR)` makes it fail with an I/O error for the journal in `DIR`
/// (`return` alone: every journal), which is how the tests reach the
/// failed-fsync path (no disk here fails on demand).
#[cfg_attr(not(feature = "failpoints"), allow(unused_variables))]
fn sync_data(dir: &Path, file: &File) -> std::io::Result<()> {
    #[cfg(feature = "failpoints")]
    fail::fail_point!("journal::fsync", |only: Option<String>| {
        if only.is_none_or(|d| Path::new(&d) == dir) {
            Err(std::io::Error::other(
                "injected by the failpoint journal::fsync",
            ))
        } else {
            file.sync_data()
        }
    });
    file.sync_data()
}

/// Creates segment `number` (it must not exist) with its header, fsynced
/// with the directory; returns it open for appending and its length.
fn create_segment(dir: &Path, number: u64) -> Result<(File, u64), JournalError> {
    let path = segment::path(dir, number);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| JournalError::io("create", &path, e))?;
    let written = write_header(&mut file, &path, number).and_then(|len| {
        file.sync_all()
            .map_err(|e| JournalError::io("fsync", &path, e))?;
        sync_dir(dir)?;
        Ok(len)
    });
    match written {
        Ok(len) => Ok((file, len)),
        Err(e) => {
            drop(file);
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// Writes segment `number`'s header frame; returns its length.
fn write_header(file: &mut File, path: &Path, number: u64) -> Result<u64, JournalError> {
    let mut bytes = Vec::new();
    frame::encode(&segment::header(number)?, &mut bytes)?;
    file.write_all(&bytes)
        .map_err(|e| JournalError::io("write", path, e))?;
    Ok(bytes.len() as u64)
}

/// fsyncs a directory (so a created, renamed or removed entry is durable).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| JournalError::io("fsync", dir, e))
}

/// Clears a flag when dropped.
struct ClearOnDrop<'a>(&'a AtomicBool);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
