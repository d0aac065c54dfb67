//! The database not answering: a clear unavailable error (503), bounded by
//! the pool's wait, never a hang or a panic.

use std::time::Duration;

use store::pg::{PgOptions, PgStorage};
use store::storage::{Storage, StorageErrorKind};

use crate::support::{TempDb, runtime};

/// The hang guard: far above every wait configured here.
const GUARD: Duration = Duration::from_secs(60);

fn is_unavailable(e: &store::storage::StorageError) -> bool {
    matches!(
        e.kind(),
        StorageErrorKind::Unavailable {
            backend: "PostgreSQL",
            ..
        }
    )
}

#[test]
fn a_closed_port_is_unavailable() {
    let rt = runtime();
    rt.block_on(async {
        // A port nobody listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("postgres://postgres:secret-pw@127.0.0.1:{port}/nowhere");
        let opts = PgOptions::default().with_pool_wait(Duration::from_millis(300));
        let err = tokio::time::timeout(GUARD, PgStorage::connect(&url, opts))
            .await
            .expect("connect returned")
            .unwrap_err();
        assert!(is_unavailable(&err), "{err}");
        assert!(!err.to_string().contains("secret-pw"), "{err}");
    });
}

#[test]
fn a_server_that_never_answers_is_unavailable_within_the_wait() {
    let rt = runtime();
    rt.block_on(async {
        // Accepts connections and never says a word.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = tokio::spawn(async move {
            let mut conns = Vec::new();
            while let Ok((c, _)) = listener.accept().await {
                conns.push(c);
            }
        });
        let url = format!("postgres://postgres@127.0.0.1:{port}/silent");
        let opts = PgOptions::default()
            .with_pool_wait(Duration::from_millis(300))
            .with_connect_timeout(Duration::from_secs(30));
        let err = tokio::time::timeout(GUARD, PgStorage::connect(&url, opts))
            .await
            .expect("the pool's wait bounds the connect")
            .unwrap_err();
        assert!(is_unavailable(&err), "{err}");
        held.abort();
    });
}

#[test]
fn a_database_that_goes_away_is_unavailable_then_recovers() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("away")) else {
        return;
    };
    rt.block_on(async {
        let pg = db
            .storage(
                PgOptions::default()
                    .with_max_connections(2)
                    .with_pool_wait(Duration::from_millis(500)),
            )
            .await;
        pg.ready().await.unwrap();
        // Kill this database's connections from outside (as a restart does).
        let client = db.client().await;
        let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                    WHERE datname = current_database() AND pid <> pg_backend_pid()";
        client.batch_execute(kill).await.unwrap();
        // The broken connection fails once, as unavailable; then the pool
        // opens a new one and the storage answers again.
        let mut unavailable = 0;
        let mut ok = false;
        for _ in 0..4 {
            match tokio::time::timeout(GUARD, pg.ready())
                .await
                .expect("no hang")
            {
                Ok(()) => {
                    ok = true;
                    break;
                }
                Err(e) => {
                    assert!(is_unavailable(&e), "{e}");
                    unavailable += 1;
                }
            }
        }
        assert!(ok, "did not recover after {unavailable} failures");
    });
}
