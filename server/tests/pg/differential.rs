//! Differential: proptest-generated request sequences, every route family,
//! writes interleaved, sent to an in-memory server and a PostgreSQL server
//! started with the same `--demo` data; each answer must have the same
//! status, byte-identical body and the same `X-Total-Count` and `Link`.
//!
//! Both servers see the same sequences in the same order, so their data stay
//! equal as long as they agree; the first difference fails the case. Case
//! count: `PG_DIFF_CASES` (default 32) sequences of `PG_DIFF_OPS` (default
//! 20) requests.

use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestCaseError, TestRunner};

use crate::http::{Req, Resp};
use crate::server_proc::{Server, with_auth};
use test_pg::TempDb;

/// Demo conversations: 1 000 with messages, 500 without.
const SIZE: u64 = 1_500;
const SEED: u64 = 42;
/// Conversations most requests touch, so writes and reads meet.
const HOT: u64 = 30;

fn id(i: u64) -> String {
    if i >= SIZE {
        // Not in the data: 404s.
        "1999999999999999".to_owned()
    } else {
        store::generate::conversation(SEED, i).id
    }
}

fn member_id(i: u64, k: usize) -> String {
    let c = store::generate::conversation(SEED, i.min(SIZE - 1));
    c.members[k % c.members.len()].id.clone()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn conv_index() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 0..HOT, 3 => 0..SIZE, 1 => Just(SIZE)]
}

fn filter() -> impl Strategy<Value = String> {
    let hot_ids = prop::collection::vec(0..HOT, 1..5).prop_map(|v| {
        let ids: Vec<String> = v.into_iter().map(id).collect();
        format!("conversation.id=in=({})", ids.join(","))
    });
    prop_oneof![
        prop::sample::select(vec!["meeting", "call", "chat"])
            .prop_map(|t| format!("conversation.type=={t}")),
        (
            prop::sample::select(vec!["zoom", "phone", "teams"]),
            prop::sample::select(vec!["call", "chat"])
        )
            .prop_map(|(c, t)| format!("metadata.channel=={c};conversation.type=={t}")),
        prop::collection::vec(0..40u32, 1..6).prop_map(|v| {
            let a: Vec<String> = v.iter().map(|n| format!("agent-{n:04}")).collect();
            format!("metadata.agentId=in=({})", a.join(","))
        }),
        prop::sample::select(vec!["Hooli", "Stark", "Wayne", "Tyrell"])
            .prop_map(|c| format!("conversation.name==*{c}*")),
        prop::sample::select(vec!["blue", "red"]).prop_map(|v| format!("metadata.team=={v}")),
        Just("metadata.team!=blue".to_owned()),
        Just("conversation.startTime>2021-06-01T00:00:00Z".to_owned()),
        Just("conversation.endTime=le=2021-02-01".to_owned()),
        (0..HOT, 0..5usize).prop_map(|(i, k)| {
            let c = store::generate::conversation(SEED, i);
            let m = &c.members[k % c.members.len()];
            format!("members.email=={}", m.email.clone().unwrap_or_default())
        }),
        hot_ids,
        // Refused by both: a syntax error, three fields, an unknown selector.
        Just("conversation.type==".to_owned()),
        Just("conversation.type==call;metadata.a==b;metadata.c==d".to_owned()),
        Just("nope.field==1".to_owned()),
    ]
}

