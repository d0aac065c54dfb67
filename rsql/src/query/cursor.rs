//! [`Cursor`]: the sort-key values of the last row of a page, from which
//! the next page starts ([`Query::after`](super::Query::after)).

use std::cmp::Ordering;
use std::fmt;

use super::sort::{Sort, compare_values};
use crate::eval::{FieldValue, Record};
use crate::schema::{FieldRef, FieldType};

/// One owned sort-key value of a [`Cursor`] (a [`FieldValue`] that outlives
/// its record).
///
/// ```
/// use rsql::{CursorValue, FieldValue};
/// let v = CursorValue::from(FieldValue::Str("b"));
/// assert_eq!(v, CursorValue::Str("b".into()));
/// assert_eq!(v.as_field_value(), FieldValue::Str("b"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum CursorValue {
    /// The row had no value.
    Missing,
    /// A string or enum value.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An instant, epoch milliseconds.
    Time(i64),
}

impl CursorValue {
    /// The value as a borrowed [`FieldValue`].
    ///
    /// ```
    /// assert!(rsql::CursorValue::Missing.as_field_value().is_missing());
    /// ```
    pub fn as_field_value(&self) -> FieldValue<'_> {
        match self {
            CursorValue::Missing => FieldValue::Missing,
            CursorValue::Str(s) => FieldValue::Str(s),
            CursorValue::Int(i) => FieldValue::Int(*i),
            CursorValue::Float(x) => FieldValue::Float(*x),
            CursorValue::Bool(b) => FieldValue::Bool(*b),
            CursorValue::Time(t) => FieldValue::Time(*t),
        }
    }

    /// A short name of the value's kind, for messages.
    fn kind(&self) -> &'static str {
        match self {
            CursorValue::Missing => "missing",
            CursorValue::Str(_) => "a string",
            CursorValue::Int(_) => "an integer",
            CursorValue::Float(_) => "a float",
            CursorValue::Bool(_) => "a boolean",
            CursorValue::Time(_) => "a timestamp",
        }
    }

    /// Whether the value may stand for a field of type `ty`.
    fn fits(&self, ty: &FieldType) -> bool {
        match self {
            CursorValue::Missing => true,
            CursorValue::Str(_) => matches!(ty, FieldType::String | FieldType::Enum(_)),
            CursorValue::Int(_) => matches!(ty, FieldType::Integer | FieldType::Float),
            CursorValue::Float(_) => matches!(ty, FieldType::Float),
            CursorValue::Bool(_) => matches!(ty, FieldType::Bool),
            CursorValue::Time(_) => matches!(ty, FieldType::Timestamp),
        }
    }
}

impl From<FieldValue<'_>> for CursorValue {
    fn from(v: FieldValue<'_>) -> CursorValue {
        match v {
            FieldValue::Missing => CursorValue::Missing,
            FieldValue::Str(s) => CursorValue::Str(s.to_owned()),
            FieldValue::Int(i) => CursorValue::Int(i),
            FieldValue::Float(x) => CursorValue::Float(x),
            FieldValue::Bool(b) => CursorValue::Bool(b),
            FieldValue::Time(t) => CursorValue::Time(t),
        }
    }
}

/// The sort-key values of one row, in the order of the [`Sort`]'s keys:
/// where a keyset page starts ([`Query::after`](super::Query::after)).
///
/// A cursor usually comes from the last row of the previous page
/// ([`Cursor::of`]); one decoded from a client's token is built with
/// [`Cursor::new`] and checked against the sort by `Query::after`.
///
/// ```
/// use rsql::{Cursor, CursorValue, Field, FieldRef, FieldType, FieldValue, Record, Schema, SortRules};
/// struct Row(&'static str, Option<i64>);
/// impl Record for Row {
///     fn get(&self, f: FieldRef<'_>) -> FieldValue<'_> {
///         match f.id.index() {
///             0 => FieldValue::Str(self.0),
///             _ => self.1.map_or(FieldValue::Missing, FieldValue::Time),
///         }
///     }
/// }
/// let schema = Schema::builder()
///     .field(Field::new("id", FieldType::String).sortable())
///     .field(Field::new("end", FieldType::Timestamp).sortable())
///     .build()?;
/// let sort = SortRules::new(&schema, "id")?.parse("-end", Default::default())?;
/// let cursor = Cursor::of(&sort, &Row("a", None));
/// assert_eq!(cursor.values(), [CursorValue::Missing, CursorValue::Str("a".into())]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Cursor {
    values: Vec<CursorValue>,
}

