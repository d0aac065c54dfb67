//! Errors for records and files: [`RecordError`] (one record is wrong, and
//! which field) and [`LoadError`] (where in which file).
//!
//! Messages follow the house style: lowercase, no trailing period, backticks
//! around user text, "expected X, found Y".

use std::fmt;
use std::path::PathBuf;

use crate::time::TimestampError;

/// Longest piece of user text echoed back in a message.
const ECHO_CHARS: usize = 40;

/// Shortens user text for a message (about 40 characters, then `…`).
pub(crate) fn echo(s: &str) -> String {
    let mut out: String = s.chars().take(ECHO_CHARS).collect();
    if s.chars().nth(ECHO_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// One record (a conversation, message or document) is not acceptable.
///
/// ```
/// let mut m = store::families::mongo::MongoStore::new();
/// let err = m.insert("acme", "c", serde_json::json!({"_id": 5})).unwrap_err();
/// assert_eq!(err.to_string(), "field `_id`: expected an ObjectId string, found a number");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RecordError {
    field: Option<String>,
    kind: RecordErrorKind,
}

/// What is wrong with a record.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// Not JSON, or not a JSON object: `{"id": 1`.
    Json {
        /// serde_json's description.
        message: String,
        /// 1-based column in the line, when known.
        column: usize,
    },
    /// A required field is absent: `{"id":"1"}` without `startTime`.
    Missing,
    /// A field has the wrong JSON type: `"id": 5`.
    WrongType {
        /// What the field must hold.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A timestamp that is not RFC 3339, or has no offset: `"startTime":"2021-01-25T14:03:18"`.
    Timestamp {
        /// The text found.
        value: String,
        /// Why it was rejected.
        reason: TimestampError,
    },
    /// `endTime` earlier than `startTime`.
    EndBeforeStart {
        /// `startTime` as given.
        start: String,
        /// `endTime` as given.
        end: String,
    },
    /// The id is already stored (or appears twice in one file).
    DuplicateId {
        /// The id.
        id: String,
    },
    /// A JSON object repeats a key: `"metadata":{"a":"1","a":"2"}`.
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// A value of the right type that is not allowed: an empty id, a bad
    /// ObjectId, an unknown status.
    Invalid {
        /// What is allowed.
        expected: String,
        /// The value found.
        found: String,
    },
    /// No record has this id (updates and deletes).
    NotFound {
        /// The id looked up.
        id: String,
    },
    /// Storing the record would pass one of the store's
    /// [`Limits`](crate::Limits): more conversations, distinct strings or
    /// distinct members than it may hold, or a conversation with more members
    /// or a longer JSON head than it accepts.
    Limit {
        /// What is counted: `conversations`, `distinct strings`, `distinct
        /// members`, `members per conversation` or `bytes of JSON before
        /// the members`.
        what: &'static str,
        /// The limit.
        limit: u32,
    },
    /// A JSONL line longer than the loader reads
    /// ([`MAX_LINE_BYTES`](crate::load::MAX_LINE_BYTES)).
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
}

impl RecordError {
    /// An error about `field` (a dotted path such as `members[2].email`).
    pub(crate) fn at(field: impl Into<String>, kind: RecordErrorKind) -> RecordError {
        RecordError {
            field: Some(field.into()),
            kind,
        }
    }

    /// An error about the record as a whole.
    pub(crate) fn whole(kind: RecordErrorKind) -> RecordError {
        RecordError { field: None, kind }
    }

    /// The offending field, as a path (`metadata.agentId`, `members[0].email`).
    ///
    /// ```
    /// let mut m = store::families::mongo::MongoStore::new();
    /// let err = m.insert("acme", "c", serde_json::json!({"created_at": "2021-01-01"})).unwrap_err();
    /// assert_eq!(err.field(), Some("created_at"));
    /// ```
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// What went wrong.
    ///
    /// ```
    /// use store::RecordErrorKind;
    /// let mut m = store::families::mongo::MongoStore::new();
    /// let err = m.insert("acme", "c", serde_json::json!([])).unwrap_err();
    /// assert!(matches!(err.kind(), RecordErrorKind::WrongType { .. }));
    /// ```
    pub fn kind(&self) -> &RecordErrorKind {
        &self.kind
    }

    pub(crate) fn wrong_type(
        field: impl Into<String>,
        expected: &'static str,
        found: &serde_json::Value,
    ) -> RecordError {
        RecordError::at(
            field,
            RecordErrorKind::WrongType {
                expected,
                found: json_type(found),
            },
        )
    }

    pub(crate) fn invalid(
        field: impl Into<String>,
        expected: impl Into<String>,
        found: &str,
    ) -> RecordError {
        RecordError::at(
            field,
            RecordErrorKind::Invalid {
                expected: expected.into(),
                found: echo(found),
            },
        )
    }
}

/// The JSON type name of a value as the store's (and the server's) error
/// messages write it.
///
/// ```
/// assert_eq!(store::json_type(&serde_json::json!([1])), "an array");
/// assert_eq!(store::json_type(&serde_json::Value::Null), "null");
/// ```
pub fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        match &self.kind {
            RecordErrorKind::Json { message, column } => {
                write!(f, "malformed JSON at column {column}: {message}")
            }
            RecordErrorKind::Missing => f.write_str("missing"),
            RecordErrorKind::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            RecordErrorKind::Timestamp { value, reason } => {
                write!(f, "{reason}, found `{}`", echo(value))
            }
            RecordErrorKind::EndBeforeStart { start, end } => {
                write!(f, "`{end}` is before startTime `{start}`")
            }
            RecordErrorKind::DuplicateId { id } => write!(f, "duplicate id `{}`", echo(id)),
            RecordErrorKind::DuplicateKey { key } => write!(f, "duplicate key `{}`", echo(key)),
            RecordErrorKind::Invalid { expected, found } => {
                write!(f, "expected {expected}, found `{found}`")
            }
            RecordErrorKind::NotFound { id } => write!(f, "no record with id `{}`", echo(id)),
            RecordErrorKind::Limit { what, limit } => {
                write!(f, "over the store's limit of {limit} {what}")
            }
            RecordErrorKind::LineTooLong { limit } => {
                write!(f, "longer than the loader's limit of {limit} bytes")
            }
        }
    }
}

