#![doc = include_str!("../../docs/schema-file.md")]

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::{Field, FieldType, Op, Schema, SchemaError};
use crate::{Error, Filter, Limits, Operators, Parser, Policy};

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
            SchemaFormat::Toml => from_toml(text),
            SchemaFormat::Json => from_json(text),
        };
        located.and_then(build).map_err(|e| e.at(text))
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
    /// The file is larger than the limit ([`MAX_FILE_LEN`]).
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
    fn new(kind: SchemaFileErrorKind) -> SchemaFileError {
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

    fn invalid(key: String, message: String) -> SchemaFileError {
        SchemaFileError::new(SchemaFileErrorKind::Invalid(message)).with_key(key)
    }

    fn with_key(mut self, key: String) -> SchemaFileError {
        self.inner.key = Some(key);
        self
    }

    fn in_file(mut self, path: &Path) -> SchemaFileError {
        self.inner.file = Some(path.to_owned());
        self
    }

    /// Records a byte offset into `text` as a line and a column.
    fn at_offset(mut self, text: &str, offset: usize) -> SchemaFileError {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        self.inner.offset = Some(offset);
        self.inner.line = Some(before.matches('\n').count() + 1);
        self.inner.column = Some(before[line_start..].chars().count() + 1);
        self
    }

    /// Turns a recorded byte offset into a line and a column.
    fn at(self, text: &str) -> SchemaFileError {
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

    /// The file, when the schema was read from one ([`SchemaFile::read`]).
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

// ---------------------------------------------------------------------------
// The file as serde sees it.

/// The whole file. `F` is a field declaration, wrapped in `toml::Spanned`
/// for TOML so that errors found after parsing still have a position.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a schema file: a table with `fields` and optional `aliases`, `policy`, `limits`"
)]
struct FileSpec<F> {
    fields: Vec<F>,
    #[serde(default)]
    aliases: Aliases,
    #[serde(default)]
    policy: PolicySpec,
    #[serde(default)]
    limits: LimitsSpec,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a field declaration: a table with `name`, `type` and optional keys"
)]
struct FieldSpec {
    name: String,
    #[serde(rename = "type")]
    ty: TypeName,
    values: Option<Vec<String>>,
    #[serde(default)]
    kind: Kind,
    #[serde(default)]
    sortable: bool,
    wildcards: Option<bool>,
    #[serde(default)]
    numeric_strings: bool,
    operators: Option<Vec<OpName>>,
    sql: Option<SqlSpec>,
    mongo: Option<MongoSpec>,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum TypeName {
    String,
    Timestamp,
    Integer,
    Float,
    Bool,
    Enum,
}

#[derive(Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Kind {
    #[default]
    Plain,
    MultiValued,
    Dynamic,
}

/// An operator symbol, checked while deserialising (so a typo has a position).
struct OpName(Op);

impl<'de> Deserialize<'de> for OpName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OpName, D::Error> {
        let symbol = String::deserialize(d)?;
        Op::from_symbol(&symbol).map(OpName).ok_or_else(|| {
            de::Error::invalid_value(
                de::Unexpected::Str(&symbol),
                &"an operator symbol such as `==`, `=in=`, `=like=` or `=bt=`",
            )
        })
    }
}

/// Where a field lives in SQL: a table with exactly one of its keys.
#[derive(Deserialize)]
#[serde(try_from = "SqlTable")]
enum SqlSpec {
    Column(String),
    Json(String),
    Template(String),
    Exists(ExistsSpec),
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table with one key: `column`, `json`, `template` or `exists`"
)]
struct SqlTable {
    column: Option<String>,
    json: Option<String>,
    template: Option<String>,
    exists: Option<ExistsSpec>,
}

impl TryFrom<SqlTable> for SqlSpec {
    type Error = String;
    fn try_from(t: SqlTable) -> Result<SqlSpec, String> {
        let given = [
            t.column.is_some().then_some("column"),
            t.json.is_some().then_some("json"),
            t.template.is_some().then_some("template"),
            t.exists.is_some().then_some("exists"),
        ];
        match (t.column, t.json, t.template, t.exists) {
            (Some(c), None, None, None) => Ok(SqlSpec::Column(c)),
            (None, Some(c), None, None) => Ok(SqlSpec::Json(c)),
            (None, None, Some(t), None) => Ok(SqlSpec::Template(t)),
            (None, None, None, Some(e)) => Ok(SqlSpec::Exists(e)),
            _ => Err(exactly_one(
                &["column", "json", "template", "exists"],
                &given,
            )),
        }
    }
}

