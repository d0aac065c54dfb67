//! [`FamilyError`]: why a family's page or load did not happen.

use std::fmt;

use crate::storage::StorageError;

/// What a page or a load of `store::pg::families` can fail with.
///
/// ```
/// use store::pg::families::FamilyError;
/// let e = FamilyError::StoredValue { table: "chatbot_messages", reason: "stored JSON does not parse".into() };
/// assert_eq!(e.to_string(), "PostgreSQL table chatbot_messages: stored JSON does not parse");
/// let s: store::storage::StorageError = e.into();
/// assert!(matches!(s.kind(), store::storage::StorageErrorKind::Internal { .. }));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum FamilyError {
    /// PostgreSQL refused the statement, or the connection failed.
    Database(tokio_postgres::Error),
    /// A stored row cannot be used (JSON that does not parse, a count out
    /// of range): a damaged database, never the request's fault.
    StoredValue {
        /// The table.
        table: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A data file could not be loaded (unreadable, a bad record under
    /// [`LoadOptions::fail_fast`](crate::load::LoadOptions::fail_fast), too
    /// many bad records): the in-memory loader's own error, word for word.
    Load(Box<crate::LoadError>),
}

impl FamilyError {
    /// Whether this is the database not answering now, as opposed to a
    /// refused statement or a damaged row: a lost connection (closed, or an
    /// I/O error; not a value this side cannot read, which has no SQLSTATE
    /// either), or one of the classes 08
    /// (connection exception), 53 (insufficient resources), 57 (operator
    /// intervention: shutdown, a cancelled statement) and 40 (serialization
    /// failure, deadlock); the rule of the Symbl backend. A server answers
    /// it with 503.
    ///
    /// ```
    /// let e = store::pg::families::FamilyError::StoredValue { table: "t", reason: "x".into() };
    /// assert!(!e.is_unavailable());
    /// ```
    pub fn is_unavailable(&self) -> bool {
        let FamilyError::Database(e) = self else {
            return false;
        };
        crate::pg::error::is_transient(e)
    }
}

impl fmt::Display for FamilyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FamilyError::Database(e) => match e.as_db_error() {
                Some(db) => write!(f, "PostgreSQL: {db}"),
                None => write!(f, "PostgreSQL: {e}"),
            },
            FamilyError::StoredValue { table, reason } => {
                write!(f, "PostgreSQL table {table}: {reason}")
            }
            FamilyError::Load(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for FamilyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FamilyError::Database(e) => Some(e),
            FamilyError::StoredValue { .. } => None,
            FamilyError::Load(e) => Some(e.as_ref()),
        }
    }
}

impl From<tokio_postgres::Error> for FamilyError {
    fn from(e: tokio_postgres::Error) -> FamilyError {
        FamilyError::Database(e)
    }
}

impl From<crate::LoadError> for FamilyError {
    fn from(e: crate::LoadError) -> FamilyError {
        FamilyError::Load(Box::new(e))
    }
}

/// [`FamilyError::is_unavailable`] → 503 (`Unavailable`), anything else →
/// 500 (`Internal`).
impl From<FamilyError> for StorageError {
    fn from(e: FamilyError) -> StorageError {
        if e.is_unavailable() {
            StorageError::unavailable("PostgreSQL", e.to_string())
        } else {
            StorageError::internal("PostgreSQL", e.to_string())
        }
    }
}
