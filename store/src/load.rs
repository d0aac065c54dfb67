//! Loading data files: the conversation JSONL of `docs/data-formats.md`
//! (streaming, line by line) and the options shared by every family's loader.
//!
//! A bad line never loads half a record: a line is parsed and validated into a
//! complete [`Conversation`](crate::Conversation) before the store sees it.
//! [`LoadOptions`] decides what happens next: stop at the first bad line
//! ([`OnError::Fail`]) or skip it and report it ([`OnError::Skip`]).

use std::io::Read as _;

use crate::error::LoadError;

/// What to do with a bad record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnError {
    /// Stop and return the error. Records before it stay loaded.
    Fail,
    /// Skip the record, remember the error in [`LoadReport::skipped`], go on.
    #[default]
    Skip,
}

/// Options for every loader.
///
/// ```
/// use store::load::{LoadOptions, OnError};
/// let opts = LoadOptions::default().with_on_error(OnError::Fail);
/// assert_eq!(opts.on_error(), OnError::Fail);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    on_error: OnError,
    max_errors: usize,
}

impl Default for LoadOptions {
    /// Skip bad records, give up after 1 000 of them.
    fn default() -> Self {
        LoadOptions {
            on_error: OnError::Skip,
            max_errors: 1000,
        }
    }
}

impl LoadOptions {
    /// Stop at the first bad record.
    ///
    /// ```
    /// assert_eq!(store::load::LoadOptions::fail_fast().on_error(), store::load::OnError::Fail);
    /// ```
    pub fn fail_fast() -> LoadOptions {
        LoadOptions {
            on_error: OnError::Fail,
            ..LoadOptions::default()
        }
    }

    /// Sets what happens to a bad record.
    ///
    /// ```
    /// let o = store::load::LoadOptions::default().with_on_error(store::load::OnError::Skip);
    /// assert_eq!(o.on_error(), store::load::OnError::Skip);
    /// ```
    pub fn with_on_error(mut self, on_error: OnError) -> LoadOptions {
        self.on_error = on_error;
        self
    }

    /// In [`OnError::Skip`] mode, how many bad records are tolerated before the
    /// load fails with [`LoadErrorKind::TooManyErrors`](crate::LoadErrorKind)
    /// (so a file in the wrong format does not produce a million reports).
    /// It bounds only the reports kept, not the records read.
    ///
    /// ```
    /// let o = store::load::LoadOptions::default().with_max_errors(5);
    /// assert_eq!(o.max_errors(), 5);
    /// ```
    pub fn with_max_errors(mut self, max_errors: usize) -> LoadOptions {
        self.max_errors = max_errors;
        self
    }

    /// The bad-record policy.
    ///
    /// ```
    /// assert_eq!(store::load::LoadOptions::default().on_error(), store::load::OnError::Skip);
    /// ```
    pub fn on_error(&self) -> OnError {
        self.on_error
    }

    /// The bad-record limit in skip mode.
    ///
    /// ```
    /// assert_eq!(store::load::LoadOptions::default().max_errors(), 1000);
    /// ```
    pub fn max_errors(&self) -> usize {
        self.max_errors
    }
}

/// What a load did.
///
/// ```
/// use store::load::{load_jsonl, LoadOptions};
/// let mut s = store::Store::new();
/// let data = "{\"id\":\"1\",\"type\":\"call\",\"name\":\"a\",\"startTime\":\"2021-01-01T00:00:00Z\"}\nnot json\n";
/// let report = load_jsonl(&mut s, data.as_bytes(), &LoadOptions::default())?;
/// assert_eq!(report.loaded, 1);
/// assert_eq!(report.skipped.len(), 1);
/// # Ok::<(), store::LoadError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadReport {
    /// Records stored.
    pub loaded: usize,
    /// Bad records skipped (only in [`OnError::Skip`] mode), in file order.
    pub skipped: Vec<LoadError>,
}

impl LoadReport {
    /// Applies the policy to a bad record: `Err` stops the load.
    pub(crate) fn reject(&mut self, err: LoadError, opts: &LoadOptions) -> Result<(), LoadError> {
        match opts.on_error {
            OnError::Fail => Err(err),
            OnError::Skip if self.skipped.len() >= opts.max_errors => {
                Err(LoadError::too_many(opts.max_errors))
            }
            OnError::Skip => {
                self.skipped.push(err);
                Ok(())
            }
        }
    }
}

