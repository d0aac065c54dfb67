//! The workspace's test databases: each PostgreSQL test creates a database of
//! its own ([`TempDb`]) and drops it when the guard goes, also when the test
//! fails.
//!
//! A test process that is killed (a timeout, Ctrl-C, `kill -9`) runs no
//! destructor, so its databases stay. Every name says which machine and which
//! process created it (`rsqlt_<host>_<pid>_<n>_<tag>`), and the first
//! database a process creates first drops those of this machine whose process
//! is gone ([`sweep`]). A database of a process still running (another test
//! binary, another checkout's CI) is never touched, nor one made on another
//! machine that shares the server: its `<host>` differs.
//!
//! The server is `DATABASE_URL` (what `.ci/run` exports; a `postgres://`
//! URL), else the machine's PostgreSQL, [`DEFAULT_SERVER`]. The database
//! named there is only used to create and drop test databases.
//!
//! Without a server, [`TempDb::try_create`] skips the test (a `SKIP` line on
//! stderr), except under `CI=true`, where the PostgreSQL tests must run.

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use postgres::{Client, Config, NoTls};

/// The server when `DATABASE_URL` is not set: the machine's PostgreSQL
/// (trust authentication).
pub const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The first part of every test database's name.
const PREFIX: &str = "rsqlt";

/// How to start the machine's server (in the messages of a missing one).
const START: &str = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

/// `DATABASE_URL`, else [`DEFAULT_SERVER`].
///
/// ```
/// let url = test_pg::server_url();
/// assert!(url.starts_with("postgres"));
/// ```
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_SERVER.to_owned())
}

/// Whether this run is CI (`CI=true` or `CI=1`): a missing PostgreSQL fails
/// the tests there instead of skipping them.
///
/// ```
/// let _ = test_pg::in_ci();
/// ```
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A line on the process's stderr, past the test harness's capture (a
/// `SKIP` or a database left behind must show on a passing run).
///
/// ```
/// test_pg::notice("a line on stderr");
/// ```
pub fn notice(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Outside CI: a `SKIP <test>: <why>` line on stderr (the test then
/// returns); under `CI=true`: fails the test, since the PostgreSQL tests
/// must run there.
///
/// ```
/// if !test_pg::in_ci() {
///     test_pg::skip_or_fail("a_test", "no server here");
/// }
/// ```
pub fn skip_or_fail(test: &str, why: &str) {
    assert!(
        !in_ci(),
        "{test}: {why} (CI=true: the PostgreSQL tests must run; start it with `{START}`)"
    );
    notice(&format!(
        "SKIP {test}: {why}. Start PostgreSQL (`{START}`) or set DATABASE_URL to run it."
    ));
}

/// `url` (a `postgres://` or `postgresql://` URL) naming the database `name`
/// instead of its own, its query (`?sslmode=…`) kept; `None` for another
/// form of connection string.
///
/// ```
/// assert_eq!(
///     test_pg::database_url("postgres://u:p@h:5432/postgres?sslmode=disable", "t1").as_deref(),
///     Some("postgres://u:p@h:5432/t1?sslmode=disable")
/// );
/// assert_eq!(test_pg::database_url("postgres://h", "t1").as_deref(), Some("postgres://h/t1"));
/// assert_eq!(test_pg::database_url("host=h dbname=x", "t1"), None);
/// ```
pub fn database_url(url: &str, name: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "postgres" && scheme != "postgresql" {
        return None;
    }
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    Some(match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    })
}

/// This machine's part of a test database's name: eight hex digits hashed
/// from `/etc/machine-id` and the host name (FNV-1a; not secret, only
/// different from machine to machine).
///
/// ```
/// let host = test_pg::host_token();
/// assert_eq!(host.len(), 8);
/// assert_eq!(host, test_pg::host_token());
/// ```
pub fn host_token() -> String {
    // Read once per process: every database a test makes names it.
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let text = format!(
            "{}\n{}",
            read("/etc/machine-id").trim(),
            read("/proc/sys/kernel/hostname").trim()
        );
        let mut hash: u32 = 0x811c_9dc5;
        for b in text.bytes() {
            hash ^= u32::from(b);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        format!("{hash:08x}")
    })
    .clone()
}

/// The process that created test database `name` on the machine `host`
/// ([`host_token`]), from its name (`rsqlt_<host>_<pid>_<n>_<tag>`, `tag`
/// lower-case ASCII letters, digits and `_`); `None` for any other name.
///
/// ```
/// assert_eq!(test_pg::creator("rsqlt_0a1b2c3d_4242_0_query", "0a1b2c3d"), Some(4242));
/// assert_eq!(test_pg::creator("rsqlt_ffffffff_4242_0_query", "0a1b2c3d"), None);
/// assert_eq!(test_pg::creator("rsqlt_0a1b2c3d_4242_0_Query", "0a1b2c3d"), None);
/// assert_eq!(test_pg::creator("rsqlt_0a1b2c3d_4242_0_", "0a1b2c3d"), None);
/// assert_eq!(test_pg::creator("postgres", "0a1b2c3d"), None);
/// ```
pub fn creator(name: &str, host: &str) -> Option<u32> {
    let rest = name
        .strip_prefix(PREFIX)?
        .strip_prefix('_')?
        .strip_prefix(host)?
        .strip_prefix('_')?;
    let (pid, rest) = rest.split_once('_')?;
    let (n, tag) = rest.split_once('_')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(pid) && digits(n) && is_tag(tag)) {
        return None;
    }
    pid.parse().ok()
}

