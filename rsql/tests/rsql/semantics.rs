//! Issue 14's semantics (api.md §2.2): timestamp literals finer than the
//! stored millisecond compared exactly, U+0000 refused in values, `*` in
//! lists and `\*`, and negations on a field whose missing value matches
//! nothing ([`Missing::MatchesNothing`]). Each case is checked with
//! `matches`, `select`, `retain`, the emitted SQL on SQLite, and by printing
//! the filter and compiling the text again.

use std::ops::Bound::{Included, Unbounded};

use rsql::{
    Field, FieldId, FieldRef, FieldType, FieldValue, Filter, Missing, Operators, Parser, Policy,
    Record, Schema, SqlOptions, SqlParam,
};
use rusqlite::Connection;

const T: FieldId = FieldId::new(0);
const END: FieldId = FieldId::new(1);
const NAME: FieldId = FieldId::new(2);
const LABEL: FieldId = FieldId::new(3);

/// `t` and `name` keep the default missing semantics (negations match a
/// missing value); `end` and `label` are like `conversation.endTime`.
fn schema() -> Schema {
    Schema::builder()
        .field(Field::new("t", FieldType::Timestamp).sql_column("c.t"))
        .field(
            Field::new("end", FieldType::Timestamp)
                .when_missing(Missing::MatchesNothing)
                .sql_column("c.e"),
        )
        .field(Field::new("name", FieldType::String).sql_column("c.name"))
        .field(
            Field::new("label", FieldType::String)
                .when_missing(Missing::MatchesNothing)
                .sql_column("c.label"),
        )
        .build()
        .unwrap()
}

fn parser() -> Parser {
    Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
}

#[derive(Clone, Debug)]
struct Row {
    id: &'static str,
    t: Option<i64>,
    end: Option<i64>,
    name: &'static str,
    label: Option<&'static str>,
}

impl Record for Row {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        match field.id {
            T => self.t.map_or(FieldValue::Missing, FieldValue::Time),
            END => self.end.map_or(FieldValue::Missing, FieldValue::Time),
            NAME => FieldValue::Str(self.name),
            LABEL => self.label.map_or(FieldValue::Missing, FieldValue::Str),
            _ => FieldValue::Missing,
        }
    }
}

/// 2021-06-12T23:59:59.999Z in epoch milliseconds.
const LAST: i64 = 1_623_542_399_999;

fn row(id: &'static str, t: Option<i64>) -> Row {
    Row {
        id,
        t,
        end: t,
        name: id,
        label: Some(id),
    }
}

/// Rows around 2021-06-13T00:00:00Z and around the epoch, and one without
/// a time (`t`, `end` and `label` missing).
fn rows() -> Vec<Row> {
    vec![
        row("c998", Some(LAST - 1)),
        row("a999", Some(LAST)),
        row("b000", Some(LAST + 1)),
        row("b001", Some(LAST + 1 + 1)),
        row("f-2", Some(-2)),
        row("d-1", Some(-1)),
        row("e0", Some(0)),
        Row {
            id: "none",
            t: None,
            end: None,
            name: "none",
            label: None,
        },
    ]
}

fn compile(text: &str) -> Filter {
    schema()
        .compile_str(&parser(), text)
        .unwrap_or_else(|e| panic!("{text}: {e:#}"))
}

fn to_sqlite(p: &SqlParam) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match p {
        SqlParam::Text(s) => V::Text(s.clone()),
        SqlParam::Int(i) | SqlParam::Time(i) => V::Integer(*i),
        other => panic!("this schema binds no {other:?}"),
    }
}

