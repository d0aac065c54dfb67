//! Policy rules (the crate's `Policy`, the HTTP API's rules): OR, distinct fields with
//! aliases, the selector allow-list, and the Symbl preset.

use rsql::{ParseErrorKind, Parser, Policy, Span};

fn symbl() -> Parser {
    Parser::new().with_policy(Policy::symbl())
}

/// The verdict table of the HTTP API's policy (docs/filter-language.md).
#[test]
fn symbl_verdict_table() {
    let accept = [
        "conversation.metadata.agentId==a1",
        "conversation.startTime=ge=2021-03-01T00:00:00Z;conversation.startTime=lt=2021-03-08T00:00:00Z;conversation.type==meeting",
        "conversation.metadata.agentId=in=(a1,a2,a3)",
        "conversation.metadata.agentId==a1 and conversation.metadata.customerId==c9",
        "(conversation.type==meeting)",
    ];
    for filter in accept {
        if let Err(err) = symbl().parse(filter) {
            panic!("{filter} should pass:\n{err:#}");
        }
    }
    let err = symbl()
        .parse("conversation.startTime=ge=2021-03-01;conversation.endTime=le=2021-03-08;conversation.metadata.channel==zoom")
        .unwrap_err();
    assert!(
        matches!(err.kind(), ParseErrorKind::TooManyFields { limit: 2, fields } if fields.len() == 3)
    );
    let err = symbl()
        .parse("conversation.type==meeting,conversation.type==call")
        .unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::OrForbidden);
    assert_eq!(
        err.message(),
        "OR is not supported; use =in= for alternatives of one field"
    );
    assert_eq!(err.kind().category(), "policy");
    assert_eq!(
        err.help().as_deref(),
        Some("write `a=in=(x,y)` instead of `a==x,a==y`")
    );
}

#[test]
fn or_separator_is_blamed_in_source_order() {
    let p = Parser::new().with_policy(Policy::new().with_forbid_or(true));
    let cases = [
        ("a==1,b==2", Span::new(4, 5)),
        ("a==1 or b==2", Span::new(5, 7)),
        ("(a==1;(b==2 , c==3)),d==4", Span::new(12, 13)),
        ("(a==1;b==2) or (c==3)", Span::new(12, 14)),
        ("a=in=(1,2) , b=in=(3 or 4)", Span::new(11, 12)),
    ];
    for (input, span) in cases {
        let err = p.parse(input).unwrap_err();
        assert_eq!(err.kind(), &ParseErrorKind::OrForbidden, "{input}");
        assert_eq!(err.span(), span, "{input}: {err:#}");
    }
    // list separators are not OR
    assert!(p.parse("a=in=(1,2);b=out=(x or y)").is_ok());
    // forbid_or(false) switches it off again
    assert!(
        Parser::new()
            .with_policy(Policy::symbl().with_forbid_or(false))
            .parse("conversation.type==a,conversation.type==b")
            .is_ok()
    );
}

#[test]
fn fields_are_counted_after_aliases() {
    let p = symbl();
    assert!(
        p.parse("metadata.agentId==a;conversation.metadata.agentId!=b;conversation.type==call")
            .is_ok()
    );
    assert!(
        p.parse("members.email==x;conversation.members.email!=y;conversation.type==call")
            .is_ok()
    );
    let err = p
        .parse("metadata.a==1;conversation.metadata.a==2;metadata.b==3;members.id==4")
        .unwrap_err();
    assert_eq!(
        err.kind(),
        &ParseErrorKind::TooManyFields {
            limit: 2,
            fields: vec![
                "conversation.metadata.a".into(),
                "conversation.metadata.b".into(),
                "members.id".into()
            ]
        }
    );
    // blames the comparison that names the first extra field
    assert_eq!(err.span(), Span::new(55, 68));
    assert_eq!(&err.input()[55..68], "members.id==4");
    let err = p
        .parse("metadata.a==1;metadata.b==2;metadata.c=in=(3,4)")
        .unwrap_err();
    assert_eq!(
        &err.input()[err.span().start..err.span().end],
        "metadata.c=in=(3,4)"
    );
    assert_eq!(
        err.message(),
        "the filter names 3 fields, the limit is 2: `conversation.metadata.a`, `conversation.metadata.b`, `conversation.metadata.c`"
    );
}

