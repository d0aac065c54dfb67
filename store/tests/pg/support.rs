//! A database of the test's own ([`TempDb`]: `test_pg`'s, with the store's
//! connections to it), dropped (`WITH (FORCE)`) when the guard is, also
//! when the test fails; the server is `DATABASE_URL`, else the machine's
//! PostgreSQL.

use store::pg::{PgOptions, PgStorage};
use tokio_postgres::NoTls;

/// A fresh database; dropping the guard drops it.
pub(crate) struct TempDb(test_pg::TempDb);

impl TempDb {
    /// Creates a database tagged `tag`; `None` (after a SKIP notice) when no
    /// PostgreSQL answers outside CI. Under `CI=true` a missing server fails
    /// the test.
    pub(crate) async fn create(tag: &str) -> Option<TempDb> {
        test_pg::TempDb::try_create(&format!("store pg {tag}"), tag).map(TempDb)
    }

    /// The URL of the database.
    pub(crate) fn url(&self) -> String {
        self.0.url().to_owned()
    }

    /// A storage on the database (migrations applied).
    pub(crate) async fn storage(&self, opts: PgOptions) -> PgStorage {
        PgStorage::connect(self.0.url(), opts)
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.0.name()))
    }

    /// A plain client on the database.
    pub(crate) async fn client(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(self.0.url(), NoTls)
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.0.name()));
        tokio::spawn(conn);
        client
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
