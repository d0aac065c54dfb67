//! Whole queries: a [`Filter`], a [`Sort`], `limit` and `offset`, and a
//! keyset [`Cursor`] for deep pages; run in memory over a slice
//! ([`Query::apply`]) or emitted as the tail of a SQL statement
//! ([`Query::to_sql`]: `WHERE … ORDER BY … LIMIT … OFFSET …`). Both give the
//! same rows in the same order.
//!
//! * [`SortRules`] (built once) parse the API syntax `-a,+b,c` into a
//!   [`Sort`] over the schema's sortable fields, with a final tie-break
//!   field so that the order is total and paging stable.
//! * A missing value sorts after every value ascending and before them
//!   descending; strings sort by bytes (see [`sort`] for the
//!   whole order). The SQL says so explicitly: `NULLS LAST` / `NULLS FIRST`
//!   on every key (SQLite would otherwise put NULLs first ascending), and
//!   `COLLATE "C"` on PostgreSQL text keys.
//! * Offset pages cost the rows they skip. [`Query::after`] starts a page
//!   after the last row of the previous one instead: the condition
//!   `(k1 > a) OR (k1 = a AND k2 > b) OR …`, with each `>` turned to suit
//!   the key's direction and NULL placement. Walking pages with cursors
//!   returns exactly the offset pages.
//!
//! ```
//! use rsql::{Cursor, Direction, Field, FieldRef, FieldType, FieldValue, Query, Record, Schema, SortRules, SqlOptions};
//!
//! struct Row { id: &'static str, name: &'static str, end: Option<i64> }
//! impl Record for Row {
//!     fn get(&self, f: FieldRef<'_>) -> FieldValue<'_> {
//!         match f.id.index() {
//!             0 => FieldValue::Str(self.id),
//!             1 => FieldValue::Str(self.name),
//!             _ => self.end.map_or(FieldValue::Missing, FieldValue::Time),
//!         }
//!     }
//! }
//! let schema = Schema::builder()
//!     .field(Field::new("id", FieldType::String).sortable().sql_column("c.id"))
//!     .field(Field::new("name", FieldType::String).sortable().sql_column("c.name"))
//!     .field(Field::new("end", FieldType::Timestamp).sortable().sql_column("c.end_ms"))
//!     .build()?;
//! let rules = SortRules::new(&schema, "id")?;
//! let filter = schema.compile(&rsql::parse("name!=x")?)?;
//! let query = Query::new(rules.parse("-end", Direction::Asc)?).with_filter(filter).with_limit(2);
//!
//! let sql = query.to_sql(&SqlOptions::postgres())?;
//! assert_eq!(
//!     sql.sql,
//!     "WHERE (c.name IS NULL OR NOT (c.name = $1)) \
//!      ORDER BY c.end_ms DESC NULLS FIRST, c.id COLLATE \"C\" ASC NULLS LAST LIMIT 2"
//! );
//!
//! let rows = [
//!     Row { id: "a", name: "p", end: Some(5) },
//!     Row { id: "b", name: "x", end: None },
//!     Row { id: "c", name: "q", end: None },
//!     Row { id: "d", name: "r", end: Some(9) },
//! ];
//! let page: Vec<&str> = query.apply(&rows).iter().map(|r| r.id).collect();
//! assert_eq!(page, ["c", "d"]); // missing first in descending order
//!
//! // the next page starts after the last row of this one
//! let next = query.clone().after(Cursor::of(query.sort(), &rows[3]))?;
//! assert_eq!(next.apply(&rows).iter().map(|r| r.id).collect::<Vec<_>>(), ["a"]);
//! let sql = next.to_sql(&SqlOptions::sqlite())?;
//! assert_eq!(
//!     sql.sql,
//!     "WHERE ((c.name IS NULL OR NOT (c.name = ?))) AND (c.end_ms < ? OR (c.end_ms = ? AND (c.id > ? OR c.id IS NULL))) \
//!      ORDER BY c.end_ms DESC NULLS FIRST, c.id ASC NULLS LAST LIMIT 2"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cursor;
pub mod sort;
mod sql;

use std::cmp::Ordering;

pub use cursor::{Cursor, CursorError, CursorValue};
pub use sort::{
    DEFAULT_MAX_SORT_KEYS, Direction, Sort, SortError, SortErrorKind, SortKey, SortRules,
    SortRulesError,
};
pub use sql::SqlTail;

use crate::eval::Record;
use crate::filter::Filter;

/// A whole query: an optional filter, a sort, an optional limit, an offset,
/// and an optional keyset cursor. See the [module docs](self).
///
/// The filter and the sort must come from one schema (a [`Record`] is read
/// with the field ids of both).
///
/// ```
/// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable().sql_column("id")).build()?;
/// let sort = rsql::SortRules::new(&schema, "id")?.parse("-id", Default::default())?;
/// let q = rsql::Query::new(sort).with_limit(10).with_offset(20);
/// assert_eq!((q.limit(), q.offset()), (Some(10), 20));
/// assert_eq!(q.to_sql(&rsql::SqlOptions::sqlite())?.sql, "ORDER BY id DESC NULLS FIRST LIMIT 10 OFFSET 20");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Query {
    filter: Option<Filter>,
    sort: Sort,
    limit: Option<usize>,
    offset: usize,
    after: Option<Cursor>,
}

