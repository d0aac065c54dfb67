//! [`StoreError`]: everything a store operation or a query can reject.

use std::fmt;

use crate::error::RecordError;
use crate::query::ParamError;
use crate::sort::SortError;

/// An error from the store: a bad record, an unknown id, or a bad query
/// (paging, window, sort or filter). Filter errors are `rsql` errors with
/// their spans intact, so they render with carets.
///
/// ```
/// let err = store::compile_filter("conversation.type==").unwrap_err();
/// assert!(matches!(err, store::StoreError::Filter(_)));
/// assert!(format!("{err:#}").contains('^'));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StoreError {
    /// A record is not acceptable (insert, update).
    Record(RecordError),
    /// No conversation (or member) with that id.
    NotFound {
        /// `conversation` or `member`.
        what: &'static str,
        /// The id looked up.
        id: String,
    },
    /// A bad `limit`, `offset`, `order`, `startTime` or `endTime`.
    Param(ParamError),
    /// A bad `sort`.
    Sort(SortError),
    /// A bad `filter` (syntax, policy or schema).
    Filter(rsql::Error),
    /// The filter of a [`QuerySpec`](crate::QuerySpec) was compiled against
    /// another schema than [`schema()`](crate::schema()), so its field ids
    /// would read the wrong fields.
    ForeignSchema,
    /// The query ran past the deadline it was given
    /// ([`Store::query_ref_until`](crate::Store::query_ref_until)); its
    /// partial result was dropped.
    TimedOut,
}

impl StoreError {
    pub(crate) fn not_found(what: &'static str, id: &str) -> StoreError {
        StoreError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// The record error, if this is one.
    ///
    /// ```
    /// let err = store::Store::new().insert_json("{").unwrap_err();
    /// assert!(matches!(err.record().map(|r| r.kind()), Some(store::RecordErrorKind::Json { .. })));
    /// ```
    pub fn record(&self) -> Option<&RecordError> {
        match self {
            StoreError::Record(e) => Some(e),
            _ => None,
        }
    }

    /// The field at fault for record errors.
    ///
    /// ```
    /// let err = store::Store::new()
    ///     .insert_json(r#"{"id":"1","type":"call","name":"x","startTime":"2021-01-01"}"#)
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("startTime"));
    /// ```
    pub fn field(&self) -> Option<&str> {
        self.record().and_then(RecordError::field)
    }

    /// The span in the filter text, for filter errors.
    ///
    /// ```
    /// let err = store::compile_filter("conversation.type==a;").unwrap_err();
    /// assert_eq!(err.span().map(|s| s.start), Some(21));
    /// ```
    pub fn span(&self) -> Option<rsql::Span> {
        match self {
            StoreError::Filter(e) => Some(e.span()),
            _ => None,
        }
    }

    /// The query parameter at fault: `limit`, `offset`, `order`,
    /// `startTime`, `endTime`, `sort` or `filter`.
    ///
    /// ```
    /// let e = store::QuerySpec::from_params(&store::Params { filter: Some("a=="), ..Default::default() }, 0).unwrap_err();
    /// assert_eq!(e.param(), Some("filter"));
    /// ```
    pub fn param(&self) -> Option<&'static str> {
        match self {
            StoreError::Param(p) => Some(p.param()),
            StoreError::Sort(_) => Some("sort"),
            StoreError::Filter(_) | StoreError::ForeignSchema => Some("filter"),
            _ => None,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Record(e) => fmt::Display::fmt(e, f),
            StoreError::NotFound { what, id } => {
                write!(
                    f,
                    "{what} `{}` is invalid or does not exist",
                    crate::error::echo(id)
                )
            }
            StoreError::Param(e) => fmt::Display::fmt(e, f),
            StoreError::Sort(e) => fmt::Display::fmt(e, f),
            StoreError::Filter(e) => fmt::Display::fmt(e, f),
            StoreError::ForeignSchema => {
                f.write_str("filter: compiled against another schema, expected `store::schema()`")
            }
            StoreError::TimedOut => f.write_str("the query ran past its deadline"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Record(e) => Some(e),
            StoreError::Param(e) => Some(e),
            StoreError::Sort(e) => Some(e),
            StoreError::Filter(e) => Some(e),
            StoreError::NotFound { .. } | StoreError::ForeignSchema | StoreError::TimedOut => None,
        }
    }
}

impl From<RecordError> for StoreError {
    fn from(e: RecordError) -> StoreError {
        StoreError::Record(e)
    }
}

impl From<ParamError> for StoreError {
    fn from(e: ParamError) -> StoreError {
        StoreError::Param(e)
    }
}

impl From<SortError> for StoreError {
    fn from(e: SortError) -> StoreError {
        StoreError::Sort(e)
    }
}

impl From<rsql::Error> for StoreError {
    fn from(e: rsql::Error) -> StoreError {
        StoreError::Filter(e)
    }
}
