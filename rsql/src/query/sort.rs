//! [`Sort`]: an order over a schema's sortable fields, its parse from the
//! API syntax (`-a,+b,c`), and the in-memory comparison of [`Record`]s.
//!
//! A sort is built by [`SortRules`], which a service declares once: the
//! schema, the tie-break field that is appended to every sort so that paging
//! is stable (a unique field such as an id), and the most keys a client may
//! give. The order of one key (the same on every backend, see
//! [`Query::to_sql`](super::Query::to_sql)):
//!
//! * strings and enum values by their bytes (= code points), timestamps by
//!   instant, numbers numerically, `false` before `true`;
//! * a missing value sorts **after** every value in ascending order and
//!   **before** them in descending order (PostgreSQL's default `NULLS LAST`
//!   for `ASC`, `NULLS FIRST` for `DESC`): missing is "greater than
//!   everything", as `NULL` is in PostgreSQL.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::error::truncate;
use crate::eval::{FieldValue, Record};
use crate::schema::{Field, FieldId, FieldRef, Resolved, Schema};

/// The most keys [`SortRules::parse`] accepts unless
/// [`SortRules::with_max_keys`] says otherwise.
///
/// ```
/// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
/// let rules = rsql::SortRules::new(&schema, "id")?;
/// assert!(rules.parse(&vec!["id"; rsql::DEFAULT_MAX_SORT_KEYS].join(","), Default::default()).is_ok());
/// assert!(rules.parse(&vec!["id"; rsql::DEFAULT_MAX_SORT_KEYS + 1].join(","), Default::default()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_MAX_SORT_KEYS: usize = 5;

/// Ascending or descending.
///
/// ```
/// use rsql::Direction;
/// assert_eq!(Direction::default(), Direction::Asc);
/// assert_eq!(Direction::parse("desc"), Some(Direction::Desc));
/// assert_eq!(Direction::parse("DESC"), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smallest first; missing values last.
    #[default]
    Asc,
    /// Largest first; missing values first.
    Desc,
}

impl Direction {
    /// Parses an `order` parameter: exactly `asc` or `desc`.
    ///
    /// ```
    /// assert_eq!(rsql::Direction::parse("asc"), Some(rsql::Direction::Asc));
    /// assert_eq!(rsql::Direction::parse(" asc"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Direction> {
        match text {
            "asc" => Some(Direction::Asc),
            "desc" => Some(Direction::Desc),
            _ => None,
        }
    }

    /// An ascending comparison turned into this direction.
    ///
    /// ```
    /// use std::cmp::Ordering;
    /// assert_eq!(rsql::Direction::Desc.apply(Ordering::Less), Ordering::Greater);
    /// assert_eq!(rsql::Direction::Asc.apply(Ordering::Less), Ordering::Less);
    /// ```
    #[inline]
    pub fn apply(self, ord: Ordering) -> Ordering {
        match self {
            Direction::Asc => ord,
            Direction::Desc => ord.reverse(),
        }
    }

    /// `+` or `-`, as [`Sort`]'s canonical form writes it.
    ///
    /// ```
    /// assert_eq!(rsql::Direction::Desc.sign(), '-');
    /// ```
    pub fn sign(self) -> char {
        match self {
            Direction::Asc => '+',
            Direction::Desc => '-',
        }
    }
}

/// One key of a [`Sort`]: a field of the schema and a direction.
///
/// ```
/// use rsql::{Direction, FieldId, SortKey};
/// let k = SortKey::new(FieldId::new(3), Direction::Desc);
/// assert_eq!((k.field, k.direction), (FieldId::new(3), Direction::Desc));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SortKey {
    /// The field (a sortable plain field of the schema).
    pub field: FieldId,
    /// The direction.
    pub direction: Direction,
}

impl SortKey {
    /// A key on `field` in `direction`.
    ///
    /// ```
    /// let k = rsql::SortKey::new(rsql::FieldId::new(0), rsql::Direction::Asc);
    /// assert_eq!(k.direction, rsql::Direction::Asc);
    /// ```
    pub const fn new(field: FieldId, direction: Direction) -> SortKey {
        SortKey { field, direction }
    }
}

