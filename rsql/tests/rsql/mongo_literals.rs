//! Property: in `Filter::to_mongo` output, user text only ever sits in a
//! literal position. Every object key is a schema path or a known operator;
//! every string is the operand of a comparison operator (`$eq`, `$in`,
//! `$gt`, …) and one of the filter's own values, a `$date`, or an anchored
//! `$regex` in which the user's text is escaped (wildcard patterns) or
//! absent apart from digits (decimal patterns). No `$expr`, `$where` or
//! `$function` anywhere (issue 14, item 3).

use proptest::prelude::*;
use rsql::{Field, FieldType, Missing, Operators, Parser, Policy, Schema};
use serde_json::Value;

/// Operators the emitter may write as keys.
const OPERATORS: &[&str] = &[
    "$and",
    "$or",
    "$nor",
    "$not",
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$regex",
    "$options",
    "$exists",
    "$elemMatch",
    "$date",
    "$numberLong",
    "$numberDouble",
];

/// Operators whose string operands are literal values.
const LITERAL_OPS: &[&str] = &[
    "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$literal",
];

/// Every kind of field: each type, a scalar array, an array of documents,
/// a dynamic map with decimal ordering, and a field whose missing value
/// matches no comparison.
fn schema() -> Schema {
    Schema::builder()
        .field(Field::new("s", FieldType::String))
        .field(Field::new("t", FieldType::Timestamp).mongo_path("time.start"))
        .field(Field::new("end", FieldType::Timestamp).when_missing(Missing::MatchesNothing))
        .field(Field::new("n", FieldType::Integer))
        .field(Field::new("x", FieldType::Float))
        .field(Field::new("b", FieldType::Bool))
        .field(Field::new(
            "e",
            FieldType::enumeration(["red", "$x", "a.b"]),
        ))
        .field(Field::new("tags", FieldType::String).multi_valued())
        .field(
            Field::new("members.email", FieldType::String)
                .multi_valued()
                .mongo_elem("members", "email"),
        )
        .field(Field::dynamic("meta", FieldType::String).numeric_strings())
        .build()
        .unwrap()
}

/// Selectors, the decimal-ordering map key more often than the others.
const SELECTORS: &[&str] = &[
    "s",
    "t",
    "end",
    "n",
    "x",
    "b",
    "e",
    "tags",
    "members.email",
    "meta.score",
    "meta.score",
    "meta.score",
    "meta.score",
    "meta.a-b",
    "meta.é",
    "meta.$x",
];

/// The paths a key may name.
fn is_schema_path(key: &str) -> bool {
    const PATHS: &[&str] = &[
        "s",
        "time.start",
        "end",
        "n",
        "x",
        "b",
        "e",
        "tags",
        "members",
        "email",
    ];
    PATHS.contains(&key)
        || key.strip_prefix("meta.").is_some_and(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
}

const HOSTILE: &[&str] = &[
    "$x",
    "$$ROOT",
    ".",
    "{",
    "}",
    "$where",
    "*",
    "a.b",
    "$meta.n",
    "\\",
    "\"",
    "'",
    "é",
    "日本",
    "x\ny",
    "(",
    ")",
    ",",
    ";",
    "==",
    "0.75",
    "-0",
    "-12.50",
    "1e3",
    " ",
    "$",
    "$*",
    "*$x*",
    "red",
    "2021-03-01",
    "2021-03-01T10:00:00Z",
    "5",
    "-3",
    "2.5",
    "true",
    "false",
    "[a]",
    "^a$",
    "a|b",
    "(?i)",
    "\\z",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(HOSTILE).prop_map(str::to_owned),
        2 => "\\PC{1,6}",
        1 => "-?[0-9]{1,5}(\\.[0-9]{1,4})?",
        1 => "9{300,400}",
        1 => (proptest::sample::select(HOSTILE), "\\PC{0,3}").prop_map(|(a, b)| format!("{a}{b}")),
    ]
}

