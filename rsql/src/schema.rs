//! Schema and types: which selectors exist, what type each one has, which
//! operators it takes, and where it lives in SQL and MongoDB.
//!
//! A [`Schema`] is built once (usually at start-up) with [`Schema::builder`]
//! and then compiles any number of parsed filters into a typed
//! [`Filter`](crate::Filter) with [`Schema::compile`]. Compiling resolves every
//! selector to a [`FieldId`], checks the operator and the number of values,
//! and parses every literal exactly once (timestamps, numbers, booleans, enum
//! values, wildcard patterns), so evaluation never parses text.
//!
//! This module is the layer under the filter: it knows fields, names,
//! operators, literal syntax and storage mappings, and nothing of filters,
//! evaluation or emitters. `Schema::compile` is written on the filter's side
//! ([`crate::filter`]), which reads the schema.
//!
//! # Field types
//!
//! | [`FieldType`] | literal syntax | record value ([`FieldValue`](crate::FieldValue)) | default operators |
//! |---|---|---|---|
//! | `String` | any text; `*` is a wildcard in `==`/`!=`/`=like=`/`=ic=` | `Str` | all sixteen |
//! | `Timestamp` | RFC 3339 with any offset, or `YYYY-MM-DD` (midnight UTC); compared at millisecond precision (finer digits are truncated) | `Time` (epoch ms) | `==` `!=` ordering `=in=` `=out=` `=bt=` `=nb=` null tests |
//! | `Integer` | an `i64` (`-12`, `+7`) | `Int` | same as `Timestamp` |
//! | `Float` | a finite `f64` (`0.75`, `1e3`) | `Float` (or `Int`) | same as `Timestamp` |
//! | `Bool` | `true` / `false` | `Bool` | `==` `!=` `=in=` `=out=` null tests |
//! | `Enum(values)` | one of the declared values (exact) | `Str` | `==` `!=` `=in=` `=out=` null tests |
//!
//! # Field kinds
//!
//! * **Plain** fields ([`Field::new`]): one value or missing.
//! * **Multi-valued** fields ([`Field::multi_valued`]), e.g. `members.email`:
//!   a record holds zero or more values; `==`, `=in=`, ordering and the other
//!   positive operators hold when **any** value matches, and `!=`, `=out=`,
//!   `=notlike=` and `=nb=` hold when **no** value matches.
//! * **Dynamic** fields ([`Field::dynamic`]), e.g. `conversation.metadata`:
//!   a map whose keys are not known in advance; the selector
//!   `conversation.metadata.agentId` reaches key `agentId`. Keys may contain
//!   letters, digits, `_` and `-` (so that no emitter has to quote a key
//!   inside a JSON or document path).
//! * **Aliases** ([`SchemaBuilder::alias`]) rename a field or a whole path
//!   prefix: with `alias("metadata", "conversation.metadata")`, the selector
//!   `metadata.x` means `conversation.metadata.x`.
//!
//! ```
//! use rsql::{Field, FieldType, Schema};
//!
//! let schema = Schema::builder()
//!     .field(Field::new("conversation.id", FieldType::String).sortable().sql_column("c.id"))
//!     .field(Field::new("conversation.startTime", FieldType::Timestamp).sortable().sql_column("c.start_ms"))
//!     .field(Field::new("members.email", FieldType::String)
//!         .multi_valued()
//!         .sql_exists("members m", "m.conversation_id = c.id", "m.email"))
//!     .field(Field::dynamic("conversation.metadata", FieldType::String)
//!         .numeric_strings()
//!         .sql_json("c.metadata"))
//!     .alias("metadata", "conversation.metadata")
//!     .alias("conversation.members", "members")
//!     .build()?;
//!
//! let start = schema.field_id("conversation.startTime").unwrap();
//! assert_eq!(start.index(), 1);
//! let r = schema.resolve("metadata.agentId").unwrap();
//! assert_eq!(r.key, Some("agentId"));
//! assert_eq!(schema.field(r.id).unwrap().name(), "conversation.metadata");
//!
//! let filter = schema.compile(&rsql::parse("conversation.startTime=ge=2021-03-01")?)?;
//! assert_eq!(filter.to_string(), "conversation.startTime=ge=2021-03-01T00:00:00.000Z");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod decimal;
mod field;
#[cfg(feature = "schema-file")]
pub mod file;
pub(crate) mod literal;
mod mapping;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

