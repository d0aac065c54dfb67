//! `--data-dir DIR`: the in-memory store with a journal in `DIR` (`api.md`
//! §2.6b, `docs/journal.md`). Opening recovers the Symbl data (snapshot +
//! journal); the data flags seed a new directory once: the same data again
//! is skipped, other data is refused unless `--replace-data`. The other
//! families are read-only and loaded from their flags at every start.

use std::fmt;
use std::path::Path;

use store::journal::{
    Journal, JournalError, JournalOptions, LoadMark, SeedMismatch, SeedPlan, demo_fingerprint,
    file_fingerprint, plan_seed,
};
use store::storage::MemoryStorage;

use crate::config::Config;
use crate::data::{Data, DataError, LoadSummary};

/// Why the server cannot start on its data directory.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataDirError {
    /// The journal could not be opened or recovered (damage names the file
    /// and offset), or the seed snapshot could not be written.
    Journal(JournalError),
    /// The data flags name other data than the directory was seeded with.
    Mismatch(SeedMismatch),
    /// A data file could not be read or loaded.
    Data(DataError),
    /// A data file could not be read to fingerprint it.
    Fingerprint {
        /// The flag.
        flag: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

impl DataDirError {
    /// The exit status: 2 for what the operator must change (other data, a
    /// bad file), 1 for a journal that cannot be used.
    ///
    /// ```
    /// use server::data_dir::DataDirError;
    /// let e = DataDirError::Journal(store::journal::JournalError::Failed { reason: "x".into() });
    /// assert_eq!(e.exit_code(), 1);
    /// ```
    pub fn exit_code(&self) -> u8 {
        match self {
            DataDirError::Journal(_) => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for DataDirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataDirError::Journal(e) => write!(f, "--data-dir: {e}"),
            DataDirError::Mismatch(e) => fmt::Display::fmt(e, f),
            DataDirError::Data(e) => fmt::Display::fmt(e, f),
            DataDirError::Fingerprint { flag, path, error } => {
                write!(f, "{flag}: cannot read {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for DataDirError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataDirError::Journal(e) => Some(e),
            DataDirError::Mismatch(e) => Some(e),
            DataDirError::Data(e) => Some(e),
            DataDirError::Fingerprint { error, .. } => Some(error),
        }
    }
}

/// The Symbl loads the flags ask for: `--symbl-data` (its SHA-256), else
/// `--demo` (`demo seed=S size=N until=T`, T `start` without `--demo-until`), else none.
///
/// ```
/// use clap::Parser;
/// let cfg = server::Config::parse_from(["rsql-server", "--demo", "--demo-size", "10"]);
/// let marks = server::data_dir::wanted_loads(&cfg).unwrap();
/// assert_eq!(marks[0].fingerprint, "demo seed=42 size=10 until=start");
/// ```
pub fn wanted_loads(cfg: &Config) -> Result<Vec<LoadMark>, DataDirError> {
    if let Some(path) = &cfg.symbl_data {
        let fingerprint = file_fingerprint(path).map_err(|error| DataDirError::Fingerprint {
            flag: "--symbl-data",
            path: path.clone(),
            error,
        })?;
        return Ok(vec![LoadMark {
            flag: "--symbl-data".to_owned(),
            fingerprint,
        }]);
    }
    Ok(if cfg.demo {
        vec![LoadMark {
            flag: "--demo".to_owned(),
            fingerprint: demo_fingerprint(cfg.demo_seed, cfg.demo_size as u64, cfg.demo_until),
        }]
    } else {
        Vec::new()
    })
}

/// Opens `dir` and builds the in-memory storage over it: recovers the
/// journal, then seeds, keeps or replaces the Symbl data as the flags say
/// ([`plan_seed`]); the other families come from their flags. The summary's
/// lines say what happened (recovery, torn tail, load skipped or seeded).
pub fn open(cfg: &Config, dir: &Path) -> Result<(MemoryStorage, LoadSummary), DataDirError> {
    let (journal, recovery) =
        Journal::open(dir, JournalOptions::default()).map_err(DataDirError::Journal)?;
    let wanted = wanted_loads(cfg)?;
    let seeded = journal.loads();
    let plan = plan_seed(
        dir,
        &seeded,
        recovery.report.is_fresh(),
        &wanted,
        cfg.replace_data,
    )
    .map_err(DataDirError::Mismatch)?;
    let mut lines = recovery.report.lines();
    let keep = plan == SeedPlan::Keep;
    let (data, mut summary) = Data::from_config_with(cfg, !keep).map_err(DataDirError::Data)?;
    let store = if keep {
        for w in &wanted {
            match seeded
                .iter()
                .find(|s| store::journal::recorded_without_year(&s.fingerprint, &w.fingerprint))
            {
                Some(s) => lines.push(format!(
                    "{}: {} was seeded before the demo's year was recorded ({}): taken as this \
                     data ({}) whatever year it spans, load skipped; --replace-data reseeds it",
                    w.flag,
                    dir.display(),
                    s.fingerprint,
                    w.fingerprint
                )),
                None => lines.push(format!(
                    "{}: {} already holds this data ({}): load skipped",
                    w.flag,
                    dir.display(),
                    w.fingerprint
                )),
            }
        }
        // The data of an earlier start: its span is that start's.
        summary.demo_span = None;
        recovery.store
    } else {
        drop(recovery);
        let store = data.symbl;
        let stats = journal
            .seed(&store, wanted)
            .map_err(DataDirError::Journal)?;
        let verb = if plan == SeedPlan::Replace {
            "replaced the data of"
        } else {
            "seeded"
        };
        lines.push(format!(
            "journal: {verb} {} ({} conversations, {} messages, snapshot of {} bytes)",
            dir.display(),
            stats.conversations,
            stats.messages,
            stats.bytes
        ));
        store
    };
    lines.append(&mut summary.lines);
    summary.lines = lines;
    let mut store = store;
    store.set_pattern_cache_bytes(cfg.pattern_cache_bytes());
    let storage =
        MemoryStorage::new(store, data.mongo, data.whatsapp, data.chatbot).with_journal(journal);
    Ok((storage, summary))
}
