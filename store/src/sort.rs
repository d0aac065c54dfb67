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

use crate::rows::{NO_END, Row};
use crate::store::Store;

/// At most this many fields in one `sort`.
pub const MAX_SORT_FIELDS: usize = 5;

/// A field that can be sorted on.
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
    /// Every sortable field, in the order error messages list them.
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

    fn from_name(s: &str) -> Option<SortField> {
        SortField::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Ascending or descending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `asc` (Symbl's default `order`).
    #[default]
    Asc,
    /// `desc`.
    Desc,
}

impl Direction {
    /// Parses `order`: exactly `asc` or `desc`.
    ///
    /// ```
    /// use store::sort::Direction;
    /// assert_eq!(Direction::parse_order("desc"), Some(Direction::Desc));
    /// assert_eq!(Direction::parse_order("DESC"), None);
    /// ```
    pub fn parse_order(s: &str) -> Option<Direction> {
        match s {
            "asc" => Some(Direction::Asc),
            "desc" => Some(Direction::Desc),
            _ => None,
        }
    }

    /// `ord` in this direction.
    fn apply(self, ord: Ordering) -> Ordering {
        match self {
            Direction::Asc => ord,
            Direction::Desc => ord.reverse(),
        }
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

/// A parsed `sort`: the user's keys, then the implicit `conversation.id` ascending.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    keys: Vec<SortKey>,
}

impl Default for Sort {
    /// `conversation.startTime` ascending (Symbl's defaults for `sort` and `order`).
    fn default() -> Sort {
        Sort::by(SortField::StartTime, Direction::Asc)
    }
}

/// Why a `sort` was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortError {
    kind: SortErrorKind,
    /// 0-based index of the offending item.
    item: usize,
}

/// The kinds of [`SortError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortErrorKind {
    /// An empty item: `sort=conversation.name,,conversation.id` or `sort=`.
    Empty,
    /// Not a field at all: `sort=conversation.startTme`.
    UnknownField {
        /// The text as given.
        name: String,
    },
    /// A filterable field that cannot be sorted on: `sort=conversation.metadata.agentId`.
    NotSortable {
        /// The text as given.
        name: String,
    },
    /// More than [`MAX_SORT_FIELDS`] items.
    TooMany {
        /// How many were given.
        count: usize,
    },
}

impl SortError {
    /// What went wrong.
    ///
    /// ```
    /// use store::sort::{Direction, Sort, SortErrorKind};
    /// let e = Sort::parse("a,b,c,d,e,f", Direction::Asc).unwrap_err();
    /// assert_eq!(e.kind(), &SortErrorKind::TooMany { count: 6 });
    /// ```
    pub fn kind(&self) -> &SortErrorKind {
        &self.kind
    }

    /// 0-based index of the offending item in the list.
    ///
    /// ```
    /// let e = store::sort::Sort::parse("conversation.name,bogus", Default::default()).unwrap_err();
    /// assert_eq!(e.item(), 1);
    /// ```
    pub fn item(&self) -> usize {
        self.item
    }
}

fn sortable_list() -> String {
    SortField::ALL
        .iter()
        .map(|f| format!("`{}`", f.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for SortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SortErrorKind::Empty => write!(
                f,
                "sort: item {} is empty; expected one of {}",
                self.item + 1,
                sortable_list()
            ),
            SortErrorKind::UnknownField { name } => {
                write!(
                    f,
                    "sort: unknown field `{}`; expected one of {}",
                    crate::error::echo(name),
                    sortable_list()
                )
            }
            SortErrorKind::NotSortable { name } => write!(
                f,
                "sort: field `{}` cannot be sorted on; expected one of {}",
                crate::error::echo(name),
                sortable_list()
            ),
            SortErrorKind::TooMany { count } => {
                write!(
                    f,
                    "sort: at most {MAX_SORT_FIELDS} fields are allowed, found {count}"
                )
            }
        }
    }
}

impl std::error::Error for SortError {}

/// Whether `name` is a filterable but unsortable selector (for a better message).
fn is_filter_only(name: &str) -> bool {
    let name = name.strip_prefix("conversation.").unwrap_or(name);
    name.starts_with("metadata.")
        || name.starts_with("members.")
        || name == "members"
        || name == "metadata"
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
    pub fn from_keys(mut keys: Vec<SortKey>) -> Sort {
        if let Some(i) = keys.iter().position(|k| k.field == SortField::Id) {
            keys.truncate(i + 1);
        } else {
            keys.push(SortKey {
                field: SortField::Id,
                direction: Direction::Asc,
            });
        }
        Sort { keys }
    }

    /// Parses `sort` with `order` as the direction of unprefixed fields.
    ///
    /// ```
    /// use store::sort::{Direction, Sort};
    /// let e = Sort::parse("conversation.metadata.agentId", Direction::Asc).unwrap_err();
    /// assert_eq!(e.to_string(), "sort: field `conversation.metadata.agentId` cannot be sorted on; expected one of \
    ///     `conversation.id`, `conversation.name`, `conversation.type`, `conversation.startTime`, `conversation.endTime`");
    /// ```
    pub fn parse(sort: &str, order: Direction) -> Result<Sort, SortError> {
        let items: Vec<&str> = sort.split(',').collect();
        if items.len() > MAX_SORT_FIELDS {
            return Err(SortError {
                kind: SortErrorKind::TooMany { count: items.len() },
                item: MAX_SORT_FIELDS,
            });
        }
        let mut keys = Vec::with_capacity(items.len() + 1);
        for (i, item) in items.iter().enumerate() {
            let (direction, name) = if let Some(rest) = item.strip_prefix('-') {
                (Direction::Desc, rest)
            } else if let Some(rest) = item.strip_prefix('+') {
                (Direction::Asc, rest)
            } else if item.starts_with(' ') {
                (Direction::Asc, item.trim_start_matches(' '))
            } else {
                (order, *item)
            };
            if name.is_empty() {
                return Err(SortError {
                    kind: SortErrorKind::Empty,
                    item: i,
                });
            }
            let Some(field) = SortField::from_name(name) else {
                let kind = if is_filter_only(name) {
                    SortErrorKind::NotSortable {
                        name: name.to_string(),
                    }
                } else {
                    SortErrorKind::UnknownField {
                        name: name.to_string(),
                    }
                };
                return Err(SortError { kind, item: i });
            };
            keys.push(SortKey { field, direction });
        }
        Ok(Sort::from_keys(keys))
    }

    /// The keys, the implicit `conversation.id` tie-break included.
    ///
    /// ```
    /// assert_eq!(store::sort::Sort::default().keys().len(), 2);
    /// ```
    pub fn keys(&self) -> &[SortKey] {
        &self.keys
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
    /// Canonical form: every key with an explicit sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let sign = if k.direction == Direction::Desc {
                '-'
            } else {
                '+'
            };
            write!(f, "{sign}{}", k.field.as_str())?;
        }
        Ok(())
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
}