/// One comparison as text, and the values it passes.
fn comparison() -> impl Strategy<Value = (String, Vec<String>)> {
    let ops = proptest::sample::select(vec![
        "==",
        "!=",
        "=lt=",
        "=le=",
        "=gt=",
        "=ge=",
        "=in=",
        "=out=",
        "=like=",
        "=notlike=",
        "=ilike=",
        "=ic=",
        "=bt=",
        "=nb=",
        "=isnull=",
        "=notnull=",
    ]);
    (
        proptest::sample::select(SELECTORS),
        ops,
        proptest::collection::vec(value(), 1..4),
        any::<bool>(),
    )
        .prop_map(|(sel, op, mut vals, literal_stars)| {
            match op {
                "=bt=" | "=nb=" => vals.resize(2, "0".to_owned()),
                "=in=" | "=out=" => {}
                _ => vals.truncate(1),
            }
            let quoted: Vec<String> = vals
                .iter()
                .map(|v| {
                    if literal_stars {
                        rsql::Value::literal(v.as_str()).to_string()
                    } else {
                        rsql::Value::new(v.as_str()).to_string()
                    }
                })
                .collect();
            let args = if quoted.len() == 1 && !matches!(op, "=in=" | "=out=" | "=bt=" | "=nb=") {
                quoted[0].clone()
            } else {
                format!("({})", quoted.join(","))
            };
            (format!("{sel}{op}{args}"), vals)
        })
}

fn filter() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        proptest::collection::vec(comparison(), 1..4),
        proptest::collection::vec(any::<bool>(), 3),
    )
        .prop_map(|(cmps, ands)| {
            let mut text = String::new();
            let mut values = Vec::new();
            for (i, (c, v)) in cmps.into_iter().enumerate() {
                if i > 0 {
                    text.push(if ands[i - 1] { ';' } else { ',' });
                }
                text.push_str(&c);
                values.extend(v);
            }
            (text, values)
        })
}

/// Checks the rules in the module docs; `Err` names the first breach.
fn check(doc: &Value, values: &[String]) -> Result<(), String> {
    walk(doc, None, values)
}

fn walk(v: &Value, parent: Option<&str>, values: &[String]) -> Result<(), String> {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k.starts_with('$') {
                    if !OPERATORS.contains(&k.as_str()) {
                        return Err(format!("unknown operator key {k:?}"));
                    }
                } else if !is_schema_path(k) {
                    return Err(format!("key {k:?} is not a schema path"));
                }
                if k == "$date" {
                    date(child)?;
                    continue;
                }
                walk(child, Some(k), values)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|i| walk(i, parent, values)),
        Value::String(s) => match parent {
            Some(op) if LITERAL_OPS.contains(&op) => {
                if values.iter().any(|v| v == s) {
                    Ok(())
                } else {
                    Err(format!(
                        "{op} operand {s:?} is not one of the filter's values"
                    ))
                }
            }
            Some("$options") if s == "s" => Ok(()),
            Some("$regex") => regex(s, values),
            _ => Err(format!(
                "string {s:?} in a non-literal position ({parent:?})"
            )),
        },
        Value::Number(_) | Value::Bool(_) | Value::Null => Ok(()),
    }
}

fn date(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => Ok(()),
        Value::Object(m)
            if m.len() == 1
                && m.get("$numberLong")
                    .and_then(Value::as_str)
                    .is_some_and(|n| {
                        n.trim_start_matches('-')
                            .bytes()
                            .all(|b| b.is_ascii_digit())
                    }) =>
        {
            Ok(())
        }
        _ => Err(format!("bad $date {v}")),
    }
}

/// A pattern is either a decimal comparison (digits and regex syntax only)
/// or a wildcard pattern that decodes, token by token, to one of the
/// filter's values.
fn regex(p: &str, values: &[String]) -> Result<(), String> {
    let body = p
        .strip_prefix(r"\A")
        .and_then(|b| b.strip_suffix(r"\z"))
        .ok_or_else(|| format!("pattern not anchored: {p:?}"))?;
    if let Some(decoded) = wildcard(body) {
        // The literal characters, in order, are the value's: with every `*`
        // (all literal) or without them (all wildcards).
        let literal: String = decoded.chars().filter(|&c| c != WILDCARD).collect();
        let literal = literal.to_ascii_lowercase();
        let hit = values.iter().any(|v| {
            let v = v.to_ascii_lowercase();
            literal == v || literal == v.replace('*', "")
        });
        if hit {
            return Ok(());
        }
    }
    if body
        .chars()
        .all(|c| c.is_ascii_digit() || r"\.?:()|[]-{},*+".contains(c))
    {
        return Ok(());
    }
    Err(format!(
        "pattern {p:?} is neither escaped user text nor a decimal comparison"
    ))
}

