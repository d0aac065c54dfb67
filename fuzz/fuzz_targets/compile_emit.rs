//! Parse + compile against the store's conversation schema (`store::schema()`); emitted SQL has as
//! many placeholders as params (both dialects), the Mongo value serialises, `matches` on the
//! records of `fuzz/records.jsonl` doesn't panic, and print + recompile gives the same filter. The
//! property lives in `rsql::fuzzing::check_compile_emit`, which `rsql/tests/rsql/fuzz_corpus.rs`
//! replays with the same schema and records.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::{Corpus, fuzz_target};

static RECORDS: LazyLock<Vec<store::Conversation>> = LazyLock::new(|| {
    include_str!("../records.jsonl")
        .lines()
        .map(|line| store::Conversation::from_json(line).expect("fuzz/records.jsonl is valid"))
        .collect()
});

fuzz_target!(|data: &[u8]| -> Corpus {
    if rsql::fuzzing::check_compile_emit(data, store::schema(), &RECORDS) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
