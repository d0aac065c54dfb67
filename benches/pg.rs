//! The five store queries of `benches/README.md` on PostgreSQL: the SQL
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
//! * Two phases, the two ways a user gets byte-ordered text (`api.md`'s
//!   order) served by an index:
//!   1. the store schema as is (text columns typed `Text`, so the emitter
//!      writes `COLLATE "C"` in string orderings and `ORDER BY`), the
//!      indexes a user would create for q1–q5 ([`USER_INDEXES`]) and the one
//!      rsql's docs tell them to create for a `COLLATE "C"` ordering
//!      ([`DOCS_INDEXES`]);
//!   2. `conversations.id`, `conversations.name` and
//!      `members.conversation_id` altered to `text COLLATE "C"`
//!      ([`BYTE_COLUMNS`]), the documented index dropped (the plain ones
//!      now have that collation), and a schema whose `conversation.id` /
//!      `conversation.name` are declared [`SqlType::ByteText`]
//!      ([`byte_text_schema`]), so the emitter leaves `COLLATE "C"` out.
//!
//!   `VACUUM ANALYZE` before each phase.
//! * Emitted: the API's request as rsql's whole query,
//!   `Query::new(sort).with_filter(filter).with_limit(..).with_offset(..)
//!   .to_sql(&SqlOptions::postgres())` ([`emitted_statement`]); phase 1
//!   takes the sort from `store::sort::Sort::as_rsql` and the filter from
//!   `store::compile_filter`. The count query is `Filter::to_sql`'s `WHERE`.
//!   Parameters are bound by rsql's `postgres` feature (`ToSql for
//!   SqlParam`). Hand-written: the same question as an expert writes it
//!   (literal JSON key, `IN (subquery)` for members, literal `LIMIT` and
//!   `OFFSET`, no collation clauses on a database whose collation already
//!   sorts by code point).
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
use rsql::{Field, FieldType, Missing, Query, Schema, SortRules, SqlOptions, SqlParam, SqlType};

#[path = "support/pg.rs"]
mod pg_support;

use pg_support::{BenchError, TempDb, pg};

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

/// The index rsql's docs (`emit::sql`, "Index use") tell a user to create
/// for a string ordering the emitter writes with `COLLATE "C"` (q5's
/// `ORDER BY c.name COLLATE "C" DESC, c.id COLLATE "C"`); phase 1 only.
const DOCS_INDEXES: &[&str] = &[
    r#"CREATE INDEX IF NOT EXISTS c_name_id_c ON conversations (name COLLATE "C" DESC, id COLLATE "C")"#,
];

/// Phase 2's columns: the text columns that are compared or ordered by
/// bytes, declared `text COLLATE "C"` (`members.conversation_id` too, so
/// the `m.conversation_id = c.id` join compares one collation).
const BYTE_COLUMNS: &[(&str, &str)] = &[
    ("conversations", "id"),
    ("conversations", "name"),
    ("members", "conversation_id"),
];

/// One bench query: the API request, and the hand-written statement.
#[derive(Clone)]
struct Case {
    key: &'static str,
    /// `X-Total-Count`'s query (`SELECT count(*)`, no order, no page)
    /// instead of the page's.
    count: bool,
    filter: Option<&'static str>,
    /// The API's `sort` parameter.
    sort: &'static str,
    limit: usize,
    offset: usize,
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
            sort: "conversation.startTime",
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
            sort: "conversation.startTime",
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
            sort: "conversation.startTime",
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
            sort: "conversation.startTime",
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
            sort: "-conversation.name",
            limit: 20,
            offset: 100,
            hand_where: None,
            hand_order: "c.name DESC, c.id",
            hand_params: Vec::new,
        },
    ]
}

/// The schema an emitted statement is compiled with.
enum Emitter {
    /// `store::schema()` as is: the store's sort (`store::sort::Sort`) and
    /// filter (`store::compile_filter`).
    Store,
    /// [`byte_text_schema`]'s sort rules (the filter is compiled against
    /// their schema with the API's parser).
    ByteText(SortRules),
}

