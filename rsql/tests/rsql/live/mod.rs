//! Live differential tests: the emitted queries run on real engines over the
//! same conversations as [`Filter::matches`], and every disagreement fails.
//!
//! * [`data`]: about a thousand conversations from `store::generate` (with
//!   numeric metadata and running conversations mixed in) plus hand-made edge
//!   rows, loaded into PostgreSQL, SQLite and a MongoDB evaluator;
//! * [`filters`]: the fixed cases (the API's examples, every operator on every
//!   field, the five bug classes of issue 14) and a proptest strategy of random
//!   filters whose values are drawn from the data and from hostile texts;
//! * [`pg`], [`sqlite`], [`mongo`]: one backend each. PostgreSQL is the
//!   machine's (`DATABASE_URL`, default
//!   `postgres://postgres@127.0.0.1:5432/postgres`; every test creates and drops its own
//!   database); SQLite runs in memory; MongoDB's query semantics come from
//!   `tests/mongo/eval.py` (mongomock plus what it lacks, listed at its top),
//!   run by the Python in `RSQL_MONGO_PYTHON` (default `python3`).
//!
//! A backend that cannot be reached fails its tests with a message saying how
//! to provide it; only `RSQL_SKIP_MONGO=1` skips (the Mongo tests), and CI
//! never sets it.
//!
//! The reference is `Filter::matches` over `store::Conversation`, and for the
//! fixed cases [`spec`] covers (one comparison on a timestamp or on metadata
//! ordering) `api.md` itself: a case also fails when `matches` disagrees with
//! it, since then every backend would agree on the wrong answer. A fixed-case
//! test runs every case, prints `backend: passed/total fixed cases pass` and
//! then fails listing each failure with the filter, the emitted query and its
//! parameters, and the ids only one side selects.

use std::fmt::Write as _;
use std::sync::OnceLock;

use rsql::{Filter, Operators, Parser, Policy};

pub(crate) mod data;
pub(crate) mod filters;
#[cfg(feature = "mongo")]
mod mongo;
mod pg;
mod spec;
mod sqlite;

/// The parser of the live tests: the whole grammar (OR, any number of
/// fields), the extended operators, the default limits.
pub(crate) fn parser() -> &'static Parser {
    static PARSER: OnceLock<Parser> = OnceLock::new();
    PARSER.get_or_init(|| {
        Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
    })
}

/// Parses and compiles `text` against the conversation schema.
pub(crate) fn compile(text: &str) -> Result<Filter, rsql::Error> {
    let ast = parser().parse(text)?;
    Ok(store::schema()
        .compile(&ast)
        .map_err(|e| e.with_input(text))?)
}

/// The ids `filter.matches` selects, sorted.
pub(crate) fn expected_ids(filter: &Filter) -> Vec<String> {
    let mut ids: Vec<String> = data::rows()
        .iter()
        .filter(|c| filter.matches(*c))
        .map(|c| c.id.clone())
        .collect();
    ids.sort();
    ids
}

/// The ids a fixed case must select, sorted: `api.md`'s verdict where
/// [`spec`] covers the case and the row (else `Filter::matches`'s), and a
/// report when `matches` itself disagrees with `api.md`.
fn reference(text: &str, filter: &Filter) -> (Vec<String>, Option<String>) {
    let rows = data::rows();
    let Some(verdicts) = spec::verdicts(text, rows) else {
        return (expected_ids(filter), None);
    };
    let mut truth = Vec::new();
    let mut wrong = Vec::new();
    for (c, verdict) in rows.iter().zip(verdicts) {
        let matched = filter.matches(c);
        if verdict.unwrap_or(matched) {
            truth.push(c.id.clone());
        }
        if verdict.is_some_and(|v| v != matched) {
            wrong.push(format!("{}{}", if matched { "+" } else { "-" }, c.id));
        }
    }
    truth.sort();
    let report = (!wrong.is_empty()).then(|| {
        let shown: Vec<&str> = wrong.iter().take(12).map(String::as_str).collect();
        format!(
            "filter:   {filter}\n    Filter::matches disagrees with api.md on {} rows \
             (+ selected wrongly, - missed): {}",
            wrong.len(),
            shown.join(" ")
        )
    });
    (truth, report)
}

/// What a backend did with one filter.
pub(crate) struct Run {
    /// The emitted query and its parameters, as the backend received them.
    pub(crate) query: String,
    /// The selected ids (any order), or why the query failed.
    pub(crate) ids: Result<Vec<String>, String>,
}

/// `None` when `run` selected exactly `expected`, else a report of the
/// disagreement (the filter, the query, the ids only one side has), with
/// long runs of one character shortened (see [`abbreviate`]).
pub(crate) fn disagreement(
    label: &str,
    filter: &Filter,
    expected: &[String],
    run: Run,
) -> Option<String> {
    report(label, filter, expected, run).map(|r| abbreviate(&r))
}

