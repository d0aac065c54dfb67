//! The PostgreSQL backend against a real PostgreSQL (feature `postgres`):
//! each test creates its own database and drops it. Without a reachable
//! server the tests print a SKIP notice and pass, except under `CI=true`,
//! where they fail.
//!
//! ```sh
//! cargo test -p store --features postgres --test pg
//! ```
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::print_stderr,
    reason = "the SKIP notice and the tallies are for the reader"
)]

mod differential;
mod families;
mod list_cache;
mod load;
mod pages;
mod support;
mod unavailable;
mod writes;
