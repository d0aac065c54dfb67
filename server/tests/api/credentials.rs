//! Credentials (`api.md` §2.0, §2.1): no built-in pair, `--app ID:SECRET`
//! repeatable, `DEMO_APP_ID`/`DEMO_APP_SECRET` as one more pair, a
//! half-given or malformed pair refused at start-up (exit 2, naming the
//! setting), and a random pair for `--demo` when none is configured.

use clap::Parser;
use serde_json::Value;
use server::{AppState, Clock, Config, Data};

use crate::banner::Curl;
use crate::common::{NOW_MS, req};
use crate::proc::{run_to_exit, spawn};

fn token_body(id: &str, secret: &str) -> String {
    serde_json::json!({"type": "application", "appId": id, "appSecret": secret}).to_string()
}

fn state(args: &[&str]) -> AppState {
    let mut all = vec!["rsql-server"];
    all.extend_from_slice(args);
    let cfg = Config::parse_from(all);
    cfg.validate().unwrap();
    AppState::with_clock(cfg, Data::empty(), Clock::manual(NOW_MS))
}

#[tokio::test]
async fn several_pairs_each_get_their_own_token() {
    let s = state(&[
        "--app",
        "one:secret-1",
        "--app",
        "two:sec:ret:2",
        "--app",
        "four:x,five:y",
        "--app-id",
        "three",
        "--app-secret",
        "secret-3",
    ]);
    let mut tokens = Vec::new();
    for (id, secret) in [
        ("one", "secret-1"),
        ("two", "sec:ret:2"),
        ("four", "x,five:y"),
        ("three", "secret-3"),
    ] {
        let r = req("POST", "/oauth2/token:generate")
            .json_body(&token_body(id, secret))
            .send(&s)
            .await;
        assert_eq!(r.status, 200, "{id}: {}", r.text());
        let t = r.json()["accessToken"].as_str().unwrap().to_owned();
        let r = crate::common::get("/v1/conversations")
            .header("authorization", &format!("Bearer {t}"))
            .send(&s)
            .await;
        assert_eq!(r.status, 200, "{id}'s token: {}", r.text());
        tokens.push(t);
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 4);
    // A secret of another pair, or no pair at all, is refused; a comma in a
    // secret never splits it into two pairs.
    for (id, secret) in [
        ("one", "secret-3"),
        ("four", "x"),
        ("five", "y"),
        ("demo-app", "demo-secret"),
        ("two", "sec"),
    ] {
        let r = req("POST", "/oauth2/token:generate")
            .json_body(&token_body(id, secret))
            .send(&s)
            .await;
        assert_eq!(r.status, 401, "{id}/{secret}");
    }
}

#[tokio::test]
async fn no_built_in_pair() {
    let s = state(&["--demo"]);
    assert!(s.config.app_credentials().is_empty());
    let r = req("POST", "/oauth2/token:generate")
        .json_body(&token_body("demo-app", "demo-secret"))
        .send(&s)
        .await;
    assert_eq!(r.status, 401);
}

/// Arguments, environment, and the setting the error must name.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn half_or_malformed_pairs_stop_start_up_naming_the_setting() {
    let cases: &[Case<'_>] = &[
        (
            &["--demo"],
            &[("DEMO_APP_ID", "only-id"), ("DEMO_APP_SECRET", "")],
            "DEMO_APP_SECRET",
        ),
        (
            &["--demo"],
            &[("DEMO_APP_ID", "only-id")],
            "DEMO_APP_SECRET",
        ),
        (&[], &[("DEMO_APP_SECRET", "only-secret")], "DEMO_APP_ID"),
        (
            &[],
            &[("DEMO_APP_ID", ""), ("DEMO_APP_SECRET", "")],
            "DEMO_APP_ID",
        ),
        (&["--app", "no-colon"], &[], "--app"),
        (&["--app", ":secret"], &[], "--app"),
        (&["--app", "id:"], &[], "--app"),
        (&[], &[("RSQL_APPS", "a:")], "--app"),
        (&["--demo-until", "yesterday"], &[], "--demo-until"),
    ];
    for (args, env, named) in cases {
        let out = run_to_exit(args, env);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {err}");
        assert!(
            err.contains(named),
            "{args:?} {env:?} should name {named}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?} {env:?} printed a banner");
    }
}

#[tokio::test]
async fn demo_without_a_pair_makes_a_random_one_and_prints_it() {
    let mut pairs = Vec::new();
    for _ in 0..2 {
        let srv = spawn(&["--demo", "--demo-size", "100"], &[]);
        let line = srv
            .banner
            .iter()
            .find(|l| l.contains("/oauth2/token:generate"))
            .expect("a token curl")
            .clone();
        let body = Curl::parse(&line).body.expect("a -d body");
        let v: Value = serde_json::from_str(&body).unwrap();
        let (id, secret) = (
            v["appId"].as_str().unwrap().to_owned(),
            v["appSecret"].as_str().unwrap().to_owned(),
        );
        assert!(
            id.starts_with("demo-") && secret.len() == 32,
            "{id} {secret}"
        );
        assert!(srv.banner.iter().any(|l| l.contains("app pair generated")));
        let c = reqwest::Client::new();
        let r = c
            .post(format!("{}/oauth2/token:generate", srv.base))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = c
            .post(format!("{}/oauth2/token:generate", srv.base))
            .header("content-type", "application/json")
            .body(token_body("demo-app", "demo-secret"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "no built-in pair");
        pairs.push((id, secret));
    }
    assert_ne!(pairs[0], pairs[1], "a new random pair per run");
}

#[tokio::test]
async fn configured_pairs_are_used_and_no_pair_is_generated() {
    let srv = spawn(
        &[
            "--demo",
            "--demo-size",
            "100",
            "--app",
            "cli-app:cli-secret",
        ],
        &[("RSQL_APPS", "ignored:since-the-flag-wins")],
    );
    assert!(!srv.banner.iter().any(|l| l.contains("app pair generated")));
    assert!(srv.banner.iter().any(|l| l.contains("cli-app")));
    assert!(
        !srv.banner.iter().any(|l| l.contains("cli-secret")),
        "secret echoed"
    );
    let r = reqwest::Client::new()
        .post(format!("{}/oauth2/token:generate", srv.base))
        .header("content-type", "application/json")
        .body(token_body("cli-app", "cli-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
