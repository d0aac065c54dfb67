//! The five store queries of `shared/bench/README.md` on PostgreSQL: the SQL
//! rsql emits against the SQL an expert writes for the same question, timed
//! in the same run on the same 1M conversations.
//!
//! * Data: `store::generate` with seed 42 (the store bench's data set),
//!   N = 1 000 000 (`--n`), loaded with two `COPY`s in one transaction into
//!   a database created for the run (`rsql_pgbench_<pid>`) and dropped at
//!   the end unless `--keep`; `--reuse NAME` runs on a kept database.
//! * Tables as `store::schema()`'s SQL mappings expect them:
//!   `conversations c(id, type, name, start_ms, end_ms, metadata jsonb)`,
//!   `members m(conversation_id, id, name, email)`.
//! * Indexes, in two phases: first the ones a user would create for q1–q5
//!   ([`USER_INDEXES`]), then, added to those, indexes written to match the
//!   emitted form ([`EMITTED_FORM_INDEXES`]). `VACUUM ANALYZE` after each.
//! * Emitted: `store::compile_filter` (the API's parser and schema) +
//!   `Filter::to_sql(&SqlOptions::postgres())`, and the API's order as
//!   `ORDER BY … LIMIT … OFFSET` ([`emitted_statement`], the one function
//!   to swap for rsql's whole-query `to_sql`); parameters bound by a local
//!   conversion of `SqlParam`. Hand-written: the same question as an expert
//!   writes it (literal JSON key, `IN (subquery)` for members, no collation
//!   clauses on a database whose collation already sorts by code point).
//! * Each query is a prepared statement; both variants must return the same
//!   rows in the same order (checked before timing). 5 warm-up runs each,
//!   then `--runs` (default 21) rounds alternating which variant goes first;
//!   medians and their ratio.
//! * `EXPLAIN (ANALYZE, BUFFERS)` of both, run as `EXECUTE` of a statement
//!   already executed 6 times, so the plan shown is the one the plan cache
//!   chose for the timed runs; and the generic plan
//!   (`plan_cache_mode = force_generic_plan`, what a driver or pooler that
//!   forces generic plans gets). The full plans go to
//!   `<target>/pg-bench/explain-<phase>.txt`, the tables to
//!   `<target>/pg-bench/summary.md`.
//!
//! Run (never in CI; it needs PostgreSQL at 127.0.0.1:5432, user postgres):
//! `cargo bench -p rsql-benches --bench pg` (`-- --n 100000 --runs 15 --keep q3 q5`;
//! `PG_BENCH_SERVER` overrides the connection string, without `dbname`).
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use postgres::Client;
use postgres::types::ToSql;
use rsql::{SqlOptions, SqlParam};

#[path = "support/pg.rs"]
mod pg_support;

use pg_support::{BenchError, Bound, TempDb, pg};

const SEED: u64 = 42;
const MAR_1: i64 = 1_614_556_800_000; // 2021-03-01T00:00:00.000Z
const MAR_8: i64 = 1_615_161_600_000; // 2021-03-08T00:00:00.000Z
const WARM_UP: usize = 5;
const COLUMNS: &str = "c.id, c.type, c.name, c.start_ms, c.end_ms, c.metadata";

/// The indexes a user would create for q1–q5.
const USER_INDEXES: &[&str] = &[
    "CREATE INDEX IF NOT EXISTS c_start ON conversations (start_ms)",
    "CREATE INDEX IF NOT EXISTS c_type_start ON conversations (type, start_ms)",
    "CREATE INDEX IF NOT EXISTS c_name_id ON conversations (name DESC, id)",
    "CREATE INDEX IF NOT EXISTS c_agent ON conversations ((metadata->>'agentId'))",
    "CREATE INDEX IF NOT EXISTS c_name_trgm ON conversations USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS m_email ON members (email)",
    "CREATE INDEX IF NOT EXISTS m_conversation ON members (conversation_id)",
];

/// Indexes written to match what rsql emits, added in the second phase:
/// the byte-order collation the emitted `ORDER BY` names.
const EMITTED_FORM_INDEXES: &[&str] = &[
    r#"CREATE INDEX IF NOT EXISTS c_name_id_c ON conversations (name COLLATE "C" DESC, id COLLATE "C")"#,
    r#"CREATE INDEX IF NOT EXISTS c_start_id_c ON conversations (start_ms, id COLLATE "C")"#,
    r#"CREATE INDEX IF NOT EXISTS c_type_start_id_c ON conversations (type, start_ms, id COLLATE "C")"#,
];

