//! `#[derive(rsql::Record)]`: the derived schema of a Conversation-like
//! struct is the store's hand-built one (`Debug`-equal), the derived record
//! answers every filter as the store's hand-written `Record` does (fixed
//! filters and proptest-generated ones), every supported field type reads
//! as a hand-written record would. That bad attributes fail to compile with
//! the field underlined is `rsql-derive`'s trybuild test (`rsql-derive/tests/ui.rs`).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use rsql::{
    Field, FieldId, FieldRef, FieldType, FieldValue, Missing, Operators, Parser, Policy, Record,
    RecordSchema, Schema, SqlOptions,
};

#[derive(Record, Clone, Debug)]
pub(crate) struct Member {
    #[rsql(sql = "m.id")]
    pub(crate) id: String,
    #[rsql(sql = "m.name")]
    pub(crate) name: String,
    #[rsql(sql = "m.email")]
    pub(crate) email: Option<String>,
}

/// `store::Conversation` declared with the derive instead of by hand.
#[derive(Record, Clone, Debug)]
pub(crate) struct Conv {
    #[rsql(
        name = "conversation.id",
        sortable,
        no_wildcards,
        sql = "c.id",
        mongo = "id"
    )]
    pub(crate) id: String,
    #[rsql(name = "conversation.name", sortable, sql = "c.name", mongo = "name")]
    pub(crate) name: String,
    #[rsql(name = "conversation.type", sortable, sql = "c.type", mongo = "type")]
    pub(crate) kind: String,
    #[rsql(
        name = "conversation.startTime",
        timestamp,
        sortable,
        sql = "c.start_ms",
        mongo = "startTime"
    )]
    pub(crate) start_time: i64,
    #[rsql(
        name = "conversation.endTime",
        timestamp,
        sortable,
        missing = "nothing",
        sql = "c.end_ms",
        mongo = "endTime"
    )]
    pub(crate) end_time: Option<i64>,
    #[rsql(
        name = "conversation.metadata",
        alias = "metadata",
        numeric_strings,
        sql = "c.metadata",
        mongo = "metadata"
    )]
    pub(crate) metadata: BTreeMap<String, String>,
    #[rsql(
        multi,
        alias = "conversation.members",
        sql_from = "members m",
        sql_join = "m.conversation_id = c.id",
        mongo = "members"
    )]
    pub(crate) members: Vec<Member>,
    #[rsql(skip)]
    pub(crate) _loaded_at: Option<std::time::Instant>,
}

impl Conv {
    pub(crate) fn from_store(c: &store::Conversation) -> Conv {
        Conv {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c.kind.clone(),
            start_time: c.start_time,
            end_time: c.end_time,
            metadata: c
                .metadata
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            members: c
                .members
                .iter()
                .map(|m| Member {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    email: m.email.clone(),
                })
                .collect(),
            _loaded_at: None,
        }
    }
}

/// Conversations with the cases the generator never makes: running ones,
/// members without e-mail, no members, missing and numeric metadata.
pub(crate) fn conversations() -> Vec<store::Conversation> {
    (0..80u64)
        .map(|i| {
            let mut c = store::generate::conversation(7, i);
            if i % 5 == 0 {
                c.end_time = None;
            }
            if let (0, Some(m)) = (i % 3, c.members.first_mut()) {
                m.email = None;
            }
            if i % 11 == 0 {
                c.members.clear();
            }
            if i % 4 == 0 {
                c.metadata.remove("region");
            }
            c.metadata.insert(
                "score",
                ["5", "10", "9.5", "x", "-3", "0010"][(i % 6) as usize],
            );
            if i % 7 == 0 {
                c.name = "Sales Brainstorm".into();
            }
            c
        })
        .collect()
}

pub(crate) fn parser() -> Parser {
    Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
}

#[test]
fn derived_schema_is_the_stores() {
    assert_eq!(
        format!("{:?}", Conv::schema()),
        format!("{:?}", store::schema())
    );
    assert_eq!(Conv::FIELD_COUNT, 9);
    assert_eq!(Member::FIELD_COUNT, 3);
    assert!(std::ptr::eq(Conv::schema(), Conv::schema()), "built once");
    for (name, id) in [
        ("conversation.id", store::schema::ID),
        ("conversation.endTime", store::schema::END_TIME),
        ("members.email", store::schema::MEMBER_EMAIL),
        ("conversation.members.name", store::schema::MEMBER_NAME),
    ] {
        assert_eq!(Conv::schema().field_id(name), Some(id), "{name}");
    }
}

