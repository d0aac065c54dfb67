//! [`Doc`]: the query document as the emitter builds it, before it is
//! written as extended JSON ([`Doc::to_json`]) or, with the `bson` feature,
//! as BSON ([`Doc::to_bson`]). Dates and integers keep their type here, so
//! BSON gets real `DateTime` and `Int64` values and JSON gets
//! `{"$date": …}` and plain numbers.

use serde_json::{Map, Number, Value};

use crate::schema::literal::format_timestamp;

/// A query-document value.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Doc {
    /// An object; keys are schema paths and operators only.
    Obj(Vec<(String, Doc)>),
    Arr(Vec<Doc>),
    Str(String),
    /// A 64-bit integer (BSON Int64).
    Int(i64),
    /// A double; the compiler only lets finite values through.
    Float(f64),
    Bool(bool),
    Null,
    /// A UTC instant in epoch milliseconds (BSON DateTime).
    Date(i64),
}

impl Doc {
    /// `{key: value}`.
    pub(super) fn one(key: impl Into<String>, value: Doc) -> Doc {
        Doc::Obj(vec![(key.into(), value)])
    }

    /// Relaxed extended JSON: dates as `{"$date": "…"}` (ISO-8601 for years
    /// 1970..=9999, `{"$numberLong": …}` otherwise), a non-finite double as
    /// `{"$numberDouble": …}` (JSON numbers cannot hold it).
    pub(super) fn to_json(&self) -> Value {
        match self {
            Doc::Obj(entries) => {
                let mut m = Map::new();
                for (k, v) in entries {
                    m.insert(k.clone(), v.to_json());
                }
                Value::Object(m)
            }
            Doc::Arr(items) => Value::Array(items.iter().map(Doc::to_json).collect()),
            Doc::Str(s) => Value::String(s.clone()),
            Doc::Int(i) => Value::Number(Number::from(*i)),
            Doc::Float(x) => match Number::from_f64(*x) {
                Some(n) => Value::Number(n),
                None => {
                    let text = if x.is_nan() {
                        "NaN"
                    } else if x.is_sign_positive() {
                        "Infinity"
                    } else {
                        "-Infinity"
                    };
                    one_json("$numberDouble", Value::String(text.to_owned()))
                }
            },
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Null => Value::Null,
            Doc::Date(ms) => {
                let inner = if (0..253_402_300_800_000).contains(ms) {
                    Value::String(format_timestamp(*ms))
                } else {
                    one_json("$numberLong", Value::String(ms.to_string()))
                };
                one_json("$date", inner)
            }
        }
    }

    /// The BSON value: `DateTime`, `Int64`, `Double`, strings, documents.
    #[cfg(feature = "bson")]
    pub(super) fn to_bson(&self) -> bson::Bson {
        use bson::Bson;
        match self {
            Doc::Obj(entries) => Bson::Document(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_bson()))
                    .collect(),
            ),
            Doc::Arr(items) => Bson::Array(items.iter().map(Doc::to_bson).collect()),
            Doc::Str(s) => Bson::String(s.clone()),
            Doc::Int(i) => Bson::Int64(*i),
            Doc::Float(x) => Bson::Double(*x),
            Doc::Bool(b) => Bson::Boolean(*b),
            Doc::Null => Bson::Null,
            Doc::Date(ms) => Bson::DateTime(bson::DateTime::from_millis(*ms)),
        }
    }
}

fn one_json(key: &str, v: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_owned(), v);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::Doc;
    use serde_json::json;

    /// Numbers JSON cannot hold are written as Extended JSON spells them
    /// (the compiler lets only finite floats into a filter; `Doc` is total
    /// all the same).
    #[test]
    fn doubles_json_cannot_hold_are_extended_json() {
        let cases = [
            (f64::INFINITY, json!({"$numberDouble": "Infinity"})),
            (f64::NEG_INFINITY, json!({"$numberDouble": "-Infinity"})),
            (f64::NAN, json!({"$numberDouble": "NaN"})),
            (2.5, json!(2.5)),
        ];
        for (x, want) in cases {
            assert_eq!(Doc::Float(x).to_json(), want, "{x}");
        }
    }
}
