//! The file as serde sees it: the declarations of a schema file, read from
//! TOML or JSON with the key path of any error.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::error::{SchemaFileError, SchemaFileErrorKind};
use crate::{Op, SqlType};

/// The whole file. `F` is a field declaration, wrapped in `toml::Spanned`
/// for TOML so that errors found after parsing still have a position.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a schema file: a table with `fields` and optional `aliases`, `policy`, `limits`"
)]
pub(super) struct FileSpec<F> {
    pub(super) fields: Vec<F>,
    #[serde(default)]
    pub(super) aliases: Aliases,
    #[serde(default)]
    pub(super) policy: PolicySpec,
    #[serde(default)]
    pub(super) limits: LimitsSpec,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a field declaration: a table with `name`, `type` and optional keys"
)]
pub(super) struct FieldSpec {
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) ty: TypeName,
    pub(super) values: Option<Vec<String>>,
    #[serde(default)]
    pub(super) kind: Kind,
    #[serde(default)]
    pub(super) sortable: bool,
    pub(super) wildcards: Option<bool>,
    #[serde(default)]
    pub(super) numeric_strings: bool,
    #[serde(default)]
    pub(super) missing: MissingName,
    pub(super) operators: Option<Vec<OpName>>,
    pub(super) sql: Option<SqlDecl>,
    pub(super) mongo: Option<MongoSpec>,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(super) enum TypeName {
    String,
    Timestamp,
    Integer,
    Float,
    Bool,
    Enum,
}

/// `missing = "matches_negations"` (default) or `"matches_nothing"`.
#[derive(Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(super) enum MissingName {
    #[default]
    MatchesNegations,
    MatchesNothing,
}

#[derive(Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(super) enum Kind {
    #[default]
    Plain,
    MultiValued,
    Dynamic,
}

/// An operator symbol, checked while deserialising (so a typo has a position).
pub(super) struct OpName(pub(super) Op);

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

/// Where a field lives in SQL: a table with exactly one of the location
/// keys, and optionally `type` (how values are stored, a [`SqlType`] name).
#[derive(Deserialize)]
#[serde(try_from = "SqlTable")]
pub(super) struct SqlDecl {
    pub(super) spec: SqlSpec,
    pub(super) ty: Option<SqlType>,
}

/// The location part of [`SqlDecl`].
pub(super) enum SqlSpec {
    Column(String),
    Json(String),
    Template(String),
    Exists(ExistsSpec),
    JsonPath(JsonPathSpec),
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table with one key of `column`, `json`, `template`, `exists`, `json_path` \
                 and an optional `type`"
)]
struct SqlTable {
    column: Option<String>,
    json: Option<String>,
    template: Option<String>,
    exists: Option<ExistsSpec>,
    json_path: Option<JsonPathSpec>,
    #[serde(rename = "type")]
    ty: Option<SqlTypeName>,
}

/// `json_path = { column = "c.doc", path = ["a", "b"] }`.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table with `column` and `path` (a list of keys)"
)]
pub(super) struct JsonPathSpec {
    pub(super) column: String,
    pub(super) path: Vec<String>,
}

/// A [`SqlType`] by its name.
struct SqlTypeName(SqlType);

impl<'de> Deserialize<'de> for SqlTypeName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SqlTypeName, D::Error> {
        let name = String::deserialize(d)?;
        SqlType::from_name(&name).map(SqlTypeName).ok_or_else(|| {
            de::Error::invalid_value(
                de::Unexpected::Str(&name),
                &"a SQL storage type: `epoch_ms`, `timestamptz`, `timestamp`, `text`, \
                  `integer`, `float`, `numeric`, `boolean` or `json`",
            )
        })
    }
}

impl TryFrom<SqlTable> for SqlDecl {
    type Error = String;
    fn try_from(t: SqlTable) -> Result<SqlDecl, String> {
        let given = [
            t.column.is_some().then_some("column"),
            t.json.is_some().then_some("json"),
            t.template.is_some().then_some("template"),
            t.exists.is_some().then_some("exists"),
            t.json_path.is_some().then_some("json_path"),
        ];
        let spec = match (t.column, t.json, t.template, t.exists, t.json_path) {
            (Some(c), None, None, None, None) => SqlSpec::Column(c),
            (None, Some(c), None, None, None) => SqlSpec::Json(c),
            (None, None, Some(t), None, None) => SqlSpec::Template(t),
            (None, None, None, Some(e), None) => SqlSpec::Exists(e),
            (None, None, None, None, Some(p)) => SqlSpec::JsonPath(p),
            _ => {
                return Err(exactly_one(
                    &["column", "json", "template", "exists", "json_path"],
                    &given,
                ));
            }
        };
        Ok(SqlDecl {
            spec,
            ty: t.ty.map(|SqlTypeName(ty)| ty),
        })
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
    pub(super) fn name(&self) -> &'static str {
        match self {
            SqlSpec::Column(_) => "column",
            SqlSpec::Json(_) => "json",
            SqlSpec::Template(_) => "template",
            SqlSpec::Exists(_) => "exists",
            SqlSpec::JsonPath(_) => "json_path",
        }
    }
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table with `from`, `join` and `column`"
)]
pub(super) struct ExistsSpec {
    pub(super) from: String,
    pub(super) join: String,
    pub(super) column: String,
}

/// Where a field lives in MongoDB: `path` or `elem`.
#[derive(Deserialize)]
#[serde(try_from = "MongoTable")]
pub(super) enum MongoSpec {
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
pub(super) struct ElemSpec {
    pub(super) array: String,
    pub(super) field: String,
}

/// `alias = "target"` pairs in file order; a repeated alias is an error
/// (TOML refuses it anyway, JSON would keep the last one silently).
#[derive(Default)]
pub(super) struct Aliases(pub(super) Vec<(String, String)>);

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
pub(super) struct PolicySpec {
    #[serde(default)]
    pub(super) operators: OpsName,
    #[serde(default)]
    pub(super) forbid_or: bool,
    pub(super) max_fields: Option<usize>,
    pub(super) allowed_selectors: Option<Vec<String>>,
}

#[derive(Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(super) enum OpsName {
    #[default]
    Standard,
    Extended,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LimitsSpec {
    pub(super) max_len: Option<usize>,
    pub(super) max_depth: Option<usize>,
    pub(super) max_comparisons: Option<usize>,
    pub(super) max_args: Option<usize>,
    pub(super) max_value_len: Option<usize>,
}

/// A parsed file with the byte offset of each field declaration, where the
/// notation gives one.
pub(super) struct Located {
    pub(super) spec: FileSpec<FieldSpec>,
    pub(super) field_offsets: Vec<Option<usize>>,
}

pub(super) fn from_toml(text: &str) -> Result<Located, SchemaFileError> {
    let syntax = |e: toml::de::Error| {
        let offset = e.span().map(|s| s.start);
        SchemaFileError::new(SchemaFileErrorKind::Syntax(
            e.message().trim_end().to_owned(),
        ))
        .with_offset(offset)
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

pub(super) fn from_json(text: &str) -> Result<Located, SchemaFileError> {
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
    let err = SchemaFileError::new(SchemaFileErrorKind::Syntax(message));
    if e.line() > 0 {
        err.with_position(e.line(), e.column().max(1))
    } else {
        err
    }
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
