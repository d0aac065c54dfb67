//! Differential: proptest-generated sequences of list queries (filters,
//! windows, sorts, limit/offset) and reads, with writes interleaved, on the
//! in-memory backend and on PostgreSQL loaded with the same JSONL: the same
//! totals, byte-identical bodies, the same members and metadata, the same
//! errors.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use store::pg::PgOptions;
use store::pg::load::{LoadMode, LoadOutcome, SymblSource, load_symbl};
use store::sort::{Direction, Sort};
use store::storage::{MemoryStorage, Storage};
use store::{Conversation, Member, Metadata, QuerySpec, Window};

use crate::support::{TempDb, jsonl_file, runtime};

const T0: i64 = 1_614_556_800_000; // 2021-03-01T00:00:00Z
const MIN: i64 = 60_000;

const NAMES: [&str; 9] = [
    "Sales Brainstorm",
    "Brainstorm - Acme",
    "brainstorm",
    "Legal Roadmap",
    "Émile sync",
    "Sales",
    "",
    "a*b",
    "Zoë \"quoted\" \\ back\tslash",
];
const TYPES: [&str; 4] = ["meeting", "call", "chat", "x y"];
const META_KEYS: [&str; 5] = ["agentId", "region", "score", "channel", "odd key's"];
const META_VALUES: [&str; 8] = ["a1", "a2", "eu", "us", "0.5", "10", "9", "-3.25"];

fn people() -> Vec<Member> {
    let p = |id: &str, name: &str, email: Option<&str>| Member {
        id: id.into(),
        name: name.into(),
        email: email.map(Into::into),
    };
    vec![
        p("m1", "Ana Ruiz", Some("ana@initech.net")),
        p("m2", "Bo Li", Some("bo@acme.com")),
        p("m3", "Cy Young", None),
        p("m4", "Di Ng", Some("di@initech.net")),
        p("m1", "Ana R.", Some("ana@initech.net")),
        p("m5", "Ed", Some("ed@x.io")),
    ]
}

/// 300 conversations with the awkward values above, from a fixed rng.
fn data() -> Vec<Conversation> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let pool = people();
    (0..300u64)
        .filter_map(|i| {
            if next(10) >= 8 {
                return None;
            }
            let start = i64::try_from(next(400)).unwrap_or(0);
            let metadata: Metadata = (0..next(4))
                .map(|_| {
                    (
                        META_KEYS[usize::try_from(next(5)).unwrap_or(0)],
                        META_VALUES[usize::try_from(next(8)).unwrap_or(0)],
                    )
                })
                .collect();
            Some(Conversation {
                id: format!("c{i:03}"),
                kind: TYPES[usize::try_from(next(4)).unwrap_or(0)].into(),
                name: NAMES[usize::try_from(next(9)).unwrap_or(0)].into(),
                start_time: T0 + start * MIN,
                end_time: (next(5) > 0)
                    .then(|| T0 + (start + i64::try_from(next(120)).unwrap_or(0)) * MIN),
                members: (0..next(4))
                    .map(|_| pool[usize::try_from(next(6)).unwrap_or(0)].clone())
                    .collect(),
                metadata,
            })
        })
        .collect()
}

