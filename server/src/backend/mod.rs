//! Start-up: which storage answers the routes, built from the
//! configuration (`api.md` §2.6b).
//!
//! * Without `--database-url` (and no `DATABASE_URL`): the in-memory store,
//!   filled by `--demo` and the `--*-data` flags on every start.
//! * With it: [`PgStorage`] — connect (within `--pool-wait`; an unreachable
//!   database stops the start with an error naming `host:port/database`,
//!   never the password), apply the migrations, then run each data flag
//!   through the PostgreSQL loaders, which **seed once**: the same data
//!   again is skipped (writes made since are kept), other data is refused
//!   unless `--replace-data`, which replaces that family's rows.
//!
//! Each family's data comes from its `--*-data` flag, else from `--demo`,
//! else from what the database already holds.
//!
//! ```
//! use clap::Parser;
//! let cfg = server::Config::parse_from(["rsql-server", "--database-url", "postgres://app:pw@db:6432/conv"]);
//! let url = cfg.database_url.as_ref().unwrap();
//! assert_eq!(server::backend::describe_target(url), "PostgreSQL at db:6432/conv");
//! ```

use std::fmt;

use store::pg::load::{LoadMode, LoadOutcome, PgLoadError, SymblSource};
use store::pg::{PgOptions, PgStorage};
use store::storage::{Storage, StorageError};

use crate::config::{Config, DatabaseUrl};
use crate::data::{DEMO_CONVERSATIONS_WITH_MESSAGES, DataError, LoadSummary, demo_chatbot_ids};

/// Why the server cannot start with its storage.
#[derive(Debug)]
#[non_exhaustive]
pub enum BackendError {
    /// A data file of the in-memory store could not be loaded.
    Data(DataError),
    /// The data directory (`--data-dir`) could not be opened, recovered or
    /// seeded.
    DataDir(crate::data_dir::DataDirError),
    /// The database did not answer, or refused the connection or the
    /// migrations.
    Database {
        /// `PostgreSQL at host:port/database`.
        target: String,
        /// What failed.
        error: StorageError,
    },
    /// A data flag could not be loaded into the database: its file is bad,
    /// or the database holds other data and `--replace-data` was not given.
    Load {
        /// `PostgreSQL at host:port/database`.
        target: String,
        /// The loader's error (it names the flag).
        error: PgLoadError,
    },
}

impl BackendError {
    /// The process exit status: 2 for what the operator must change (a
    /// bad file, a refused load), 1 for a database that failed.
    ///
    /// ```
    /// use server::backend::BackendError;
    /// let e = BackendError::Database {
    ///     target: "PostgreSQL at db:5432/app".into(),
    ///     error: store::storage::StorageError::unavailable("PostgreSQL", "connection refused"),
    /// };
    /// assert_eq!(e.exit_code(), 1);
    /// assert_eq!(e.to_string(), "PostgreSQL at db:5432/app: PostgreSQL unavailable: connection refused");
    /// ```
    pub fn exit_code(&self) -> u8 {
        match self {
            BackendError::Data(_) => 2,
            BackendError::DataDir(e) => e.exit_code(),
            BackendError::Database { .. } => 1,
            BackendError::Load { error, .. } => match error {
                PgLoadError::Storage(_) => 1,
                _ => 2,
            },
        }
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::Data(e) => fmt::Display::fmt(e, f),
            BackendError::DataDir(e) => fmt::Display::fmt(e, f),
            BackendError::Database { target, error } => write!(f, "{target}: {error}"),
            BackendError::Load { target, error } => write!(f, "{target}: {error}"),
        }
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BackendError::Data(e) => Some(e),
            BackendError::DataDir(e) => Some(e),
            BackendError::Database { error, .. } => Some(error),
            BackendError::Load { error, .. } => Some(error),
        }
    }
}

/// `PostgreSQL at host:port/database` of a URL (what messages name before
/// a connection exists).
pub fn describe_target(url: &DatabaseUrl) -> String {
    format!("PostgreSQL at {}", url.target())
}

/// The pool settings of the configuration.
///
/// ```
/// use clap::Parser;
/// let cfg = server::Config::parse_from([
///     "rsql-server", "--database-url", "postgres://db-host/conversations",
///     "--pool-size", "4", "--pool-wait", "500ms", "--statement-timeout", "3s",
/// ]);
/// let o = server::backend::pg_options(&cfg);
/// assert_eq!((o.max_connections, o.pool_wait.as_millis()), (4, 500));
/// assert!(o.connect_timeout <= o.pool_wait);
/// assert_eq!(o.answer_timeout().as_millis(), 3_500);
/// assert_eq!((o.count_cache, o.page_cache_bytes), (1_024, 16 << 20));
/// let off = server::Config::parse_from([
///     "rsql-server", "--database-url", "postgres://db-host/conversations",
///     "--count-cache", "0", "--page-cache-mib", "0",
/// ]);
/// let o = server::backend::pg_options(&off);
/// assert_eq!((o.count_cache, o.page_cache_bytes), (0, 0));
/// ```
pub fn pg_options(cfg: &Config) -> PgOptions {
    let defaults = PgOptions::default();
    PgOptions::default()
        .with_max_connections(usize::try_from(cfg.pool_size).unwrap_or(usize::MAX))
        .with_pool_wait(cfg.pool_wait)
        .with_connect_timeout(defaults.connect_timeout.min(cfg.pool_wait))
        .with_statement_timeout(cfg.statement_timeout)
        .with_count_cache(usize::try_from(cfg.count_cache).unwrap_or(usize::MAX))
        .with_page_cache_bytes(usize::try_from(cfg.page_cache_mib).unwrap_or(usize::MAX) << 20)
}