fn sqlite_ids(rows: &[Row], filter: &Filter) -> Vec<&'static str> {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE c (id TEXT, t INTEGER, e INTEGER, name TEXT, label TEXT)")
        .unwrap();
    for r in rows {
        db.execute(
            "INSERT INTO c VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![r.id, r.t, r.end, r.name, r.label],
        )
        .unwrap();
    }
    let w = filter.to_sql(&SqlOptions::sqlite()).unwrap();
    let sql = format!("SELECT id FROM c WHERE {}", w.sql);
    let mut stmt = db.prepare(&sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
    let params: Vec<_> = w.params.iter().map(to_sqlite).collect();
    let found: Vec<String> = stmt
        .query_map(rusqlite::params_from_iter(params), |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.iter()
        .map(|r| r.id)
        .filter(|id| found.iter().any(|f| f == id))
        .collect()
}

/// Every way of running `text` on `rows` gives `expected` (ids in row
/// order), and the printed filter compiles back to the same filter.
#[track_caller]
fn check(rows: &[Row], text: &str, expected: &[&str]) {
    let f = compile(text);
    let matched: Vec<&str> = rows
        .iter()
        .filter(|r| f.matches(*r))
        .map(|r| r.id)
        .collect();
    assert_eq!(matched, expected, "matches: {text}");
    let selected: Vec<&str> = f.select(rows).into_iter().map(|i| rows[i].id).collect();
    assert_eq!(selected, expected, "select: {text}");
    let mut positions: Vec<usize> = (0..rows.len() + 2).collect();
    f.retain(rows, &mut positions);
    let retained: Vec<&str> = positions.into_iter().map(|i| rows[i].id).collect();
    assert_eq!(retained, expected, "retain: {text}");
    assert_eq!(
        sqlite_ids(rows, &f),
        expected,
        "SQLite: {text} → {:?}",
        f.to_sql(&SqlOptions::sqlite())
    );
    let printed = f.to_string();
    if !f.is_match_all() {
        assert_eq!(compile(&printed), f, "{text} printed as {printed}");
    }
}

const ALL: [&str; 8] = ["c998", "a999", "b000", "b001", "f-2", "d-1", "e0", "none"];
const TIMED: [&str; 7] = ["c998", "a999", "b000", "b001", "f-2", "d-1", "e0"];

#[test]
fn literals_finer_than_a_millisecond_compare_exactly() {
    let rows = rows();
    let l = "2021-06-12T23:59:59.9991Z"; // between a999 and b000
    let h = "2021-06-13T00:00:00.0005Z"; // between b000 and b001
    let cases: Vec<(String, Vec<&str>)> = vec![
        (format!("t=={l}"), vec![]),
        (format!("t!={l}"), ALL.to_vec()),
        (format!("t=ge={l}"), vec!["b000", "b001"]),
        (format!("t=gt={l}"), vec!["b000", "b001"]),
        (
            format!("t=lt={l}"),
            vec!["c998", "a999", "f-2", "d-1", "e0"],
        ),
        (
            format!("t=le={l}"),
            vec!["c998", "a999", "f-2", "d-1", "e0"],
        ),
        (format!("t=in=({l},{h})"), vec![]),
        (format!("t=in=({l},2021-06-12T23:59:59.998Z)"), vec!["c998"]),
        (format!("t=out=({l},{h})"), ALL.to_vec()),
        (
            format!("t=out=({l},2021-06-12T23:59:59.998Z)"),
            vec!["a999", "b000", "b001", "f-2", "d-1", "e0", "none"],
        ),
        (format!("t=bt=({l},{h})"), vec!["b000"]),
        (format!("t=bt=({l},{l})"), vec![]),
        (
            format!("t=nb=({l},{h})"),
            vec!["c998", "a999", "b001", "f-2", "d-1", "e0", "none"],
        ),
        (format!("t=nb=({l},{l})"), ALL.to_vec()),
        (format!("t=={h}"), vec![]),
        (format!("t!={h}"), ALL.to_vec()),
        (format!("t=ge={h}"), vec!["b001"]),
        (format!("t=gt={h}"), vec!["b001"]),
        (
            format!("t=lt={h}"),
            vec!["c998", "a999", "b000", "f-2", "d-1", "e0"],
        ),
        (
            format!("t=le={h}"),
            vec!["c998", "a999", "b000", "f-2", "d-1", "e0"],
        ),
        // A whole-millisecond literal written with more digits is that millisecond.
        ("t==2021-06-12T23:59:59.999000Z".to_owned(), vec!["a999"]),
        // Ranges merged from both kinds of bounds.
        (format!("t=gt={l};t=lt={h}"), vec!["b000"]),
        (format!("t=ge={h};t=le={l}"), vec![]),
        (format!("t=ge={l},t=={l}"), vec!["b000", "b001"]),
        (format!("t=={l},name==none"), vec!["none"]),
    ];
    for (text, expected) in &cases {
        check(&rows, text, expected);
    }
}

#[test]
fn literals_before_1970_round_towards_the_right_millisecond() {
    let rows = rows();
    // -0.5 ms: floor is -1 (d-1), ceil is 0 (e0); truncation would give 0.
    let m = "1969-12-31T23:59:59.9995Z";
    let cases: Vec<(String, Vec<&str>)> = vec![
        (format!("t=={m}"), vec![]),
        (
            format!("t=ge={m}"),
            vec!["c998", "a999", "b000", "b001", "e0"],
        ),
        (
            format!("t=gt={m}"),
            vec!["c998", "a999", "b000", "b001", "e0"],
        ),
        (format!("t=lt={m}"), vec!["f-2", "d-1"]),
        (format!("t=le={m}"), vec!["f-2", "d-1"]),
        // [-1.5 ms, -0.5 ms] holds only -1.
        (format!("t=bt=(1969-12-31T23:59:59.9985Z,{m})"), vec!["d-1"]),
        (format!("t=in=({m},1969-12-31T23:59:59.998Z)"), vec!["f-2"]),
        // An offset does not change the instant: -0.5 ms again.
        (
            "t=lt=1970-01-01T00:59:59.9995+01:00".to_owned(),
            vec!["f-2", "d-1"],
        ),
    ];
    for (text, expected) in &cases {
        check(&rows, text, expected);
    }
}

#[test]
fn printing_says_what_was_compiled() {
    let l = "2021-06-12T23:59:59.9991Z";
    for (text, printed) in [
        (
            format!("t=={l}"),
            "t=ge=2021-06-13T00:00:00.000Z;t=le=2021-06-12T23:59:59.999Z",
        ),
        (format!("t=ge={l}"), "t=ge=2021-06-13T00:00:00.000Z"),
        (format!("t=gt={l}"), "t=ge=2021-06-13T00:00:00.000Z"),
        (format!("t=lt={l}"), "t=le=2021-06-12T23:59:59.999Z"),
        (format!("t=le={l}"), "t=le=2021-06-12T23:59:59.999Z"),
        // A negation of nothing holds for every record, or for every record
        // with a value when a missing value matches nothing.
        (format!("t!={l}"), ""),
        (format!("end!={l}"), "end=isnull=false"),
        (format!("end=out=({l})"), "end=isnull=false"),
        (
            format!("end=out=({l},2021-01-01)"),
            "end!=2021-01-01T00:00:00.000Z",
        ),
        (
            format!("t=nb=({l},2021-06-13T00:00:00.0005Z)"),
            "t!=2021-06-13T00:00:00.000Z",
        ),
        (
            format!("t=nb=({l},{l})"),
            "t=nb=(2021-06-13T00:00:00.000Z,2021-06-12T23:59:59.999Z)",
        ),
        (
            format!("(t=={l},name==x);name==y"),
            "((t=ge=2021-06-13T00:00:00.000Z;t=le=2021-06-12T23:59:59.999Z),name==x);name==y",
        ),
        ("t!=2021-01-01".to_owned(), "t!=2021-01-01T00:00:00.000Z"),
        // Beyond what UTC text can name: an offset, or the neighbour with `=gt=`/`=lt=`.
        (
            "t=lt=0000-01-01T00:00:00Z".to_owned(),
            "t=le=0000-01-01T23:58:59.999+23:59",
        ),
        (
            "t=lt=0000-01-01T00:00:00+23:59".to_owned(),
            "t=lt=0000-01-01T00:00:00.000+23:59",
        ),
        (
            "t=gt=9999-12-31T23:59:59.999-23:59".to_owned(),
            "t=gt=9999-12-31T23:59:59.999-23:59",
        ),
    ] {
        let f = compile(&text);
        assert_eq!(f.to_string(), printed, "{text}");
        if !f.is_match_all() {
            assert_eq!(compile(printed), f, "{printed}");
        }
        if !f.is_match_all() && !text.contains("=nb=") && !printed.contains("=isnull=") {
            // Standard operators in, standard operators out.
            assert!(
                schema().compile_str(&Parser::new(), printed).is_ok(),
                "{printed}"
            );
        }
    }
}

#[test]
fn time_bounds_stay_an_over_approximation() {
    let l = "2021-06-12T23:59:59.9991Z";
    let bounds = |text: &str| compile(text).time_bounds(T);
    assert_eq!(
        bounds(&format!("t=ge={l}")),
        Some((Included(LAST + 1), Unbounded))
    );
    assert_eq!(
        bounds(&format!("t=lt={l}")),
        Some((Unbounded, Included(LAST)))
    );
    // Empty: `lo > hi`, no record can match.
    assert_eq!(
        bounds(&format!("t=={l}")),
        Some((Included(LAST + 1), Included(LAST)))
    );
    assert_eq!(
        bounds(&format!("t=in=({l},2021-06-12T23:59:59.998Z)")),
        Some((Included(LAST - 1), Included(LAST - 1)))
    );
    assert_eq!(bounds(&format!("t!={l}")), None);
    assert_eq!(
        bounds("t=bt=(1969-12-31T23:59:59.9985Z,1969-12-31T23:59:59.9995Z)"),
        Some((Included(-1), Included(-1)))
    );
    // Every record a filter matches lies inside its bounds.
    let rows = rows();
    for text in [
        format!("t=gt={l};t=lt=2021-06-13T00:00:00.0005Z"),
        format!("t=le={l},t=ge=1969-12-31T23:59:59.9995Z"),
        "t=le=1969-12-31T23:59:59.9995Z".to_owned(),
    ] {
        let f = compile(&text);
        let b = f.time_bounds(T).unwrap();
        for r in rows.iter().filter(|r| f.matches(*r)) {
            let t = r.t.unwrap();
            assert!(
                std::ops::RangeBounds::contains(&b, &t),
                "{text}: {t} outside {b:?}"
            );
        }
    }
}

#[test]
fn negations_on_a_field_whose_missing_value_matches_nothing() {
    let rows = rows();
    let day = "2021-06-12T23:59:59.999Z";
    let not_none: Vec<&str> = TIMED.to_vec();
    let without = |ids: &[&str]| -> Vec<&'static str> {
        TIMED
            .iter()
            .copied()
            .filter(|id| !ids.contains(id))
            .collect()
    };
    check(&rows, &format!("end!={day}"), &without(&["a999"]));
    check(
        &rows,
        &format!("end=out=({day},1970-01-01)"),
        &without(&["a999", "e0"]),
    );
    check(
        &rows,
        &format!("end=nb=(1970-01-01,{day})"),
        &["b000", "b001", "f-2", "d-1"],
    );
    check(&rows, "label=notlike=99", &without(&["c998", "a999"]));
    check(&rows, "label!=a*", &without(&["a999"]));
    check(&rows, "label!=b*", &without(&["b000", "b001"]));
    check(&rows, "end=isnull=false", &not_none);
    // `=isnull=true` still finds the record without a value.
    check(&rows, "end=isnull=true", &["none"]);
    check(&rows, "label=isnull=true", &["none"]);
    check(&rows, "end=notnull=false", &["none"]);
    // The same negations on a field with the default semantics do match it.
    check(
        &rows,
        &format!("t!={day}"),
        &ALL.iter()
            .copied()
            .filter(|id| *id != "a999")
            .collect::<Vec<_>>(),
    );
    check(
        &rows,
        "name=notlike=99",
        &["b000", "b001", "f-2", "d-1", "e0", "none"],
    );
}

