//! Segments: `NNNNNNNN.wal`, a header frame ([`SegHeader`]) then one frame
//! per [`Record`]. Listing a directory and replaying a segment.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::JournalError;
use super::frame::{FrameReader, Next};
use super::record::{Record, decode_versioned, encode_versioned};
use crate::Store;

/// Magic bytes at the start of a segment's header.
const WAL_MAGIC: [u8; 8] = *b"RSQLWAL\0";

/// The first frame of a segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct SegHeader {
    magic: [u8; 8],
    number: u64,
}

/// The encoded header frame payload of segment `number`.
pub(crate) fn header(number: u64) -> Result<Vec<u8>, JournalError> {
    encode_versioned(&SegHeader {
        magic: WAL_MAGIC,
        number,
    })
}

/// The length of segment `number`'s header frame.
pub(crate) fn header_frame_len(number: u64) -> Result<u64, JournalError> {
    Ok(super::frame::HEADER + header(number)?.len() as u64)
}

/// `NNNNNNNN.wal` in `dir`.
pub(crate) fn path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:08}.wal"))
}

/// The journal files of a directory.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Segment numbers, ascending.
    pub(crate) wals: Vec<u64>,
    /// Snapshot numbers, ascending.
    pub(crate) snaps: Vec<u64>,
    /// Unfinished snapshots (`.snap.tmp`), to delete.
    pub(crate) tmps: Vec<PathBuf>,
}

/// Lists `dir`'s `.wal`, `.snap` and `.snap.tmp` files (others are left alone).
pub(crate) fn list(dir: &Path) -> Result<Listing, JournalError> {
    let mut out = Listing::default();
    let entries = std::fs::read_dir(dir).map_err(|e| JournalError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| JournalError::io("list", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let number = |stem: &str| {
            (stem.len() == 8)
                .then(|| stem.parse::<u64>().ok())
                .flatten()
        };
        if let Some(stem) = name.strip_suffix(".wal") {
            if let Some(n) = number(stem) {
                out.wals.push(n);
            }
        } else if let Some(stem) = name.strip_suffix(".snap") {
            if let Some(n) = number(stem) {
                out.snaps.push(n);
            }
        } else if name.ends_with(".snap.tmp") {
            out.tmps.push(entry.path());
        }
    }
    out.wals.sort_unstable();
    out.snaps.sort_unstable();
    Ok(out)
}

/// A torn tail cut off the newest segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// The segment.
    pub path: PathBuf,
    /// Where the valid records end (the file's length now).
    pub offset: u64,
    /// Bytes cut off.
    pub bytes_cut: u64,
    /// What was wrong with the cut frame.
    pub reason: String,
}

/// What replaying one segment did.
#[derive(Debug, Default)]
pub(crate) struct Replayed {
    /// Records applied.
    pub(crate) records: u64,
    /// Records whose write was refused when it was made (the store refused
    /// it the same way again), with the reason.
    pub(crate) refused: Vec<String>,
    /// Length of the valid part (the whole file unless torn).
    pub(crate) valid_len: u64,
    /// The torn tail, when one was found (newest segment only).
    pub(crate) torn: Option<TornTail>,
}

/// Replays segment `number` at `path` onto `store`. In the newest segment
/// (`newest`) a torn last frame is reported in [`Replayed::torn`] (the
/// caller cuts it off); anywhere else any bad frame is an error.
pub(crate) fn replay(
    path: &Path,
    number: u64,
    newest: bool,
    store: &mut Store,
) -> Result<Replayed, JournalError> {
    let file = File::open(path).map_err(|e| JournalError::io("open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| JournalError::io("stat", path, e))?
        .len();
    let mut r = FrameReader::new(BufReader::with_capacity(1 << 20, file), len);
    let mut out = Replayed::default();
    let mut first = true;
    loop {
        let at = r.offset();
        let next = r
            .next_frame()
            .map_err(|e| JournalError::io("read", path, e))?;
        let payload = match next {
            Next::Frame(p) => p,
            Next::End => break,
            Next::Bad { reason, torn } => {
                if newest && torn {
                    out.torn = Some(TornTail {
                        path: path.to_path_buf(),
                        offset: at,
                        bytes_cut: len - at,
                        reason,
                    });
                    break;
                }
                let reason = if torn {
                    format!("{reason} (a torn record, but not in the newest segment)")
                } else {
                    reason
                };
                return Err(JournalError::damaged(path, at, reason));
            }
        };
        if first {
            first = false;
            let h: SegHeader =
                decode_versioned(&payload).map_err(|e| JournalError::damaged(path, at, e))?;
            if h.magic != WAL_MAGIC {
                return Err(JournalError::damaged(
                    path,
                    at,
                    "not a journal segment (bad magic bytes)",
                ));
            }
            if h.number != number {
                return Err(JournalError::damaged(
                    path,
                    at,
                    format!(
                        "the header says segment {}, the name says {number}",
                        h.number
                    ),
                ));
            }
            continue;
        }
        let record = Record::decode(&payload).map_err(|e| JournalError::damaged(path, at, e))?;
        match record.apply(store) {
            Ok(()) => out.records += 1,
            Err(e) => out
                .refused
                .push(format!("{} at byte offset {at}: {e}", path.display())),
        }
    }
    out.valid_len = r.offset();
    Ok(out)
}
