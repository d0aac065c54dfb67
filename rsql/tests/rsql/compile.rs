//! `Schema::compile`: selector resolution, typed literals, the planner
//! helpers, and one snapshot of the `{:#}` rendering per error kind.

use std::ops::Bound::{Included, Unbounded};

use rsql::{
    Ast, Comparison, CompileErrorKind, Expected, Field, FieldType, Operators, Parser, Policy,
    Schema, SchemaError, Selector, Span,
};

fn schema() -> Schema {
    Schema::builder()
        .field(Field::new("conversation.id", FieldType::String).sortable())
        .field(Field::new("conversation.type", FieldType::String))
        .field(Field::new("conversation.name", FieldType::String).sortable())
        .field(Field::new("conversation.startTime", FieldType::Timestamp).sortable())
        .field(Field::new("conversation.endTime", FieldType::Timestamp).sortable())
        .field(Field::new("members.email", FieldType::String).multi_valued())
        .field(Field::dynamic("conversation.metadata", FieldType::String).numeric_strings())
        .field(Field::new("score", FieldType::Float))
        .field(Field::new("count", FieldType::Integer))
        .field(Field::new("active", FieldType::Bool))
        .field(Field::new(
            "kind",
            FieldType::enumeration(["meeting", "call", "chat"]),
        ))
        .alias("metadata", "conversation.metadata")
        .alias("conversation.members", "members")
        .build()
        .unwrap()
}

fn parser() -> Parser {
    Parser::new().with_policy(Policy::new().with_operators(Operators::any().with_extended()))
}

#[track_caller]
fn ok(filter: &str) -> rsql::Filter {
    match schema().compile_str(&parser(), filter) {
        Ok(f) => f,
        Err(e) => panic!("{e:#}"),
    }
}

#[track_caller]
fn err(filter: &str) -> rsql::CompileError {
    let ast = parser().parse(filter).unwrap();
    schema().compile(&ast).unwrap_err().with_input(filter)
}

#[test]
fn aliases_resolve_to_one_field() {
    let s = schema();
    assert_eq!(
        s.resolve("metadata.agentId"),
        s.resolve("conversation.metadata.agentId")
    );
    assert_eq!(
        s.resolve("conversation.members.email"),
        s.resolve("members.email")
    );
    assert_eq!(
        ok("metadata.agentId==a;conversation.metadata.agentId==b")
            .fields()
            .len(),
        1
    );
    assert_eq!(
        ok("conversation.members.email==x").to_string(),
        "members.email==x"
    );
}

