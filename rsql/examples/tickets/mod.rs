//! The table every binding example runs a filter on: a help desk's
//! `tickets`, with a JSON column of free-form attributes and a child table of
//! tags, mapped to rsql fields. Each example includes this module with
//! `mod tickets;` and does the database part with its own driver.
//!
//! ```text
//! tickets (id, title, status, priority, opened_ms, estimate, billable, attrs)
//! ticket_tags (ticket_id → tickets.id, tag)
//! ```

use rsql::{Field, FieldType, Schema, SchemaError};

/// The filter each example runs: open or pending login tickets of priority
/// 2 or more, tagged `urgent`, not owned by the ops team (a ticket without a
/// team qualifies), opened this year, estimated under 10 hours, billable.
pub(crate) const FILTER: &str = "title==*ogin*;status=in=(open,pending);priority=ge=2;tags==urgent;\
                          attrs.team!=ops;opened=ge=2026-01-01;estimate=lt=10;billable==true";

/// The ids [`FILTER`] selects from [`ROWS`].
pub(crate) const EXPECTED_IDS: [i64; 2] = [1, 5];

/// One ticket: `(id, title, status, priority, opened_ms, estimate,
/// billable, attrs JSON or NULL, tags)`.
type Row = (
    i64,
    &'static str,
    &'static str,
    i32,
    i64,
    f64,
    bool,
    Option<&'static str>,
    &'static [&'static str],
);

/// The tickets, each failing [`FILTER`] for one reason except 1 and 5.
#[rustfmt::skip]
const ROWS: [Row; 10] = [
    (1, "Login fails", "open", 3, 1_767_603_600_000, 4.5, true, Some(r#"{"team":"core"}"#), &["urgent", "auth"]),
    // the ops team's
    (2, "Slow login page", "pending", 2, 1_767_781_800_000, 2.0, true, Some(r#"{"team":"ops"}"#), &["urgent"]),
    // priority 1
    (3, "Typo on login", "open", 1, 1_767_946_500_000, 0.5, true, Some("{}"), &["urgent"]),
    // closed
    (4, "Login timeout", "closed", 3, 1_768_053_600_000, 8.0, true, Some(r#"{"team":"core"}"#), &["urgent"]),
    // no attributes at all: `attrs.team!=ops` holds for a missing team
    (5, "Login via SSO", "open", 2, 1_768_218_300_000, 6.0, true, None, &["urgent"]),
    // not about login
    (6, "Export to CSV", "open", 3, 1_768_494_000_000, 3.0, true, Some(r#"{"team":"core"}"#), &["urgent"]),
    // opened last year
    (7, "Login audit", "open", 3, 1_766_221_200_000, 1.0, true, Some(r#"{"team":"core"}"#), &["urgent"]),
    // estimated at 12 hours
    (8, "Login rate limit", "open", 3, 1_768_914_000_000, 12.0, true, Some(r#"{"team":"core"}"#), &["urgent"]),
    // not billable
    (9, "Login copy", "open", 2, 1_768_980_600_000, 1.0, false, Some(r#"{"team":"core"}"#), &["urgent"]),
    // not tagged urgent
    (10, "Login button", "pending", 2, 1_768_980_700_000, 1.0, true, Some(r#"{"team":"web"}"#), &["docs"]),
];

/// The SQL database the statements are written for.
#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // each example uses one of them
pub(crate) enum Db {
    /// PostgreSQL: `jsonb`, `boolean`, `double precision`.
    Postgres,
    /// SQLite: JSON as TEXT, booleans as 0 / 1.
    Sqlite,
}

/// The rsql schema of the tables; `prefix` qualifies the table names (a
/// PostgreSQL schema such as `rsql_example_42.`, or empty).
pub(crate) fn schema(prefix: &str) -> Result<Schema, SchemaError> {
    Schema::builder()
        .field(Field::new("title", FieldType::String).sql_column("t.title"))
        .field(
            Field::new(
                "status",
                FieldType::enumeration(["open", "pending", "closed"]),
            )
            .sql_column("t.status"),
        )
        .field(Field::new("priority", FieldType::Integer).sql_column("t.priority"))
        .field(Field::new("opened", FieldType::Timestamp).sql_column("t.opened_ms"))
        .field(Field::new("estimate", FieldType::Float).sql_column("t.estimate"))
        .field(Field::new("billable", FieldType::Bool).sql_column("t.billable"))
        .field(
            Field::new("tags", FieldType::String)
                .multi_valued()
                .sql_exists(
                    format!("{prefix}ticket_tags g"),
                    "g.ticket_id = t.id",
                    "g.tag",
                ),
        )
        .field(Field::dynamic("attrs", FieldType::String).sql_json("t.attrs"))
        .build()
}

/// `CREATE TABLE` for both tables and `INSERT`s of [`ROWS`] (constant data,
/// written into the SQL text: no user input here).
pub(crate) fn create_sql(db: Db, prefix: &str) -> String {
    let (json, boolean, float) = match db {
        Db::Postgres => ("jsonb", "boolean", "double precision"),
        Db::Sqlite => ("TEXT", "INTEGER", "REAL"),
    };
    let mut sql = format!(
        "CREATE TABLE {prefix}tickets (id bigint PRIMARY KEY, title text NOT NULL, \
         status text NOT NULL, priority integer NOT NULL, opened_ms bigint NOT NULL, \
         estimate {float} NOT NULL, billable {boolean} NOT NULL, attrs {json});\n\
         CREATE TABLE {prefix}ticket_tags (ticket_id bigint NOT NULL REFERENCES {prefix}tickets (id), \
         tag text NOT NULL);\n"
    );
    for (id, title, status, priority, opened, estimate, billable, attrs, tags) in ROWS {
        let attrs = attrs.map_or("NULL".to_owned(), |a| format!("'{a}'"));
        sql.push_str(&format!(
            "INSERT INTO {prefix}tickets VALUES ({id}, '{title}', '{status}', {priority}, \
             {opened}, {estimate:?}, {billable}, {attrs});\n"
        ));
        for tag in tags {
            sql.push_str(&format!(
                "INSERT INTO {prefix}ticket_tags VALUES ({id}, '{tag}');\n"
            ));
        }
    }
    sql
}

/// The query: ids and titles of the tickets `where_sql` holds for.
pub(crate) fn select_sql(prefix: &str, where_sql: &str) -> String {
    format!("SELECT t.id, t.title FROM {prefix}tickets t WHERE {where_sql} ORDER BY t.id")
}

/// `Ok` when `ids` are [`EXPECTED_IDS`], else an error that says both.
pub(crate) fn check(ids: &[i64]) -> Result<(), String> {
    if ids == EXPECTED_IDS {
        Ok(())
    } else {
        Err(format!(
            "expected ids {EXPECTED_IDS:?}, the database returned {ids:?}"
        ))
    }
}

/// A schema name of its own for this run, so runs in parallel do not meet.
#[allow(dead_code)] // the SQLite example works in memory
pub(crate) fn unique_schema_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("rsql_example_{}_{nanos}", std::process::id())
}

/// `DATABASE_URL`, or an error that says what to set.
#[allow(dead_code)] // the SQLite example needs no server
pub(crate) fn database_url() -> Result<String, String> {
    std::env::var("DATABASE_URL").map_err(|_| {
        "DATABASE_URL is not set: set it to a PostgreSQL connection URL \
         (see docs/databases.md)"
            .to_owned()
    })
}
