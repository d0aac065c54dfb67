//! The hand-written speed tricks of issue 12, each timed against the
//! well-kept crate it stood in for, on the store generator's data (seed 42):
//! conversation ids, names, e-mails, member ids and metadata values, the
//! timestamps of the data file, 32-byte tokens. A summary table of
//! `project ÷ crate` medians is printed at the end.
//!
//! Every `project` contender calls the project's real public function; where
//! the code is private, the smallest public function that uses it:
//!
//! | group | `project` | the crate |
//! |---|---|---|
//! | `json_str` | `store::json::write_str` | `serde_json::to_writer` of the `&str` |
//! | `json_conversation` | `store::json::write_owned` (strings and timestamps) | `serde_json::to_writer` of the `Conversation` (serde and chrono) |
//! | `json_read` | `Conversation::from_json` of each data-file line (the fast reader takes them) | the same function and lines with the `id` key written `"\u0069d"`, an escape the fast reader leaves to serde_json: the reader it stands in for, with the same validation after it |
//! | `time_write` | `store::json::write_time` (hand-written, kept) | chrono's `to_rfc3339_opts(Millis, true)`, quoted |
//! | `time_parse` | `store::time::parse_rfc3339_ms` | chrono's `DateTime::parse_from_rfc3339` |
//! | `id_lookup` | `Store::contains` (the id map is private) over 100 000 rows | `HashMap<Arc<str>, u32>` with foldhash; `hashbrown::HashTable<u32>` |
//! | `token_hex` | `TokenStore::generate` issuing a new token (its hex is private) | `getrandom` and `faster_hex::hex_string`; and `hex::encode` |
//! | `request_id` | `/healthz` through `server::routes` without `X-Request-Id` (a fresh id in hex; private) | the same request echoing a sent id (no hex at all) |
//!
//! Only the RFC 3339 writer kept its hand-written code: it is the one trick
//! of issue 12 that won on a route-level figure (see `benches/README.md`);
//! the fast line reader of issue 17 (`json_read`) came later and won too. The others (an
//! eight-bytes-at-a-time escape check, an RFC 3339 parser, a pass-through
//! hasher with an overflow map, two hex encoders) were replaced by the crate,
//! so their groups now time the project's function, crate inside, against the
//! crate called directly: a wrapper that costs something shows up there. The
//! commit that added this bench (before the replacements) times the tricks
//! themselves.
//!
//! `TRICKS_ROUTE` runs one fixed route-level workload instead of criterion,
//! prints its wall times and exits; run it natively for time and under
//! callgrind for instruction counts (the decisions used both):
//!
//! * `load`: `store::load::load_jsonl_file` of the store bench's data file
//!   (`TRICKS_N` conversations, default 100 000; written on first use),
//!   `TRICKS_REPEAT` times (default 3) into a fresh store (function `load_route`).
//! * `get`: after that load, the store's part of `GET /v1/conversations/{id}`
//!   (`Store::get_ref` and `ConversationRef::write_json`) for every id, in file
//!   order (function `get_route`).
//! * `healthz`: `TRICKS_REQUESTS` (default 20 000) `GET /healthz` through
//!   `server::routes` and `warp::test`, no `X-Request-Id` (function `healthz_route`).
//! * `token`: `TRICKS_REQUESTS` `POST /oauth2/token:generate` with a token
//!   lifetime of 0, so each answer is a new token (function `token_route`).
//!
//! ```sh
//! cargo bench -p rsql-benches --bench tricks        # criterion, about a minute
//! TRICKS_ROUTE=load TRICKS_REPEAT=5 cargo bench -p rsql-benches --bench tricks
//! # instructions of one workload (the binary cargo printed):
//! TRICKS_ROUTE=healthz TRICKS_REQUESTS=2000 valgrind --tool=callgrind \
//!     --toggle-collect='tricks::healthz_route' target/release/deps/tricks-<hash>
//! ```
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use criterion::{Criterion, Throughput};
use rsql_benches::estimates::criterion_home;
use store::{Conversation, Store};

const SEED: u64 = 42;
/// Conversations the string and timestamp inputs are taken from.
const SAMPLE: u64 = 1_000;
/// Rows of the store the id lookups run against.
const LOOKUP_ROWS: u64 = 100_000;

/// Realistic inputs, all from the store's generator.
struct Inputs {
    conversations: Vec<Conversation>,
    /// Ids, types, names, member ids, names and e-mails, metadata keys and values.
    strings: Vec<String>,
    /// `startTime` and `endTime` in epoch ms.
    times: Vec<i64>,
    /// The same, as the data file writes them.
    time_texts: Vec<String>,
}

