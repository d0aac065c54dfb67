//! Golden shapes for `Filter::to_mongo` (feature `mongo`).
#![cfg(feature = "mongo")]

use rsql::{Field, FieldType, Operators, Parser, Policy, Schema};
use serde_json::{Value, json};

fn mongo(filter: &str) -> Value {
    let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    store::schema()
        .compile_str(&parser, filter)
        .unwrap_or_else(|e| panic!("{e:#}"))
        .to_mongo()
}

#[track_caller]
fn golden(filter: &str, expected: Value) {
    assert_eq!(mongo(filter), expected, "{filter}");
}

#[test]
fn bench_queries() {
    golden(
        "conversation.startTime=ge=2021-03-01T00:00:00.000Z;conversation.startTime=lt=2021-03-08T00:00:00.000Z;conversation.type==meeting",
        json!({"$and": [
            {"startTime": {"$gte": {"$date": "2021-03-01T00:00:00.000Z"}, "$lte": {"$date": "2021-03-07T23:59:59.999Z"}}},
            {"type": {"$eq": "meeting"}}
        ]}),
    );
    golden(
        "conversation.name==*Brainstorm*",
        json!({"name": {"$regex": r"\A.*Brainstorm.*\z", "$options": "s"}}),
    );
    golden(
        "metadata.agentId=in=(agent-0007,agent-0042,agent-0311)",
        json!({"metadata.agentId": {"$in": ["agent-0007", "agent-0042", "agent-0311"]}}),
    );
    golden(
        "members.email==charles.miller1@initech.net",
        json!({"members": {"$elemMatch": {"email": {"$eq": "charles.miller1@initech.net"}}}}),
    );
}

#[test]
fn negations_match_missing_fields_and_mean_no_member() {
    golden(
        "conversation.type!=chat",
        json!({"type": {"$not": {"$eq": "chat"}}}),
    );
    golden(
        "conversation.type=out=(chat,call)",
        json!({"type": {"$not": {"$in": ["chat", "call"]}}}),
    );
    golden(
        "members.email!=x@y.io",
        json!({"members": {"$not": {"$elemMatch": {"email": {"$eq": "x@y.io"}}}}}),
    );
    golden(
        "conversation.name!=*Sync*",
        json!({"name": {"$not": {"$regex": r"\A.*Sync.*\z", "$options": "s"}}}),
    );
}

#[test]
fn null_tests_use_exists() {
    golden(
        "conversation.endTime=isnull=false",
        json!({"endTime": {"$exists": true, "$ne": null}}),
    );
    golden(
        "conversation.endTime=isnull=true",
        json!({"endTime": {"$not": {"$exists": true, "$ne": null}}}),
    );
    golden(
        "members.email=notnull=false",
        json!({"members": {"$not": {"$elemMatch": {"email": {"$exists": true, "$ne": null}}}}}),
    );
}

#[test]
fn regexes_are_anchored_and_escaped() {
    golden(
        "conversation.name=='a.b(c)+[d]$^|?{1}*'",
        json!({"name": {"$regex": r"\Aa\.b\(c\)\+\[d\]\$\^\|\?\{1\}.*\z", "$options": "s"}}),
    );
    golden(
        r#"conversation.name=="x\*y*""#,
        json!({"name": {"$regex": r"\Ax\*y.*\z", "$options": "s"}}),
    );
    golden(
        "conversation.name=ilike=Ab-é",
        json!({"name": {"$regex": r"\A.*[aA][bB]\-é.*\z", "$options": "s"}}),
    );
    golden(
        "conversation.type=ic=Call",
        json!({"type": {"$regex": r"\A[cC][aA][lL][lL]\z", "$options": "s"}}),
    );
    golden(
        "conversation.name=like=a*b",
        json!({"name": {"$regex": r"\A.*a.*b.*\z", "$options": "s"}}),
    );
}

