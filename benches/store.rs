//! The five store queries of `benches/README.md`, timed in one run for
//! the `store` crate, SQLite in memory with indexes, and a naive `Vec` scan.
//!
//! * Data: `store::generate` with seed 42, N = 100 000 conversations, or
//!   `STORE_BENCH_N=1000000`. The JSONL file is generated once into
//!   `<target>/store-bench/` and reused.
//! * Load: the store reads the JSONL file (`store::load::load_jsonl_file`);
//!   the naive peer parses it into a `Vec` of serde structs; SQLite gets the
//!   naive rows in one transaction, then its indexes and `ANALYZE`. Each load
//!   is timed once and its resident memory measured as the growth of RSS
//!   (`/proc/self/statm`) across it.
//! * Queries: each system returns what `GET /v1/conversations` needs: the page
//!   rows (full conversations, members included) and the total count.
//!   `store` is `Store::query_ref` (the page borrows the store, ready to
//!   serialise); `store_owned` is `Store::query` (the page copied into owned
//!   `Conversation`s); both with the store's pattern cache off (the engine's
//!   own path), and `store_kept` with it on, for the queries that use it (q2:
//!   the rows kept by the first query are read by the timed ones). For SQLite it is a `COUNT(*)`, the page `SELECT` and
//!   one `SELECT` of the page's members, copied into Rust strings;
//!   `sqlite_ids` is SQLite's page of ids alone (no count, no members), a
//!   lower bound. The naive scan clones its page rows. A preflight asserts
//!   that all systems return the same ids in the same order and the same total.
//! * SQLite schema (`benches/README.md`): one `conversations` table,
//!   indexes on `start_ms`, `(name, id DESC)` and
//!   `json_extract(metadata,'$.agentId')`, a `members` table indexed on
//!   `email` and on `conversation_id`; prepared statements; q2 as `GLOB`.
//!
//! After criterion, a summary table (median ms per query and system, load
//! time and memory) is printed and written to `<criterion home>/store-summary.md`.
//!
//! Run: `cargo bench -p rsql-benches --bench store -- --warm-up-time 1 --measurement-time 3`
//! (`STORE_BENCH_N=1000000` for the large run).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use rsql_benches::estimates::criterion_home;
use rusqlite::{Connection, params};
use serde::Deserialize;
use store::{Conversation, Page, Params, QuerySpec, Store};

const SEED: u64 = 42;
/// "Now" for the API's window rules (any instant after the 2021 data).
const NOW: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
const MAR_1: i64 = 1_614_556_800_000; // 2021-03-01T00:00:00.000Z
const MAR_8: i64 = 1_615_161_600_000; // 2021-03-08T00:00:00.000Z
const AGENTS: [&str; 3] = ["agent-0007", "agent-0042", "agent-0311"];
const EMAIL: &str = "charles.miller1@initech.net";
/// q5's window: `startTime=2000-01-01T00:00:00Z`, `endTime` defaulting to now.
const Q5_START: i64 = 946_684_800_000;

/// One bench query as API parameters.
struct Query {
    key: &'static str,
    params: Params<'static>,
    target_ms: f64,
}

fn queries() -> Vec<Query> {
    let filter = |f: &'static str| Params {
        filter: Some(f),
        ..Params::default()
    };
    vec![
        Query {
            key: "q1",
            params: filter(
                "conversation.startTime=ge=2021-03-01T00:00:00.000Z;conversation.startTime=lt=2021-03-08T00:00:00.000Z;conversation.type==meeting",
            ),
            target_ms: 1.0,
        },
        Query {
            key: "q2",
            params: filter("conversation.name==*Brainstorm*"),
            target_ms: 35.0,
        },
        Query {
            key: "q3",
            params: filter("metadata.agentId=in=(agent-0007,agent-0042,agent-0311)"),
            target_ms: 0.3,
        },
        Query {
            key: "q4",
            params: filter("members.email==charles.miller1@initech.net"),
            target_ms: 0.2,
        },
        Query {
            key: "q5",
            params: Params {
                sort: Some("-conversation.name"),
                limit: Some("20"),
                offset: Some("100"),
                start_time: Some("2000-01-01T00:00:00Z"),
                ..Params::default()
            },
            target_ms: 0.01,
        },
    ]
}