/// The same filter on the store's record and on the derived one.
fn agree(filter: &str, convs: &[store::Conversation], derived: &[Conv]) -> Result<usize, String> {
    let parser = parser();
    let by_hand = match store::schema().compile_str(&parser, filter) {
        Ok(f) => f,
        Err(e) => {
            // Same schema, same verdict.
            let again = Conv::schema()
                .compile_str(&parser, filter)
                .map(|_| ())
                .unwrap_err();
            assert_eq!(e.to_string(), again.to_string());
            return Ok(0);
        }
    };
    let derive = Conv::schema()
        .compile_str(&parser, filter)
        .map_err(|e| e.to_string())?;
    assert_eq!(
        by_hand
            .to_sql(&SqlOptions::postgres())
            .map_err(|e| e.to_string())?,
        derive
            .to_sql(&SqlOptions::postgres())
            .map_err(|e| e.to_string())?
    );
    let mut hits = 0;
    for (c, d) in convs.iter().zip(derived) {
        let expected = by_hand.matches(c);
        if derive.matches(d) != expected {
            return Err(format!("`{filter}` on {}: store says {expected}", c.id));
        }
        hits += usize::from(expected);
    }
    Ok(hits)
}

#[test]
fn derived_record_answers_as_the_hand_written_one() {
    let convs = conversations();
    let derived: Vec<Conv> = convs.iter().map(Conv::from_store).collect();
    let mut selective = 0;
    for filter in [
        "conversation.type==meeting",
        "conversation.type=in=(call,chat);conversation.name==*Brainstorm*",
        "conversation.name==Sales*,conversation.id=gt=1000000005000000000",
        "conversation.startTime=ge=2021-06-01;conversation.startTime=lt=2021-09-01",
        "conversation.endTime!=2021-06-10T09:30:00Z",
        "conversation.endTime=isnull=true",
        "conversation.endTime=bt=(2021-02-01,2021-10-01)",
        "metadata.channel=in=(zoom,teams)",
        "metadata.region!=us-east",
        "metadata.region=isnull=true",
        "metadata.score=gt=9",
        "metadata.score=bt=(5,10)",
        "conversation.metadata.nokey==1",
        "members.email==*@initech.net",
        "members.email!=*@initech.net",
        "members.email=isnull=true",
        "members.email=notnull=true",
        "conversation.members.name=like=an",
        "members.id=out=(x,y)",
        "members.name=ilike=AN;conversation.type!=chat",
    ] {
        let hits = agree(filter, &convs, &derived).unwrap();
        if hits > 0 && hits < convs.len() {
            selective += 1;
        }
    }
    // The fixed filters are not all trivially true or false on this data.
    assert!(selective >= 12, "only {selective} filters split the data");
}

/// A comparison over the conversation schema, valid or not (invalid ones
/// must fail the same way on both schemas).
fn comparison() -> impl Strategy<Value = String> {
    let selector = prop_oneof![
        Just("conversation.id"),
        Just("conversation.name"),
        Just("conversation.type"),
        Just("conversation.startTime"),
        Just("conversation.endTime"),
        Just("metadata.channel"),
        Just("metadata.region"),
        Just("metadata.score"),
        Just("conversation.metadata.nokey"),
        Just("members.email"),
        Just("members.name"),
        Just("conversation.members.id"),
    ];
    let op = prop_oneof![
        Just("=="),
        Just("!="),
        Just("=lt="),
        Just("=le="),
        Just("=gt="),
        Just("=ge="),
        Just("=in="),
        Just("=out="),
        Just("=like="),
        Just("=notlike="),
        Just("=ilike="),
        Just("=ic="),
        Just("=bt="),
        Just("=nb="),
        Just("=isnull="),
        Just("=notnull="),
    ];
    let value = prop_oneof![
        Just("meeting"),
        Just("call"),
        Just("*Brainstorm*"),
        Just("Sales*"),
        Just("SALES BRAINSTORM"),
        Just("zoom"),
        Just("us-*"),
        Just("us-east"),
        Just("5"),
        Just("9.5"),
        Just("10"),
        Just("2021-03-01"),
        Just("2021-07-15T12:00:00Z"),
        Just("*@initech.net"),
        Just("an"),
        Just("true"),
        Just("false"),
        Just("1000000005000000000"),
    ];
    (selector, op, prop::collection::vec(value, 1..3)).prop_map(|(s, op, values)| match op {
        "=in=" | "=out=" => format!("{s}{op}({})", values.join(",")),
        "=bt=" | "=nb=" => {
            let hi = values.get(1).copied().unwrap_or(values[0]);
            format!("{s}{op}({},{hi})", values[0])
        }
        _ => format!("{s}{op}{}", values[0]),
    })
}

