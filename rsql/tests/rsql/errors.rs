//! Data-driven snapshots (minijinja's `test_parser.rs` pattern): every
//! `data/parse/*.rsql` file is parsed; `err_*` files snapshot the `{:#}`
//! rendering of their error plus its code, category and spans, the others
//! snapshot the S-expression and canonical form.
//!
//! A file may start with a `#! <config>` line: `extended`, `any`, `symbl`, or
//! `small-limits` (max_len 64, depth 2, 3 comparisons, 2 args, 4-byte values).
//! One trailing newline is not part of the filter.

use std::path::Path;

use rsql::{Limits, Operators, ParseErrorKind, Parser, Policy, Sexpr};

fn parser_for(config: &str) -> Parser {
    match config {
        "" => Parser::new(),
        "extended" => {
            Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
        }
        "any" => Parser::new().with_policy(Policy::new().with_operators(Operators::any())),
        "symbl" => Parser::new().with_policy(Policy::symbl()),
        "small-limits" => Parser::new().with_limits(
            Limits::new()
                .with_max_len(64)
                .with_max_depth(2)
                .with_max_comparisons(3)
                .with_max_args(2)
                .with_max_value_len(4),
        ),
        other => panic!("unknown config {other:?}"),
    }
}

fn read_case(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_suffix('\n').unwrap_or(&text);
    match text.strip_prefix("#! ") {
        Some(rest) => {
            let (config, filter) = rest.split_once('\n').unwrap_or((rest, ""));
            (config.to_owned(), filter.to_owned())
        }
        None => (String::new(), text.to_owned()),
    }
}

#[test]
fn parse_inputs() {
    insta::glob!("../data/parse", "*.rsql", |path| {
        let (config, input) = read_case(path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = parser_for(&config).parse(&input);
        let rendered = match (&result, name.starts_with("err_")) {
            (Err(err), true) => {
                let span = err.span();
                assert!(span.end <= err.input().len());
                assert!(format!("{err:#}").contains('^'));
                format!(
                    "{err:#}\n---\ncode: {}\ncategory: {}\nspan: {}..{}\naux: {:?}",
                    err.kind().code(),
                    err.kind().category(),
                    span.start,
                    span.end,
                    err.auxiliary_span().map(|s| (s.start, s.end)),
                )
            }
            (Ok(ast), false) => format!("{}\n{}", Sexpr(ast), ast),
            (Err(err), false) => panic!("{name} should parse:\n{err:#}"),
            (Ok(ast), true) => panic!("{name} should fail, parsed as {}", Sexpr(ast)),
        };
        insta::with_settings!({ description => format!("{config} {input:?}").trim().to_owned(), omit_expression => true }, {
            insta::assert_snapshot!(rendered);
        });
    });
}

/// Every kind of error has at least one `err_*` input (kept in sync by hand:
/// adding a kind without a case fails here).
#[test]
fn every_kind_has_a_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parse");
    let mut codes: Vec<&'static str> = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("err_")
        {
            continue;
        }
        let (config, input) = read_case(&path);
        let err = parser_for(&config).parse(&input).unwrap_err();
        codes.push(err.kind().code());
    }
    let all = [
        ParseErrorKind::Empty,
        ParseErrorKind::ExpectedComparison { after: None },
        ParseErrorKind::ExpectedSelector,
        ParseErrorKind::QuotedSelector,
        ParseErrorKind::ExpectedOperator,
        ParseErrorKind::InvalidOperator { op: String::new() },
        ParseErrorKind::UnknownOperator {
            op: String::new(),
            suggestion: None,
        },
        ParseErrorKind::ExpectedValue {
            after: String::new(),
        },
        ParseErrorKind::ReservedChar { ch: '~' },
        ParseErrorKind::UnclosedQuote { quote: '"' },
        ParseErrorKind::EmptyList,
        ParseErrorKind::UnclosedList,
        ParseErrorKind::ExpectedListSeparator,
        ParseErrorKind::UnclosedGroup,
        ParseErrorKind::UnmatchedParen,
        ParseErrorKind::ExpectedSeparator { in_group: false },
        ParseErrorKind::Arity {
            op: String::new(),
            expected: rsql::Arity::exactly(1),
            found: 2,
        },
        ParseErrorKind::TooLong { len: 0, limit: 0 },
        ParseErrorKind::TooDeep { limit: 0 },
        ParseErrorKind::TooManyComparisons { limit: 0 },
        ParseErrorKind::TooManyArgs { limit: 0 },
        ParseErrorKind::ValueTooLong { len: 0, limit: 0 },
        ParseErrorKind::OrForbidden,
        ParseErrorKind::TooManyFields {
            limit: 0,
            fields: vec![],
        },
        ParseErrorKind::SelectorNotAllowed {
            selector: String::new(),
            suggestion: None,
            allowed: vec![],
        },
    ];
    for kind in &all {
        assert!(
            codes.contains(&kind.code()),
            "no err_* case for {}",
            kind.code()
        );
    }
}

/// The renderings the crate docs (*Error reporting*) show, verbatim.
#[test]
fn design_examples() {
    let err = rsql::parse("conversation.type==meeting;").unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "invalid filter at column 28: expected a comparison after `;`, found end of input\n    \
         conversation.type==meeting;\n                               ^"
    );
    let err =
        rsql::parse("conversation.startTime=gte=2021-03-01T00:00:00Z;conversation.type==meeting")
            .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "invalid filter at column 23: unknown operator `=gte=`\n    \
         conversation.startTime=gte=2021-03-01T00:00:00Z;conversation.type==meeting\n                          \
         ^^^^^\nhelp: did you mean `=ge=`?"
    );
    let err =
        rsql::parse("(conversation.type==meeting,conversation.type==call;metadata.region==emea")
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid filter at column 1: unclosed group"
    );
    // the shared renderer windows lines to 60 characters around the span
    assert!(
        format!("{err:#}").contains(
            "\n    (conversation.type==meeting,conversation.type==call;metadata.…\n    ^\n"
        )
    );
    let deep = format!("{}a==1{}", "(".repeat(9), ")".repeat(9));
    let err = Parser::new()
        .with_limits(Limits::new().with_max_depth(8))
        .parse(&deep)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid filter: groups are nested 9 deep, the limit is 8"
    );
}
