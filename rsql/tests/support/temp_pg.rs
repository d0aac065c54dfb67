//! A PostgreSQL database of the test's own, created under a unique name and
//! dropped (`WITH (FORCE)`) when the guard is, also when the test fails.
//! Shared by the `rsql` and `bind` test binaries
//! (`#[path = "../support/temp_pg.rs"] mod temp_pg;`).
//!
//! The server is `DATABASE_URL` (what `.ci/run` exports and the examples
//! read; a `postgres://` URL, since the sqlx tests take only that), else the machine's
//! PostgreSQL, [`DEFAULT_SERVER`] (`postgres://postgres@127.0.0.1:5432/postgres`,
//! trust auth). The database named there is only used to create and drop
//! the test databases. When the server does not answer, the test panics
//! saying how to start it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::{Client, Config, NoTls};

/// The server when `DATABASE_URL` is not set: the machine's PostgreSQL.
const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The server the tests use: `DATABASE_URL`, else [`DEFAULT_SERVER`].
fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_SERVER.to_owned())
}

/// The collation a [`TempDb`] is created with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Collation {
    /// The server's default locale (`TEMPLATE template0 ENCODING 'UTF8'`).
    ServerDefault,
    /// An ICU `en-US` default collation, under which text does not order by
    /// bytes: a comparison that forgets `COLLATE "C"` shows.
    #[allow(
        dead_code,
        reason = "the rsql binary's live tests use it, the bind binary does not"
    )]
    IcuEnUs,
}

/// A freshly created database; dropping the guard drops the database
/// (`WITH (FORCE)`, so connections a failed test left open do not stop it).
pub(crate) struct TempDb {
    server: String,
    admin: Config,
    name: String,
}

impl TempDb {
    /// Creates `rsql_test_<tag>_<pid>_<counter>_<nanos>` (UTF-8, the server's
    /// default locale). `tag` is lower-case ASCII letters, digits and `_`.
    pub(crate) fn create(tag: &str) -> TempDb {
        TempDb::create_with(tag, Collation::ServerDefault)
    }

    /// Like [`TempDb::create`], with the given default collation.
    pub(crate) fn create_with(tag: &str, collation: Collation) -> TempDb {
        assert!(
            !tag.is_empty()
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "test database tag {tag:?}: use lower-case ASCII letters, digits and `_`"
        );
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "rsql_test_{tag}_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        assert!(
            name.len() <= 63,
            "test database name {name} is longer than PostgreSQL's 63 bytes: shorten the tag"
        );
        let server = server_url();
        let admin: Config = server.parse().unwrap_or_else(|e| {
            panic!("DATABASE_URL={server:?} is not a PostgreSQL connection string: {e}")
        });
        let locale = match collation {
            Collation::ServerDefault => "",
            Collation::IcuEnUs => " LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",
        };
        connect(&admin, &server, "creating a test database")
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'{locale}"
            ))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} on {server}: {e}"));
        TempDb {
            server,
            admin,
            name,
        }
    }

    /// The server's connection string (connect to [`TempDb::name`] on it).
    #[allow(dead_code, reason = "the bind binary's tokio and sqlx tests use it")]
    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    /// The database's name.
    #[allow(dead_code, reason = "the bind binary's tokio and sqlx tests use it")]
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A synchronous client connected to the database.
    #[allow(
        dead_code,
        reason = "the bind binary's sqlx-only build does not use it"
    )]
    pub(crate) fn client(&self) -> Client {
        let mut config = self.admin.clone();
        config.dbname(&self.name);
        connect(&config, &self.server, "connecting to the test database")
    }
}

/// Connects, or panics saying which server did not answer and how to start it.
fn connect(config: &Config, server: &str, what: &str) -> Client {
    config.connect(NoTls).unwrap_or_else(|e| {
        let cause = std::error::Error::source(&e).map_or(String::new(), |c| format!(": {c}"));
        panic!(
            "PostgreSQL at {server} does not answer ({what}): {e}{cause}\n\
             Start the machine's server with\n    \
             pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
             or set DATABASE_URL to another one."
        )
    })
}

impl Drop for TempDb {
    #[allow(
        clippy::print_stderr,
        reason = "a panic in drop would abort a failing test: say what is left behind instead"
    )]
    fn drop(&mut self) {
        let dropped = self.admin.connect(NoTls).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
        });
        if let Err(e) = dropped {
            eprintln!(
                "could not drop the test database {} on {}: {e}",
                self.name, self.server
            );
        }
    }
}