/// A [`SortRules`] that cannot be built (a developer error, found at start-up).
///
/// ```
/// use rsql::{Field, FieldType, Schema, SortRules, SortRulesError};
/// let schema = Schema::builder().field(Field::new("id", FieldType::String)).build()?;
/// let err = SortRules::new(&schema, "id").unwrap_err();
/// assert_eq!(err, SortRulesError::NotSortable("id".into()));
/// assert_eq!(err.to_string(), "tie-break field `id` is not a sortable plain field");
/// # Ok::<(), rsql::SchemaError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortRulesError {
    /// The tie-break names no field of the schema.
    UnknownField(String),
    /// The tie-break field is not marked [`Field::sortable`], or is dynamic
    /// or multi-valued.
    NotSortable(String),
}

impl fmt::Display for SortRulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SortRulesError::UnknownField(n) => {
                write!(f, "tie-break field `{n}` is not a field of the schema")
            }
            SortRulesError::NotSortable(n) => {
                write!(f, "tie-break field `{n}` is not a sortable plain field")
            }
        }
    }
}

impl std::error::Error for SortRulesError {}

/// Why a sort was rejected (bad input: an HTTP 400 in a service).
///
/// `Display` names the parameter (`sort: …`), the item as given and the
/// sortable fields.
///
/// ```
/// use rsql::{Field, FieldType, Schema, SortErrorKind, SortRules};
/// let schema = Schema::builder()
///     .field(Field::new("id", FieldType::String).sortable())
///     .field(Field::new("name", FieldType::String).sortable())
///     .field(Field::new("tags", FieldType::String).multi_valued())
///     .build()?;
/// let rules = SortRules::new(&schema, "id")?;
/// let err = rules.parse("name,tags", Default::default()).unwrap_err();
/// assert_eq!(err.kind(), &SortErrorKind::NotSortable { name: "tags".into() });
/// assert_eq!(err.item(), 1);
/// assert_eq!(err.to_string(), "sort: field `tags` cannot be sorted on; expected one of `id`, `name`");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortError {
    kind: SortErrorKind,
    item: usize,
    sortable: Vec<String>,
}