// ---- the naive peer -----------------------------------------------------

#[derive(Clone, Debug, Deserialize)]
struct NaiveMember {
    id: String,
    name: String,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct NaiveLine {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    #[serde(rename = "startTime")]
    start: String,
    #[serde(rename = "endTime", default)]
    end: Option<String>,
    #[serde(default)]
    members: Vec<NaiveMember>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

/// A parsed conversation held as plain structs.
#[derive(Clone, Debug)]
struct Naive {
    id: String,
    kind: String,
    name: String,
    start_ms: i64,
    end_ms: Option<i64>,
    members: Vec<NaiveMember>,
    metadata: BTreeMap<String, String>,
}

impl Naive {
    fn from_line(line: &str) -> Naive {
        let l: NaiveLine = serde_json::from_str(line).unwrap();
        Naive {
            start_ms: store::time::parse_rfc3339_ms(&l.start).unwrap(),
            end_ms: l.end.map(|e| store::time::parse_rfc3339_ms(&e).unwrap()),
            id: l.id,
            kind: l.kind,
            name: l.name,
            members: l.members,
            metadata: l.metadata,
        }
    }
}

/// The page (cloned rows) and the total, as the API needs them.
fn naive_page(
    hits: Vec<&Naive>,
    by_name_desc: bool,
    offset: usize,
    limit: usize,
) -> (Vec<Naive>, usize) {
    let mut hits = hits;
    let total = hits.len();
    let end = (offset + limit).min(total);
    if offset >= end {
        return (Vec::new(), total);
    }
    let cmp = |a: &&Naive, b: &&Naive| {
        if by_name_desc {
            b.name
                .as_bytes()
                .cmp(a.name.as_bytes())
                .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
        } else {
            a.start_ms
                .cmp(&b.start_ms)
                .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
        }
    };
    if end < hits.len() {
        hits.select_nth_unstable_by(end - 1, cmp);
        hits.truncate(end);
    }
    hits.sort_unstable_by(cmp);
    (
        hits[offset..end].iter().map(|&c| c.clone()).collect(),
        total,
    )
}

fn naive_query(rows: &[Naive], key: &str) -> (Vec<Naive>, usize) {
    match key {
        "q1" => naive_page(
            rows.iter()
                .filter(|c| c.start_ms >= MAR_1 && c.start_ms < MAR_8 && c.kind == "meeting")
                .collect(),
            false,
            0,
            20,
        ),
        "q2" => naive_page(
            rows.iter()
                .filter(|c| c.name.contains("Brainstorm"))
                .collect(),
            false,
            0,
            20,
        ),
        "q3" => naive_page(
            rows.iter()
                .filter(|c| {
                    c.metadata
                        .get("agentId")
                        .is_some_and(|a| AGENTS.contains(&a.as_str()))
                })
                .collect(),
            false,
            0,
            20,
        ),
        "q4" => naive_page(
            rows.iter()
                .filter(|c| c.members.iter().any(|m| m.email.as_deref() == Some(EMAIL)))
                .collect(),
            false,
            0,
            20,
        ),
        _ => naive_page(
            rows.iter()
                .filter(|c| c.start_ms >= Q5_START && c.end_ms.unwrap_or(c.start_ms) <= NOW)
                .collect(),
            true,
            100,
            20,
        ),
    }
}

// ---- SQLite --------------------------------------------------------------

fn sqlite_load(rows: &[Naive]) -> Connection {
    let mut db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE TABLE conversations (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL,
             start_ms INTEGER NOT NULL, end_ms INTEGER, metadata TEXT NOT NULL);
         CREATE TABLE members (conversation_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, email TEXT);",
    )
    .unwrap();
    let tx = db.transaction().unwrap();
    {
        let mut conv = tx
            .prepare("INSERT INTO conversations VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .unwrap();
        let mut mem = tx
            .prepare("INSERT INTO members VALUES (?1, ?2, ?3, ?4)")
            .unwrap();
        for c in rows {
            let meta = serde_json::to_string(&c.metadata).unwrap();
            conv.execute(params![c.id, c.kind, c.name, c.start_ms, c.end_ms, meta])
                .unwrap();
            for m in &c.members {
                mem.execute(params![c.id, m.id, m.name, m.email]).unwrap();
            }
        }
    }
    tx.commit().unwrap();
    db.execute_batch(
        "CREATE INDEX conversations_start ON conversations(start_ms);
         CREATE INDEX conversations_name ON conversations(name, id DESC);
         CREATE INDEX conversations_agent ON conversations(json_extract(metadata, '$.agentId'));
         CREATE INDEX members_email ON members(email);
         CREATE INDEX members_conversation ON members(conversation_id);
         ANALYZE;",
    )
    .unwrap();
    db
}

/// `WHERE` clause, `ORDER BY … LIMIT … OFFSET …` and bound values of a query.
fn sqlite_sql(key: &str) -> (&'static str, &'static str) {
    match key {
        "q1" => (
            "start_ms >= ?1 AND start_ms < ?2 AND type = 'meeting'",
            "ORDER BY start_ms, id LIMIT 20",
        ),
        "q2" => ("name GLOB '*Brainstorm*'", "ORDER BY start_ms, id LIMIT 20"),
        "q3" => (
            "json_extract(metadata, '$.agentId') IN ('agent-0007', 'agent-0042', 'agent-0311')",
            "ORDER BY start_ms, id LIMIT 20",
        ),
        "q4" => (
            "id IN (SELECT conversation_id FROM members WHERE email = ?1)",
            "ORDER BY start_ms, id LIMIT 20",
        ),
        _ => (
            "start_ms >= ?1 AND coalesce(end_ms, start_ms) <= ?2",
            "ORDER BY name DESC, id ASC LIMIT 20 OFFSET 100",
        ),
    }
}

fn sqlite_binds(key: &str) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    match key {
        "q1" => vec![Value::Integer(MAR_1), Value::Integer(MAR_8)],
        "q4" => vec![Value::Text(EMAIL.to_string())],
        "q5" => vec![Value::Integer(Q5_START), Value::Integer(NOW)],
        _ => Vec::new(),
    }
}

/// A page row as SQLite returns it.
type SqlRow = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    String,
    Vec<(String, String, Option<String>)>,
);

