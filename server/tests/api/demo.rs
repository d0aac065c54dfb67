//! Demo data reaching "now" (`api.md` §2.6): the Symbl conversations span
//! the 365 days that end at start-up, `--demo-until` pins the end (2022-01-01
//! gives exactly the 2021 data set of the benches), and every curl of the
//! banner works as printed.

use clap::Parser;
use serde_json::Value;
use server::{Config, Data};

use crate::banner::{Curl, rows_in};
use crate::proc::spawn;

const DAY_MS: i64 = 86_400_000;

#[test]
fn demo_until_2022_is_the_benches_2021_data_set_byte_for_byte() {
    let cfg = Config::parse_from([
        "rsql-server",
        "--demo",
        "--demo-size",
        "1500",
        "--demo-until",
        "2022-01-01T00:00:00Z",
    ]);
    let (data, summary) = Data::from_config(&cfg).unwrap();
    assert_eq!(
        summary.demo_span,
        Some((1_609_459_200_000, 1_640_995_200_000))
    );
    let s = &data.symbl;
    let mut served: Vec<String> = s
        .iter()
        .map(|c| serde_json::to_string(&c).unwrap())
        .collect();
    served.sort();
    let mut jsonl = Vec::new();
    store::generate::write_jsonl(42, 1500, &mut jsonl).unwrap();
    let mut expected: Vec<String> = String::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    expected.sort();
    assert!(
        served == expected,
        "the pinned demo differs from the bench data"
    );
    // The messages too.
    for i in [0u64, 999] {
        let c = store::generate::conversation(42, i);
        assert_eq!(
            format!("{:?}", s.messages(&c.id).unwrap()),
            format!("{:?}", store::generate::messages(42, &c))
        );
    }
}

#[test]
fn by_default_the_data_ends_at_start_up() {
    let before = chrono::Utc::now().timestamp_millis();
    let cfg = Config::parse_from(["rsql-server", "--demo", "--demo-size", "3000"]);
    let (data, summary) = Data::from_config(&cfg).unwrap();
    let after = chrono::Utc::now().timestamp_millis();
    let (from, until) = summary.demo_span.unwrap();
    assert!((before..=after).contains(&until));
    assert_eq!(until - from, 365 * DAY_MS);
    let s = &data.symbl;
    let starts: Vec<i64> = s.iter().map(|c| c.start_time).collect();
    assert!(starts.iter().all(|t| (from..until).contains(t)));
    // About 3000 × 7 / 365 ≈ 57 in the last week.
    let last_week = starts.iter().filter(|&&t| t >= until - 7 * DAY_MS).count();
    assert!(last_week > 20, "{last_week}");
}

#[tokio::test]
async fn every_banner_curl_works_and_the_first_call_returns_data() {
    let srv = spawn(&["--demo", "--demo-size", "3000"], &[]);
    let text = srv.banner.join("\n");
    assert!(text.contains("data: memory only"), "{text}");
    assert!(
        text.contains("Symbl conversations start between "),
        "{text}"
    );
    assert!(
        text.contains("chatbot conversation ids: 1 to 100"),
        "{text}"
    );
    let curls: Vec<&String> = srv
        .banner
        .iter()
        .filter(|l| l.starts_with("curl "))
        .collect();
    assert_eq!(curls.len(), 6, "{text}");
    let client = reqwest::Client::new();
    for line in curls {
        let Curl {
            method,
            headers,
            body,
            url,
        } = Curl::parse(line);
        if body.is_some() {
            assert!(
                headers
                    .iter()
                    .any(|h| h == "Content-Type: application/json"),
                "{line}"
            );
        }
        let mut rb = client.request(method.parse().unwrap(), url);
        for h in headers {
            let (k, v) = h.split_once(": ").unwrap();
            rb = rb.header(k, v);
        }
        if let Some(b) = body {
            rb = rb.body(b);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 200, "{line}");
        let v: Value = r.json().await.unwrap();
        assert!(rows_in(&v) > 0, "{line}: {v}");
    }
}

#[tokio::test]
async fn pinned_to_2021_the_banner_shows_the_range_and_no_plain_call() {
    let srv = spawn(
        &[
            "--demo",
            "--demo-size",
            "200",
            "--demo-until",
            "2022-01-01T00:00:00Z",
        ],
        &[],
    );
    let text = srv.banner.join("\n");
    assert!(
        text.contains("start between 2021-01-01T00:00:00Z and 2022-01-01T00:00:00Z"),
        "{text}"
    );
    assert!(!text.contains("'/v1/conversations'") && !text.contains("/v1/conversations'\n"));
    assert!(
        !srv.banner.iter().any(|l| l.ends_with("/v1/conversations'")),
        "{text}"
    );
}