impl std::error::Error for RecordError {}

/// Where in a data file a record sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Position {
    /// 1-based line of a JSONL file.
    Line(usize),
    /// 0-based index of an element of a JSON array file.
    Item(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Item(n) => write!(f, "item {n}"),
        }
    }
}

/// A data file could not be read, or one of its records is bad.
///
/// ```
/// use store::load::{load_jsonl, LoadOptions};
/// let mut s = store::Store::new();
/// let input = "{\"id\":\"1\",\"type\":\"call\",\"name\":\"a\",\"startTime\":\"2021-01-01T00:00:00\"}\n";
/// let err = load_jsonl(&mut s, input.as_bytes(), &LoadOptions::fail_fast()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "line 1: field `startTime`: timestamp without an offset, expected `Z` or `±hh:mm` after the time, found `2021-01-01T00:00:00`"
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    file: Option<PathBuf>,
    position: Option<Position>,
    kind: LoadErrorKind,
}

/// Why loading failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The file could not be opened or read.
    Io {
        /// What the OS said.
        message: String,
    },
    /// A record is bad; the store holds none of it.
    Record(RecordError),
    /// More bad records than [`LoadOptions::max_errors`](crate::load::LoadOptions) allows.
    TooManyErrors {
        /// The limit.
        limit: usize,
    },
}

impl LoadError {
    pub(crate) fn record(position: Position, err: RecordError) -> LoadError {
        LoadError {
            file: None,
            position: Some(position),
            kind: LoadErrorKind::Record(err),
        }
    }

    pub(crate) fn record_whole(err: RecordError) -> LoadError {
        LoadError {
            file: None,
            position: None,
            kind: LoadErrorKind::Record(err),
        }
    }

    pub(crate) fn io(file: Option<PathBuf>, err: &std::io::Error) -> LoadError {
        LoadError {
            file,
            position: None,
            kind: LoadErrorKind::Io {
                message: err.to_string(),
            },
        }
    }

    pub(crate) fn too_many(limit: usize) -> LoadError {
        LoadError {
            file: None,
            position: None,
            kind: LoadErrorKind::TooManyErrors { limit },
        }
    }

    pub(crate) fn in_file(mut self, file: impl Into<PathBuf>) -> LoadError {
        self.file = Some(file.into());
        self
    }

    /// The file, when loading from a path.
    ///
    /// ```
    /// let mut s = store::Store::new();
    /// let err = store::load::load_jsonl_file(&mut s, "/nonexistent.jsonl", &Default::default()).unwrap_err();
    /// assert_eq!(err.file(), Some(std::path::Path::new("/nonexistent.jsonl")));
    /// ```
    pub fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }

    /// The line or item of the bad record.
    ///
    /// ```
    /// use store::{load::{load_jsonl, LoadOptions}, Position};
    /// let mut s = store::Store::new();
    /// let err = load_jsonl(&mut s, "\n{".as_bytes(), &LoadOptions::fail_fast()).unwrap_err();
    /// assert_eq!(err.position(), Some(Position::Line(2)));
    /// ```
    pub fn position(&self) -> Option<Position> {
        self.position
    }

    /// What went wrong.
    ///
    /// ```
    /// use store::{load::{load_jsonl, LoadOptions}, LoadErrorKind};
    /// let mut s = store::Store::new();
    /// let err = load_jsonl(&mut s, "[]".as_bytes(), &LoadOptions::fail_fast()).unwrap_err();
    /// assert!(matches!(err.kind(), LoadErrorKind::Record(_)));
    /// ```
    pub fn kind(&self) -> &LoadErrorKind {
        &self.kind
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(p) = self.position {
            write!(f, "{p}: ")?;
        }
        match &self.kind {
            LoadErrorKind::Io { message } => write!(f, "cannot read: {message}"),
            LoadErrorKind::Record(e) => fmt::Display::fmt(e, f),
            LoadErrorKind::TooManyErrors { limit } => {
                write!(f, "more than {limit} bad records, giving up")
            }
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            LoadErrorKind::Record(e) => Some(e),
            _ => None,
        }
    }
}