/// The kinds of [`SortError`].
///
/// ```
/// use rsql::{Field, FieldType, Schema, SortErrorKind, SortRules};
/// let schema = Schema::builder().field(Field::new("id", FieldType::String).sortable()).build()?;
/// let rules = SortRules::new(&schema, "id")?;
/// let kind = |s: &str| rules.parse(s, Default::default()).unwrap_err().kind().clone();
/// assert_eq!(kind("id,"), SortErrorKind::Empty);
/// assert_eq!(kind("ids"), SortErrorKind::UnknownField { name: "ids".into() });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortErrorKind {
    /// An empty item: `sort=name,,id`, `sort=-`, or an empty `sort`.
    Empty,
    /// Not a field of the schema: `sort=startTme`.
    UnknownField {
        /// The text as given.
        name: String,
    },
    /// A field (or a namespace of fields) that cannot be sorted on: not
    /// marked sortable, multi-valued, or a dynamic map (`sort=metadata.x`).
    NotSortable {
        /// The text as given.
        name: String,
    },
    /// More items than [`SortRules::max_keys`].
    TooMany {
        /// How many were given.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

impl SortError {
    /// A sort error of `kind` at `item` (0-based), listing the sortable
    /// fields of `rules`: for a caller that maps sort keys further and finds
    /// one it cannot serve.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Schema, SortError, SortErrorKind, SortRules};
    /// let schema = Schema::builder().field(Field::new("id", FieldType::String).sortable()).build()?;
    /// let rules = SortRules::new(&schema, "id")?;
    /// let e = SortError::new(&rules, SortErrorKind::NotSortable { name: "id".into() }, 0);
    /// assert_eq!(e.to_string(), "sort: field `id` cannot be sorted on; expected one of `id`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(rules: &SortRules, kind: SortErrorKind, item: usize) -> SortError {
        SortError {
            kind,
            item,
            sortable: rules
                .sortable_fields()
                .map(|(_, f)| f.name().to_owned())
                .collect(),
        }
    }

    /// What went wrong.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Schema, SortErrorKind, SortRules};
    /// let schema = Schema::builder().field(Field::new("id", FieldType::String).sortable()).build()?;
    /// let e = SortRules::new(&schema, "id")?.parse("id,id,id,id,id,id", Default::default()).unwrap_err();
    /// assert_eq!(e.kind(), &SortErrorKind::TooMany { count: 6, limit: 5 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> &SortErrorKind {
        &self.kind
    }

    /// The 0-based index of the offending item (for `TooMany`, the first
    /// item past the limit).
    ///
    /// ```
    /// use rsql::{Field, FieldType, Schema, SortRules};
    /// let schema = Schema::builder().field(Field::new("id", FieldType::String).sortable()).build()?;
    /// let e = SortRules::new(&schema, "id")?.parse("id,bogus", Default::default()).unwrap_err();
    /// assert_eq!(e.item(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn item(&self) -> usize {
        self.item
    }

    /// The fields that can be sorted on, in declaration order.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Schema, SortRules};
    /// let schema = Schema::builder().field(Field::new("id", FieldType::String).sortable()).build()?;
    /// let e = SortRules::new(&schema, "id")?.parse("", Default::default()).unwrap_err();
    /// assert_eq!(e.sortable(), ["id"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sortable(&self) -> &[String] {
        &self.sortable
    }

    fn sortable_list(&self) -> String {
        self.sortable
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for SortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SortErrorKind::Empty => write!(
                f,
                "sort: item {} is empty; expected one of {}",
                self.item + 1,
                self.sortable_list()
            ),
            SortErrorKind::UnknownField { name } => write!(
                f,
                "sort: unknown field `{}`; expected one of {}",
                truncate(name),
                self.sortable_list()
            ),
            SortErrorKind::NotSortable { name } => write!(
                f,
                "sort: field `{}` cannot be sorted on; expected one of {}",
                truncate(name),
                self.sortable_list()
            ),
            SortErrorKind::TooMany { count, limit } => {
                write!(f, "sort: at most {limit} fields are allowed, found {count}")
            }
        }
    }
}

impl std::error::Error for SortError {}

/// How a service sorts: the schema, the tie-break field appended to every
/// [`Sort`], and the most keys a client may give. Built once and shared.
///
/// ```
/// use rsql::{Direction, Field, FieldType, Schema, SortRules};
/// let schema = Schema::builder()
///     .field(Field::new("id", FieldType::String).sortable().sql_column("c.id"))
///     .field(Field::new("name", FieldType::String).sortable().sql_column("c.name"))
///     .field(Field::new("start", FieldType::Timestamp).sortable().sql_column("c.start_ms"))
///     .build()?;
/// let rules = SortRules::new(&schema, "id")?.with_max_keys(3);
/// let sort = rules.parse("-name,start", Direction::Desc)?;
/// assert_eq!(sort.to_string(), "-name,-start,+id");
/// assert!(rules.parse("name,start,id,name", Direction::Asc).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SortRules {
    schema: Schema,
    tie_break: FieldId,
    max_keys: usize,
}

/// Whether `field` can be a sort key: marked sortable, one value per record.
fn is_sort_key(field: &Field) -> bool {
    field.is_sortable() && !field.is_dynamic() && !field.is_multi_valued()
}

