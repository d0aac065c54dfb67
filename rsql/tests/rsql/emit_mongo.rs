//! Golden shapes for `Filter::to_mongo` (feature `mongo`).
#![cfg(feature = "mongo")]

// The literal-position property of the same output (kept beside the goldens
// so `main.rs`, which other work edits, needs no new line).
#[path = "mongo_literals.rs"]
mod mongo_literals;

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

/// The decimal grammar as the emitter writes it.
const GRAMMAR: &str = r"\A-?[0-9]+(?:\.[0-9]+)?\z";

#[test]
fn numeric_strings_compare_exactly_without_expr() {
    // Decimals greater than 0.75 by pattern, other strings by bytes.
    let gt = r"\A(?:0*[1-9][0-9]*(?:\.[0-9]+)?|0+\.(?:[8-9][0-9]*|7(?:[6-9][0-9]*|5[0-9]*[1-9][0-9]*)))\z";
    golden(
        "metadata.score=gt=0.75",
        json!({"$or": [
            {"metadata.score": {"$regex": gt}},
            {"metadata.score": {"$not": {"$regex": GRAMMAR}, "$gt": "0.75"}}
        ]}),
    );
    // The negation: no value passes, missing values included.
    golden(
        "metadata.score=le=0.75",
        json!({"$or": [
            {"metadata.score": {"$regex": r"\A(?:-[0-9]+(?:\.[0-9]+)?|0+(?:|\.(?:[0-6][0-9]*|7(?:(?:|[0-4][0-9]*)|50*))))\z"}},
            {"metadata.score": {"$not": {"$regex": GRAMMAR}, "$lte": "0.75"}}
        ]}),
    );
    // A range with one decimal bound: the text bound is a byte comparison on
    // both sides; the negation is a `$nor`.
    golden(
        "metadata.score=nb=(1,x)",
        json!({"$nor": [
            {"metadata.score": {"$regex": r"\A(?:0*[1-9][0-9]{1,}(?:\.[0-9]+)?|0*[2-9](?:\.[0-9]+)?|0*1(?:\.[0-9]+)?)\z", "$lte": "x"}},
            {"metadata.score": {"$not": {"$regex": GRAMMAR}, "$gte": "1", "$lte": "x"}}
        ]}),
    );
    // Two decimal bounds: `>= lo` as `$regex`, `<= hi` as `$not` of `> hi`.
    let bt = mongo("metadata.score=bt=(-1,2.5)");
    assert_eq!(
        bt["$or"][0]["metadata.score"].as_object().map(|o| o.len()),
        Some(2),
        "{bt}"
    );
    assert!(
        bt["$or"][0]["metadata.score"]["$not"]["$regex"].is_string(),
        "{bt}"
    );
    assert_eq!(
        bt["$or"][1],
        json!({"metadata.score": {"$not": {"$regex": GRAMMAR}, "$gte": "-1", "$lte": "2.5"}})
    );
    // A text literal needs no pattern.
    golden(
        "metadata.region=lt=eu",
        json!({"metadata.region": {"$lt": "eu"}}),
    );
}

/// Issue 14, items 3 and 4: user text never becomes a field path, and a
/// literal beyond the double range is neither `null` nor infinite.
#[test]
fn regressions_expr_field_paths_and_huge_numbers() {
    let doc = mongo("metadata.score=bt=($metadata.durationSec,5)").to_string();
    assert!(!doc.contains("$expr"), "{doc}");
    assert!(doc.contains(r#"{"$gte":"$metadata.durationSec""#), "{doc}");
    let doc = mongo("metadata.score=bt=($,5)").to_string();
    assert!(!doc.contains("$expr"), "{doc}");
    let nines = "9".repeat(400);
    let doc = mongo(&format!("metadata.score=gt={nines}"));
    let text = doc.to_string();
    assert!(
        !text.contains("null") && !text.contains("Infinity") && !text.contains("e+"),
        "{text}"
    );
    // Exactly: a value with 401 digits is greater, 5 and the literal itself are not.
    let re = doc["$or"][0]["metadata.score"]["$regex"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let re = regex::RegexBuilder::new(&re)
        .nest_limit(1_000)
        .build()
        .unwrap();
    assert!(re.is_match(&format!("1{}", "0".repeat(400))));
    assert!(!re.is_match("5"));
    assert!(!re.is_match(&nines));
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

/// `to_bson`: the same document with BSON dates and Int64, no extended JSON.
#[cfg(feature = "bson")]
#[test]
fn bson_has_real_dates_and_int64() {
    use bson::{Bson, doc};
    let schema = Schema::builder()
        .field(Field::new("t", FieldType::Timestamp).mongo_path("startTime"))
        .field(Field::new("n", FieldType::Integer))
        .field(Field::new("x", FieldType::Float))
        .field(Field::dynamic("meta", FieldType::String).numeric_strings())
        .build()
        .unwrap();
    let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    let f = schema
        .compile_str(
            &parser,
            "t=bt=(1960-01-01,2021-03-01);n=in=(1,2);x=lt=2.5;meta.score!=7",
        )
        .unwrap();
    let d = f.to_bson();
    let and = d.get_array("$and").unwrap();
    assert_eq!(
        and[0],
        Bson::Document(doc! {"startTime": {
            "$gte": bson::DateTime::from_millis(-315_619_200_000),
            "$lte": bson::DateTime::from_millis(1_614_556_800_000),
        }})
    );
    assert_eq!(and[1], Bson::Document(doc! {"n": {"$in": [1_i64, 2_i64]}}));
    assert_eq!(and[2], Bson::Document(doc! {"x": {"$lt": 2.5}}));
    assert_eq!(
        and[3],
        Bson::Document(doc! {"meta.score": {"$not": {"$eq": "7"}}})
    );
    // No extended-JSON wrappers anywhere.
    let text = d.to_string();
    assert!(
        !text.contains("$date") && !text.contains("$numberLong"),
        "{text}"
    );
    // Decimal ordering: the same two conditions as `to_mongo`.
    let g = schema.compile_str(&parser, "meta.score=gt=0.75").unwrap();
    let json = g.to_mongo();
    let b = g.to_bson();
    let or = b.get_array("$or").unwrap();
    assert_eq!(or.len(), 2);
    let re = json["$or"][0]["meta.score"]["$regex"].as_str().unwrap();
    assert_eq!(or[0], Bson::Document(doc! {"meta.score": {"$regex": re}}));
}
