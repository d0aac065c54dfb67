//! Loading the Symbl family into PostgreSQL: a JSONL file (the format of
//! `docs/data-formats.md`, validated line by line exactly as
//! [`crate::load::load_jsonl`] does, so bad lines are reported alike) or the
//! generated demo data, with `COPY … FROM STDIN` in one transaction.
//!
//! # Seed once
//!
//! A data flag **seeds** the database once. Each load is recorded in
//! `loads(family, fingerprint, rows, loaded_at)`; the fingerprint is the
//! SHA-256 of the file (for `--demo`: `demo seed=S size=N until=T`,
//! [`crate::journal::demo_fingerprint`]). Starting again:
//!
//! | the database holds | [`LoadMode::SeedOnce`] | [`LoadMode::Replace`] (`--replace-data`) |
//! |---|---|---|
//! | nothing | load | load |
//! | a load with the same fingerprint | skip: "already loaded, N rows, writes since kept" | skip (the same) |
//! | a load with another fingerprint, or rows without a record | refuse, naming the flag and `--replace-data` | replace |
//!
//! Replacing is `TRUNCATE` and `COPY` in one transaction: readers see the
//! old data until it commits, then the new. Concurrent starts take turns
//! (an advisory lock), so two processes starting on an empty database load
//! it once.
//!
//! ```no_run
//! use store::pg::load::{load_symbl, LoadMode, SymblSource};
//! # async fn run(pg: &store::pg::PgStorage) -> Result<(), store::pg::load::PgLoadError> {
//! let source = SymblSource::Demo { seed: 42, size: 10_000, until_ms: 1_640_995_200_000, pinned: true, with_messages: 1_000 };
//! let outcome = load_symbl(pg.pool(), &source, LoadMode::SeedOnce).await?;
//! println!("{outcome}");
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::fmt;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use deadpool_postgres::{Pool, Transaction};
use futures_util::SinkExt;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::error::BACKEND;
use super::messages::words_json;
use super::seed::{self, Gate, Seed, db};
pub use super::seed::{LoadMode, PgLoadError};
use super::write::metadata_json;
use crate::load::{LoadOptions, LoadReport, MAX_LINE_BYTES};
use crate::storage::StorageError;
use crate::{Conversation, LoadError, Message, Position, RecordError, RecordErrorKind};

/// The `loads.family` of the Symbl conversations.
pub const FAMILY: &str = "symbl";

/// About this many bytes of `COPY` data per message to the database.
const COPY_CHUNK: usize = 1 << 20;

/// What to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SymblSource {
    /// A JSONL file (`--symbl-data FILE`), its bad lines handled as `opts` says.
    Jsonl {
        /// The file.
        path: PathBuf,
        /// Skip-and-report or fail-fast, as for the in-memory loader.
        opts: LoadOptions,
    },
    /// The generated demo data (`--demo`): conversations `0..size` of `seed`
    /// spanning the year before `until_ms`, the first `with_messages` of
    /// them with generated messages (as the in-memory demo).
    Demo {
        /// The generator's seed.
        seed: u64,
        /// How many conversations.
        size: u64,
        /// The generated year ends here (epoch ms).
        until_ms: i64,
        /// Whether `until_ms` was pinned (`--demo-until`): then it is part
        /// of the fingerprint, and a start with another pin is other data.
        /// Otherwise it is the time of the start, and a restart keeps the
        /// first start's data.
        pinned: bool,
        /// How many of them get messages.
        with_messages: u64,
    },
}

impl SymblSource {
    /// The flag that asked for this load (for messages).
    ///
    /// ```
    /// use store::pg::load::SymblSource;
    /// let demo = SymblSource::Demo { seed: 1, size: 2, until_ms: 0, pinned: false, with_messages: 0 };
    /// assert_eq!(demo.flag(), "--demo");
    /// ```
    pub fn flag(&self) -> &'static str {
        match self {
            SymblSource::Jsonl { .. } => "--symbl-data",
            SymblSource::Demo { .. } => "--demo",
        }
    }
}

/// What [`load_symbl`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadOutcome {
    /// The data was loaded.
    Loaded {
        /// Conversations loaded.
        rows: u64,
        /// Bad lines skipped (JSONL in skip mode), in file order.
        skipped: Vec<LoadError>,
        /// Whether earlier data was replaced.
        replaced: bool,
    },
    /// The same data was loaded before; nothing was done, writes since kept.
    AlreadyLoaded {
        /// Conversations that load stored.
        rows: u64,
        /// When, epoch ms.
        loaded_at_ms: i64,
        /// The fingerprint recorded, when it is a demo's from before the
        /// year was part of it: taken as this data, whatever year it spans.
        recorded: Option<String>,
    },
}

