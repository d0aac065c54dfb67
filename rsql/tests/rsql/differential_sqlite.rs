//! Differential test: for random filters over a schema with every field type
//! and random rows (missing values, Unicode, SQL metacharacters, numeric
//! strings), `Filter::matches` selects exactly the rows that SQLite selects
//! with `Filter::to_sql`, in both the default `GLOB` mode and the `LIKE` mode
//! (with `PRAGMA case_sensitive_like = ON`).

use std::sync::Arc;

use proptest::prelude::*;
use rsql::{
    Args, Ast, Comparison, Field, FieldId, FieldRef, FieldType, FieldValue, Filter, Operator,
    Record, Schema, Selector, Span, SqlOptions, SqlParam, Value,
};
use rusqlite::Connection;

const ID: FieldId = FieldId::new(0);
const NAME: FieldId = FieldId::new(1);
const START: FieldId = FieldId::new(2);
const SCORE: FieldId = FieldId::new(3);
const CNT: FieldId = FieldId::new(4);
const ACTIVE: FieldId = FieldId::new(5);
const KIND: FieldId = FieldId::new(6);
const EMAIL: FieldId = FieldId::new(7);
const META: FieldId = FieldId::new(8);
const TAGS: FieldId = FieldId::new(9);
/// The members' e-mails again, as a field whose missing value matches
/// nothing: a negation needs some e-mail, none of them passing.
const GUESTS: FieldId = FieldId::new(10);

fn schema() -> Schema {
    Schema::builder()
        .field(Field::new("id", FieldType::String).sql_column("c.id"))
        .field(Field::new("name", FieldType::String).sql_column("c.name"))
        .field(Field::new("start", FieldType::Timestamp).sql_column("c.start_ms"))
        .field(Field::new("score", FieldType::Float).sql_column("c.score"))
        .field(Field::new("cnt", FieldType::Integer).sql_column("c.cnt"))
        .field(Field::new("active", FieldType::Bool).sql_column("c.active"))
        .field(
            Field::new("kind", FieldType::enumeration(["meeting", "call", "chat"]))
                .sql_column("c.kind"),
        )
        .field(
            Field::new("members.email", FieldType::String)
                .multi_valued()
                .sql_exists("members m", "m.conversation_id = c.id", "m.email"),
        )
        .field(
            Field::dynamic("meta", FieldType::String)
                .numeric_strings()
                .sql_json("c.metadata"),
        )
        .field(Field::dynamic("tags", FieldType::String).sql_template(
            "(SELECT t.value FROM tags t WHERE t.conversation_id = c.id AND t.key = {key})",
        ))
        .field(
            Field::new("guests.email", FieldType::String)
                .multi_valued()
                .when_missing(rsql::Missing::MatchesNothing)
                .sql_exists("members m", "m.conversation_id = c.id", "m.email"),
        )
        .build()
        .unwrap()
}

#[derive(Clone, Debug)]
struct Row {
    id: String,
    name: Option<String>,
    start: Option<i64>,
    score: Option<f64>,
    cnt: Option<i64>,
    active: Option<bool>,
    kind: Option<String>,
    emails: Vec<Option<String>>,
    meta: Vec<(String, String)>,
    tags: Vec<(String, String)>,
}

fn opt<'a>(s: &'a Option<String>) -> FieldValue<'a> {
    s.as_deref().map_or(FieldValue::Missing, FieldValue::Str)
}

fn lookup<'a>(map: &'a [(String, String)], key: Option<&str>) -> FieldValue<'a> {
    map.iter()
        .find(|(k, _)| Some(k.as_str()) == key)
        .map_or(FieldValue::Missing, |(_, v)| FieldValue::Str(v))
}