#[test]
fn retain_drops_positions_past_the_slice_for_a_match_all() {
    let rows = rows();
    let mut positions = vec![9, 0, 100, 7];
    Filter::match_all(&schema()).retain(&rows, &mut positions);
    assert_eq!(positions, [0, 7]);
    // A filter that compiles to a match-all does the same.
    let f = compile("t!=2021-06-12T23:59:59.9991Z");
    assert!(f.is_match_all());
    let mut positions = vec![3, 8];
    f.retain(&rows, &mut positions);
    assert_eq!(positions, [3]);
}

#[test]
fn nul_in_a_value_is_a_compile_error_naming_the_value() {
    for (input, span) in [
        ("name==\"a\0b\"", (6, 11)),
        ("name==a\0b", (6, 9)),
        ("name=in=(x,\"\0\")", (11, 14)),
        ("name!=*\0*", (6, 9)),
        ("t=ge=2021-01-01\0", (5, 16)),
        ("label=like=\0", (11, 12)),
    ] {
        let err = schema().compile_str(&parser(), input).unwrap_err();
        let rsql::Error::Compile(err) = err else {
            panic!("{input:?}: {err}");
        };
        assert_eq!(err.code(), "nul_in_value", "{input:?}");
        assert_eq!((err.span().start, err.span().end), span, "{input:?}");
        assert!(
            err.message()
                .starts_with("U+0000 (NUL) cannot appear in a value: `"),
            "{}",
            err.message()
        );
        assert!(err.message().contains("\\0"), "{}", err.message());
    }
    let err = schema()
        .compile_str(&parser(), "name==\"a\0b\"")
        .unwrap_err();
    insta::assert_snapshot!("nul_in_value", format!("{err:#}"));
}