/// `text` with every run of more than 16 equal characters written as the
/// first 8 and a count (`99999999…(400 × '9')`): the 400-digit cases stay
/// readable.
pub(crate) fn abbreviate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let mut n = 1;
        while chars.peek() == Some(&c) {
            chars.next();
            n += 1;
        }
        if n > 16 {
            let _ = write!(out, "{}…({n} × {c:?})", c.to_string().repeat(8));
        } else {
            out.extend(std::iter::repeat_n(c, n));
        }
    }
    out
}

fn report(label: &str, filter: &Filter, expected: &[String], run: Run) -> Option<String> {
    let mut got = match run.ids {
        Ok(ids) => ids,
        Err(e) => {
            return Some(format!(
                "{label}\n    filter:   {filter}\n    query:    {}\n    FAILED:   {e}\n    matches:  {} ids",
                run.query,
                expected.len()
            ));
        }
    };
    got.sort();
    if got == expected {
        return None;
    }
    let missing: Vec<&String> = expected
        .iter()
        .filter(|id| got.binary_search(id).is_err())
        .collect();
    let extra: Vec<&String> = got
        .iter()
        .filter(|id| expected.binary_search(id).is_err())
        .collect();
    let mut out = format!(
        "{label}\n    filter:   {filter}\n    query:    {}\n    matches selects {}, the backend {}",
        run.query,
        expected.len(),
        got.len()
    );
    for (what, ids) in [("only matches", &missing), ("only backend", &extra)] {
        if !ids.is_empty() {
            let shown: Vec<&str> = ids.iter().take(12).map(|s| s.as_str()).collect();
            let more = ids.len().saturating_sub(shown.len());
            let _ = write!(out, "\n    {what} ({}): {}", ids.len(), shown.join(" "));
            if more > 0 {
                let _ = write!(out, " … and {more} more");
            }
        }
    }
    if got.len() != got.iter().collect::<std::collections::BTreeSet<_>>().len() {
        out.push_str("\n    the backend returned an id twice");
    }
    Some(out)
}

/// Runs the fixed cases on one backend: `run` gets every compiled filter (in
/// one batch, for backends with a start-up cost) and returns one [`Run`] per
/// filter. A case passes when the backend selects the [`reference`] ids and
/// `matches` agrees with `api.md`. Prints `backend: passed/total`; panics
/// listing every failure.
#[allow(
    clippy::print_stderr,
    reason = "the tally is printed when the test passes too"
)]
pub(crate) fn check_fixed(backend: &str, run: impl FnOnce(&[&Filter]) -> Vec<Run>) {
    let cases = filters::fixed();
    let mut failures: Vec<String> = Vec::new();
    let mut compiled: Vec<(usize, Filter)> = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        match (compile(&case.text), case.expect) {
            (Ok(f), filters::Expect::Rows) => compiled.push((i, f)),
            (Err(_), filters::Expect::Rejected) => {}
            (Err(e), filters::Expect::Rows) => {
                failures.push(abbreviate(&format!(
                    "{:?}\n    does not compile: {e:#}",
                    case.text
                )));
            }
            (Ok(f), filters::Expect::Rejected) => failures.push(abbreviate(&format!(
                "{:?}\n    should be rejected ({}), but compiles to {f}",
                case.text, case.why
            ))),
        }
    }
    let refs: Vec<&Filter> = compiled.iter().map(|(_, f)| f).collect();
    let runs = run(&refs);
    assert_eq!(runs.len(), refs.len(), "{backend}: one run per filter");
    for ((i, filter), r) in compiled.iter().zip(runs) {
        let label = format!("{:?}", cases[*i].text);
        let (truth, wrong) = reference(&cases[*i].text, filter);
        let mut failure = wrong.map(|w| abbreviate(&format!("{label}\n    {w}")));
        if let Some(d) = disagreement(&label, filter, &truth, r) {
            failure = Some(match failure {
                Some(f) => format!("{f}\n{d}"),
                None => d,
            });
        }
        failures.extend(failure);
    }
    let passed = cases.len() - failures.len();
    eprintln!("{backend}: {passed}/{} fixed cases pass", cases.len());
    assert!(
        failures.is_empty(),
        "{backend}: {passed}/{} fixed cases pass; {} do not:\n\n{}",
        cases.len(),
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn disagreement_names_both_sides() {
    let f = compile("conversation.type==meeting").unwrap();
    let run = Run {
        query: "q".into(),
        ids: Ok(vec!["b".into(), "c".into()]),
    };
    let d = disagreement("case", &f, &["a".into(), "b".into()], run).unwrap();
    assert!(d.contains("only matches (1): a"), "{d}");
    assert!(d.contains("only backend (1): c"), "{d}");
    let same = Run {
        query: "q".into(),
        ids: Ok(vec!["b".into(), "a".into()]),
    };
    assert!(disagreement("case", &f, &["a".into(), "b".into()], same).is_none());
    let long = format!("x{}y", "9".repeat(400));
    assert_eq!(abbreviate(&long), "x99999999…(400 × '9')y");
    assert_eq!(abbreviate("aaaa"), "aaaa");
}
