//! MongoDB: `Filter::to_mongo()` run by `tests/mongo/eval.py` (mongomock
//! 4.3.0 plus what it lacks: PCRE regular expressions, extended JSON, an
//! evaluator of aggregation expressions for `$expr`; the script lists them at
//! its top) over [`data::mongo_document`]s of the same rows.
//!
//! The Python is `RSQL_MONGO_PYTHON` when it is set; otherwise the test
//! makes a venv under the target dir (`target/tmp/mongo-venv`, once, again
//! when `tests/mongo/requirements.txt` changes) with `python3 -m venv` and
//! pip (PyPI), so `cargo test` needs nothing set up by hand. Without
//! python3 or PyPI the tests fail saying so; `RSQL_SKIP_MONGO=1` skips them
//! instead (CI never sets it).
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
    if let Ok(python) = std::env::var("RSQL_MONGO_PYTHON") {
        return python;
    }
    static VENV: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    match VENV.get_or_init(venv) {
        Ok(python) => python.clone(),
        Err(e) => panic!("{e}\n{}", setup_hint()),
    }
}

/// The interpreter of `target/tmp/mongo-venv`, made (or remade, when the
/// pinned requirements changed) with `python3 -m venv` and pip.
fn venv() -> Result<String, String> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mongo-venv");
    let stamp = dir.join("requirements.txt");
    let python = dir.join("bin").join("python");
    let wanted =
        std::fs::read_to_string(REQUIREMENTS).map_err(|e| format!("{REQUIREMENTS}: {e}"))?;
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python.display().to_string());
    }
    let run = |program: &std::path::Path, args: &[&std::ffi::OsStr]| -> Result<(), String> {
        let out = Command::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} {:?} failed ({}):\n{}",
                program.display(),
                args,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    run(
        std::path::Path::new("python3"),
        &["-m".as_ref(), "venv".as_ref(), dir.as_os_str()],
    )?;
    run(
        &dir.join("bin").join("pip"),
        &[
            "install".as_ref(),
            "--quiet".as_ref(),
            "--disable-pip-version-check".as_ref(),
            "-r".as_ref(),
            REQUIREMENTS.as_ref(),
        ],
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(python.display().to_string())
}

fn setup_hint() -> String {
    format!(
        "The Mongo differential tests run {SCRIPT} with mongomock ({REQUIREMENTS}): \
         they need python3 with venv and PyPI (the test makes target/tmp/mongo-venv), or \
         RSQL_MONGO_PYTHON=<a python that has those packages>; RSQL_SKIP_MONGO=1 skips them."
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