#[test]
fn literals_are_normalised() {
    let cases = [
        (
            "conversation.startTime==2021-03-01",
            "conversation.startTime==2021-03-01T00:00:00.000Z",
        ),
        (
            "conversation.startTime=gt=2021-03-01T10:00:00+02:00",
            "conversation.startTime=ge=2021-03-01T08:00:00.001Z",
        ),
        ("count=gt=+5", "count=ge=6"),
        ("count=lt=5;count=ge=1", "count=ge=1;count=le=4"),
        ("count=in=(3,1,3)", "count=in=(1,3)"),
        ("score=ge=1e1", "score=ge=10"),
        ("score=gt=1;score=lt=2", "score=gt=1;score=lt=2"),
        ("score=ge=1;score=le=2", "score=bt=(1,2)"),
        ("active=in=(true)", "active==true"),
        // One-value lists are equalities, so printing and compiling again is a fixed point.
        ("count=in=(3)", "count==3"),
        ("score=out=(1)", "score!=1"),
        ("kind=in=(call,call)", "kind==call"),
        ("conversation.type=out=x", "conversation.type!=x"),
        (
            "conversation.endTime=in=2021-03-01",
            "conversation.endTime==2021-03-01T00:00:00.000Z",
        ),
        ("kind=in=(call,chat,call)", "kind=in=(call,chat)"),
        ("conversation.name=like=a", "conversation.name==*a*"),
        ("conversation.name=ilike=a", "conversation.name=ic=*a*"),
        ("conversation.name==a**b", "conversation.name==a*b"),
        (
            r#"conversation.name=="a\*b""#,
            r#"conversation.name=="a\*b""#,
        ),
        (
            "conversation.name=isnull=true",
            "conversation.name=isnull=true",
        ),
        (
            "conversation.name=notnull=true",
            "conversation.name=isnull=false",
        ),
        ("conversation.name==''", r#"conversation.name=="""#),
        (
            "(kind==call,kind==chat);count==1",
            "(kind==call,kind==chat);count==1",
        ),
        (
            "count==1,count=ge=2;count=le=3",
            "count==1,(count=ge=2;count=le=3)",
        ),
    ];
    for (input, printed) in cases {
        assert_eq!(ok(input).to_string(), printed, "{input}");
    }
}

#[test]
fn ranges_merge_only_for_single_valued_fields_in_one_and() {
    // Two members may satisfy the two bounds: no merge for multi-valued fields.
    let f = ok("members.email=ge=a;members.email=le=b");
    assert_eq!(f.conjuncts().len(), 2);
    let f = ok("conversation.startTime=ge=2021-03-01;conversation.startTime=lt=2021-03-08");
    assert_eq!(f.conjuncts().len(), 1);
}

#[test]
fn time_bounds() {
    let s = schema();
    let start = s.field_id("conversation.startTime").unwrap();
    let end = s.field_id("conversation.endTime").unwrap();
    let bounds = |f: &str| ok(f).time_bounds(start);
    let day = 86_400_000;
    let mar1 = 1_614_556_800_000;
    assert_eq!(
        bounds(
            "conversation.startTime=ge=2021-03-01;conversation.startTime=lt=2021-03-08;conversation.type==meeting"
        ),
        Some((Included(mar1), Included(mar1 + 7 * day - 1)))
    );
    assert_eq!(
        bounds("conversation.startTime=gt=2021-03-01"),
        Some((Included(mar1 + 1), Unbounded))
    );
    assert_eq!(
        bounds("conversation.startTime==2021-03-01"),
        Some((Included(mar1), Included(mar1)))
    );
    assert_eq!(
        bounds("conversation.startTime=in=(2021-03-02,2021-03-01)"),
        Some((Included(mar1), Included(mar1 + day)))
    );
    assert_eq!(
        bounds(
            "conversation.startTime=bt=(2021-03-01,2021-03-02),conversation.startTime==2021-03-05"
        ),
        Some((Included(mar1), Included(mar1 + 4 * day)))
    );
    assert_eq!(
        bounds("conversation.startTime=ge=2021-03-01,conversation.type==x"),
        None
    );
    assert_eq!(bounds("conversation.startTime!=2021-03-01"), None);
    assert_eq!(
        bounds("conversation.startTime=nb=(2021-03-01,2021-03-02)"),
        None
    );
    assert_eq!(bounds("conversation.type==x"), None);
    assert_eq!(
        ok("conversation.endTime=le=2021-03-01").time_bounds(start),
        None
    );
    assert_eq!(
        ok("conversation.endTime=le=2021-03-01").time_bounds(end),
        Some((Unbounded, Included(mar1)))
    );
    // An empty interval says that nothing can match.
    let (lo, hi) =
        bounds("conversation.startTime=gt=2021-03-02;conversation.startTime=lt=2021-03-01")
            .unwrap();
    assert!(matches!((lo, hi), (Included(a), Included(b)) if a > b));
}

#[test]
fn eq_values_and_residual() {
    let s = schema();
    let agent = s.resolve("metadata.agentId").unwrap();
    let email = s.resolve("members.email").unwrap();
    let ty = s.resolve("conversation.type").unwrap();
    let f = ok(
        "conversation.metadata.agentId=in=(a1,a2,a3);metadata.agentId!=a2;conversation.type==meeting",
    );
    assert_eq!(f.eq_values(agent), Some(vec!["a1", "a2", "a3"]));
    assert_eq!(f.eq_values(ty), Some(vec!["meeting"]));
    assert_eq!(f.eq_values(email), None);
    // ANDed sets intersect; OR branches unite.
    assert_eq!(
        ok("metadata.agentId=in=(a,b);metadata.agentId=in=(b,c)").eq_values(agent),
        Some(vec!["b"])
    );
    assert_eq!(
        ok("metadata.agentId==a,metadata.agentId=in=(b,a)").eq_values(agent),
        Some(vec!["a", "b"])
    );
    assert_eq!(
        ok("metadata.agentId==a,conversation.type==x").eq_values(agent),
        None
    );
    // Wildcards and case-insensitive equality give no set.
    assert_eq!(ok("conversation.type==meet*").eq_values(ty), None);
    assert_eq!(ok("conversation.type=ic=meeting").eq_values(ty), None);
    assert_eq!(
        ok("members.email==x@y.io").eq_values(email),
        Some(vec!["x@y.io"])
    );
    // Issue 5 review: AND over a multi-valued field must not intersect (a
    // conversation with members a and b matches `members.email==a;members.email==b`).
    assert_eq!(
        ok("members.email==a;members.email=in=(b,c)").eq_values(email),
        Some(vec!["a"])
    );
    assert_eq!(
        ok("(members.email==a;members.email==b),members.email==c").eq_values(email),
        Some(vec!["a", "c"])
    );

    let rest = f.residual(|c| c.eq_values(agent).is_some());
    assert_eq!(
        rest.to_string(),
        "conversation.metadata.agentId!=a2;conversation.type==meeting"
    );
    let none = f.residual(|_| true);
    assert!(none.is_match_all());
    let all = f.residual(|_| false);
    assert_eq!(all, f);
}

#[test]
fn conjuncts_and_and() {
    let f = ok("conversation.type==a;(conversation.type==b,conversation.type==c)");
    let parts: Vec<String> = f.conjuncts().iter().map(ToString::to_string).collect();
    assert_eq!(
        parts,
        [
            "conversation.type==a",
            "conversation.type==b,conversation.type==c"
        ]
    );
    let g = ok("count=gt=1").and(ok("count=lt=9"));
    assert_eq!(g.to_string(), "count=ge=2;count=le=8");
    assert_eq!(ok("count==1").conjuncts().len(), 1);
}

/// Each borrowed conjunct answers every planner question as the copied
/// conjunct does, and `residual_by` keeps what `residual` keeps.
#[test]
fn borrowed_conjuncts_answer_as_copied_ones() {
    let s = schema();
    let fields: Vec<rsql::FieldRef<'_>> = [
        "conversation.id",
        "conversation.type",
        "conversation.startTime",
        "members.email",
        "metadata.agentId",
        "count",
    ]
    .iter()
    .map(|name| s.resolve(name).unwrap())
    .collect();
    for text in [
        "conversation.type==a",
        "conversation.type=in=(a,b,a);conversation.id==x*;count=gt=3",
        "conversation.startTime=ge=2021-01-01T00:00:00Z;conversation.startTime=lt=2021-02-01T00:00:00Z;members.email==e@x.io",
        "(conversation.type==a,conversation.type==b);metadata.agentId!=z;metadata.agentId=in=(q,r)",
        "members.email==a@b.c;members.email==d@e.f;count=out=(1,2)",
        "conversation.id==x,count==2",
    ] {
        let f = ok(text);
        let refs = f.conjunct_refs();
        let copies = f.conjuncts();
        assert_eq!(refs.len(), copies.len(), "{text}");
        for (r, c) in refs.iter().zip(&copies) {
            assert_eq!(r.to_string(), c.to_string(), "{text}");
            assert_eq!(r.fields(), c.fields(), "{text}");
            for &field in &fields {
                assert_eq!(r.as_range(field.id), c.as_range(field.id), "{text}");
                assert_eq!(r.as_values(field), c.as_values(field), "{text}");
                assert_eq!(r.eq_values(field), c.eq_values(field), "{text}");
            }
        }
        for (drop, copy) in copies.iter().enumerate() {
            let by_index = f.residual_by(|c| c.index() == drop);
            let by_copy = f.residual(|c| c == copy);
            assert_eq!(by_index.to_string(), by_copy.to_string(), "{text}");
        }
    }
}

