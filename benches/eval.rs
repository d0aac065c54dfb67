//! Evaluation and compile throughput of `rsql`.
//!
//! * Groups `eval_q1` … `eval_q4`: `Filter::matches` over 100 000 generated
//!   conversations held as structs (`support/conv.rs`, distributions of
//!   `store::generate`), against a hand-written Rust closure for the
//!   same predicate, in the same group. Throughput is rows (elements). The
//!   queries are those of `benches/README.md`; q5 has no filter (it
//!   only sorts and pages), so it has nothing to evaluate here.
//! * Group `compile`: `Schema::compile` of pre-parsed ASTs of the filter
//!   corpus (`data/filters.txt`): `short` (< 256 bytes), `all`, and
//!   `parse+compile` of the short lines for reference. Throughput is filters.
//!
//! Before timing, a preflight checks that each filter selects exactly the
//! rows its closure selects. After criterion, a summary table (rows/s,
//! filters/s, ratio to the closure) is printed and written to
//! `<criterion home>/eval-summary.md`.
//!
//! On a shared machine the load changes between the closure's samples and
//! the filter's, which moves criterion's ratios by ±50 %. The summary
//! therefore adds a second table: closure, `matches` and `select` run
//! *interleaved* (one pass each, round after round) and the fastest pass of
//! each is kept, so every contender sees the same load. Set
//! `EVAL_INTERLEAVED_ROUNDS=0` to skip it.
//!
//! Run: `cargo bench -p rsql-benches --bench eval` (add `-- eval_q2` for one group).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "support/conv.rs"]
#[allow(dead_code, unreachable_pub)]
mod conv;

use std::hint::black_box;
use std::time::{Instant, SystemTime};

use conv::Conv;
use criterion::{Criterion, Throughput};
use rsql::{Filter, Operators, Parser, Policy};
use rsql_benches::Corpus;
use rsql_benches::estimates::criterion_home;

const N: u64 = 100_000;
const SEED: u64 = 42;

/// One bench query: its filter text and the hand-written predicate.
struct Query {
    key: &'static str,
    filter: &'static str,
    closure: fn(&Conv) -> bool,
}

const MAR_1: i64 = 1_614_556_800_000; // 2021-03-01T00:00:00.000Z
const MAR_8: i64 = 1_615_161_600_000; // 2021-03-08T00:00:00.000Z

fn queries() -> [Query; 4] {
    [
        Query {
            key: "q1",
            filter: "conversation.startTime=ge=2021-03-01T00:00:00.000Z;conversation.startTime=lt=2021-03-08T00:00:00.000Z;conversation.type==meeting",
            closure: |c| c.start_ms >= MAR_1 && c.start_ms < MAR_8 && c.kind == "meeting",
        },
        Query {
            key: "q2",
            filter: "conversation.name==*Brainstorm*",
            closure: |c| c.name.contains("Brainstorm"),
        },
        Query {
            key: "q3",
            filter: "metadata.agentId=in=(agent-0007,agent-0042,agent-0311)",
            closure: |c| matches!(c.meta("agentId"), Some(a) if a == "agent-0007" || a == "agent-0042" || a == "agent-0311"),
        },
        Query {
            key: "q4",
            filter: "members.email==charles.miller1@initech.net",
            closure: |c| {
                c.members
                    .iter()
                    .any(|m| m.email.as_deref() == Some("charles.miller1@initech.net"))
            },
        },
    ]
}

fn parser() -> Parser {
    Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
}

fn preflight(convs: &[Conv], compiled: &[(Query, Filter)]) {
    for (q, f) in compiled {
        let by_closure: Vec<&str> = convs
            .iter()
            .filter(|c| (q.closure)(c))
            .map(|c| c.id.as_str())
            .collect();
        let by_filter: Vec<&str> = convs
            .iter()
            .filter(|c| f.matches(*c))
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(
            by_closure, by_filter,
            "{}: filter and closure disagree",
            q.key
        );
        let by_select: Vec<&str> = f
            .select(convs)
            .into_iter()
            .map(|i| convs[i].id.as_str())
            .collect();
        assert_eq!(
            by_closure, by_select,
            "{}: select and closure disagree",
            q.key
        );
        eprintln!(
            "preflight {}: {} of {} rows match",
            q.key,
            by_filter.len(),
            convs.len()
        );
    }
}