/// An RSQL literal: double-quoted, `\` escaping `"`, `\` and `*`.
fn lit(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn ts(minutes: i64) -> String {
    store::time::format_ms(T0 + minutes * MIN)
}

/// One comparison: a selector, an operator and values that occur in the data.
fn comparison() -> impl Strategy<Value = String> {
    let selectors: Vec<(&str, Vec<String>, Vec<&str>)> = vec![
        (
            "conversation.id",
            (0..300)
                .step_by(7)
                .map(|i| lit(&format!("c{i:03}")))
                .collect(),
            vec!["c0*", "*5"],
        ),
        (
            "conversation.name",
            NAMES.iter().map(|n| lit(n)).collect(),
            vec!["*Brainstorm*", "Sales*", "*e", "*a\\*b*"],
        ),
        (
            "conversation.type",
            TYPES.iter().map(|n| lit(n)).collect(),
            vec!["*a*"],
        ),
        (
            "metadata.agentId",
            META_VALUES.iter().map(|n| lit(n)).collect(),
            vec!["a*"],
        ),
        (
            "metadata.score",
            META_VALUES.iter().map(|n| lit(n)).collect(),
            vec!["1*"],
        ),
        (
            "conversation.metadata.region",
            META_VALUES.iter().map(|n| lit(n)).collect(),
            vec!["*u*"],
        ),
        (
            "members.id",
            ["m1", "m3", "m5", "m9"].iter().map(|n| lit(n)).collect(),
            vec!["m*"],
        ),
        (
            "members.name",
            ["Ana Ruiz", "Ed", "Bo Li"].iter().map(|n| lit(n)).collect(),
            vec!["Ana*"],
        ),
        (
            "conversation.members.email",
            ["ana@initech.net", "ed@x.io", "zz@q"]
                .iter()
                .map(|n| lit(n))
                .collect(),
            vec!["*@initech.net"],
        ),
        (
            "conversation.startTime",
            [0, 50, 200, 399].iter().map(|m| ts(*m)).collect(),
            vec![],
        ),
        (
            "conversation.endTime",
            [10, 100, 300, 500].iter().map(|m| ts(*m)).collect(),
            vec![],
        ),
    ];
    let n = selectors.len();
    (
        0..n,
        0u8..8,
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        any::<bool>(),
    )
        .prop_map(move |(f, op, pick, picks, wild)| {
            let (sel, values, patterns) = &selectors[f];
            let value = values[pick.index(values.len())].clone();
            let one = if wild && !patterns.is_empty() {
                patterns[pick.index(patterns.len())].to_string()
            } else {
                value.clone()
            };
            let list = picks
                .iter()
                .map(|p| values[p.index(values.len())].clone())
                .collect::<Vec<_>>()
                .join(",");
            match op {
                0 => format!("{sel}=={one}"),
                1 => format!("{sel}!={one}"),
                2 => format!("{sel}=in=({list})"),
                3 => format!("{sel}=out=({list})"),
                4 => format!("{sel}=lt={value}"),
                5 => format!("{sel}=le={value}"),
                6 => format!("{sel}=gt={value}"),
                _ => format!("{sel}=ge={value}"),
            }
        })
}

fn filter() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.8,
        prop::collection::vec(comparison(), 1..3).prop_map(|c| c.join(";")),
    )
}

fn sort() -> impl Strategy<Value = (String, bool)> {
    let fields = [
        "conversation.startTime",
        "-conversation.startTime",
        "conversation.endTime",
        "-conversation.endTime",
        "conversation.name",
        "-conversation.name",
        "conversation.type",
        "-conversation.id",
    ];
    (prop::collection::vec(0..fields.len(), 0..3), any::<bool>()).prop_map(move |(f, desc)| {
        (
            f.iter().map(|&i| fields[i]).collect::<Vec<_>>().join(","),
            desc,
        )
    })
}

fn window() -> impl Strategy<Value = Option<Window>> {
    let any_window = prop::option::of((-10i64..420, 0i64..500)).prop_map(|w| {
        w.map(|(s, len)| Window {
            start: T0 + s * MIN,
            end: T0 + (s + len) * MIN,
        })
    });
    // Windows that cover every row, just, or miss the first or last by a minute.
    let covering = (-1i64..=0, 519i64..=521).prop_map(|(s, e)| {
        Some(Window {
            start: T0 + s * MIN,
            end: T0 + e * MIN,
        })
    });
    prop_oneof![3 => any_window, 1 => covering]
}

#[derive(Clone, Debug)]
enum Op {
    List {
        filter: Option<String>,
        window: Option<Window>,
        sort: (String, bool),
        limit: usize,
        offset: usize,
    },
    Get(String),
    Members(String),
    Messages(String),
    Contains(String),
    Meta(String, Vec<(String, Option<String>)>),
    Member(String, Member),
    Delete(String),
}

fn id() -> impl Strategy<Value = String> {
    (0u32..310).prop_map(|i| format!("c{i:03}"))
}