#[test]
fn hand_built_asts_compile() {
    let cmp = |sel: &'static str, op: rsql::Operator, v: &'static str| {
        Ast::Cmp(Comparison {
            selector: Selector::new(sel),
            op,
            args: rsql::Args::One(rsql::Value::new(v)),
            span: Span::default(),
            op_span: Span::default(),
        })
    };
    let ast = Ast::and(vec![
        cmp("count", rsql::Operator::Ge, "1"),
        cmp("conversation.name", rsql::Operator::Eq, "*x*"),
    ]);
    assert_eq!(
        schema().compile(&ast).unwrap().to_string(),
        "count=ge=1;conversation.name==*x*"
    );
    let err = schema().compile(&Ast::Or(vec![])).unwrap_err();
    assert_eq!(err.kind(), &CompileErrorKind::EmptyGroup);
    insta::assert_snapshot!("empty_group", format!("{err:#}"));
}

#[test]
fn schema_errors() {
    let e = Schema::builder()
        .field(Field::new("t", FieldType::Timestamp).operators([rsql::Op::Like]))
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SchemaError::UnsupportedOperator {
            field: "t".into(),
            op: rsql::Op::Like
        }
    );
    assert!(matches!(
        Schema::builder()
            .field(Field::new("a..b", FieldType::Bool))
            .build(),
        Err(SchemaError::InvalidName(_))
    ));
    assert!(matches!(
        Schema::builder()
            .field(Field::dynamic("m", FieldType::String))
            .alias("x", "m.k")
            .build(),
        Err(SchemaError::AliasTarget { .. })
    ));
    assert!(matches!(
        Schema::builder()
            .field(Field::new("e", FieldType::Enum(vec![])))
            .build(),
        Err(SchemaError::EmptyEnum(_))
    ));
    assert!(matches!(
        Schema::builder()
            .field(Field::dynamic("m", FieldType::String).multi_valued())
            .build(),
        Err(SchemaError::DynamicMultiValued(_))
    ));
    assert_eq!(e.to_string(), "field `t` cannot support operator `=like=`");
}

