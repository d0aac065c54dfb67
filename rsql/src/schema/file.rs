#![doc = include_str!("../../docs/schema-file.md")]

mod build;
mod error;
mod spec;

use std::io::Read;
use std::path::Path;

use super::Schema;
use crate::{Error, Filter, Parser};
pub use error::{SchemaFileError, SchemaFileErrorKind};

/// The largest schema file [`SchemaFile::read`] accepts, in bytes (1 MiB).
///
/// ```
/// assert_eq!(rsql::schema::file::MAX_FILE_LEN, 1024 * 1024);
/// ```
pub const MAX_FILE_LEN: usize = 1024 * 1024;

/// The two notations of a schema file.
///
/// ```
/// use rsql::SchemaFormat;
/// assert_eq!(SchemaFormat::from_path("conf/conversation.toml"), Some(SchemaFormat::Toml));
/// assert_eq!(SchemaFormat::from_path("schema.JSON"), Some(SchemaFormat::Json));
/// assert_eq!(SchemaFormat::from_path("schema.yaml"), None);
/// assert_eq!(SchemaFormat::Json.name(), "json");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaFormat {
    /// TOML 1.0 (`.toml`).
    Toml,
    /// JSON (`.json`).
    Json,
}

impl SchemaFormat {
    /// The format a file name's extension names (`.toml` or `.json`, any case).
    ///
    /// ```
    /// assert_eq!(rsql::SchemaFormat::from_path("a.Toml"), Some(rsql::SchemaFormat::Toml));
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Option<SchemaFormat> {
        let ext = path.as_ref().extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("toml") {
            Some(SchemaFormat::Toml)
        } else if ext.eq_ignore_ascii_case("json") {
            Some(SchemaFormat::Json)
        } else {
            None
        }
    }

    /// `toml` or `json`.
    ///
    /// ```
    /// assert_eq!(rsql::SchemaFormat::Toml.name(), "toml");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            SchemaFormat::Toml => "toml",
            SchemaFormat::Json => "json",
        }
    }
}

/// A schema and the parser that goes with it, loaded from a schema file.
///
/// The `[policy]` and `[limits]` tables of the file configure the
/// [`Parser`]; the fields and aliases build the [`Schema`]. Both are built
/// once and shared, as when written in code.
///
/// ```
/// let file = rsql::SchemaFile::from_toml_str(r#"
///     [policy]
///     operators = "extended"
///     forbid_or = true
///
///     [[fields]]
///     name = "name"
///     type = "string"
///     sql = { column = "c.name" }
/// "#)?;
/// let filter = file.compile("name=like=sync")?;
/// assert_eq!(filter.to_sql(&rsql::SqlOptions::sqlite())?.sql, "c.name GLOB ?");
/// assert_eq!(file.compile("name==a,name==b").unwrap_err().code(), "or_forbidden");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SchemaFile {
    schema: Schema,
    parser: Parser,
}

impl SchemaFile {
    /// Loads a schema file written in TOML.
    ///
    /// # Errors
    ///
    /// A [`SchemaFileError`] with the line, column and key of the first
    /// problem: a syntax error, an unknown key, a value of the wrong type, or
    /// a declaration the schema cannot express.
    ///
    /// ```
    /// let err = rsql::SchemaFile::from_toml_str("[[fields]]\nname = \"a\"\ntype = \"strnig\"\n").unwrap_err();
    /// assert_eq!((err.line(), err.column()), (Some(3), Some(8)));
    /// assert_eq!(err.key(), Some("fields[0].type"));
    /// # Ok::<(), rsql::SchemaFileError>(())
    /// ```
    pub fn from_toml_str(text: &str) -> Result<SchemaFile, SchemaFileError> {
        SchemaFile::from_text(text, SchemaFormat::Toml)
    }