impl SortRules {
    /// Rules over `schema` with `tie_break` (a sortable plain field, or an
    /// alias of one) appended ascending to every sort, and at most
    /// [`DEFAULT_MAX_SORT_KEYS`] keys.
    ///
    /// # Errors
    ///
    /// A [`SortRulesError`] when `tie_break` is not a sortable plain field.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Schema, SortRules, SortRulesError};
    /// let schema = Schema::builder().field(Field::new("id", FieldType::String).sortable()).build()?;
    /// assert_eq!(SortRules::new(&schema, "id")?.max_keys(), 5);
    /// assert_eq!(SortRules::new(&schema, "ref").unwrap_err(), SortRulesError::UnknownField("ref".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(schema: &Schema, tie_break: &str) -> Result<SortRules, SortRulesError> {
        let id = schema
            .field_id(tie_break)
            .ok_or_else(|| SortRulesError::UnknownField(tie_break.to_owned()))?;
        if !schema.field(id).is_some_and(is_sort_key) {
            return Err(SortRulesError::NotSortable(tie_break.to_owned()));
        }
        Ok(SortRules {
            schema: schema.clone(),
            tie_break: id,
            max_keys: DEFAULT_MAX_SORT_KEYS,
        })
    }

    /// At most `n` keys in [`SortRules::parse`] (the tie-break not
    /// counted; at least 1).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// let rules = rsql::SortRules::new(&schema, "id")?.with_max_keys(2);
    /// assert_eq!(rules.max_keys(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_max_keys(mut self, n: usize) -> SortRules {
        self.max_keys = n.max(1);
        self
    }

    /// The most keys a sort may give.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// assert_eq!(rsql::SortRules::new(&schema, "id")?.max_keys(), rsql::DEFAULT_MAX_SORT_KEYS);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// The tie-break field.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// assert_eq!(rsql::SortRules::new(&schema, "id")?.tie_break(), rsql::FieldId::new(0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tie_break(&self) -> FieldId {
        self.tie_break
    }

    /// The schema.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// let rules = rsql::SortRules::new(&schema, "id")?;
    /// assert!(rsql::Schema::ptr_eq(rules.schema(), &schema));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The fields a sort may use (sortable, plain), in declaration order.
    ///
    /// ```
    /// use rsql::{Field, FieldType, Schema, SortRules};
    /// let schema = Schema::builder()
    ///     .field(Field::new("id", FieldType::String).sortable())
    ///     .field(Field::new("note", FieldType::String))
    ///     .build()?;
    /// let rules = SortRules::new(&schema, "id")?;
    /// assert_eq!(rules.sortable_fields().map(|(_, f)| f.name()).collect::<Vec<_>>(), ["id"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sortable_fields(&self) -> impl Iterator<Item = (FieldId, &Field)> {
        self.schema.fields().filter(|(_, f)| is_sort_key(f))
    }

    /// Parses the API syntax: a comma-separated list of field names (or
    /// aliases), each with an optional `-` (descending) or `+` (ascending)
    /// prefix; a leading space counts as `+` (form decoding turns a literal
    /// `+` into a space). Items without a prefix take `order`. The tie-break
    /// is appended ascending, unless a key is already on it: keys after it
    /// could never decide anything, so they are dropped.
    ///
    /// # Errors
    ///
    /// A [`SortError`]: an empty item, a name that is no field, a field that
    /// cannot be sorted on, more than [`SortRules::max_keys`] items.
    ///
    /// ```
    /// use rsql::{Direction, Field, FieldType, Schema, SortErrorKind, SortRules};
    /// let schema = Schema::builder()
    ///     .field(Field::new("id", FieldType::String).sortable())
    ///     .field(Field::new("name", FieldType::String).sortable())
    ///     .field(Field::dynamic("metadata", FieldType::String))
    ///     .build()?;
    /// let rules = SortRules::new(&schema, "id")?;
    /// assert_eq!(rules.parse(" name", Direction::Desc)?.to_string(), "+name,+id");
    /// assert_eq!(rules.parse("-id,name", Direction::Asc)?.to_string(), "-id");
    /// let e = rules.parse("name,,id", Direction::Asc).unwrap_err();
    /// assert_eq!((e.kind(), e.item()), (&SortErrorKind::Empty, 1));
    /// let e = rules.parse("metadata.region", Direction::Asc).unwrap_err();
    /// assert_eq!(e.kind(), &SortErrorKind::NotSortable { name: "metadata.region".into() });
    /// let e = rules.parse("nmae", Direction::Asc).unwrap_err();
    /// assert_eq!(e.to_string(), "sort: unknown field `nmae`; expected one of `id`, `name`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(&self, text: &str, order: Direction) -> Result<Sort, SortError> {
        let count = text.split(',').count();
        if count > self.max_keys {
            let kind = SortErrorKind::TooMany {
                count,
                limit: self.max_keys,
            };
            return Err(SortError::new(self, kind, self.max_keys));
        }
        let mut keys = Vec::with_capacity(count + 1);
        for (i, item) in text.split(',').enumerate() {
            let (direction, name) = if let Some(rest) = item.strip_prefix('-') {
                (Direction::Desc, rest)
            } else if let Some(rest) = item.strip_prefix('+') {
                (Direction::Asc, rest)
            } else if item.starts_with(' ') {
                (Direction::Asc, item.trim_start_matches(' '))
            } else {
                (order, item)
            };
            if name.is_empty() {
                return Err(SortError::new(self, SortErrorKind::Empty, i));
            }
            let field = match self.schema.field_id(name) {
                Some(id) if self.schema.field(id).is_some_and(is_sort_key) => id,
                _ => return Err(SortError::new(self, self.classify(name), i)),
            };
            keys.push(SortKey { field, direction });
        }
        Ok(self.finish(keys))
    }

    /// A sort from keys given by field id (the tie-break appended as in
    /// [`SortRules::parse`]). [`SortRules::max_keys`] bounds client text,
    /// not these keys.
    ///
    /// # Errors
    ///
    /// [`SortErrorKind::NotSortable`] for a field that cannot be sorted on,
    /// [`SortErrorKind::UnknownField`] (named `#index`) for an id outside
    /// the schema.
    ///
    /// ```
    /// use rsql::{Direction, Field, FieldId, FieldType, Schema, SortKey, SortRules};
    /// let schema = Schema::builder()
    ///     .field(Field::new("id", FieldType::String).sortable())
    ///     .field(Field::new("start", FieldType::Timestamp).sortable())
    ///     .build()?;
    /// let rules = SortRules::new(&schema, "id")?;
    /// let sort = rules.sort([SortKey::new(FieldId::new(1), Direction::Desc)])?;
    /// assert_eq!(sort.to_string(), "-start,+id");
    /// assert!(rules.sort([SortKey::new(FieldId::new(9), Direction::Asc)]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sort(&self, keys: impl IntoIterator<Item = SortKey>) -> Result<Sort, SortError> {
        let keys: Vec<SortKey> = keys.into_iter().collect();
        for (i, k) in keys.iter().enumerate() {
            match self.schema.field(k.field) {
                Some(f) if is_sort_key(f) => {}
                Some(f) => {
                    let name = f.name().to_owned();
                    return Err(SortError::new(self, SortErrorKind::NotSortable { name }, i));
                }
                None => {
                    let name = format!("#{}", k.field.index());
                    return Err(SortError::new(
                        self,
                        SortErrorKind::UnknownField { name },
                        i,
                    ));
                }
            }
        }
        Ok(self.finish(keys))
    }

    /// Appends the tie-break, or cuts the keys after it.
    fn finish(&self, mut keys: Vec<SortKey>) -> Sort {
        if let Some(i) = keys.iter().position(|k| k.field == self.tie_break) {
            keys.truncate(i + 1);
        } else {
            keys.push(SortKey::new(self.tie_break, Direction::Asc));
        }
        Sort {
            schema: self.schema.clone(),
            keys,
        }
    }

    /// Why `name` is no sort key: [`SortErrorKind::NotSortable`] when it
    /// names a field, a dynamic key, or a namespace whose fields are all
    /// unsortable (`members`, `members.x`, `metadata`); otherwise
    /// [`SortErrorKind::UnknownField`]. The longest path prefix of the name
    /// that reaches some field decides: when a field it reaches is sortable,
    /// the name is unknown (`conversation.startTme`: `conversation` holds
    /// sortable fields; `id.x`: below the sortable `id`), else unsortable.
    fn classify(&self, name: &str) -> SortErrorKind {
        let not_sortable = SortErrorKind::NotSortable {
            name: name.to_owned(),
        };
        let unknown = SortErrorKind::UnknownField {
            name: name.to_owned(),
        };
        let mut prefix = name;
        loop {
            if let Some(under) = self.fields_under(prefix) {
                let sortable = under
                    .iter()
                    .any(|&id| self.schema.field(id).is_some_and(is_sort_key));
                return if sortable { unknown } else { not_sortable };
            }
            match prefix.rfind('.') {
                Some(dot) => prefix = &prefix[..dot],
                None => return unknown,
            }
        }
    }

    /// The fields that `prefix` reaches: the field it names (with or
    /// without a dynamic key), or every field written `prefix.<rest>`
    /// (aliases included). `None` when it reaches none.
    fn fields_under(&self, prefix: &str) -> Option<Vec<FieldId>> {
        match self.schema.resolve_full(prefix) {
            Resolved::Field(FieldRef { id, .. }) => return Some(vec![id]),
            Resolved::PrefixOnly => {
                return self
                    .schema
                    .resolve(&format!("{prefix}.k"))
                    .map(|r| vec![r.id]);
            }
            Resolved::None => {}
        }
        // An alias spelling of `a.b.c` is `<alias>.<suffix>`, where the
        // suffix is a tail of the field's own name.
        let mut found = Vec::new();
        for (id, field) in self.schema.fields() {
            let name = field.name();
            let reaches = std::iter::once(name)
                .chain(name.match_indices('.').map(|(i, _)| &name[i + 1..]))
                .any(|tail| {
                    let spelled = format!("{prefix}.{tail}");
                    if field.is_dynamic() {
                        self.schema
                            .resolve(&format!("{spelled}.k"))
                            .is_some_and(|r| r.id == id)
                    } else {
                        self.schema.field_id(&spelled) == Some(id)
                    }
                });
            if reaches {
                found.push(id);
            }
        }
        (!found.is_empty()).then_some(found)
    }
}