fn op() -> impl Strategy<Value = Op> {
    let change = (
        prop::sample::select(vec!["agentId", "region", "score", "new", "k\"1", "x\u{0}"]),
        prop::option::weighted(
            0.7,
            prop::sample::select(vec!["a1", "eu", "0.75", "", "ü\\n"]),
        ),
    )
        .prop_map(|(k, v)| (k.to_owned(), v.map(str::to_owned)));
    let member = (
        prop::sample::select(vec!["m1", "m2", "m3", "m5", "m9"]),
        prop::sample::select(vec!["Ana Ruiz", "Renamed", "Zoë", "nul\u{0}"]),
        prop::option::of(prop::sample::select(vec!["new@initech.net", "b@c.io"])),
    )
        .prop_map(|(id, name, email)| Member {
            id: id.into(),
            name: name.into(),
            email: email.map(Into::into),
        });
    prop_oneof![
        6 => (filter(), window(), sort(), prop_oneof![9 => 0usize..40, 1 => 250usize..400], prop_oneof![3 => 0usize..10, 1 => 0usize..300])
            .prop_map(|(filter, window, sort, limit, offset)| Op::List { filter, window, sort, limit, offset }),
        1 => id().prop_map(Op::Get),
        1 => id().prop_map(Op::Members),
        1 => id().prop_map(Op::Messages),
        1 => id().prop_map(Op::Contains),
        2 => (id(), prop::collection::vec(change, 1..4)).prop_map(|(i, c)| Op::Meta(i, c)),
        2 => (id(), member).prop_map(|(i, m)| Op::Member(i, m)),
        1 => id().prop_map(Op::Delete),
    ]
}

/// What a call answered, comparable across backends.
#[derive(Debug, PartialEq)]
enum Answer {
    List(usize, String),
    Bytes(Option<Vec<u8>>),
    Members(Option<Vec<Member>>),
    Messages(Option<usize>),
    Bool(bool),
    Meta(Vec<(String, String)>),
    Member(Member),
    Done,
    Err(String),
    Skipped,
}

async fn apply(s: &dyn Storage, op: &Op) -> Answer {
    let r: Result<Answer, store::storage::StorageError> = async {
        Ok(match op {
            Op::List {
                filter,
                window,
                sort,
                limit,
                offset,
            } => {
                let Ok(filter) = filter.as_deref().map(store::compile_filter).transpose() else {
                    return Ok(Answer::Skipped);
                };
                let dir = if sort.1 {
                    Direction::Desc
                } else {
                    Direction::Asc
                };
                let sort = if sort.0.is_empty() {
                    Sort::default()
                } else {
                    match Sort::parse(&sort.0, dir) {
                        Ok(s) => s,
                        // A field twice: the request's error, before storage.
                        Err(_) => return Ok(Answer::Skipped),
                    }
                };
                let spec = QuerySpec {
                    filter,
                    window: *window,
                    sort,
                    limit: *limit,
                    offset: *offset,
                };
                let page = s.list(spec).await?;
                let body = page.body.collect().await.unwrap();
                Answer::List(page.total, String::from_utf8(body).expect("UTF-8 body"))
            }
            Op::Get(id) => Answer::Bytes(s.get(id).await?),
            Op::Members(id) => Answer::Members(s.members(id).await?),
            Op::Messages(id) => Answer::Messages(s.messages(id).await?.map(|m| m.len())),
            Op::Contains(id) => Answer::Bool(s.contains(id).await?),
            Op::Meta(id, changes) => Answer::Meta(
                s.update_metadata(id, changes.clone())
                    .await?
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            ),
            Op::Member(id, m) => Answer::Member(s.update_member(id, m.clone()).await?),
            Op::Delete(id) => {
                s.delete(id).await?;
                Answer::Done
            }
        })
    }
    .await;
    r.unwrap_or_else(|e| Answer::Err(e.to_string()))
}