impl Emitter {
    /// The API request of `case` as rsql's whole query, and its filter alone.
    fn query(&self, case: &Case) -> Result<(Query, Option<rsql::Filter>), BenchError> {
        let emit_err = |message: String| BenchError::Emit {
            query: case.name(),
            message,
        };
        let (sort, filter) = match self {
            Emitter::Store => {
                let sort = store::sort::Sort::parse(case.sort, Default::default())
                    .map_err(|e| emit_err(e.to_string()))?;
                let filter = case
                    .filter
                    .map(|f| {
                        store::compile_filter(f)
                            .map(|f| (*f).clone())
                            .map_err(|e| emit_err(format!("{e:#}")))
                    })
                    .transpose()?;
                (sort.as_rsql().clone(), filter)
            }
            Emitter::ByteText(rules) => {
                let sort = rules
                    .parse(case.sort, Default::default())
                    .map_err(|e| emit_err(e.to_string()))?;
                let filter = case
                    .filter
                    .map(|f| {
                        rules
                            .schema()
                            .compile_str(store::filter::api_parser(), f)
                            .map_err(|e| emit_err(e.to_string()))
                    })
                    .transpose()?;
                (sort, filter)
            }
        };
        let mut query = Query::new(sort)
            .with_limit(case.limit)
            .with_offset(case.offset);
        if let Some(f) = &filter {
            query = query.with_filter(f.clone());
        }
        Ok((query, filter))
    }
}

/// `store::schema()` rebuilt field for field (store/src/schema.rs) with
/// `conversation.id` and `conversation.name` declared
/// [`SqlType::ByteText`] (`text_c`: columns `text COLLATE "C"`).
fn byte_text_schema() -> Result<Schema, BenchError> {
    let member = |name: &str, col: &str| {
        Field::new(format!("members.{name}"), FieldType::String)
            .multi_valued()
            .sql_exists("members m", "m.conversation_id = c.id", format!("m.{col}"))
            .mongo_elem("members", name)
    };
    Schema::builder()
        .field(
            Field::new("conversation.id", FieldType::String)
                .sortable()
                .sql_column("c.id")
                .sql_type(SqlType::ByteText)
                .mongo_path("id"),
        )
        .field(
            Field::new("conversation.name", FieldType::String)
                .sortable()
                .sql_column("c.name")
                .sql_type(SqlType::ByteText)
                .mongo_path("name"),
        )
        .field(
            Field::new("conversation.type", FieldType::String)
                .sortable()
                .sql_column("c.type")
                .mongo_path("type"),
        )
        .field(
            Field::new("conversation.startTime", FieldType::Timestamp)
                .sortable()
                .sql_column("c.start_ms")
                .mongo_path("startTime"),
        )
        .field(
            Field::new("conversation.endTime", FieldType::Timestamp)
                .sortable()
                .when_missing(Missing::MatchesNothing)
                .sql_column("c.end_ms")
                .mongo_path("endTime"),
        )
        .field(
            Field::dynamic("conversation.metadata", FieldType::String)
                .numeric_strings()
                .sql_json("c.metadata")
                .mongo_path("metadata"),
        )
        .field(member("id", "id"))
        .field(member("name", "name"))
        .field(member("email", "email"))
        .alias("metadata", "conversation.metadata")
        .alias("conversation.members", "members")
        .build()
        .map_err(|e| BenchError::Args(format!("the byte_text schema: {e}")))
}

