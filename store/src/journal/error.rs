//! [`JournalError`]: what opening, appending to or snapshotting a journal
//! can answer instead.

use std::fmt;
use std::path::{Path, PathBuf};

/// A journal failure. Every variant names the file (and, for damage, the
/// byte offset) so an operator can find it.
#[derive(Debug)]
#[non_exhaustive]
pub enum JournalError {
    /// A file operation failed (`op` says which: `open`, `write`, `fsync`…).
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A record or snapshot frame that is not what was written: a bad
    /// checksum, length, header or encoding anywhere but the torn tail of
    /// the newest segment. Start-up stops here; nothing after it is applied.
    Damaged {
        /// The damaged file.
        path: PathBuf,
        /// Byte offset of the damaged frame in it.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Files are missing from the sequence (a segment between the snapshot
    /// and the newest segment).
    Missing {
        /// The directory.
        dir: PathBuf,
        /// What is missing.
        what: String,
    },
    /// Another process holds the directory (`DIR/LOCK`).
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// An earlier fsync or truncate failed: the journal refuses every
    /// further write until the server restarts (the kernel may have dropped
    /// the unsynced pages, so what it holds is no longer known).
    Failed {
        /// The first failure.
        reason: String,
    },
    /// A record could not be encoded (postcard refused it).
    Encode {
        /// Why.
        reason: String,
    },
    /// One record is larger than [`MAX_FRAME`](super::MAX_FRAME) bytes encoded.
    TooLarge {
        /// Its encoded size.
        bytes: usize,
    },
}

impl JournalError {
    pub(crate) fn io(op: &'static str, path: &Path, source: std::io::Error) -> JournalError {
        JournalError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn damaged(path: &Path, offset: u64, reason: impl Into<String>) -> JournalError {
        JournalError::Damaged {
            path: path.to_path_buf(),
            offset,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalError::Io { op, path, source } => {
                write!(f, "{op} {}: {source}", path.display())
            }
            JournalError::Damaged {
                path,
                offset,
                reason,
            } => write!(
                f,
                "{} is damaged at byte offset {offset}: {reason}",
                path.display()
            ),
            JournalError::Missing { dir, what } => {
                write!(f, "{}: {what}", dir.display())
            }
            JournalError::Locked { path } => write!(
                f,
                "{} is held by another process (another server on the same --data-dir?)",
                path.display()
            ),
            JournalError::Failed { reason } => write!(
                f,
                "the journal refuses writes since an earlier failure ({reason}); restart the server"
            ),
            JournalError::Encode { reason } => write!(f, "encoding a journal record: {reason}"),
            JournalError::TooLarge { bytes } => write!(
                f,
                "a journal record of {bytes} bytes is over the limit of {} bytes",
                super::MAX_FRAME
            ),
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JournalError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