pub use field::{Field, FieldType, Missing, Op};
#[cfg(feature = "mongo")]
pub(crate) use mapping::MongoPath;
pub(crate) use mapping::SqlMapping;
pub use mapping::SqlType;

/// The index of a field in its [`Schema`], in declaration order: the first
/// [`SchemaBuilder::field`] call declares `FieldId::new(0)`, and so on.
///
/// Because ids are stable, a [`Record`](crate::Record) implementation can
/// match on `const` ids (check them once in a test with [`Schema::field_id`]).
///
/// ```
/// use rsql::{Field, FieldId, FieldType, Schema};
/// const NAME: FieldId = FieldId::new(0);
/// let schema = Schema::builder().field(Field::new("name", FieldType::String)).build()?;
/// assert_eq!(schema.field_id("name"), Some(NAME));
/// # Ok::<(), rsql::SchemaError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(u32);

impl FieldId {
    /// The id of the field declared at position `index`.
    ///
    /// ```
    /// assert_eq!(rsql::FieldId::new(3).index(), 3);
    /// ```
    pub const fn new(index: u32) -> FieldId {
        FieldId(index)
    }

    /// The declaration position.
    ///
    /// ```
    /// assert_eq!(rsql::FieldId::new(0).index(), 0);
    /// ```
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A resolved selector: a field and, for a dynamic field, the key.
///
/// This is what a [`Record`](crate::Record) receives: `conversation.type`
/// resolves to `FieldRef { id, key: None }`, and `metadata.agentId` to
/// `FieldRef { id: <conversation.metadata>, key: Some("agentId") }`.
///
/// ```
/// use rsql::{FieldId, FieldRef};
/// let r = FieldRef::with_key(FieldId::new(5), "agentId");
/// assert_eq!(r.key, Some("agentId"));
/// assert_eq!(FieldRef::new(FieldId::new(1)).key, None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldRef<'a> {
    /// The field.
    pub id: FieldId,
    /// The key inside a dynamic field; `None` for other fields.
    pub key: Option<&'a str>,
}

impl<'a> FieldRef<'a> {
    /// A reference to a plain or multi-valued field.
    ///
    /// ```
    /// let r = rsql::FieldRef::new(rsql::FieldId::new(0));
    /// assert!(r.key.is_none());
    /// ```
    pub const fn new(id: FieldId) -> FieldRef<'a> {
        FieldRef { id, key: None }
    }

    /// A reference to `key` inside the dynamic field `id`.
    ///
    /// ```
    /// let r = rsql::FieldRef::with_key(rsql::FieldId::new(0), "k");
    /// assert_eq!(r.key, Some("k"));
    /// ```
    pub const fn with_key(id: FieldId, key: &'a str) -> FieldRef<'a> {
        FieldRef { id, key: Some(key) }
    }
}

/// A schema that could not be built (a developer error, found at start-up).
///
/// ```
/// use rsql::{Field, FieldType, Schema, SchemaError};
/// let err = Schema::builder()
///     .field(Field::new("a", FieldType::String))
///     .field(Field::new("a", FieldType::Integer))
///     .build()
///     .unwrap_err();
/// assert_eq!(err, SchemaError::DuplicateName("a".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaError {
    /// Two fields or aliases share a name.
    DuplicateName(String),
    /// A name is empty, starts or ends with `.`, or has an empty segment.
    InvalidName(String),
    /// An alias points at nothing: its target is neither a field, a dynamic
    /// prefix, nor a path prefix of one.
    AliasTarget {
        /// The alias.
        alias: String,
        /// Its target.
        target: String,
    },
    /// `Field::operators` lists an operator the field's type cannot support.
    UnsupportedOperator {
        /// The field.
        field: String,
        /// The operator.
        op: Op,
    },
    /// A dynamic field cannot also be multi-valued.
    DynamicMultiValued(String),
    /// An `Enum` field declares no value.
    EmptyEnum(String),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::DuplicateName(n) => write!(f, "duplicate field or alias name `{n}`"),
            SchemaError::InvalidName(n) => write!(f, "invalid field name `{n}`"),
            SchemaError::AliasTarget { alias, target } => write!(
                f,
                "alias `{alias}` points at `{target}`, which is not a field or a prefix of one"
            ),
            SchemaError::UnsupportedOperator { field, op } => {
                write!(f, "field `{field}` cannot support operator `{op}`")
            }
            SchemaError::DynamicMultiValued(n) => {
                write!(f, "dynamic field `{n}` cannot be multi-valued")
            }
            SchemaError::EmptyEnum(n) => write!(f, "enum field `{n}` declares no value"),
        }
    }
}

