//! Fault: the test's own PostgreSQL cluster is stopped (`pg_ctl stop -m
//! immediate`) under two running servers, then started again. While it is
//! down every data route answers 503 in its family's envelope within the
//! pool wait (plus a margin; a request still unanswered after that fails the
//! test as a hang), `/readyz` 503 and `/healthz` 200, and nothing answers
//! another 5xx; once it is back the same requests succeed, with the bodies
//! they had before, without restarting the servers. Then the cluster is
//! paused (SIGSTOP: connections open, nothing answers): every request is
//! answered 503 within the pool wait plus the statement timeout, and once
//! it is resumed (SIGCONT) the servers answer again by themselves.

use std::time::Duration;

use serde_json::Value;

use crate::cluster::Cluster;
use crate::http::{Req, Resp};
use crate::server_proc::{Server, with_auth};
use test_pg::skip_or_fail;

/// The servers' `--pool-wait`.
const POOL_WAIT: &str = "1s";
/// The servers' `--statement-timeout`: with the pool wait, the bound of a
/// request on a database that answers nothing.
const STATEMENT_TIMEOUT: &str = "1s";
/// How long a request may take while the database is down before it counts
/// as a hang: the pool wait and a generous margin for a loaded machine.
const GUARD: Duration = Duration::from_secs(15);

fn id(i: u64) -> String {
    store::generate::conversation(42, i).id
}

/// One read per family and route kind, with the family it answers in.
fn reads() -> Vec<(&'static str, Req)> {
    vec![
        (
            "symbl",
            Req::get(
                "/v1/conversations?filter=conversation.type%3D%3Dcall&sort=-conversation.startTime&limit=5",
            ),
        ),
        ("symbl", Req::get(format!("/v1/conversations/{}", id(5)))),
        (
            "symbl",
            Req::get(format!("/v1/conversations/{}/members", id(5))),
        ),
        (
            "symbl",
            Req::get(format!("/v1/conversations/{}/messages", id(5))),
        ),
        (
            "mongo",
            Req::get("/get-all-conversations?organization_id=acme&user_id=user1"),
        ),
        (
            "whatsapp",
            Req::get("/api/conversations?status=active").no_auth(),
        ),
        (
            "chatbot",
            Req::get("/v1/api/conversation-messages/1?page=1&per_page=5"),
        ),
    ]
}

