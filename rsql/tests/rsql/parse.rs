//! Accepted syntax: operators in both spellings, quoting and escapes, values,
//! spans, borrowing, and the operator vocabularies.

use std::borrow::Cow;

use rsql::{Args, Arity, Ast, Operator, Operators, ParseErrorKind, Parser, Policy, Quote, Span};

#[track_caller]
fn parse(input: &str) -> Ast<'_> {
    match rsql::parse(input) {
        Ok(ast) => ast,
        Err(err) => panic!("{input:?} should parse:\n{err:#}"),
    }
}

/// Parses `input`, prints it, and compares with the canonical form.
#[track_caller]
fn assert_canonical(input: &str, canonical: &str) {
    let ast = parse(input);
    assert_eq!(ast.to_string(), canonical, "input: {input:?}");
    assert_eq!(
        parse(canonical),
        ast,
        "canonical form parses to another tree: {canonical:?}"
    );
}

/// The only value of the only comparison.
#[track_caller]
fn value_of(input: &str) -> String {
    let ast = parse(input);
    let cmp = ast.comparisons().next().unwrap();
    assert_eq!(cmp.args.len(), 1, "{input:?}");
    cmp.args.as_slice()[0].as_str().to_owned()
}

#[test]
fn operators_in_both_spellings() {
    let table = [
        ("a==1", Operator::Eq, "a==1"),
        ("a!=1", Operator::Ne, "a!=1"),
        ("a=lt=1", Operator::Lt, "a=lt=1"),
        ("a<1", Operator::Lt, "a=lt=1"),
        ("a=le=1", Operator::Le, "a=le=1"),
        ("a<=1", Operator::Le, "a=le=1"),
        ("a=gt=1", Operator::Gt, "a=gt=1"),
        ("a>1", Operator::Gt, "a=gt=1"),
        ("a=ge=1", Operator::Ge, "a=ge=1"),
        ("a>=1", Operator::Ge, "a=ge=1"),
        ("a=in=(1,2)", Operator::In, "a=in=(1,2)"),
        ("a=out=(1,2)", Operator::Out, "a=out=(1,2)"),
    ];
    for (input, op, canonical) in table {
        let ast = parse(input);
        assert_eq!(ast.comparisons().next().unwrap().op, op, "{input}");
        assert_canonical(input, canonical);
    }
}

#[test]
fn alias_forms_print_canonically() {
    assert_canonical("a==1 and b==2", "a==1;b==2");
    assert_canonical("a==1 or b==2", "a==1,b==2");
    assert_canonical("a<1 and b>=2 or c!=3", "a=lt=1;b=ge=2,c!=3");
    assert_canonical("( a == 1 )", "a==1");
    assert_canonical("a==(x)", "a==x");
    assert_canonical("a=in=x", "a=in=(x)");
    assert_canonical("a=in=(x or y)", "a=in=(x,y)");
    assert_canonical("(a==1,b==2);c==3", "(a==1,b==2);c==3");
    assert_canonical("((a==1;b==2)),c==3", "a==1;b==2,c==3");
    assert_canonical("a=='x'", "a==x");
    assert_canonical("a==\"x\"", "a==x");
}