/// An order over records: sort keys on sortable plain fields of a schema,
/// the last one on the tie-break field. Built by [`SortRules`].
///
/// `Display` is the canonical form (every key signed, the tie-break
/// included), which [`SortRules::parse`] reads back to an equal sort.
/// Equality compares the keys.
///
/// ```
/// use rsql::{Direction, Field, FieldId, FieldRef, FieldType, FieldValue, Record, Schema, SortRules};
/// struct Row { id: &'static str, end: Option<i64> }
/// impl Record for Row {
///     fn get(&self, f: FieldRef<'_>) -> FieldValue<'_> {
///         match f.id.index() {
///             0 => FieldValue::Str(self.id),
///             _ => self.end.map_or(FieldValue::Missing, FieldValue::Time),
///         }
///     }
/// }
/// let schema = Schema::builder()
///     .field(Field::new("id", FieldType::String).sortable())
///     .field(Field::new("end", FieldType::Timestamp).sortable())
///     .build()?;
/// let rules = SortRules::new(&schema, "id")?;
/// let mut rows = vec![Row { id: "b", end: None }, Row { id: "a", end: Some(5) }, Row { id: "c", end: Some(1) }];
/// rules.parse("end", Direction::Asc)?.sort_slice(&mut rows);
/// assert_eq!(rows.iter().map(|r| r.id).collect::<String>(), "cab"); // missing last
/// rules.parse("end", Direction::Desc)?.sort_slice(&mut rows);
/// assert_eq!(rows.iter().map(|r| r.id).collect::<String>(), "bac"); // missing first
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Sort {
    schema: Schema,
    keys: Vec<SortKey>,
}