fn bench_eval(c: &mut Criterion, convs: &[Conv], compiled: &[(Query, Filter)]) {
    for (q, f) in compiled {
        let mut group = c.benchmark_group(format!("eval_{}", q.key));
        group.throughput(Throughput::Elements(convs.len() as u64));
        let closure = q.closure;
        group.bench_function("closure", |b| {
            b.iter(|| black_box(convs).iter().filter(|c| closure(c)).count())
        });
        group.bench_function("rsql", |b| {
            b.iter(|| black_box(convs).iter().filter(|c| f.matches(*c)).count())
        });
        group.bench_function("rsql_select", |b| {
            b.iter(|| f.select(black_box(convs)).len())
        });
        group.finish();
    }
}

fn bench_compile(c: &mut Criterion) {
    let schema = store::schema();
    let parser = parser();
    let short = Corpus::short();
    let all = Corpus::all();
    let parse = |corpus: &Corpus| -> Vec<rsql::Ast<'static>> {
        corpus
            .lines()
            .iter()
            .map(|l| parser.parse(l).expect("corpus parses"))
            .collect()
    };
    let short_asts = parse(&short);
    let all_asts = parse(&all);
    for ast in &all_asts {
        schema.compile(ast).expect("every corpus filter compiles");
    }
    let mut group = c.benchmark_group("compile");
    group.throughput(Throughput::Elements(short.len() as u64));
    group.bench_function("short", |b| {
        b.iter(|| {
            for ast in black_box(&short_asts) {
                black_box(schema.compile(ast).ok());
            }
        })
    });
    group.bench_function("parse+compile_short", |b| {
        b.iter(|| {
            for line in black_box(short.lines()) {
                black_box(schema.compile_str(&parser, line).ok());
            }
        })
    });
    group.throughput(Throughput::Elements(all.len() as u64));
    group.bench_function("all", |b| {
        b.iter(|| {
            for ast in black_box(&all_asts) {
                black_box(schema.compile(ast).ok());
            }
        })
    });
    group.finish();
}

/// Nanoseconds per iteration (slope when criterion fitted one, else the mean).
fn estimate_ns(group: &str, function: &str, since: SystemTime) -> Option<f64> {
    rsql_benches::estimates::read(
        &criterion_home()?,
        group,
        function,
        since,
        &["slope", "mean"],
    )
}

fn summary(compiled: &[(Query, Filter)], rows: usize, since: SystemTime) {
    let mut table = String::from(
        "| query | closure ms | matches ms | select ms | closure Mrows/s | matches Mrows/s | select Mrows/s | matches / closure | select / closure | target |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut any = false;
    for (q, _) in compiled {
        let group = format!("eval_{}", q.key);
        let (Some(cl), Some(rs), Some(se)) = (
            estimate_ns(&group, "closure", since),
            estimate_ns(&group, "rsql", since),
            estimate_ns(&group, "rsql_select", since),
        ) else {
            continue;
        };
        any = true;
        let target = if q.key == "q2" {
            "≤ 2×"
        } else {
            "≤ 1.5×"
        };
        let mrows = |ns: f64| rows as f64 / ns * 1e3;
        table.push_str(&format!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.1} | {:.1} | {:.1} | {:.2}× | {:.2}× | {} |\n",
            q.key,
            cl / 1e6,
            rs / 1e6,
            se / 1e6,
            mrows(cl),
            mrows(rs),
            mrows(se),
            rs / cl,
            se / cl,
            target
        ));
    }
    for (function, n, what) in [
        (
            "short",
            Corpus::short().len(),
            "compile, short corpus lines",
        ),
        ("all", Corpus::all().len(), "compile, all corpus lines"),
        (
            "parse+compile_short",
            Corpus::short().len(),
            "parse + compile, short lines",
        ),
    ] {
        if let Some(ns) = estimate_ns("compile", function, since) {
            any = true;
            table.push_str(&format!(
                "\n{what}: {:.0} filters/s ({:.0} ns per filter)",
                n as f64 / (ns / 1e9),
                ns / n as f64
            ));
        }
    }
    if !any {
        return;
    }
    table.push('\n');
    println!("\neval summary ({rows} conversations):\n\n{table}");
    if let Some(home) = criterion_home() {
        let out = home.join("eval-summary.md");
        if std::fs::write(&out, &table).is_ok() {
            println!("written to {}", out.display());
        }
    }
}

