//! The seed-once rule every family's load follows on PostgreSQL (the Symbl
//! conversations in [`super::load`], the Mongo, WhatsApp and chatbot
//! families in the server's start-up): a load is recorded in
//! `loads(family, fingerprint, rows, loaded_at)`, and the next start with
//! the same data skips it, with other data refuses it (unless
//! [`LoadMode::Replace`]). The table of the rule is in [`super::load`].
//!
//! A load is one transaction ([`begin`]): the statement timeout lifted
//! (a load is not a request), the loads' advisory lock taken (concurrent
//! starts take turns, so two processes starting on an empty database load
//! it once), [`Seed::gate`] deciding, the rows copied, [`Seed::record`]
//! writing the record, commit.
//!
//! ```no_run
//! use store::pg::seed::{self, Gate, LoadMode, Seed};
//! # async fn run(pg: &store::pg::PgStorage) -> Result<(), store::pg::seed::PgLoadError> {
//! let mut client = seed::checkout(pg.pool()).await?;
//! let tx = seed::begin(&mut client).await?;
//! let seed = Seed {
//!     family: "whatsapp",
//!     table: "whatsapp_conversations",
//!     flag: "--whatsapp-data",
//!     noun: "whatsapp rows".into(),
//!     fingerprint: "demo seed=42".into(),
//! };
//! match seed.gate(&tx, LoadMode::SeedOnce).await? {
//!     Gate::Skip { rows, .. } => println!("already loaded, {rows} rows"),
//!     Gate::Load { .. } => {
//!         let rows = 0; // copy the rows here
//!         seed.record(&tx, rows).await?;
//!     }
//! }
//! seed::commit(tx).await?;
//! # Ok(()) }
//! ```

use std::fmt;

use deadpool_postgres::{Object, Pool, Transaction};

use super::connect::{MIGRATION_LOCK, checkout as checkout_within};
use super::error;
use crate::LoadError;
use crate::storage::StorageError;

/// The advisory lock every family's load takes (the migrations hold
/// [`MIGRATION_LOCK`] itself).
const LOAD_LOCK: i64 = MIGRATION_LOCK + 1;

/// How long a load waits for a connection (a load is not a request: it
/// may wait for another process's load to finish).
const LOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether a database that already holds data is left alone or replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadMode {
    /// Load into an empty database; skip the same data; refuse other data.
    #[default]
    SeedOnce,
    /// Replace whatever is there (`--replace-data`).
    Replace,
}

/// Why a load loaded nothing.
#[derive(Debug)]
#[non_exhaustive]
pub enum PgLoadError {
    /// The file: unreadable, a bad line in fail-fast mode, too many bad lines.
    File(LoadError),
    /// The database holds other data and the mode is [`LoadMode::SeedOnce`].
    Refused {
        /// The data flag (`--symbl-data`, `--demo`, …).
        flag: &'static str,
        /// What the database holds.
        holds: String,
    },
    /// The database failed or did not answer.
    Storage(StorageError),
}

impl fmt::Display for PgLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgLoadError::File(e) => fmt::Display::fmt(e, f),
            PgLoadError::Refused { flag, holds } => write!(
                f,
                "{flag}: the database already holds {holds}; pass --replace-data to replace it \
                 (writes made since are lost), or start without {flag} to serve what it holds"
            ),
            PgLoadError::Storage(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for PgLoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PgLoadError::File(e) => Some(e),
            PgLoadError::Storage(e) => Some(e),
            PgLoadError::Refused { .. } => None,
        }
    }
}

impl From<StorageError> for PgLoadError {
    fn from(e: StorageError) -> PgLoadError {
        PgLoadError::Storage(e)
    }
}

/// A database error during a load, met while doing `what`.
pub(crate) fn db(what: &str) -> impl FnOnce(tokio_postgres::Error) -> PgLoadError + '_ {
    move |e| PgLoadError::Storage(error::db(what, &e))
}

/// A connection for a load, within 30 s (another process's load may hold
/// the lock that long).
pub async fn checkout(pool: &Pool) -> Result<Object, PgLoadError> {
    Ok(checkout_within(pool, LOAD_WAIT).await?)
}

/// Opens a load's transaction: the statement timeout lifted for it, the
/// loads' advisory lock taken (held until it ends).
pub async fn begin(client: &mut Object) -> Result<Transaction<'_>, PgLoadError> {
    let tx = client.transaction().await.map_err(db("BEGIN"))?;
    tx.batch_execute("SET LOCAL statement_timeout = 0")
        .await
        .map_err(db("lifting the statement timeout for the load"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOAD_LOCK])
        .await
        .map_err(db("taking the load lock"))?;
    Ok(tx)
}

