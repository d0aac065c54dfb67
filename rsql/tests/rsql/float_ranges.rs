//! Ranges on a `Float` field that hold no value or one value, in every
//! backend: `Filter::matches`, `to_sql` and `to_mongo` agree (issue 18).

use rsql::{
    Field, FieldRef, FieldType, FieldValue, Filter, Operators, Parser, Policy, Record, Schema,
    SqlOptions, SqlParam,
};

fn schema() -> Schema {
    Schema::builder()
        .field(Field::new("x", FieldType::Float).sql_column("x"))
        .build()
        .unwrap()
}

fn compile(filter: &str) -> Filter {
    let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    schema()
        .compile_str(&parser, filter)
        .unwrap_or_else(|e| panic!("{filter}: {e:#}"))
}

/// A record whose `x` is one float.
struct X(f64);

impl Record for X {
    fn get(&self, _: FieldRef<'_>) -> FieldValue<'_> {
        FieldValue::Float(self.0)
    }

    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        f(self.get(field))
    }
}

/// `(filter, SQLite WHERE, its parameters, the values of 2.4, 2.5, 2.6 that match)`.
const CASES: [(&str, &str, &[f64], [bool; 3]); 9] = [
    // Bounds at one point that exclude it: no value.
    ("x=gt=2.5;x=le=2.5", "1 = 0", &[], [false, false, false]),
    ("x=ge=2.5;x=lt=2.5", "1 = 0", &[], [false, false, false]),
    ("x=gt=2.5;x=lt=2.5", "1 = 0", &[], [false, false, false]),
    // Crossed bounds: no value.
    ("x=gt=2.6;x=lt=2.4", "1 = 0", &[], [false, false, false]),
    ("x=ge=2.6;x=le=2.4", "1 = 0", &[], [false, false, false]),
    // Both bounds included at one point: that value.
    ("x=ge=2.5;x=le=2.5", "x = ?", &[2.5], [false, true, false]),
    // Open and closed ends of a real range.
    (
        "x=gt=2.4;x=le=2.5",
        "(x > ? AND x <= ?)",
        &[2.4, 2.5],
        [false, true, false],
    ),
    (
        "x=ge=2.4;x=lt=2.5",
        "(x >= ? AND x < ?)",
        &[2.4, 2.5],
        [true, false, false],
    ),
    ("x=gt=2.4", "x > ?", &[2.4], [false, true, true]),
];

#[test]
fn float_ranges_that_hold_no_value_match_nothing_in_sql_and_eval() {
    for (filter, sql, params, matches) in CASES {
        let f = compile(filter);
        let w = f.to_sql(&SqlOptions::sqlite()).unwrap();
        assert_eq!(w.sql, sql, "{filter}");
        let want: Vec<SqlParam> = params.iter().map(|&p| SqlParam::Float(p)).collect();
        assert_eq!(w.params, want, "{filter}");
        for (v, m) in [2.4, 2.5, 2.6].into_iter().zip(matches) {
            assert_eq!(f.matches(&X(v)), m, "{filter} on {v}");
        }
    }
}

#[cfg(feature = "mongo")]
#[test]
fn float_ranges_that_hold_no_value_match_nothing_in_mongo() {
    use serde_json::json;
    let m = |f: &str| compile(f).to_mongo();
    for f in [
        "x=gt=2.5;x=le=2.5",
        "x=ge=2.5;x=lt=2.5",
        "x=gt=2.5;x=lt=2.5",
        "x=gt=2.6;x=lt=2.4",
    ] {
        assert_eq!(m(f), json!({"x": {"$in": []}}), "{f}");
    }
    assert_eq!(m("x=ge=2.5;x=le=2.5"), json!({"x": {"$eq": 2.5}}));
    assert_eq!(
        m("x=gt=2.4;x=le=2.5"),
        json!({"x": {"$gt": 2.4, "$lte": 2.5}})
    );
    assert_eq!(
        m("x=ge=2.4;x=lt=2.5"),
        json!({"x": {"$gte": 2.4, "$lt": 2.5}})
    );
}