impl Query {
    /// Every row, in `sort` order: no filter, no limit, offset 0.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// let q = rsql::Query::new(sort);
    /// assert!(q.filter().is_none() && q.limit().is_none() && q.cursor().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(sort: Sort) -> Query {
        Query {
            filter: None,
            sort,
            limit: None,
            offset: 0,
            after: None,
        }
    }

    /// Only the rows `filter` matches.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// let q = rsql::Query::new(sort).with_filter(schema.compile(&rsql::parse("id==a")?)?);
    /// assert_eq!(q.filter().map(|f| f.to_string()).as_deref(), Some("id==a"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_filter(mut self, filter: Filter) -> Query {
        self.filter = Some(filter);
        self
    }

    /// At most `limit` rows.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// assert_eq!(rsql::Query::new(sort).with_limit(3).limit(), Some(3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_limit(mut self, limit: usize) -> Query {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` rows (after the cursor, if any).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// assert_eq!(rsql::Query::new(sort).with_offset(3).offset(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_offset(mut self, offset: usize) -> Query {
        self.offset = offset;
        self
    }

    /// Only the rows that come strictly after the row `cursor` was taken
    /// from ([`Cursor::of`] on the last row of the previous page): a keyset
    /// page, whose cost does not grow with its depth.
    ///
    /// # Errors
    ///
    /// A [`CursorError`] when the cursor does not hold one value per sort
    /// key, each of its field's type (or missing).
    ///
    /// ```
    /// use rsql::{Cursor, CursorValue, Query};
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("n", rsql::FieldType::Integer).sortable().sql_column("n")).build()?;
    /// let sort = rsql::SortRules::new(&schema, "n")?.parse("n", Default::default())?;
    /// let q = Query::new(sort).after(Cursor::new(vec![CursorValue::Int(5)]))?;
    /// assert_eq!(q.to_sql(&rsql::SqlOptions::postgres())?.sql, "WHERE (n > $1 OR n IS NULL) ORDER BY n ASC NULLS LAST");
    /// assert!(q.clone().after(Cursor::new(vec![])).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn after(mut self, cursor: Cursor) -> Result<Query, CursorError> {
        cursor.check(&self.sort)?;
        self.after = Some(cursor);
        Ok(self)
    }

    /// The filter.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// assert!(rsql::Query::new(sort).filter().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn filter(&self) -> Option<&Filter> {
        self.filter.as_ref()
    }

    /// The sort.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// assert_eq!(rsql::Query::new(sort).sort().to_string(), "+id");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sort(&self) -> &Sort {
        &self.sort
    }

    /// The limit (`None`: every row).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// assert_eq!(rsql::Query::new(sort).limit(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// The offset.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// assert_eq!(rsql::Query::new(sort).offset(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The keyset cursor, if the query starts after one.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("id", rsql::FieldType::String).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "id")?.parse("id", Default::default())?;
    /// assert!(rsql::Query::new(sort).cursor().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cursor(&self) -> Option<&Cursor> {
        self.after.as_ref()
    }

    /// Whether `row` passes the filter and lies after the cursor.
    ///
    /// ```
    /// use rsql::{FieldRef, FieldValue, Record};
    /// struct N(i64);
    /// impl Record for N {
    ///     fn get(&self, _: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Int(self.0) }
    /// }
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("n", rsql::FieldType::Integer).sortable()).build()?;
    /// # let sort = rsql::SortRules::new(&schema, "n")?.parse("n", Default::default())?;
    /// let q = rsql::Query::new(sort).with_filter(schema.compile(&rsql::parse("n=lt=10")?)?);
    /// assert!(q.selects(&N(3)) && !q.selects(&N(12)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn selects<R: Record>(&self, row: &R) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(row))
            && self
                .after
                .as_ref()
                .is_none_or(|c| c.position(&self.sort, row) == Ordering::Greater)
    }

    /// The page of `rows` this query selects, in order: the rows that pass
    /// the filter and the cursor, sorted, then `offset` skipped and `limit`
    /// kept. The same rows, in the same order, as [`Query::to_sql`] gives
    /// on a database holding them.
    ///
    /// ```
    /// use rsql::{FieldRef, FieldValue, Record};
    /// struct N(i64);
    /// impl Record for N {
    ///     fn get(&self, _: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Int(self.0) }
    /// }
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("n", rsql::FieldType::Integer).sortable()).build()?;
    /// let sort = rsql::SortRules::new(&schema, "n")?.parse("-n", Default::default())?;
    /// let rows: Vec<N> = (1..=9).map(N).collect();
    /// let q = rsql::Query::new(sort).with_offset(2).with_limit(3);
    /// assert_eq!(q.apply(&rows).iter().map(|n| n.0).collect::<Vec<_>>(), [7, 6, 5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply<'r, R: Record>(&self, rows: &'r [R]) -> Vec<&'r R> {
        let mut hits: Vec<&R> = rows.iter().filter(|r| self.selects(*r)).collect();
        let end = self
            .offset
            .saturating_add(self.limit.unwrap_or(usize::MAX))
            .min(hits.len());
        if self.offset >= end {
            return Vec::new();
        }
        let cmp = |a: &&R, b: &&R| self.sort.compare(*a, *b);
        if end < hits.len() {
            // Only the first `end` rows matter: select them, then sort those.
            hits.select_nth_unstable_by(end - 1, cmp);
            hits.truncate(end);
        }
        hits.sort_by(cmp);
        hits.drain(..self.offset);
        hits
    }
}