    /// Loads a schema file written in JSON.
    ///
    /// # Errors
    ///
    /// As [`SchemaFile::from_toml_str`].
    ///
    /// ```
    /// let file = rsql::SchemaFile::from_json_str(
    ///     r#"{"fields": [{"name": "n", "type": "integer", "sql": {"column": "n"}}]}"#,
    /// )?;
    /// assert_eq!(file.compile("n=gt=5")?.to_string(), "n=ge=6");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json_str(text: &str) -> Result<SchemaFile, SchemaFileError> {
        SchemaFile::from_text(text, SchemaFormat::Json)
    }

    /// Loads a schema file in `format`.
    ///
    /// # Errors
    ///
    /// As [`SchemaFile::from_toml_str`].
    ///
    /// ```
    /// use rsql::{SchemaFile, SchemaFormat};
    /// let file = SchemaFile::from_text("fields = []", SchemaFormat::Toml)?;
    /// assert_eq!(file.schema().fields().count(), 0);
    /// # Ok::<(), rsql::SchemaFileError>(())
    /// ```
    pub fn from_text(text: &str, format: SchemaFormat) -> Result<SchemaFile, SchemaFileError> {
        let located = match format {
            SchemaFormat::Toml => spec::from_toml(text),
            SchemaFormat::Json => spec::from_json(text),
        };
        let (schema, parser) = located.and_then(build::build).map_err(|e| e.at(text))?;
        Ok(SchemaFile { schema, parser })
    }

    /// Reads and loads the schema file at `path`, in `format` or (when
    /// `None`) the format its extension names. Errors name the file.
    ///
    /// # Errors
    ///
    /// As [`SchemaFile::from_toml_str`], and also when the file cannot be
    /// read, is not UTF-8, is larger than [`MAX_FILE_LEN`], or has neither
    /// a `.toml` nor a `.json` extension while `format` is `None`.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("rsql-doc-{}.json", std::process::id()));
    /// std::fs::write(&path, r#"{"fields": [{"name": "ok", "type": "bool"}]}"#)?;
    /// let file = rsql::SchemaFile::read(&path, None)?;
    /// assert!(file.compile("ok==true").is_ok());
    /// std::fs::write(&path, r#"{"fields": [{"name": "ok", "type": "bool", "sortabel": true}]}"#)?;
    /// let err = rsql::SchemaFile::read(&path, None).unwrap_err();
    /// assert_eq!(err.file(), Some(path.as_path()));
    /// assert!(err.to_string().contains("unknown field `sortabel`"), "{err}");
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read(
        path: impl AsRef<Path>,
        format: Option<SchemaFormat>,
    ) -> Result<SchemaFile, SchemaFileError> {
        let path = path.as_ref();
        let in_file = |kind| SchemaFileError::new(kind).in_file(path);
        let format = match format.or_else(|| SchemaFormat::from_path(path)) {
            Some(f) => f,
            None => return Err(in_file(SchemaFileErrorKind::UnknownFormat)),
        };
        let file = std::fs::File::open(path).map_err(|e| in_file(SchemaFileErrorKind::Io(e)))?;
        let mut bytes = Vec::new();
        // One byte more than the limit tells "at the limit" from "past it".
        let cap = u64::try_from(MAX_FILE_LEN).unwrap_or(u64::MAX) + 1;
        file.take(cap)
            .read_to_end(&mut bytes)
            .map_err(|e| in_file(SchemaFileErrorKind::Io(e)))?;
        if bytes.len() > MAX_FILE_LEN {
            return Err(in_file(SchemaFileErrorKind::TooLarge {
                limit: MAX_FILE_LEN,
            }));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.into_bytes()[..offset]).into_owned();
            in_file(SchemaFileErrorKind::NotUtf8).at_offset(&text, offset)
        })?;
        SchemaFile::from_text(&text, format).map_err(|e| e.in_file(path))
    }

    /// The schema.
    ///
    /// ```
    /// let file = rsql::SchemaFile::from_toml_str("fields = [{ name = \"a\", type = \"bool\" }]")?;
    /// assert!(file.schema().field_id("a").is_some());
    /// # Ok::<(), rsql::SchemaFileError>(())
    /// ```
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The parser configured by the `[policy]` and `[limits]` tables.
    ///
    /// ```
    /// let file = rsql::SchemaFile::from_toml_str("fields = []\n[limits]\nmax_len = 100")?;
    /// assert_eq!(file.parser().limits().max_len(), 100);
    /// # Ok::<(), rsql::SchemaFileError>(())
    /// ```
    pub fn parser(&self) -> &Parser {
        &self.parser
    }

    /// The schema and the parser, to keep separately.
    ///
    /// ```
    /// let (schema, parser) = rsql::SchemaFile::from_toml_str("fields = []")?.into_parts();
    /// # let _ = (schema, parser);
    /// # Ok::<(), rsql::SchemaFileError>(())
    /// ```
    pub fn into_parts(self) -> (Schema, Parser) {
        (self.schema, self.parser)
    }

    /// Parses `filter` with [`SchemaFile::parser`] and compiles it against
    /// [`SchemaFile::schema`] ([`Schema::compile_str`]).
    ///
    /// # Errors
    ///
    /// The [`Error`] of the parser or the compiler, with the input attached
    /// (so `{:#}` draws carets).
    ///
    /// ```
    /// let file = rsql::SchemaFile::from_toml_str("fields = [{ name = \"t\", type = \"timestamp\" }]")?;
    /// let err = file.compile("t=ge=yesterday").unwrap_err();
    /// assert_eq!(err.code(), "bad_timestamp");
    /// # Ok::<(), rsql::SchemaFileError>(())
    /// ```
    pub fn compile(&self, filter: &str) -> Result<Filter, Error> {
        self.schema.compile_str(&self.parser, filter)
    }
}

impl Schema {
    /// The schema described by a TOML schema file (see [`file`](super::file)
    /// for the format). The file's `[policy]` and `[limits]` are checked
    /// too; [`SchemaFile::from_toml_str`] also returns the parser they
    /// configure.
    ///
    /// # Errors
    ///
    /// As [`SchemaFile::from_toml_str`].
    ///
    /// ```
    /// let schema = rsql::Schema::from_toml_str(r#"
    ///     [[fields]]
    ///     name = "conversation.type"
    ///     type = "enum"
    ///     values = ["meeting", "call"]
    /// "#)?;
    /// let err = schema.compile(&rsql::parse("conversation.type==chat")?).unwrap_err();
    /// assert_eq!(err.code(), "bad_enum_value");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Schema, SchemaFileError> {
        SchemaFile::from_toml_str(text).map(|f| f.schema)
    }

    /// The schema described by a JSON schema file; see [`Schema::from_toml_str`].
    ///
    /// # Errors
    ///
    /// As [`SchemaFile::from_toml_str`].
    ///
    /// ```
    /// let err = rsql::Schema::from_json_str(r#"{"fields": [{"name": "a", "type": "bool"}], "alias": {}}"#)
    ///     .unwrap_err();
    /// assert_eq!((err.line(), err.column()), (Some(1), Some(51)));
    /// assert!(err.message().starts_with("unknown field `alias`"), "{err}");
    /// ```
    pub fn from_json_str(text: &str) -> Result<Schema, SchemaFileError> {
        SchemaFile::from_json_str(text).map(|f| f.schema)
    }
}