/// Loads conversations from JSONL (one JSON object per line; blank lines are
/// ignored), streaming: memory use does not grow with the input beyond the
/// stored data. Each line is parsed and validated completely before it is
/// stored; a bad line is reported with its 1-based number and the field at
/// fault, and never half-loaded. Indexes are built once at the end.
///
/// ```
/// use store::load::{load_jsonl, LoadOptions};
/// let mut s = store::Store::new();
/// let mut data = Vec::new();
/// store::generate::write_jsonl(7, 100, &mut data)?;
/// let report = load_jsonl(&mut s, data.as_slice(), &LoadOptions::fail_fast())?;
/// assert_eq!((report.loaded, s.len()), (100, 100));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_jsonl(
    store: &mut crate::Store,
    input: impl std::io::Read + Send,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    load_lines(store, input, None, opts)
}

/// [`load_jsonl`] of an input of `size` bytes, when known (a file's): once
/// the first chunk shows the bytes per line, room is reserved for the rows
/// the rest of the input holds at that rate (see [`reserve_for`]).
fn load_lines(
    store: &mut crate::Store,
    input: impl std::io::Read + Send,
    size: Option<u64>,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport::default();
    let mut bulk = store.bulk();
    // A second thread reads and parses chunks of lines while this one
    // interns and stores them. Stored chunks go back to it to be freed
    // there, and their text buffers reused.
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Chunk, LoadError>>(4);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<Chunk>();
        scope.spawn(move || read_chunks(input, &tx, &done_rx));
        let mut size = size;
        for chunk in rx {
            let chunk = chunk?;
            if let Some(size) = size.take() {
                bulk.reserve(reserve_for(size, &chunk));
            }
            for (line_no, parsed) in chunk.borrow_dependent() {
                let stored = match parsed {
                    Ok(draft) => bulk.add(draft),
                    Err(err) => Err(err.clone()),
                };
                match stored {
                    Ok(()) => report.loaded += 1,
                    Err(err) => report.reject(
                        LoadError::record(crate::Position::Line(*line_no), err),
                        opts,
                    )?,
                }
            }
            // The reading thread may have finished: then the chunk is freed here.
            let _ = done_tx.send(chunk);
        }
        Ok(report)
    })
}

/// How many rows an input of `size` bytes holds at the rate of its first
/// chunk, plus 5 % and one chunk's worth: the row vector is then sized once
/// instead of doubling (each doubling copies it, and holds both copies for a
/// moment). At most one row per 64 bytes (no valid line is
/// shorter), so a first chunk of short lines cannot reserve much more than
/// the file could hold. Nothing when the first chunk is under half a block:
/// a line longer than the block followed it (or a refused over-long line is
/// all it holds), and the few lines it has say nothing of the rest; the
/// vector then grows as it fills.
fn reserve_for(size: u64, first: &Chunk) -> usize {
    if first.borrow_owner().len() < CHUNK_BYTES / 2 {
        return 0;
    }
    let lines = first.borrow_dependent().len() as u64;
    let bytes = (first.borrow_owner().len() as u64).max(1);
    let rows = size.saturating_mul(lines) / bytes;
    let rows = (rows + rows / 20 + lines).min(size / 64);
    usize::try_from(rows).unwrap_or(usize::MAX)
}

/// The parsed lines of a chunk: each `(line number, draft or error)`, the
/// drafts borrowing from the chunk's text.
type Lines<'a> = Vec<(usize, Result<crate::parse::Draft<'a>, crate::RecordError>)>;

self_cell::self_cell!(
    /// Lines of input text and their drafts, which borrow from it: the
    /// storing thread reads them as they are, with no copy.
    struct Chunk {
        owner: String,
        #[covariant]
        dependent: Lines,
    }
);

/// Where a decoded line sits in a chunk's text, or why it could not be decoded.
type LineSpan = Result<(usize, usize), crate::RecordError>;

/// The UTF-8 byte order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// About this many bytes of text per chunk.
const CHUNK_BYTES: usize = 1 << 20;

/// The longest line a JSONL conversation file may hold, in bytes without
/// its line ending (`\n`, or `\r\n`: one `\r` before the `\n` is not
/// counted): 16 MiB. A longer line is a bad record (skipped or
/// fatal as [`LoadOptions`] says) and is read past without being held, so
/// a file without newlines cannot make a load hold more than this.
///
/// ```
/// use store::load::{load_jsonl, LoadOptions, MAX_LINE_BYTES};
/// let mut data = vec![b'x'; MAX_LINE_BYTES + 1];
/// data.extend_from_slice(b"\n{\"id\":\"1\",\"type\":\"t\",\"name\":\"n\",\"startTime\":\"2021-01-01T00:00:00Z\"}\n");
/// let mut s = store::Store::new();
/// let report = load_jsonl(&mut s, &data[..], &LoadOptions::default())?;
/// assert_eq!(report.loaded, 1);
/// assert_eq!(
///     report.skipped[0].to_string(),
///     "line 1: longer than the loader's limit of 16777216 bytes"
/// );
/// # Ok::<(), store::LoadError>(())
/// ```
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// The length [`MAX_LINE_BYTES`] limits: `line` (up to and including its
/// `\n`, if any) without that `\n` and one `\r` before it.
pub(crate) fn line_len(line: &[u8]) -> usize {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line).len()
}