impl std::error::Error for SchemaError {}

/// Builds a [`Schema`]; see [`Schema::builder`].
///
/// ```
/// let schema = rsql::Schema::builder()
///     .field(rsql::Field::new("n", rsql::FieldType::Integer))
///     .alias("number", "n")
///     .build()?;
/// assert_eq!(schema.field_id("number"), schema.field_id("n"));
/// # Ok::<(), rsql::SchemaError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SchemaBuilder {
    fields: Vec<Field>,
    aliases: Vec<(String, String)>,
}

impl SchemaBuilder {
    /// Declares a field; its [`FieldId`] is its position among the fields.
    ///
    /// ```
    /// let b = rsql::Schema::builder().field(rsql::Field::new("a", rsql::FieldType::Bool));
    /// # let _ = b;
    /// ```
    pub fn field(mut self, field: Field) -> SchemaBuilder {
        self.fields.push(field);
        self
    }

    /// Declares `from` as another name for `to`. Works for a whole path
    /// prefix too: `alias("metadata", "conversation.metadata")` makes
    /// `metadata.k` mean `conversation.metadata.k`, and
    /// `alias("conversation.members", "members")` makes
    /// `conversation.members.email` mean `members.email`. One step only:
    /// the target is not itself looked up among the aliases.
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("members.email", rsql::FieldType::String).multi_valued())
    ///     .alias("conversation.members", "members")
    ///     .build()?;
    /// assert!(schema.resolve("conversation.members.email").is_some());
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn alias(mut self, from: impl Into<String>, to: impl Into<String>) -> SchemaBuilder {
        self.aliases.push((from.into(), to.into()));
        self
    }

    /// Checks the declarations and builds the schema.
    ///
    /// # Errors
    ///
    /// A [`SchemaError`] for duplicate or malformed names, alias targets that
    /// name nothing, operators a type cannot support, an empty enum, or a
    /// dynamic multi-valued field.
    ///
    /// ```
    /// let err = rsql::Schema::builder().alias("x", "nowhere").build().unwrap_err();
    /// assert!(matches!(err, rsql::SchemaError::AliasTarget { .. }));
    /// ```
    pub fn build(self) -> Result<Schema, SchemaError> {
        let mut exact: HashMap<Box<str>, FieldId> = HashMap::new();
        let mut prefixes = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for (i, field) in self.fields.iter().enumerate() {
            check_name(&field.name)?;
            if names.contains(&field.name.as_str()) {
                return Err(SchemaError::DuplicateName(field.name.clone()));
            }
            names.push(&field.name);
            if let Some(ops) = field.ops {
                let supported = field.ty.supported();
                if let Some(op) = ops.iter().find(|op| !supported.contains(*op)) {
                    return Err(SchemaError::UnsupportedOperator {
                        field: field.name.clone(),
                        op,
                    });
                }
            }
            if field.dynamic && field.multi {
                return Err(SchemaError::DynamicMultiValued(field.name.clone()));
            }
            if matches!(&field.ty, FieldType::Enum(v) if v.is_empty()) {
                return Err(SchemaError::EmptyEnum(field.name.clone()));
            }
            let id = FieldId(u32::try_from(i).unwrap_or(u32::MAX));
            if field.dynamic {
                prefixes.push((field.name.clone().into_boxed_str(), id));
            } else {
                exact.insert(field.name.clone().into_boxed_str(), id);
            }
        }
        let mut aliases = Vec::new();
        for (from, to) in &self.aliases {
            check_name(from)?;
            if names.contains(&from.as_str()) {
                return Err(SchemaError::DuplicateName(from.clone()));
            }
            names.push(from);
            let inside_dynamic = prefixes.iter().any(|(p, _)| {
                to.len() > p.len() && to.starts_with(&**p) && to.as_bytes()[p.len()] == b'.'
            });
            let target_ok = !inside_dynamic
                && self.fields.iter().any(|f| {
                    f.name == *to
                        || (f.name.len() > to.len()
                            && f.name.starts_with(to.as_str())
                            && f.name.as_bytes()[to.len()] == b'.')
                });
            if !target_ok {
                return Err(SchemaError::AliasTarget {
                    alias: from.clone(),
                    target: to.clone(),
                });
            }
            aliases.push((from.clone().into_boxed_str(), to.clone().into_boxed_str()));
        }
        // Resolve aliases once, here: every alias spelling of a field goes
        // into the exact map, every alias of a dynamic prefix into the
        // prefix list, so compiling a selector is one hash lookup (plus a
        // scan of the few dynamic prefixes) and never builds a string.
        // A field's own name wins over an alias spelling of another field.
        let mut alias_prefixes = Vec::new();
        let own_names: Vec<(Box<str>, FieldId)> =
            exact.iter().map(|(n, id)| (n.clone(), *id)).collect();
        for (from, to) in &aliases {
            let (from, to) = (&**from, &**to);
            if let Some(&id) = exact.get(to) {
                exact.entry(Box::from(from)).or_insert(id);
            }
            let expand = |name: &str| -> Option<Box<str>> {
                let rest = strip_path_prefix(name, to)?;
                Some(format!("{from}.{rest}").into_boxed_str())
            };
            for (n, id) in &own_names {
                if let Some(name) = expand(n) {
                    exact.entry(name).or_insert(*id);
                }
            }
            for (p, id) in &prefixes {
                if **p == *to {
                    alias_prefixes.push((Box::from(from), *id));
                } else if let Some(name) = expand(p) {
                    alias_prefixes.push((name, *id));
                }
            }
        }
        prefixes.extend(alias_prefixes);
        // Longest prefix first, so `a.b` wins over `a`.
        aliases.sort_by_key(|a| std::cmp::Reverse(a.0.len()));
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        Ok(Schema {
            inner: Arc::new(Inner {
                fields: self.fields,
                exact,
                prefixes,
                aliases,
            }),
        })
    }
}

