//! Integration tests of rsql (one binary, so the crate links once). One module per
//! subject; snapshots live in `snapshots/`, data files in `../data/`.
// helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod allow_list;
mod cli;
mod cli_schema;
mod compile;
mod corpus;
#[cfg(feature = "derive")]
mod derive;
mod differential_sqlite;
mod emit_mongo;
mod emit_sql;
mod errors;
mod eval;
mod float_ranges;
mod fuzz_corpus;
#[cfg(all(feature = "json", feature = "derive"))]
mod json_record;
mod limits;
mod live;
mod or_blame;
mod parse;
mod policy;
mod precedence;
mod query;
mod roundtrip;
mod schema_file;
mod semantics;
mod sql_types_pg;
