//! The built `rsql-server` as every test binary starts it: `--addr
//! 127.0.0.1:0`, the test's flags, and an environment holding nothing of the
//! caller's but `RUST_LOG`, which the test sets. A `DATABASE_URL`,
//! `RSQL_DATA_DIR` or any other `RSQL_*`/`DEMO_*` setting of the shell that
//! runs the tests cannot reach the server (one once did: a test server
//! migrated the machine's `postgres` database).

use std::process::Command;

/// `rsql-server --addr 127.0.0.1:0 ARGS` with an empty environment and
/// `RUST_LOG=rust_log`; a test adds what it means to pass with `.env(..)`.
pub(crate) fn server_command<S: AsRef<std::ffi::OsStr>>(args: &[S], rust_log: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rsql-server"));
    cmd.env_clear()
        .env("RUST_LOG", rust_log)
        .args(["--addr", "127.0.0.1:0"])
        .args(args);
    cmd
}