/// One key of the API's sort (`api.md` §1.4): a selector and a direction.
#[derive(Clone, Copy)]
struct SortKey {
    selector: &'static str,
    desc: bool,
}

/// The API's default order: `conversation.startTime` ascending.
const BY_START: &[SortKey] = &[SortKey {
    selector: "conversation.startTime",
    desc: false,
}];
/// `sort=-conversation.name`.
const BY_NAME_DESC: &[SortKey] = &[SortKey {
    selector: "conversation.name",
    desc: true,
}];

/// One bench query: the API request, and the hand-written statement.
#[derive(Clone)]
struct Case {
    key: &'static str,
    /// `X-Total-Count`'s query (`SELECT count(*)`, no order, no page)
    /// instead of the page's.
    count: bool,
    filter: Option<&'static str>,
    sort: &'static [SortKey],
    limit: u32,
    offset: u32,
    hand_where: Option<&'static str>,
    hand_order: &'static str,
    hand_params: fn() -> Vec<SqlParam>,
}

fn text(s: &str) -> SqlParam {
    SqlParam::Text(s.to_owned())
}

/// The five page queries, then the total count of q1–q4.
fn cases() -> Vec<Case> {
    let pages = page_cases();
    let counts = pages
        .iter()
        .filter(|c| c.filter.is_some())
        .map(|c| Case {
            count: true,
            ..c.clone()
        })
        .collect::<Vec<_>>();
    pages.into_iter().chain(counts).collect()
}

impl Case {
    /// `q3`, or `q3 count` for the count query.
    fn name(&self) -> String {
        if self.count {
            format!("{} count", self.key)
        } else {
            self.key.to_owned()
        }
    }
}

fn page_cases() -> Vec<Case> {
    vec![
        Case {
            count: false,
            key: "q1",
            filter: Some(
                "conversation.startTime=ge=2021-03-01T00:00:00.000Z;conversation.startTime=lt=2021-03-08T00:00:00.000Z;conversation.type==meeting",
            ),
            sort: BY_START,
            limit: 20,
            offset: 0,
            hand_where: Some("c.type = $1 AND c.start_ms >= $2 AND c.start_ms < $3"),
            hand_order: "c.start_ms, c.id",
            hand_params: || vec![text("meeting"), SqlParam::Int(MAR_1), SqlParam::Int(MAR_8)],
        },
        Case {
            count: false,
            key: "q2",
            filter: Some("conversation.name==*Brainstorm*"),
            sort: BY_START,
            limit: 20,
            offset: 0,
            hand_where: Some("c.name LIKE $1"),
            hand_order: "c.start_ms, c.id",
            hand_params: || vec![text("%Brainstorm%")],
        },
        Case {
            count: false,
            key: "q3",
            filter: Some("metadata.agentId=in=(agent-0007,agent-0042,agent-0311)"),
            sort: BY_START,
            limit: 20,
            offset: 0,
            hand_where: Some("c.metadata->>'agentId' IN ($1, $2, $3)"),
            hand_order: "c.start_ms, c.id",
            hand_params: || vec![text("agent-0007"), text("agent-0042"), text("agent-0311")],
        },
        Case {
            count: false,
            key: "q4",
            filter: Some("members.email==charles.miller1@initech.net"),
            sort: BY_START,
            limit: 20,
            offset: 0,
            hand_where: Some(
                "c.id IN (SELECT m.conversation_id FROM members m WHERE m.email = $1)",
            ),
            hand_order: "c.start_ms, c.id",
            hand_params: || vec![text("charles.miller1@initech.net")],
        },
        Case {
            count: false,
            key: "q5",
            filter: None,
            sort: BY_NAME_DESC,
            limit: 20,
            offset: 100,
            hand_where: None,
            hand_order: "c.name DESC, c.id",
            hand_params: Vec::new,
        },
    ]
}

/// A plain field's column and whether it is text, for the sort keys (the
/// store schema's `sql_column` mappings).
fn sort_column(selector: &str) -> Option<(&'static str, bool)> {
    match selector {
        "conversation.id" => Some(("c.id", true)),
        "conversation.name" => Some(("c.name", true)),
        "conversation.type" => Some(("c.type", true)),
        "conversation.startTime" => Some(("c.start_ms", false)),
        "conversation.endTime" => Some(("c.end_ms", false)),
        _ => None,
    }
}