impl fmt::Display for LoadOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadOutcome::Loaded {
                rows,
                skipped,
                replaced,
            } => {
                write!(f, "loaded {rows} conversations")?;
                if !skipped.is_empty() {
                    write!(f, " ({} bad records skipped)", skipped.len())?;
                }
                if *replaced {
                    f.write_str(", replacing the earlier data")?;
                }
                Ok(())
            }
            LoadOutcome::AlreadyLoaded {
                rows,
                loaded_at_ms,
                recorded,
            } => {
                write!(
                    f,
                    "already loaded, {rows} rows (at {}), writes since kept",
                    crate::time::format_ms(*loaded_at_ms)
                )?;
                match recorded {
                    Some(fp) => write!(
                        f,
                        "; recorded before the demo's year was ({fp}): taken as this data \
                         whatever year it spans, --replace-data reseeds it"
                    ),
                    None => Ok(()),
                }
            }
        }
    }
}

/// The fingerprint of `source`: the file's SHA-256 (hex), or the demo's
/// ([`crate::journal::demo_fingerprint`], the same text as a data directory's).
///
/// ```
/// use store::pg::load::{fingerprint, SymblSource};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let demo = SymblSource::Demo { seed: 7, size: 50, until_ms: 0, pinned: false, with_messages: 0 };
/// assert_eq!(fingerprint(&demo).await.unwrap(), "demo seed=7 size=50 until=start");
/// let pinned = SymblSource::Demo { seed: 7, size: 50, until_ms: 0, pinned: true, with_messages: 0 };
/// assert_eq!(fingerprint(&pinned).await.unwrap(), "demo seed=7 size=50 until=1970-01-01T00:00:00.000Z");
/// # });
/// ```
pub async fn fingerprint(source: &SymblSource) -> Result<String, PgLoadError> {
    match source {
        SymblSource::Demo {
            seed,
            size,
            until_ms,
            pinned,
            ..
        } => Ok(crate::journal::demo_fingerprint(
            *seed,
            *size,
            pinned.then_some(*until_ms),
        )),
        SymblSource::Jsonl { path, .. } => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || sha256_file(&path))
                .await
                .map_err(|e| PgLoadError::Storage(StorageError::internal(BACKEND, e.to_string())))?
        }
    }
}

/// The SHA-256 of a file, hex.
fn sha256_file(path: &Path) -> Result<String, PgLoadError> {
    let io = |e: std::io::Error| PgLoadError::File(LoadError::io(Some(path.to_path_buf()), &e));
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Loads the Symbl conversations of `source` as `mode` says (see the
/// module docs): one transaction holding the `TRUNCATE` (when replacing),
/// the `COPY`s, the members, the `loads` record and an `ANALYZE`.
pub async fn load_symbl(
    pool: &Pool,
    source: &SymblSource,
    mode: LoadMode,
) -> Result<LoadOutcome, PgLoadError> {
    let seed = Seed {
        family: FAMILY,
        table: "conversations",
        flag: source.flag(),
        noun: "conversations".to_owned(),
        fingerprint: fingerprint(source).await?,
    };
    let mut client = seed::checkout(pool).await?;
    let tx = seed::begin(&mut client).await?;
    let replaced = match seed.gate(&tx, mode).await? {
        Gate::Skip {
            rows,
            loaded_at_ms,
            recorded,
        } => {
            seed::commit(tx).await?;
            return Ok(LoadOutcome::AlreadyLoaded {
                rows,
                loaded_at_ms,
                recorded,
            });
        }
        Gate::Load { replaced } => replaced,
    };
    if replaced {
        tx.batch_execute("TRUNCATE conversations, members, messages")
            .await
            .map_err(db("TRUNCATE"))?;
    }
    let (rows, skipped) = copy_all(&tx, source).await?;
    let rows_i64 = i64::try_from(rows).unwrap_or(i64::MAX);
    tx.execute("UPDATE conversation_count SET n = $1", &[&rows_i64])
        .await
        .map_err(db("setting the conversation count"))?;
    seed.record(&tx, rows).await?;
    tx.batch_execute("ANALYZE conversations; ANALYZE members; ANALYZE messages")
        .await
        .map_err(db("ANALYZE"))?;
    seed::commit(tx).await?;
    vacuum(&client).await?;
    Ok(LoadOutcome::Loaded {
        rows,
        skipped,
        replaced,
    })
}

/// The tables a load fills, one `COPY` each, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    Conversations,
    Members,
    Messages,
}

impl Pass {
    fn copy_sql(self) -> &'static str {
        match self {
            Pass::Conversations => {
                "COPY conversations (id, type, name, start_ms, end_ms, metadata, doc) FROM STDIN"
            }
            Pass::Members => "COPY members (conversation_id, position, id, name, email) FROM STDIN",
            Pass::Messages => {
                "COPY messages (conversation_id, position, id, text, from_id, from_name, \
                 from_user_id, start_ms, end_ms, sentiment, words) FROM STDIN"
            }
        }
    }

    fn what(self) -> &'static str {
        match self {
            Pass::Conversations => "COPY conversations",
            Pass::Members => "COPY members",
            Pass::Messages => "COPY messages",
        }
    }
}

