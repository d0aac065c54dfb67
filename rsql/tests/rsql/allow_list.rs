//! The selector allow-list's patterns: an entry is a prefix pattern only
//! when it ends in `.*`; any other entry, `*` included, is an exact name
//! (issue 18).

use rsql::{ParseErrorKind, Parser, Policy};

fn allowing(entries: &[&str]) -> Parser {
    Parser::new().with_policy(Policy::new().with_allowed_selectors(entries.iter().copied()))
}

#[test]
fn a_star_without_a_dot_before_it_is_no_prefix_pattern() {
    let p = allowing(&["name*", "meta.*"]);
    for rejected in ["namex==1", "name==1", "names.x==1", "meta==1", "metax==1"] {
        let err = p.parse(rejected).unwrap_err();
        assert!(
            matches!(err.kind(), ParseErrorKind::SelectorNotAllowed { .. }),
            "{rejected}: {err:#}"
        );
    }
    for accepted in ["meta.k==1", "meta.a.b==1"] {
        assert!(p.parse(accepted).is_ok(), "{accepted}");
    }
}

#[test]
fn a_prefix_pattern_needs_a_segment_after_the_dot() {
    let p = allowing(&["meta.*"]);
    assert!(p.parse("meta.k==1").is_ok());
    let err = p.parse("meta==1").unwrap_err();
    assert!(
        matches!(err.kind(), ParseErrorKind::SelectorNotAllowed { .. }),
        "{err:#}"
    );
}

#[test]
fn a_span_inside_a_character_of_the_given_input_is_no_panic() {
    // `Policy::check` takes the tree and the input from its caller: here
    // they differ, and `b`'s span (byte 5) falls inside the third `é`.
    let ast = rsql::parse("a==1;b==2").unwrap();
    let input = "ééé==1";
    let err = Policy::new()
        .with_allowed_selectors(["a"])
        .check(&ast, input)
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ParseErrorKind::SelectorNotAllowed { .. }
    ));
    let _ = err.help();
    let _ = format!("{err:#}");
}