impl Record for Row {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        match field.id {
            ID => FieldValue::Str(&self.id),
            NAME => opt(&self.name),
            START => self.start.map_or(FieldValue::Missing, FieldValue::Time),
            SCORE => self.score.map_or(FieldValue::Missing, FieldValue::Float),
            CNT => self.cnt.map_or(FieldValue::Missing, FieldValue::Int),
            ACTIVE => self.active.map_or(FieldValue::Missing, FieldValue::Bool),
            KIND => opt(&self.kind),
            META => lookup(&self.meta, field.key),
            TAGS => lookup(&self.tags, field.key),
            _ => FieldValue::Missing,
        }
    }

    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        if field.id == EMAIL || field.id == GUESTS {
            self.emails.iter().flatten().any(|e| f(FieldValue::Str(e)))
        } else {
            f(self.get(field))
        }
    }
}

const STRINGS: &[&str] = &[
    "", "a", "A", "ab", "aB", "Ab", "b", "ba", "é", "É", "éa", "a%b", "a_b", "a*b", "a[b]", "a?b",
    r"a\b", "x y", "10", "9", "9.5", "-3", "007", "1e3", "abc", "-", "1.", ".5", "-0", "0", "%",
    "_", "Z", "zz", "会议",
];
const PATTERNS: &[&str] = &[
    "*", "a*", "*a", "*a*", "a*b", "*b*a*", "A*", "*é*", "*%*", "*_*", "*[*", "*?*", r"*\*", "é*",
    "*b", "a**", "*0", "1*", "*A*B*",
];
const INSTANTS: &[i64] = &[
    0,
    999,
    1000,
    1_614_556_800_000,
    1_614_556_800_001,
    1_614_643_200_000,
];
const FLOATS: &[f64] = &[-1.5, 0.0, 0.5, 2.0, 10.0];
const INTS: &[i64] = &[-5, 0, 1, 42, 43, i64::MAX];
const KINDS: &[&str] = &["meeting", "call", "chat"];
const KEYS: &[&str] = &["k1", "k2"];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> prop::sample::Select<T> {
    prop::sample::select(items)
}

fn opt_string() -> impl Strategy<Value = Option<String>> {
    prop::option::of(pick(STRINGS).prop_map(str::to_owned))
}

fn map() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::option::of(pick(STRINGS)),
        prop::option::of(pick(STRINGS)),
    )
        .prop_map(|(a, b)| {
            let mut m = Vec::new();
            if let Some(a) = a {
                m.push(("k1".to_owned(), a.to_owned()));
            }
            if let Some(b) = b {
                m.push(("k2".to_owned(), b.to_owned()));
            }
            m
        })
}

fn row() -> impl Strategy<Value = Row> {
    (
        opt_string(),
        prop::option::of(pick(INSTANTS)),
        prop::option::of(pick(FLOATS)),
        prop::option::of(pick(INTS)),
        prop::option::of(any::<bool>()),
        prop::option::of(pick(KINDS).prop_map(str::to_owned)),
        prop::collection::vec(opt_string(), 0..3),
        map(),
        map(),
    )
        .prop_map(
            |(name, start, score, cnt, active, kind, emails, meta, tags)| Row {
                id: String::new(),
                name,
                start,
                score,
                cnt,
                active,
                kind,
                emails,
                meta,
                tags,
            },
        )
}

fn op(symbol: &str) -> Operator {
    Operator::standard(symbol).unwrap_or_else(|| Operator::Custom(Arc::from(symbol)))
}

/// A literal value: every `*` literal (no wildcard).
fn lit(s: String) -> Value<'static> {
    Value::literal(s)
}