/// What a producing thread ends with: rows loaded and bad lines skipped.
type Produced = Result<(u64, Vec<LoadError>), PgLoadError>;

/// The `COPY`s of a load: the conversations, then their members (the
/// source read again: no table-sized buffer), then the demo's messages.
/// Returns the first pass's rows and bad lines.
async fn copy_all(
    tx: &Transaction<'_>,
    source: &SymblSource,
) -> Result<(u64, Vec<LoadError>), PgLoadError> {
    let first = copy_pass(tx, source, Pass::Conversations).await?;
    copy_pass(tx, source, Pass::Members).await?;
    if matches!(source, SymblSource::Demo { .. }) {
        copy_pass(tx, source, Pass::Messages).await?;
    }
    Ok(first)
}

/// One `COPY`: a blocking thread builds the rows of `pass` from `source`
/// in chunks, this task streams them to the database.
async fn copy_pass(tx: &Transaction<'_>, source: &SymblSource, pass: Pass) -> Produced {
    let (send, mut recv) = mpsc::channel::<Vec<u8>>(4);
    let producer_source = source.clone();
    let producer = tokio::task::spawn_blocking(move || produce(&producer_source, pass, &send));
    let sink = tx.copy_in(pass.copy_sql()).await.map_err(db(pass.what()))?;
    let mut sink = Box::pin(sink);
    while let Some(chunk) = recv.recv().await {
        sink.send(Bytes::from(chunk))
            .await
            .map_err(db(pass.what()))?;
    }
    let produced: Produced = producer
        .await
        .map_err(|e| PgLoadError::Storage(StorageError::internal(BACKEND, e.to_string())))?;
    // A failed producer leaves the transaction to roll back when dropped.
    let produced = produced?;
    sink.as_mut().finish().await.map_err(db(pass.what()))?;
    Ok(produced)
}

/// Builds the `COPY` rows of `pass`, sends them in chunks, returns what
/// was loaded. Stops early on an error, or when the receiving side has gone.
fn produce(source: &SymblSource, pass: Pass, send: &mpsc::Sender<Vec<u8>>) -> Produced {
    let mut out = CopyOut {
        send,
        pass,
        buf: Vec::with_capacity(COPY_CHUNK + 4096),
        gone: false,
    };
    match source {
        SymblSource::Demo {
            seed,
            size,
            until_ms,
            with_messages,
            ..
        } => {
            match pass {
                Pass::Conversations | Pass::Members => {
                    for c in crate::generate::conversations_until(*seed, *size, *until_ms) {
                        out.row(&c)?;
                    }
                }
                Pass::Messages => {
                    for i in 0..(*with_messages).min(*size) {
                        let c = crate::generate::conversation_until(*seed, i, *until_ms);
                        let mut messages = crate::generate::messages(*seed, &c);
                        // The in-memory store's order (Store::set_messages).
                        messages.sort_by(|a, b| (a.start_time, &a.id).cmp(&(b.start_time, &b.id)));
                        for (pos, m) in messages.iter().enumerate() {
                            out.message(&c.id, pos, m);
                        }
                        out.flush_if_full();
                    }
                }
            }
            out.flush();
            if out.gone {
                return Err(PgLoadError::File(gone_error()));
            }
            Ok((*size, Vec::new()))
        }
        SymblSource::Jsonl { path, opts } => {
            let report = jsonl(path, opts, &mut out)
                .map_err(|e| e.in_file(path))
                .map_err(PgLoadError::File)?;
            out.flush();
            if out.gone {
                return Err(PgLoadError::File(gone_error()));
            }
            let skipped = report
                .skipped
                .into_iter()
                .map(|e| e.in_file(path))
                .collect();
            Ok((u64::try_from(report.loaded).unwrap_or(u64::MAX), skipped))
        }
    }
}