#[test]
fn allow_list_exact_names_and_prefixes() {
    let p = Parser::new().with_policy(
        Policy::new()
            .with_allowed_selectors(["id", "meta.*"])
            .with_alias("m.", "meta."),
    );
    for ok in ["id==1", "meta.x==1", "meta.x.y==1", "m.k==1"] {
        assert!(p.parse(ok).is_ok(), "{ok}");
    }
    for bad in ["idx==1", "meta.==1", "metaX==1", "meta==1", "ID==1"] {
        let err = p.parse(bad).unwrap_err();
        assert!(
            matches!(err.kind(), ParseErrorKind::SelectorNotAllowed { .. }),
            "{bad}: {err:#}"
        );
    }
    let err = p.parse("id==1;ib==2").unwrap_err();
    assert_eq!(
        err.kind(),
        &ParseErrorKind::SelectorNotAllowed {
            selector: "ib".into(),
            suggestion: Some("id".into()),
            allowed: vec!["id".into(), "meta.*".into()]
        }
    );
    assert_eq!(err.span(), Span::new(6, 8));
    let err = p.parse("zzzzzz==1").unwrap_err();
    assert_eq!(
        err.help().as_deref(),
        Some("allowed selectors: `id`, `meta.*`")
    );
}

/// A swapped pair of letters is one edit (OSA distance), so short names get
/// a suggestion too.
#[test]
fn transposed_letters_get_a_suggestion() {
    let p = Parser::new().with_policy(Policy::new().with_allowed_selectors(["name", "type"]));
    let err = p.parse("nmae==x").unwrap_err();
    assert_eq!(err.help().as_deref(), Some("did you mean `name`?"));
    let err = symbl().parse("conversation.tpye==call").unwrap_err();
    assert_eq!(
        err.help().as_deref(),
        Some("did you mean `conversation.type`?")
    );
    let err = rsql::parse("a=gt=1;b=tg=2").unwrap_err();
    assert_eq!(err.help().as_deref(), Some("did you mean `=gt=`?"));
}

#[test]
fn symbl_selectors_and_operators() {
    let p = symbl();
    for ok in [
        "conversation.id==1",
        "conversation.name=like=*sync*",
        "conversation.endTime=bt=(2021-01-01,2021-02-01)",
        "members.name=ic=jane",
        "conversation.members.email=isnull=false",
    ] {
        assert!(p.parse(ok).is_ok(), "{ok}");
    }
    let err = p.parse("conversation.startTme=ge=2021-03-01").unwrap_err();
    assert_eq!(
        err.help().as_deref(),
        Some("did you mean `conversation.startTime`?")
    );
    let err = p.parse("member.email==x").unwrap_err();
    assert_eq!(err.help().as_deref(), Some("did you mean `members.email`?"));
}

#[test]
fn check_order_is_or_then_selectors_then_fields() {
    let p = symbl();
    // OR and an unknown selector and three fields: OR wins
    let err = p
        .parse("owner==1,conversation.type==a;conversation.name==b;conversation.id==c")
        .unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::OrForbidden);
    // unknown selector before the field count, even when it comes later in the text
    let err = p
        .parse("conversation.type==a;conversation.name==b;conversation.id==c;owner==1")
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ParseErrorKind::SelectorNotAllowed { .. }
    ));
    // syntax errors come before any policy error
    let err = p.parse("a==1,b==").unwrap_err();
    assert!(matches!(err.kind(), ParseErrorKind::ExpectedValue { .. }));
}

#[test]
fn default_policy_is_permissive() {
    let p = Parser::new();
    assert!(p.parse("x==1,y==2;z==3;w==4;anything.at.all==5").is_ok());
    assert!(!p.policy().forbids_or());
    assert_eq!(p.policy().max_fields(), None);
    assert!(p.policy().allows_selector("whatever"));
    // the standard vocabulary only
    assert!(matches!(
        p.parse("a=like=x").unwrap_err().kind(),
        ParseErrorKind::UnknownOperator { .. }
    ));
}

/// What a policy reports of itself is what it enforces (services show these
/// rules to their users, e.g. in an error page or the CLI's `--policy`).
#[test]
fn a_policy_reports_the_rules_it_enforces() {
    let p = symbl();
    let policy = p.policy();
    assert!(policy.forbids_or());
    assert!(
        p.parse("conversation.type==call,conversation.type==chat")
            .is_err()
    );
    assert_eq!(policy.max_fields(), Some(2));
    assert!(
        p.parse("conversation.type==call;conversation.name==a;metadata.x==1")
            .is_err()
    );
    assert!(!policy.allows_selector("conversation.owner"));
    assert!(p.parse("conversation.owner==a").is_err());
    assert!(policy.allows_selector("conversation.members.email"));
    let custom = Policy::new()
        .with_forbid_or(true)
        .with_max_fields(5)
        .with_allowed_selectors(["a"]);
    assert!(custom.forbids_or());
    assert_eq!(custom.max_fields(), Some(5));
    assert!(custom.allows_selector("a"));
    assert!(!custom.allows_selector("b"));
}
