//! The Mongo, WhatsApp and chatbot data flags on PostgreSQL, with the
//! seed-once rule of the Symbl loader (`store::pg::load`): each family's
//! load is recorded in `loads` under its fingerprint; the same data again is
//! skipped, other data is refused unless `--replace-data` (the rule and
//! the transaction are `store::pg::seed`'s). The rows are written by
//! `store::pg::families` (binary `COPY`, the in-memory parsers).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use store::families::chatbot::ChatbotStore;
use store::families::mongo::MongoStore;
use store::families::whatsapp::WhatsAppStore;
use store::load::LoadOptions;
use store::pg::PgStorage;
use store::pg::families::{self as pgf, FamilyError};
use store::pg::load::SymblSource;
use store::pg::seed::{self, Gate, LoadMode, PgLoadError, Seed};
use store::storage::StorageError;

use crate::config::Config;
use crate::data::{LoadSummary, demo_chatbot_ids};

/// One family's load: where its data comes from.
#[derive(Debug)]
enum Source {
    MongoDir(PathBuf),
    MongoDemo { seed: u64 },
    WhatsAppFile(PathBuf),
    WhatsAppDemo { seed: u64 },
    ChatbotFile(PathBuf),
    ChatbotDemo { seed: u64, conversations: u64 },
}

impl Source {
    /// `loads.family` and a table that holds the family's rows.
    fn family(&self) -> (&'static str, &'static str) {
        match self {
            Source::MongoDir(_) | Source::MongoDemo { .. } => ("mongo", "mongo_documents"),
            Source::WhatsAppFile(_) | Source::WhatsAppDemo { .. } => {
                ("whatsapp", "whatsapp_conversations")
            }
            Source::ChatbotFile(_) | Source::ChatbotDemo { .. } => {
                ("chatbot", "chatbot_conversations")
            }
        }
    }

    /// The flag that asked for it.
    fn flag(&self) -> &'static str {
        match self {
            Source::MongoDir(_) => "--mongo-data",
            Source::WhatsAppFile(_) => "--whatsapp-data",
            Source::ChatbotFile(_) => "--chatbot-data",
            Source::MongoDemo { .. } | Source::WhatsAppDemo { .. } | Source::ChatbotDemo { .. } => {
                "--demo"
            }
        }
    }

    /// The fingerprint recorded with the load: the SHA-256 of the file (of
    /// every file under the Mongo directory, with their paths), or the
    /// generator's parameters.
    async fn fingerprint(&self) -> Result<String, PgLoadError> {
        match self {
            Source::MongoDemo { seed } | Source::WhatsAppDemo { seed } => {
                Ok(format!("demo seed={seed}"))
            }
            Source::ChatbotDemo {
                seed,
                conversations,
            } => Ok(format!("demo seed={seed} conversations={conversations}")),
            Source::WhatsAppFile(path) | Source::ChatbotFile(path) => file_sha256(path).await,
            Source::MongoDir(dir) => {
                let mut files = Vec::new();
                if let Err(e) = list_files(dir, dir, 0, &mut files) {
                    return Err(unreadable_dir(dir, &e));
                }
                files.sort();
                let mut all = Sha256::new();
                for rel in files {
                    let digest = file_sha256(&dir.join(&rel)).await?;
                    all.update(rel.to_string_lossy().as_bytes());
                    all.update([0]);
                    all.update(digest.as_bytes());
                    all.update([b'\n']);
                }
                Ok(hex(&all.finalize()))
            }
        }
    }

    /// Writes the family's rows in `tx` (replacing any); the rows written
    /// and the bad records skipped.
    async fn copy(
        &self,
        tx: &tokio_postgres::Transaction<'_>,
    ) -> Result<(u64, Vec<String>), FamilyError> {
        let opts = LoadOptions::default();
        let skipped = |r: store::load::LoadReport| -> Vec<String> {
            r.skipped.iter().map(ToString::to_string).collect()
        };
        Ok(match self {
            Source::MongoDir(dir) => {
                let r = pgf::load_mongo_dir(tx, dir, &opts).await?;
                (r.loaded as u64, skipped(r))
            }
            Source::MongoDemo { seed } => {
                let m = MongoStore::generate(*seed, pgf::DEMO_MONGO_DOCS_PER_ORG);
                (pgf::copy_mongo(tx, &m).await?, Vec::new())
            }
            Source::WhatsAppFile(path) => {
                let r = pgf::load_whatsapp_file(tx, path, &opts).await?;
                (r.loaded as u64, skipped(r))
            }
            Source::WhatsAppDemo { seed } => {
                let w = WhatsAppStore::generate(*seed, pgf::DEMO_WHATSAPP_CONVERSATIONS);
                (pgf::copy_whatsapp(tx, &w).await?, Vec::new())
            }
            Source::ChatbotFile(path) => {
                let r = pgf::load_chatbot_file(tx, path, &opts).await?;
                (r.loaded as u64, skipped(r))
            }
            Source::ChatbotDemo {
                seed,
                conversations,
            } => {
                let n = usize::try_from(*conversations).unwrap_or(usize::MAX);
                let c = ChatbotStore::generate(*seed, n);
                (pgf::copy_chatbot(tx, &c).await?.0, Vec::new())
            }
        })
    }
}

