//! `JsonRecord`: a conversation as JSON (the store's own serialisation,
//! Symbl's shape) answers every filter as the derived record and the
//! store's hand-written record do on the same data (fixed filters and
//! proptest-generated ones), through the schema's MongoDB paths; and what
//! counts as missing, and as a value of another type, is exactly what the
//! docs say.

use proptest::prelude::*;
use rsql::{Field, FieldRef, FieldType, FieldValue, JsonRecord, Record, RecordSchema, Schema};
use serde_json::{Value, json};

use super::derive::{Conv, conversations, parser};

fn documents(convs: &[store::Conversation]) -> Vec<Value> {
    convs
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect()
}

/// One filter on the JSON documents (through both schemas), the derived
/// records and the store's records: all four answer alike.
fn agree(filter: &str, convs: &[store::Conversation], docs: &[Value]) -> Result<(), String> {
    let parser = parser();
    let Ok(by_hand) = store::schema().compile_str(&parser, filter) else {
        return Ok(());
    };
    let derived = Conv::schema()
        .compile_str(&parser, filter)
        .map_err(|e| e.to_string())?;
    for (c, doc) in convs.iter().zip(docs) {
        let expected = by_hand.matches(c);
        let conv = Conv::from_store(c);
        let answers = [
            ("derived record", derived.matches(&conv)),
            (
                "JSON, store schema",
                by_hand.matches(&JsonRecord::new(store::schema(), doc)),
            ),
            (
                "JSON, derived schema",
                derived.matches(&Conv::schema().json_record(doc)),
            ),
        ];
        for (what, got) in answers {
            if got != expected {
                return Err(format!(
                    "`{filter}` on {}: {what} says {got}, the store {expected}",
                    c.id
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn json_documents_answer_as_the_records() {
    let convs = conversations();
    let docs = documents(&convs);
    // The shape the paths read: Symbl's JSON.
    assert!(docs[0]["startTime"].is_string());
    assert!(
        docs[0].get("endTime").is_none(),
        "conversation 0 is running"
    );
    assert!(docs[3]["members"][0].get("email").is_none());
    for filter in [
        "conversation.type==meeting",
        "conversation.name==*Brainstorm*;conversation.type!=chat",
        "conversation.startTime=ge=2021-06-01;conversation.startTime=lt=2021-09-01",
        "conversation.endTime!=2021-06-10T09:30:00Z",
        "conversation.endTime=isnull=true",
        "conversation.endTime=nb=(2021-02-01,2021-10-01)",
        "metadata.region=isnull=true",
        "metadata.score=gt=9",
        "metadata.score=bt=(5,10)",
        "metadata.nokey!=1",
        "members.email==*@initech.net",
        "members.email!=*@initech.net",
        "members.email=isnull=true",
        "conversation.members.name=ilike=AN",
        "members.id=out=(x,y)",
    ] {
        agree(filter, &convs, &docs).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn json_and_derived_records_agree_on_generated_filters(
        f in prop::collection::vec(comparison(), 1..4),
        and in prop::bool::ANY,
    ) {
        let filter = f.join(if and { ";" } else { "," });
        let convs = conversations();
        let docs = documents(&convs);
        if let Err(e) = agree(&filter, &convs, &docs) {
            prop_assert!(false, "{}", e);
        }
    }
}

fn comparison() -> impl Strategy<Value = String> {
    let field = prop::sample::select(vec![
        "conversation.id",
        "conversation.name",
        "conversation.type",
        "conversation.startTime",
        "conversation.endTime",
        "metadata.channel",
        "metadata.region",
        "metadata.score",
        "metadata.missing",
        "members.email",
        "members.name",
        "conversation.members.id",
    ]);
    let op = prop::sample::select(vec![
        "==",
        "!=",
        "=lt=",
        "=ge=",
        "=in=",
        "=out=",
        "=like=",
        "=notlike=",
        "=ic=",
        "=bt=",
        "=nb=",
        "=isnull=",
        "=notnull=",
    ]);
    let value = prop::sample::select(vec![
        "call",
        "*Brainstorm*",
        "sales brainstorm",
        "zoom",
        "us-*",
        "eu-west",
        "5",
        "9.5",
        "0010",
        "2021-04-01",
        "2021-08-15T12:00:00+02:00",
        "*@initech.net",
        "true",
        "false",
    ]);
    (field, op, value.clone(), value).prop_map(|(f, op, a, b)| match op {
        "=in=" | "=out=" => format!("{f}{op}({a},{b})"),
        "=bt=" | "=nb=" => format!("{f}{op}({a},{b})"),
        _ => format!("{f}{op}{a}"),
    })
}

fn schema() -> Schema {
    Schema::builder()
        .field(Field::new("t", FieldType::Timestamp))
        .field(Field::new("n", FieldType::Integer))
        .field(Field::new("x", FieldType::Float))
        .field(Field::new("s", FieldType::String).mongo_path("deep.s"))
        .field(Field::new("b", FieldType::Bool))
        .field(Field::new("tags", FieldType::String).multi_valued())
        .field(Field::new("people.age", FieldType::Integer).multi_valued())
        .field(Field::dynamic("meta", FieldType::String))
        .build()
        .unwrap()
}

/// The value `get` gives for `selector`, as `Debug` text.
fn value_of(schema: &Schema, doc: &Value, selector: &str) -> String {
    let r = schema.resolve(selector).unwrap();
    format!("{:?}", JsonRecord::new(schema, doc).get(r))
}

/// `Debug` text of a value, to compare with [`value_of`].
fn dbg(v: FieldValue<'_>) -> String {
    format!("{v:?}")
}

fn values(schema: &Schema, doc: &Value, selector: &str) -> Vec<String> {
    let id = schema.field_id(selector).unwrap();
    let mut out = Vec::new();
    JsonRecord::new(schema, doc).each(FieldRef::new(id), &mut |v| {
        out.push(format!("{v:?}"));
        false
    });
    out
}

#[test]
fn values_by_type() {
    let schema = schema();
    let doc = json!({
        "t": "2021-03-01T02:00:00.123456+02:00",
        "n": 3.0,
        "x": 7,
        "deep": {"s": "text"},
        "b": false,
        "meta": {"k": "v", "n": null},
    });
    assert_eq!(
        value_of(&schema, &doc, "t"),
        dbg(FieldValue::Time(1_614_556_800_123))
    );
    assert_eq!(value_of(&schema, &doc, "n"), dbg(FieldValue::Int(3)));
    assert_eq!(value_of(&schema, &doc, "x"), dbg(FieldValue::Int(7)));
    assert_eq!(value_of(&schema, &doc, "s"), dbg(FieldValue::Str("text")));
    assert_eq!(value_of(&schema, &doc, "b"), dbg(FieldValue::Bool(false)));
    assert_eq!(value_of(&schema, &doc, "meta.k"), dbg(FieldValue::Str("v")));
    // epoch ms and extended JSON
    for t in [
        json!(1_614_556_800_123_i64),
        json!({"$date": "2021-03-01T00:00:00.123Z"}),
        json!({"$date": 1_614_556_800_123_i64}),
    ] {
        let doc = json!({"t": t});
        assert_eq!(
            value_of(&schema, &doc, "t"),
            dbg(FieldValue::Time(1_614_556_800_123)),
            "{t}"
        );
    }
}

#[test]
fn missing_is_absent_or_null() {
    let schema = schema();
    let parser = parser();
    for doc in [
        json!({}),
        json!({"t": null, "deep": null, "meta": null}),
        json!({"deep": {}, "meta": {"k": null}}),
        json!({"deep": 5, "meta": "flat"}),
    ] {
        for selector in ["t", "n", "s", "meta.k"] {
            assert_eq!(
                value_of(&schema, &doc, selector),
                dbg(FieldValue::Missing),
                "{selector} in {doc}"
            );
            let f = format!("{selector}=isnull=true");
            assert!(
                schema
                    .compile_str(&parser, &f)
                    .unwrap()
                    .matches(&schema.json_record(&doc)),
                "{f} on {doc}"
            );
        }
    }
}

#[test]
fn values_of_another_type_are_present_and_match_no_comparison() {
    let schema = schema();
    let parser = parser();
    let doc = json!({
        "t": "yesterday",
        "n": "3",
        "x": [1.5],
        "deep": {"s": 5},
        "b": "true",
        "meta": {"k": {"nested": true}},
    });
    for (selector, literal) in [
        ("t", "2021-01-01"),
        ("n", "3"),
        ("x", "1.5"),
        ("s", "5"),
        ("b", "true"),
        ("meta.k", "x"),
    ] {
        let holds = |op: &str| {
            let f = format!("{selector}{op}{literal}");
            schema
                .compile_str(&parser, &f)
                .unwrap()
                .matches(&schema.json_record(&doc))
        };
        assert!(!holds("=="), "{selector}");
        assert!(holds("!="), "{selector}");
        let present = schema
            .compile_str(&parser, &format!("{selector}=isnull=false"))
            .unwrap()
            .matches(&schema.json_record(&doc));
        assert!(present, "{selector} is present");
    }
}

#[test]
fn multi_valued_fields_walk_arrays() {
    let schema = schema();
    let doc = json!({
        "tags": ["a", null, "b", 3],
        "people": [{"age": 30}, {"name": "no age"}, {"age": null}, {"age": [41, 42]}, "not an object"],
    });
    assert_eq!(
        values(&schema, &doc, "tags"),
        ["Str(\"a\")", "Str(\"b\")", "Int(3)"]
    );
    assert_eq!(
        values(&schema, &doc, "people.age"),
        ["Int(30)", "Int(41)", "Int(42)"]
    );
    // a scalar where a list is expected is one value; absent and empty lists none
    assert_eq!(
        values(&schema, &json!({"tags": "solo"}), "tags"),
        ["Str(\"solo\")"]
    );
    assert!(values(&schema, &json!({"tags": []}), "tags").is_empty());
    assert!(values(&schema, &json!({}), "people.age").is_empty());

    let parser = parser();
    let holds = |f: &str, doc: &Value| {
        schema
            .compile_str(&parser, f)
            .unwrap()
            .matches(&schema.json_record(doc))
    };
    assert!(holds("people.age=gt=40", &doc));
    assert!(!holds("people.age!=42", &doc));
    assert!(holds(
        "people.age=isnull=true",
        &json!({"people": [{"age": null}]})
    ));
    assert!(holds("tags!=x", &json!({})));
}

#[test]
fn derived_record_and_its_json_agree_field_by_field() {
    let convs = conversations();
    for c in &convs[..20] {
        let conv = Conv::from_store(c);
        let doc = serde_json::to_value(c).unwrap();
        let json = Conv::schema().json_record(&doc);
        for (id, field) in Conv::schema().fields() {
            let keys: &[Option<&str>] = if field.is_dynamic() {
                &[Some("agentId"), Some("region"), Some("score"), Some("none")]
            } else {
                &[None]
            };
            for &key in keys {
                let r = FieldRef { id, key };
                let collect = |rec: &dyn Record| {
                    let mut out = Vec::new();
                    rec.each(r, &mut |v| {
                        out.push(format!("{v:?}"));
                        false
                    });
                    out
                };
                assert_eq!(
                    collect(&conv),
                    collect(&json),
                    "{} {key:?} of {}",
                    field.name(),
                    c.id
                );
            }
        }
    }
}
