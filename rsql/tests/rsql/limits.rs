//! Limit boundary tests (cel-rust's `recursion_limits` habit): for each limit
//! N an input at N passes and one at N + 1 fails with the right kind, and
//! hostile nesting is rejected without deep recursion.

use rsql::{Limits, ParseErrorKind, Parser};

fn nested(depth: usize) -> String {
    format!("{}a==1{}", "(".repeat(depth), ")".repeat(depth))
}

fn comparisons(n: usize) -> String {
    (0..n)
        .map(|i| format!("f{i}=={i}"))
        .collect::<Vec<_>>()
        .join(";")
}

fn list(n: usize) -> String {
    format!(
        "a=in=({})",
        (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
    )
}

#[test]
fn default_limits() {
    let l = Limits::default();
    assert_eq!(
        (
            l.max_len(),
            l.max_depth(),
            l.max_comparisons(),
            l.max_args(),
            l.max_value_len()
        ),
        (65536, 32, 1024, 1024, 4096)
    );
}

#[test]
fn max_len_boundary() {
    let parser = Parser::new();
    let at = format!("a==1{}", " ".repeat(65536 - 4));
    assert_eq!(at.len(), 65536);
    assert!(parser.parse(&at).is_ok());
    let over = format!("{at} ");
    let err = parser.parse(&over).unwrap_err();
    assert_eq!(
        err.kind(),
        &ParseErrorKind::TooLong {
            len: 65537,
            limit: 65536
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid filter: the filter is 65537 bytes long, the limit is 65536"
    );
    // the error keeps only the allowed prefix, and cuts on a character boundary
    let small = Parser::new().with_limits(Limits::new().with_max_len(4));
    let err = small.parse("a==éé").unwrap_err();
    assert_eq!(err.input(), "a==");
    assert_eq!(err.span(), rsql::Span::new(3, 3));
}

#[test]
fn max_depth_boundary() {
    let parser = Parser::new();
    assert!(parser.parse(&nested(32)).is_ok());
    let err = parser.parse(&nested(33)).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooDeep { limit: 32 });
    assert_eq!(err.offset(), 32, "blames the 33rd `(`");
    assert_eq!(
        err.to_string(),
        "invalid filter: groups are nested 33 deep, the limit is 32"
    );
    for depth in [0, 1, 5] {
        let p = Parser::new().with_limits(Limits::new().with_max_depth(depth));
        assert!(p.parse(&nested(depth)).is_ok());
        assert_eq!(
            p.parse(&nested(depth + 1)).unwrap_err().kind(),
            &ParseErrorKind::TooDeep { limit: depth }
        );
    }
    // sibling groups do not add up
    assert!(
        Parser::new()
            .with_limits(Limits::new().with_max_depth(1))
            .parse("(a==1);(b==2);(c==3)")
            .is_ok()
    );
    // list parentheses are not groups
    assert!(
        Parser::new()
            .with_limits(Limits::new().with_max_depth(0))
            .parse("a=in=(1,2)")
            .is_ok()
    );
    // the setter is capped
    assert_eq!(
        Limits::new().with_max_depth(usize::MAX).max_depth(),
        Limits::MAX_DEPTH_CEILING
    );
}

#[test]
fn max_comparisons_boundary() {
    let p = Parser::new().with_limits(Limits::new().with_max_comparisons(10));
    assert!(p.parse(&comparisons(10)).is_ok());
    let err = p.parse(&comparisons(11)).unwrap_err();
    assert_eq!(
        err.kind(),
        &ParseErrorKind::TooManyComparisons { limit: 10 }
    );
    assert!(Parser::new().parse(&comparisons(1024)).is_ok());
    assert_eq!(
        Parser::new().parse(&comparisons(1025)).unwrap_err().kind(),
        &ParseErrorKind::TooManyComparisons { limit: 1024 }
    );
}

#[test]
fn max_args_boundary() {
    assert!(Parser::new().parse(&list(1024)).is_ok());
    assert_eq!(
        Parser::new().parse(&list(1025)).unwrap_err().kind(),
        &ParseErrorKind::TooManyArgs { limit: 1024 }
    );
    let p = Parser::new().with_limits(Limits::new().with_max_args(3));
    assert!(p.parse(&list(3)).is_ok());
    let err = p.parse(&list(4)).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooManyArgs { limit: 3 });
    assert_eq!(
        &err.input()[err.span().start..err.span().end],
        "3",
        "blames the first value over the limit"
    );
}