/// `VACUUM (ANALYZE)` after a load (outside its transaction, as VACUUM
/// must be): the visibility map lets the window counts run as index-only
/// scans at once instead of after autovacuum's next round.
async fn vacuum(client: &tokio_postgres::Client) -> Result<(), PgLoadError> {
    client
        .batch_execute("SET statement_timeout = 0")
        .await
        .map_err(db("lifting the statement timeout for VACUUM"))?;
    let vacuumed = client
        .batch_execute("VACUUM (ANALYZE) conversations, members, messages")
        .await;
    client
        .batch_execute("RESET statement_timeout")
        .await
        .map_err(db("restoring the statement timeout"))?;
    vacuumed.map_err(db("VACUUM (ANALYZE)"))
}

/// The JSONL loader's line rules (`crate::load`): a leading byte order mark
/// dropped, lines split at `\n`,
/// trailing `\r`/`\n` cut, blank lines skipped, invalid UTF-8 and every
/// record error reported with the 1-based line number, a line longer than
/// [`crate::load::MAX_LINE_BYTES`] refused and read past without being held;
/// a duplicate id is a bad line, as in the store.
fn jsonl(path: &Path, opts: &LoadOptions, out: &mut CopyOut<'_>) -> Result<LoadReport, LoadError> {
    let file =
        std::fs::File::open(path).map_err(|e| LoadError::io(Some(path.to_path_buf()), &e))?;
    let mut input = std::io::BufReader::with_capacity(1 << 20, file);
    let mut report = LoadReport::default();
    let mut ids: HashSet<String> = HashSet::new();
    let mut line_no = 0usize;
    let mut raw = Vec::with_capacity(4096);
    // A UTF-8 byte order mark at the start of the file is not part of the
    // first line (as in memory). A file's first read holds its first bytes.
    if input
        .fill_buf()
        .map_err(|e| LoadError::io(None, &e))?
        .starts_with(crate::load::BOM)
    {
        input.consume(crate::load::BOM.len());
    }
    // A line, its `\r` and its `\n` at most: anything longer is too long.
    let most = MAX_LINE_BYTES as u64 + 2;
    loop {
        raw.clear();
        match (&mut input).take(most).read_until(b'\n', &mut raw) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(LoadError::io(None, &e)),
        }
        line_no += 1;
        // Cut short before its newline: too long whatever its last bytes.
        let cut = raw.len() as u64 == most && raw.last() != Some(&b'\n');
        if cut {
            input
                .skip_until(b'\n')
                .map_err(|e| LoadError::io(None, &e))?;
        }
        let too_long = cut || crate::load::line_len(&raw) > MAX_LINE_BYTES;
        let mut line: &[u8] = &raw;
        while let [rest @ .., b'\n' | b'\r'] = line {
            line = rest;
        }
        let parsed = match std::str::from_utf8(line) {
            _ if too_long => Err(crate::load::line_too_long()),
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => record(text, &ids),
            Err(e) => Err(RecordError::whole(RecordErrorKind::Json {
                message: "invalid UTF-8".to_string(),
                column: e.valid_up_to() + 1,
            })),
        };
        match parsed {
            Ok(c) => {
                out.row(&c).map_err(|_| gone_error())?;
                ids.insert(c.id);
                report.loaded += 1;
            }
            Err(err) => report.reject(LoadError::record(Position::Line(line_no), err), opts)?,
        }
        if out.gone {
            return Err(gone_error());
        }
    }
    Ok(report)
}

/// The error a load stops with when the database side went away (its own
/// error is the one reported).
fn gone_error() -> LoadError {
    LoadError::io(
        None,
        &std::io::Error::new(
            std::io::ErrorKind::BrokenPipe,
            "the database stopped taking the data",
        ),
    )
}

