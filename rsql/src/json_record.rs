//! [`JsonRecord`]: a JSON document (`serde_json::Value`) read as a
//! [`Record`] through a [`Schema`] (feature `json`).
//!
//! There is no `impl Record for serde_json::Value`: a record is asked for a
//! [`FieldId`](crate::FieldId), and only a schema knows which path that id
//! means. A `JsonRecord` pairs the two, borrowing both; it is a pair of
//! references, built per document for free.

use serde_json::Value;

use crate::eval::{FieldValue, Record};
use crate::schema::{Field, FieldRef, FieldType, MongoPath, Schema};

/// A JSON document seen as a [`Record`] of `schema`: each field is looked
/// up at its MongoDB path ([`Field::mongo_path`], [`Field::mongo_elem`]; the
/// field's name when it has neither), so the document the Mongo emitter
/// queries is the one this evaluates, with [`Filter::matches`](crate::Filter::matches)'s semantics.
///
/// * **Paths** are dotted: each segment is a key of an object. A dynamic
///   field's key is one more segment (`metadata.region` reads
///   `{"metadata": {"region": …}}`).
/// * **Missing** means exactly: a segment of the path is not a key of an
///   object (the key is absent, or what holds it is not an object), or the
///   value is `null`.
/// * **Multi-valued fields** walk the path through arrays, as MongoDB does:
///   `members.email` (or `mongo_elem("members", "email")`) visits the
///   `email` of every object in the `members` array, and a value that is an
///   array contributes each element. `null`s and absent keys add no value;
///   an array that is empty or absent has no value.
/// * **Values** are read by type: a string is `Str`, except on a
///   timestamp field, where an RFC 3339 string (any offset, fractions of a
///   millisecond truncated), an integer (epoch milliseconds) and
///   `{"$date": <either>}` (MongoDB's extended JSON) are `Time`. A number is
///   `Int` when it is an integer in `i64` range (also written `3.0`) and
///   `Float` otherwise; `true`/`false` are `Bool`.
/// * **A value of another type** than the field's (a number in a string
///   field, a string that is not a date in a timestamp field, an object or
///   array where a plain field expects a scalar) is present, so
///   `=isnull=false` holds, but it satisfies no comparison: positive
///   operators are false and negations true, as in MongoDB, where `5` is
///   not `"5"`.
///
/// ```
/// use rsql::{Field, FieldType, FieldValue, JsonRecord, Operators, Parser, Policy, Record, Schema};
/// use serde_json::json;
///
/// let schema = Schema::builder()
///     .field(Field::new("conversation.startTime", FieldType::Timestamp).mongo_path("startTime"))
///     .field(Field::new("conversation.endTime", FieldType::Timestamp).mongo_path("endTime"))
///     .field(Field::new("members.email", FieldType::String)
///         .multi_valued()
///         .mongo_elem("members", "email"))
///     .field(Field::dynamic("metadata", FieldType::String).numeric_strings())
///     .build()?;
/// let doc = json!({
///     "startTime": "2021-03-12T15:00:02.500Z",
///     "endTime": null,
///     "members": [{"email": "a@x.io"}, {"name": "no email"}, {"email": "b@y.io"}],
///     "metadata": {"score": "10", "count": 3},
/// });
/// let record = JsonRecord::new(&schema, &doc);
/// let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
/// let holds = |f: &str| -> Result<bool, rsql::Error> {
///     Ok(schema.compile_str(&parser, f)?.matches(&record))
/// };
/// assert!(holds("conversation.startTime=ge=2021-03-12T15:00:02.500Z")?);
/// assert!(holds("conversation.endTime=isnull=true")?);      // null is missing
/// assert!(holds("members.email==b@y.io")?);                  // any member
/// assert!(holds("metadata.score=gt=9")?);                    // numeric strings
/// assert!(!holds("metadata.count==3")?);                     // a number is not text…
/// assert!(holds("metadata.count=isnull=false")?);            // …but it is there
/// let score = schema.resolve("metadata.score").expect("a dynamic field");
/// assert_eq!(schema.json_record(&doc).get(score), FieldValue::Str("10"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct JsonRecord<'a> {
    schema: &'a Schema,
    value: &'a Value,
}

impl<'a> JsonRecord<'a> {
    /// `value` read through `schema` (nothing is copied or checked up front).
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("n", rsql::FieldType::Integer))
    ///     .build()?;
    /// let doc = serde_json::json!({"n": 3});
    /// let filter = schema.compile(&rsql::parse("n=gt=2")?)?;
    /// assert!(filter.matches(&rsql::JsonRecord::new(&schema, &doc)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(schema: &'a Schema, value: &'a Value) -> JsonRecord<'a> {
        JsonRecord { schema, value }
    }

    /// The document.
    ///
    /// ```
    /// let schema = rsql::Schema::builder().build()?;
    /// let doc = serde_json::json!({});
    /// assert_eq!(schema.json_record(&doc).value(), &doc);
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn value(&self) -> &'a Value {
        self.value
    }
}

