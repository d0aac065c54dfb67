//! Parse throughput: our nom parser against the published Rust RSQL parsers,
//! timed in the same criterion group on the same input.
//!
//! Groups `parse_all`, `parse_short` (lines < 256 bytes) and `parse_long` run
//! over `data/filters.txt`; one iteration parses every line of the subset, and
//! throughput is in bytes (newlines excluded). The peers:
//!
//! * `rest-sql` 0.4: `RestSql::new`, which is its parse + validate;
//! * `rsql` 0.4.3 (pest): `RsqlParser::parse_to_node`.
//!
//! Before timing, a preflight parses every line with each parser. A peer
//! "accepts" a line when it returns `Ok` with the same selectors, in the same
//! order, as ours (so a parser that silently stops early does not count). A
//! peer is timed on the lines it accepts; when that is not the whole subset,
//! ours is also timed on exactly those lines (`ours@<peer>-lines`), so every
//! ratio compares equal work. The preflight report goes to stderr.
//!
//! Group `nesting` times how fast 100 000 nested `(` are rejected.
//!
//! After criterion has run, a summary table (MB/s, filters/s, ratio to the
//! peer on the same lines) is printed and written to
//! `<criterion home>/parse-summary.md`, followed by an interleaved
//! cross-check of the ratios (`parse-interleaved.md`) that a burst of load
//! from other processes cannot skew towards one contender.
//!
//! Run: `cargo bench -p rsql-benches --bench parse` (add `-- parse_short` to
//! run one group).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::hint::black_box;
use std::time::SystemTime;

use criterion::{BenchmarkId, Criterion, Throughput};
use rsql_benches::Corpus;
use rsql_benches::estimates::criterion_home;
use rsql_peer::parser::Parser as _;

/// Who is parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Ours,
    RestSql,
    Pest,
}

impl Contender {
    const PEERS: [Contender; 2] = [Contender::RestSql, Contender::Pest];

    fn id(self) -> &'static str {
        match self {
            Contender::Ours => "ours",
            Contender::RestSql => "rest-sql-0.4",
            Contender::Pest => "rsql-0.4-pest",
        }
    }
}

/// The three parsers, built once (the pest parser holds its operator map).
struct Parsers {
    pest: rsql_peer::parser::rsql::RsqlParser,
}

impl Parsers {
    fn new() -> Parsers {
        Parsers {
            pest: rsql_peer::parser::rsql::RsqlParser::default(),
        }
    }

    /// Parses `line`, returning whether it succeeded; the result is dropped
    /// inside the timed region, as a caller would drop it.
    #[inline]
    fn parse(&self, who: Contender, line: &str) -> bool {
        match who {
            Contender::Ours => black_box(rsql::parse(black_box(line))).is_ok(),
            Contender::RestSql => black_box(rest_sql::RestSql::new(black_box(line))).is_ok(),
            Contender::Pest => black_box(self.pest.parse_to_node(black_box(line))).is_ok(),
        }
    }

    /// The selectors of `line` in source order, or the error text.
    fn selectors(&self, who: Contender, line: &str) -> Result<Vec<String>, String> {
        match who {
            Contender::Ours => rsql::parse(line)
                .map(|ast| {
                    ast.comparisons()
                        .map(|c| c.selector.as_str().to_owned())
                        .collect()
                })
                .map_err(|e| e.to_string()),
            Contender::RestSql => rest_sql::RestSql::new(line)
                .map(|r| {
                    let mut out = Vec::new();
                    rest_sql_selectors(r.ast(), &mut out);
                    out
                })
                .map_err(|e| e.to_string()),
            Contender::Pest => self
                .pest
                .parse_to_node(line)
                .map(|expr| {
                    let mut out = Vec::new();
                    pest_selectors(&expr, &mut out);
                    out
                })
                .map_err(|e| e.to_string()),
        }
    }
}

fn rest_sql_selectors(ast: &rest_sql::Ast, out: &mut Vec<String>) {
    match ast {
        rest_sql::Ast::And(ch) | rest_sql::Ast::Or(ch) => {
            ch.iter().for_each(|c| rest_sql_selectors(c, out));
        }
        rest_sql::Ast::Constraint(c) => out.push(c.field.clone()),
    }
}

fn pest_selectors(expr: &rsql_peer::Expr, out: &mut Vec<String>) {
    match expr {
        rsql_peer::Expr::Item(c) => out.push(c.selector.clone()),
        rsql_peer::Expr::Node(_, l, r) => {
            pest_selectors(l, out);
            pest_selectors(r, out);
        }
    }
}

/// One timed function of a group: who, on which lines.
struct Entry {
    function: String,
    who: Contender,
    corpus: Corpus,
    /// The function this entry is compared with in the summary (same lines).
    baseline: Option<String>,
}

struct GroupPlan {
    group: String,
    entries: Vec<Entry>,
}

fn short_line(line: &str) -> String {
    let mut s: String = line.chars().take(60).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}