/// Page rows with their members, and the total.
fn sqlite_query(db: &Connection, key: &str) -> (Vec<SqlRow>, usize) {
    let (where_, tail) = sqlite_sql(key);
    let binds = sqlite_binds(key);
    let params = rusqlite::params_from_iter(binds.iter());
    let total: i64 = db
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM conversations WHERE {where_}"
        ))
        .unwrap()
        .query_row(params.clone(), |r| r.get(0))
        .unwrap();
    let mut stmt = db
        .prepare_cached(&format!(
            "SELECT id, type, name, start_ms, end_ms, metadata FROM conversations WHERE {where_} {tail}"
        ))
        .unwrap();
    let mut rows: Vec<SqlRow> = stmt
        .query_map(params, |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                Vec::new(),
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    if !rows.is_empty() {
        let marks = vec!["?"; rows.len()].join(",");
        let mut mem = db
            .prepare_cached(&format!(
                "SELECT conversation_id, id, name, email FROM members WHERE conversation_id IN ({marks}) ORDER BY rowid"
            ))
            .unwrap();
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let members = mem
            .query_map(rusqlite::params_from_iter(ids.iter()), |r| {
                Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
            })
            .unwrap();
        for m in members {
            let (cid, member) = m.unwrap();
            if let Some(row) = rows.iter_mut().find(|r| r.0 == cid) {
                row.6.push(member);
            }
        }
    }
    (rows, total as usize)
}