fn cmp(selector: String, symbol: &str, values: Vec<Value<'static>>) -> Ast<'static> {
    let args = if values.len() == 1 {
        Args::One(values.into_iter().next().unwrap())
    } else {
        Args::List(values)
    };
    Ast::Cmp(Comparison {
        selector: Selector::new(selector),
        op: op(symbol),
        args,
        span: Span::default(),
        op_span: Span::default(),
    })
}

/// Values for `=in=`, ordering and ranges from a list of literal texts.
fn typed(texts: &'static [&'static str]) -> BoxedStrategy<(String, Vec<Value<'static>>)> {
    let one = pick(texts).prop_map(|t| lit(t.to_owned()));
    prop_oneof![
        (
            pick(&["==", "!=", "=lt=", "=le=", "=gt=", "=ge="]),
            one.clone()
        )
            .prop_map(|(o, v)| (o.to_owned(), vec![v])),
        (
            pick(&["=in=", "=out="]),
            prop::collection::vec(one.clone(), 1..4)
        )
            .prop_map(|(o, v)| (o.to_owned(), v)),
        (pick(&["=bt=", "=nb="]), one.clone(), one)
            .prop_map(|(o, a, b)| (o.to_owned(), vec![a, b])),
        (pick(&["=isnull=", "=notnull="]), any::<bool>())
            .prop_map(|(o, b)| (o.to_owned(), vec![lit(b.to_string())])),
    ]
    .boxed()
}

fn string_ops() -> BoxedStrategy<(String, Vec<Value<'static>>)> {
    let text = pick(STRINGS).prop_map(|t| lit(t.to_owned()));
    let wild = prop_oneof![
        pick(PATTERNS).prop_map(|p| Value::new(p.to_owned())),
        text.clone(),
    ];
    prop_oneof![
        (pick(&["==", "!=", "=ic="]), wild.clone()).prop_map(|(o, v)| (o.to_owned(), vec![v])),
        (pick(&["=like=", "=notlike=", "=ilike="]), wild)
            .prop_map(|(o, v)| (o.to_owned(), vec![v])),
        (pick(&["=lt=", "=le=", "=gt=", "=ge="]), text.clone())
            .prop_map(|(o, v)| (o.to_owned(), vec![v])),
        (
            pick(&["=in=", "=out="]),
            prop::collection::vec(text.clone(), 1..4)
        )
            .prop_map(|(o, v)| (o.to_owned(), v)),
        (pick(&["=bt=", "=nb="]), text.clone(), text)
            .prop_map(|(o, a, b)| (o.to_owned(), vec![a, b])),
        (pick(&["=isnull=", "=notnull="]), any::<bool>())
            .prop_map(|(o, b)| (o.to_owned(), vec![lit(b.to_string())])),
    ]
    .boxed()
}

const TIME_TEXTS: &[&str] = &[
    "1970-01-01",
    "1970-01-01T00:00:00.999Z",
    "1970-01-01T00:00:01Z",
    "1970-01-01T01:00:01+01:00",
    "2021-03-01",
    "2021-03-01T00:00:00.001Z",
    "2021-03-02T00:00:00Z",
];
const FLOAT_TEXTS: &[&str] = &["-1.5", "0", "0.5", "2", "1e1", "0.25", "-0"];
const INT_TEXTS: &[&str] = &[
    "-5",
    "0",
    "1",
    "42",
    "43",
    "9223372036854775807",
    "-9223372036854775808",
];

fn leaf() -> BoxedStrategy<Ast<'static>> {
    let string_field = prop_oneof![
        Just("id".to_owned()),
        Just("name".to_owned()),
        Just("members.email".to_owned()),
        Just("guests.email".to_owned()),
        pick(KEYS).prop_map(|k| format!("meta.{k}")),
        pick(KEYS).prop_map(|k| format!("tags.{k}")),
    ];
    prop_oneof![
        3 => (string_field, string_ops()).prop_map(|(f, (o, v))| cmp(f, &o, v)),
        1 => typed(TIME_TEXTS).prop_map(|(o, v)| cmp("start".into(), &o, v)),
        1 => typed(FLOAT_TEXTS).prop_map(|(o, v)| cmp("score".into(), &o, v)),
        1 => typed(INT_TEXTS).prop_map(|(o, v)| cmp("cnt".into(), &o, v)),
        1 => (pick(&["==", "!=", "=in=", "=out="]), prop::collection::vec(any::<bool>(), 1..3))
            .prop_map(|(o, v)| {
                let v: Vec<_> = v.into_iter().map(|b| lit(b.to_string())).collect();
                let v = if o == "==" || o == "!=" { v[..1].to_vec() } else { v };
                cmp("active".into(), o, v)
            }),
        1 => (pick(&["==", "!=", "=in=", "=out="]), prop::collection::vec(pick(KINDS), 1..3))
            .prop_map(|(o, v)| {
                let v: Vec<_> = v.into_iter().map(|k| lit(k.to_owned())).collect();
                let v = if o == "==" || o == "!=" { v[..1].to_vec() } else { v };
                cmp("kind".into(), o, v)
            }),
    ]
    .boxed()
}