#[test]
fn memory_and_postgres_answer_alike() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("diff")) else {
        return;
    };
    let convs = data();
    let lines: Vec<String> = convs
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    let path = jsonl_file("diff", &lines);
    let mut mem_store = store::Store::new();
    let report = store::load::load_jsonl_file(&mut mem_store, &path, &Default::default()).unwrap();
    assert!(report.skipped.is_empty());
    let mem = MemoryStorage::new(
        mem_store,
        Default::default(),
        Default::default(),
        Default::default(),
    );
    let pg = rt.block_on(db.storage(PgOptions::default().with_max_connections(4)));
    let outcome = rt
        .block_on(load_symbl(
            pg.pool(),
            &SymblSource::Jsonl {
                path: path.clone(),
                opts: Default::default(),
            },
            LoadMode::SeedOnce,
        ))
        .unwrap();
    assert!(matches!(outcome, LoadOutcome::Loaded { rows, .. } if rows as usize == convs.len()));
    let pg = Arc::new(pg);
    // A filter whose statements are longer than a connection's statement
    // cache keeps (16 KiB): 80 numeric comparisons, about 29 KB of SQL,
    // prepared for each use. Answered alike, and again from the kept total.
    let long = (1..=40)
        .map(|i| format!("metadata.score=gt=-{i};metadata.score=lt={}", 100 + i))
        .collect::<Vec<_>>()
        .join(";");
    let sql = store::compile_filter(&long)
        .unwrap()
        .to_sql(&rsql::SqlOptions::postgres())
        .unwrap()
        .sql;
    assert!(sql.len() > 16 * 1024, "{} bytes", sql.len());
    let long_list = Op::List {
        filter: Some(long),
        window: None,
        sort: (String::new(), false),
        limit: 20,
        offset: 0,
    };
    for _ in 0..2 {
        let (a, b) = rt.block_on(async {
            (
                apply(&mem, &long_list).await,
                apply(pg.as_ref(), &long_list).await,
            )
        });
        assert!(matches!(a, Answer::List(n, _) if n > 0), "{a:?}");
        assert_eq!(a, b);
    }
    let mut runner = TestRunner::new(Config {
        // `PROPTEST_CASES=1000` runs more.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(128),
        failure_persistence: None,
        // The two backends share state across cases: a shrunk rerun would
        // start from another state, so report the first failure as is.
        max_shrink_iters: 0,
        ..Config::default()
    });
    // How many answers of each kind the run compared: lists with rows,
    // successful writes, errors.
    let tally = std::cell::RefCell::new(std::collections::BTreeMap::<&str, usize>::new());
    runner
        .run(&prop::collection::vec(op(), 1..12), |ops| {
            for op in &ops {
                let (a, b) =
                    rt.block_on(async { (apply(&mem, op).await, apply(pg.as_ref(), op).await) });
                let kind = match &a {
                    Answer::List(total, _) if *total > 0 => "list with matches",
                    Answer::List(..) => "empty list",
                    Answer::Meta(_) | Answer::Member(_) | Answer::Done => "write",
                    Answer::Err(_) => "error",
                    Answer::Skipped => "skipped",
                    _ => "read",
                };
                *tally.borrow_mut().entry(kind).or_default() += 1;
                if a != b {
                    return Err(TestCaseError::fail(format!(
                        "{op:?}\n memory:     {a:?}\n PostgreSQL: {b:?}"
                    )));
                }
            }
            Ok(())
        })
        .unwrap();
    let tally = tally.into_inner();
    eprintln!("compared: {tally:?}");
    for (kind, at_least) in [
        ("list with matches", 100),
        ("write", 40),
        ("error", 20),
        ("read", 20),
    ] {
        let n = tally.get(kind).copied().unwrap_or(0);
        assert!(n >= at_least, "only {n} answers of kind {kind}: {tally:?}");
    }
    // After every write, every row still reads the same on both.
    for c in &convs {
        let (a, b) =
            rt.block_on(async { (mem.get(&c.id).await.unwrap(), pg.get(&c.id).await.unwrap()) });
        assert_eq!(a, b, "{}", c.id);
    }
    // The kept count is the table's after every delete.
    let (kept, counted): (i64, i64) = rt.block_on(async {
        let client = db.client().await;
        let row = client
            .query_one(
                "SELECT (SELECT n FROM conversation_count), (SELECT count(*) FROM conversations)",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    });
    assert_eq!(kept, counted);
    assert!(counted < convs.len() as i64, "no delete ran");
    let _ = std::fs::remove_file(path);
}
