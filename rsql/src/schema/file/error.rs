//! [`SchemaFileError`]: where a schema file is wrong, and why.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::SchemaError;

/// A schema file that could not be loaded: where, and why.
///
/// `Display` reads like a compiler message,
/// `file:line:column: key: message`, leaving out what is not known (a
/// string has no file name; JSON gives no position for a declaration that
/// is well-formed but wrong, such as a duplicate field name).
///
/// ```
/// let err = rsql::SchemaFile::from_toml_str(r#"
/// [[fields]]
/// name = "members.email"
/// type = "string"
/// kind = "multi_valued"
/// sql = { column = "m.email" }
/// "#).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "2:1: fields[0].sql: a multi-valued field needs \
///      `sql = { exists = { from = \"…\", join = \"…\", column = \"…\" } }`, found `column`"
/// );
/// ```
#[derive(Debug)]
pub struct SchemaFileError {
    // one pointer wide, so `Result<SchemaFile, SchemaFileError>` stays small
    inner: Box<Details>,
}

#[derive(Debug)]
struct Details {
    kind: SchemaFileErrorKind,
    file: Option<PathBuf>,
    key: Option<String>,
    offset: Option<usize>,
    line: Option<usize>,
    column: Option<usize>,
}

/// What is wrong with a schema file; see [`SchemaFileError::kind`].
#[derive(Debug)]
#[non_exhaustive]
pub enum SchemaFileErrorKind {
    /// The file could not be read.
    Io(std::io::Error),
    /// The file is larger than the limit ([`MAX_FILE_LEN`](super::MAX_FILE_LEN)).
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The file is not UTF-8 text.
    NotUtf8,
    /// The file name has neither a `.toml` nor a `.json` extension and no
    /// format was given.
    UnknownFormat,
    /// The TOML or JSON parser refused the text: a syntax error, an unknown
    /// key, a missing key, or a value of the wrong type.
    Syntax(String),
    /// A declaration that the schema cannot express (e.g. a SQL mapping
    /// that does not fit the field's kind).
    Invalid(String),
    /// The schema builder refused the declarations (duplicate or malformed
    /// names, alias targets that name nothing, unsupported operators).
    Schema(SchemaError),
}

impl SchemaFileError {
    pub(super) fn new(kind: SchemaFileErrorKind) -> SchemaFileError {
        SchemaFileError {
            inner: Box::new(Details {
                kind,
                file: None,
                key: None,
                offset: None,
                line: None,
                column: None,
            }),
        }
    }

    pub(super) fn invalid(key: String, message: String) -> SchemaFileError {
        SchemaFileError::new(SchemaFileErrorKind::Invalid(message)).with_key(key)
    }

    pub(super) fn with_key(mut self, key: String) -> SchemaFileError {
        self.inner.key = Some(key);
        self
    }

    pub(super) fn in_file(mut self, path: &Path) -> SchemaFileError {
        self.inner.file = Some(path.to_owned());
        self
    }

    /// Records a byte offset into `text` as a line and a column.
    pub(super) fn at_offset(mut self, text: &str, offset: usize) -> SchemaFileError {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        self.inner.offset = Some(offset);
        self.inner.line = Some(before.matches('\n').count() + 1);
        self.inner.column = Some(before[line_start..].chars().count() + 1);
        self
    }

    /// Records a byte offset, turned into a line and a column by `at`.
    pub(super) fn with_offset(mut self, offset: Option<usize>) -> SchemaFileError {
        self.inner.offset = offset;
        self
    }

    /// Records a line and a column the parser gave.
    pub(super) fn with_position(mut self, line: usize, column: usize) -> SchemaFileError {
        self.inner.line = Some(line);
        self.inner.column = Some(column);
        self
    }

    /// Turns a recorded byte offset into a line and a column.
    pub(super) fn at(self, text: &str) -> SchemaFileError {
        match (self.inner.offset, self.inner.line) {
            (Some(offset), None) => self.at_offset(text, offset),
            _ => self,
        }
    }

    /// What went wrong.
    ///
    /// ```
    /// let err = rsql::SchemaFile::from_json_str("{").unwrap_err();
    /// assert!(matches!(err.kind(), rsql::SchemaFileErrorKind::Syntax(_)));
    /// ```
    pub fn kind(&self) -> &SchemaFileErrorKind {
        &self.inner.kind
    }

    /// The file, when the schema was read from one ([`SchemaFile::read`](super::SchemaFile::read)).
    ///
    /// ```
    /// assert!(rsql::SchemaFile::from_json_str("[]").unwrap_err().file().is_none());
    /// ```
    pub fn file(&self) -> Option<&Path> {
        self.inner.file.as_deref()
    }

    /// The 1-based line of the problem, when known.
    ///
    /// ```
    /// let err = rsql::SchemaFile::from_json_str("{\n  \"fields\": 3\n}").unwrap_err();
    /// assert_eq!(err.line(), Some(2));
    /// ```
    pub fn line(&self) -> Option<usize> {
        self.inner.line
    }

    /// The 1-based column (in characters) of the problem, when known.
    ///
    /// ```
    /// let err = rsql::SchemaFile::from_toml_str("fields = 3").unwrap_err();
    /// assert_eq!(err.column(), Some(10));
    /// ```
    pub fn column(&self) -> Option<usize> {
        self.inner.column
    }

    /// The key the problem is in, as a path (`fields[2].type`,
    /// `aliases.metadata`, `limits.max_depth`), when known.
    ///
    /// ```
    /// let err = rsql::SchemaFile::from_toml_str("fields = []\n[limits]\nmax_depth = -1").unwrap_err();
    /// assert_eq!(err.key(), Some("limits.max_depth"));
    /// ```
    pub fn key(&self) -> Option<&str> {
        self.inner.key.as_deref()
    }

    /// The message alone, without the file, position and key.
    ///
    /// ```
    /// let err = rsql::SchemaFile::from_toml_str("fields = [{ name = \"a\" }]").unwrap_err();
    /// assert_eq!(err.message(), "missing field `type`");
    /// ```
    pub fn message(&self) -> String {
        match &self.inner.kind {
            SchemaFileErrorKind::Io(e) => format!("cannot read the schema file: {e}"),
            SchemaFileErrorKind::TooLarge { limit } => {
                format!("the schema file is larger than {limit} bytes")
            }
            SchemaFileErrorKind::NotUtf8 => "the schema file is not UTF-8 text".to_owned(),
            SchemaFileErrorKind::UnknownFormat => {
                "cannot tell the schema format from the file name: use a `.toml` or `.json` \
                 extension, or name the format"
                    .to_owned()
            }
            SchemaFileErrorKind::Syntax(m) | SchemaFileErrorKind::Invalid(m) => m.clone(),
            SchemaFileErrorKind::Schema(e) => e.to_string(),
        }
    }
}

impl fmt::Display for SchemaFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(file) = &self.inner.file {
            write!(f, "{}", file.display())?;
            sep = ":";
        }
        if let (Some(line), Some(column)) = (self.inner.line, self.inner.column) {
            write!(f, "{sep}{line}:{column}")?;
            sep = ":";
        }
        if !sep.is_empty() {
            f.write_str(": ")?;
        }
        if let Some(key) = &self.inner.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message())
    }
}

impl std::error::Error for SchemaFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            SchemaFileErrorKind::Io(e) => Some(e),
            SchemaFileErrorKind::Schema(e) => Some(e),
            _ => None,
        }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
