//! Reading filters from stdin: the whole of it as one filter, or one filter
//! per line (a JSON string, or with `--plain` the text itself).

use std::fmt;
use std::io::{self, BufRead, Read};

/// The most bytes one filter read from stdin may have (the whole input, or
/// one `--batch` line, without its line ending): 1 MiB.
pub(crate) const MAX_INPUT: usize = 1024 * 1024;

/// Why stdin could not be read; the tool stops with exit 2.
#[derive(Debug)]
pub(crate) enum InputError {
    Io(io::Error),
    /// The single filter read from stdin.
    Whole(String),
    /// One `--batch` line.
    Line {
        line: usize,
        reason: String,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Io(e) => write!(f, "cannot read stdin: {e}"),
            InputError::Whole(reason) => write!(f, "stdin: {reason}"),
            InputError::Line { line, reason } => write!(f, "stdin line {line}: {reason}"),
        }
    }
}

fn too_long() -> String {
    format!("the filter is longer than {MAX_INPUT} bytes, the most rsql reads from stdin")
}

/// Drops one line ending: `\n` or `\r\n`.
fn strip_newline(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// The whole of stdin as one filter, minus one trailing line ending.
pub(crate) fn read_whole(input: impl Read) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    // room for the limit, a line ending, and one byte to tell "past it"
    let cap = MAX_INPUT as u64 + 3;
    input
        .take(cap)
        .read_to_end(&mut bytes)
        .map_err(InputError::Io)?;
    let filter = strip_newline(&bytes);
    if filter.len() > MAX_INPUT {
        return Err(InputError::Whole(too_long()));
    }
    String::from_utf8(filter.to_vec()).map_err(|e| {
        InputError::Whole(format!(
            "not UTF-8: invalid byte at offset {}",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// How `--batch` lines hold their filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineFormat {
    /// Each line is a JSON string (so TABs, NBSP and quotes survive).
    Json,
    /// Each line is the filter as UTF-8 text.
    Plain,
}

/// What one non-blank `--batch` line holds.
pub(crate) enum Line {
    Filter(String),
    /// `--plain` only: the line is not UTF-8; answered as a per-line error.
    NotUtf8 {
        offset: usize,
        len: usize,
    },
}

/// Reads `--batch` lines: skips blank ones, stops at the first unreadable one.
pub(crate) struct Lines<R> {
    input: std::io::BufReader<R>,
    format: LineFormat,
    buf: Vec<u8>,
    line: usize,
}

impl<R: Read> Lines<R> {
    pub(crate) fn new(input: R, format: LineFormat) -> Lines<R> {
        Lines {
            input: std::io::BufReader::new(input),
            format,
            buf: Vec::new(),
            line: 0,
        }
    }

    /// Whether more input is already buffered, without reading (when not,
    /// output is flushed, so the tool can be driven one line at a time as a
    /// co-process: a read here would wait for the next line before the
    /// answer to this one went out).
    pub(crate) fn has_buffered(&self) -> bool {
        !self.input.buffer().is_empty()
    }

    /// The next line that holds something, with its 1-based number.
    pub(crate) fn next_line(&mut self) -> Result<Option<(usize, Line)>, InputError> {
        loop {
            self.buf.clear();
            let cap = MAX_INPUT as u64 + 2;
            let n = (&mut self.input)
                .take(cap)
                .read_until(b'\n', &mut self.buf)
                .map_err(InputError::Io)?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let complete = self.buf.ends_with(b"\n") || (n as u64) < cap;
            let content = strip_newline(&self.buf);
            if !complete || content.len() > MAX_INPUT {
                return Err(self.error(format!(
                    "longer than {MAX_INPUT} bytes, the most rsql reads per line"
                )));
            }
            if content.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line = match self.format {
                LineFormat::Json => Line::Filter(decode_json(content).map_err(|r| self.error(r))?),
                LineFormat::Plain => match std::str::from_utf8(content) {
                    Ok(text) => Line::Filter(text.to_owned()),
                    Err(e) => Line::NotUtf8 {
                        offset: e.valid_up_to(),
                        len: e.error_len().unwrap_or(content.len() - e.valid_up_to()),
                    },
                },
            };
            return Ok(Some((self.line, line)));
        }
    }

    fn error(&self, reason: String) -> InputError {
        InputError::Line {
            line: self.line,
            reason,
        }
    }
}

/// Decodes one JSON Lines line into the filter it holds.
fn decode_json(bytes: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("expected a JSON string, found invalid JSON ({e})"))?;
    match value {
        serde_json::Value::String(s) => Ok(s),
        other => Err(format!(
            "expected a JSON string, found {}",
            json_type(&other)
        )),
    }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