fn list_request() -> impl Strategy<Value = Req> {
    let sort = prop_oneof![
        Just("conversation.startTime"),
        Just("-conversation.name"),
        Just("conversation.endTime,-conversation.type"),
        Just("-conversation.id"),
        Just("conversation.type,conversation.name"),
        Just("metadata.team"),
    ];
    // Windows inside the data, around all of it (the PostgreSQL backend
    // answers an unfiltered all-rows total from a maintained count) and
    // malformed.
    let window = prop_oneof![
        Just("2020-12-01T00:00:00Z"),
        Just("2022-01-02T00:00:00Z"),
        Just("2021-03-01T00:00:00Z"),
        Just("2021-07-15T12:00:00Z"),
        Just("2021-12-31T00:00:00Z"),
        Just("2021-13-01"),
    ];
    (
        prop::option::weighted(0.7, filter()),
        prop::option::of(sort),
        prop::option::weighted(0.3, window.clone()),
        prop::option::weighted(0.3, window),
        prop::option::weighted(0.8, prop_oneof![0..30u32, 250..300u32]),
        prop::option::weighted(0.6, prop_oneof![0..40u32, 1_400..1_600u32]),
        prop::option::weighted(0.2, prop::sample::select(vec!["asc", "desc"])),
    )
        .prop_map(|(filter, sort, start, end, limit, offset, order)| {
            let mut q = Vec::new();
            if let Some(f) = filter {
                q.push(format!("filter={}", enc(&f)));
            }
            if let Some(s) = sort {
                q.push(format!("sort={}", enc(s)));
            }
            if let Some(s) = start {
                q.push(format!("startTime={}", enc(s)));
            }
            if let Some(e) = end {
                q.push(format!("endTime={}", enc(e)));
            }
            if let Some(l) = limit {
                q.push(format!("limit={l}"));
            }
            if let Some(o) = offset {
                q.push(format!("offset={o}"));
            }
            if let Some(o) = order {
                q.push(format!("order={o}"));
            }
            Req::get(format!("/v1/conversations?{}", q.join("&")))
        })
}

fn metadata_put() -> impl Strategy<Value = Req> {
    let one = (
        prop::sample::select(vec!["team", "channel", "region", "note", "agentId"]),
        prop::option::weighted(
            0.7,
            prop::sample::select(vec!["blue", "red", "zoom", "ünï \"q\""]),
        ),
    );
    (conv_index(), prop::collection::vec(one, 1..4)).prop_map(|(i, kvs)| {
        let body: serde_json::Map<String, serde_json::Value> = kvs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.map_or(serde_json::Value::Null, Into::into)))
            .collect();
        Req::put(
            format!("/v1/conversations/{}", id(i)),
            serde_json::json!({ "metadata": body }).to_string(),
        )
    })
}

/// Adds `n` keys `bulk-<tag>-<k>`: two of these on one conversation pass
/// the 100-key limit (the generated ones hold 4 keys).
fn metadata_bulk() -> impl Strategy<Value = Req> {
    (0..HOT, 40..62usize, 0..3u8).prop_map(|(i, n, tag)| {
        let body: serde_json::Map<String, serde_json::Value> = (0..n)
            .map(|k| (format!("bulk-{tag}-{k}"), "x".into()))
            .collect();
        Req::put(
            format!("/v1/conversations/{}", id(i)),
            serde_json::json!({ "metadata": body }).to_string(),
        )
    })
}

fn member_put() -> impl Strategy<Value = Req> {
    (
        conv_index(),
        0..5usize,
        prop::sample::select(vec!["Ada Lovelace", "Grace Hopper", ""]),
        prop::option::of(prop::sample::select(vec![
            "ada@example.com",
            "not-an-email",
        ])),
    )
        .prop_map(|(i, k, name, email)| {
            let mid = member_id(i, k);
            let mut body = serde_json::json!({ "id": mid, "name": name });
            if let Some(e) = email {
                body["email"] = e.into();
            }
            Req::put(
                format!("/v1/conversations/{}/members/{}", id(i), enc(&mid)),
                body.to_string(),
            )
        })
}

fn other_families() -> impl Strategy<Value = Req> {
    prop_oneof![
        (
            prop::option::of(prop::sample::select(vec![
                "user1", "user2", "user7", "nobody"
            ])),
            prop::option::of(prop::sample::select(vec!["conversations", "archive"])),
            prop::option::of(0..30u32),
            prop::option::of(1..20u32),
            prop::sample::select(vec!["acme", "globex"]),
        )
            .prop_map(|(user, coll, skip, limit, org)| {
                let mut q = vec![format!("organization_id={org}")];
                if let Some(u) = user {
                    q.push(format!("user_id={u}"));
                }
                if let Some(c) = coll {
                    q.push(format!("collection={c}"));
                }
                if let Some(s) = skip {
                    q.push(format!("skip={s}"));
                }
                if let Some(l) = limit {
                    q.push(format!("limit={l}"));
                }
                Req::get(format!("/get-all-conversations?{}", q.join("&")))
            }),
        (
            prop::option::of(prop::sample::select(vec![
                "active",
                "pending_human",
                "closed",
                "bogus"
            ])),
            prop::option::of(1..50u32),
            prop::option::of(0..320u32),
        )
            .prop_map(|(status, limit, offset)| {
                let mut q = Vec::new();
                if let Some(s) = status {
                    q.push(format!("status={s}"));
                }
                if let Some(l) = limit {
                    q.push(format!("limit={l}"));
                }
                if let Some(o) = offset {
                    q.push(format!("offset={o}"));
                }
                Req::get(format!("/api/conversations?{}", q.join("&")))
            }),
        (
            1..=102u64,
            prop::option::of(1..8u32),
            prop::option::of(1..=101u32)
        )
            .prop_map(|(id, page, per_page)| {
                let mut q = Vec::new();
                if let Some(p) = page {
                    q.push(format!("page={p}"));
                }
                if let Some(p) = per_page {
                    q.push(format!("per_page={p}"));
                }
                Req::get(format!(
                    "/v1/api/conversation-messages/{id}?{}",
                    q.join("&")
                ))
            }),
    ]
}