/// Runs the preflight and decides what each group times.
fn plan(parsers: &Parsers) -> Vec<GroupPlan> {
    let all = Corpus::all();
    let mut ours = std::collections::HashMap::new();
    for (i, line) in all.lines().iter().enumerate() {
        match parsers.selectors(Contender::Ours, line) {
            Ok(sel) => {
                ours.insert(*line, sel);
            }
            Err(e) => eprintln!(
                "preflight: OURS rejects line {} `{}`: {e}",
                i + 1,
                short_line(line)
            ),
        }
    }
    let mut accepts = std::collections::HashMap::new();
    for peer in Contender::PEERS {
        let mut rejected = 0;
        for (i, line) in all.lines().iter().enumerate() {
            let verdict = match (parsers.selectors(peer, line), ours.get(line)) {
                (Ok(sel), Some(expected)) if &sel == expected => None,
                (Ok(sel), Some(expected)) => Some(format!(
                    "different comparisons ({} vs our {})",
                    sel.len(),
                    expected.len()
                )),
                // We reject it (reported above): the peer's `Ok` stands, but the
                // line is left out of every timed subset.
                (Ok(_), None) => None,
                (Err(e), _) => Some(format!("error: {e}")),
            };
            match verdict {
                None => {
                    accepts.insert((peer.id(), *line), ());
                }
                Some(why) => {
                    rejected += 1;
                    eprintln!(
                        "preflight: {} does not accept line {} `{}`: {}",
                        peer.id(),
                        i + 1,
                        short_line(line),
                        why.lines().next().unwrap_or("")
                    );
                }
            }
        }
        eprintln!(
            "preflight: {} accepts {}/{} lines",
            peer.id(),
            all.len() - rejected,
            all.len()
        );
    }
    eprintln!("preflight: ours accepts {}/{} lines", ours.len(), all.len());

    [Corpus::all(), Corpus::short(), Corpus::long()]
        .into_iter()
        .map(|corpus| {
            let ours_lines = corpus.subset(corpus.name(), |l| ours.contains_key(l));
            let mut entries = vec![Entry {
                function: Contender::Ours.id().to_owned(),
                who: Contender::Ours,
                corpus: ours_lines.clone(),
                baseline: None,
            }];
            for peer in Contender::PEERS {
                let lines =
                    ours_lines.subset(corpus.name(), |l| accepts.contains_key(&(peer.id(), l)));
                let baseline = if lines == ours_lines {
                    Contender::Ours.id().to_owned()
                } else {
                    let f = format!("ours@{}-lines", peer.id());
                    entries.push(Entry {
                        function: f.clone(),
                        who: Contender::Ours,
                        corpus: lines.clone(),
                        baseline: None,
                    });
                    f
                };
                entries.push(Entry {
                    function: peer.id().to_owned(),
                    who: peer,
                    corpus: lines,
                    baseline: Some(baseline),
                });
            }
            GroupPlan {
                group: format!("parse_{}", corpus.name()),
                entries,
            }
        })
        .collect()
}

fn bench_groups(c: &mut Criterion, parsers: &Parsers, plans: &[GroupPlan]) {
    for plan in plans {
        let mut group = c.benchmark_group(&plan.group);
        for entry in &plan.entries {
            if entry.corpus.is_empty() {
                continue;
            }
            group.throughput(Throughput::Bytes(entry.corpus.bytes()));
            group.bench_with_input(
                BenchmarkId::from_parameter(&entry.function),
                entry.corpus.lines(),
                |b, lines| {
                    b.iter(|| {
                        let mut ok = 0usize;
                        for line in lines {
                            ok += usize::from(parsers.parse(entry.who, line));
                        }
                        ok
                    })
                },
            );
        }
        group.finish();
    }
}

/// 100 000 nested `(`: must be rejected (a limit error) in well under 1 ms,
/// without recursion. With the default limits the 100 000-byte input is over
/// `max_len` (64 KiB) and is refused before parsing; with `max_len` raised the
/// depth guard must stop it at `max_depth`.
fn bench_nesting(c: &mut Criterion) {
    let open = "(".repeat(100_000);
    let balanced = format!("{open}a==1{}", ")".repeat(100_000));
    let deep = rsql::Parser::new().with_limits(rsql::Limits::new().with_max_len(1 << 20));
    for (parser, input) in [
        (&rsql::Parser::new(), &open),
        (&deep, &open),
        (&deep, &balanced),
    ] {
        let err = parser.parse(input).expect_err("must be rejected");
        eprintln!(
            "nesting: {} bytes rejected with `{}`: {err}",
            input.len(),
            err.kind().code()
        );
    }
    let mut group = c.benchmark_group("nesting");
    group.throughput(Throughput::Bytes(open.len() as u64));
    group.bench_function("100k_open_parens_default_limits", |b| {
        b.iter(|| rsql::parse(black_box(&open)).is_err())
    });
    group.bench_function("100k_open_parens_depth_guard", |b| {
        b.iter(|| deep.parse(black_box(&open)).is_err())
    });
    group.throughput(Throughput::Bytes(balanced.len() as u64));
    group.bench_function("100k_balanced_parens_depth_guard", |b| {
        b.iter(|| deep.parse(black_box(&balanced)).is_err())
    });
    group.finish();
}

