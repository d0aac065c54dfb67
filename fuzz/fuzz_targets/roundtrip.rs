//! A filter that parses prints to RSQL that parses back to an equal tree; printing is a fixed point.
//! The property lives in `rsql::fuzzing::check_roundtrip`, which `rsql/tests/rsql/fuzz_corpus.rs` replays.
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if rsql::fuzzing::check_roundtrip(data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