/// The statement rsql gives for an API request: `SELECT … FROM
/// conversations c` and the tail rsql's [`Query::to_sql`] emits (`WHERE …
/// ORDER BY … LIMIT … OFFSET …`), verbatim; the count query is `SELECT
/// count(*) … WHERE` + [`rsql::Filter::to_sql`].
fn emitted_statement(
    emitter: &Emitter,
    case: &Case,
) -> Result<(String, Vec<SqlParam>), BenchError> {
    let emit_err = |message: String| BenchError::Emit {
        query: case.name(),
        message,
    };
    let (query, filter) = emitter.query(case)?;
    let mut sql = select(case);
    if case.count {
        let Some(filter) = filter else {
            return Ok((sql, Vec::new()));
        };
        let w = filter
            .to_sql(&SqlOptions::postgres())
            .map_err(|e| emit_err(e.to_string()))?;
        let _ = write!(sql, " WHERE {}", w.sql);
        return Ok((sql, w.params));
    }
    let tail = query
        .to_sql(&SqlOptions::postgres())
        .map_err(|e| emit_err(e.to_string()))?;
    let _ = write!(sql, " {}", tail.sql);
    Ok((sql, tail.params))
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
        let stmt = client
            .prepare(&sql)
            .map_err(pg(format!("preparing {what}: {sql}")))?;
        Ok(Variant {
            label,
            sql,
            params,
            stmt,
        })
    }

    /// Runs the statement; the ids of the rows in order (or the count).
    fn run(&self, client: &mut Client, key: &str) -> Result<Vec<String>, BenchError> {
        // rsql's `ToSql for SqlParam` (feature `postgres`).
        let refs: Vec<&(dyn ToSql + Sync)> = self
            .params
            .iter()
            .map(|p| p as &(dyn ToSql + Sync))
            .collect();
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
    emitter: &Emitter,
    case: &Case,
    runs: usize,
    log: &mut String,
) -> Result<Outcome, BenchError> {
    let key = case.name();
    let key = key.as_str();
    let emitted = Variant::new(client, key, "emitted", emitted_statement(emitter, case)?)?;
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

/// One phase: how the text columns are declared, and the schema the
/// emitted statements are compiled with.
struct Phase {
    title: &'static str,
    /// [`BYTE_COLUMNS`] declared `text COLLATE "C"` (else the database's
    /// default collation).
    byte_columns: bool,
    emitter: Emitter,
}

/// Declares [`BYTE_COLUMNS`] `text COLLATE "C"` (`on`) or back to the
/// database's default collation, where they are not already (PostgreSQL
/// rebuilds the indexes on them).
fn set_byte_columns(client: &mut Client, on: bool) -> Result<(), BenchError> {
    let want = if on { "C" } else { "default" };
    for (table, column) in BYTE_COLUMNS {
        let current: String = client
            .query_one(
                "SELECT coalesce((SELECT collname FROM pg_collation WHERE oid = a.attcollation), '') \
                 FROM pg_attribute a WHERE a.attrelid = $1::text::regclass AND a.attname = $2",
                &[table, column],
            )
            .and_then(|r| r.try_get(0))
            .map_err(pg(format!("collation of {table}.{column}")))?;
        if current != want {
            let sql =
                format!(r#"ALTER TABLE {table} ALTER COLUMN {column} TYPE text COLLATE "{want}""#);
            client.batch_execute(&sql).map_err(pg(sql))?;
        }
    }
    Ok(())
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
    let byte_text = SortRules::new(&byte_text_schema()?, "conversation.id")
        .map_err(|e| BenchError::Args(format!("sort rules of the byte_text schema: {e}")))?
        .with_max_keys(store::sort::MAX_SORT_FIELDS);
    let phases = [
        Phase {
            title: r#"store schema (`text`, emitted `COLLATE "C"`), user indexes + the documented `COLLATE "C"` index"#,
            byte_columns: false,
            emitter: Emitter::Store,
        },
        Phase {
            title: r#"columns `text COLLATE "C"`, schema `text_c` (`SqlType::ByteText`), plain user indexes"#,
            byte_columns: true,
            emitter: Emitter::ByteText(byte_text),
        },
    ];
    for (i, phase) in phases.iter().enumerate() {
        let t = Instant::now();
        // A reused database may be in either phase's state.
        set_byte_columns(&mut client, phase.byte_columns)?;
        for ddl in USER_INDEXES {
            client.batch_execute(ddl).map_err(pg(*ddl))?;
        }
        for ddl in DOCS_INDEXES {
            let sql = if phase.byte_columns {
                let name = ddl
                    .split_whitespace()
                    .nth(5)
                    .ok_or_else(|| BenchError::Args(format!("no index name in `{ddl}`")))?;
                format!("DROP INDEX IF EXISTS {name}")
            } else {
                (*ddl).to_owned()
            };
            client.batch_execute(&sql).map_err(pg(sql))?;
        }
        // One statement per call: VACUUM cannot run in the implicit
        // transaction of a multi-statement query.
        for sql in ["VACUUM ANALYZE conversations", "VACUUM ANALYZE members"] {
            client.batch_execute(sql).map_err(pg(sql))?;
        }
        println!(
            "\n== phase {}: {} (set up and analysed in {:.1} s)",
            i + 1,
            phase.title,
            t.elapsed().as_secs_f64()
        );
        let mut log = String::new();
        let mut outcomes = Vec::new();
        for case in cases() {
            if !args.only.is_empty() && !args.only.iter().any(|q| q == case.key) {
                continue;
            }
            outcomes.push(run_case(
                &mut client,
                &phase.emitter,
                &case,
                args.runs,
                &mut log,
            )?);
        }
        summary.push_str(&table(phase.title, &outcomes));
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