impl Sort {
    /// The keys, the tie-break included (always at least one).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// let sort = rsql::SortRules::new(&schema, "id")?.parse("-id", Default::default())?;
    /// assert_eq!(sort.keys(), [rsql::SortKey::new(rsql::FieldId::new(0), rsql::Direction::Desc)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keys(&self) -> &[SortKey] {
        &self.keys
    }

    /// The schema the keys belong to.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// assert!(rsql::Schema::ptr_eq(sort.schema(), &schema));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Compares two records in this order (see the [module docs](self)).
    ///
    /// ```
    /// use std::cmp::Ordering;
    /// use rsql::{FieldRef, FieldValue, Record};
    /// struct Name(&'static str);
    /// impl Record for Name {
    ///     fn get(&self, _: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Str(self.0) }
    /// }
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("name", rsql::FieldType::String).sortable()).build()?;
    /// let sort = rsql::SortRules::new(&schema, "name")?.parse("name", Default::default())?;
    /// assert_eq!(sort.compare(&Name("Z"), &Name("a")), Ordering::Less); // bytes: 'Z' < 'a'
    /// assert_eq!(sort.compare(&Name("é"), &Name("z")), Ordering::Greater);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compare<A: Record + ?Sized, B: Record + ?Sized>(&self, a: &A, b: &B) -> Ordering {
        for key in &self.keys {
            let f = FieldRef::new(key.field);
            let ord = key.direction.apply(compare_values(a.get(f), b.get(f)));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }

    /// Sorts `rows` in this order (a stable sort).
    ///
    /// ```
    /// use rsql::{FieldRef, FieldValue, Record};
    /// struct N(i64);
    /// impl Record for N {
    ///     fn get(&self, _: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Int(self.0) }
    /// }
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("n", rsql::FieldType::Integer).sortable()).build()?;
    /// let sort = rsql::SortRules::new(&schema, "n")?.parse("-n", Default::default())?;
    /// let mut rows = vec![N(1), N(3), N(2)];
    /// sort.sort_slice(&mut rows);
    /// assert_eq!(rows.iter().map(|n| n.0).collect::<Vec<_>>(), [3, 2, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sort_slice<R: Record>(&self, rows: &mut [R]) {
        rows.sort_by(|a, b| self.compare(a, b));
    }

    fn name(&self, id: FieldId) -> &str {
        self.schema.field(id).map_or("?", Field::name)
    }
}