/// Connects to the database of `url` and applies the migrations. The wait is
/// bounded by `--pool-wait` (a connect attempt by the smaller of it and 2 s).
pub async fn connect(cfg: &Config, url: &DatabaseUrl) -> Result<PgStorage, BackendError> {
    PgStorage::connect(url.as_str(), pg_options(cfg))
        .await
        .map_err(|error| BackendError::Database {
            target: describe_target(url),
            error,
        })
}

/// The Symbl source the flags ask for: `--symbl-data`, else `--demo`.
fn symbl_source(cfg: &Config, until_ms: i64) -> Option<SymblSource> {
    if let Some(path) = &cfg.symbl_data {
        return Some(SymblSource::Jsonl {
            path: path.clone(),
            opts: store::load::LoadOptions::default(),
        });
    }
    cfg.demo.then_some(SymblSource::Demo {
        seed: cfg.demo_seed,
        size: cfg.demo_size as u64,
        until_ms,
        pinned: cfg.demo_until.is_some(),
        with_messages: DEMO_CONVERSATIONS_WITH_MESSAGES as u64,
    })
}

/// Runs the data flags through the PostgreSQL loaders (seed once, or
/// replace with `--replace-data`); returns the banner's lines.
pub async fn load_postgres(pg: &PgStorage, cfg: &Config) -> Result<LoadSummary, BackendError> {
    let target = pg.describe();
    let mode = if cfg.replace_data {
        LoadMode::Replace
    } else {
        LoadMode::SeedOnce
    };
    let mut summary = LoadSummary::default();
    let until = cfg
        .demo_until
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    if let Some(source) = symbl_source(cfg, until) {
        let flag = source.flag();
        let outcome = store::pg::load::load_symbl(pg.pool(), &source, mode)
            .await
            .map_err(|error| BackendError::Load {
                target: target.clone(),
                error,
            })?;
        match &outcome {
            LoadOutcome::Loaded { skipped, .. } => {
                summary
                    .skipped
                    .extend(skipped.iter().map(|e| format!("{flag}: skipped {e}")));
                if matches!(source, SymblSource::Demo { .. }) {
                    summary.demo_span = Some((until - store::generate::SPAN_MS, until));
                }
            }
            // The data of an earlier start: its span is that start's.
            LoadOutcome::AlreadyLoaded { .. } => {}
        }
        summary.lines.push(format!("{flag}: {outcome}"));
    }
    families::load(pg, cfg, mode, &mut summary)
        .await
        .map_err(|error| BackendError::Load { target, error })?;
    if cfg.demo && cfg.chatbot_data.is_none() {
        summary.chatbot_ids = Some(demo_chatbot_ids(cfg.demo_size));
    }
    Ok(summary)
}

/// The storage a configuration asks for.
#[derive(Debug)]
pub enum Backend {
    /// Everything in this process's memory (no `--database-url`), journaled
    /// in `--data-dir` when given.
    Memory(Box<store::storage::MemoryStorage>),
    /// PostgreSQL, connected, migrated and loaded.
    Postgres(PgStorage),
}

/// Builds the storage of the configuration and the banner's lines:
/// PostgreSQL when a database URL is given, else memory (journaled in the
/// data directory when one is given).
pub async fn build(cfg: &Config) -> Result<(Backend, LoadSummary), BackendError> {
    match &cfg.database_url {
        Some(url) => {
            let pg = connect(cfg, url).await?;
            let summary = load_postgres(&pg, cfg).await?;
            Ok((Backend::Postgres(pg), summary))
        }
        None => {
            let (memory, summary) = match &cfg.data_dir {
                Some(dir) => crate::data_dir::open(cfg, dir).map_err(BackendError::DataDir)?,
                None => {
                    let (mut data, summary) =
                        crate::Data::from_config(cfg).map_err(BackendError::Data)?;
                    data.symbl
                        .set_pattern_cache_bytes(cfg.pattern_cache_bytes());
                    (data.into_storage(), summary)
                }
            };
            Ok((Backend::Memory(Box::new(memory)), summary))
        }
    }
}

mod families;
