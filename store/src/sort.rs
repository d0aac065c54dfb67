//! The `sort` and `order` parameters (`api.md` §1.4, A-10, A-11).
//!
//! `sort` is a comma-separated list of up to [`MAX_SORT_FIELDS`] sortable
//! fields, each with an optional `-` (descending) or `+` (ascending) prefix;
//! a leading space counts as `+` because form-decoding turns a literal `+`
//! into one. Fields without a prefix use `order`. A final `conversation.id`
//! ascending is always appended so offset paging is stable. A missing value
//! (the `endTime` of a running conversation) sorts after every value in
//! ascending order and before them in descending order (PostgreSQL's
//! `NULLS LAST` / `NULLS FIRST` defaults). Strings compare by bytes.
//!
//! The definition is rsql's: [`rules()`] parse and print every sort
//! ([`rsql::SortRules`] over [`schema()`](crate::schema())), and its errors
//! are [`rsql::SortError`]. The store keeps only the mapping of the keys to
//! its row fields ([`SortField`]) and a comparator over its rows, which
//! hold interned strings, with the same order as [`rsql::Sort::compare`].
//!
//! ```
//! use store::sort::{Direction, Sort, SortField};
//! let s = Sort::parse("-conversation.name, conversation.startTime", Direction::Desc)?;
//! assert_eq!(s.keys()[0].field, SortField::Name);
//! assert_eq!(s.keys()[0].direction, Direction::Desc);
//! assert_eq!(s.keys()[1].direction, Direction::Asc); // leading space = `+`
//! assert_eq!(s.to_string(), "-conversation.name,+conversation.startTime,+conversation.id");
//! # Ok::<(), store::sort::SortError>(())
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

pub use rsql::{Direction, SortError, SortErrorKind};
use rsql::{FieldId, SortRules};

use crate::rows::{NO_END, Row};
use crate::schema as ids;
use crate::store::Store;

/// At most this many fields in one `sort`.
pub const MAX_SORT_FIELDS: usize = 5;

/// The API's sort rules: [`schema()`](crate::schema()), the
/// `conversation.id` tie-break, at most [`MAX_SORT_FIELDS`] fields. Every
/// [`Sort`] is parsed and displayed by them.
///
/// ```
/// let rules = store::sort::rules();
/// assert_eq!(rules.max_keys(), store::sort::MAX_SORT_FIELDS);
/// assert_eq!(rules.tie_break(), store::schema::ID);
/// ```
pub fn rules() -> &'static SortRules {
    static RULES: OnceLock<SortRules> = OnceLock::new();
    RULES.get_or_init(build_rules)
}

#[allow(
    clippy::expect_used,
    reason = "the schema declares conversation.id sortable: a failure is a programming error, not input"
)]
fn build_rules() -> SortRules {
    SortRules::new(crate::schema(), "conversation.id")
        // `every_sort_field_is_a_sort_key_of_the_schema` below builds it on every test run.
        .expect("conversation.id is a sortable plain field of the conversation schema")
        .with_max_keys(MAX_SORT_FIELDS)
}

/// A field that can be sorted on: the sortable fields of
/// [`schema()`](crate::schema()), as the store's rows hold them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortField {
    /// `conversation.id`
    Id,
    /// `conversation.name`
    Name,
    /// `conversation.type`
    Type,
    /// `conversation.startTime`
    StartTime,
    /// `conversation.endTime` (missing while running)
    EndTime,
}

impl SortField {
    /// Every sortable field, in the schema's order.
    pub const ALL: [SortField; 5] = [
        SortField::Id,
        SortField::Name,
        SortField::Type,
        SortField::StartTime,
        SortField::EndTime,
    ];

    /// The selector as written in `sort`.
    ///
    /// ```
    /// assert_eq!(store::sort::SortField::StartTime.as_str(), "conversation.startTime");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SortField::Id => "conversation.id",
            SortField::Name => "conversation.name",
            SortField::Type => "conversation.type",
            SortField::StartTime => "conversation.startTime",
            SortField::EndTime => "conversation.endTime",
        }
    }

    /// The field's id in [`schema()`](crate::schema()).
    ///
    /// ```
    /// assert_eq!(store::sort::SortField::Name.field_id(), store::schema::NAME);
    /// ```
    pub fn field_id(self) -> FieldId {
        match self {
            SortField::Id => ids::ID,
            SortField::Name => ids::NAME,
            SortField::Type => ids::TYPE,
            SortField::StartTime => ids::START_TIME,
            SortField::EndTime => ids::END_TIME,
        }
    }

    /// The sort field of a schema field id, if the rows can sort on it.
    ///
    /// ```
    /// use store::sort::SortField;
    /// assert_eq!(SortField::from_field_id(store::schema::END_TIME), Some(SortField::EndTime));
    /// assert_eq!(SortField::from_field_id(store::schema::METADATA), None);
    /// ```
    pub fn from_field_id(id: FieldId) -> Option<SortField> {
        SortField::ALL.into_iter().find(|f| f.field_id() == id)
    }
}

