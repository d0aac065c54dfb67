//! A PostgreSQL database of the test's own, dropped when the guard is.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The server the tests use: `DATABASE_URL` (CI sets it), else the
/// machine's PostgreSQL.
fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A freshly created database; dropping the guard drops the database
/// (`WITH (FORCE)`, so connections a failed test left open do not stop it).
pub(crate) struct TempDb {
    name: String,
    server: String,
}

impl TempDb {
    pub(crate) fn create(tag: &str) -> TempDb {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "rsql_bind_{tag}_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let server = server_url();
        let mut admin = postgres::Client::connect(&server, postgres::NoTls)
            .unwrap_or_else(|e| panic!("PostgreSQL at {server} does not answer: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        TempDb { name, server }
    }

    /// The server's URL (connect to [`TempDb::name`] on it).
    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    /// The database's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A synchronous client connected to the database.
    #[allow(dead_code)] // used by the postgres tests only
    pub(crate) fn client(&self) -> postgres::Client {
        let mut config: postgres::Config = self.server.parse().unwrap();
        config.dbname(&self.name);
        config.connect(postgres::NoTls).unwrap()
    }
}

impl Drop for TempDb {
    // A panic in drop would abort a failing test: say it on stderr instead.
    #[allow(clippy::print_stderr)]
    fn drop(&mut self) {
        let dropped =
            postgres::Client::connect(&server_url(), postgres::NoTls).and_then(|mut c| {
                c.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
            });
        if let Err(e) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}