/// The statement rsql gives for an API request: the filter compiled by the
/// store and emitted by `Filter::to_sql`, then the API's order (§1.4, A-11:
/// byte order for strings, missing values last ascending / first
/// descending, `conversation.id` ascending as the final key) as
/// `ORDER BY … LIMIT … OFFSET`, written the way rsql's whole-query emitter
/// writes it (`COLLATE "C"` on text keys, explicit `NULLS`). When rsql's
/// `Query::to_sql` lands, this function becomes a call to it.
fn emitted_statement(case: &Case) -> Result<(String, Vec<SqlParam>), BenchError> {
    let emit_err = |message: String| BenchError::Emit {
        query: case.name(),
        message,
    };
    let mut sql = select(case);
    let mut params = Vec::new();
    if let Some(f) = case.filter {
        let filter = store::compile_filter(f).map_err(|e| emit_err(format!("{e:#}")))?;
        let w = filter
            .to_sql(&SqlOptions::postgres())
            .map_err(|e| emit_err(e.to_string()))?;
        sql.push_str(" WHERE ");
        sql.push_str(&w.sql);
        params = w.params;
    }
    if case.count {
        return Ok((sql, params));
    }
    let tie_break = SortKey {
        selector: "conversation.id",
        desc: false,
    };
    let keys = case
        .sort
        .iter()
        .chain((!case.sort.iter().any(|k| k.selector == tie_break.selector)).then_some(&tie_break));
    let mut order = Vec::new();
    for k in keys {
        let (col, is_text) = sort_column(k.selector)
            .ok_or_else(|| emit_err(format!("`{}` is not sortable", k.selector)))?;
        let collate = if is_text { " COLLATE \"C\"" } else { "" };
        let dir = if k.desc {
            "DESC NULLS FIRST"
        } else {
            "ASC NULLS LAST"
        };
        order.push(format!("{col}{collate} {dir}"));
    }
    let _ = write!(
        sql,
        " ORDER BY {} LIMIT {} OFFSET {}",
        order.join(", "),
        case.limit,
        case.offset
    );
    Ok((sql, params))
}

/// `SELECT … FROM conversations c`: the page's columns, or the count.
fn select(case: &Case) -> String {
    let what = if case.count { "count(*)" } else { COLUMNS };
    format!("SELECT {what} FROM conversations c")
}

/// The hand-written statement and its parameters.
fn hand_statement(case: &Case) -> (String, Vec<SqlParam>) {
    let mut sql = select(case);
    if let Some(w) = case.hand_where {
        sql.push_str(" WHERE ");
        sql.push_str(w);
    }
    if case.count {
        return (sql, (case.hand_params)());
    }
    let _ = write!(
        sql,
        " ORDER BY {} LIMIT {} OFFSET {}",
        case.hand_order, case.limit, case.offset
    );
    (sql, (case.hand_params)())
}

/// One variant of a query, prepared.
struct Variant {
    label: &'static str,
    sql: String,
    params: Vec<SqlParam>,
    bound: Vec<Bound>,
    stmt: postgres::Statement,
}

impl Variant {
    fn new(
        client: &mut Client,
        key: &str,
        label: &'static str,
        (sql, params): (String, Vec<SqlParam>),
    ) -> Result<Variant, BenchError> {
        let what = format!("{key} {label}");
        let bound = params
            .iter()
            .map(|p| pg_support::bind(&what, p))
            .collect::<Result<Vec<_>, _>>()?;
        let stmt = client
            .prepare(&sql)
            .map_err(pg(format!("preparing {what}: {sql}")))?;
        Ok(Variant {
            label,
            sql,
            params,
            bound,
            stmt,
        })
    }

    /// Runs the statement; the ids of the rows in order (or the count).
    fn run(&self, client: &mut Client, key: &str) -> Result<Vec<String>, BenchError> {
        let refs: Vec<&(dyn ToSql + Sync)> = self.bound.iter().map(|b| b.as_ref()).collect();
        let rows = client
            .query(&self.stmt, &refs)
            .map_err(pg(format!("{key} {}: {}", self.label, self.sql)))?;
        rows.iter()
            .map(|r| {
                r.try_get::<_, String>(0)
                    .or_else(|_| r.try_get::<_, i64>(0).map(|n| format!("count {n}")))
            })
            .collect::<Result<_, _>>()
            .map_err(pg(format!("{key} {}: reading id", self.label)))
    }