/// Whether `tag` can end a test database's name: lower-case ASCII letters,
/// digits and `_`, at least one.
fn is_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Of the database `names`, the test databases of the machine `host` whose
/// creating process is neither this one (`own`) nor `running`, each with
/// that process.
///
/// ```
/// let names = ["rsqlt_0a1b2c3d_7_0_a", "rsqlt_0a1b2c3d_8_0_b", "rsqlt_0a1b2c3d_9_0_c", "postgres"]
///     .map(String::from);
/// assert_eq!(
///     test_pg::leftovers(&names, "0a1b2c3d", 9, |pid| pid == 8),
///     vec![("rsqlt_0a1b2c3d_7_0_a", 7)]
/// );
/// ```
pub fn leftovers<'a>(
    names: &'a [String],
    host: &str,
    own: u32,
    running: impl Fn(u32) -> bool,
) -> Vec<(&'a str, u32)> {
    names
        .iter()
        .filter_map(|name| Some((name.as_str(), creator(name, host)?)))
        .filter(|&(_, pid)| pid != own && !running(pid))
        .collect()
}

/// The collation a [`TempDb`] is created with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collation {
    /// The server's default locale (`TEMPLATE template0 ENCODING 'UTF8'`).
    ServerDefault,
    /// An ICU `en-US` default collation, under which text does not order by
    /// bytes: a comparison that forgets `COLLATE "C"` shows.
    IcuEnUs,
}

/// A database of one test's own, dropped (`WITH (FORCE)`, so connections a
/// failed test left open do not stop it) with the guard.
///
/// Every call to the server runs on a thread of its own, so the guard can
/// be made and dropped inside an async runtime too (the synchronous client
/// starts a runtime of its own, which a runtime's thread may not).
///
/// ```no_run
/// let Some(db) = test_pg::TempDb::try_create("an_example", "example") else {
///     return Ok(());
/// };
/// let mut client = db.client();
/// client.batch_execute("CREATE TABLE t (x int)")?;
/// # Ok::<(), postgres::Error>(())
/// ```
#[derive(Debug)]
pub struct TempDb {
    server: String,
    admin: Config,
    name: String,
    url: String,
}

impl TempDb {
    /// Creates `rsqlt_<host>_<pid>_<n>_<tag>` (UTF-8, the server's default
    /// locale; `tag` lower-case ASCII letters, digits and `_`). When no
    /// server answers: outside CI a `SKIP <test>` line on stderr and `None`
    /// (the test returns); under `CI=true` the test fails, saying how to
    /// start one.
    pub fn try_create(test: &str, tag: &str) -> Option<TempDb> {
        TempDb::try_create_with(test, tag, Collation::ServerDefault)
    }

    /// Like [`TempDb::try_create`], with the given default collation.
    pub fn try_create_with(test: &str, tag: &str, collation: Collation) -> Option<TempDb> {
        match TempDb::make(tag, collation) {
            Ok(db) => Some(db),
            Err(why) => {
                skip_or_fail(test, &why);
                None
            }
        }
    }

