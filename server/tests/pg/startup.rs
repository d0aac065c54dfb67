//! Start-up with a database: flag validation, an unreachable database
//! (a bounded wait, then an error naming host and port, never the
//! password), and the seed-once rule of the data flags (the same data again
//! is skipped and writes made since are kept; other data is refused unless
//! `--replace-data`).

use crate::http::Req;
use crate::server_proc::{Server, run_to_exit, with_auth};
use test_pg::TempDb;

const ALL_2021: &str =
    "/v1/conversations?startTime=2021-01-01T00:00:00Z&endTime=2022-01-01T00:00:00Z&limit=0";

fn total(srv: &Server) -> String {
    let r = Req::get(ALL_2021).send(&srv.base);
    assert_eq!(r.status, 200, "{}", r.text());
    r.header("x-total-count").unwrap().to_owned()
}

#[test]
fn bad_flags_are_refused_naming_the_flag() {
    let cases: [(&[&str], &str); 9] = [
        (
            &["--database-url", "mysql://root:pw-secret@host/db"],
            "postgres://",
        ),
        (&["--database-url", "postgres://"], "no host"),
        (&["--pool-size", "0"], "--pool-size"),
        (&["--pool-size", "1001"], "--pool-size"),
        (&["--pool-wait", "61s"], "at most 60 s"),
        (&["--count-cache", "100001"], "--count-cache"),
        (&["--count-cache", "many"], "--count-cache"),
        (&["--page-cache-mib", "1025"], "--page-cache-mib"),
        (&["--pattern-cache-mib", "1025"], "--pattern-cache-mib"),
    ];
    for (args, expect) in cases {
        let (code, _, err) = run_to_exit(args, &[]);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(
            !err.contains("pw-secret"),
            "{args:?} echoes the password: {err}"
        );
    }
    // The limits themselves: accepted.
    use clap::Parser;
    let cfg = server::Config::parse_from([
        "rsql-server",
        "--database-url",
        "postgres://db-host/conversations",
        "--pool-size",
        "1000",
        "--pool-wait",
        "60s",
    ]);
    assert_eq!((cfg.pool_size, cfg.pool_wait.as_secs()), (1000, 60));
    let cfg = server::Config::parse_from([
        "rsql-server",
        "--database-url",
        "postgres://db-host/conversations",
        "--count-cache",
        "100000",
        "--page-cache-mib",
        "1024",
    ]);
    assert_eq!((cfg.count_cache, cfg.page_cache_mib), (100_000, 1_024));
    // In memory (a server process: the tests' own environment may hold
    // DATABASE_URL, with which the flag is refused), at the limit and off.
    for mib in ["1024", "0"] {
        let srv = Server::start(&with_auth(&[
            "--pattern-cache-mib",
            mib,
            "--demo",
            "--demo-size",
            "10",
        ]));
        let r = Req::get("/v1/conversations?filter=conversation.name==*a*&limit=1").send(&srv.base);
        assert_eq!(r.status, 200, "--pattern-cache-mib {mib}: {}", r.text());
    }
    let (code, _, err) = run_to_exit(&["--replace-data", "--demo", "--demo-size", "10"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--replace-data") && err.contains("--database-url"),
        "{err}"
    );
}

/// The PostgreSQL settings do nothing without a database: given (as a flag or
/// in the environment) without `--database-url`, start-up stops naming both,
/// rather than running in memory as if they applied.
#[test]
fn postgres_settings_without_a_database_are_refused() {
    for flag in [
        "--pool-size",
        "--pool-wait",
        "--count-cache",
        "--page-cache-mib",
    ] {
        let value = if flag.ends_with("wait") || flag.ends_with("timeout") {
            "1s"
        } else {
            "4"
        };
        let (code, _, err) = run_to_exit(&[flag, value, "--demo", "--demo-size", "10"], &[]);
        assert_eq!(code, Some(2), "{flag}: {err}");
        assert!(
            err.contains("--database-url") && err.contains(flag),
            "{flag}: {err}"
        );
    }
    let (code, _, err) = run_to_exit(
        &["--demo", "--demo-size", "10"],
        &[("RSQL_COUNT_CACHE", "0")],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--database-url"), "{err}");
}

/// The in-memory pattern cache does nothing on PostgreSQL: with
/// `--database-url` it stops start-up, as a flag or from the environment.
#[test]
fn the_memory_pattern_cache_with_a_database_is_refused() {
    let url = "postgres://db-host/conversations";
    let (code, _, err) = run_to_exit(&["--database-url", url, "--pattern-cache-mib", "4"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--pattern-cache-mib") && err.contains("--database-url"),
        "{err}"
    );
    let (code, _, err) = run_to_exit(&["--database-url", url], &[("RSQL_PATTERN_CACHE_MIB", "4")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--pattern-cache-mib"), "{err}");
}

#[test]
fn an_unreachable_database_stops_start_up_naming_host_and_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    // The listener is closed again: nothing answers on `port`.
    let url = format!("postgres://app:pw-secret@127.0.0.1:{port}/nowhere");
    let (code, out, err) = run_to_exit(&["--database-url", &url], &[]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(!out.contains("listening on"), "{out}");
    assert!(
        !err.contains("pw-secret") && !out.contains("pw-secret"),
        "the password is printed: {err}"
    );
    // Through the environment variable too.
    let (code, _, err) = run_to_exit(&[], &[("DATABASE_URL", url.as_str())]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(!err.contains("pw-secret"), "{err}");
}

/// What the other three families answer: (`X-Total-Count`, body) of a
/// Mongo find, the WhatsApp list and a chatbot page.
fn families(srv: &Server) -> Vec<(Option<String>, Vec<u8>)> {
    [
        Req::get("/get-all-conversations?organization_id=acme"),
        Req::get("/api/conversations?limit=1000").no_auth(),
        Req::get("/v1/api/conversation-messages/7?per_page=100"),
    ]
    .iter()
    .map(|req| {
        let r = req.send(&srv.base);
        assert_eq!(r.status, 200, "{}: {}", req.path, r.text());
        (r.header("x-total-count").map(str::to_owned), r.body)
    })
    .collect()
}

fn demo(db: &TempDb, size: &str, extra: &[&str]) -> Vec<String> {
    let mut a = with_auth(&[
        "--demo",
        "--demo-size",
        size,
        "--demo-until",
        "2022-01-01T00:00:00Z",
    ]);
    a.extend(["--database-url".to_owned(), db.url().to_owned()]);
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    a
}

#[test]
fn data_flags_seed_once_and_replace_only_when_asked() {
    let test = "startup::data_flags_seed_once_and_replace_only_when_asked";
    let Some(db) = TempDb::try_create(test, "seed") else {
        return;
    };
    let id = store::generate::conversation(42, 3).id;
    let seeded;
    {
        let srv = Server::start(&demo(&db, "200", &[]));
        assert_eq!(total(&srv), "200");
        seeded = families(&srv);
        let r = Req::put(
            format!("/v1/conversations/{id}"),
            r#"{"metadata":{"kept":"yes"}}"#,
        )
        .send(&srv.base);
        assert_eq!(r.status, 200, "{}", r.text());
    }
    // The same data again: skipped, the write made since is kept.
    {
        let srv = Server::start(&demo(&db, "200", &[]));
        assert_eq!(total(&srv), "200");
        let r = Req::get(format!("/v1/conversations/{id}")).send(&srv.base);
        assert_eq!(r.json()["metadata"]["kept"], "yes");
        assert!(
            families(&srv) == seeded,
            "the other families changed on a restart"
        );
        srv.wait_for_output("already loaded");
    }
    // Other data: refused, naming the flag and the way out. The same seed
    // and size over another year is other data too.
    let mut other_year = demo(&db, "200", &[]);
    for a in &mut other_year {
        if a == "2022-01-01T00:00:00Z" {
            *a = "2021-06-01T00:00:00Z".to_owned();
        }
    }
    for args in [demo(&db, "300", &[]), other_year] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = run_to_exit(&args, &[]);
        assert_ne!(code, Some(0), "{out}{err}");
        assert!(
            err.contains("--demo") && err.contains("--replace-data"),
            "{err}"
        );
    }
    // Nothing changed by the refusals.
    {
        let srv = Server::start(&demo(&db, "200", &[]));
        assert_eq!(total(&srv), "200");
    }
    // Replaced when asked: the new data, the old writes gone.
    let srv = Server::start(&demo(&db, "300", &["--replace-data"]));
    assert_eq!(total(&srv), "300");
    let r = Req::get(format!("/v1/conversations/{id}")).send(&srv.base);
    assert!(r.json()["metadata"].get("kept").is_none(), "{}", r.text());
}

#[test]
fn symbl_data_file_loads_into_the_database_once() {
    let test = "startup::symbl_data_file_loads_into_the_database_once";
    let Some(db) = TempDb::try_create(test, "file") else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "pg-symbl-{}-{}",
        std::process::id(),
        db.url().rsplit('/').next().unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("conversations.jsonl");
    let mut jsonl = Vec::new();
    store::generate::write_jsonl(7, 250, &mut jsonl).unwrap();
    // One bad line, reported and skipped as the in-memory loader does.
    jsonl.extend_from_slice(b"{\"id\":\"broken\"}\n");
    std::fs::write(&file, &jsonl).unwrap();
    let path = file.to_str().unwrap();
    let args = |db: &TempDb| {
        let mut a = with_auth(&["--symbl-data", path]);
        a.extend(["--database-url".to_owned(), db.url().to_owned()]);
        a
    };
    let mem = Server::start(&with_auth(&["--symbl-data", path]));
    for round in 0..2 {
        let srv = Server::start(&args(&db));
        assert_eq!(total(&srv), "250", "round {round}");
        // The same answers as the in-memory server over the same file.
        for q in [
            "/v1/conversations?startTime=2021-01-01T00:00:00Z&endTime=2022-01-01T00:00:00Z&limit=40&sort=-conversation.name",
            "/v1/conversations?filter=conversation.type%3D%3Dcall&limit=300",
        ] {
            let (a, b) = (Req::get(q).send(&mem.base), Req::get(q).send(&srv.base));
            assert_eq!(
                (a.status, a.header("x-total-count")),
                (b.status, b.header("x-total-count")),
                "{q}"
            );
            assert!(a.body == b.body, "{q}: bodies differ");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