/// Two values of one key in ascending order: missing after everything,
/// strings by bytes, numbers numerically, `false < true`; values of
/// different kinds (a [`Record`] that reports another type than the field's)
/// by a fixed rank of kinds, so the order stays total.
pub(crate) fn compare_values(a: FieldValue<'_>, b: FieldValue<'_>) -> Ordering {
    use FieldValue as V;
    match (a, b) {
        (V::Missing, V::Missing) => Ordering::Equal,
        (V::Missing, _) => Ordering::Greater,
        (_, V::Missing) => Ordering::Less,
        (V::Str(x), V::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (V::Int(x), V::Int(y)) | (V::Time(x), V::Time(y)) => x.cmp(&y),
        (V::Float(x), V::Float(y)) => compare_f64(x, y),
        (V::Int(x), V::Float(y)) => compare_int_f64(x, y),
        (V::Float(x), V::Int(y)) => compare_int_f64(y, x).reverse(),
        (V::Bool(x), V::Bool(y)) => x.cmp(&y),
        (x, y) => kind_rank(x).cmp(&kind_rank(y)),
    }
}

/// An integer against a float, exactly (`x as f64` rounds near 2^63, which
/// made three values compare in a cycle, and a sort may panic on an order
/// that is not total); NaN after every number.
fn compare_int_f64(x: i64, y: f64) -> Ordering {
    // 2^63: every float at or above it is above every i64, every float
    // below -2^63 below every i64.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if y.is_nan() || y >= TWO_63 {
        return Ordering::Less;
    }
    if y < -TWO_63 {
        return Ordering::Greater;
    }
    // In range: the floor is an exact i64, and a fraction puts `y` above it.
    let floor = y.floor();
    #[allow(
        clippy::cast_possible_truncation,
        reason = "-2^63 <= floor < 2^63: exact"
    )]
    let whole = floor as i64;
    x.cmp(&whole).then(if y > floor {
        Ordering::Less
    } else {
        Ordering::Equal
    })
}