fn inputs() -> Inputs {
    let conversations: Vec<Conversation> =
        store::generate::conversations_until(SEED, SAMPLE, store::generate::END_2021_MS).collect();
    let pick = |f: &dyn Fn(&Conversation) -> Vec<String>| -> Vec<String> {
        conversations.iter().flat_map(f).collect()
    };
    // Every string a row's or a member's JSON holds, but the fixed keys.
    let strings = pick(&|c| {
        let mut v = vec![c.id.clone(), c.kind.clone(), c.name.clone()];
        for m in &c.members {
            v.extend([m.id.clone(), m.name.clone()]);
            v.extend(m.email.clone());
        }
        for (k, val) in c.metadata.iter() {
            v.extend([k.to_owned(), val.to_owned()]);
        }
        v
    });
    let mut times = Vec::new();
    let mut time_texts = Vec::new();
    for c in &conversations {
        let v = serde_json::to_value(c).unwrap();
        times.push(c.start_time);
        time_texts.push(v["startTime"].as_str().unwrap().to_owned());
        if let Some(end) = c.end_time {
            times.push(end);
            time_texts.push(v["endTime"].as_str().unwrap().to_owned());
        }
    }
    Inputs {
        conversations,
        strings,
        times,
        time_texts,
    }
}

/// chrono's RFC 3339 text of `ms` between quotes (what `write_time` writes).
fn chrono_time(out: &mut Vec<u8>, ms: i64) {
    let dt = DateTime::<Utc>::from_timestamp_millis(ms).unwrap();
    out.push(b'"');
    out.extend_from_slice(dt.to_rfc3339_opts(SecondsFormat::Millis, true).as_bytes());
    out.push(b'"');
}

fn bench_json(c: &mut Criterion, inp: &Inputs) {
    let mut out = Vec::with_capacity(1 << 20);
    let strings = &inp.strings;
    // Same bytes from both.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for s in strings {
        store::json::write_str(&mut a, s);
        serde_json::to_writer(&mut b, s).unwrap();
    }
    assert_eq!(a, b);
    let mut g = c.benchmark_group("json_str");
    g.throughput(Throughput::Elements(strings.len() as u64));
    g.bench_function("project", |bch| {
        bch.iter(|| {
            out.clear();
            for s in strings {
                store::json::write_str(&mut out, black_box(s));
            }
            black_box(out.len())
        })
    });
    g.bench_function("serde_json", |bch| {
        bch.iter(|| {
            out.clear();
            for s in strings {
                serde_json::to_writer(&mut out, black_box(s)).unwrap();
            }
            black_box(out.len())
        })
    });
    g.finish();

    let convs = &inp.conversations;
    let mut g = c.benchmark_group("json_conversation");
    g.throughput(Throughput::Elements(convs.len() as u64));
    g.bench_function("project", |bch| {
        bch.iter(|| {
            out.clear();
            for conv in convs {
                store::json::write_owned(&mut out, black_box(conv));
            }
            black_box(out.len())
        })
    });
    g.bench_function("serde_json", |bch| {
        bch.iter(|| {
            out.clear();
            for conv in convs {
                serde_json::to_writer(&mut out, black_box(conv)).unwrap();
            }
            black_box(out.len())
        })
    });
    g.finish();

    // The same lines but one escaped key, which sends each to serde_json.
    let lines: Vec<String> = convs
        .iter()
        .map(|c| String::from_utf8(serde_json::to_vec(c).unwrap()).unwrap())
        .collect();
    let escaped: Vec<String> = lines
        .iter()
        .map(|l| l.replacen("\"id\"", "\"\\u0069d\"", 1))
        .collect();
    for (a, b) in lines.iter().zip(&escaped) {
        assert_ne!(a, b);
        assert_eq!(
            Conversation::from_json(a).unwrap(),
            Conversation::from_json(b).unwrap()
        );
    }
    let mut g = c.benchmark_group("json_read");
    g.throughput(Throughput::Elements(lines.len() as u64));
    for (name, input) in [("project", &lines), ("serde_json", &escaped)] {
        g.bench_function(name, |bch| {
            bch.iter(|| {
                input
                    .iter()
                    .map(|l| Conversation::from_json(black_box(l)).unwrap().members.len())
                    .sum::<usize>()
            })
        });
    }
    g.finish();
}