/// One sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SortKey {
    /// The field.
    pub field: SortField,
    /// The direction.
    pub direction: Direction,
}

/// A parsed `sort`: the user's keys, then the implicit `conversation.id`
/// ascending. The order is [`rsql::Sort`]'s ([`Sort::as_rsql`]); the keys
/// are also kept as row fields, for the store's comparator.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    keys: Vec<SortKey>,
    order: rsql::Sort,
}

impl Default for Sort {
    /// `conversation.startTime` ascending (Symbl's defaults for `sort` and `order`).
    fn default() -> Sort {
        Sort::by(SortField::StartTime, Direction::Asc)
    }
}

impl Sort {
    /// One key (then the `conversation.id` tie-break).
    ///
    /// ```
    /// use store::sort::{Direction, Sort, SortField};
    /// assert_eq!(Sort::by(SortField::Name, Direction::Desc).to_string(), "-conversation.name,+conversation.id");
    /// ```
    pub fn by(field: SortField, direction: Direction) -> Sort {
        Sort::from_keys(vec![SortKey { field, direction }])
    }

    /// Keys as given; the `conversation.id` tie-break is appended unless a key
    /// is already on the id (every later key would be dead).
    ///
    /// ```
    /// use store::sort::{Direction, Sort, SortField, SortKey};
    /// let s = Sort::from_keys(vec![SortKey { field: SortField::Id, direction: Direction::Desc }]);
    /// assert_eq!(s.to_string(), "-conversation.id");
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "every SortField is a sortable plain field of the schema (checked by a test)"
    )]
    pub fn from_keys(keys: Vec<SortKey>) -> Sort {
        let order = rules()
            .sort(
                keys.iter()
                    .map(|k| rsql::SortKey::new(k.field.field_id(), k.direction)),
            )
            .expect("every SortField is a sortable plain field of the conversation schema");
        Sort::from_order(order)
    }

    /// Parses `sort` with `order` as the direction of unprefixed fields
    /// ([`rsql::SortRules::parse`] with [`rules()`]).
    ///
    /// ```
    /// use store::sort::{Direction, Sort};
    /// let e = Sort::parse("conversation.metadata.agentId", Direction::Asc).unwrap_err();
    /// assert_eq!(e.to_string(), "sort: field `conversation.metadata.agentId` cannot be sorted on; expected one of \
    ///     `conversation.id`, `conversation.name`, `conversation.type`, `conversation.startTime`, `conversation.endTime`");
    /// ```
    pub fn parse(sort: &str, order: Direction) -> Result<Sort, SortError> {
        let parsed = rules().parse(sort, order)?;
        // Every sortable field of the schema is a row field: the check
        // only guards a schema that gained a sortable field the rows lack.
        if let Some((i, k)) = parsed
            .keys()
            .iter()
            .enumerate()
            .find(|(_, k)| SortField::from_field_id(k.field).is_none())
        {
            let name = crate::schema()
                .field(k.field)
                .map_or_else(|| format!("#{}", k.field.index()), |f| f.name().to_owned());
            return Err(SortError::new(
                rules(),
                SortErrorKind::NotSortable { name },
                i,
            ));
        }
        Ok(Sort::from_order(parsed))
    }

    /// The row-field keys of a sort of [`rules()`]; callers have checked
    /// that every key maps (`from_keys` starts from row fields, `parse`
    /// checks), so nothing is dropped.
    fn from_order(order: rsql::Sort) -> Sort {
        let keys = order
            .keys()
            .iter()
            .filter_map(|k| {
                SortField::from_field_id(k.field).map(|field| SortKey {
                    field,
                    direction: k.direction,
                })
            })
            .collect();
        Sort { keys, order }
    }

    /// The keys, the implicit `conversation.id` tie-break included.
    ///
    /// ```
    /// assert_eq!(store::sort::Sort::default().keys().len(), 2);
    /// ```
    pub fn keys(&self) -> &[SortKey] {
        &self.keys
    }

    /// The same order as an [`rsql::Sort`] over [`schema()`](crate::schema()):
    /// for [`rsql::Query`] and its SQL.
    ///
    /// ```
    /// let s = store::sort::Sort::parse("-conversation.endTime", Default::default())?;
    /// assert_eq!(
    ///     s.as_rsql().to_sql(&rsql::SqlOptions::sqlite())?,
    ///     "c.end_ms DESC NULLS FIRST, c.id ASC NULLS LAST"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_rsql(&self) -> &rsql::Sort {
        &self.order
    }

    /// Compares two stored rows.
    pub(crate) fn compare(&self, store: &Store, a: &Row, b: &Row) -> Ordering {
        for key in &self.keys {
            let ord = compare_field(store, key.field, key.direction, a, b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

/// One key's comparison, missing values last in ascending and first in descending order.
pub(crate) fn compare_field(
    store: &Store,
    field: SortField,
    dir: Direction,
    a: &Row,
    b: &Row,
) -> Ordering {
    match field {
        SortField::Id => dir.apply(a.id.as_bytes().cmp(b.id.as_bytes())),
        SortField::Name => dir.apply(
            store
                .strings
                .get(a.name)
                .as_bytes()
                .cmp(store.strings.get(b.name).as_bytes()),
        ),
        SortField::Type => dir.apply(
            store
                .strings
                .get(a.kind)
                .as_bytes()
                .cmp(store.strings.get(b.kind).as_bytes()),
        ),
        SortField::StartTime => dir.apply(a.start.cmp(&b.start)),
        SortField::EndTime => match (a.end == NO_END, b.end == NO_END) {
            (false, false) => dir.apply(a.end.cmp(&b.end)),
            (true, true) => Ordering::Equal,
            // Missing is "greater than everything": last ascending, first descending.
            (true, false) => dir.apply(Ordering::Greater),
            (false, true) => dir.apply(Ordering::Less),
        },
    }
}

impl fmt::Display for Sort {
    /// Canonical form: every key with an explicit sign ([`rsql::Sort`]'s).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.order, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefixes_and_order() {
        let s = Sort::parse(
            "conversation.type,+conversation.endTime,-conversation.startTime",
            Direction::Desc,
        )
        .unwrap();
        assert_eq!(
            s.to_string(),
            "-conversation.type,+conversation.endTime,-conversation.startTime,+conversation.id"
        );
        let s = Sort::parse("conversation.id,conversation.name", Direction::Asc).unwrap();
        assert_eq!(s.to_string(), "+conversation.id");
    }

    #[test]
    fn rejects_with_kinds() {
        let e = |s: &str| Sort::parse(s, Direction::Asc).unwrap_err();
        assert_eq!(e("").kind(), &SortErrorKind::Empty);
        assert_eq!(e("conversation.name,").item(), 1);
        assert_eq!(e("-").kind(), &SortErrorKind::Empty);
        assert_eq!(
            e("conversation.startTme").kind(),
            &SortErrorKind::UnknownField {
                name: "conversation.startTme".into()
            }
        );
        assert_eq!(
            e("members.email").kind(),
            &SortErrorKind::NotSortable {
                name: "members.email".into()
            }
        );
        assert_eq!(
            e("metadata.agentId").kind(),
            &SortErrorKind::NotSortable {
                name: "metadata.agentId".into()
            }
        );
        assert!(e("a,b,c,d,e,f").to_string().contains("at most 5"));
        assert!(
            Sort::parse(
                "conversation.id,conversation.id,conversation.id,conversation.id,conversation.id",
                Direction::Asc
            )
            .is_ok()
        );
        assert!(
            e("conversation.name ")
                .to_string()
                .contains("unknown field `conversation.name `")
        );
    }

    #[test]
    fn every_sort_field_is_a_sort_key_of_the_schema() {
        let sortable: Vec<FieldId> = rules().sortable_fields().map(|(id, _)| id).collect();
        let fields: Vec<FieldId> = SortField::ALL.iter().map(|f| f.field_id()).collect();
        assert_eq!(sortable, fields);
        for f in SortField::ALL {
            assert_eq!(
                crate::schema().field(f.field_id()).map(|x| x.name()),
                Some(f.as_str())
            );
            for d in [Direction::Asc, Direction::Desc] {
                let s = Sort::by(f, d);
                assert_eq!(
                    s.keys()[0],
                    SortKey {
                        field: f,
                        direction: d
                    }
                );
                assert_eq!(Sort::parse(&s.to_string(), Direction::Asc), Ok(s));
            }
        }
    }

    /// The store's comparator over interned rows gives rsql's order over
    /// the same conversations ([`rsql::Query::apply`] with [`Sort::as_rsql`]).
    #[test]
    fn store_order_is_rsqls_order() {
        let mut st = Store::new();
        let mut convs: Vec<crate::model::Conversation> = (0..400)
            .map(|i| crate::generate::conversation(5, i))
            .collect();
        // Ties on every field, and running conversations.
        for (i, c) in convs.iter_mut().enumerate() {
            if i % 7 == 0 {
                c.end_time = None;
            }
            if i % 5 == 0 {
                c.name = "Zoë".to_owned();
            }
            if i % 11 == 0 {
                c.start_time = 1_600_000_000_000;
            }
        }
        for c in &convs {
            st.insert(c.clone()).unwrap();
        }
        let mut sorts = Vec::new();
        for a in SortField::ALL {
            for b in SortField::ALL {
                for (da, db) in [
                    (Direction::Asc, Direction::Desc),
                    (Direction::Desc, Direction::Asc),
                ] {
                    sorts.push(Sort::from_keys(vec![
                        SortKey {
                            field: a,
                            direction: da,
                        },
                        SortKey {
                            field: b,
                            direction: db,
                        },
                    ]));
                }
            }
        }
        for sort in sorts {
            for (offset, limit) in [(0, 400), (13, 25), (390, 20)] {
                let spec = crate::QuerySpec {
                    sort: sort.clone(),
                    offset,
                    limit,
                    ..crate::QuerySpec::default()
                };
                let got: Vec<String> = st
                    .query(&spec)
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|c| c.id)
                    .collect();
                let q = rsql::Query::new(sort.as_rsql().clone())
                    .with_offset(offset)
                    .with_limit(limit);
                let want: Vec<String> = q.apply(&convs).iter().map(|c| c.id.clone()).collect();
                assert_eq!(got, want, "{sort} {offset} {limit}");
            }
        }
    }

    /// The messages the server answers with (400), byte for byte as before
    /// the definition moved to rsql.
    #[test]
    fn messages_are_unchanged() {
        let list = "expected one of `conversation.id`, `conversation.name`, `conversation.type`, \
                    `conversation.startTime`, `conversation.endTime`";
        let msg = |s: &str| Sort::parse(s, Direction::Asc).unwrap_err().to_string();
        for (input, head) in [
            ("", "sort: item 1 is empty; ".to_owned()),
            ("conversation.name,,x", "sort: item 2 is empty; ".to_owned()),
            ("+", "sort: item 1 is empty; ".to_owned()),
            (
                "conversation.startTme",
                "sort: unknown field `conversation.startTme`; ".to_owned(),
            ),
            (
                "conversation",
                "sort: unknown field `conversation`; ".to_owned(),
            ),
            (
                "conversation.id.x",
                "sort: unknown field `conversation.id.x`; ".to_owned(),
            ),
            (
                "conversation.metadataX",
                "sort: unknown field `conversation.metadataX`; ".to_owned(),
            ),
            (
                "Members.id",
                "sort: unknown field `Members.id`; ".to_owned(),
            ),
            (".members", "sort: unknown field `.members`; ".to_owned()),
            (
                "metadata",
                "sort: field `metadata` cannot be sorted on; ".to_owned(),
            ),
            (
                "metadata.",
                "sort: field `metadata.` cannot be sorted on; ".to_owned(),
            ),
            (
                "metadata.a.b",
                "sort: field `metadata.a.b` cannot be sorted on; ".to_owned(),
            ),
            (
                "conversation.metadata",
                "sort: field `conversation.metadata` cannot be sorted on; ".to_owned(),
            ),
            (
                "members",
                "sort: field `members` cannot be sorted on; ".to_owned(),
            ),
            (
                "members.",
                "sort: field `members.` cannot be sorted on; ".to_owned(),
            ),
            (
                "members.phone",
                "sort: field `members.phone` cannot be sorted on; ".to_owned(),
            ),
            (
                "members.id.x",
                "sort: field `members.id.x` cannot be sorted on; ".to_owned(),
            ),
            (
                "conversation.members",
                "sort: field `conversation.members` cannot be sorted on; ".to_owned(),
            ),
            (
                "-conversation.members.email",
                "sort: field `conversation.members.email` cannot be sorted on; ".to_owned(),
            ),
            (
                &"x".repeat(50),
                format!("sort: unknown field `{}…`; ", "x".repeat(40)),
            ),
        ] {
            assert_eq!(msg(input), format!("{head}{list}"), "{input:?}");
        }
        assert_eq!(
            msg("a,b,c,d,e,f"),
            "sort: at most 5 fields are allowed, found 6"
        );
    }
}