/// Numeric order; NaN after every number (as PostgreSQL orders it).
fn compare_f64(x: f64, y: f64) -> Ordering {
    x.partial_cmp(&y)
        .unwrap_or_else(|| x.is_nan().cmp(&y.is_nan()))
}

fn kind_rank(v: FieldValue<'_>) -> u8 {
    match v {
        FieldValue::Bool(_) => 0,
        FieldValue::Int(_) | FieldValue::Float(_) => 1,
        FieldValue::Time(_) => 2,
        FieldValue::Str(_) => 3,
        FieldValue::Missing => 4,
    }
}

impl PartialEq for Sort {
    fn eq(&self, other: &Sort) -> bool {
        self.keys == other.keys
    }
}

impl Eq for Sort {}

impl Hash for Sort {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.keys.hash(state);
    }
}

impl fmt::Display for Sort {
    /// Canonical form: every key with an explicit sign, the tie-break included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}{}", k.direction.sign(), self.name(k.field))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sort({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_floats_compare_exactly() {
        use FieldValue::{Float, Int};
        let two_63 = 9_223_372_036_854_775_808.0_f64;
        let cmp = |a, b| compare_values(a, b);
        assert_eq!(cmp(Int(i64::MAX), Float(two_63)), Ordering::Less);
        assert_eq!(cmp(Int(i64::MAX - 1), Float(two_63)), Ordering::Less);
        assert_eq!(cmp(Int(i64::MIN), Float(-two_63)), Ordering::Equal);
        assert_eq!(
            cmp(Int(i64::MIN), Float(-two_63 - 4096.0)),
            Ordering::Greater
        );
        assert_eq!(cmp(Int(3), Float(3.0)), Ordering::Equal);
        assert_eq!(cmp(Int(0), Float(-0.0)), Ordering::Equal);
        assert_eq!(cmp(Int(3), Float(3.5)), Ordering::Less);
        assert_eq!(cmp(Int(4), Float(3.5)), Ordering::Greater);
        assert_eq!(cmp(Int(-4), Float(-3.5)), Ordering::Less);
        assert_eq!(cmp(Int(-3), Float(-3.5)), Ordering::Greater);
        assert_eq!(cmp(Float(f64::NAN), Int(i64::MAX)), Ordering::Greater);
        assert_eq!(cmp(Float(3.5), Int(3)), Ordering::Greater);
        // The three values that compared in a cycle (`x as f64` rounds both
        // integers to 2^63): every order of them sorts the same way.
        let values = [Int(9_223_372_036_854_775_806), Int(i64::MAX), Float(two_63)];
        for perm in [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ] {
            let mut v: Vec<FieldValue<'_>> = perm.iter().map(|&i| values[i]).collect();
            v.sort_by(|a, b| cmp(*a, *b));
            assert_eq!(format!("{v:?}"), format!("{values:?}"), "{perm:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn an_integral_float_compares_as_its_integer(x: i64, y: i64, nudge in -2i64..=2) {
            // A float holding an integer exactly compares as that integer.
            let f = (y.saturating_add(nudge) as f64).clamp(-9.2e18, 9.2e18);
            let exact = f as i64;
            proptest::prop_assume!(exact as f64 == f);
            proptest::prop_assert_eq!(
                compare_values(FieldValue::Int(x), FieldValue::Float(f)),
                x.cmp(&exact)
            );
            proptest::prop_assert_eq!(
                compare_values(FieldValue::Float(f), FieldValue::Int(x)),
                exact.cmp(&x)
            );
        }
    }
}