#[test]
fn operators_can_be_restricted_per_field() {
    let s = Schema::builder()
        .field(Field::new("t", FieldType::Timestamp).operators([rsql::Op::Ge, rsql::Op::Lt]))
        .build()
        .unwrap();
    assert!(s.compile(&rsql::parse("t=ge=2021-01-01").unwrap()).is_ok());
    let input = "t==2021-01-01";
    let e = s
        .compile(&rsql::parse(input).unwrap())
        .unwrap_err()
        .with_input(input);
    insta::assert_snapshot!("operator_not_allowed_restricted", format!("{e:#}"));
}

#[test]
fn wildcards_can_be_disabled_per_field() {
    let s = Schema::builder()
        .field(Field::new("id", FieldType::String).wildcards(false))
        .build()
        .unwrap();
    let e = s.compile(&rsql::parse("id==12*").unwrap()).unwrap_err();
    assert_eq!(e.code(), "wildcard_not_allowed");
    assert!(s.compile(&rsql::parse(r#"id=="12\*""#).unwrap()).is_ok());
}

/// One snapshot per error kind (and per message variant).
#[test]
fn error_renderings() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "unknown_field",
            "conversation.startTme=ge=2021-03-01",
            "unknown_field",
        ),
        ("unknown_field_lists_known", "zzz==1", "unknown_field"),
        (
            "unknown_field_dynamic",
            "metdata.agentId==a1",
            "unknown_field",
        ),
        ("missing_key", "conversation.metadata==x", "missing_key"),
        ("invalid_key", "metadata.a.b==x", "invalid_key"),
        (
            "unknown_operator",
            "conversation.name=lik=x",
            "unknown_operator",
        ),
        (
            "operator_not_allowed",
            "conversation.startTime=like=2021",
            "operator_not_allowed",
        ),
        ("type_mismatch_number", "score=gt=high", "type_mismatch"),
        ("type_mismatch_integer", "count=ge=1.5", "type_mismatch"),
        ("type_mismatch_boolean", "active==yes", "type_mismatch"),
        (
            "type_mismatch_null_flag",
            "conversation.name=isnull=maybe",
            "type_mismatch",
        ),
        (
            "bad_timestamp",
            "conversation.startTime=ge=2021-02-30",
            "bad_timestamp",
        ),
        (
            "bad_timestamp_no_offset",
            "conversation.startTime=ge=2021-03-01T10:00:00",
            "bad_timestamp",
        ),
        (
            "bad_timestamp_text",
            "conversation.type==x;conversation.endTime=lt=yesterday",
            "bad_timestamp",
        ),
        ("bad_enum_value", "kind==metting", "bad_enum_value"),
        (
            "wildcard_in_list",
            "conversation.name=in=(a*,b)",
            "wildcard_not_allowed",
        ),
        (
            "wildcard_on_timestamp",
            "conversation.startTime==2021*",
            "wildcard_not_allowed",
        ),
        (
            "multiline_input",
            "conversation.type==x;\nscore=gt=high",
            "type_mismatch",
        ),
    ];
    for (name, input, code) in cases {
        let e = err(input);
        assert_eq!(e.code(), *code, "{input}");
        let span = e.span();
        assert!(span.start <= span.end && span.end <= input.len());
        insta::assert_snapshot!(*name, format!("{e:#}"));
    }
}