/// Nanoseconds per iteration (slope when criterion fitted one, else the mean).
fn estimate_ns_at(
    home: &std::path::Path,
    group: &str,
    function: &str,
    since: SystemTime,
) -> Option<f64> {
    rsql_benches::estimates::read(home, group, function, since, &["slope", "mean"])
}

fn summary(plans: &[GroupPlan], since: SystemTime) {
    let Some(home) = criterion_home() else {
        return;
    };
    let mut table = String::from(
        "| group | parser | lines | bytes | MB/s | filters/s | ours is N× faster (same lines) |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    let mut rows = 0;
    for plan in plans {
        for entry in &plan.entries {
            let Some(ns) = estimate_ns_at(&home, &plan.group, &entry.function, since) else {
                continue;
            };
            let secs = ns / 1e9;
            let mbs = entry.corpus.bytes() as f64 / 1e6 / secs;
            let fps = entry.corpus.len() as f64 / secs;
            let ratio = entry
                .baseline
                .as_deref()
                .and_then(|base| estimate_ns_at(&home, &plan.group, base, since))
                .map(|base_ns| format!("{:.2}×", ns / base_ns))
                .unwrap_or_default();
            table.push_str(&format!(
                "| {} | {} | {} | {} | {:.1} | {:.0} | {} |\n",
                plan.group,
                entry.function,
                entry.corpus.len(),
                entry.corpus.bytes(),
                mbs,
                fps,
                ratio
            ));
            rows += 1;
        }
    }
    for (function, what) in [
        (
            "100k_open_parens_default_limits",
            "100 000 `(`, default limits (max_len)",
        ),
        (
            "100k_open_parens_depth_guard",
            "100 000 `(`, max_len raised (depth guard)",
        ),
        (
            "100k_balanced_parens_depth_guard",
            "100 000 `(` a==1 100 000 `)`, max_len raised",
        ),
    ] {
        if let Some(ns) = estimate_ns_at(&home, "nesting", function, since) {
            table.push_str(&format!("\n{what}: rejected in {:.2} µs", ns / 1e3));
            rows += 1;
        }
    }
    table.push('\n');
    if rows == 0 {
        return;
    }
    println!("\nparse summary (MB = 10^6 bytes):\n\n{table}");
    let out = home.join("parse-summary.md");
    if std::fs::write(&out, &table).is_ok() {
        println!("written to {}", out.display());
    }
}

/// A load-robust cross-check of the criterion ratios for a shared machine:
/// criterion times contenders one after another, so a burst of load on
/// another process can land on one of them. Here every round times each
/// contender once over its lines, interleaved, and the fastest round per
/// contender is kept.
fn interleaved(parsers: &Parsers, plans: &[GroupPlan]) {
    const ROUNDS: usize = 400;
    let mut table = String::from(
        "\ninterleaved cross-check (fastest of 400 interleaved rounds):\n\n| group | parser | MB/s | ours is N× faster (same lines) |\n|---|---|---:|---:|\n",
    );
    for plan in plans {
        let mut best = vec![f64::INFINITY; plan.entries.len()];
        for _ in 0..ROUNDS {
            for (entry, best) in plan.entries.iter().zip(best.iter_mut()) {
                let start = std::time::Instant::now();
                for line in entry.corpus.lines() {
                    black_box(parsers.parse(entry.who, line));
                }
                *best = best.min(start.elapsed().as_secs_f64());
            }
        }
        for (entry, secs) in plan.entries.iter().zip(&best) {
            let ratio = entry
                .baseline
                .as_deref()
                .and_then(|base| plan.entries.iter().position(|e| e.function == base))
                .map(|i| format!("{:.2}×", secs / best[i]))
                .unwrap_or_default();
            table.push_str(&format!(
                "| {} | {} | {:.1} | {} |\n",
                plan.group,
                entry.function,
                entry.corpus.bytes() as f64 / 1e6 / secs,
                ratio
            ));
        }
    }
    println!("{table}");
    if let Some(home) = criterion_home() {
        let out = home.join("parse-interleaved.md");
        if std::fs::write(&out, &table).is_ok() {
            println!("written to {}", out.display());
        }
    }
}

fn main() {
    let since = SystemTime::now();
    let parsers = Parsers::new();
    let plans = plan(&parsers);
    let mut c = Criterion::default().configure_from_args();
    bench_groups(&mut c, &parsers, &plans);
    bench_nesting(&mut c);
    c.final_summary();
    summary(&plans, since);
    // only in a real bench run, not under `cargo test --benches`
    if std::env::args().any(|a| a == "--bench") {
        interleaved(&parsers, &plans);
    }
}
