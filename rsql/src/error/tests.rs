//! The accessors of [`Error`] against what an HTTP layer used to derive from
//! the rendered text (`server/src/handlers/symbl.rs` before the accessors):
//! the same fields, without taking `{:#}` apart.

use super::*;
use crate::{Field, FieldType, Limits, Operators, Parser, Policy, Schema};

/// The snippet as it was derived from the rendered error: every line of
/// `{:#}` after the first, each without its leading 4-space indent.
fn snippet_from_text(e: &Error) -> String {
    let full = format!("{e:#}");
    full.split_once('\n')
        .map(|(_, rest)| {
            rest.lines()
                .map(|l| l.strip_prefix("    ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// The other fields as they were picked per variant.
fn fields_by_variant(e: &Error) -> (String, String, String, usize, usize) {
    match e {
        Error::Parse(p) => (
            p.kind().code().to_owned(),
            p.kind().category().to_owned(),
            p.message(),
            p.offset(),
            p.len(),
        ),
        Error::Compile(c) => (
            c.code().to_owned(),
            "schema".to_owned(),
            c.message(),
            c.offset(),
            c.span().len(),
        ),
    }
}

fn check(e: &Error) {
    assert_eq!(e.snippet(), snippet_from_text(e), "{e:#}");
    let (code, category, message, offset, len) = fields_by_variant(e);
    assert_eq!(e.code(), code);
    assert_eq!(e.category(), category);
    assert_eq!(e.message(), message);
    assert_eq!((e.offset(), e.len()), (offset, len));
    assert_eq!(e.is_empty(), len == 0);
    // `{:#}` is the one-line message, then the snippet's lines
    let full = format!("{e:#}");
    assert!(full.starts_with(&e.to_string()), "{full}");
    assert_eq!(full.len() > e.to_string().len(), !e.snippet().is_empty());
}

fn schema() -> Schema {
    Schema::builder()
        .field(Field::new("conversation.startTime", FieldType::Timestamp))
        .field(Field::new(
            "conversation.type",
            FieldType::enumeration(["meeting", "call"]),
        ))
        .field(Field::new("score", FieldType::Float))
        .field(Field::dynamic("metadata", FieldType::String))
        .build()
        .expect("a valid schema")
}

#[test]
fn parse_error_snippets_match_the_text() {
    let long = format!("{}==x;b=~1", "a".repeat(200));
    let inputs = [
        "conversation.type==meeting;", // at end of input
        "a=gte=1",                     // with help
        "né=gte=1",                    // carets counted in characters
        "a==1;\nb=~2",                 // multi-line input: the gutter
        "a==1;\n\nb==2;",              // multi-line, at end of input
        "(a==1",
        "a==x y",
        "a==1 AND b==2",
        "\ta==1\t;;",
        "a=in=()",
        "a=='abc",
        "",
        "   ",
        "==1",
        "a==(1,2)",
        &long,
    ];
    for input in inputs {
        let err: Error = crate::parse(input).expect_err(input).into();
        check(&err);
    }
    let tight = Parser::new().with_limits(Limits::new().with_max_len(8));
    check(
        &tight
            .parse("conversation.type==x")
            .expect_err("too long")
            .into(),
    );
    let symbl = Parser::new().with_policy(Policy::symbl());
    for input in ["conversation.startTme==x", "a==1,a==2"] {
        check(&symbl.parse(input).expect_err(input).into());
    }
}

#[test]
fn compile_error_snippets_match_the_text() {
    let schema = schema();
    // `any`: arity errors are left to the schema (`=bt=` takes at least one value here)
    let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::any()));
    let inputs = [
        "conversation.startTme=ge=2021-03-01",  // help: did you mean
        "score=gt=high",                        // no help
        "conversation.type==metting",           // enum value with help
        "conversation.startTime=ge=2021-02-30", // bad timestamp with a reason
        "score==1;\nconversation.type=like=x",  // multi-line input
        "score==1;\n  metadata==x",             // multi-line, missing key
        "score=bt=(1)",                         // wrong arity
        "conversation.type=near=x",             // unknown operator
        "metadata.a.b==1",                      // invalid key, no suggestion
    ];
    for input in inputs {
        let with_input = schema.compile_str(&parser, input).expect_err(input);
        assert!(with_input.input().is_some());
        check(&with_input);
        // without its input: only the `help:` line is left, or nothing
        let ast = parser.parse(input).expect(input);
        let bare: Error = schema.compile(&ast).expect_err(input).into();
        assert_eq!(bare.input(), None);
        check(&bare);
        assert_eq!(
            bare.snippet(),
            bare.help()
                .map(|h| format!("help: {h}"))
                .unwrap_or_default()
        );
    }
}

#[test]
fn input_and_help_come_from_the_variant() {
    let err: Error = crate::parse("a=gte=1")
        .expect_err("unknown operator")
        .into();
    assert_eq!(err.input(), Some("a=gte=1"));
    assert_eq!(err.help().as_deref(), Some("did you mean `=ge=`?"));
    let err = schema()
        .compile_str(&Parser::new(), "score=gt=high")
        .expect_err("not a number");
    assert_eq!(err.input(), Some("score=gt=high"));
    assert_eq!(err.help(), None);
    assert_eq!(err.snippet(), "score=gt=high\n         ^^^^");
}