fn write(n: u32) -> Req {
    Req::put(
        format!("/v1/conversations/{}", id(6)),
        format!(r#"{{"metadata":{{"round":"{n}"}}}}"#),
    )
}

/// The family's error envelope around a 503.
fn assert_unavailable(family: &str, req: &Req, r: &Resp) {
    assert_eq!(
        r.status,
        503,
        "{} {} while down: {}",
        req.method,
        req.path,
        r.text()
    );
    let v = r.json();
    let ok = match family {
        "symbl" => v["message"].is_string(),
        "mongo" => v["error"].is_string(),
        "whatsapp" => v["success"] == Value::Bool(false) && v["error"].is_string(),
        "chatbot" => v["error"]["code"].is_string() && v["error"]["message"].is_string(),
        _ => false,
    };
    assert!(ok, "{family} envelope of {} {}: {v}", req.method, req.path);
}

fn create_database(cluster: &Cluster) {
    let mut c = postgres::Client::connect(&cluster.url("postgres"), postgres::NoTls)
        .expect("connect to the test cluster");
    c.batch_execute("CREATE DATABASE srv_fault TEMPLATE template0 ENCODING 'UTF8'")
        .expect("create the test database");
}

#[test]
fn database_stopped_and_started_under_running_servers() {
    let test = "fault::database_stopped_and_started_under_running_servers";
    let cluster = match Cluster::start_new() {
        Ok(c) => c,
        Err(e) => {
            skip_or_fail(
                test,
                &format!("cannot run a PostgreSQL cluster of its own: {e}"),
            );
            return;
        }
    };
    create_database(&cluster);
    let mut args = with_auth(&[
        "--demo",
        "--demo-size",
        "300",
        "--demo-until",
        "2022-01-01T00:00:00Z",
        "--pool-wait",
        POOL_WAIT,
        "--pool-size",
        "4",
        "--statement-timeout",
        STATEMENT_TIMEOUT,
    ]);
    args.extend(["--database-url".to_owned(), cluster.url("srv_fault")]);
    let servers = [Server::start(&args), Server::start(&args)];

    let mut before = Vec::new();
    for s in &servers {
        assert_eq!(Req::get("/readyz").no_auth().send(&s.base).status, 200);
        assert_eq!(write(0).send(&s.base).status, 200);
    }
    for s in &servers {
        for (_, req) in reads() {
            let r = req.send(&s.base);
            assert_eq!(r.status, 200, "{} {}: {}", req.method, req.path, r.text());
            before.push(r.body);
        }
    }

    cluster.stop_immediate().expect("stop the cluster");
    // Several rounds: the first meets the broken pooled connections, the
    // later ones new connection attempts that are refused.
    for round in 1..=3 {
        for s in &servers {
            let health = Req::get("/healthz").no_auth().send_within(&s.base, GUARD);
            assert_eq!(health.map(|r| r.status), Ok(200), "liveness stays 200");
            let ready = Req::get("/readyz")
                .no_auth()
                .send_within(&s.base, GUARD)
                .unwrap();
            assert_eq!(ready.status, 503, "/readyz while down: {}", ready.text());
            for (family, req) in reads() {
                let r = req.send_within(&s.base, GUARD).unwrap_or_else(|e| {
                    panic!("{} {} while down: no answer ({e})", req.method, req.path)
                });
                assert_unavailable(family, &req, &r);
            }
            let req = write(round);
            let r = req.send_within(&s.base, GUARD).unwrap();
            assert_unavailable("symbl", &req, &r);
        }
    }

    cluster.start().expect("start the cluster again");
    for s in &servers {
        // Ready again without a restart (a bounded number of polls; each
        // answers within the pool wait).
        let mut ready = false;
        for _ in 0..120 {
            let r = Req::get("/readyz")
                .no_auth()
                .send_within(&s.base, GUARD)
                .unwrap();
            assert!(r.status == 200 || r.status == 503, "/readyz: {}", r.text());
            if r.status == 200 {
                ready = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        assert!(
            ready,
            "{} never became ready again:\n{}",
            s.base,
            s.output()
        );
    }
    let mut after = Vec::new();
    for s in &servers {
        for (_, req) in reads() {
            let r = req.send(&s.base);
            assert_eq!(
                r.status,
                200,
                "{} {} after the restart: {}",
                req.method,
                req.path,
                r.text()
            );
            after.push(r.body);
        }
    }
    assert!(before == after, "the reads answer as before the stop");
    let r = Req::get(format!("/v1/conversations/{}", id(6))).send(&servers[1].base);
    assert_eq!(
        r.json()["metadata"]["round"],
        "0",
        "a write answered 503 was applied"
    );
    for s in &servers {
        assert_eq!(
            write(9).send(&s.base).status,
            200,
            "a write after the restart"
        );
    }

    // Paused: nothing closes, nothing answers. Every request, from both
    // servers at once, is answered 503 within the bound (GUARD catches a
    // hang); none is left waiting on the database.
    cluster.signal("STOP").expect("pause the cluster");
    std::thread::scope(|scope| {
        for s in &servers {
            for (family, req) in reads().into_iter().chain([("symbl", write(10))]) {
                scope.spawn(move || {
                    let r = req.send_within(&s.base, GUARD).unwrap_or_else(|e| {
                        panic!("{} {} while paused: no answer ({e})", req.method, req.path)
                    });
                    assert_unavailable(family, &req, &r);
                });
            }
        }
    });
    let ready = Req::get("/readyz")
        .no_auth()
        .send_within(&servers[0].base, GUARD)
        .unwrap();
    assert_eq!(ready.status, 503, "/readyz while paused: {}", ready.text());
    cluster.signal("CONT").expect("resume the cluster");
    for s in &servers {
        let mut answered = false;
        for _ in 0..120 {
            let r = reads()[0].1.send_within(&s.base, GUARD).unwrap();
            assert!(
                r.status == 200 || r.status == 503,
                "after the resume: {}",
                r.text()
            );
            if r.status == 200 {
                answered = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        assert!(
            answered,
            "{} never answered after the resume:\n{}",
            s.base,
            s.output()
        );
        assert_eq!(
            write(11).send(&s.base).status,
            200,
            "a write after the resume"
        );
    }
}
