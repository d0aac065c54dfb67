//! Opening a journal directory: the newest snapshot, the segments after it
//! replayed in order, the torn tail of the newest segment cut off.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::error::JournalError;
use super::segment::{self, TornTail};
use super::snapshot::{self, SnapshotStats};
use super::{
    Durable, Inner, Journal, JournalOptions, Shared, create_segment, sync_dir, write_header,
};
use crate::Store;

/// What [`Journal::open`] recovered.
#[derive(Debug)]
pub struct Recovery {
    /// The store: the snapshot with every journaled write after it applied.
    pub store: Store,
    /// What happened, for the banner and the logs.
    pub report: RecoveryReport,
}

/// How a journal directory was recovered.
#[derive(Clone, Debug, Default)]
pub struct RecoveryReport {
    /// The directory.
    pub dir: PathBuf,
    /// The snapshot started from, and what it held.
    pub snapshot: Option<(PathBuf, SnapshotStats)>,
    /// Segments replayed.
    pub segments: usize,
    /// Records replayed.
    pub records: u64,
    /// Records whose write was refused when it was made and again on replay
    /// (the same error both times), with the reason.
    pub refused: Vec<String>,
    /// The torn tail cut off the newest segment.
    pub torn: Option<TornTail>,
    /// Files of an interrupted compaction or snapshot removed.
    pub removed: Vec<PathBuf>,
    /// Time spent reading the snapshot.
    pub snapshot_time: Duration,
    /// Time spent replaying the segments.
    pub replay_time: Duration,
}

impl RecoveryReport {
    /// Whether the directory held no data yet (no snapshot, no record).
    pub fn is_fresh(&self) -> bool {
        self.snapshot.is_none() && self.records == 0 && self.refused.is_empty()
    }

    /// Records replayed per second (0 when none).
    pub fn replay_rate(&self) -> f64 {
        let s = self.replay_time.as_secs_f64();
        if self.records == 0 || s == 0.0 {
            return 0.0;
        }
        self.records as f64 / s
    }

    /// Lines for the start-up banner and logs.
    ///
    /// ```
    /// let r = store::journal::RecoveryReport::default();
    /// assert!(r.lines()[0].contains("empty"));
    /// ```
    pub fn lines(&self) -> Vec<String> {
        let dir = self.dir.display();
        let mut out = Vec::new();
        if self.is_fresh() {
            out.push(format!("journal in {dir}: empty (a new data directory)"));
        } else {
            let from = match &self.snapshot {
                Some((p, s)) => format!(
                    "snapshot {} ({} conversations, {} messages, {} bytes, read in {} ms)",
                    p.display(),
                    s.conversations,
                    s.messages,
                    s.bytes,
                    self.snapshot_time.as_millis()
                ),
                None => "no snapshot".to_owned(),
            };
            out.push(format!(
                "journal in {dir}: {from} + {} records from {} segments replayed in {} ms",
                self.records,
                self.segments,
                self.replay_time.as_millis()
            ));
        }
        if let Some(t) = &self.torn {
            out.push(format!(
                "journal: cut a torn record off the end of {} at byte offset {} ({} bytes: {}); \
                 it was never acknowledged",
                t.path.display(),
                t.offset,
                t.bytes_cut,
                t.reason
            ));
        }
        for r in &self.refused {
            out.push(format!(
                "journal: a write refused when it was made, refused again: {r}"
            ));
        }
        for p in &self.removed {
            out.push(format!(
                "journal: removed {} (left by an interrupted snapshot or compaction)",
                p.display()
            ));
        }
        out
    }
}

/// Creates `dir` and its missing parents, each new directory's entry made
/// durable (its parent fsynced): otherwise a power loss soon after could
/// take a new data directory away with writes already acknowledged in it.
fn create_durably(dir: &Path) -> Result<(), JournalError> {
    let missing: Vec<&Path> = dir.ancestors().take_while(|p| !p.exists()).collect();
    std::fs::create_dir_all(dir).map_err(|e| JournalError::io("create", dir, e))?;
    for new in missing.iter().rev() {
        match new.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent)?,
            _ => sync_dir(Path::new("."))?,
        }
    }
    Ok(())
}