/// The error of a line longer than [`MAX_LINE_BYTES`].
pub(crate) fn line_too_long() -> crate::RecordError {
    crate::RecordError::whole(crate::RecordErrorKind::LineTooLong {
        limit: MAX_LINE_BYTES,
    })
}

/// Reads `input` up to and including its next newline, keeping nothing
/// before it: the rest of an over-long line. Returns the bytes read after
/// the newline (empty at the end of the input).
fn skip_line(input: &mut impl std::io::Read) -> std::io::Result<Vec<u8>> {
    let mut block = Vec::with_capacity(CHUNK_BYTES);
    loop {
        block.clear();
        let n = input.take(CHUNK_BYTES as u64).read_to_end(&mut block)?;
        if let Some(at) = block.iter().position(|&b| b == b'\n') {
            return Ok(block.split_off(at + 1));
        }
        if n == 0 {
            return Ok(Vec::new());
        }
    }
}

/// Reads `input`, splits it into chunks of whole lines and parses them,
/// sending each chunk to the storing thread; stops when that thread hangs up.
fn read_chunks(
    mut input: impl std::io::Read,
    tx: &std::sync::mpsc::SyncSender<Result<Chunk, LoadError>>,
    done: &std::sync::mpsc::Receiver<Chunk>,
) {
    let mut line_no = 0usize;
    let mut carry: Vec<u8> = Vec::new();
    // How many of the carried bytes are known to hold no newline.
    let mut searched = 0usize;
    let mut eof = false;
    while !eof {
        // Fill a block, then cut it after its last newline; the rest of the
        // line waits for the next block.
        // (`read_to_end` reads into the spare capacity without zeroing it
        // first, and retries interrupted reads.)
        // The text buffer of a stored chunk, when one is back (its drafts
        // are freed here, not on the storing thread).
        let mut block = match done.try_recv() {
            Ok(chunk) => {
                let mut buffer = chunk.into_owner().into_bytes();
                buffer.clear();
                buffer.extend_from_slice(&std::mem::take(&mut carry));
                buffer
            }
            Err(_) => std::mem::take(&mut carry),
        };
        // Carried bytes known to hold no newline are not searched again (a
        // line of many blocks is not searched from its start each time).
        let carried = block.len();
        block.reserve(CHUNK_BYTES);
        match (&mut input)
            .take(CHUNK_BYTES as u64)
            .read_to_end(&mut block)
        {
            Ok(n) => eof = n < CHUNK_BYTES,
            Err(e) => {
                let _ = tx.send(Err(LoadError::io(None, &e)));
                return;
            }
        }
        if line_no == 0 && carried == 0 && block.starts_with(BOM) {
            // A UTF-8 byte order mark (some editors write one) is not part
            // of the first line.
            block.drain(..BOM.len());
        }
        if !eof {
            let last_newline = block
                .get(searched..)
                .and_then(|new| new.iter().rposition(|&b| b == b'\n'))
                .map(|at| searched + at);
            match last_newline {
                Some(nl) => {
                    carry = block.split_off(nl + 1);
                    searched = carry.len();
                }
                // A line longer than a block: keep reading it, up to the
                // limit and the `\r` that may end it (`line_len`).
                None if block.len() <= MAX_LINE_BYTES + 1 => {
                    searched = block.len();
                    carry = block;
                    continue;
                }
                // Past the limit: the line is refused and the rest of it
                // read past, never held.
                None => {
                    line_no += 1;
                    let refused =
                        Chunk::new(String::new(), |_| vec![(line_no, Err(line_too_long()))]);
                    if tx.send(Ok(refused)).is_err() {
                        return;
                    }
                    match skip_line(&mut input) {
                        // What follows the line may hold whole lines.
                        Ok(rest) => {
                            carry = rest;
                            searched = 0;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(LoadError::io(None, &e)));
                            return;
                        }
                    }
                    continue;
                }
            }
        }
        let chunk = parse_block(block, &mut line_no);
        if tx.send(Ok(chunk)).is_err() {
            return;
        }
    }
}

