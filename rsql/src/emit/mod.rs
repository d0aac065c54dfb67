//! Emitters: the same compiled [`Filter`](crate::Filter) as a SQL `WHERE`
//! clause ([`Filter::to_sql`](crate::Filter::to_sql)) or, with the `mongo`
//! feature, a MongoDB query document (`Filter::to_mongo`).
//!
//! Both emitters keep the semantics of [`Filter::matches`](crate::Filter::matches)
//! (see [`crate::eval`]): missing values, any-member / no-member for
//! multi-valued fields, exact case-sensitive wildcards, ASCII-only case
//! folding and numeric comparison of decimal strings. Column expressions and
//! document paths come from the [`Schema`](crate::Schema); values only ever
//! reach SQL as bound parameters (validated dynamic keys may be inlined as
//! string literals, see [`Filter::to_sql`](crate::Filter::to_sql)), and
//! MongoDB as a JSON string value or an escaped, anchored regular expression.
//!
//! The SQL emitter's agreement with `matches` is checked by a differential
//! test against a real SQLite database (`tests/rsql/differential_sqlite.rs`).
//!
//! ```
//! use rsql::{Field, FieldType, Schema, SqlOptions, SqlParam};
//!
//! let schema = Schema::builder()
//!     .field(Field::new("conversation.type", FieldType::String).sql_column("c.type"))
//!     .field(Field::new("members.email", FieldType::String)
//!         .multi_valued()
//!         .sql_exists("members m", "m.conversation_id = c.id", "m.email"))
//!     .field(Field::dynamic("conversation.metadata", FieldType::String).sql_json("c.metadata"))
//!     .alias("metadata", "conversation.metadata")
//!     .build()?;
//! let filter = schema.compile(&rsql::parse(
//!     "conversation.type==meeting;members.email!=bob@x.io;metadata.agentId=in=(a1,a2)",
//! )?)?;
//!
//! let pg = filter.to_sql(&SqlOptions::postgres())?;
//! assert_eq!(
//!     pg.sql,
//!     "c.type = $1 \
//!      AND NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.email = $2) \
//!      AND (c.metadata->>'agentId') IN ($3, $4)"
//! );
//! assert_eq!(pg.params[2], SqlParam::Text("a1".into()));
//!
//! let lite = filter.to_sql(&SqlOptions::sqlite())?;
//! assert!(lite.sql.ends_with(r#"json_extract(c.metadata, '$."agentId"') IN (?, ?)"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With the `mongo` feature:
//!
//! ```
//! # #[cfg(feature = "mongo")] {
//! use rsql::{Field, FieldType, Schema};
//! let schema = Schema::builder()
//!     .field(Field::new("conversation.name", FieldType::String).mongo_path("name"))
//!     .field(Field::new("conversation.startTime", FieldType::Timestamp).mongo_path("startTime"))
//!     .build()?;
//! let f = schema.compile(&rsql::parse("conversation.name==Sales*;conversation.startTime=ge=2021-03-01")?)?;
//! assert_eq!(
//!     f.to_mongo().to_string(),
//!     r#"{"$and":[{"name":{"$options":"s","$regex":"\\ASales.*\\z"}},{"startTime":{"$gte":{"$date":"2021-03-01T00:00:00.000Z"}}}]}"#
//! );
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "mongo")]
pub(crate) mod mongo;
pub(crate) mod sql;
