//! Building the pool and applying the migrations.

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::config::Host;

use super::error::{self, BACKEND};
use super::options::PgOptions;
use crate::storage::StorageError;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The advisory lock key migrations and loads hold, so that several server
/// processes starting at once on one database take turns
/// (`0x5359_4d42` = "SYMB").
pub(crate) const MIGRATION_LOCK: i64 = 0x5359_4d42;

/// A parsed connection string, its one-line description, and the pool.
pub(crate) struct Connected {
    pub(crate) pool: Pool,
    pub(crate) describe: String,
}

/// Parses `url`, builds the pool of `opts` (no connection is opened yet).
pub(crate) fn pool(url: &str, opts: &PgOptions) -> Result<Connected, StorageError> {
    let config = configure(url, opts)?;
    let describe = describe(&config);
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(opts.max_connections.max(1))
        .wait_timeout(Some(opts.pool_wait))
        .create_timeout(Some(opts.connect_timeout.min(opts.pool_wait)))
        .recycle_timeout(Some(opts.pool_wait))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| StorageError::internal(BACKEND, format!("building the pool: {e}")))?;
    Ok(Connected { pool, describe })
}

/// The connection settings of `url` with `opts`' timeouts: the connect
/// timeout, the statement timeout (a session option), and a TCP user
/// timeout of the answer timeout unless the URL sets one. Without the
/// last, a request cut off by the answer timeout on a database that
/// stopped answering (a fail-over to another address, a network that drops
/// packets) handed its connection back to the pool with its query still
/// queued, and each request after it waited out the timeout again on the
/// same connection until the kernel gave up retransmitting (about 15
/// minutes); now the kernel closes such a connection within the timeout,
/// and the pool drops it (a closed connection is never handed out).
fn configure(url: &str, opts: &PgOptions) -> Result<tokio_postgres::Config, StorageError> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
        // Never the URL itself: it may hold a password.
        StorageError::internal(
            BACKEND,
            format!("the database URL is not a PostgreSQL connection string: {e}"),
        )
    })?;
    config.connect_timeout(opts.connect_timeout);
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(opts.answer_timeout());
    }
    let timeout_ms = opts.statement_timeout.as_millis();
    let options = match config.get_options() {
        Some(o) if !o.is_empty() => format!("{o} -c statement_timeout={timeout_ms}"),
        _ => format!("-c statement_timeout={timeout_ms}"),
    };
    config.options(&options);
    if config.get_application_name().is_none() {
        config.application_name("conversations-store");
    }
    Ok(config)
}

/// `PostgreSQL at host:port/dbname` (never the user or password).
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or_else(|| config.get_user())
        .unwrap_or("postgres");
    format!("{BACKEND} at {host}:{port}/{db}")
}

/// A connection from `pool` within `wait` at the latest, whatever the
/// database does (a connect that hangs is cut off too).
pub(crate) async fn checkout(
    pool: &Pool,
    wait: std::time::Duration,
) -> Result<Object, StorageError> {
    match tokio::time::timeout(wait, pool.get()).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(error::pool(&e)),
        Err(_) => Err(StorageError::unavailable(
            BACKEND,
            format!("no database connection within {} ms", wait.as_millis()),
        )),
    }
}

/// Applies the migrations in `store/migrations` not yet applied (refinery
/// keeps its history in `refinery_schema_history`), holding
/// [`MIGRATION_LOCK`] so concurrent starts apply them once.
pub(crate) async fn migrate(client: &mut Object) -> Result<(), StorageError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(|e| error::db("taking the migration lock", &e))?;
    let pg: &mut tokio_postgres::Client = client;
    let result = embedded::migrations::runner().run_async(pg).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    result.map_err(|e| StorageError::internal(BACKEND, format!("applying migrations: {e}")))?;
    unlock.map_err(|e| error::db("releasing the migration lock", &e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_settings_carry_the_timeouts_and_keep_the_urls_own() {
        let opts = PgOptions::default();
        let c = configure("postgres://u@db.example:5433/app", &opts).unwrap();
        assert_eq!(c.get_tcp_user_timeout(), Some(&opts.answer_timeout()));
        assert_eq!(c.get_connect_timeout(), Some(&opts.connect_timeout));
        let statement = format!(
            "-c statement_timeout={}",
            opts.statement_timeout.as_millis()
        );
        assert_eq!(c.get_options(), Some(statement.as_str()));
        assert_eq!(c.get_application_name(), Some("conversations-store"));
        // The URL's own TCP user timeout, options and name stay.
        let c = configure(
            "postgres://u@db.example/app?tcp_user_timeout=3&options=-c%20work_mem%3D8MB&application_name=x",
            &opts,
        )
        .unwrap();
        assert_eq!(c.get_tcp_user_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(
            c.get_options(),
            Some(format!("-c work_mem=8MB {statement}").as_str())
        );
        assert_eq!(c.get_application_name(), Some("x"));
        // Never the URL in the error: it may hold a password.
        let e = configure("postgres://u:secret@db/app?sslmode=sideways", &opts)
            .err()
            .unwrap()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
    }
}