    /// Generic and custom plans the plan cache made for the statement so far.
    fn plan_counts(&self, client: &mut Client) -> Result<(i64, i64), BenchError> {
        let row = client
            .query_one(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1 AND NOT from_sql",
                &[&self.sql],
            )
            .map_err(pg(format!("pg_prepared_statements for {}", self.label)))?;
        Ok((row.get(0), row.get(1)))
    }

    /// `EXPLAIN (ANALYZE, BUFFERS)` of the statement as the plan cache runs
    /// it after `WARM_UP + 1` executions, and of its generic plan.
    fn explain(&self, client: &mut Client, key: &str) -> Result<Explained, BenchError> {
        let what = format!("{key} {}", self.label);
        let name = format!("explain_{}_{}", key.replace(' ', "_"), self.label);
        let args = self
            .params
            .iter()
            .map(|p| pg_support::literal(&what, p))
            .collect::<Result<Vec<_>, _>>()?;
        let exec = if args.is_empty() {
            format!("EXECUTE {name}")
        } else {
            format!("EXECUTE {name}({})", args.join(", "))
        };
        let lines = |client: &mut Client, sql: &str| -> Result<Vec<String>, BenchError> {
            let rows = client
                .query(sql, &[])
                .map_err(pg(format!("{what}: {sql}")))?;
            rows.iter()
                .map(|r| r.try_get::<_, String>(0))
                .collect::<Result<_, _>>()
                .map_err(pg(format!("{what}: reading EXPLAIN")))
        };
        client
            .batch_execute(&format!("PREPARE {name} AS {}", self.sql))
            .map_err(pg(format!("PREPARE {name}")))?;
        for _ in 0..=WARM_UP {
            client
                .batch_execute(&exec)
                .map_err(pg(format!("{what}: {exec}")))?;
        }
        let cached = lines(client, &format!("EXPLAIN (ANALYZE, BUFFERS) {exec}"))?;
        client
            .batch_execute("SET plan_cache_mode = force_generic_plan")
            .map_err(pg("SET plan_cache_mode"))?;
        let generic = lines(client, &format!("EXPLAIN (ANALYZE, BUFFERS) {exec}"));
        client
            .batch_execute(&format!("RESET plan_cache_mode; DEALLOCATE {name}"))
            .map_err(pg("RESET plan_cache_mode"))?;
        Ok(Explained {
            cached,
            generic: generic?,
        })
    }
}

struct Explained {
    cached: Vec<String>,
    generic: Vec<String>,
}