    /// The database, or why the server cannot be reached (its URL's
    /// password hidden). Anything else that fails panics.
    fn make(tag: &str, collation: Collation) -> Result<TempDb, String> {
        assert!(
            is_tag(tag),
            "test database tag {tag:?}: use lower-case ASCII letters, digits and `_`"
        );
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let host = host_token();
        let name = format!(
            "{PREFIX}_{host}_{}_{}_{tag}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        assert!(
            name.len() <= 63,
            "test database name {name} is longer than PostgreSQL's 63 bytes: shorten the tag"
        );
        let server = server_url();
        let shown = redacted(&server);
        let mut admin: Config = server.parse().map_err(|e| {
            format!("DATABASE_URL={shown} is not a PostgreSQL connection string: {e}")
        })?;
        // A server that never answers must not stall the test.
        admin.connect_timeout(Duration::from_secs(10));
        let url = database_url(&server, &name)
            .ok_or_else(|| format!("DATABASE_URL={shown}: the tests need a postgres:// URL"))?;
        let locale = match collation {
            Collation::ServerDefault => "",
            Collation::IcuEnUs => " LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",
        };
        let create = format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'{locale}");
        let config = admin.clone();
        on_own_thread(move || -> Result<(), String> {
            let mut client = config.connect(NoTls).map_err(|e| {
                format!("PostgreSQL at {shown} does not answer: {}", with_causes(&e))
            })?;
            sweep_once(&mut client, &host);
            client
                .batch_execute(&create)
                .unwrap_or_else(|e| panic!("{create} on {shown}: {}", with_causes(&e)));
            Ok(())
        })?;
        Ok(TempDb {
            server,
            admin,
            name,
            url,
        })
    }

    /// The server's connection string (the database to connect to is
    /// [`TempDb::name`]).
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The database's `postgres://` URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A synchronous client connected to the database (not from a thread of
    /// an async runtime: the client starts one of its own).
    pub fn client(&self) -> Client {
        let mut config = self.admin.clone();
        config.dbname(&self.name);
        config.connect(NoTls).unwrap_or_else(|e| {
            panic!(
                "connecting to the test database {} on {}: {}",
                self.name,
                redacted(&self.server),
                with_causes(&e)
            )
        })
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let dropped = on_own_thread(move || {
            admin
                .connect(NoTls)
                .and_then(|mut c| {
                    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                })
                .map_err(|e| with_causes(&e))
        });
        // A panic in drop would abort a failing test: say what is left instead
        // (the next run's sweep drops it).
        if let Err(e) = dropped {
            notice(&format!(
                "could not drop the test database {} on {}: {e}",
                self.name,
                redacted(&self.server)
            ));
        }
    }
}

/// Drops, once per process, the test databases of this machine whose
/// creating process is gone (see [`sweep`]).
fn sweep_once(client: &mut Client, host: &str) {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| {
        for line in sweep(client, host, process_is_running) {
            notice(&line);
        }
    });
}

/// Drops the test databases of the machine `host` whose creating process
/// `running` says is gone, and returns a line for each one dropped or that
/// could not be.
///
/// ```no_run
/// let mut client = postgres::Client::connect(test_pg::DEFAULT_SERVER, postgres::NoTls)?;
/// for line in test_pg::sweep(&mut client, &test_pg::host_token(), |_| false) {
///     println!("{line}");
/// }
/// # Ok::<(), postgres::Error>(())
/// ```
pub fn sweep(client: &mut Client, host: &str, running: impl Fn(u32) -> bool) -> Vec<String> {
    let pattern = format!("{PREFIX}\\_{host}\\_%");
    let names: Vec<String> = match client.query(
        "SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname",
        &[&pattern],
    ) {
        Ok(rows) => rows.iter().map(|r| r.get(0)).collect(),
        Err(e) => {
            return vec![format!(
                "listing test databases left behind: {}",
                with_causes(&e)
            )];
        }
    };
    let mut lines = Vec::new();
    for (name, pid) in leftovers(&names, host, std::process::id(), running) {
        // `creator` took only letters, digits and `_`; quoted all the same.
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        match client.batch_execute(&drop) {
            Ok(()) => lines.push(format!(
                "dropped the test database {name}, left by process {pid}, which is gone"
            )),
            Err(e) => lines.push(format!(
                "could not drop the test database {name}: {}",
                with_causes(&e)
            )),
        }
    }
    lines
}

