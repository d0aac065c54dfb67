//! The server on PostgreSQL (`api.md` §2.6b), end to end: the built
//! `rsql-server` started with `--database-url` on a database each test
//! creates and drops, talked to over TCP.
//!
//! * [`differential`]: proptest request sequences against an in-memory server
//!   and a PostgreSQL server loaded with the same `--demo` data: the same
//!   status, body bytes, `X-Total-Count` and `Link`.
//! * [`scale_out`]: two servers on one database; writes through either are
//!   seen through both, nothing acknowledged is lost, tokens work across.
//! * [`fault`]: the test's own PostgreSQL cluster stopped under the servers
//!   (503 in each family's envelope, no hang, `/readyz` 503) and started
//!   again (answers again, no restart).
//! * [`families`]: the demo's four route families through PostgreSQL.
//! * [`startup`]: the flags, seed-once loading, an unreachable database.
//!
//! PostgreSQL: `DATABASE_URL` (what `.ci/run` exports), else
//! `postgres://postgres@127.0.0.1:5432/postgres`; the database named there
//! only creates and drops the tests' databases. When it does not answer the
//! tests print a SKIP notice and pass, except with `CI=true`, where they
//! fail. The fault test runs its own cluster (`initdb`/`pg_ctl` of
//! PostgreSQL 15, as user `postgres` when run as root) on a free port.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

#[path = "../support/banner.rs"]
mod banner;
mod cluster;
mod differential;
mod families;
mod fault;
mod http;
mod scale_out;
#[path = "../support/server_cmd.rs"]
mod server_cmd;
mod server_proc;
mod startup;
#[path = "../support/wire.rs"]
mod wire;