fn bench_time(c: &mut Criterion, inp: &Inputs) {
    let mut out = Vec::with_capacity(1 << 16);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for &ms in &inp.times {
        store::json::write_time(&mut a, ms);
        chrono_time(&mut b, ms);
    }
    assert_eq!(a, b);
    let mut g = c.benchmark_group("time_write");
    g.throughput(Throughput::Elements(inp.times.len() as u64));
    g.bench_function("project", |bch| {
        bch.iter(|| {
            out.clear();
            for &ms in &inp.times {
                store::json::write_time(&mut out, black_box(ms));
            }
            black_box(out.len())
        })
    });
    g.bench_function("chrono", |bch| {
        bch.iter(|| {
            out.clear();
            for &ms in &inp.times {
                chrono_time(&mut out, black_box(ms));
            }
            black_box(out.len())
        })
    });
    g.finish();

    for (text, &ms) in inp.time_texts.iter().zip(&inp.times) {
        assert_eq!(store::time::parse_rfc3339_ms(text), Ok(ms));
    }
    let mut g = c.benchmark_group("time_parse");
    g.throughput(Throughput::Elements(inp.time_texts.len() as u64));
    g.bench_function("project", |bch| {
        bch.iter(|| {
            let mut sum = 0i64;
            for t in &inp.time_texts {
                sum = sum.wrapping_add(store::time::parse_rfc3339_ms(black_box(t)).unwrap());
            }
            sum
        })
    });
    g.bench_function("chrono", |bch| {
        bch.iter(|| {
            let mut sum = 0i64;
            for t in &inp.time_texts {
                let ms = DateTime::parse_from_rfc3339(black_box(t))
                    .unwrap()
                    .timestamp_millis();
                sum = sum.wrapping_add(ms);
            }
            sum
        })
    });
    g.finish();
}

fn bench_ids(c: &mut Criterion) {
    let s = store::generate::store_until(SEED, LOOKUP_ROWS, store::generate::END_2021_MS);
    let ids: Vec<Arc<str>> = s.iter().map(|c| Arc::from(c.id.as_str())).collect();
    // 1 000 lookups spread over the table, in a scattered order.
    let probe: Vec<String> = (0..1_000u64)
        .map(|i| ids[(i * 7_919 % LOOKUP_ROWS) as usize].to_string())
        .collect();
    let hasher = foldhash::fast::RandomState::default();
    let mut map: HashMap<Arc<str>, u32, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(ids.len(), hasher.clone());
    let mut table = hashbrown::HashTable::<u32>::with_capacity(ids.len());
    for (slot, id) in ids.iter().enumerate() {
        let slot = u32::try_from(slot).unwrap();
        map.insert(id.clone(), slot);
        table.insert_unique(hasher.hash_one(&**id), slot, |&s| {
            hasher.hash_one(&*ids[s as usize])
        });
    }
    let mut g = c.benchmark_group("id_lookup");
    g.throughput(Throughput::Elements(probe.len() as u64));
    g.bench_function("project", |bch| {
        bch.iter(|| probe.iter().filter(|id| s.contains(black_box(id))).count())
    });
    g.bench_function("foldhash_hashmap", |bch| {
        bch.iter(|| {
            probe
                .iter()
                .filter(|id| map.contains_key(black_box(id.as_str())))
                .count()
        })
    });
    g.bench_function("hashbrown_table", |bch| {
        bch.iter(|| {
            probe
                .iter()
                .filter(|id| {
                    let id = black_box(id.as_str());
                    table
                        .find(hasher.hash_one(id), |&s| &*ids[s as usize] == id)
                        .is_some()
                })
                .count()
        })
    });
    g.finish();
}

fn token_store() -> server::auth::TokenStore {
    let apps = vec![server::config::AppCredential {
        app_id: "app".into(),
        app_secret: "secret".into(),
    }];
    // A lifetime of 0: every call issues a new token.
    server::auth::TokenStore::new(apps, Vec::new(), 0)
}

fn bench_hex(c: &mut Criterion) {
    let tokens = token_store();
    let mut g = c.benchmark_group("token_hex");
    g.bench_function("project", |bch| {
        bch.iter(|| tokens.generate("app", "secret", 0).unwrap().token.len())
    });
    g.bench_function("getrandom_faster_hex", |bch| {
        bch.iter(|| {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).unwrap();
            faster_hex::hex_string(&bytes).len()
        })
    });
    g.bench_function("getrandom_hex", |bch| {
        bch.iter(|| {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).unwrap();
            hex::encode(bytes).len()
        })
    });
    g.finish();

    let rt = runtime();
    let api = server::routes(server::AppState::new(
        server::Config::default_for_tests(),
        server::Data::empty(),
    ));
    let mut g = c.benchmark_group("request_id");
    g.bench_function("project", |bch| {
        bch.iter(|| {
            let resp = rt.block_on(warp::test::request().path("/healthz").reply(&api));
            resp.headers().len()
        })
    });
    g.bench_function("echoed", |bch| {
        bch.iter(|| {
            let resp = rt.block_on(
                warp::test::request()
                    .path("/healthz")
                    .header("x-request-id", "abc-123")
                    .reply(&api),
            );
            resp.headers().len()
        })
    });
    g.finish();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

// ---- route-level workloads ---------------------------------------------------

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[inline(never)]
fn load_route(path: &PathBuf) -> Store {
    let mut s = Store::new();
    store::load::load_jsonl_file(&mut s, path, &store::load::LoadOptions::fail_fast()).unwrap();
    s
}

