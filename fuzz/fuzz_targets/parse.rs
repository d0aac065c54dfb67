//! Parsing never panics, and every error span lies inside the input.
//! The property lives in `rsql::fuzzing::check_parse`, which `rsql/tests/rsql/fuzz_corpus.rs` replays.
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if rsql::fuzzing::check_parse(data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