/// The error of a Mongo directory that cannot be listed: the in-memory
/// loader's own (it names the directory as it does without a database).
fn unreadable_dir(dir: &Path, e: &std::io::Error) -> PgLoadError {
    match MongoStore::new().load_dir(dir, &LoadOptions::default()) {
        Err(load) => PgLoadError::File(load),
        Ok(_) => PgLoadError::Storage(StorageError::internal(
            "PostgreSQL",
            format!(
                "--mongo-data {}: cannot list the directory: {e}",
                dir.display()
            ),
        )),
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The SHA-256 of a file, as the Symbl loader computes it.
async fn file_sha256(path: &Path) -> Result<String, PgLoadError> {
    store::pg::load::fingerprint(&SymblSource::Jsonl {
        path: path.to_path_buf(),
        opts: LoadOptions::default(),
    })
    .await
}

/// Regular files under `dir`, two levels deep (`<database>/<collection>`),
/// relative to `root`.
fn list_files(root: &Path, dir: &Path, depth: u8, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() && depth == 0 {
            list_files(root, &path, depth + 1, out)?;
        } else if kind.is_file() {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

/// The family sources the flags ask for: each family's `--*-data`, else
/// `--demo`'s generated data.
fn sources(cfg: &Config) -> Vec<Source> {
    let seed = cfg.demo_seed;
    let mut out = Vec::new();
    match (&cfg.mongo_data, cfg.demo) {
        (Some(dir), _) => out.push(Source::MongoDir(dir.clone())),
        (None, true) => out.push(Source::MongoDemo { seed }),
        (None, false) => {}
    }
    match (&cfg.whatsapp_data, cfg.demo) {
        (Some(path), _) => out.push(Source::WhatsAppFile(path.clone())),
        (None, true) => out.push(Source::WhatsAppDemo { seed }),
        (None, false) => {}
    }
    match (&cfg.chatbot_data, cfg.demo) {
        (Some(path), _) => out.push(Source::ChatbotFile(path.clone())),
        (None, true) => out.push(Source::ChatbotDemo {
            seed,
            conversations: demo_chatbot_ids(cfg.demo_size),
        }),
        (None, false) => {}
    }
    out
}

fn family_error(e: FamilyError) -> PgLoadError {
    match e {
        FamilyError::Load(e) => PgLoadError::File(*e),
        other => PgLoadError::Storage(StorageError::from(other)),
    }
}

/// Loads each family the flags ask for, seed-once (or replacing with
/// `--replace-data`); one banner line per family.
pub(super) async fn load(
    pg: &PgStorage,
    cfg: &Config,
    mode: LoadMode,
    summary: &mut LoadSummary,
) -> Result<(), PgLoadError> {
    for source in sources(cfg) {
        let line = seed_once(pg, &source, mode, summary).await?;
        summary.lines.push(format!("{}: {line}", source.flag()));
    }
    Ok(())
}

/// One family's load in one transaction (`store::pg::seed`): check the
/// record, copy, record.
async fn seed_once(
    pg: &PgStorage,
    source: &Source,
    mode: LoadMode,
    summary: &mut LoadSummary,
) -> Result<String, PgLoadError> {
    let (family, table) = source.family();
    let seed = Seed {
        family,
        table,
        flag: source.flag(),
        noun: format!("{family} rows"),
        fingerprint: source.fingerprint().await?,
    };
    let mut client = seed::checkout(pg.pool()).await?;
    let tx = seed::begin(&mut client).await?;
    let replaced = match seed.gate(&tx, mode).await? {
        Gate::Skip { rows, .. } => {
            seed::commit(tx).await?;
            return Ok(format!(
                "{family}: already loaded, {rows} rows, writes since kept"
            ));
        }
        Gate::Load { replaced } => replaced,
    };
    let (rows, skipped) = source.copy(&tx).await.map_err(family_error)?;
    seed.record(&tx, rows).await?;
    seed::commit(tx).await?;
    summary.skipped.extend(
        skipped
            .into_iter()
            .map(|e| format!("{}: skipped {e}", source.flag())),
    );
    let replaced = if replaced {
        ", replacing the earlier data"
    } else {
        ""
    };
    Ok(format!("{family}: loaded {rows} rows{replaced}"))
}
