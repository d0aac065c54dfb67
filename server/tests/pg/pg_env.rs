//! Which PostgreSQL the tests use, whether it answers (SKIP or fail), and a
//! database of the test's own ([`TempDb`]), dropped with the guard.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::{Config, NoTls};

/// The server when `DATABASE_URL` is not set: the machine's PostgreSQL.
const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// `DATABASE_URL`, else [`DEFAULT_SERVER`].
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_SERVER.to_owned())
}

/// Whether this run is CI (`CI=true`): an unusable PostgreSQL fails there.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Outside CI: prints why `test` is skipped and returns; in CI: fails.
pub fn skip_or_fail(test: &str, why: &str) {
    assert!(
        !in_ci(),
        "{test}: {why} (CI=true: the PostgreSQL tests must run; start it with \
         `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`)"
    );
    notice(&format!(
        "SKIP {test}: {why}. Start PostgreSQL (`pg_ctlcluster --skip-systemctl-redirect \
         $(ls /etc/postgresql) main start`) or set DATABASE_URL to run it."
    ));
}

/// A line on the process's stderr, not the test harness's captured output
/// (a SKIP must show on a passing run).
pub fn notice(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn admin_config() -> Result<Config, String> {
    let url = server_url();
    let mut cfg: Config = url
        .parse()
        .map_err(|e| format!("DATABASE_URL is not a PostgreSQL connection string: {e}"))?;
    cfg.connect_timeout(Duration::from_secs(5));
    Ok(cfg)
}

/// A database created for one test under a unique name; dropped (`WITH
/// (FORCE)`, the servers may still hold connections) with the guard.
pub struct TempDb {
    admin: Config,
    name: String,
    url: String,
}

impl TempDb {
    /// Creates `srv_<tag>_<pid>_<n>_<nanos>`, or `None` after
    /// [`skip_or_fail`] when PostgreSQL does not answer.
    pub fn create(test: &str, tag: &str) -> Option<TempDb> {
        let admin = match admin_config() {
            Ok(c) => c,
            Err(e) => {
                skip_or_fail(test, &e);
                return None;
            }
        };
        let mut client = match admin.connect(NoTls) {
            Ok(c) => c,
            Err(e) => {
                skip_or_fail(
                    test,
                    &format!(
                        "PostgreSQL at {} does not answer: {e}",
                        redact(&server_url())
                    ),
                );
                return None;
            }
        };
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "srv_{tag}_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        assert!(name.len() <= 63, "database name {name} too long");
        client
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"
            ))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let url = database_url(&admin, &name);
        Some(TempDb { admin, name, url })
    }

    /// The URL of this database (for `--database-url`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let dropped = self.admin.connect(NoTls).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
        });
        if let Err(e) = dropped {
            notice(&format!(
                "could not drop the test database {}: {e}",
                self.name
            ));
        }
    }
}

/// `postgres://user[:password]@host:port/name` from the admin configuration.
fn database_url(admin: &Config, name: &str) -> String {
    use postgres::config::Host;
    let user = admin.get_user().unwrap_or("postgres");
    let password = admin
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    let host = match admin.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = admin.get_ports().first().copied().unwrap_or(5432);
    format!("postgres://{user}{password}@{host}:{port}/{name}")
}

/// A URL with any password hidden (for messages).
pub fn redact(url: &str) -> String {
    server::config::DatabaseUrl::parse(url)
        .map_or_else(|_| "(DATABASE_URL)".to_owned(), |u| u.redacted())
}
