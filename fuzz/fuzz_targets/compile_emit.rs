//! Parse + compile against the conversation schema; emitted SQL has as many placeholders as
//! params (both dialects), the Mongo value serialises, `matches` on a fixed record doesn't panic,
//! and print + recompile gives the same filter. The property lives in
//! `rsql::fuzzing::check_compile_emit`, which `rsql/tests/rsql/fuzz_corpus.rs` replays.
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if rsql::fuzzing::check_compile_emit(data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
