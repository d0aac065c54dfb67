//! Which OR separator `Policy::check` blames when the text between two OR
//! operands holds both a `,` and the word `or`: the first in source order
//! (issue 18). The parser never produces such a gap; a tree checked against
//! text of its own (`Policy::check` is public) can.

use rsql::{ParseErrorKind, Policy, Span};

#[track_caller]
fn blamed(input: &str) -> Span {
    // The tree of `a==1 ,   b==2`: operands at 0..4 and 9..13.
    let ast = rsql::parse("a==1 ,   b==2").unwrap();
    assert_eq!(input.len(), 13, "{input}");
    let err = Policy::new()
        .with_forbid_or(true)
        .check(&ast, input)
        .unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::OrForbidden);
    err.span()
}

#[test]
fn the_first_or_separator_in_the_gap_is_blamed() {
    assert_eq!(blamed("a==1 or, b==2"), Span::new(5, 7));
    assert_eq!(blamed("a==1 ,or b==2"), Span::new(5, 6));
    assert_eq!(blamed("a==1  or b==2"), Span::new(6, 8));
    assert_eq!(blamed("a==1   , b==2"), Span::new(7, 8));
}
