//! Round-trip properties (proptest): random normalised trees print to RSQL
//! that parses back to the same tree, printing is a fixed point, JSON round
//! trips, and any string value survives quoting.

use std::borrow::Cow;

use proptest::prelude::*;
use rsql::{
    Args, Ast, Comparison, Limits, Operator, Operators, Parser, Policy, Selector, Span, Value,
};

/// The parser the properties use: every FIQL-shaped operator, no length limit
/// (printing may be longer than the input).
fn parser() -> Parser {
    Parser::new()
        .with_limits(Limits::new().with_max_len(usize::MAX))
        .with_policy(Policy::new().with_operators(Operators::any()))
}

fn selector() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_.]{0,12}",
        Just("and".to_owned()),
        Just("or".to_owned()),
        // any run of word characters is a selector, including non-ASCII and `\*%`
        "[^\"'();,=!~<> \t\r\n]{1,8}",
    ]
}

/// Any text, with extra weight on the characters that need care.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC*",
        "[a-z*\\\\'\" \t\n;,()=!~<>]{0,12}",
        Just(String::new()),
        Just(" and ".to_owned()),
        Just("*".to_owned()),
    ]
}

/// A value whose stars are each literal or wildcard at random.
fn value(with_literal_stars: bool) -> impl Strategy<Value = Value<'static>> {
    (text(), any::<u64>()).prop_map(move |(text, bits)| {
        let literal_stars = if with_literal_stars {
            text.match_indices('*')
                .enumerate()
                .filter(|(n, _)| bits >> (n % 64) & 1 == 1)
                .map(|(_, (i, _))| i)
                .collect()
        } else {
            Vec::new()
        };
        Value {
            text: Cow::Owned(text),
            quote: None,
            literal_stars,
            span: Span::default(),
        }
    })
}

fn comparison(with_literal_stars: bool) -> impl Strategy<Value = Ast<'static>> {
    let single = prop_oneof![
        Just(Operator::Eq),
        Just(Operator::Ne),
        Just(Operator::Lt),
        Just(Operator::Le),
        Just(Operator::Gt),
        Just(Operator::Ge),
    ];
    let multi = prop_oneof![
        Just(Operator::In),
        Just(Operator::Out),
        "=[a-zA-Z]{1,6}="
            .prop_filter("not standard", |s| Operator::standard(s).is_none())
            .prop_map(|s| Operator::Custom(s.into())),
    ];
    let single_cmp = (selector(), single, value(with_literal_stars), any::<bool>()).prop_map(
        |(sel, op, v, listed)| {
            cmp(
                sel,
                op,
                if listed {
                    Args::List(vec![v])
                } else {
                    Args::One(v)
                },
            )
        },
    );
    let multi_cmp = (
        selector(),
        multi,
        prop::collection::vec(value(with_literal_stars), 1..4),
    )
        .prop_map(|(sel, op, vs)| cmp(sel, op, Args::List(vs)));
    prop_oneof![single_cmp, multi_cmp]
}

fn cmp(selector: String, op: Operator, args: Args<'static>) -> Ast<'static> {
    Ast::Cmp(Comparison {
        selector: Selector::new(selector),
        op,
        args,
        span: Span::default(),
        op_span: Span::default(),
    })
}

/// Normalised trees (built through `Ast::and`/`Ast::or`), well under the depth limit.
fn tree(with_literal_stars: bool) -> impl Strategy<Value = Ast<'static>> {
    comparison(with_literal_stars).prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Ast::and),
            prop::collection::vec(inner, 2..4).prop_map(Ast::or),
        ]
    })
}

