//! The rate limiter (`api.md` §2.0, A-4): GCRA per client on the server's
//! clock (moved by hand here, never slept on), `RateLimit-*` on every
//! answer that passed it and on the 429 (with `Retry-After`).

use server::Data;

use crate::common::{Resp, get, req, state_with};
use crate::proc::spawn;

fn rate_headers(r: &Resp) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        r.header("ratelimit-limit"),
        r.header("ratelimit-remaining"),
        r.header("ratelimit-reset"),
    )
}

#[tokio::test]
async fn a_burst_across_a_window_edge_passes_at_most_the_limit() {
    // NOW_MS is a minute boundary: a fixed window would reset between the
    // two halves of this burst and let 10 of 12 through.
    let (s, clock) = state_with(&["--rate-limit", "5", "--rate-period", "60"], Data::empty());
    clock.advance_ms(59_000);
    let mut passed = 0;
    for _ in 0..6 {
        let r = get("/healthz").send(&s).await;
        passed += usize::from(r.status == 200);
    }
    clock.advance_ms(2_000);
    for _ in 0..6 {
        let r = get("/healthz").send(&s).await;
        passed += usize::from(r.status == 200);
        assert!(r.header("ratelimit-limit").is_some());
    }
    assert_eq!(passed, 5);
}

#[tokio::test]
async fn at_the_limit_and_past_it() {
    let (s, clock) = state_with(&["--rate-limit", "3", "--rate-period", "30"], Data::empty());
    let mut seen = Vec::new();
    for _ in 0..3 {
        let r = get("/healthz").send(&s).await;
        assert_eq!(r.status, 200);
        assert!(r.header("retry-after").is_none());
        let (l, rem, reset) = rate_headers(&r);
        seen.push((
            l.unwrap().to_owned(),
            rem.unwrap().to_owned(),
            reset.unwrap().to_owned(),
        ));
    }
    assert_eq!(
        seen,
        [("3", "2", "10"), ("3", "1", "20"), ("3", "0", "30")].map(|(a, b, c)| (
            a.to_owned(),
            b.to_owned(),
            c.to_owned()
        ))
    );
    // Past the limit: 429 in the family's envelope, every header.
    let r = get("/v1/conversations").auth().send(&s).await;
    assert_eq!(r.status, 429);
    assert_eq!(rate_headers(&r), (Some("3"), Some("0"), Some("30")));
    assert_eq!(r.header("retry-after"), Some("10"));
    assert_eq!(
        r.json()["message"],
        "rate limit of 3 requests exceeded, retry in 10 s"
    );
    // 9.999 s later still refused; at 10 s one request passes again.
    clock.advance_ms(9_999);
    let r = get("/healthz").send(&s).await;
    assert_eq!(
        (r.status.as_u16(), r.header("retry-after")),
        (429, Some("1"))
    );
    clock.advance_ms(1);
    let r = get("/healthz").send(&s).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    // The whole budget is back after the period.
    clock.advance_ms(30_000);
    let r = get("/healthz").send(&s).await;
    assert_eq!(r.header("ratelimit-remaining"), Some("2"));
}

#[tokio::test]
async fn every_limited_answer_carries_the_headers() {
    let (s, _) = state_with(&["--rate-limit", "10"], Data::demo(1, 10));
    let answers = [
        get("/nope").send(&s).await,                            // 404
        req("DELETE", "/healthz").send(&s).await,               // 405
        get("/v1/conversations").send(&s).await,                // 401
        get("/v1/conversations?limit=x").auth().send(&s).await, // 400
        req("HEAD", "/healthz").send(&s).await,                 // HEAD
        get("/api/conversations").send(&s).await,               // 200
    ];
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [404, 405, 401, 400, 200, 200]);
    for (i, r) in answers.iter().enumerate() {
        assert_eq!(r.header("ratelimit-limit"), Some("10"), "answer {i}");
        assert_eq!(
            r.header("ratelimit-remaining"),
            Some((9 - i).to_string().as_str()),
            "answer {i}"
        );
        assert!(r.header("ratelimit-reset").is_some(), "answer {i}");
    }
}

#[test]
fn limiter_flags_are_checked() {
    for args in [
        ["--rate-limit", "0"],
        ["--rate-limit", "1000001"],
        ["--rate-period", "0"],
        ["--rate-period", "86401"],
    ] {
        let out = crate::proc::run_to_exit(&args, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(args[0]), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn over_tcp_the_client_address_is_the_key() {
    let srv = spawn(
        &[
            "--rate-limit",
            "2",
            "--rate-period",
            "3600",
            "--static-token",
            "t",
        ],
        &[],
    );
    let c = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let r = c.get(format!("{}/healthz", srv.base)).send().await.unwrap();
        statuses.push(r.status().as_u16());
        last = Some(r);
    }
    assert_eq!(statuses, [200, 200, 429]);
    let r = last.unwrap();
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(h("ratelimit-limit").as_deref(), Some("2"));
    assert_eq!(h("ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(h("retry-after").as_deref(), Some("1800"));
    assert_eq!(h("ratelimit-reset").as_deref(), Some("3600"));
    assert!(h("x-request-id").is_some());
    // Another client address has a budget of its own (127.0.0.2 is this
    // machine too): it passes while the first is still refused.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let mut statuses = Vec::new();
    for client in [&other, &other, &c, &other] {
        let r = client.get(format!("{}/healthz", srv.base)).send().await;
        statuses.push(r.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 429]);
}