/// One line's conversation, validated as the store validates a loaded one.
fn record(text: &str, ids: &HashSet<String>) -> Result<Conversation, RecordError> {
    let draft = crate::parse::parse_conversation(text)?;
    if ids.contains(draft.id.as_ref()) {
        return Err(RecordError::at(
            "id",
            RecordErrorKind::DuplicateId {
                id: draft.id.to_string(),
            },
        ));
    }
    crate::writes::no_nul_in_draft(&draft)?;
    Ok(draft.to_owned_conversation())
}

/// The `COPY` text being built and where it goes.
struct CopyOut<'s> {
    send: &'s mpsc::Sender<Vec<u8>>,
    pass: Pass,
    buf: Vec<u8>,
    gone: bool,
}

impl CopyOut<'_> {
    /// Appends the rows of `c` of this pass (its conversation row, or its
    /// member rows); sends a full chunk.
    fn row(&mut self, c: &Conversation) -> Result<(), PgLoadError> {
        match self.pass {
            Pass::Conversations => self.conversation(c)?,
            Pass::Members => self.members(c),
            Pass::Messages => {}
        }
        self.flush_if_full();
        if self.gone {
            return Err(PgLoadError::File(gone_error()));
        }
        Ok(())
    }

    /// Appends one conversation's row.
    fn conversation(&mut self, c: &Conversation) -> Result<(), PgLoadError> {
        let doc = serde_json::to_string(c).map_err(|e| {
            PgLoadError::Storage(StorageError::internal(
                BACKEND,
                format!("rendering conversation {}: {e}", c.id),
            ))
        })?;
        let b = &mut self.buf;
        copy_text(b, &c.id);
        b.push(b'\t');
        copy_text(b, &c.kind);
        b.push(b'\t');
        copy_text(b, &c.name);
        b.push(b'\t');
        b.extend_from_slice(c.start_time.to_string().as_bytes());
        b.push(b'\t');
        match c.end_time {
            Some(e) => b.extend_from_slice(e.to_string().as_bytes()),
            None => b.extend_from_slice(b"\\N"),
        }
        b.push(b'\t');
        copy_text(b, &metadata_json(&c.metadata));
        b.push(b'\t');
        copy_text(b, &doc);
        b.push(b'\n');
        Ok(())
    }

    /// Appends the conversation's member rows, `position` in stored order.
    fn members(&mut self, c: &Conversation) {
        let b = &mut self.buf;
        for (pos, m) in c.members.iter().enumerate() {
            copy_text(b, &c.id);
            b.push(b'\t');
            b.extend_from_slice(pos.to_string().as_bytes());
            b.push(b'\t');
            copy_text(b, &m.id);
            b.push(b'\t');
            copy_text(b, &m.name);
            b.push(b'\t');
            match &m.email {
                Some(e) => copy_text(b, e),
                None => b.extend_from_slice(b"\\N"),
            }
            b.push(b'\n');
        }
    }

    /// Appends one message row.
    fn message(&mut self, conversation_id: &str, pos: usize, m: &Message) {
        let b = &mut self.buf;
        copy_text(b, conversation_id);
        b.push(b'\t');
        b.extend_from_slice(pos.to_string().as_bytes());
        b.push(b'\t');
        copy_text(b, &m.id);
        b.push(b'\t');
        copy_text(b, &m.text);
        b.push(b'\t');
        copy_text(b, &m.from.id);
        b.push(b'\t');
        copy_text(b, &m.from.name);
        b.push(b'\t');
        match &m.from.user_id {
            Some(u) => copy_text(b, u),
            None => b.extend_from_slice(b"\\N"),
        }
        b.push(b'\t');
        b.extend_from_slice(format!("{}\t{}\t", m.start_time, m.end_time).as_bytes());
        match m.sentiment {
            // Rust's shortest round-trip form; PostgreSQL reads it back to
            // the same double (extra_float_digits does not matter on input).
            Some(s) => b.extend_from_slice(format!("{s:?}").as_bytes()),
            None => b.extend_from_slice(b"\\N"),
        }
        b.push(b'\t');
        copy_text(b, &words_json(&m.words));
        b.push(b'\n');
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= COPY_CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.buf.is_empty() || self.gone {
            return;
        }
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(COPY_CHUNK + 4096));
        if self.send.blocking_send(data).is_err() {
            self.gone = true;
        }
    }
}

/// Appends `s` in `COPY … FROM STDIN` text format.
fn copy_text(out: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
}
