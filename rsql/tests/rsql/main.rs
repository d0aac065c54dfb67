//! Integration tests of rsql (one binary, so the crate links once). One module per
//! subject; snapshots live in `snapshots/`, data files in `../data/`.
// helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod cli_schema;
mod compile;
mod corpus;
mod differential_sqlite;
mod emit_mongo;
mod emit_sql;
mod errors;
mod eval;
mod fuzz_corpus;
mod limits;
mod parse;
mod policy;
mod precedence;
mod query;
mod roundtrip;
mod schema_file;