impl Cursor {
    /// A cursor from values given in key order.
    ///
    /// ```
    /// let c = rsql::Cursor::new(vec![rsql::CursorValue::Int(7)]);
    /// assert_eq!(c.values().len(), 1);
    /// ```
    pub fn new(values: Vec<CursorValue>) -> Cursor {
        Cursor { values }
    }

    /// The sort-key values of `row` under `sort`.
    ///
    /// ```
    /// use rsql::{Cursor, CursorValue, FieldRef, FieldValue, Record};
    /// struct N(i64);
    /// impl Record for N {
    ///     fn get(&self, _: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Int(self.0) }
    /// }
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("n", rsql::FieldType::Integer).sortable()).build()?;
    /// let sort = rsql::SortRules::new(&schema, "n")?.parse("n", Default::default())?;
    /// assert_eq!(Cursor::of(&sort, &N(4)).values(), [CursorValue::Int(4)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn of<R: Record + ?Sized>(sort: &Sort, row: &R) -> Cursor {
        Cursor {
            values: sort
                .keys()
                .iter()
                .map(|k| CursorValue::from(row.get(FieldRef::new(k.field))))
                .collect(),
        }
    }

    /// The values, one per sort key.
    ///
    /// ```
    /// assert!(rsql::Cursor::new(vec![]).values().is_empty());
    /// ```
    pub fn values(&self) -> &[CursorValue] {
        &self.values
    }

    /// Checks the cursor against `sort`: one value per key, each of its
    /// field's type (or missing).
    pub(crate) fn check(&self, sort: &Sort) -> Result<(), CursorError> {
        if self.values.len() != sort.keys().len() {
            return Err(CursorError::Length {
                expected: sort.keys().len(),
                found: self.values.len(),
            });
        }
        for (i, (key, value)) in sort.keys().iter().zip(&self.values).enumerate() {
            let Some(field) = sort.schema().field(key.field) else {
                continue;
            };
            if !value.fits(field.field_type()) {
                return Err(CursorError::Type {
                    index: i,
                    field: field.name().to_owned(),
                    expected: field.field_type().name(),
                    found: value.kind(),
                });
            }
        }
        Ok(())
    }

    /// Where `row` lies relative to the cursor's row in `sort`'s order
    /// (`Greater`: after it).
    pub(crate) fn position<R: Record + ?Sized>(&self, sort: &Sort, row: &R) -> Ordering {
        for (key, value) in sort.keys().iter().zip(&self.values) {
            let here = row.get(FieldRef::new(key.field));
            let ord = key
                .direction
                .apply(compare_values(here, value.as_field_value()));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

/// A [`Cursor`] that does not fit the query's sort (bad input when the
/// cursor comes from a client).
///
/// ```
/// use rsql::{Cursor, CursorError, CursorValue, Query};
/// # let schema = rsql::Schema::builder().field(rsql::Field::new("n", rsql::FieldType::Integer).sortable()).build()?;
/// let sort = rsql::SortRules::new(&schema, "n")?.parse("n", Default::default())?;
/// let err = Query::new(sort).after(Cursor::new(vec![CursorValue::Str("x".into())])).unwrap_err();
/// assert_eq!(err.to_string(), "cursor: value 1 (`n`) must be integer, found a string");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CursorError {
    /// Not one value per sort key.
    Length {
        /// The number of sort keys.
        expected: usize,
        /// The number of values.
        found: usize,
    },
    /// A value of another type than its field's.
    Type {
        /// 0-based position of the value.
        index: usize,
        /// The key's field.
        field: String,
        /// The field's type ([`FieldType::name`]).
        expected: &'static str,
        /// The kind of value given.
        found: &'static str,
    },
}

impl fmt::Display for CursorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CursorError::Length { expected, found } => write!(
                f,
                "cursor: expected {expected} values, one per sort key, found {found}"
            ),
            CursorError::Type {
                index,
                field,
                expected,
                found,
            } => write!(
                f,
                "cursor: value {} (`{field}`) must be {expected}, found {found}",
                index + 1
            ),
        }
    }
}

impl std::error::Error for CursorError {}