fn filter() -> impl Strategy<Value = String> {
    (prop::collection::vec(comparison(), 1..4), prop::bool::ANY)
        .prop_map(|(parts, and)| parts.join(if and { ";" } else { "," }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn derived_and_hand_written_records_agree_on_generated_filters(f in filter()) {
        let convs = conversations();
        let derived: Vec<Conv> = convs.iter().map(Conv::from_store).collect();
        if let Err(e) = agree(&f, &convs, &derived) {
            prop_assert!(false, "{}", e);
        }
    }
}

// ---------------------------------------------------------------------------
// Every supported field type against a hand-written record.

#[derive(Record)]
struct Address<'a> {
    city: &'a str,
    #[rsql(sql = "a.zip")]
    zip: Option<u32>,
}

type Id = String;

#[derive(Record)]
struct Everything<'a> {
    text: String,
    borrowed: &'a str,
    boxed: Box<str>,
    shared: Arc<str>,
    cow: Cow<'a, str>,
    #[rsql(string)]
    alias: Id,
    #[rsql(values("meeting", "call"), no_wildcards)]
    kind: &'a str,
    small: i8,
    medium: u32,
    maybe_int: Option<i64>,
    ratio: f32,
    maybe_float: Option<f64>,
    flag: bool,
    when: DateTime<Utc>,
    #[rsql(timestamp, missing = "nothing")]
    ended_ms: Option<i64>,
    tags: Vec<String>,
    #[rsql(sql = "s.score", sql_from = "scores s", sql_join = "s.row_id = r.id")]
    scores: &'a [i64],
    labels: HashMap<String, String>,
    #[rsql(map, sql_template = "(SELECT v FROM counts WHERE k = {key})")]
    counts: BTreeMap<&'a str, i32>,
    #[rsql(nested, mongo = "addr")]
    address: Address<'a>,
    #[rsql(nested, alias = "alt")]
    second: Option<Address<'a>>,
    #[rsql(skip)]
    _ignored: Vec<std::fs::File>,
}

fn everything_by_hand() -> Schema {
    Schema::builder()
        .field(Field::new("text", FieldType::String))
        .field(Field::new("borrowed", FieldType::String))
        .field(Field::new("boxed", FieldType::String))
        .field(Field::new("shared", FieldType::String))
        .field(Field::new("cow", FieldType::String))
        .field(Field::new("alias", FieldType::String))
        .field(Field::new("kind", FieldType::enumeration(["meeting", "call"])).wildcards(false))
        .field(Field::new("small", FieldType::Integer))
        .field(Field::new("medium", FieldType::Integer))
        .field(Field::new("maybe_int", FieldType::Integer))
        .field(Field::new("ratio", FieldType::Float))
        .field(Field::new("maybe_float", FieldType::Float))
        .field(Field::new("flag", FieldType::Bool))
        .field(Field::new("when", FieldType::Timestamp))
        .field(Field::new("ended_ms", FieldType::Timestamp).when_missing(Missing::MatchesNothing))
        .field(Field::new("tags", FieldType::String).multi_valued())
        .field(
            Field::new("scores", FieldType::Integer)
                .multi_valued()
                .sql_exists("scores s", "s.row_id = r.id", "s.score"),
        )
        .field(Field::dynamic("labels", FieldType::String))
        .field(
            Field::dynamic("counts", FieldType::Integer)
                .sql_template("(SELECT v FROM counts WHERE k = {key})"),
        )
        .field(Field::new("address.city", FieldType::String).mongo_path("addr.city"))
        .field(
            Field::new("address.zip", FieldType::Integer)
                .sql_column("a.zip")
                .mongo_path("addr.zip"),
        )
        .field(Field::new("second.city", FieldType::String).mongo_path("second.city"))
        .field(
            Field::new("second.zip", FieldType::Integer)
                .sql_column("a.zip")
                .mongo_path("second.zip"),
        )
        .alias("alt", "second")
        .build()
        .unwrap()
}