/// One query's outcome in one phase.
struct Outcome {
    key: String,
    /// `20 rows` or `count 6012`.
    rows: String,
    emitted_ms: f64,
    hand_ms: f64,
    emitted_access: Vec<String>,
    hand_access: Vec<String>,
    emitted_generic_access: Vec<String>,
    emitted_plans: (i64, i64),
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn run_case(
    client: &mut Client,
    case: &Case,
    runs: usize,
    log: &mut String,
) -> Result<Outcome, BenchError> {
    let key = case.name();
    let key = key.as_str();
    let emitted = Variant::new(client, key, "emitted", emitted_statement(case)?)?;
    let hand = Variant::new(client, key, "hand", hand_statement(case))?;
    let a = emitted.run(client, key)?;
    let b = hand.run(client, key)?;
    if a != b {
        return Err(BenchError::Mismatch {
            query: case.name(),
            emitted: a,
            hand: b,
        });
    }
    let rows = match (case.count, a.first()) {
        (true, Some(count)) => count.clone(),
        _ => format!("{} rows", a.len()),
    };
    for _ in 0..WARM_UP {
        black_box(emitted.run(client, key)?);
        black_box(hand.run(client, key)?);
    }
    let (mut te, mut th) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for round in 0..runs {
        let order = if round % 2 == 0 {
            [&emitted, &hand]
        } else {
            [&hand, &emitted]
        };
        for v in order {
            let t = Instant::now();
            black_box(v.run(client, key)?);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if v.label == "emitted" {
                te.push(ms);
            } else {
                th.push(ms);
            }
        }
    }
    let emitted_plans = emitted.plan_counts(client)?;
    let ee = emitted.explain(client, key)?;
    let he = hand.explain(client, key)?;
    for (v, e) in [(&emitted, &ee), (&hand, &he)] {
        let _ = writeln!(
            log,
            "---- {} {}\n{}\nparams: {:?}",
            key, v.label, v.sql, v.params
        );
        let _ = writeln!(log, "-- plan the timed runs used:\n{}", e.cached.join("\n"));
        let _ = writeln!(log, "-- generic plan:\n{}\n", e.generic.join("\n"));
    }
    let outcome = Outcome {
        key: case.name(),
        rows,
        emitted_ms: median(te),
        hand_ms: median(th),
        emitted_access: pg_support::plan_access(&ee.cached),
        hand_access: pg_support::plan_access(&he.cached),
        emitted_generic_access: pg_support::plan_access(&ee.generic),
        emitted_plans,
    };
    println!(
        "{:<8} {:<12} emitted {:>9.3} ms  hand {:>9.3} ms  ratio {:>6.2}×  {}",
        key,
        outcome.rows,
        outcome.emitted_ms,
        outcome.hand_ms,
        outcome.emitted_ms / outcome.hand_ms,
        access_summary(&outcome)
    );
    println!("   emitted plan: {}", pg_support::plan_shape(&ee.cached));
    println!("   hand plan:    {}", pg_support::plan_shape(&he.cached));
    if outcome.emitted_generic_access != outcome.emitted_access {
        println!(
            "   emitted generic plan: {}",
            pg_support::plan_shape(&ee.generic)
        );
    }
    Ok(outcome)
}

/// `same index use: index c_agent` or `DIFFERENT: emitted … / hand …`.
fn access_summary(o: &Outcome) -> String {
    let e = o.emitted_access.join(", ");
    if o.emitted_access == o.hand_access {
        format!("same access: {e}")
    } else {
        format!("DIFFERENT: emitted {e} / hand {}", o.hand_access.join(", "))
    }
}

struct Args {
    n: u64,
    runs: usize,
    keep: bool,
    reuse: Option<String>,
    only: Vec<String>,
}

fn parse_args() -> Result<Option<Args>, BenchError> {
    let mut args = Args {
        n: 1_000_000,
        runs: 21,
        keep: false,
        reuse: None,
        only: Vec::new(),
    };
    let mut bench = false;
    let mut it = std::env::args().skip(1);
    let value = |it: &mut dyn Iterator<Item = String>, flag: &str| {
        it.next()
            .ok_or_else(|| BenchError::Args(format!("{flag} needs a value")))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--bench" => bench = true,
            "--keep" => args.keep = true,
            "--n" => {
                let v = value(&mut it, "--n")?;
                args.n = v
                    .parse()
                    .map_err(|_| BenchError::Args(format!("--n: `{v}` is not a count")))?;
            }
            "--runs" => {
                let v = value(&mut it, "--runs")?;
                args.runs = v
                    .parse()
                    .map_err(|_| BenchError::Args(format!("--runs: `{v}` is not a count")))?;
            }
            "--reuse" => args.reuse = Some(value(&mut it, "--reuse")?),
            q if page_cases().iter().any(|c| c.key == q) => args.only.push(q.to_owned()),
            other => {
                return Err(BenchError::Args(format!(
                    "unknown argument `{other}` (expected --n N, --runs N, --keep, --reuse DB, q1…q5)"
                )));
            }
        }
    }
    if let Some(db) = &args.reuse
        && !db.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(BenchError::Args(format!(
            "--reuse: `{db}` is not a plain database name"
        )));
    }
    Ok(bench.then_some(args))
}

fn out_dir() -> PathBuf {
    rsql_benches::estimates::criterion_home()
        .and_then(|h| h.parent().map(|p| p.join("pg-bench")))
        .unwrap_or_else(std::env::temp_dir)
}

fn write_out(path: &PathBuf, text: &str) -> Result<(), BenchError> {
    std::fs::write(path, text).map_err(|source| BenchError::Output {
        path: path.display().to_string(),
        source,
    })
}

fn table(phase: &str, outcomes: &[Outcome]) -> String {
    let mut t = format!(
        "\n### {phase}\n\n| query | result | emitted ms | hand ms | ratio | index use (plan the timed runs used) | emitted plans generic/custom | emitted generic plan |\n|---|---:|---:|---:|---:|---|---|---|\n"
    );
    for o in outcomes {
        let _ = writeln!(
            t,
            "| {} | {} | {:.3} | {:.3} | {:.2}× | {} | {}/{} | {} |",
            o.key,
            o.rows,
            o.emitted_ms,
            o.hand_ms,
            o.emitted_ms / o.hand_ms,
            access_summary(o),
            o.emitted_plans.0,
            o.emitted_plans.1,
            o.emitted_generic_access.join(", ")
        );
    }
    t
}