/// What [`wildcard`] decodes `.*` to (a private-use character).
const WILDCARD: char = '\u{E000}';

/// Decodes an escaped wildcard pattern (`.*` → [`WILDCARD`], `\c` → `c`,
/// `\x{hh}` → the character, `[aA]` → `a`); `None` on anything else, such
/// as an unescaped metacharacter.
fn wildcard(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut it = body.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '.' if it.peek() == Some(&'*') => {
                it.next();
                out.push(WILDCARD);
            }
            '\\' => match it.next()? {
                'x' => {
                    let hex: String = it.by_ref().skip(1).take_while(|&c| c != '}').collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                e if e.is_ascii_punctuation() || e == ' ' => out.push(e),
                _ => return None,
            },
            '[' => {
                let (lo, hi, close) = (it.next()?, it.next()?, it.next()?);
                if close != ']' || lo.to_ascii_uppercase() != hi || !lo.is_ascii_lowercase() {
                    return None;
                }
                out.push(lo);
            }
            c if c.is_ascii_alphanumeric() || !c.is_ascii() => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

fn parser() -> Parser {
    Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
}

#[test]
fn hostile_values_stay_literal() {
    let schema = schema();
    let nines = "9".repeat(400);
    let cases = [
        ("s==$x", vec!["$x"]),
        ("s=='$$ROOT'", vec!["$$ROOT"]),
        ("s=in=('$where','{',.)", vec!["$where", "{", "."]),
        ("s==*$x*", vec!["*$x*"]),
        ("s=ilike='a.b$'", vec!["a.b$"]),
        (
            "meta.score=bt=($metadata.durationSec,5)",
            vec!["$metadata.durationSec", "5"],
        ),
        ("meta.score=bt=($,5)", vec!["$", "5"]),
        ("meta.score=nb=(-1,'$$ROOT')", vec!["-1", "$$ROOT"]),
        ("meta.score=gt=0.75", vec!["0.75"]),
        ("tags=out=('$x','日本')", vec!["$x", "日本"]),
        ("members.email!='$where'", vec!["$where"]),
        ("e==$x", vec!["$x"]),
        ("end!=2021-03-01", vec!["2021-03-01"]),
    ];
    for (text, values) in cases {
        let f = schema
            .compile_str(&parser(), text)
            .unwrap_or_else(|e| panic!("{text}: {e:#}"));
        let doc = f.to_mongo();
        let values: Vec<String> = values.into_iter().map(str::to_owned).collect();
        check(&doc, &values).unwrap_or_else(|e| panic!("{text}: {e}\n{doc}"));
    }
    let f = schema
        .compile_str(&parser(), &format!("meta.score=gt={nines}"))
        .unwrap();
    check(&f.to_mongo(), &[nines]).unwrap();
    // The checker itself rejects what it should.
    let bad = serde_json::json!({"$expr": {"$gt": ["$meta.score", 1]}});
    assert!(check(&bad, &[]).is_err());
    let bad = serde_json::json!({"s": {"$regex": r"\A$x\z"}});
    assert!(check(&bad, &["$x".to_owned()]).is_err());
    let bad = serde_json::json!({"$x": {"$eq": "a"}});
    assert!(check(&bad, &["a".to_owned()]).is_err());
}

proptest! {
    // About a quarter of the generated filters compile (hostile values are
    // not integers, dates or booleans): 6 000 cases check about 1 500 documents.
    #![proptest_config(ProptestConfig::with_cases(6_000))]

    /// Generated filters over every field type with hostile values.
    #[test]
    fn user_text_only_in_literal_positions((text, values) in filter()) {
        let schema = schema();
        // Filters that do not compile (a value of the wrong type, a
        // rejected key) have no output to check.
        if let Ok(f) = schema.compile_str(&parser(), &text) {
            let doc = f.to_mongo();
            if let Err(e) = check(&doc, &values) {
                prop_assert!(false, "{}: {}\n{}", text, e, doc);
            }
        }
    }
}
