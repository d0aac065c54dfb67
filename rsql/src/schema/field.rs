//! [`Field`], [`FieldType`] and [`Op`]: what one field of a
//! [`Schema`](super::Schema) is, and which operators it takes.

use std::fmt;

use super::mapping::{MongoPath, SqlMapping, SqlType};
use crate::ast::Operator;

/// The type of a field's values; decides how literals are parsed and compared.
///
/// ```
/// use rsql::FieldType;
/// let kind = FieldType::enumeration(["meeting", "call", "chat"]);
/// assert_eq!(kind.name(), "enum");
/// assert_eq!(FieldType::Timestamp.name(), "timestamp");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldType {
    /// Text, compared by bytes (= code points); `*` wildcards in `==`/`!=`.
    String,
    /// An instant, held as epoch milliseconds; literals are RFC 3339 or `YYYY-MM-DD`.
    Timestamp,
    /// A signed 64-bit integer.
    Integer,
    /// A 64-bit float; literals must be finite.
    Float,
    /// `true` or `false`.
    Bool,
    /// Text restricted to the listed values (exact, case-sensitive).
    Enum(Vec<String>),
}

impl FieldType {
    /// An [`FieldType::Enum`] from any list of strings.
    ///
    /// ```
    /// let t = rsql::FieldType::enumeration(["a", "b"]);
    /// assert_eq!(t, rsql::FieldType::Enum(vec!["a".into(), "b".into()]));
    /// ```
    pub fn enumeration<S: Into<String>>(values: impl IntoIterator<Item = S>) -> FieldType {
        FieldType::Enum(values.into_iter().map(Into::into).collect())
    }

    /// A short lowercase name: `string`, `timestamp`, `integer`, `float`, `bool`, `enum`.
    ///
    /// ```
    /// assert_eq!(rsql::FieldType::Float.name(), "float");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Timestamp => "timestamp",
            FieldType::Integer => "integer",
            FieldType::Float => "float",
            FieldType::Bool => "bool",
            FieldType::Enum(_) => "enum",
        }
    }

    /// The operators this type can support at all (a field may allow fewer).
    pub(super) fn supported(&self) -> OpSet {
        use Op::*;
        match self {
            FieldType::String => OpSet::ALL,
            FieldType::Timestamp | FieldType::Integer | FieldType::Float => OpSet::of(&[
                Eq, Ne, Lt, Le, Gt, Ge, In, Out, Between, NotBetween, IsNull, NotNull,
            ]),
            FieldType::Bool | FieldType::Enum(_) => OpSet::of(&[Eq, Ne, In, Out, IsNull, NotNull]),
        }
    }
}

/// An operator as the schema understands it: the eight standard ones plus
/// the extended vocabulary (crate docs, *Syntax* → *Operators*).
///
/// Why not [`Operator`]: the parser's operator is open (any registered
/// symbol, and with [`Operators::any`](crate::Operators::any) every
/// `=letters=` symbol, kept as text) because a syntax tree must hold
/// operators no schema knows. The schema needs the closed set it gives a
/// meaning to: `Op` is `Copy`, a field's allowed operators fit in a 16-bit
/// set, the compiler matches on it exhaustively, and a
/// [`SchemaError`](crate::SchemaError) can name one. [`Op::from_operator`]
/// maps a parsed operator to it; one it cannot map is a
/// [`CompileErrorKind::UnknownOperator`](crate::CompileErrorKind::UnknownOperator).
///
/// ```
/// use rsql::{Op, Operator};
/// assert_eq!(Op::from_operator(&Operator::Lt), Some(Op::Lt));
/// assert_eq!(Op::from_symbol("=ke="), Some(Op::Like));
/// assert_eq!(Op::Between.symbol(), "=bt=");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// `==` (with `*`: wildcard match)
    Eq,
    /// `!=` (with `*`: wildcard non-match)
    Ne,
    /// `=lt=`
    Lt,
    /// `=le=`
    Le,
    /// `=gt=`
    Gt,
    /// `=ge=`
    Ge,
    /// `=in=`
    In,
    /// `=out=`
    Out,
    /// `=like=` (`=ke=`): contains
    Like,
    /// `=notlike=` (`=nk=`)
    NotLike,
    /// `=ilike=` (`=ik=`): contains, ASCII case-insensitive
    ILike,
    /// `=ic=` (`=icase=`): equality, ASCII case-insensitive
    ICase,
    /// `=bt=` (`=between=`): inclusive range, exactly two values
    Between,
    /// `=nb=` (`=notbetween=`)
    NotBetween,
    /// `=isnull=` (`=na=`, `=null=`): `true` or `false`
    IsNull,
    /// `=notnull=` (`=nn=`): `true` or `false`
    NotNull,
}