pub(super) fn open(dir: &Path, opts: JournalOptions) -> Result<(Journal, Recovery), JournalError> {
    create_durably(dir)?;
    let lock_path = dir.join("LOCK");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| JournalError::io("open", &lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(JournalError::Locked { path: lock_path });
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(JournalError::io("lock", &lock_path, e));
        }
    }
    let mut report = RecoveryReport {
        dir: dir.to_path_buf(),
        ..RecoveryReport::default()
    };
    let listing = segment::list(dir)?;
    for tmp in &listing.tmps {
        std::fs::remove_file(tmp).map_err(|e| JournalError::io("remove", tmp, e))?;
        report.removed.push(tmp.clone());
    }
    let started = Instant::now();
    let (mut store, loads, first) = match listing.snaps.last() {
        Some(&k) => {
            let path = snapshot::path(dir, k);
            let (store, header, stats) = snapshot::read(&path)?;
            if header.next_segment != k {
                return Err(JournalError::damaged(
                    &path,
                    0,
                    format!(
                        "the header says segment {}, the name says {k}",
                        header.next_segment
                    ),
                ));
            }
            report.snapshot = Some((path, stats));
            (store, header.loads, k)
        }
        None => (Store::new(), Vec::new(), 1),
    };
    report.snapshot_time = started.elapsed();
    // Covered by the snapshot: left by a compaction that was cut short.
    for &n in listing.wals.iter().filter(|&&n| n < first) {
        let p = segment::path(dir, n);
        std::fs::remove_file(&p).map_err(|e| JournalError::io("remove", &p, e))?;
        report.removed.push(p);
    }
    for &n in listing.snaps.iter().filter(|&&n| n < first) {
        let p = snapshot::path(dir, n);
        std::fs::remove_file(&p).map_err(|e| JournalError::io("remove", &p, e))?;
        report.removed.push(p);
    }
    if !report.removed.is_empty() {
        sync_dir(dir)?;
    }
    let segs: Vec<u64> = listing
        .wals
        .iter()
        .copied()
        .filter(|&n| n >= first)
        .collect();
    for (i, &n) in segs.iter().enumerate() {
        let want = first + i as u64;
        if n != want {
            return Err(JournalError::Missing {
                dir: dir.to_path_buf(),
                what: format!(
                    "segment {} is missing (found {} after it; the snapshot or segment before it is {})",
                    segment::path(dir, want).display(),
                    segment::path(dir, n).display(),
                    first
                ),
            });
        }
    }
    let started = Instant::now();
    let mut last_valid = 0;
    let mut since_snapshot = 0;
    for (i, &n) in segs.iter().enumerate() {
        let newest = i + 1 == segs.len();
        let path = segment::path(dir, n);
        let r = segment::replay(&path, n, newest, &mut store)?;
        report.records += r.records;
        report.refused.extend(r.refused);
        report.segments += 1;
        since_snapshot += r.valid_len;
        last_valid = r.valid_len;
        if let Some(t) = r.torn {
            report.torn = Some(t);
        }
    }
    report.replay_time = started.elapsed();
    let (file, number, len, header_len) = match segs.last() {
        Some(&n) => {
            let path = segment::path(dir, n);
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(|e| JournalError::io("open", &path, e))?;
            let mut len = last_valid;
            let header_len = segment::header_frame_len(n)?;
            if report.torn.is_some() {
                file.set_len(last_valid)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| JournalError::io("truncate the torn tail of", &path, e))?;
            }
            if len == 0 {
                // Even the header was torn: the segment starts again.
                len = write_header(&mut file, &path, n)?;
                file.sync_all()
                    .map_err(|e| JournalError::io("fsync", &path, e))?;
            }
            (file, n, len, header_len)
        }
        None => {
            let (file, len) = create_segment(dir, first)?;
            (file, first, len, len)
        }
    };
    let (durable, _) = tokio::sync::watch::channel(Durable::default());
    let shared = Shared {
        dir: dir.to_path_buf(),
        opts,
        inner: Mutex::new(Inner {
            file: Arc::new(file),
            number,
            len,
            header_len,
            appended: 0,
            sync_started: 0,
            since_snapshot,
            failed: None,
            loads,
            stop: false,
        }),
        wake: Condvar::new(),
        durable,
        snapshotting: AtomicBool::new(false),
        snapshot_lock: Mutex::new(()),
        syncs: std::sync::atomic::AtomicU64::new(0),
        _lock: lock,
    };
    let journal = Journal::start(shared)?;
    Ok((journal, Recovery { store, report }))
}