/// Token soup: mostly-plausible RSQL, for the fixed-point property on inputs
/// that were not produced by the printer.
fn soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("a"),
        Just("b.c"),
        Just("=="),
        Just("!="),
        Just("<"),
        Just(">="),
        Just("=gt="),
        Just("=in="),
        Just("=out="),
        Just("=foo="),
        Just(";"),
        Just(","),
        Just(" and "),
        Just(" or "),
        Just("("),
        Just(")"),
        Just("'x y'"),
        Just("\"q\\\"\""),
        Just("'\\*'"),
        Just("*"),
        Just("1"),
        Just(" "),
        Just("\t"),
        Just("''"),
    ];
    prop::collection::vec(token, 1..24).prop_map(|ts| ts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printed_trees_parse_back(ast in tree(true)) {
        let printed = ast.to_string();
        let back = parser().parse(&printed);
        prop_assert!(back.is_ok(), "{printed:?}: {:#}", back.unwrap_err());
        let back = back.unwrap();
        prop_assert_eq!(&back, &ast, "printed as {:?}", printed);
        prop_assert_eq!(back.to_string(), printed);
    }

    #[test]
    fn printing_is_a_fixed_point(input in soup()) {
        if let Ok(ast) = parser().parse(&input) {
            let printed = ast.to_string();
            let again = parser().parse(&printed).unwrap();
            prop_assert_eq!(&again, &ast);
            prop_assert_eq!(again.to_string(), printed);
        }
    }

    #[test]
    fn any_value_survives_quoting(v in value(true), op in prop_oneof![Just("=="), Just("=in=")]) {
        let printed = format!("a{op}{v}");
        let ast = parser().parse(&printed);
        prop_assert!(ast.is_ok(), "{printed:?}: {:#}", ast.unwrap_err());
        let ast = ast.unwrap();
        let back = &ast.comparisons().next().unwrap().args.as_slice()[0];
        prop_assert_eq!(back.as_str(), v.as_str());
        prop_assert_eq!(&back.literal_stars, &v.literal_stars);
    }

    #[test]
    fn errors_stay_inside_the_input(input in "\\PC{0,40}|[a=!<>'\"();, \t\\\\*]{0,30}") {
        prop_assert!(rsql::fuzzing::check_parse(input.as_bytes()));
        prop_assert!(rsql::fuzzing::check_roundtrip(input.as_bytes()));
    }
}

#[cfg(feature = "serde")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn json_round_trips(ast in tree(false)) {
        let json = serde_json::to_string(&ast).unwrap();
        let back: Ast<'static> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &ast, "{}", json);
    }
}

#[cfg(feature = "serde")]
#[test]
fn json_shape_is_canonical() {
    let ast = rsql::parse("(a==1,b==2);c=in=x;d<'x y'").unwrap();
    let json = serde_json::to_value(&ast).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"and": [
            {"or": [
                {"selector": "a", "op": "==", "args": ["1"]},
                {"selector": "b", "op": "==", "args": ["2"]}
            ]},
            {"selector": "c", "op": "=in=", "args": ["x"]},
            {"selector": "d", "op": "=lt=", "args": ["x y"]}
        ]})
    );
    // literal stars are not carried by JSON: they come back as wildcards
    let starred = rsql::parse(r#"a=="2\*3""#).unwrap();
    let back: Ast<'static> =
        serde_json::from_str(&serde_json::to_string(&starred).unwrap()).unwrap();
    assert!(back.comparisons().next().unwrap().args.as_slice()[0].is_wildcard());
    // malformed JSON trees are errors, not panics
    for bad in [
        r#"{"and": []}"#,
        r#"{"selector": "a", "op": "==", "args": []}"#,
        r#"{"selector": "a", "op": "=="}"#,
        r#"{"and": [], "selector": "a"}"#,
        r#"{"xor": []}"#,
        r#"[1]"#,
    ] {
        assert!(serde_json::from_str::<Ast<'static>>(bad).is_err(), "{bad}");
    }
    // both operator spellings are read; the short one maps to FIQL
    let ast: Ast<'static> =
        serde_json::from_str(r#"{"selector":"a","op":">=","args":["1"]}"#).unwrap();
    assert_eq!(ast.to_string(), "a=ge=1");
}