/// Commits a load's transaction.
pub async fn commit(tx: Transaction<'_>) -> Result<(), PgLoadError> {
    tx.commit().await.map_err(db("COMMIT"))
}

/// What [`Seed::gate`] decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    /// The same data was loaded before: nothing to do (writes since kept).
    Skip {
        /// The rows that load stored.
        rows: u64,
        /// When, epoch ms.
        loaded_at_ms: i64,
        /// The fingerprint recorded, when it is a demo's from before the
        /// year was part of it ([`crate::journal::recorded_without_year`]).
        recorded: Option<String>,
    },
    /// Copy the rows; `replaced` when the family's tables held data, which
    /// the copy replaces.
    Load {
        /// Whether earlier data is being replaced.
        replaced: bool,
    },
}

/// One family's load under the seed-once rule.
#[derive(Clone, Debug)]
pub struct Seed {
    /// `loads.family`.
    pub family: &'static str,
    /// A table that holds the family's rows (a constant of the schema,
    /// never input: it is written into the SQL text).
    pub table: &'static str,
    /// The data flag that asked for the load.
    pub flag: &'static str,
    /// What the rows are called in a refusal (`conversations`, `mongo rows`).
    pub noun: String,
    /// The data's fingerprint (a file's SHA-256, the generator's parameters).
    pub fingerprint: String,
}

impl Seed {
    /// Reads the family's record and whether its table holds rows, and
    /// decides: the same data again is skipped (in either mode); with
    /// [`LoadMode::SeedOnce`] other data or rows no load recorded are
    /// refused ([`PgLoadError::Refused`]); else load (replacing).
    pub async fn gate(&self, tx: &Transaction<'_>, mode: LoadMode) -> Result<Gate, PgLoadError> {
        let bad =
            |e: tokio_postgres::Error| PgLoadError::Storage(error::bad_row("the loads table", e));
        let record = tx
            .query_opt(
                "SELECT fingerprint, rows, (extract(epoch FROM loaded_at) * 1000)::bigint \
                 FROM loads WHERE family = $1",
                &[&self.family],
            )
            .await
            .map_err(db("reading the load record"))?;
        let held: Option<(String, i64, i64)> = match &record {
            Some(r) => Some((
                r.try_get(0).map_err(bad)?,
                r.try_get(1).map_err(bad)?,
                r.try_get(2).map_err(bad)?,
            )),
            None => None,
        };
        let has_rows: bool = tx
            .query_one(
                &format!("SELECT EXISTS (SELECT 1 FROM {})", self.table),
                &[],
            )
            .await
            .map_err(db("testing for rows"))?
            .try_get(0)
            .map_err(bad)?;
        // The same data again is skipped in either mode (`--replace-data`
        // replaces other data only), as `--data-dir` does.
        if let Some((fp, rows, at)) = &held
            && (*fp == self.fingerprint
                || crate::journal::recorded_without_year(fp, &self.fingerprint))
        {
            return Ok(Gate::Skip {
                rows: u64::try_from(*rows).unwrap_or(0),
                loaded_at_ms: *at,
                recorded: (*fp != self.fingerprint).then(|| fp.clone()),
            });
        }
        if mode == LoadMode::SeedOnce {
            match held {
                Some((fp, rows, _)) => {
                    return Err(PgLoadError::Refused {
                        flag: self.flag,
                        holds: format!(
                            "{rows} {} loaded from other data (fingerprint {fp})",
                            self.noun
                        ),
                    });
                }
                None if has_rows => {
                    return Err(PgLoadError::Refused {
                        flag: self.flag,
                        holds: format!("{} that no data flag loaded", self.noun),
                    });
                }
                None => {}
            }
        }
        Ok(Gate::Load {
            replaced: held.is_some() || has_rows,
        })
    }

    /// Writes the family's record: this fingerprint, `rows`, now.
    pub async fn record(&self, tx: &Transaction<'_>, rows: u64) -> Result<(), PgLoadError> {
        let rows = i64::try_from(rows).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO loads (family, fingerprint, rows) VALUES ($1, $2, $3) \
             ON CONFLICT (family) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, \
             rows = EXCLUDED.rows, loaded_at = now()",
            &[&self.family, &self.fingerprint, &rows],
        )
        .await
        .map_err(db("recording the load"))?;
        Ok(())
    }
}
