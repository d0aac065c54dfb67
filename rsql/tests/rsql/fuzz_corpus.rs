//! Replays everything the fuzzer ever kept, under plain `cargo test`.
//!
//! * `fuzz/corpus/<target>/*` runs through that target's check;
//! * `fuzz/regressions/*` (minimised crashers) runs through *every* check.
//!
//! The checks are the same `rsql::fuzzing` functions the fuzz targets call
//! (`fuzz/fuzz_targets/*.rs`), so a corpus entry that fails here fails there.
//! See `fuzz/README.md` for promoting a crash to a regression.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

type Check = fn(&[u8]) -> bool;

/// Every fuzz target and the check its body calls.
/// Sorted by name, as `fuzz/fuzz_targets` lists them.
const TARGETS: &[(&str, Check)] = &[
    ("compile_emit", compile_emit),
    ("parse", rsql::fuzzing::check_parse),
    ("roundtrip", rsql::fuzzing::check_roundtrip),
];

/// The records `fuzz/fuzz_targets/compile_emit.rs` evaluates filters on.
static RECORDS: LazyLock<Vec<store::Conversation>> = LazyLock::new(|| {
    include_str!("../../../fuzz/records.jsonl")
        .lines()
        .map(|line| store::Conversation::from_json(line).unwrap())
        .collect()
});

/// The body of the `compile_emit` target: the store's conversation schema
/// and the records of `fuzz/records.jsonl`.
fn compile_emit(data: &[u8]) -> bool {
    rsql::fuzzing::check_compile_emit(data, store::schema(), &RECORDS)
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The regular files directly inside `dir`, sorted (none if it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Runs `check` on every file, naming the file when a check panics.
fn replay(check_name: &str, check: Check, inputs: &[PathBuf]) -> usize {
    let mut kept = 0;
    for path in inputs {
        let data = std::fs::read(path).unwrap();
        let result = std::panic::catch_unwind(|| check(&data));
        match result {
            Ok(keep) => kept += usize::from(keep),
            Err(_) => panic!(
                "{check_name} failed on {} ({:?})",
                path.display(),
                String::from_utf8_lossy(&data)
            ),
        }
    }
    kept
}

#[test]
fn every_target_has_a_check_and_a_corpus() {
    let targets: Vec<String> = files(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    let known: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(targets, known, "fuzz/fuzz_targets and TARGETS disagree");
    let corpora: Vec<String> = std::fs::read_dir(fuzz_dir().join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in &corpora {
        assert!(
            known.contains(&name.as_str()),
            "fuzz/corpus/{name} has no target"
        );
    }
    for name in known {
        let seeds = files(&fuzz_dir().join("corpus").join(name));
        assert!(
            seeds.len() >= 40,
            "fuzz/corpus/{name} has only {} seeds",
            seeds.len()
        );
    }
}

#[test]
fn corpus_parse() {
    let seeds = files(&fuzz_dir().join("corpus/parse"));
    let kept = replay("check_parse", rsql::fuzzing::check_parse, &seeds);
    assert_eq!(kept, seeds.len(), "every seed is UTF-8");
}

#[test]
fn corpus_roundtrip() {
    let seeds = files(&fuzz_dir().join("corpus/roundtrip"));
    let kept = replay("check_roundtrip", rsql::fuzzing::check_roundtrip, &seeds);
    assert_eq!(kept, seeds.len(), "every seed is UTF-8");
}

#[test]
fn corpus_compile_emit() {
    let seeds = files(&fuzz_dir().join("corpus/compile_emit"));
    let kept = replay("check_compile_emit", compile_emit, &seeds);
    assert_eq!(kept, seeds.len(), "every seed is UTF-8");
}

#[test]
fn regressions_pass_every_check() {
    let crashers = files(&fuzz_dir().join("regressions"));
    for (name, check) in TARGETS {
        replay(name, *check, &crashers);
    }
}

#[test]
fn checks_reject_non_utf8_and_accept_errors() {
    for (name, check) in TARGETS {
        assert!(!check(&[0xff, 0xfe]), "{name} keeps non-UTF-8 input");
        assert!(check(b"a==1;(b==2"), "{name} drops an invalid filter");
        assert!(check(b"a=in=(x or y);b=='it\\'s'"), "{name}");
    }
}