/// The parser checks the arity of the operators it knows; the schema checks
/// again for operators a permissive parser let through, and for hand-built trees.
#[test]
fn wrong_arity() {
    let input = "count=bt=(1)";
    let any = Parser::new().with_policy(Policy::new().with_operators(Operators::any()));
    let e = schema()
        .compile(&any.parse(input).unwrap())
        .unwrap_err()
        .with_input(input);
    assert_eq!(e.code(), "wrong_arity");
    insta::assert_snapshot!("wrong_arity_between", format!("{e:#}"));

    let input = "conversation.type=in=(meeting,call)";
    let mut ast = rsql::parse(input).unwrap();
    if let Ast::Cmp(c) = &mut ast {
        c.op = rsql::Operator::Eq;
    }
    let e = schema().compile(&ast).unwrap_err().with_input(input);
    insta::assert_snapshot!("wrong_arity_eq", format!("{e:#}"));

    // An empty list, which only a tree built by hand can hold: an error,
    // on every field type (it was an index out of bounds).
    for (selector, op) in [
        ("conversation.type", rsql::Operator::In),
        ("conversation.name", rsql::Operator::Out),
        ("count", rsql::Operator::In),
        ("score", rsql::Operator::Out),
    ] {
        let ast = Ast::Cmp(Comparison {
            selector: Selector::new(selector),
            op,
            args: rsql::Args::List(vec![]),
            span: Span::default(),
            op_span: Span::default(),
        });
        let e = schema().compile(&ast).unwrap_err();
        assert_eq!(e.code(), "wrong_arity", "{selector}");
        assert!(
            e.message().ends_with("takes at least one value, found 0"),
            "{}",
            e.message()
        );
    }
}

#[test]
fn error_accessors() {
    let e = err("score=gt=high");
    assert_eq!(
        e.kind(),
        &CompileErrorKind::TypeMismatch {
            field: "score".into(),
            expected: Expected::Number,
            found: "high".into()
        }
    );
    assert_eq!(
        (e.offset(), e.column(), e.span()),
        (9, 10, Span::new(9, 13))
    );
    assert_eq!(
        e.message(),
        "`score` compares numerically, `high` is not a number"
    );
    assert_eq!(e.input(), Some("score=gt=high"));
    let as_error: rsql::Error = e.into();
    assert_eq!(as_error.column(), 10);
    assert_eq!(as_error.span(), Span::new(9, 13));
}

#[test]
fn long_values_are_truncated_in_messages() {
    let long = "x".repeat(100);
    let e = err(&format!("score=gt={long}"));
    assert!(e.message().contains('…'));
    assert!(e.message().len() < 100);
}