impl Schema {
    /// `value` read as a record of this schema: [`JsonRecord::new`]`(self, value)`.
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("a.b", rsql::FieldType::Bool))
    ///     .build()?;
    /// let doc = serde_json::json!({"a": {"b": true}});
    /// assert!(schema.compile(&rsql::parse("a.b==true")?)?.matches(&schema.json_record(&doc)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn json_record<'a>(&'a self, value: &'a Value) -> JsonRecord<'a> {
        JsonRecord::new(self, value)
    }
}

/// The dotted path of `field` from the document root (an element path is
/// the array's path and the path inside each element).
fn path_of(field: &Field) -> (&str, Option<&str>) {
    match &field.mongo {
        Some(MongoPath::Path(p)) => (p, None),
        Some(MongoPath::Elem { array, field }) => (array, Some(field)),
        None => (field.name(), None),
    }
}

/// The value at `path` through objects only; `None` when a segment is not
/// a key of an object.
fn at_path<'v>(mut v: &'v Value, path: &str) -> Option<&'v Value> {
    for seg in path.split('.') {
        v = v.as_object()?.get(seg)?;
    }
    Some(v)
}

/// Calls `f` on every value at `path`, walking through arrays on the way and
/// at the end (one level, as MongoDB does); stops when `f` returns `true`.
fn visit<'v>(v: &'v Value, path: &str, f: &mut dyn FnMut(&'v Value) -> bool) -> bool {
    match v {
        Value::Array(items) => items.iter().any(|item| match item {
            Value::Object(_) if !path.is_empty() => visit(item, path, f),
            _ if path.is_empty() => f(item),
            _ => false,
        }),
        Value::Object(map) if !path.is_empty() => {
            let (seg, rest) = path.split_once('.').unwrap_or((path, ""));
            map.get(seg).is_some_and(|next| visit(next, rest, f))
        }
        _ if path.is_empty() => f(v),
        _ => false,
    }
}

/// Present, of no type any comparison accepts: `NaN` is not equal to,
/// less than or greater than anything, so every positive test fails.
const OTHER: FieldValue<'static> = FieldValue::Float(f64::NAN);

/// The integer an `f64` stands for exactly, if any.
fn integral(x: f64) -> Option<i64> {
    // 2^63 as f64; every f64 in [-2^63, 2^63) with no fraction is an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if x.fract() == 0.0 && (-LIMIT..LIMIT).contains(&x) {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "checked: integral and in range"
        )]
        Some(x as i64)
    } else {
        None
    }
}

/// A JSON scalar as a value of a field of type `ty`.
fn scalar<'v>(ty: &FieldType, v: &'v Value) -> FieldValue<'v> {
    let time = *ty == FieldType::Timestamp;
    match v {
        Value::Null => FieldValue::Missing,
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::String(s) if time => chrono::DateTime::parse_from_rfc3339(s)
            .map_or(FieldValue::Str(s), |t| {
                FieldValue::Time(t.timestamp_millis())
            }),
        Value::String(s) => FieldValue::Str(s),
        Value::Number(n) => {
            let int = n.as_i64().or_else(|| n.as_f64().and_then(integral));
            match (int, time) {
                (Some(i), true) => FieldValue::Time(i),
                (Some(i), false) => FieldValue::Int(i),
                (None, _) => n.as_f64().map_or(OTHER, FieldValue::Float),
            }
        }
        Value::Object(map) if time && map.len() == 1 => match map.get("$date") {
            Some(inner @ (Value::String(_) | Value::Number(_))) => scalar(ty, inner),
            _ => OTHER,
        },
        Value::Array(_) | Value::Object(_) => OTHER,
    }
}

impl JsonRecord<'_> {
    fn each_value(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        let Some(decl) = self.schema.field(field.id) else {
            return false;
        };
        if !decl.is_multi_valued() {
            return f(self.get(field));
        }
        let ty = decl.field_type();
        let (base, inner) = path_of(decl);
        let mut leaf = |v: &Value| match scalar(ty, v) {
            FieldValue::Missing => false,
            value => f(value),
        };
        match inner {
            Some(inner) => visit(self.value, base, &mut |elem: &Value| {
                visit(elem, inner, &mut leaf)
            }),
            None => visit(self.value, base, &mut leaf),
        }
    }
}

impl Record for JsonRecord<'_> {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        let Some(decl) = self.schema.field(field.id) else {
            return FieldValue::Missing;
        };
        if decl.is_multi_valued() {
            // Read through `each`.
            return FieldValue::Missing;
        }
        let (base, inner) = path_of(decl);
        let mut v = at_path(self.value, base);
        if let Some(inner) = inner {
            v = v.and_then(|v| at_path(v, inner));
        }
        if let Some(key) = field.key {
            v = v.and_then(|v| v.as_object()?.get(key));
        }
        v.map_or(FieldValue::Missing, |v| scalar(decl.field_type(), v))
    }

    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        self.each_value(field, f)
    }
}