#[test]
fn quoting_and_escapes() {
    let table: &[(&str, &str)] = &[
        (r#"a=="Weekly Sync""#, "Weekly Sync"),
        (r#"a=='Weekly Sync'"#, "Weekly Sync"),
        (r#"a=="O'Brien""#, "O'Brien"),
        (r#"a=='Say "hello"'"#, r#"Say "hello""#),
        (r#"a=="say \"hi\"""#, r#"say "hi""#),
        (r#"a=='it\'s'"#, "it's"),
        (r#"a=="C:\\exports\\q3.csv""#, r"C:\exports\q3.csv"),
        (r#"a=="\n\a\t""#, "nat"),
        ("a==\"line\\\nbreak\"", "line\nbreak"),
        (r#"a==''"#, ""),
        (r#"a=="""#, ""),
        (r#"a=='a''b'"#, "a"), // doubled quotes are not an escape: `'a'` then `'b'` is an error below
        (r"a==C:\dir", r"C:\dir"),
        ("a==x%20y", "x%20y"),
        ("a==*@acme.com", "*@acme.com"),
        ("a==会议", "会议"),
        ("a==\u{a0}x", "\u{a0}x"),
        (r#"a=="(;,=!~<> )""#, "(;,=!~<> )"),
        ("a==\"tab\there\"", "tab\there"),
    ];
    for (input, expected) in table {
        if input.contains("''b'") {
            assert!(rsql::parse(input).is_err(), "{input}");
            continue;
        }
        assert_eq!(value_of(input), *expected, "{input}");
    }
}

#[test]
fn escaped_stars_are_literal() {
    let ast = parse(r#"a=="2\*3*""#);
    let v = &ast.comparisons().next().unwrap().args.as_slice()[0];
    assert_eq!(v.as_str(), "2*3*");
    assert_eq!(v.literal_stars, vec![1]);
    assert!(!v.is_wildcard_at(1));
    assert!(v.is_wildcard_at(3));
    assert_eq!(ast.to_string(), r#"a=="2\*3*""#);
    // a bare star is always a wildcard, a quoted unescaped one too
    assert!(parse("a==*x").comparisons().next().unwrap().args.as_slice()[0].is_wildcard());
    assert!(
        parse("a=='*x'")
            .comparisons()
            .next()
            .unwrap()
            .args
            .as_slice()[0]
            .is_wildcard()
    );
    // a literal star written with either quote equals the other
    assert_eq!(parse(r"a=='\*'"), parse(r#"a=="\*""#));
    assert_ne!(parse(r"a=='\*'"), parse("a=='*'"));
}

/// Thousands of `\*` in one value: every star stays literal through parse,
/// print and parse (the lookups binary-search the sorted offsets, so this is
/// not quadratic in the number of stars).
#[test]
fn many_escaped_stars() {
    let input = format!("a==\"x{}*\"", "\\*".repeat(2000));
    let ast = parse(&input);
    let v = &ast.comparisons().next().unwrap().args.as_slice()[0];
    assert_eq!(v.literal_stars.len(), 2000);
    assert!(v.literal_stars.windows(2).all(|w| w[0] < w[1]));
    assert!(v.is_wildcard(), "the last star is a wildcard");
    assert!(!v.is_wildcard_at(1) && v.is_wildcard_at(2001));
    let printed = ast.to_string();
    assert_eq!(printed, input);
    assert_eq!(parse(&printed), ast);
}

#[test]
fn printing_picks_the_cheaper_quote() {
    let table: &[(&str, &str)] = &[
        (r#"a=='x y'"#, r#"a=="x y""#),
        (r#"a=="O'Brien""#, r#"a=="O'Brien""#),
        (r#"a=='Say "hi"'"#, r#"a=='Say "hi"'"#),
        (r#"a=="it's \"x\" \"y\"""#, r#"a=='it\'s "x" "y"'"#),
        (r#"a=="back\\slash here""#, r#"a=="back\\slash here""#),
        (r"a==back\slash", r"a==back\slash"),
        (r#"a==''"#, r#"a=="""#),
        ("a==\"\t\"", "a==\"\t\""),
        (r#"a==';'"#, r#"a==";""#),
        (r#"a=in=('a b',c,"")"#, r#"a=in=("a b",c,"")"#),
    ];
    for (input, canonical) in table {
        assert_canonical(input, canonical);
    }
}

#[test]
fn values_borrow_unless_unescaped() {
    let ast = parse(r#"a==plain;b=='quoted';c=="esc\"aped""#);
    let texts: Vec<&Cow<'_, str>> = ast
        .comparisons()
        .map(|c| &c.args.as_slice()[0].text)
        .collect();
    assert!(matches!(texts[0], Cow::Borrowed("plain")));
    assert!(matches!(texts[1], Cow::Borrowed("quoted")));
    assert!(matches!(texts[2], Cow::Owned(s) if s == "esc\"aped"));
    assert!(
        ast.comparisons()
            .all(|c| matches!(c.selector.path, Cow::Borrowed(_)))
    );
}

#[test]
fn spans_are_byte_offsets() {
    let input = "  né=in=( 'x y' , z );b<=2";
    let ast = parse(input);
    let cmps: Vec<_> = ast.comparisons().collect();
    assert_eq!(cmps[0].selector.span, Span::new(2, 5));
    assert_eq!(cmps[0].op_span, Span::new(5, 9));
    assert_eq!(cmps[0].span, Span::new(2, 22));
    let vals = cmps[0].args.as_slice();
    assert_eq!(&input[vals[0].span.start..vals[0].span.end], "'x y'");
    assert_eq!(vals[0].quote, Some(Quote::Single));
    assert_eq!(&input[vals[1].span.start..vals[1].span.end], "z");
    assert_eq!(vals[1].quote, None);
    assert_eq!(cmps[1].op_span, Span::new(24, 26));
    assert_eq!(ast.span(), Span::new(2, input.len()));
}

#[test]
fn args_remember_lists() {
    let ast = parse("a==(x);b=in=y;c=in=(1,2)");
    let args: Vec<&Args<'_>> = ast.comparisons().map(|c| &c.args).collect();
    assert!(matches!(args[0], Args::List(v) if v.len() == 1));
    assert!(matches!(args[1], Args::One(_)));
    assert!(matches!(args[2], Args::List(v) if v.len() == 2));
}

#[test]
fn whitespace_deviation_tab_and_newline_are_not_word_characters() {
    // the reference lexer would read `b\tc` as one value; we treat TAB as whitespace
    let err = rsql::parse("a==b\tc").unwrap_err();
    assert_eq!(
        err.kind(),
        &ParseErrorKind::ExpectedSeparator { in_group: false }
    );
    assert_eq!(value_of("a\t==\tb\n"), "b");
    // non-ASCII whitespace is an ordinary character
    assert_eq!(value_of("a==b\u{2003}c"), "b\u{2003}c");
}

#[test]
fn extended_operators_and_aliases() {
    let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    let table = [
        ("a=like=x", "a=like=x"),
        ("a=ke=x", "a=like=x"),
        ("a=notlike=x", "a=notlike=x"),
        ("a=nk=x", "a=notlike=x"),
        ("a=ilike=x", "a=ilike=x"),
        ("a=ik=x", "a=ilike=x"),
        ("a=ic=x", "a=ic=x"),
        ("a=icase=x", "a=ic=x"),
        ("a=bt=(1,2)", "a=bt=(1,2)"),
        ("a=between=(1,2)", "a=bt=(1,2)"),
        ("a=nb=(1,2)", "a=nb=(1,2)"),
        ("a=notbetween=(1,2)", "a=nb=(1,2)"),
        ("a=isnull=true", "a=isnull=true"),
        ("a=na=true", "a=isnull=true"),
        ("a=null=false", "a=isnull=false"),
        ("a=notnull=true", "a=notnull=true"),
        ("a=nn=true", "a=notnull=true"),
    ];
    for (input, canonical) in table {
        let ast = parser
            .parse(input)
            .unwrap_or_else(|e| panic!("{input}: {e:#}"));
        assert_eq!(ast.to_string(), canonical);
        assert!(matches!(
            ast.comparisons().next().unwrap().op,
            Operator::Custom(_)
        ));
    }
    for bad in [
        "a=bt=1",
        "a=bt=(1,2,3)",
        "a=like=(x,y)",
        "a=isnull=(true,false)",
    ] {
        let err = parser.parse(bad).unwrap_err();
        assert!(
            matches!(err.kind(), ParseErrorKind::Arity { .. }),
            "{bad}: {err:#}"
        );
    }
    // symbols are case-sensitive
    assert!(matches!(
        parser.parse("a=LIKE=x").unwrap_err().kind(),
        ParseErrorKind::UnknownOperator { suggestion: Some(s), .. } if s == "=like="
    ));
}

#[test]
fn custom_operators_share_the_registry_symbol() {
    let ops = Operators::standard()
        .register("=all=", Arity::at_least(2))
        .and_then(|ops| ops.register("=near=", Arity::range(1, 2)))
        .and_then(|ops| ops.alias("=every=", "=all="))
        .unwrap();
    let parser = Parser::new().with_policy(Policy::new().with_operators(ops));
    let a = parser.parse("t=all=(x,y)").unwrap();
    let b = parser.parse("t=every=(x,y)").unwrap();
    let (Operator::Custom(sa), Operator::Custom(sb)) = (
        &a.comparisons().next().unwrap().op,
        &b.comparisons().next().unwrap().op,
    ) else {
        panic!("custom operators expected");
    };
    assert!(
        std::sync::Arc::ptr_eq(sa, sb),
        "no allocation per parse: the Arc comes from the registry"
    );
    assert_eq!(&**sa, "=all=");
    assert!(parser.parse("t=near=x").is_ok());
    assert!(parser.parse("t=near=(x,y)").is_ok());
    let err = parser.parse("t=all=x").unwrap_err();
    assert_eq!(
        err.kind(),
        &ParseErrorKind::Arity {
            op: "=all=".into(),
            expected: Arity::at_least(2),
            found: 1
        }
    );
    assert_eq!(err.span(), Span::new(6, 7));
    let err = parser.parse("t=near=(1,2,3)").unwrap_err();
    assert_eq!(
        err.message(),
        "operator `=near=` takes 1 to 2 values, found 3"
    );
    assert_eq!(err.span(), Span::new(7, 14));
}

#[test]
fn any_mode_accepts_fiql_shaped_operators() {
    let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::any()));
    let ast = parser.parse("a=foo=(1,2);b=GT=x;c<1").unwrap();
    let ops: Vec<&str> = ast.comparisons().map(|c| c.op.as_str()).collect();
    assert_eq!(ops, ["=foo=", "=GT=", "=lt="]);
    assert_eq!(ast.to_string(), "a=foo=(1,2);b=GT=x;c=lt=1");
    // still lexical errors
    assert!(matches!(
        parser.parse("a=f1=x").unwrap_err().kind(),
        ParseErrorKind::InvalidOperator { .. }
    ));
    // standard arity still applies
    assert!(matches!(
        parser.parse("a==(1,2)").unwrap_err().kind(),
        ParseErrorKind::Arity { .. }
    ));
}

#[test]
fn bench_corpus_shapes() {
    let ast = parse(r#"metadata.notes=="C:\\exports\\2021\\q3.csv";conversation.type==call"#);
    let v = &ast.comparisons().next().unwrap().args.as_slice()[0];
    assert_eq!(v.as_str(), r"C:\exports\2021\q3.csv");
    // a backslash is literal in a bare word, so the minimal form needs no quotes
    assert_eq!(
        ast.to_string(),
        r"metadata.notes==C:\exports\2021\q3.csv;conversation.type==call"
    );
    let ast = parse(
        "conversation.type==meeting and metadata.region==eu-west or conversation.type==call and metadata.region==us-west",
    );
    assert_eq!(
        ast.to_string(),
        "conversation.type==meeting;metadata.region==eu-west,conversation.type==call;metadata.region==us-west"
    );
}

/// The error types are plain values a service can clone,
/// compare, send between threads and box as `dyn Error`.
#[test]
fn error_types_are_plain_data() {
    fn assert_error<T: Clone + PartialEq + Send + Sync + 'static + std::error::Error>() {}
    assert_error::<rsql::ParseError>();
    assert_error::<rsql::CompileError>();
    assert_error::<rsql::Error>();
    assert_error::<rsql::OperatorError>();
    assert_error::<rsql::SchemaError>();
    // boxed reprs keep `Result<Ast, _>` small
    assert_eq!(
        std::mem::size_of::<rsql::CompileError>(),
        std::mem::size_of::<usize>()
    );
    assert!(std::mem::size_of::<rsql::Error>() <= 2 * std::mem::size_of::<usize>());
}

#[test]
fn parser_is_shareable() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Parser>();
    assert_traits::<rsql::ParseError>();
    assert_eq!(
        std::mem::size_of::<rsql::ParseError>(),
        std::mem::size_of::<usize>()
    );
}