fn run() -> Result<(), BenchError> {
    let Some(args) = parse_args()? else {
        println!("pg: a PostgreSQL bench; run it with `cargo bench -p rsql-benches --bench pg`");
        return Ok(());
    };
    let server = std::env::var("PG_BENCH_SERVER")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres".to_owned());
    let db = match &args.reuse {
        Some(name) => TempDb::existing(&server, name),
        None => TempDb::create(
            &server,
            &format!("rsql_pgbench_{}", std::process::id()),
            args.keep,
        )?,
    };
    let mut client = db.connect()?;
    let conforming: String = client
        .query_one("SHOW standard_conforming_strings", &[])
        .and_then(|r| r.try_get(0))
        .map_err(pg("SHOW standard_conforming_strings"))?;
    if conforming != "on" {
        return Err(BenchError::Args(
            "the server needs standard_conforming_strings = on (EXPLAIN literals)".into(),
        ));
    }
    let mut summary = String::new();
    if args.reuse.is_none() {
        client
            .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            .map_err(pg("CREATE EXTENSION pg_trgm"))?;
        let t = Instant::now();
        let members = pg_support::load(&mut client, SEED, args.n)?;
        let line = format!(
            "loaded {} conversations and {members} members (COPY, one transaction) in {:.1} s into {}",
            args.n,
            t.elapsed().as_secs_f64(),
            db.name()
        );
        println!("{line}");
        summary.push_str(&line);
        summary.push('\n');
    }
    let facts = client
        .query_one(
            "SELECT version(), current_setting('shared_buffers'), current_setting('work_mem'), \
             (SELECT datcollate FROM pg_database WHERE datname = current_database()), \
             (SELECT count(*) FROM conversations)",
            &[],
        )
        .map_err(pg("server facts"))?;
    let count: i64 = facts.get(4);
    let line = format!(
        "{}; shared_buffers {}, work_mem {}, database collation {}; {count} conversations",
        facts.get::<_, String>(0),
        facts.get::<_, String>(1),
        facts.get::<_, String>(2),
        facts.get::<_, String>(3),
    );
    println!("{line}");
    summary.push_str(&line);
    summary.push('\n');

    let dir = out_dir();
    std::fs::create_dir_all(&dir).map_err(|source| BenchError::Output {
        path: dir.display().to_string(),
        source,
    })?;
    let phases: [(&str, &[&str]); 2] = [
        ("user indexes", USER_INDEXES),
        ("user indexes + emitted-form indexes", EMITTED_FORM_INDEXES),
    ];
    // A reused database may hold the second phase's indexes from before.
    for ddl in EMITTED_FORM_INDEXES {
        let name = ddl
            .split_whitespace()
            .nth(5)
            .ok_or_else(|| BenchError::Args(format!("no index name in `{ddl}`")))?;
        client
            .batch_execute(&format!("DROP INDEX IF EXISTS {name}"))
            .map_err(pg(format!("DROP INDEX {name}")))?;
    }
    for (i, (phase, indexes)) in phases.iter().enumerate() {
        let t = Instant::now();
        for ddl in *indexes {
            client.batch_execute(ddl).map_err(pg(*ddl))?;
        }
        // One statement per call: VACUUM cannot run in the implicit
        // transaction of a multi-statement query.
        for sql in ["VACUUM ANALYZE conversations", "VACUUM ANALYZE members"] {
            client.batch_execute(sql).map_err(pg(sql))?;
        }
        println!(
            "\n== phase {}: {phase} (built and analysed in {:.1} s)",
            i + 1,
            t.elapsed().as_secs_f64()
        );
        let mut log = String::new();
        let mut outcomes = Vec::new();
        for case in cases() {
            if !args.only.is_empty() && !args.only.iter().any(|q| q == case.key) {
                continue;
            }
            outcomes.push(run_case(&mut client, &case, args.runs, &mut log)?);
        }
        summary.push_str(&table(phase, &outcomes));
        write_out(&dir.join(format!("explain-phase{}.txt", i + 1)), &log)?;
    }
    let path = dir.join("summary.md");
    write_out(&path, &summary)?;
    println!("{summary}\nwritten: {} (plans beside it)", path.display());
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pg bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