fn filter_ast() -> impl Strategy<Value = Ast<'static>> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Ast::and),
            prop::collection::vec(inner, 2..4).prop_map(Ast::or),
        ]
    })
}

fn database(rows: &[Row]) -> Connection {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE conversations (id TEXT PRIMARY KEY, name TEXT, start_ms INTEGER, score REAL,
                                     cnt INTEGER, active INTEGER, kind TEXT, metadata TEXT);
         CREATE TABLE members (conversation_id TEXT, email TEXT);
         CREATE TABLE tags (conversation_id TEXT, key TEXT, value TEXT);",
    )
    .unwrap();
    for r in rows {
        let meta: serde_json::Map<String, serde_json::Value> = r
            .meta
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        db.execute(
            "INSERT INTO conversations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                r.id,
                r.name,
                r.start,
                r.score,
                r.cnt,
                r.active,
                r.kind,
                serde_json::Value::Object(meta).to_string()
            ],
        )
        .unwrap();
        for e in &r.emails {
            db.execute(
                "INSERT INTO members VALUES (?1, ?2)",
                rusqlite::params![r.id, e],
            )
            .unwrap();
        }
        for (k, v) in &r.tags {
            db.execute(
                "INSERT INTO tags VALUES (?1, ?2, ?3)",
                rusqlite::params![r.id, k, v],
            )
            .unwrap();
        }
    }
    db
}

fn to_sqlite(p: &SqlParam) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match p {
        SqlParam::Text(s) => V::Text(s.clone()),
        SqlParam::Int(i) | SqlParam::Time(i) => V::Integer(*i),
        SqlParam::Float(x) => V::Real(*x),
        SqlParam::Bool(b) => V::Integer(i64::from(*b)),
        other => panic!("unexpected parameter {other:?}"),
    }
}