#[test]
fn stars_in_lists_and_escaped_stars() {
    let rows = vec![
        Row {
            name: "a*",
            ..row("star", None)
        },
        Row {
            name: "ab",
            ..row("ab", None)
        },
        Row {
            name: r"a\b",
            ..row("backslash", None)
        },
        Row {
            name: "*x-y",
            ..row("lead", None)
        },
    ];
    // A bare `*` in a list is a wildcard, and lists take no wildcards.
    for input in ["name=in=(a*,b)", "name=out=(x,*)", "name=in=(\"a*\")"] {
        let err = schema().compile_str(&parser(), input).unwrap_err();
        let rsql::Error::Compile(err) = err else {
            panic!("{input}: {err}");
        };
        assert_eq!(err.code(), "wildcard_not_allowed", "{input}");
        assert!(
            err.message().ends_with("(wildcards only in `==`/`!=`)"),
            "{}",
            err.message()
        );
    }
    // `\*` is a literal star, quoted or not, in lists and in `==`.
    check(&rows, r"name=in=(a\*,b)", &["star"]);
    check(&rows, r#"name=in=("a\*",b)"#, &["star"]);
    check(&rows, r"name=out=(a\*)", &["ab", "backslash", "lead"]);
    check(&rows, r"name==a\*", &["star"]);
    check(&rows, r"name!=a\*", &["ab", "backslash", "lead"]);
    check(&rows, r"name==\**", &["lead"]);
    check(&rows, r"name==a*", &["star", "ab", "backslash"]);
    // Any other backslash outside quotes is a character.
    check(&rows, r"name==a\b", &["backslash"]);
    check(&rows, r"name=in=(a\b,x)", &["backslash"]);
    // A backslash before a wildcard star prints so that it reads back.
    let f = compile(r#"name=="a\\*""#);
    assert_eq!(f.to_string(), r#"name=="a\\*""#);
    assert_eq!(compile(&f.to_string()), f);
    let f = compile(r"name=in=(a\*,b)");
    assert_eq!(f.to_string(), r#"name=in=("a\*",b)"#);
}

mod exact_instants {
    //! A property: for literals with any sub-millisecond part, before and
    //! after 1970, written with any offset, every operator selects exactly
    //! the records an arithmetic on nanoseconds selects (and SQLite and
    //! printing agree, via `check`).

    use chrono::{DateTime, FixedOffset, SecondsFormat};
    use proptest::prelude::*;

    use super::{Row, check};

    /// Milliseconds around the epoch and around 2021-06-13.
    fn base_ms() -> impl Strategy<Value = i64> {
        prop_oneof![-3_i64..3, (super::LAST - 2)..(super::LAST + 3)]
    }

    /// A literal as nanoseconds since the epoch.
    fn literal_ns() -> impl Strategy<Value = i128> {
        let sub = prop_oneof![
            Just(0_i128),
            Just(1),
            Just(100_000),
            Just(500_000),
            Just(999_999)
        ];
        (base_ms(), sub).prop_map(|(ms, sub)| i128::from(ms) * 1_000_000 + sub)
    }

    /// RFC 3339 text for `ns` with nine fractional digits, in UTC or at +01:30.
    fn text(ns: i128, offset: bool) -> String {
        let secs = i64::try_from(ns.div_euclid(1_000_000_000)).unwrap();
        let nanos = u32::try_from(ns.rem_euclid(1_000_000_000)).unwrap();
        let utc = DateTime::from_timestamp(secs, nanos).unwrap();
        if offset {
            let east = FixedOffset::east_opt(5_400).unwrap();
            utc.with_timezone(&east)
                .to_rfc3339_opts(SecondsFormat::Nanos, true)
        } else {
            utc.to_rfc3339_opts(SecondsFormat::Nanos, true)
        }
    }

    /// Whether a record's time (in nanoseconds; `None`: missing) satisfies the comparison.
    type Holds = Box<dyn Fn(Option<i128>) -> bool>;

    fn rows() -> Vec<Row> {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let mut rows: Vec<Row> = (-3..3)
            .chain((super::LAST - 2)..(super::LAST + 3))
            .map(|ms| super::row(leak(format!("r{ms}")), Some(ms)))
            .collect();
        rows.push(super::row("none", None));
        rows
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn every_operator_compares_the_exact_instant(
            a in literal_ns(),
            b in literal_ns(),
            offset in any::<bool>(),
            op in 0_usize..10,
        ) {
            let rows = rows();
            let (ta, tb) = (text(a, offset), text(b, !offset));
            let (filter, holds): (String, Holds) = match op {
                0 => (format!("t=={ta}"), Box::new(move |v| v == Some(a))),
                1 => (format!("t!={ta}"), Box::new(move |v| v != Some(a))),
                2 => (format!("t=ge={ta}"), Box::new(move |v| v.is_some_and(|v| v >= a))),
                3 => (format!("t=gt={ta}"), Box::new(move |v| v.is_some_and(|v| v > a))),
                4 => (format!("t=le={ta}"), Box::new(move |v| v.is_some_and(|v| v <= a))),
                5 => (format!("t=lt={ta}"), Box::new(move |v| v.is_some_and(|v| v < a))),
                6 => (format!("t=in=({ta},{tb})"), Box::new(move |v| v == Some(a) || v == Some(b))),
                7 => (format!("t=out=({ta},{tb})"), Box::new(move |v| v != Some(a) && v != Some(b))),
                8 => (format!("t=bt=({ta},{tb})"), Box::new(move |v| v.is_some_and(|v| a <= v && v <= b))),
                _ => (format!("t=nb=({ta},{tb})"), Box::new(move |v| !v.is_some_and(|v| a <= v && v <= b))),
            };
            let expected: Vec<&str> = rows
                .iter()
                .filter(|r| holds(r.t.map(|ms| i128::from(ms) * 1_000_000)))
                .map(|r| r.id)
                .collect();
            check(&rows, &filter, &expected);
        }
    }
}
