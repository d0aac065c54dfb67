//! Check functions shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`) and
//! the corpus replay test (`tests/rsql/fuzz_corpus.rs`): one body, two drivers.
//!
//! Each function panics when a property breaks; that is how libFuzzer and
//! `cargo test` notice. Not part of the stable API.

mod compile_emit;

pub use compile_emit::check_compile_emit;

use std::sync::OnceLock;

use crate::{Ast, Limits, Operators, Parser, Policy, Span};

/// Parses `data` with several configurations and checks that nothing panics
/// and that every error span lies inside the input, on character boundaries.
/// Returns `false` when `data` is not UTF-8 (the fuzz target rejects it).
///
/// ```
/// assert!(rsql::fuzzing::check_parse(b"a==1;(b==2"));
/// assert!(!rsql::fuzzing::check_parse(&[0xff]));
/// ```
pub fn check_parse(data: &[u8]) -> bool {
    let Ok(input) = std::str::from_utf8(data) else {
        return false;
    };
    static PARSERS: OnceLock<[Parser; 4]> = OnceLock::new();
    let parsers = PARSERS.get_or_init(|| {
        [
            Parser::new(),
            Parser::new().with_policy(Policy::symbl()),
            Parser::new()
                .with_policy(Policy::new().with_operators(Operators::any().with_extended())),
            Parser::new().with_limits(
                Limits::new()
                    .with_max_depth(2)
                    .with_max_args(2)
                    .with_max_comparisons(3)
                    .with_max_value_len(4)
                    .with_max_len(64),
            ),
        ]
    });
    for parser in parsers {
        match parser.parse(input) {
            Ok(ast) => check_spans(&ast, input),
            Err(err) => {
                let span = err.span();
                assert!(
                    span.start <= span.end,
                    "inverted span {span:?} for {input:?}"
                );
                assert!(
                    span.end <= err.input().len(),
                    "span {span:?} outside {input:?}"
                );
                assert!(
                    input.starts_with(err.input()),
                    "error input is not a prefix of {input:?}"
                );
                assert!(
                    err.input().is_char_boundary(span.start)
                        && err.input().is_char_boundary(span.end)
                );
                if let Some(aux) = err.auxiliary_span() {
                    assert!(aux.start <= aux.end && aux.end <= err.input().len());
                }
                assert!(err.column() >= 1);
                let rendered = format!("{err:#}");
                assert!(rendered.contains('^'), "no caret in {rendered:?}");
                assert!(!err.message().is_empty());
                assert!(!err.kind().code().is_empty());
            }
        }
    }
    true
}

fn check_spans(ast: &Ast<'_>, input: &str) {
    let inside = |s: Span| s.start <= s.end && s.end <= input.len();
    for cmp in ast.comparisons() {
        assert!(inside(cmp.span) && inside(cmp.op_span) && inside(cmp.selector.span));
        assert_eq!(
            &input[cmp.selector.span.start..cmp.selector.span.end],
            cmp.selector.as_str()
        );
        for v in cmp.args.iter() {
            assert!(inside(v.span));
        }
    }
}

/// If `data` parses, checks the round trip: printing and parsing again gives
/// an equal tree, and printing is a fixed point. Returns `false` when `data`
/// is not UTF-8.
///
/// ```
/// assert!(rsql::fuzzing::check_roundtrip(br#"a=="x y";(b==1,c=in=(2,'\*'))"#));
/// ```
pub fn check_roundtrip(data: &[u8]) -> bool {
    let Ok(input) = std::str::from_utf8(data) else {
        return false;
    };
    // printing can be longer than the input (quotes, `=in=(x)`): no length limit on re-parse
    static PARSERS: OnceLock<(Parser, Parser)> = OnceLock::new();
    let (strict, relaxed) = PARSERS.get_or_init(|| {
        let ops = Operators::any().with_extended();
        let strict = Parser::new().with_policy(Policy::new().with_operators(ops.clone()));
        let relaxed = Parser::new()
            .with_limits(Limits::new().with_max_len(usize::MAX))
            .with_policy(Policy::new().with_operators(ops));
        (strict, relaxed)
    });
    let Ok(ast) = strict.parse(input) else {
        return true;
    };
    let printed = ast.to_string();
    let reparsed = match relaxed.parse(&printed) {
        Ok(ast) => ast,
        Err(err) => panic!("printed form of {input:?} does not parse: {printed:?}\n{err:#}"),
    };
    assert_eq!(
        reparsed, ast,
        "round trip changed {input:?} (printed {printed:?})"
    );
    assert_eq!(
        reparsed.to_string(),
        printed,
        "printing is not a fixed point for {input:?}"
    );
    true
}
