//! The `rsql` command-line tool (filled in by the CLI work).
fn main() {}