/// The message for a table that must hold exactly one of `keys`.
fn exactly_one(keys: &[&str], given: &[Option<&str>]) -> String {
    let list = |names: &mut dyn Iterator<Item = &str>| {
        names
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let found: Vec<&str> = given.iter().flatten().copied().collect();
    let wanted = list(&mut keys.iter().copied());
    if found.is_empty() {
        format!("expected one of {wanted}, found an empty table")
    } else {
        format!(
            "expected exactly one of {wanted}, found {}",
            list(&mut found.into_iter())
        )
    }
}

impl SqlSpec {
    fn name(&self) -> &'static str {
        match self {
            SqlSpec::Column(_) => "column",
            SqlSpec::Json(_) => "json",
            SqlSpec::Template(_) => "template",
            SqlSpec::Exists(_) => "exists",
        }
    }
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table with `from`, `join` and `column`"
)]
struct ExistsSpec {
    from: String,
    join: String,
    column: String,
}

/// Where a field lives in MongoDB: `path` or `elem`.
#[derive(Deserialize)]
#[serde(try_from = "MongoTable")]
enum MongoSpec {
    Path(String),
    Elem(ElemSpec),
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table with one key: `path` or `elem`"
)]
struct MongoTable {
    path: Option<String>,
    elem: Option<ElemSpec>,
}

impl TryFrom<MongoTable> for MongoSpec {
    type Error = String;
    fn try_from(t: MongoTable) -> Result<MongoSpec, String> {
        let given = [
            t.path.is_some().then_some("path"),
            t.elem.is_some().then_some("elem"),
        ];
        match (t.path, t.elem) {
            (Some(p), None) => Ok(MongoSpec::Path(p)),
            (None, Some(e)) => Ok(MongoSpec::Elem(e)),
            _ => Err(exactly_one(&["path", "elem"], &given)),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table with `array` and `field`")]
struct ElemSpec {
    array: String,
    field: String,
}

/// `alias = "target"` pairs in file order; a repeated alias is an error
/// (TOML refuses it anyway, JSON would keep the last one silently).
#[derive(Default)]
struct Aliases(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Aliases {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Aliases, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Aliases;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of `alias = \"target\"` pairs")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Aliases, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                while let Some(from) = map.next_key::<String>()? {
                    let AliasTarget(to) = map.next_value()?;
                    if out.iter().any(|(f, _)| *f == from) {
                        return Err(de::Error::custom(format!("duplicate alias `{from}`")));
                    }
                    out.push((from, to));
                }
                Ok(Aliases(out))
            }
        }
        d.deserialize_map(V)
    }
}

struct AliasTarget(String);

impl<'de> Deserialize<'de> for AliasTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AliasTarget, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AliasTarget;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "the name or path prefix the alias stands for, as a string \
                     (in TOML, quote an alias that contains a dot: `\"a.b\" = \"c\"`)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AliasTarget, E> {
                Ok(AliasTarget(v.to_owned()))
            }
        }
        d.deserialize_string(V)
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    #[serde(default)]
    operators: OpsName,
    #[serde(default)]
    forbid_or: bool,
    max_fields: Option<usize>,
    allowed_selectors: Option<Vec<String>>,
}

#[derive(Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum OpsName {
    #[default]
    Standard,
    Extended,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSpec {
    max_len: Option<usize>,
    max_depth: Option<usize>,
    max_comparisons: Option<usize>,
    max_args: Option<usize>,
    max_value_len: Option<usize>,
}

/// A parsed file with the byte offset of each field declaration, where the
/// notation gives one.
struct Located {
    spec: FileSpec<FieldSpec>,
    field_offsets: Vec<Option<usize>>,
}

fn from_toml(text: &str) -> Result<Located, SchemaFileError> {
    let syntax = |e: toml::de::Error| {
        let offset = e.span().map(|s| s.start);
        let mut err = SchemaFileError::new(SchemaFileErrorKind::Syntax(
            e.message().trim_end().to_owned(),
        ));
        err.inner.offset = offset;
        err
    };
    let de = toml::Deserializer::parse(text).map_err(syntax)?;
    let spec: FileSpec<toml::Spanned<FieldSpec>> =
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = key_path(e.path());
            let err = syntax(e.into_inner());
            match key {
                Some(k) => err.with_key(k),
                None => err,
            }
        })?;
    let field_offsets = spec.fields.iter().map(|f| Some(f.span().start)).collect();
    Ok(Located {
        spec: FileSpec {
            fields: spec
                .fields
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
            aliases: spec.aliases,
            policy: spec.policy,
            limits: spec.limits,
        },
        field_offsets,
    })
}

fn from_json(text: &str) -> Result<Located, SchemaFileError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let spec: FileSpec<FieldSpec> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let key = key_path(e.path());
        let err = json_error(&e.into_inner());
        match key {
            Some(k) => err.with_key(k),
            None => err,
        }
    })?;
    // trailing characters after the document
    de.end().map_err(|e| json_error(&e))?;
    let field_offsets = vec![None; spec.fields.len()];
    Ok(Located {
        spec,
        field_offsets,
    })
}