#[inline(never)]
fn get_route(s: &Store, ids: &[String]) -> usize {
    let mut bytes = 0;
    for id in ids {
        let mut body = Vec::with_capacity(1024);
        s.get_ref(id).unwrap().write_json(&mut body);
        bytes += body.len();
    }
    bytes
}

#[inline(never)]
fn healthz_route(rt: &tokio::runtime::Runtime, n: u64) -> usize {
    let api = server::routes(server::AppState::new(
        server::Config::default_for_tests(),
        server::Data::empty(),
    ));
    rt.block_on(async {
        let mut bytes = 0;
        for _ in 0..n {
            let resp = warp::test::request().path("/healthz").reply(&api).await;
            bytes += resp.headers()["x-request-id"].len();
        }
        bytes
    })
}

#[inline(never)]
fn token_route(rt: &tokio::runtime::Runtime, n: u64) -> usize {
    let mut cfg = server::Config::default_for_tests();
    cfg.app_id = Some("app".into());
    cfg.app_secret = Some("secret".into());
    cfg.token_ttl = 0;
    let api = server::routes(server::AppState::new(cfg, server::Data::empty()));
    let body = r#"{"type":"application","appId":"app","appSecret":"secret"}"#;
    rt.block_on(async {
        let mut bytes = 0;
        for _ in 0..n {
            let resp = warp::test::request()
                .method("POST")
                .path("/oauth2/token:generate")
                .header("content-type", "application/json")
                .body(body)
                .reply(&api)
                .await;
            assert_eq!(resp.status(), 200);
            bytes += resp.body().len();
        }
        bytes
    })
}

/// Runs one route-level workload `repeat` times; prints each wall time and the fastest.
fn route(name: &str) {
    let repeat = env_u64("TRICKS_REPEAT", 3).max(1);
    let requests = env_u64("TRICKS_REQUESTS", 20_000);
    // The store bench's data file, written on first use.
    let (path, _) = rsql_benches::data_file(env_u64("TRICKS_N", 100_000), SEED).unwrap();
    let rt = runtime();
    let store = (name == "get").then(|| load_route(&path));
    let ids: Vec<String> = store
        .as_ref()
        .map(|s| s.iter().map(|c| c.id).collect())
        .unwrap_or_default();
    let mut times = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        let check = match (name, &store) {
            ("load", _) => load_route(&path).len(),
            ("get", Some(s)) => get_route(s, &ids),
            ("healthz", _) => healthz_route(&rt, requests),
            ("token", _) => token_route(&rt, requests),
            _ => panic!("TRICKS_ROUTE: load, get, healthz or token, not {name:?}"),
        };
        let secs = t.elapsed().as_secs_f64();
        eprintln!("{name}: {secs:.4} s (check {check})");
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{name}: fastest {:.4} s, median {:.4} s over {repeat}",
        times[0],
        times[times.len() / 2]
    );
}

/// Each group's crate contenders, beside its `project` one.
const PAIRS: [(&str, &[&str]); 8] = [
    ("json_str", &["serde_json"]),
    ("json_conversation", &["serde_json"]),
    ("json_read", &["serde_json"]),
    ("time_write", &["chrono"]),
    ("time_parse", &["chrono"]),
    ("id_lookup", &["foldhash_hashmap", "hashbrown_table"]),
    ("token_hex", &["getrandom_faster_hex", "getrandom_hex"]),
    ("request_id", &["echoed"]),
];

/// Prints `project ÷ crate` of the medians criterion wrote in this run.
fn summary(since: SystemTime) {
    let Some(home) = criterion_home() else {
        return;
    };
    let median = |g: &str, f: &str| rsql_benches::estimates::read(&home, g, f, since, &["median"]);
    let mut table = String::from(
        "| group | project (median) | crate | crate (median) | project ÷ crate |\n|---|---:|---|---:|---:|\n",
    );
    for (group, crates) in PAIRS {
        let Some(ours) = median(group, "project") else {
            continue;
        };
        for &other in crates {
            if let Some(theirs) = median(group, other) {
                table.push_str(&format!(
                    "| {group} | {:.1} µs | {other} | {:.1} µs | {:.2} |\n",
                    ours / 1e3,
                    theirs / 1e3,
                    ours / theirs
                ));
            }
        }
    }
    println!("\ntricks summary (per iteration):\n\n{table}");
}

fn main() {
    if let Ok(name) = std::env::var("TRICKS_ROUTE") {
        route(&name);
        return;
    }
    let since = SystemTime::now() - Duration::from_secs(1);
    let inp = inputs();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(800))
        .sample_size(20)
        .configure_from_args();
    bench_json(&mut c, &inp);
    bench_time(&mut c, &inp);
    bench_ids(&mut c);
    bench_hex(&mut c);
    c.final_summary();
    summary(since);
}