#[test]
fn ranges_and_dates() {
    golden(
        "conversation.endTime=bt=(2021-01-01,2021-01-02T12:00:00+02:00)",
        json!({"endTime": {"$gte": {"$date": "2021-01-01T00:00:00.000Z"}, "$lte": {"$date": "2021-01-02T10:00:00.000Z"}}}),
    );
    golden(
        "conversation.startTime==1960-01-01",
        json!({"startTime": {"$eq": {"$date": {"$numberLong": "-315619200000"}}}}),
    );
    golden(
        "conversation.startTime=nb=(2021-01-01,2021-01-02)",
        json!({"startTime": {"$not": {"$gte": {"$date": "2021-01-01T00:00:00.000Z"}, "$lte": {"$date": "2021-01-02T00:00:00.000Z"}}}}),
    );
    golden(
        "members.name=bt=(a,m)",
        json!({"members": {"$elemMatch": {"name": {"$gte": "a", "$lte": "m"}}}}),
    );
}

#[test]
fn numeric_strings_use_expr() {
    golden(
        "metadata.score=gt=0.75",
        json!({"$expr": {"$and": [
            {"$eq": [{"$type": "$metadata.score"}, "string"]},
            {"$cond": [
                {"$regexMatch": {"input": "$metadata.score", "regex": r"\A-?[0-9]+(\.[0-9]+)?\z"}},
                {"$gt": [{"$toDouble": "$metadata.score"}, 0.75]},
                {"$gt": ["$metadata.score", "0.75"]}
            ]}
        ]}}),
    );
    golden(
        "metadata.score=nb=(1,x)",
        json!({"$expr": {"$not": [{"$and": [
            {"$eq": [{"$type": "$metadata.score"}, "string"]},
            {"$and": [
                {"$cond": [
                    {"$regexMatch": {"input": "$metadata.score", "regex": r"\A-?[0-9]+(\.[0-9]+)?\z"}},
                    {"$gte": [{"$toDouble": "$metadata.score"}, 1.0]},
                    {"$gte": ["$metadata.score", "1"]}
                ]},
                {"$lte": ["$metadata.score", "x"]}
            ]}
        ]}]}}),
    );
    // A text literal needs no $expr.
    golden(
        "metadata.region=lt=eu",
        json!({"metadata.region": {"$lt": "eu"}}),
    );
}

#[test]
fn logic() {
    golden(
        "conversation.type==a,conversation.type==b;conversation.name=like=x",
        json!({"$or": [
            {"type": {"$eq": "a"}},
            {"$and": [{"type": {"$eq": "b"}}, {"name": {"$regex": r"\A.*x.*\z", "$options": "s"}}]}
        ]}),
    );
    let schema = store::schema();
    assert_eq!(rsql::Filter::match_all(schema).to_mongo(), json!({}));
}

#[test]
fn other_types_and_default_paths() {
    let schema = Schema::builder()
        .field(Field::new("n", FieldType::Integer))
        .field(Field::new("x", FieldType::Float).mongo_path("stats.x"))
        .field(Field::new("b", FieldType::Bool))
        .field(Field::new("tags", FieldType::String).multi_valued())
        .field(Field::new("members.id", FieldType::String).multi_valued())
        .build()
        .unwrap();
    let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    let m = |f: &str| schema.compile_str(&parser, f).unwrap().to_mongo();
    assert_eq!(m("n=gt=1"), json!({"n": {"$gte": 2}}));
    assert_eq!(m("n=gt=9223372036854775807"), json!({"n": {"$in": []}}));
    assert_eq!(m("x=lt=2.5"), json!({"stats.x": {"$lt": 2.5}}));
    assert_eq!(m("x=in=(1,2)"), json!({"stats.x": {"$in": [1.0, 2.0]}}));
    assert_eq!(m("b==true"), json!({"b": {"$eq": true}}));
    assert_eq!(
        m("b=in=(true,false)"),
        json!({"b": {"$exists": true, "$ne": null}})
    );
    // An array of scalars: $elemMatch on the element itself.
    assert_eq!(m("tags==x"), json!({"tags": {"$elemMatch": {"$eq": "x"}}}));
    // A dotted multi-valued name splits into array and element field.
    assert_eq!(
        m("members.id!=7"),
        json!({"members": {"$not": {"$elemMatch": {"id": {"$eq": "7"}}}}})
    );
}