fn sqlite_ids(db: &Connection, filter: &Filter, options: &SqlOptions) -> Vec<String> {
    let w = filter.to_sql(options).unwrap();
    let sql = format!(
        "SELECT c.id FROM conversations c WHERE {} ORDER BY c.id",
        w.sql
    );
    let mut stmt = db.prepare(&sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
    let params: Vec<rusqlite::types::Value> = w.params.iter().map(to_sqlite).collect();
    stmt.query_map(rusqlite::params_from_iter(params), |r| {
        r.get::<_, String>(0)
    })
    .unwrap()
    .collect::<Result<Vec<_>, _>>()
    .unwrap()
}

fn check(rows: &[Row], ast: &Ast<'_>) -> Result<(), TestCaseError> {
    let schema = schema();
    let filter = schema
        .compile(ast)
        .map_err(|e| TestCaseError::fail(format!("{ast}: {e}")))?;
    let mut expected: Vec<String> = rows
        .iter()
        .filter(|r| filter.matches(*r))
        .map(|r| r.id.clone())
        .collect();
    expected.sort();
    // The slice evaluator agrees with `matches`.
    let mut selected: Vec<String> = filter
        .select(rows)
        .into_iter()
        .map(|i| rows[i].id.clone())
        .collect();
    selected.sort();
    prop_assert_eq!(&selected, &expected, "select, filter {}", filter);
    let mut positions: Vec<usize> = (0..rows.len() + 2).rev().collect();
    filter.retain(rows, &mut positions);
    let mut retained: Vec<String> = positions.into_iter().map(|i| rows[i].id.clone()).collect();
    retained.sort();
    prop_assert_eq!(&retained, &expected, "retain, filter {}", filter);
    let db = database(rows);
    let glob = sqlite_ids(&db, &filter, &SqlOptions::sqlite());
    prop_assert_eq!(
        &glob,
        &expected,
        "GLOB mode, filter {} → {:?}",
        filter,
        filter.to_sql(&SqlOptions::sqlite())
    );
    db.execute_batch("PRAGMA case_sensitive_like = ON").unwrap();
    let like = sqlite_ids(&db, &filter, &SqlOptions::sqlite().with_sqlite_like(true));
    prop_assert_eq!(&like, &expected, "LIKE mode, filter {}", filter);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn matches_agrees_with_sqlite(
        mut rows in prop::collection::vec(row(), 0..10),
        ast in filter_ast(),
    ) {
        for (i, r) in rows.iter_mut().enumerate() {
            r.id = format!("r{i:02}");
        }
        check(&rows, &ast)?;
    }
}

/// Hand-picked cases the generator might take long to hit.
#[test]
fn known_tricky_cases() {
    let rows = vec![
        Row {
            id: "a".into(),
            name: Some("Sales Brainstorm".into()),
            start: Some(1_614_556_800_000),
            score: Some(0.5),
            cnt: Some(42),
            active: Some(true),
            kind: Some("call".into()),
            emails: vec![Some("A@x.io".into()), None],
            meta: vec![("k1".into(), "10".into()), ("k2".into(), "-0".into())],
            tags: vec![("k1".into(), "x".into())],
        },
        Row {
            id: "b".into(),
            name: Some("50%_off [x]? a\\b".into()),
            start: None,
            score: None,
            cnt: None,
            active: Some(false),
            kind: None,
            emails: vec![],
            meta: vec![("k1".into(), "9".into()), ("k2".into(), "abc".into())],
            tags: vec![],
        },
        Row {
            id: "c".into(),
            name: Some("ÉMILE émile".into()),
            start: Some(0),
            score: Some(-1.5),
            cnt: Some(i64::MAX),
            active: None,
            kind: Some("chat".into()),
            emails: vec![Some("émile@x.io".into())],
            meta: vec![],
            tags: vec![],
        },
    ];
    let parser = rsql::Parser::new()
        .with_policy(rsql::Policy::new().with_operators(rsql::Operators::extended()));
    for f in [
        "meta.k1=gt=9",
        "meta.k1=lt=9.5",
        "meta.k2=ge=0",
        "meta.k2=lt=b",
        "meta.k1=bt=(9,10)",
        "meta.k1=nb=(9,10)",
        "name==*%_*",
        "name==*[x]?*",
        "name=like=\\",
        "name=ilike=émile",
        "name=ilike=EMILE",
        "name=ic='émile émile'",
        "name=ic=*MILE*",
        "members.email=ic=a@X.IO",
        "members.email!=A@x.io",
        "members.email=isnull=true",
        "members.email=out=(A@x.io,z)",
        // A missing value that matches nothing: `b` (no e-mail) is never
        // in a negation's answer; `a` (A@x.io and a NULL) only when A@x.io
        // passes.
        "guests.email!=A@x.io",
        "guests.email!=z",
        "guests.email=out=(z)",
        "guests.email=notlike=*x.io",
        "guests.email=isnull=true",
        "score!=0.5",
        "score=nb=(-1,1)",
        "cnt=gt=42",
        "cnt=ge=9223372036854775807",
        "active!=true",
        "kind=out=(call)",
        "start=isnull=true",
        "start=lt=1970-01-01T00:00:00.001Z",
        "tags.k1==x",
        "tags.k1!=x",
        "tags.k2=isnull=true",
    ] {
        let ast = parser.parse(f).unwrap();
        check(&rows, &ast).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}