/// Fastest of `rounds` interleaved passes of each contender, in ms.
fn interleaved(convs: &[Conv], compiled: &[(Query, Filter)], rounds: usize) -> String {
    let time = |f: &dyn Fn() -> usize| {
        let t = Instant::now();
        black_box(f());
        t.elapsed().as_secs_f64() * 1e3
    };
    let mut table = format!(
        "\ninterleaved, fastest of {rounds} passes each:\n\n| query | closure ms | matches ms | select ms | matches / closure | select / closure |\n|---|---:|---:|---:|---:|---:|\n"
    );
    for (q, f) in compiled {
        let closure = q.closure;
        let (mut c, mut m, mut s) = (f64::MAX, f64::MAX, f64::MAX);
        for _ in 0..rounds {
            c = c.min(time(&|| {
                black_box(convs).iter().filter(|r| closure(r)).count()
            }));
            m = m.min(time(&|| {
                black_box(convs).iter().filter(|r| f.matches(*r)).count()
            }));
            s = s.min(time(&|| f.select(black_box(convs)).len()));
        }
        table.push_str(&format!(
            "| {} | {c:.3} | {m:.3} | {s:.3} | {:.2}× | {:.2}× |\n",
            q.key,
            m / c,
            s / c
        ));
    }
    let schema = store::schema();
    let parser = parser();
    let short = Corpus::short();
    let asts: Vec<rsql::Ast<'static>> = short
        .lines()
        .iter()
        .map(|l| parser.parse(l).expect("corpus parses"))
        .collect();
    let mut best = f64::MAX;
    for _ in 0..rounds {
        best = best.min(time(&|| {
            (0..200)
                .map(|_| {
                    asts.iter()
                        .filter(|a| schema.compile(black_box(a)).is_ok())
                        .count()
                })
                .sum()
        }));
    }
    let per_filter_ns = best * 1e6 / (200 * asts.len()) as f64;
    table.push_str(&format!(
        "\ncompile, short corpus lines, fastest pass: {:.0} filters/s ({per_filter_ns:.0} ns per filter)\n",
        1e9 / per_filter_ns
    ));
    table
}

fn main() {
    let since = SystemTime::now();
    let t = Instant::now();
    let convs = conv::generate(SEED, N);
    eprintln!(
        "generated {} conversations in {:?}",
        convs.len(),
        t.elapsed()
    );
    let schema = store::schema();
    let parser = parser();
    let compiled: Vec<(Query, Filter)> = queries()
        .into_iter()
        .map(|q| {
            let f = schema
                .compile_str(&parser, q.filter)
                .expect("bench filter compiles");
            (q, f)
        })
        .collect();
    preflight(&convs, &compiled);
    let mut c = Criterion::default().configure_from_args();
    bench_eval(&mut c, &convs, &compiled);
    bench_compile(&mut c);
    c.final_summary();
    summary(&compiled, convs.len(), since);
    let rounds = std::env::var("EVAL_INTERLEAVED_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    // Only under `cargo bench` (criterion's `--bench`), not when `cargo test`
    // runs the bench once as a smoke test.
    if rounds > 0 && std::env::args().any(|a| a == "--bench") {
        let table = interleaved(&convs, &compiled, rounds);
        println!("{table}");
        if let Some(home) = criterion_home() {
            let out = home.join("eval-summary.md");
            let mut text = std::fs::read_to_string(&out).unwrap_or_default();
            text.push_str(&table);
            let _ = std::fs::write(&out, text);
        }
    }
}