/// SQLite's page of ids alone (no count, no members): a lower bound.
fn sqlite_ids(db: &Connection, key: &str) -> Vec<String> {
    let (where_, tail) = sqlite_sql(key);
    let binds = sqlite_binds(key);
    let mut stmt = db
        .prepare_cached(&format!(
            "SELECT id FROM conversations WHERE {where_} {tail}"
        ))
        .unwrap();
    stmt.query_map(rusqlite::params_from_iter(binds.iter()), |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

// ---- measurements ----------------------------------------------------------

/// Resident memory in bytes (`/proc/self/statm`, second field, 4 KiB pages).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
}

/// The median nanoseconds per iteration from a fresh `estimates.json`.
fn median_ns(group: &str, function: &str, since: SystemTime) -> Option<f64> {
    rsql_benches::estimates::read(&criterion_home()?, group, function, since, &["median"])
}

/// The data file for `n` conversations, generated on first use.
fn data_file(n: u64) -> PathBuf {
    let (path, generated) = rsql_benches::data_file(n, SEED).unwrap();
    if let Some(took) = generated {
        eprintln!("generated {} in {took:?}", path.display());
    }
    path
}

struct Loaded {
    store: Store,
    naive: Vec<Naive>,
    db: Connection,
    /// (system, seconds, bytes)
    loads: Vec<(&'static str, f64, u64)>,
}

fn load_all(n: u64) -> Loaded {
    let path = data_file(n);
    let mut loads = Vec::new();

    let before = rss_bytes();
    let t = Instant::now();
    let mut store = Store::new();
    let report =
        store::load::load_jsonl_file(&mut store, &path, &store::load::LoadOptions::fail_fast())
            .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(report.loaded as u64, n);
    loads.push(("store", secs, rss_bytes().saturating_sub(before)));
    let stats = store.stats();
    eprintln!(
        "store: name trigram index {} trigrams, {:.1} MB of heap",
        stats.name_trigrams,
        stats.name_trigram_bytes as f64 / 1e6
    );

    let before = rss_bytes();
    let t = Instant::now();
    let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    let naive: Vec<Naive> = file
        .lines()
        .map(|l| Naive::from_line(&l.unwrap()))
        .collect();
    loads.push((
        "naive",
        t.elapsed().as_secs_f64(),
        rss_bytes().saturating_sub(before),
    ));

    let before = rss_bytes();
    let t = Instant::now();
    let db = sqlite_load(&naive);
    loads.push((
        "sqlite (from parsed rows)",
        t.elapsed().as_secs_f64(),
        rss_bytes().saturating_sub(before),
    ));
    for (system, secs, bytes) in &loads {
        eprintln!(
            "load {system}: {secs:.2} s, +{:.0} MB resident",
            *bytes as f64 / 1e6
        );
    }
    Loaded {
        store,
        naive,
        db,
        loads,
    }
}

fn spec(q: &Query) -> QuerySpec {
    QuerySpec::from_params(&q.params, NOW).unwrap()
}

/// All systems return the same ids, in the same order, and the same total.
fn preflight(l: &Loaded) {
    for q in queries() {
        let page: Page = l.store.query(&spec(&q)).unwrap();
        let ids: Vec<&str> = page
            .items
            .iter()
            .map(|c: &Conversation| c.id.as_str())
            .collect();
        let (naive, naive_total) = naive_query(&l.naive, q.key);
        let (sql, sql_total) = sqlite_query(&l.db, q.key);
        let naive_ids: Vec<&str> = naive.iter().map(|c| c.id.as_str()).collect();
        let sql_ids: Vec<&str> = sql.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(ids, naive_ids, "{}: store and naive pages differ", q.key);
        assert_eq!(ids, sql_ids, "{}: store and SQLite pages differ", q.key);
        assert_eq!(sqlite_ids(&l.db, q.key), sql_ids, "{}", q.key);
        assert_eq!(page.total, naive_total, "{}: totals differ", q.key);
        assert_eq!(page.total, sql_total, "{}: totals differ", q.key);
        // The page rows themselves agree too (members in order, metadata).
        for (c, s) in page.items.iter().zip(&sql) {
            assert_eq!(
                (c.kind.as_str(), c.name.as_str(), c.start_time, c.end_time),
                (s.1.as_str(), s.2.as_str(), s.3, s.4)
            );
            let members: Vec<(String, String, Option<String>)> = c
                .members
                .iter()
                .map(|m| (m.id.clone(), m.name.clone(), m.email.clone()))
                .collect();
            assert_eq!(members, s.6, "{}: members of {}", q.key, c.id);
        }
        eprintln!(
            "preflight {}: {} matches, page of {} agrees across systems",
            q.key,
            page.total,
            ids.len()
        );
        eprintln!("{}", l.store.explain(&spec(&q)));
    }
}

fn bench(c: &mut Criterion, l: &mut Loaded, n: u64) {
    let cache = l.store.pattern_cache_bytes();
    for q in queries() {
        let spec = spec(&q);
        let mut group = c.benchmark_group(format!("store_{}_{}", n, q.key));
        // The engine: the pattern cache off, the path of every first query
        // and of every query after a write.
        l.store.set_pattern_cache_bytes(0);
        group.bench_function("store", |b| {
            b.iter(|| black_box(l.store.query_ref(black_box(&spec)).unwrap()))
        });
        group.bench_function("store_owned", |b| {
            b.iter(|| black_box(l.store.query(black_box(&spec)).unwrap()))
        });
        // With the pattern cache on (its default size), where the query
        // uses it: the first query keeps the rows, the timed ones read them.
        l.store.set_pattern_cache_bytes(cache);
        l.store.query(&spec).unwrap();
        if l.store.explain(&spec).contains("pattern cache") {
            group.bench_function("store_kept", |b| {
                b.iter(|| black_box(l.store.query_ref(black_box(&spec)).unwrap()))
            });
        }
        group.bench_function("sqlite", |b| {
            b.iter(|| black_box(sqlite_query(&l.db, black_box(q.key))))
        });
        group.bench_function("sqlite_ids", |b| {
            b.iter(|| black_box(sqlite_ids(&l.db, black_box(q.key))))
        });
        group.bench_function("naive", |b| {
            b.iter(|| black_box(naive_query(&l.naive, black_box(q.key))))
        });
        group.finish();
    }
}

fn summary(l: &Loaded, n: u64, since: SystemTime) {
    let mut table = format!(
        "N = {n} conversations (seed {SEED}); median ms per query\n\n| query | store | store (owned page) | store (pattern cache) | SQLite | SQLite (ids only) | naive | store vs SQLite | store vs naive | target at N = 1M |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    );
    let mut any = false;
    for q in queries() {
        let group = format!("store_{}_{}", n, q.key);
        let get = |f: &str| median_ns(&group, f, since).map(|ns| ns / 1e6);
        let (Some(st), Some(sq), Some(nv)) = (get("store"), get("sqlite"), get("naive")) else {
            continue;
        };
        any = true;
        let cell = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.4}"));
        let verdict = if st <= q.target_ms && st < sq && st < nv {
            "met"
        } else {
            "missed"
        };
        table.push_str(&format!(
            "| {} | {st:.4} | {} | {} | {sq:.4} | {} | {nv:.4} | {:.1}× faster | {:.1}× faster | ≤ {} ms: {verdict} |\n",
            q.key,
            cell(get("store_owned")),
            cell(get("store_kept")),
            cell(get("sqlite_ids")),
            sq / st,
            nv / st,
            q.target_ms
        ));
    }
    table.push_str("\n| load | seconds | resident MB |\n|---|---:|---:|\n");
    for (system, secs, bytes) in &l.loads {
        table.push_str(&format!(
            "| {system} | {secs:.2} | {:.0} |\n",
            *bytes as f64 / 1e6
        ));
    }
    if !any {
        eprintln!("(no fresh criterion results: summary skipped)");
    }
    println!("\nstore summary:\n\n{table}");
    if let Some(home) = criterion_home() {
        let _ = std::fs::create_dir_all(&home);
        let out = home.join("store-summary.md");
        if std::fs::write(&out, &table).is_ok() {
            println!("written to {}", out.display());
        }
    }
}

fn main() {
    let n: u64 = std::env::var("STORE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let since = SystemTime::now() - Duration::from_secs(1);
    let mut loaded = load_all(n);
    preflight(&loaded);
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &mut loaded, n);
    c.final_summary();
    summary(&loaded, n, since);
}