/// What a hand-written `Record` for `Everything` answers, by field name.
fn by_hand<'r>(e: &'r Everything<'_>, name: &str, key: Option<&str>) -> Vec<FieldValue<'r>> {
    use FieldValue::*;
    let opt = |v: Option<FieldValue<'r>>| vec![v.unwrap_or(Missing)];
    match name {
        "text" => vec![Str(&e.text)],
        "borrowed" => vec![Str(e.borrowed)],
        "boxed" => vec![Str(&e.boxed)],
        "shared" => vec![Str(&e.shared)],
        "cow" => vec![Str(&e.cow)],
        "alias" => vec![Str(&e.alias)],
        "kind" => vec![Str(e.kind)],
        "small" => vec![Int(i64::from(e.small))],
        "medium" => vec![Int(i64::from(e.medium))],
        "maybe_int" => opt(e.maybe_int.map(Int)),
        "ratio" => vec![Float(f64::from(e.ratio))],
        "maybe_float" => opt(e.maybe_float.map(Float)),
        "flag" => vec![Bool(e.flag)],
        "when" => vec![Time(e.when.timestamp_millis())],
        "ended_ms" => opt(e.ended_ms.map(Time)),
        "tags" => e.tags.iter().map(|t| Str(t)).collect(),
        "scores" => e.scores.iter().map(|s| Int(*s)).collect(),
        "labels" => opt(key.and_then(|k| e.labels.get(k)).map(|v| Str(v))),
        "counts" => opt(key
            .and_then(|k| e.counts.get(k))
            .map(|v| Int(i64::from(*v)))),
        "address.city" => vec![Str(e.address.city)],
        "address.zip" => opt(e.address.zip.map(|z| Int(i64::from(z)))),
        "second.city" => opt(e.second.as_ref().map(|a| Str(a.city))),
        "second.zip" => opt(e
            .second
            .as_ref()
            .and_then(|a| a.zip)
            .map(|z| Int(i64::from(z)))),
        other => panic!("no field {other}"),
    }
}

fn everything<'a>(second: Option<Address<'a>>, scores: &'a [i64]) -> Everything<'a> {
    Everything {
        text: "text".into(),
        borrowed: "borrowed",
        boxed: "boxed".into(),
        shared: Arc::from("shared"),
        cow: Cow::Borrowed("cow"),
        alias: "alias".into(),
        kind: "call",
        small: -3,
        medium: 4_000_000_000,
        maybe_int: None,
        ratio: 0.5,
        maybe_float: Some(2.25),
        flag: true,
        when: Utc.with_ymd_and_hms(2021, 3, 1, 12, 0, 0).unwrap(),
        ended_ms: None,
        tags: vec!["a".into(), "b".into()],
        scores,
        labels: HashMap::from([("region".into(), "emea".into())]),
        counts: BTreeMap::from([("n", 7)]),
        address: Address {
            city: "Lyon",
            zip: Some(69001),
        },
        second,
        _ignored: Vec::new(),
    }
}

#[test]
fn every_field_type_reads_as_by_hand() {
    let schema = <Everything<'_> as RecordSchema>::schema();
    assert_eq!(format!("{schema:?}"), format!("{:?}", everything_by_hand()));
    let scores = [3, 9];
    for e in [
        everything(None, &scores),
        everything(
            Some(Address {
                city: "Nantes",
                zip: None,
            }),
            &[],
        ),
    ] {
        for (id, field) in schema.fields() {
            let keys: &[Option<&str>] = if field.is_dynamic() {
                &[Some("region"), Some("n"), Some("none")]
            } else {
                &[None]
            };
            for &key in keys {
                let r = FieldRef { id, key };
                let mut seen = Vec::new();
                if field.is_multi_valued() {
                    assert!(!e.each(r, &mut |v| {
                        seen.push(format!("{v:?}"));
                        false
                    }));
                } else {
                    seen.push(format!("{:?}", e.get(r)));
                }
                let expected: Vec<String> = by_hand(&e, field.name(), key)
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect();
                assert_eq!(seen, expected, "{} {key:?}", field.name());
            }
        }
    }
}