/// Whether process `pid` runs on this machine (`/proc/<pid>` exists). Where
/// there is no `/proc`, every process counts as running: nothing is swept.
fn process_is_running(pid: u32) -> bool {
    !std::path::Path::new("/proc/self").exists()
        || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Runs `f` on a thread of its own (see [`TempDb`]); its panic goes on in
/// the caller.
fn on_own_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// `url` with any password replaced by `***` (for messages).
///
/// ```
/// assert_eq!(test_pg::redacted("postgres://u:secret@h/db"), "postgres://u:***@h/db");
/// assert_eq!(test_pg::redacted("postgres://u@h/db"), "postgres://u@h/db");
/// ```
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(a connection string)".to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// `e` and the errors under it, `: `-separated ("error connecting to server:
/// Connection refused …").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database left by a process that is gone is dropped; one of this
    /// (running) process and one of another machine stay. (Which processes
    /// count as gone is `leftovers`', tested in its example.)
    #[test]
    fn the_sweep_drops_only_the_databases_of_gone_processes_of_this_machine() {
        let Some(db) = TempDb::try_create("sweep", "sweep") else {
            return;
        };
        let host = host_token();
        let other_host = if host == "00000000" {
            "11111111"
        } else {
            "00000000"
        };
        // Names a killed run would have left (no guard drops them): process
        // 4000000001 is above any number Linux gives, so it is gone for
        // every sweep, another test process's too; this process runs.
        let own = std::process::id();
        let gone = format!("{PREFIX}_{host}_4000000001_0_left");
        let alive = format!("{PREFIX}_{host}_{own}_999999_left");
        let elsewhere = format!("{PREFIX}_{other_host}_4000000001_0_left");
        let admin = db.admin.clone();
        let names = [gone.clone(), alive.clone(), elsewhere.clone()];
        let (lines, left) = on_own_thread(move || {
            let mut c = admin.connect(NoTls).expect("the server answers");
            for n in &names {
                c.batch_execute(&format!("CREATE DATABASE {n} TEMPLATE template0"))
                    .expect("CREATE DATABASE");
            }
            let lines = sweep(&mut c, &host, process_is_running);
            let left: Vec<String> = c
                .query(
                    "SELECT datname FROM pg_database WHERE datname LIKE '%\\_left' ORDER BY 1",
                    &[],
                )
                .expect("pg_database")
                .iter()
                .map(|r| r.get(0))
                .collect();
            for n in &names {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {n}"));
            }
            (lines, left)
        });
        assert!(!left.contains(&gone), "{left:?}");
        assert!(
            left.contains(&alive) && left.contains(&elsewhere),
            "{left:?}"
        );
        // Databases a killed earlier run really left may go too, and another
        // test process's sweep may have dropped `gone` first.
        let ours: Vec<&String> = lines.iter().filter(|l| l.contains("_left")).collect();
        assert!(
            ours.is_empty()
                || ours
                    == [&format!(
                        "dropped the test database {gone}, left by process 4000000001, which is gone"
                    )],
            "{lines:?}"
        );
    }

    /// The guard's database exists while it lives and is gone after.
    #[test]
    fn a_guard_drops_its_database() {
        let Some(db) = TempDb::try_create("guard", "guard") else {
            return;
        };
        let name = db.name().to_owned();
        assert_eq!(creator(&name, &host_token()), Some(std::process::id()));
        let admin = db.admin.clone();
        let exists = move |admin: &Config| {
            let admin = admin.clone();
            let name = name.clone();
            on_own_thread(move || {
                let mut c = admin.connect(NoTls).expect("the server answers");
                c.query_one(
                    "SELECT count(*) FROM pg_database WHERE datname = $1",
                    &[&name],
                )
                .expect("pg_database")
                .get::<_, i64>(0)
            })
        };
        assert_eq!(exists(&admin), 1);
        drop(db);
        assert_eq!(exists(&admin), 0);
    }
}
