//! A database of the test's own ([`TempDb`]), created under a unique name
//! and dropped (`WITH (FORCE)`) when the guard is, also when the test
//! fails; the server is `DATABASE_URL`, else the machine's PostgreSQL.

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use store::pg::{PgOptions, PgStorage};
use tokio_postgres::NoTls;

/// The server when `DATABASE_URL` is not set.
const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_SERVER.to_owned())
}

/// `url` with its database name replaced by `name`.
fn with_dbname(url: &str, name: &str) -> String {
    let (scheme, rest) = url
        .split_once("://")
        .expect("DATABASE_URL must be a postgres:// URL");
    let (authority, query) = match rest.split_once('/') {
        Some((a, path)) => (a, path.split_once('?').map(|(_, q)| q)),
        None => (
            rest.split('?').next().unwrap_or(rest),
            rest.split_once('?').map(|(_, q)| q),
        ),
    };
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// A fresh database; dropping the guard drops it.
pub(crate) struct TempDb {
    admin: String,
    name: String,
}

impl TempDb {
    /// Creates `store_pg_<tag>_<pid>_<n>_<nanos>`; `None` (after a SKIP
    /// notice) when no PostgreSQL answers outside CI. Under `CI=true` a
    /// missing server fails the test.
    pub(crate) async fn create(tag: &str) -> Option<TempDb> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "store_pg_{tag}_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        assert!(
            name.len() <= 63,
            "database name {name} too long: shorten the tag"
        );
        let admin = server_url();
        let client = match tokio_postgres::connect(&admin, NoTls).await {
            Ok((client, conn)) => {
                tokio::spawn(conn);
                client
            }
            Err(err) => {
                // Not the URL itself: it may hold a password.
                let at = if std::env::var_os("DATABASE_URL").is_some() {
                    "DATABASE_URL"
                } else {
                    DEFAULT_SERVER
                };
                let mut e = err.to_string();
                let mut source = std::error::Error::source(&err);
                while let Some(inner) = source {
                    e = format!("{e}: {inner}");
                    source = inner.source();
                }
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!(
                        "CI=true and PostgreSQL at {at} does not answer: {e}; start it (DEVELOPERS.md)"
                    );
                }
                // Straight to stderr: the harness captures `eprintln!`.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIP: PostgreSQL tests need a server at DATABASE_URL (else {DEFAULT_SERVER}); {at}: {e}; \
                     start it as DEVELOPERS.md says (under CI=true this fails)"
                );
                return None;
            }
        };
        client
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"
            ))
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        Some(TempDb { admin, name })
    }

    /// The URL of the database.
    pub(crate) fn url(&self) -> String {
        with_dbname(&self.admin, &self.name)
    }

    /// A storage on the database (migrations applied).
    pub(crate) async fn storage(&self, opts: PgOptions) -> PgStorage {
        PgStorage::connect(&self.url(), opts)
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.name))
    }

    /// A plain client on the database.
    pub(crate) async fn client(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.url(), NoTls)
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.name));
        tokio::spawn(conn);
        client
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Its own thread and runtime: Drop may run inside a runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let (client, conn) = tokio_postgres::connect(&admin, NoTls)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::spawn(conn);
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .map_err(|e| e.to_string())
            })
        })
        .join();
        if let Ok(Err(e)) | Err(e) = dropped.map_err(|_| "panicked".to_owned()) {
            eprintln!("dropping test database {}: {e}", self.name);
        }
    }
}

/// A multi-threaded runtime for a test.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Writes `conversations` as JSONL into a file of the test's own under the
/// target's tmp dir.
pub(crate) fn jsonl_file(tag: &str, lines: &[String]) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("pg-{tag}-{}.jsonl", std::process::id()));
    std::fs::write(&path, lines.join("\n") + "\n").expect("writing a test file");
    path
}
