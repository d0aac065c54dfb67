//! MongoDB: `Filter::to_mongo()` run by `tests/mongo/eval.py` (mongomock
//! 4.3.0 plus what it lacks: PCRE regular expressions, extended JSON, an
//! evaluator of aggregation expressions for `$expr`; the script lists them at
//! its top) over [`data::mongo_document`]s of the same rows.
//!
//! The Python is `RSQL_MONGO_PYTHON` (default `python3`); it needs the
//! packages of `tests/mongo/requirements.txt` (`.ci/run` makes a venv under
//! the target dir and exports its interpreter). Without them the tests fail
//! saying so; `RSQL_SKIP_MONGO=1` skips them instead (CI never sets it).
//! The evaluator answers every query in one process, so the batch of fixed
//! cases and a batch of random filters cost one start-up each.

use std::io::Write as _;
use std::process::{Command, Stdio};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use rsql::Filter;
use serde_json::{Value, json};

use super::{Run, check_fixed, compile, data, disagreement, expected_ids, filters};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mongo/eval.py");
const REQUIREMENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mongo/requirements.txt");

/// `RSQL_SKIP_MONGO=1`: skip the Mongo tests (for machines without Python).
#[allow(clippy::print_stderr, reason = "a skipped test says so")]
fn skipped(test: &str) -> bool {
    let skip = std::env::var("RSQL_SKIP_MONGO").is_ok_and(|v| v == "1");
    if skip {
        eprintln!("{test}: skipped (RSQL_SKIP_MONGO=1)");
    }
    skip
}

fn python() -> String {
    std::env::var("RSQL_MONGO_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn setup_hint() -> String {
    format!(
        "The Mongo differential tests run {SCRIPT} with mongomock. Set it up with\n    \
         python3 -m venv target/mongo-venv && target/mongo-venv/bin/pip install -r {REQUIREMENTS}\n    \
         export RSQL_MONGO_PYTHON=$PWD/target/mongo-venv/bin/python\n\
         (.ci/run does this), or set RSQL_SKIP_MONGO=1 to skip them."
    )
}

/// What the evaluator says about one query: the ids, or why there are none.
fn evaluate(queries: &[Value]) -> Vec<Result<Vec<String>, String>> {
    let documents: Vec<Value> = data::rows().iter().map(data::mongo_document).collect();
    let queries: Vec<Value> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| json!({ "name": i.to_string(), "filter": q }))
        .collect();
    let input = json!({ "documents": documents, "queries": queries }).to_string();
    let python = python();
    let mut child = Command::new(&python)
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python:?}: {e}\n{}", setup_hint()));
    // The script reads all of its input before it writes anything. When it
    // stops early (mongomock missing) the write fails: its stderr says why.
    let written = child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{python} {SCRIPT} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        setup_hint()
    );
    if let Err(e) = written {
        panic!("writing to {SCRIPT}: {e}");
    }
    let stdout = String::from_utf8(out.stdout).expect("the evaluator writes UTF-8");
    let answers: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{SCRIPT} wrote {l:?}: {e}")))
        .collect();
    assert_eq!(
        answers.len(),
        queries.len(),
        "{SCRIPT}: one answer per query"
    );
    answers
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            assert_eq!(a["name"], i.to_string(), "{SCRIPT}: answers in order");
            if let Some(ids) = a["ids"].as_array() {
                Ok(ids
                    .iter()
                    .map(|id| id.as_str().expect("ids are strings").to_owned())
                    .collect())
            } else if let Some(why) = a["failed"].as_str() {
                Err(format!("the query fails: {why}"))
            } else if let Some(why) = a["unsupported"].as_str() {
                Err(format!(
                    "the evaluator cannot tell (a gap in eval.py, not an answer): {why}"
                ))
            } else {
                panic!("{SCRIPT} wrote {a}")
            }
        })
        .collect()
}

fn runs(filters: &[&Filter]) -> Vec<Run> {
    let queries: Vec<Value> = filters.iter().map(|f| f.to_mongo()).collect();
    evaluate(&queries)
        .into_iter()
        .zip(&queries)
        .map(|(ids, q)| Run {
            query: q.to_string(),
            ids,
        })
        .collect()
}

#[test]
fn fixed_cases() {
    if skipped("mongo::fixed_cases") {
        return;
    }
    check_fixed("MongoDB (mongomock)", runs);
}

/// Random filters per run (one evaluator process; no shrinking, every
/// disagreement is listed).
const RANDOM_CASES: usize = 150;

#[test]
fn random_filters() {
    if skipped("mongo::random_filters") {
        return;
    }
    let strategy = filters::random();
    let mut runner = TestRunner::default();
    let texts: Vec<String> = (0..RANDOM_CASES)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let compiled: Vec<Filter> = texts
        .iter()
        .map(|t| compile(t).unwrap_or_else(|e| panic!("{t:?}: {e:#}")))
        .collect();
    let refs: Vec<&Filter> = compiled.iter().collect();
    let failures: Vec<String> = refs
        .iter()
        .zip(runs(&refs))
        .filter_map(|(f, run)| disagreement("MongoDB (mongomock)", f, &expected_ids(f), run))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {RANDOM_CASES} random filters disagree:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_evaluator_reports_failures_and_gaps() {
    if skipped("mongo::the_evaluator_reports_failures_and_gaps") {
        return;
    }
    let answers = evaluate(&[
        json!({ "type": "meeting" }),
        json!({ "$expr": { "$gt": ["$metadata.score", "$"] } }),
        json!({ "$expr": { "$sqrt": 4 } }),
        json!({ "name": { "$regex": "\\A\\*\\z", "$options": "s" } }),
    ]);
    let meetings = data::rows().iter().filter(|c| c.kind == "meeting").count();
    assert_eq!(answers[0].as_ref().map(Vec::len), Ok(meetings));
    assert!(
        answers[1].as_ref().is_err_and(|e| e.contains("fails")),
        "{:?}",
        answers[1]
    );
    assert!(
        answers[2]
            .as_ref()
            .is_err_and(|e| e.contains("cannot tell")),
        "{:?}",
        answers[2]
    );
    let stars: Vec<&str> = data::rows()
        .iter()
        .filter(|c| c.name == "*")
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(answers[3].as_deref().unwrap_or_default(), stars);
}