#[test]
fn every_field_type_filters() {
    let schema = <Everything<'_> as RecordSchema>::schema();
    let parser = parser();
    let scores = [3, 9];
    let e = everything(None, &scores);
    let holds = |f: &str| schema.compile_str(&parser, f).unwrap().matches(&e);
    for f in [
        "text==t*;borrowed==borrowed;boxed=like=ox;shared==shared;cow==cow;alias==alias",
        "kind==call",
        "small=lt=0;medium=gt=3999999999;maybe_int=isnull=true",
        "ratio==0.5;maybe_float=bt=(2,3);flag==true",
        "when=ge=2021-03-01T12:00:00Z;when=lt=2021-03-01T12:00:00.001Z",
        "ended_ms=isnull=true",
        "tags==b;scores=gt=5;scores!=4",
        "labels.region==emea;counts.n==7;labels.none=isnull=true",
        "address.city==Lyon;address.zip==69001;second.city=isnull=true;alt.zip=isnull=true",
    ] {
        assert!(holds(f), "{f}");
    }
    for f in [
        "ended_ms!=2021-01-01",
        "tags==c",
        "scores=bt=(4,8)",
        "counts.n!=7",
        "second.city!=x",
    ] {
        let expected = f == "second.city!=x"; // missing: a negation holds (default)
        assert_eq!(holds(f), expected, "{f}");
    }
    // `no_wildcards` on the enum: a star is an error, not a pattern.
    assert!(schema.compile_str(&parser, "kind==c*").is_err());
    let sql = schema
        .compile_str(&parser, "scores==3;counts.n==7")
        .unwrap()
        .to_sql(&SqlOptions::sqlite())
        .unwrap();
    assert_eq!(
        sql.sql,
        "EXISTS (SELECT 1 FROM scores s WHERE s.row_id = r.id AND s.score = ?) AND \
         (SELECT v FROM counts WHERE k = 'n') = ?"
    );
}

#[test]
fn ids_follow_declaration_order_through_nested_records() {
    let schema = <Everything<'_> as RecordSchema>::schema();
    assert_eq!(<Everything<'_> as RecordSchema>::FIELD_COUNT, 23);
    assert_eq!(<Address<'_> as RecordSchema>::FIELD_COUNT, 2);
    assert_eq!(schema.field_id("address.city"), Some(FieldId::new(19)));
    assert_eq!(schema.field_id("alt.zip"), Some(FieldId::new(22)));
}

#[test]
fn nested_name_conflicts_are_a_schema_error() {
    #[derive(Record)]
    struct Inner {
        x: i64,
    }
    #[derive(Record)]
    struct Outer {
        #[rsql(name = "a.x")]
        x: i64,
        #[rsql(nested, name = "a")]
        a: Inner,
    }
    assert_eq!(
        Outer::try_schema().unwrap_err(),
        rsql::SchemaError::DuplicateName("a.x".into())
    );
    let caught = std::panic::catch_unwind(|| Outer::schema().fields().count());
    let message = caught.unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        "#[derive(rsql::Record)] on `Outer` declares an invalid schema: duplicate field or alias name `a.x`"
    );
}

#[test]
fn generated_filters_mostly_compile() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let parser = parser();
    let strategy = filter();
    let compiled = (0..400)
        .filter(|_| {
            let f = strategy.new_tree(&mut runner).unwrap().current();
            store::schema().compile_str(&parser, &f).is_ok()
        })
        .count();
    // Most generated filters compile (the rest check that both schemas
    // reject them alike); single comparisons compile more often than that.
    assert!(
        compiled >= 100,
        "only {compiled} of 400 generated filters compile"
    );
}

mod renamed {
    use rsql as engine;

    /// `#[rsql(crate = "…")]`: the generated code names `rsql` by that path.
    #[derive(engine::Record)]
    #[rsql(crate = "engine")]
    struct Row {
        n: i64,
    }

    #[test]
    fn the_crate_path_can_be_renamed() {
        use engine::RecordSchema;
        let f = Row::schema()
            .compile(&engine::parse("n==4").unwrap())
            .unwrap();
        assert!(f.matches(&Row { n: 4 }));
        assert!(!f.matches(&Row { n: 5 }));
    }
}