impl Op {
    /// Every operator, in a fixed order.
    pub const ALL: [Op; 16] = [
        Op::Eq,
        Op::Ne,
        Op::Lt,
        Op::Le,
        Op::Gt,
        Op::Ge,
        Op::In,
        Op::Out,
        Op::Like,
        Op::NotLike,
        Op::ILike,
        Op::ICase,
        Op::Between,
        Op::NotBetween,
        Op::IsNull,
        Op::NotNull,
    ];

    /// The primary (canonical) symbol.
    ///
    /// ```
    /// assert_eq!(rsql::Op::ICase.symbol(), "=ic=");
    /// ```
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "=lt=",
            Op::Le => "=le=",
            Op::Gt => "=gt=",
            Op::Ge => "=ge=",
            Op::In => "=in=",
            Op::Out => "=out=",
            Op::Like => "=like=",
            Op::NotLike => "=notlike=",
            Op::ILike => "=ilike=",
            Op::ICase => "=ic=",
            Op::Between => "=bt=",
            Op::NotBetween => "=nb=",
            Op::IsNull => "=isnull=",
            Op::NotNull => "=notnull=",
        }
    }

    /// The operator spelled `symbol` (any spelling or alias of the extended vocabulary).
    ///
    /// ```
    /// assert_eq!(rsql::Op::from_symbol(">="), Some(rsql::Op::Ge));
    /// assert_eq!(rsql::Op::from_symbol("=null="), Some(rsql::Op::IsNull));
    /// assert_eq!(rsql::Op::from_symbol("=foo="), None);
    /// ```
    pub fn from_symbol(symbol: &str) -> Option<Op> {
        Some(match symbol {
            "==" => Op::Eq,
            "!=" => Op::Ne,
            "=lt=" | "<" => Op::Lt,
            "=le=" | "<=" => Op::Le,
            "=gt=" | ">" => Op::Gt,
            "=ge=" | ">=" => Op::Ge,
            "=in=" => Op::In,
            "=out=" => Op::Out,
            "=like=" | "=ke=" => Op::Like,
            "=notlike=" | "=nk=" => Op::NotLike,
            "=ilike=" | "=ik=" => Op::ILike,
            "=ic=" | "=icase=" => Op::ICase,
            "=bt=" | "=between=" => Op::Between,
            "=nb=" | "=notbetween=" => Op::NotBetween,
            "=isnull=" | "=na=" | "=null=" => Op::IsNull,
            "=notnull=" | "=nn=" => Op::NotNull,
            _ => return None,
        })
    }

    /// The schema operator for a parsed [`Operator`], if it is one of the sixteen.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let like = rsql::Operator::Custom(Arc::from("=like="));
    /// assert_eq!(rsql::Op::from_operator(&like), Some(rsql::Op::Like));
    /// ```
    pub fn from_operator(op: &Operator) -> Option<Op> {
        Some(match op {
            Operator::Eq => Op::Eq,
            Operator::Ne => Op::Ne,
            Operator::Lt => Op::Lt,
            Operator::Le => Op::Le,
            Operator::Gt => Op::Gt,
            Operator::Ge => Op::Ge,
            Operator::In => Op::In,
            Operator::Out => Op::Out,
            Operator::Custom(s) => return Op::from_symbol(s),
        })
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A small set of [`Op`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct OpSet(u16);

impl OpSet {
    const ALL: OpSet = OpSet(u16::MAX);

    pub(super) fn of(ops: &[Op]) -> OpSet {
        OpSet(ops.iter().fold(0, |acc, op| acc | op.bit()))
    }

    pub(super) fn contains(self, op: Op) -> bool {
        self.0 & op.bit() != 0
    }

    pub(super) fn iter(self) -> impl Iterator<Item = Op> {
        Op::ALL.into_iter().filter(move |op| self.contains(*op))
    }
}

/// What a negation (`!=`, `=out=`, `=notlike=`, `=nb=`) says about a record
/// that has no value for the field ([`Field::when_missing`]).
///
/// Positive comparisons (`==`, `=in=`, `<`, …) never match a missing value;
/// `=isnull=true` / `=notnull=false` always do.
///
/// ```
/// use rsql::{Field, FieldType, Missing};
/// let meta = Field::dynamic("metadata", FieldType::String); // `metadata.x!=1` holds without `x`
/// assert_eq!(meta.missing(), Missing::MatchesNegations);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Missing {
    /// A negation is true for a record without a value: `metadata.k!=x`
    /// holds when `k` is absent, and for a multi-valued field `!=` means
    /// "no value matches", so an empty list matches (the default).
    #[default]
    MatchesNegations,
    /// Missing is unknown, as SQL's `NULL`: no comparison on it holds,
    /// negations included (`endTime!=X` skips running conversations).
    MatchesNothing,
}

/// One field of a [`Schema`](super::Schema): its selector name, type, kind and mappings.
///
/// Built with [`Field::new`] or [`Field::dynamic`] and by-value setters; read
/// back through [`Schema::field`](super::Schema::field).
///
/// ```
/// use rsql::{Field, FieldType, Op};
/// let f = Field::new("conversation.type", FieldType::String)
///     .operators([Op::Eq, Op::Ne, Op::In, Op::Out])
///     .sql_column("type");
/// assert!(f.allows(Op::In));
/// assert!(!f.allows(Op::Like));
/// ```
#[derive(Clone, Debug)]
pub struct Field {
    pub(super) name: String,
    pub(super) ty: FieldType,
    pub(super) multi: bool,
    pub(super) dynamic: bool,
    sortable: bool,
    wildcards: bool,
    numeric_strings: bool,
    missing: Missing,
    pub(super) ops: Option<OpSet>,
    pub(crate) sql: Option<SqlMapping>,
    pub(crate) sql_type: Option<SqlType>,
    pub(crate) mongo: Option<MongoPath>,
}

impl Field {
    /// A plain field named `name` (the full selector, e.g. `conversation.name`).
    ///
    /// ```
    /// let f = rsql::Field::new("conversation.name", rsql::FieldType::String);
    /// assert_eq!(f.name(), "conversation.name");
    /// ```
    pub fn new(name: impl Into<String>, ty: FieldType) -> Field {
        Field {
            name: name.into(),
            ty,
            multi: false,
            dynamic: false,
            sortable: false,
            wildcards: true,
            numeric_strings: false,
            missing: Missing::MatchesNegations,
            ops: None,
            sql: None,
            sql_type: None,
            mongo: None,
        }
    }

    /// A dynamic field: a map under `prefix`, reached as `prefix.<key>`
    /// (`conversation.metadata.agentId`). Every key has type `ty`.
    ///
    /// ```
    /// let f = rsql::Field::dynamic("conversation.metadata", rsql::FieldType::String);
    /// assert!(f.is_dynamic());
    /// ```
    pub fn dynamic(prefix: impl Into<String>, ty: FieldType) -> Field {
        Field {
            dynamic: true,
            ..Field::new(prefix, ty)
        }
    }

    /// Marks the field multi-valued (any-member semantics, see the module docs).
    ///
    /// ```
    /// let f = rsql::Field::new("members.email", rsql::FieldType::String).multi_valued();
    /// assert!(f.is_multi_valued());
    /// ```
    pub fn multi_valued(mut self) -> Field {
        self.multi = true;
        self
    }

    /// Marks the field usable as a sort key (read by the store and server).
    ///
    /// ```
    /// assert!(rsql::Field::new("a", rsql::FieldType::Integer).sortable().is_sortable());
    /// ```
    pub fn sortable(mut self) -> Field {
        self.sortable = true;
        self
    }

    /// Whether `*` in `==`/`!=` (and `=like=`, `=ic=`) is a wildcard on this
    /// string field (default `true`). When `false`, a wildcard star is a
    /// [`WildcardNotAllowed`](crate::CompileErrorKind::WildcardNotAllowed) error;
    /// a literal `\*` is always fine.
    ///
    /// ```
    /// let f = rsql::Field::new("id", rsql::FieldType::String).wildcards(false);
    /// # let _ = f;
    /// ```
    pub fn wildcards(mut self, enabled: bool) -> Field {
        self.wildcards = enabled;
        self
    }

    /// For a string field: ordering operators (`=lt=` … `=bt=`) compare
    /// numerically when **both** the stored value and the literal are decimal
    /// numbers (`-?[0-9]+(\.[0-9]+)?`), and as strings otherwise. Equality
    /// stays textual. Meant for string maps such as metadata, where
    /// `metadata.score=gt=0.75` should compare numbers.
    ///
    /// ```
    /// let f = rsql::Field::dynamic("metadata", rsql::FieldType::String).numeric_strings();
    /// # let _ = f;
    /// ```
    pub fn numeric_strings(mut self) -> Field {
        self.numeric_strings = true;
        self
    }

    /// What a negation (`!=`, `=out=`, `=notlike=`, `=nb=`) says about a
    /// record that has no value for this field (default
    /// [`Missing::MatchesNegations`]). `=isnull=` sees a missing value either way.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Missing};
    /// // A conversation that is still running has no end time, and
    /// // `endTime!=X` should not select it.
    /// let f = Field::new("conversation.endTime", FieldType::Timestamp)
    ///     .when_missing(Missing::MatchesNothing);
    /// assert_eq!(f.missing(), Missing::MatchesNothing);
    /// ```
    pub fn when_missing(mut self, missing: Missing) -> Field {
        self.missing = missing;
        self
    }

    /// Restricts the operators allowed on this field (default: every operator
    /// its type supports). Listing an operator the type cannot support makes
    /// [`SchemaBuilder::build`](super::SchemaBuilder::build) fail.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Op};
    /// let f = Field::new("t", FieldType::Timestamp).operators([Op::Ge, Op::Lt]);
    /// assert_eq!(f.allowed_operators().collect::<Vec<_>>(), [Op::Lt, Op::Ge]);
    /// ```
    pub fn operators(mut self, ops: impl IntoIterator<Item = Op>) -> Field {
        let ops: Vec<Op> = ops.into_iter().collect();
        self.ops = Some(OpSet::of(&ops));
        self
    }

    /// The SQL expression of a plain field, e.g. `c.start_ms`. It is copied
    /// into emitted SQL verbatim: it comes from the developer, never from a filter.
    ///
    /// ```
    /// let f = rsql::Field::new("conversation.name", rsql::FieldType::String).sql_column("c.name");
    /// # let _ = f;
    /// ```
    pub fn sql_column(mut self, expr: impl Into<String>) -> Field {
        self.sql = Some(SqlMapping::Column(expr.into()));
        self
    }

    /// The SQL of a multi-valued field held in a child table: comparisons
    /// become `EXISTS (SELECT 1 FROM <from> WHERE <join> AND <column> …)`.
    ///
    /// ```
    /// let f = rsql::Field::new("members.email", rsql::FieldType::String)
    ///     .multi_valued()
    ///     .sql_exists("members m", "m.conversation_id = c.id", "m.email");
    /// # let _ = f;
    /// ```
    pub fn sql_exists(
        mut self,
        from: impl Into<String>,
        join: impl Into<String>,
        column: impl Into<String>,
    ) -> Field {
        self.sql = Some(SqlMapping::Exists {
            from: from.into(),
            join: join.into(),
            column: column.into(),
        });
        self
    }

    /// The SQL of a dynamic field stored as a JSON object in `column`. A
    /// string map reads the value's text: `<column>->>'<key>'` (PostgreSQL)
    /// or `json_extract(<column>, '$."<key>"')` (SQLite). The key is written
    /// into the SQL as a string literal, which is safe because keys are
    /// validated when a filter is compiled (letters, digits, `_` and `-`
    /// only), and it lets an expression index such as
    /// `((metadata->>'agentId'))` serve the query. A map of another type
    /// reads each value as [`SqlType::Json`] (PostgreSQL only).
    ///
    /// ```
    /// let f = rsql::Field::dynamic("metadata", rsql::FieldType::String).sql_json("c.metadata");
    /// # let _ = f;
    /// ```
    pub fn sql_json(mut self, column: impl Into<String>) -> Field {
        self.sql = Some(SqlMapping::Json(column.into()));
        self
    }

    /// The SQL of a plain field stored inside a JSON document: `column` holds
    /// the document and `path` the keys leading to the value
    /// (`doc->'a'->'b'` on PostgreSQL). The value is read as the field's type
    /// ([`SqlType::Json`]): a number, boolean or timestamp (an RFC 3339
    /// string) is compared as one, and a value of another JSON type
    /// satisfies no comparison. String fields read `doc->'a'->>'b'`, which
    /// an expression index on that text serves.
    ///
    /// ```
    /// use rsql::{Field, FieldType, SqlOptions};
    /// let schema = rsql::Schema::builder()
    ///     .field(Field::new("region", FieldType::String).sql_json_path("c.doc", ["geo", "region"]))
    ///     .build()?;
    /// let w = schema.compile(&rsql::parse("region==eu")?)?.to_sql(&SqlOptions::postgres())?;
    /// assert_eq!(w.sql, "(c.doc->'geo'->>'region') = $1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sql_json_path<S: Into<String>>(
        mut self,
        column: impl Into<String>,
        path: impl IntoIterator<Item = S>,
    ) -> Field {
        self.sql = Some(SqlMapping::JsonPath {
            column: column.into(),
            path: path.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// How the mapped column stores values (see [`SqlType`] for the kinds
    /// and which field types take them): parameters are emitted in that
    /// type. Without it a timestamp is an epoch-ms integer and other values
    /// are bound as the field's type. A combination the emitter cannot
    /// translate is an [`EmitError`](crate::EmitError) when SQL is emitted.
    ///
    /// ```
    /// use rsql::{Field, FieldType, SqlOptions, SqlParam, SqlType};
    /// let schema = rsql::Schema::builder()
    ///     .field(Field::new("start", FieldType::Timestamp)
    ///         .sql_column("c.started_at")
    ///         .sql_type(SqlType::TimestampTz))
    ///     .build()?;
    /// let w = schema.compile(&rsql::parse("start==2021-06-10T09:30:00Z")?)?
    ///     .to_sql(&SqlOptions::postgres())?;
    /// // the instant truncated to the millisecond: a half-open range
    /// assert_eq!(w.sql, "(c.started_at >= $1 AND c.started_at < $2)");
    /// assert_eq!(w.params, [SqlParam::TimestampTz(1_623_317_400_000), SqlParam::TimestampTz(1_623_317_400_001)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sql_type(mut self, ty: SqlType) -> Field {
        self.sql_type = Some(ty);
        self
    }

    /// The SQL of a dynamic field as a template in which `{key}` stands for
    /// the key as a SQL string literal (`'agentId'`; keys are validated when
    /// a filter is compiled, see [`Field::sql_json`]), e.g. `meta_value(c.id, {key})`.
    ///
    /// ```
    /// let f = rsql::Field::dynamic("tags", rsql::FieldType::String)
    ///     .sql_template("(SELECT v FROM tags t WHERE t.cid = c.id AND t.k = {key})");
    /// # let _ = f;
    /// ```
    pub fn sql_template(mut self, template: impl Into<String>) -> Field {
        self.sql = Some(SqlMapping::Template(template.into()));
        self
    }

    /// The MongoDB document path (default: the field name). For a dynamic
    /// field it is the map's path; the key is appended.
    ///
    /// ```
    /// let f = rsql::Field::new("conversation.name", rsql::FieldType::String).mongo_path("name");
    /// # let _ = f;
    /// ```
    pub fn mongo_path(mut self, path: impl Into<String>) -> Field {
        self.mongo = Some(MongoPath::Path(path.into()));
        self
    }

    /// The MongoDB location of a multi-valued field: the array path and the
    /// field inside each element (default: the name split at its last dot).
    ///
    /// ```
    /// let f = rsql::Field::new("members.email", rsql::FieldType::String)
    ///     .multi_valued()
    ///     .mongo_elem("members", "email");
    /// # let _ = f;
    /// ```
    pub fn mongo_elem(mut self, array: impl Into<String>, field: impl Into<String>) -> Field {
        self.mongo = Some(MongoPath::Elem {
            array: array.into(),
            field: field.into(),
        });
        self
    }

    /// The selector name (the prefix, for a dynamic field).
    ///
    /// ```
    /// assert_eq!(rsql::Field::new("x", rsql::FieldType::Bool).name(), "x");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value type.
    ///
    /// ```
    /// let f = rsql::Field::new("x", rsql::FieldType::Bool);
    /// assert_eq!(f.field_type(), &rsql::FieldType::Bool);
    /// ```
    pub fn field_type(&self) -> &FieldType {
        &self.ty
    }

    /// Whether a record may hold several values (any-member semantics).
    ///
    /// ```
    /// assert!(!rsql::Field::new("x", rsql::FieldType::Bool).is_multi_valued());
    /// ```
    pub fn is_multi_valued(&self) -> bool {
        self.multi
    }

    /// Whether this is a map reached as `name.<key>`.
    ///
    /// ```
    /// assert!(!rsql::Field::new("x", rsql::FieldType::Bool).is_dynamic());
    /// ```
    pub fn is_dynamic(&self) -> bool {
        self.dynamic
    }

    /// Whether the field may be used as a sort key.
    ///
    /// ```
    /// assert!(!rsql::Field::new("x", rsql::FieldType::Bool).is_sortable());
    /// ```
    pub fn is_sortable(&self) -> bool {
        self.sortable
    }

    /// Whether string ordering compares numbers numerically ([`Field::numeric_strings`]).
    ///
    /// ```
    /// assert!(!rsql::Field::new("x", rsql::FieldType::String).has_numeric_strings());
    /// ```
    pub fn has_numeric_strings(&self) -> bool {
        self.numeric_strings
    }

    /// What a negation says about a record without a value ([`Field::when_missing`]).
    ///
    /// ```
    /// let f = rsql::Field::new("x", rsql::FieldType::String);
    /// assert_eq!(f.missing(), rsql::Missing::MatchesNegations);
    /// ```
    pub fn missing(&self) -> Missing {
        self.missing
    }

    /// The storage kind set with [`Field::sql_type`] (`None`: the default).
    ///
    /// ```
    /// let f = rsql::Field::new("x", rsql::FieldType::Integer).sql_column("x");
    /// assert_eq!(f.declared_sql_type(), None);
    /// ```
    pub fn declared_sql_type(&self) -> Option<SqlType> {
        self.sql_type
    }

    /// Whether `*` is a wildcard on this field.
    ///
    /// ```
    /// assert!(rsql::Field::new("x", rsql::FieldType::String).has_wildcards());
    /// assert!(!rsql::Field::new("x", rsql::FieldType::Integer).has_wildcards());
    /// ```
    pub fn has_wildcards(&self) -> bool {
        self.wildcards && self.ty == FieldType::String
    }

    /// Whether `op` may be used on this field.
    ///
    /// ```
    /// let f = rsql::Field::new("x", rsql::FieldType::Bool);
    /// assert!(f.allows(rsql::Op::Eq));
    /// assert!(!f.allows(rsql::Op::Lt));
    /// ```
    pub fn allows(&self, op: Op) -> bool {
        self.op_set().contains(op)
    }

    /// The allowed operators, in [`Op::ALL`] order.
    ///
    /// ```
    /// let f = rsql::Field::new("x", rsql::FieldType::Bool);
    /// assert_eq!(f.allowed_operators().count(), 6);
    /// ```
    pub fn allowed_operators(&self) -> impl Iterator<Item = Op> + '_ {
        self.op_set().iter()
    }

    fn op_set(&self) -> OpSet {
        let supported = self.ty.supported();
        match self.ops {
            Some(ops) => OpSet(ops.0 & supported.0),
            None => supported,
        }
    }
}