fn request() -> impl Strategy<Value = Req> {
    prop_oneof![
        6 => list_request(),
        2 => conv_index().prop_map(|i| Req::get(format!("/v1/conversations/{}", id(i)))),
        1 => conv_index().prop_map(|i| Req::get(format!("/v1/conversations/{}/members", id(i)))),
        1 => conv_index().prop_map(|i| Req::get(format!("/v1/conversations/{}/messages", id(i)))),
        3 => metadata_put(),
        1 => metadata_bulk(),
        2 => member_put(),
        1 => conv_index().prop_map(|i| Req::delete(format!("/v1/conversations/{}", id(i)))),
        3 => other_families(),
    ]
}

/// What must agree: status, `X-Total-Count`, `Link`, `Content-Type`, body.
fn compare(req: &Req, mem: &Resp, pg: &Resp) -> Result<(), TestCaseError> {
    let key = |r: &Resp| {
        (
            r.status,
            r.header("x-total-count").map(str::to_owned),
            r.header("link").map(str::to_owned),
            r.header("content-type").map(str::to_owned),
        )
    };
    prop_assert_eq!(
        key(mem),
        key(pg),
        "{} {} {:?}: memory {} / PostgreSQL {}",
        req.method,
        req.path,
        req.body,
        mem.text(),
        pg.text()
    );
    prop_assert!(
        mem.body == pg.body,
        "{} {} {:?}: bodies differ\nmemory:     {}\nPostgreSQL: {}",
        req.method,
        req.path,
        req.body,
        mem.text(),
        pg.text()
    );
    Ok(())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn memory_and_postgres_answer_alike() {
    let test = "differential::memory_and_postgres_answer_alike";
    let Some(db) = TempDb::try_create(test, "diff") else {
        return;
    };
    let demo = [
        "--demo",
        "--demo-size",
        "1500",
        "--demo-seed",
        "42",
        "--demo-until",
        "2022-01-01T00:00:00Z",
    ];
    let mem = Server::start(&with_auth(&demo));
    let mut pg_args = with_auth(&demo);
    pg_args.extend(["--database-url".to_owned(), db.url().to_owned()]);
    let pg = Server::start(&pg_args);

    let cases = env_usize("PG_DIFF_CASES", 32);
    let ops = env_usize("PG_DIFF_OPS", 20);
    let mut runner = TestRunner::new(PtConfig {
        cases: u32::try_from(cases).unwrap_or(32),
        // The servers' data move on with every case: a shrunk sequence runs
        // on later data, so shrinking is kept short.
        max_shrink_iters: 64,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let statuses = std::sync::Mutex::new(std::collections::BTreeMap::<(&str, u16), u32>::new());
    let result = runner.run(&prop::collection::vec(request(), ops..=ops), |seq| {
        for req in &seq {
            let a = req.send(&mem.base);
            let b = req.send(&pg.base);
            compare(req, &a, &b)?;
            *statuses
                .lock()
                .unwrap()
                .entry((req.method, a.status))
                .or_default() += 1;
            prop_assert!(a.status < 500, "{} {}: {}", req.method, req.path, a.text());
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}\nPostgreSQL server output:\n{}", pg.output());
    }
    let statuses = statuses.into_inner().unwrap();
    test_pg::notice(&format!(
        "differential: answers compared, by method and status: {statuses:?}"
    ));
    // The sequences reach the data, not only the validation.
    for method in ["GET", "PUT", "DELETE"] {
        assert!(
            statuses.get(&(method, 200)).is_some_and(|&n| n > 0),
            "no {method} answered 200: {statuses:?}"
        );
    }
}