fn check_name(name: &str) -> Result<(), SchemaError> {
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return Err(SchemaError::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// The fields a filter may name, with their types and mappings.
///
/// Cheap to clone (shared); every compiled [`Filter`](crate::Filter) keeps a handle on
/// its schema so that emitters can reach column expressions and paths.
/// See the [module docs](self) for a full example.
///
/// ```
/// use rsql::{Field, FieldType, Schema};
/// let schema = Schema::builder()
///     .field(Field::new("conversation.type", FieldType::String))
///     .build()?;
/// let filter = schema.compile(&rsql::parse("conversation.type==meeting")?)?;
/// assert_eq!(filter.to_string(), "conversation.type==meeting");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Schema {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) fields: Vec<Field>,
    exact: HashMap<Box<str>, FieldId>,
    prefixes: Vec<(Box<str>, FieldId)>,
    aliases: Vec<(Box<str>, Box<str>)>,
}

/// How a selector resolved.
pub(crate) enum Resolved<'s> {
    Field(FieldRef<'s>),
    /// The selector names a dynamic prefix without a key.
    PrefixOnly,
    None,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("fields", &self.inner.fields)
            .field("aliases", &self.inner.aliases)
            .finish()
    }
}

impl Schema {
    /// Starts an empty schema.
    ///
    /// ```
    /// let schema = rsql::Schema::builder().build()?;
    /// assert_eq!(schema.fields().count(), 0);
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::default()
    }

    /// Whether `a` and `b` are handles to one schema (one is a clone of the
    /// other, or both are clones of a third): an O(1) check, where two
    /// schemas built separately are never the same even with equal fields.
    ///
    /// ```
    /// let build = || rsql::Schema::builder().field(rsql::Field::new("a", rsql::FieldType::Bool)).build();
    /// let schema = build()?;
    /// assert!(rsql::Schema::ptr_eq(&schema, &schema.clone()));
    /// assert!(!rsql::Schema::ptr_eq(&schema, &build()?));
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn ptr_eq(a: &Schema, b: &Schema) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// The id of the plain or multi-valued field called `name` (or an alias
    /// of it); `None` for unknown names and dynamic selectors.
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("a", rsql::FieldType::Bool))
    ///     .build()?;
    /// assert_eq!(schema.field_id("a"), Some(rsql::FieldId::new(0)));
    /// assert_eq!(schema.field_id("b"), None);
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        match self.resolve(name) {
            Some(FieldRef { id, key: None }) => Some(id),
            _ => None,
        }
    }

    /// Resolves a selector, following aliases and dynamic prefixes.
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::dynamic("conversation.metadata", rsql::FieldType::String))
    ///     .alias("metadata", "conversation.metadata")
    ///     .build()?;
    /// let r = schema.resolve("metadata.region").unwrap();
    /// assert_eq!(r.key, Some("region"));
    /// assert_eq!(schema.resolve("conversation.metadata.region"), Some(r));
    /// assert!(schema.resolve("metadata").is_none());
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn resolve<'s>(&self, selector: &'s str) -> Option<FieldRef<'s>> {
        match self.resolve_full(selector) {
            Resolved::Field(r) => Some(r),
            _ => None,
        }
    }

    /// The declaration of field `id`.
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("a", rsql::FieldType::Bool))
    ///     .build()?;
    /// assert_eq!(schema.field(rsql::FieldId::new(0)).map(|f| f.name()), Some("a"));
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn field(&self, id: FieldId) -> Option<&Field> {
        self.inner.fields.get(id.index())
    }

    /// Every declared field with its id, in declaration order.
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("a", rsql::FieldType::Bool).sortable())
    ///     .build()?;
    /// let sortable: Vec<&str> = schema.fields().filter(|(_, f)| f.is_sortable()).map(|(_, f)| f.name()).collect();
    /// assert_eq!(sortable, ["a"]);
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn fields(&self) -> impl Iterator<Item = (FieldId, &Field)> {
        self.inner
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (FieldId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    /// Aliases were expanded at build time: a map lookup, then the dynamic
    /// prefixes (longest first).
    pub(crate) fn resolve_full<'s>(&self, selector: &'s str) -> Resolved<'s> {
        if let Some(&id) = self.inner.exact.get(selector) {
            return Resolved::Field(FieldRef { id, key: None });
        }
        for (prefix, id) in &self.inner.prefixes {
            if selector == &**prefix {
                return Resolved::PrefixOnly;
            }
            if let Some(key) = strip_path_prefix(selector, prefix) {
                return Resolved::Field(FieldRef {
                    id: *id,
                    key: Some(key),
                });
            }
        }
        Resolved::None
    }

    /// Selector spellings offered in "unknown field" messages: every plain
    /// field and alias, and `prefix.<key>` for dynamic fields.
    pub(crate) fn known_selectors(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in &self.inner.fields {
            if f.dynamic {
                out.push(format!("{}.<key>", f.name));
            } else {
                out.push(f.name.clone());
            }
        }
        for (from, to) in &self.inner.aliases {
            let is_dynamic = self.inner.prefixes.iter().any(|(p, _)| **p == **to);
            if is_dynamic {
                out.push(format!("{from}.<key>"));
            } else if self.inner.exact.contains_key(to) {
                out.push(from.to_string());
            }
        }
        out
    }

    /// Candidate spellings for a misspelt selector: known names, plus each
    /// dynamic prefix (and prefix alias) followed by the selector's own tail.
    pub(crate) fn suggest(&self, selector: &str) -> Option<String> {
        let mut candidates: Vec<String> = self.inner.exact.keys().map(|k| k.to_string()).collect();
        // Sorted, so that ties between equally near names break the same way every time.
        candidates.sort();
        let segments: Vec<&str> = selector.split('.').collect();
        let prefixes = self
            .inner
            .prefixes
            .iter()
            .map(|(p, _)| &**p)
            .chain(self.inner.aliases.iter().map(|(from, _)| &**from));
        for p in prefixes {
            let n = p.split('.').count();
            if segments.len() > n {
                candidates.push(format!("{p}.{}", segments[n..].join(".")));
            } else {
                candidates.push(p.to_owned());
            }
        }
        for (from, _) in &self.inner.aliases {
            candidates.push(from.to_string());
        }
        crate::suggest::nearest(selector, candidates.iter().map(String::as_str)).map(str::to_owned)
    }
}

/// `Some(rest)` when `s` is `prefix.rest` with a non-empty `rest`.
fn strip_path_prefix<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    s.strip_prefix(prefix)?
        .strip_prefix('.')
        .filter(|rest| !rest.is_empty())
}
