//! [`SqlDialect`] and [`SqlOptions`]: what [`Filter::to_sql`](crate::Filter::to_sql) emits.

use std::fmt;

/// Which SQL dialect to emit.
///
/// ```
/// assert_eq!(rsql::SqlOptions::postgres().dialect(), rsql::SqlDialect::Postgres);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlDialect {
    /// `$1, $2, …` placeholders, `->>` for JSON maps, `LIKE … ESCAPE`.
    Postgres,
    /// `?` placeholders, `json_extract` for JSON maps, `GLOB` for wildcards.
    Sqlite,
}

impl fmt::Display for SqlDialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SqlDialect::Postgres => "PostgreSQL",
            SqlDialect::Sqlite => "SQLite",
        })
    }
}

/// Options for [`Filter::to_sql`](crate::Filter::to_sql).
///
/// ```
/// let opts = rsql::SqlOptions::postgres().with_first_placeholder(3);
/// assert_eq!(opts.first_placeholder(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlOptions {
    pub(super) dialect: SqlDialect,
    pub(super) first_placeholder: usize,
    pub(super) sqlite_like: bool,
}

impl SqlOptions {
    /// PostgreSQL, placeholders from `$1`.
    ///
    /// ```
    /// let _ = rsql::SqlOptions::postgres();
    /// ```
    pub fn postgres() -> SqlOptions {
        SqlOptions {
            dialect: SqlDialect::Postgres,
            first_placeholder: 1,
            sqlite_like: false,
        }
    }

    /// SQLite, `?` placeholders, `GLOB` for wildcards.
    ///
    /// ```
    /// let _ = rsql::SqlOptions::sqlite();
    /// ```
    pub fn sqlite() -> SqlOptions {
        SqlOptions {
            dialect: SqlDialect::Sqlite,
            first_placeholder: 1,
            sqlite_like: false,
        }
    }

    /// Numbers PostgreSQL placeholders from `$n` (when the statement has
    /// earlier parameters). Ignored for SQLite.
    ///
    /// ```
    /// let _ = rsql::SqlOptions::postgres().with_first_placeholder(2);
    /// ```
    pub fn with_first_placeholder(mut self, n: usize) -> SqlOptions {
        self.first_placeholder = n.max(1);
        self
    }

    /// SQLite: emit wildcards as `LIKE ? ESCAPE '\'` instead of `GLOB ?`.
    /// Only exact on connections with `PRAGMA case_sensitive_like = ON`.
    ///
    /// ```
    /// let _ = rsql::SqlOptions::sqlite().with_sqlite_like(true);
    /// ```
    pub fn with_sqlite_like(mut self, enabled: bool) -> SqlOptions {
        self.sqlite_like = enabled;
        self
    }

    /// The dialect.
    ///
    /// ```
    /// assert_eq!(rsql::SqlOptions::sqlite().dialect(), rsql::SqlDialect::Sqlite);
    /// ```
    pub fn dialect(&self) -> SqlDialect {
        self.dialect
    }

    /// The number of the first PostgreSQL placeholder.
    ///
    /// ```
    /// assert_eq!(rsql::SqlOptions::postgres().first_placeholder(), 1);
    /// ```
    pub fn first_placeholder(&self) -> usize {
        self.first_placeholder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Error messages name the dialect (`EmitError::UnsupportedSqlType`).
    #[test]
    fn dialects_are_named_as_their_projects_name_them() {
        assert_eq!(SqlDialect::Postgres.to_string(), "PostgreSQL");
        assert_eq!(SqlDialect::Sqlite.to_string(), "SQLite");
    }

    #[test]
    fn the_first_placeholder_is_the_one_asked_for_and_at_least_1() {
        let o = SqlOptions::postgres().with_first_placeholder(3);
        assert_eq!(o.first_placeholder(), 3);
        let o = SqlOptions::postgres().with_first_placeholder(0);
        assert_eq!(o.first_placeholder(), 1);
        assert_eq!(SqlOptions::sqlite().first_placeholder(), 1);
    }
}