fn json_error(e: &serde_json::Error) -> SchemaFileError {
    // serde_json's Display appends " at line L column C": keep the message alone
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let mut err = SchemaFileError::new(SchemaFileErrorKind::Syntax(message));
    if e.line() > 0 {
        err.inner.line = Some(e.line());
        err.inner.column = Some(e.column().max(1));
    }
    err
}

/// `fields[2].type`, or `None` at the top level.
fn key_path(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            // toml::Spanned's own wrapper, not a key of the file
            Segment::Map { key } if key.starts_with("$__serde_spanned") => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

// ---------------------------------------------------------------------------
// From the declarations to a schema and a parser.

fn build(located: Located) -> Result<SchemaFile, SchemaFileError> {
    let Located {
        spec,
        field_offsets,
    } = located;
    let at_field = |i: usize, mut err: SchemaFileError| {
        err.inner.offset = field_offsets.get(i).copied().flatten();
        err
    };
    let mut builder = Schema::builder();
    for (i, f) in spec.fields.iter().enumerate() {
        let field = field(f, i, spec.policy.operators).map_err(|e| at_field(i, e))?;
        builder = builder.field(field);
    }
    for (from, to) in &spec.aliases.0 {
        builder = builder.alias(from, to);
    }
    let schema = builder.build().map_err(|e| {
        let (key, index) = schema_error_key(&e, &spec);
        let err = SchemaFileError::new(SchemaFileErrorKind::Schema(e)).with_key(key);
        match index {
            Some(i) => at_field(i, err),
            None => err,
        }
    })?;
    let parser = Parser::new()
        .with_limits(limits(&spec.limits)?)
        .with_policy(policy(&spec, &schema));
    Ok(SchemaFile { schema, parser })
}

fn field(f: &FieldSpec, i: usize, ops: OpsName) -> Result<Field, SchemaFileError> {
    let key = |k: &str| format!("fields[{i}].{k}");
    let invalid = |k: &str, message: String| SchemaFileError::invalid(key(k), message);
    let ty = match (f.ty, &f.values) {
        (TypeName::Enum, Some(values)) if !values.is_empty() => {
            FieldType::enumeration(values.iter().cloned())
        }
        (TypeName::Enum, _) => {
            return Err(invalid(
                "values",
                "type `enum` needs a non-empty `values` list".to_owned(),
            ));
        }
        (_, Some(_)) => {
            return Err(invalid(
                "values",
                "`values` belongs to fields of type `enum`".to_owned(),
            ));
        }
        (TypeName::String, None) => FieldType::String,
        (TypeName::Timestamp, None) => FieldType::Timestamp,
        (TypeName::Integer, None) => FieldType::Integer,
        (TypeName::Float, None) => FieldType::Float,
        (TypeName::Bool, None) => FieldType::Bool,
    };
    let is_string = ty == FieldType::String;
    let mut field = match f.kind {
        Kind::Plain => Field::new(&f.name, ty),
        Kind::MultiValued => Field::new(&f.name, ty).multi_valued(),
        Kind::Dynamic => Field::dynamic(&f.name, ty),
    };
    if f.sortable {
        field = field.sortable();
    }
    if let Some(enabled) = f.wildcards {
        if !is_string {
            return Err(invalid(
                "wildcards",
                "`wildcards` belongs to fields of type `string`".to_owned(),
            ));
        }
        field = field.wildcards(enabled);
    }
    if f.numeric_strings {
        if !is_string {
            return Err(invalid(
                "numeric_strings",
                "`numeric_strings` belongs to fields of type `string`".to_owned(),
            ));
        }
        field = field.numeric_strings();
    }
    if let Some(list) = &f.operators {
        if ops == OpsName::Standard
            && let Some(OpName(op)) = list
                .iter()
                .find(|OpName(op)| !Operators::standard().contains(op.symbol()))
        {
            return Err(invalid(
                "operators",
                format!(
                    "`{op}` is an extended operator: the parser only reads it with \
                     `operators = \"extended\"` under [policy]"
                ),
            ));
        }
        field = field.operators(list.iter().map(|OpName(op)| *op));
    }
    if let Some(sql) = &f.sql {
        let (kind, needs) = match f.kind {
            Kind::Plain => ("plain", "`sql = { column = \"…\" }`"),
            Kind::MultiValued => (
                "multi-valued",
                "`sql = { exists = { from = \"…\", join = \"…\", column = \"…\" } }`",
            ),
            Kind::Dynamic => (
                "dynamic",
                "`sql = { json = \"…\" }` or `sql = { template = \"…{key}…\" }`",
            ),
        };
        field = match (f.kind, sql) {
            (Kind::Plain, SqlSpec::Column(c)) => field.sql_column(c),
            (Kind::MultiValued, SqlSpec::Exists(e)) => {
                field.sql_exists(&e.from, &e.join, &e.column)
            }
            (Kind::Dynamic, SqlSpec::Json(c)) => field.sql_json(c),
            (Kind::Dynamic, SqlSpec::Template(t)) if t.contains("{key}") => field.sql_template(t),
            (Kind::Dynamic, SqlSpec::Template(_)) => {
                return Err(invalid(
                    "sql.template",
                    "the template needs a `{key}` placeholder for the map key".to_owned(),
                ));
            }
            (_, other) => {
                return Err(invalid(
                    "sql",
                    format!("a {kind} field needs {needs}, found `{}`", other.name()),
                ));
            }
        };
    }
    if let Some(mongo) = &f.mongo {
        field = match mongo {
            MongoSpec::Path(p) => field.mongo_path(p),
            MongoSpec::Elem(e) if f.kind == Kind::MultiValued => {
                field.mongo_elem(&e.array, &e.field)
            }
            MongoSpec::Elem(_) => {
                return Err(invalid(
                    "mongo.elem",
                    "`elem` belongs to multi-valued fields (`kind = \"multi_valued\"`)".to_owned(),
                ));
            }
        };
    }
    Ok(field)
}

/// The key (and the field, for a position) a builder error is about.
fn schema_error_key(err: &SchemaError, spec: &FileSpec<FieldSpec>) -> (String, Option<usize>) {
    let field_named = |name: &str| spec.fields.iter().rposition(|f| f.name == name);
    let alias_key = |name: &str| format!("aliases.{name}");
    match err {
        SchemaError::DuplicateName(n) | SchemaError::InvalidName(n) => match field_named(n) {
            Some(i) if !spec.aliases.0.iter().any(|(from, _)| from == n) => {
                (format!("fields[{i}].name"), Some(i))
            }
            _ => (alias_key(n), None),
        },
        SchemaError::AliasTarget { alias, .. } => (alias_key(alias), None),
        SchemaError::UnsupportedOperator { field, .. } => match field_named(field) {
            Some(i) => (format!("fields[{i}].operators"), Some(i)),
            None => ("fields".to_owned(), None),
        },
        SchemaError::DynamicMultiValued(n) | SchemaError::EmptyEnum(n) => match field_named(n) {
            Some(i) => (format!("fields[{i}]"), Some(i)),
            None => ("fields".to_owned(), None),
        },
    }
}

fn limits(spec: &LimitsSpec) -> Result<Limits, SchemaFileError> {
    let mut limits = Limits::new();
    if let Some(n) = spec.max_len {
        limits = limits.with_max_len(n);
    }
    if let Some(n) = spec.max_depth {
        if n > Limits::MAX_DEPTH_CEILING {
            return Err(SchemaFileError::invalid(
                "limits.max_depth".to_owned(),
                format!(
                    "{n} is more than the highest depth the parser supports, {}",
                    Limits::MAX_DEPTH_CEILING
                ),
            ));
        }
        limits = limits.with_max_depth(n);
    }
    if let Some(n) = spec.max_comparisons {
        limits = limits.with_max_comparisons(n);
    }
    if let Some(n) = spec.max_args {
        limits = limits.with_max_args(n);
    }
    if let Some(n) = spec.max_value_len {
        limits = limits.with_max_value_len(n);
    }
    Ok(limits)
}

/// The file's `[policy]`, with the schema's path aliases so that the field
/// count and the allow-list see `metadata.x` as `conversation.metadata.x`.
fn policy(spec: &FileSpec<FieldSpec>, schema: &Schema) -> Policy {
    let p = &spec.policy;
    let mut policy = Policy::new()
        .with_operators(match p.operators {
            OpsName::Standard => Operators::standard(),
            OpsName::Extended => Operators::extended(),
        })
        .with_forbid_or(p.forbid_or);
    if let Some(n) = p.max_fields {
        policy = policy.with_max_fields(n);
    }
    for (from, to) in &spec.aliases.0 {
        // An alias of a path prefix or a dynamic field (not of one plain field).
        let is_prefix = schema.fields().any(|(_, f)| {
            (f.is_dynamic() && f.name() == to)
                || f.name()
                    .strip_prefix(to.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        });
        if is_prefix {
            policy = policy.with_alias(format!("{from}."), format!("{to}."));
        }
    }
    if let Some(allowed) = &p.allowed_selectors {
        policy = policy.with_allowed_selectors(allowed.iter().cloned());
    }
    policy
}