/// Parses the lines of a block of whole lines.
fn parse_block(block: Vec<u8>, line_no: &mut usize) -> Chunk {
    // The common case: the whole block is UTF-8 and becomes the chunk text
    // without a copy. Otherwise lines are decoded one by one, so that only
    // the bad ones fail.
    let (text, spans) = match String::from_utf8(block) {
        Ok(text) => {
            let mut spans: Vec<(usize, LineSpan)> = Vec::with_capacity(text.len() / 512 + 1);
            let mut start = 0;
            for line in text.split_inclusive('\n') {
                *line_no += 1;
                let end = start + line.trim_end_matches(['\n', '\r']).len();
                if line_len(line.as_bytes()) > MAX_LINE_BYTES {
                    spans.push((*line_no, Err(line_too_long())));
                } else if !text[start..end].trim().is_empty() {
                    spans.push((*line_no, Ok((start, end))));
                }
                start += line.len();
            }
            (text, spans)
        }
        Err(e) => {
            let bytes = e.into_bytes();
            let mut text = String::with_capacity(bytes.len());
            let mut spans: Vec<(usize, LineSpan)> = Vec::new();
            for raw in bytes.split_inclusive(|&b| b == b'\n') {
                *line_no += 1;
                let too_long = line_len(raw) > MAX_LINE_BYTES;
                let mut raw = raw;
                while let [rest @ .., b'\n' | b'\r'] = raw {
                    raw = rest;
                }
                if too_long {
                    spans.push((*line_no, Err(line_too_long())));
                    continue;
                }
                match std::str::from_utf8(raw) {
                    Ok(line) if line.trim().is_empty() => {}
                    Ok(line) => {
                        let at = text.len();
                        text.push_str(line);
                        spans.push((*line_no, Ok((at, text.len()))));
                    }
                    Err(e) => spans.push((
                        *line_no,
                        Err(crate::RecordError::whole(crate::RecordErrorKind::Json {
                            message: "invalid UTF-8".to_string(),
                            column: e.valid_up_to() + 1,
                        })),
                    )),
                }
            }
            (text, spans)
        }
    };
    Chunk::new(text, |text| {
        spans
            .into_iter()
            .map(|(n, span)| {
                let parsed = span.and_then(|(a, b)| {
                    crate::parse::parse_conversation(text.get(a..b).unwrap_or_default())
                });
                (n, parsed)
            })
            .collect()
    })
}