#[test]
fn max_value_len_boundary() {
    let ok = format!("a=={}", "v".repeat(4096));
    assert!(Parser::new().parse(&ok).is_ok());
    let err = Parser::new()
        .parse(&format!("a=={}", "v".repeat(4097)))
        .unwrap_err();
    assert_eq!(
        err.kind(),
        &ParseErrorKind::ValueTooLong {
            len: 4097,
            limit: 4096
        }
    );
    // measured after unescaping: `\\` is one byte
    let p = Parser::new().with_limits(Limits::new().with_max_value_len(2));
    assert!(p.parse(r#"a=="\\\\""#).is_ok());
    assert!(p.parse(r#"a=in=(ab,"c\d")"#).is_ok());
    assert_eq!(
        p.parse("a=in=(ab,cde)").unwrap_err().kind(),
        &ParseErrorKind::ValueTooLong { len: 3, limit: 2 }
    );
}

/// 100 000 nested `(` in a thread with a 256 KiB stack: the depth guard stops
/// at the 33rd, so neither the parser nor dropping anything recurses deeply.
#[test]
fn hundred_thousand_open_parens_without_stack_overflow() {
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let input = "(".repeat(100_000);
            // with the default 64 KiB length limit, the length check fires first (O(1))
            let err = rsql::parse(&input).unwrap_err();
            assert_eq!(
                err.kind(),
                &ParseErrorKind::TooLong {
                    len: 100_000,
                    limit: 65536
                }
            );
            // with room for the input, the depth guard stops at the 33rd `(`
            let roomy = Parser::new().with_limits(Limits::new().with_max_len(1 << 20));
            let err = roomy.parse(&input).unwrap_err();
            assert_eq!(err.kind(), &ParseErrorKind::TooDeep { limit: 32 });
            assert_eq!(err.span(), rsql::Span::new(32, 33));
            let balanced = nested(100_000);
            let err = roomy.parse(&balanced).unwrap_err();
            assert_eq!(err.kind(), &ParseErrorKind::TooDeep { limit: 32 });
            // the ceiling depth still fits a small stack
            let p =
                Parser::new().with_limits(Limits::new().with_max_depth(Limits::MAX_DEPTH_CEILING));
            let deepest = nested(Limits::MAX_DEPTH_CEILING);
            let ast = p.parse(&deepest).unwrap();
            assert_eq!(ast.to_string(), "a==1");
            let ors = format!("{}a==1{}", "(b==1,".repeat(200), ")".repeat(200));
            let mixed = format!("{}c==1;{}", "(d==1;".repeat(20), ors);
            let _ = p.parse(&mixed);
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn nesting_is_linear_not_exponential() {
    // tantivy #2498: alternatives sharing a prefix made nested groups O(2^n);
    // here every depth up to the limit parses, and a wrong token at the very end
    // is reported without re-parsing (the limit keeps the input small, so any
    // exponential behaviour would still show as a hang, not as a timing)
    let p = Parser::new().with_limits(Limits::new().with_max_depth(200));
    let input = format!("{}a==1{}x", "(".repeat(200), ")".repeat(200));
    assert!(matches!(
        p.parse(&input).unwrap_err().kind(),
        ParseErrorKind::ExpectedSeparator { .. }
    ));
    let input = format!("{}a==1{}", "(b==1;".repeat(200), ")".repeat(199));
    assert_eq!(
        p.parse(&input).unwrap_err().kind(),
        &ParseErrorKind::UnclosedGroup
    );
}