/// [`load_jsonl`] from a file; errors name the file.
///
/// ```
/// let path = std::env::temp_dir().join(format!("conv-doc-{}.jsonl", std::process::id()));
/// let mut data = Vec::new();
/// store::generate::write_jsonl(7, 10, &mut data)?;
/// std::fs::write(&path, &data)?;
/// let mut s = store::Store::new();
/// assert_eq!(store::load::load_jsonl_file(&mut s, &path, &Default::default())?.loaded, 10);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_jsonl_file(
    store: &mut crate::Store,
    path: impl AsRef<std::path::Path>,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let path = path.as_ref();
    let file =
        std::fs::File::open(path).map_err(|e| LoadError::io(Some(path.to_path_buf()), &e))?;
    // The length is only a hint: a file that grows or shrinks meanwhile
    // loads what is read.
    let size = file.metadata().ok().map(|m| m.len());
    let mut report = load_lines(store, file, size, opts).map_err(|e| e.in_file(path))?;
    for e in &mut report.skipped {
        *e = e.clone().in_file(path);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(text: &str) -> Chunk {
        parse_block(text.as_bytes().to_vec(), &mut 0)
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        let mut data = BOM.to_vec();
        crate::generate::write_jsonl(7, 3, &mut data).unwrap();
        let mut s = crate::Store::new();
        let report = load_jsonl(&mut s, data.as_slice(), &LoadOptions::fail_fast()).unwrap();
        assert_eq!((report.loaded, s.len()), (3, 3));
        // Only at the very start: elsewhere it is a bad line, named.
        let mut later = Vec::new();
        crate::generate::write_jsonl(7, 1, &mut later).unwrap();
        later.extend_from_slice(BOM);
        crate::generate::write_jsonl(8, 1, &mut later).unwrap();
        let mut s = crate::Store::new();
        let report = load_jsonl(&mut s, later.as_slice(), &LoadOptions::default()).unwrap();
        assert_eq!(report.loaded, 1);
        assert_eq!(report.skipped.len(), 1);
        assert!(
            report.skipped[0].to_string().contains("line 2"),
            "{}",
            report.skipped[0]
        );
    }

    #[test]
    fn a_line_longer_than_a_block_is_read_whole() {
        // Three blocks' worth of one line (a name padded past 2 MiB), then a
        // short line: both load; the long one is searched once per block.
        let mut c = crate::generate::conversation(7, 0);
        c.name = "x".repeat(2 * CHUNK_BYTES + 10);
        let mut data = serde_json::to_vec(&c).unwrap();
        data.push(b'\n');
        let short = crate::generate::conversation(7, 1);
        data.extend_from_slice(&serde_json::to_vec(&short).unwrap());
        let mut s = crate::Store::new();
        let report = load_jsonl(&mut s, data.as_slice(), &LoadOptions::fail_fast()).unwrap();
        assert_eq!(report.loaded, 2);
        assert_eq!(s.get(&c.id).unwrap().name.len(), 2 * CHUNK_BYTES + 10);
    }

    #[test]
    fn reserves_for_the_rest_at_the_first_chunks_rate() {
        // 5 243 lines of 100 bytes (half a block) in a file of 100 MB:
        // 1 000 000 rows, plus 5 % and the chunk's lines.
        let line = format!("{{\"id\":\"{}\"}}\n", "x".repeat(90));
        assert_eq!(line.len(), 100);
        let half = CHUNK_BYTES / 2 / 100 + 1;
        let rows = 100_000_000 * half as u64 / (half as u64 * 100);
        assert_eq!(
            reserve_for(100_000_000, &chunk(&line.repeat(half))),
            (rows + rows / 20 + half as u64) as usize
        );
        // Lines shorter than any valid one: at most one row per 64 bytes.
        let tiny = "{}\n".repeat(CHUNK_BYTES / 2 / 3 + 1);
        assert_eq!(reserve_for(100_000_000, &chunk(&tiny)), 1_562_500);
        // A chunk of blank lines reserves nothing.
        assert_eq!(
            reserve_for(100_000_000, &chunk(&"\n".repeat(CHUNK_BYTES))),
            0
        );
        // Nor does a first chunk under half a block: a line longer than a
        // block followed it (here one short line, then 20 GB without a
        // newline) ...
        assert_eq!(reserve_for(20_000_000_000, &chunk(&line)), 0);
        // ... or a refused over-long first line (a chunk of one error).
        let refused = Chunk::new(String::new(), |_| vec![(1, Err(line_too_long()))]);
        assert_eq!(reserve_for(20_000_000_000, &refused), 0);
    }

    /// A valid conversation line of exactly `len` bytes (its name pads it).
    fn line_of(id: &str, len: usize) -> Vec<u8> {
        let tail = r#"","startTime":"2021-01-01T00:00:00Z"}"#;
        let mut line = format!(r#"{{"id":"{id}","type":"t","name":""#).into_bytes();
        line.resize(len - tail.len(), b'x');
        line.extend_from_slice(tail.as_bytes());
        line
    }

    #[test]
    fn lines_up_to_the_limit_load_longer_ones_are_refused_and_read_past() {
        let mut data = line_of("at", MAX_LINE_BYTES);
        data.extend_from_slice(b"\r\n");
        // One byte past: whole in a block, refused when parsed.
        data.extend(line_of("past", MAX_LINE_BYTES + 1));
        data.push(b'\n');
        // Far past: refused while read, the rest read past.
        data.extend(line_of("far", MAX_LINE_BYTES + 3 * CHUNK_BYTES));
        data.push(b'\n');
        data.extend(line_of("after", 100));
        data.push(b'\n');
        // At the end of the input, without a newline.
        data.extend(line_of("last", MAX_LINE_BYTES + 2 * CHUNK_BYTES));
        let mut s = crate::Store::new();
        let report = load_jsonl(&mut s, data.as_slice(), &LoadOptions::default()).unwrap();
        assert_eq!(report.loaded, 2, "{:?}", report.skipped);
        assert!(s.get("at").is_some() && s.get("after").is_some());
        let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
        let too_long =
            |n: usize| format!("line {n}: longer than the loader's limit of 16777216 bytes");
        assert_eq!(skipped, [too_long(2), too_long(3), too_long(5)]);
        // Fail-fast stops at the first.
        let mut s = crate::Store::new();
        let err = load_jsonl(&mut s, data.as_slice(), &LoadOptions::fail_fast()).unwrap_err();
        assert_eq!(err.to_string(), too_long(2));
    }
}
