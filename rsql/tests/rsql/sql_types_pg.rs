//! Typed columns, verified live: a PostgreSQL 15 table with one column of
//! each storage kind ([`SqlType`]), rows with NULLs, microsecond timestamps,
//! JSON values of the wrong type and huge decimal strings. For every
//! operator on every field, the ids the emitted SQL selects equal the ids
//! `Filter::matches` selects on the same rows held as a Rust [`Record`].
//! The untyped (epoch-ms) mapping runs on SQLite over the same rows.
//!
//! The test creates its own database with [`test_pg::TempDb`]
//! (`DATABASE_URL`, else the machine's PostgreSQL) and drops it when it
//! ends, also on failure. Parameters are bound by a small
//! local match over [`SqlParam`] that follows the type PostgreSQL inferred
//! for each placeholder.

use chrono::{DateTime, Utc};
use postgres::Client;
use postgres::types::{ToSql, Type};
use proptest::prelude::*;
use rsql::{
    Field, FieldRef, FieldType, FieldValue, Filter, Missing, Op, Operators, Parser, Policy, Record,
    Schema, SqlOptions, SqlParam, SqlType,
};
use serde_json::Value;

use test_pg::TempDb;

/// One row; timestamps in microseconds since the epoch.
#[derive(Clone, Debug, Default)]
struct Row {
    id: i32,
    ms: Option<i64>,
    tz: Option<i64>,
    ts: Option<i64>,
    name: Option<String>,
    small: Option<i16>,
    big: Option<i64>,
    r: Option<f32>,
    d: Option<f64>,
    num: Option<String>,
    inum: Option<i64>,
    flag: Option<bool>,
    doc: Option<String>,
    meta: Option<String>,
    tags: Vec<i64>,
}

/// 2021-06-10T09:30:00Z in microseconds.
const T0: i64 = 1_623_317_400_000_000;

/// A small deterministic generator (splitmix64).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<T: Clone>(&mut self, pool: &[T]) -> T {
        let i = usize::try_from(self.next() % pool.len() as u64).unwrap_or(0);
        pool[i].clone()
    }

    /// `None` one time in `n`.
    fn opt<T: Clone>(&mut self, n: u64, pool: &[T]) -> Option<T> {
        if self.next().is_multiple_of(n) {
            None
        } else {
            Some(self.pick(pool))
        }
    }
}

fn micros() -> Vec<i64> {
    let near = [
        0, 1, 999, 1_000, 1_500, 123_000, 123_456, 123_999, 124_000, -1, -999, -1_000, -1_001,
    ];
    let mut v: Vec<i64> = near.iter().map(|d| T0 + d).collect();
    // around the epoch: truncation to the millisecond goes towards the past
    v.extend([-1, -999, -1_000, -1_500, 0, 999]);
    v.push(T0 + 7_200_000_000);
    v
}

fn rows() -> Vec<Row> {
    let us = micros();
    let ms: Vec<i64> = [0, 1, -1, 123, 124, 7_200_000]
        .iter()
        .map(|d| T0 / 1000 + d)
        .chain([-1, 0])
        .collect();
    let names = ["abc", "ABC", "xabcx", "b", "50%_off", "a*b", "émile"];
    let smalls = [0i16, 5, -3, i16::MAX, i16::MIN];
    let bigs = [0i64, 5, -3, 40_000, i64::MAX, i64::MIN];
    let reals = [0.1f32, 2.5, -1.5, 0.0, f32::MAX, 1e-45];
    let doubles = [0.1f64, 2.5, -1.5, 1e300, -0.0, 1e10];
    let huge = format!("1{}", "0".repeat(400));
    let nums = [
        "0.1".to_owned(),
        "2.5".to_owned(),
        "-1.5".to_owned(),
        "-0".to_owned(),
        "10000000000".to_owned(),
        "12345678901234567890.5".to_owned(),
        huge.clone(),
        format!("-{huge}"),
    ];
    let inums = [0i64, 5, -3, 40_000, i64::MAX, i64::MIN];
    let ns = [
        "5",
        "-3",
        "0",
        "9223372036854775807",
        "123456789012345678901234567890",
        "5.5",
        "\"5\"",
        "true",
        "null",
    ];
    let xs = [
        "0.1", "2.5", "-1.5", "1e300", "5", "1e10", "\"2.5\"", "false", "null",
    ];
    let bs = ["true", "false", "\"true\"", "1", "null"];
    let ts = [
        "\"2021-06-10T09:30:00Z\"",
        "\"2021-06-10T09:30:00.123456Z\"",
        "\"2021-06-10T09:30:00.1239Z\"",
        "\"2021-06-10T11:30:00.123+02:00\"",
        "\"1969-12-31T23:59:59.9995Z\"",
        "\"2021-02-30T00:00:00Z\"",
        "\"2021-06-10 09:30:00Z\"",
        "\"0000-01-01T00:00:00Z\"",
        "\"hello\"",
        "12345",
        "true",
        "null",
    ];
    let ss = ["\"abc\"", "\"ABC\"", "\"xbx\"", "null"];
    let scores = [
        "0.75".to_owned(),
        "0.7500".to_owned(),
        "-007.10".to_owned(),
        "007.10".to_owned(),
        "-0".to_owned(),
        "0".to_owned(),
        "0.0".to_owned(),
        "-0.5".to_owned(),
        "7.1".to_owned(),
        huge.clone(),
        format!("-{}", "9".repeat(400)),
        "9".repeat(20_000),
        format!("0.{}1", "0".repeat(400)),
        "abc".to_owned(),
        String::new(),
        "1e3".to_owned(),
        "-".to_owned(),
        ".5".to_owned(),
        "5.".to_owned(),
        "1.2.3".to_owned(),
    ];
    let mut g = Gen(14);
    (1..=90)
        .map(|id| {
            let mut entries = Vec::new();
            for (key, pool) in [
                ("n", &ns[..]),
                ("x", &xs[..]),
                ("b", &bs[..]),
                ("t", &ts[..]),
                ("s", &ss[..]),
            ] {
                if let Some(v) = g.opt(6, pool) {
                    entries.push(format!("\"{key}\": {v}"));
                }
            }
            let doc = (!g.next().is_multiple_of(8))
                .then(|| format!("{{\"a\": {{{}}}}}", entries.join(", ")));
            let meta = g
                .opt(8, &scores)
                .map(|s| serde_json::json!({ "score": s, "other": "x" }).to_string());
            let ntags = g.next() % 3;
            let tags = (0..ntags).map(|_| g.pick(&us)).collect();
            Row {
                id,
                ms: g.opt(6, &ms),
                tz: g.opt(6, &us),
                ts: g.opt(6, &us),
                name: g.opt(6, &names).map(str::to_owned),
                small: g.opt(6, &smalls),
                big: g.opt(6, &bigs),
                r: g.opt(6, &reals),
                d: g.opt(6, &doubles),
                num: g.opt(6, &nums),
                inum: g.opt(6, &inums),
                flag: g.opt(4, &[true, false]),
                doc,
                meta,
                tags,
            }
        })
        .collect()
}

/// Whether `s` is a JSON timestamp as the emitter reads one (see the
/// `emit::sql` docs): `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`, a real
/// date, year ≥ 1, offset below 16 hours. Its instant in milliseconds
/// (towards the past).
fn json_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && at(10, b'T')
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19))
        || &s[0..4] == "0000"
        || &s[17..19] > "59"
    {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(f) = rest.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 6 {
            return None;
        }
        rest = &f[n..];
    }
    if rest != "Z" {
        let o = rest.as_bytes();
        let ok = o.len() == 6
            && matches!(o[0], b'+' | b'-')
            && o[3] == b':'
            && rest[1..3] <= *"15"
            && rest[4..6] <= *"59";
        if !ok {
            return None;
        }
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

fn json_at<'a>(doc: &'a Option<Value>, key: &str) -> Option<&'a Value> {
    doc.as_ref()?.get("a")?.get(key).filter(|v| !v.is_null())
}

/// A row as `Filter::matches` sees it, field names read from the schema.
struct View<'a> {
    row: &'a Row,
    doc: Option<Value>,
    meta: Option<Value>,
    schema: &'a Schema,
}

/// A value of another type than the field's: present, satisfies no test.
const WRONG: FieldValue<'static> = FieldValue::Str("<wrong type>");

fn ms_of(us: i64) -> FieldValue<'static> {
    FieldValue::Time(us.div_euclid(1000))
}

impl Record for View<'_> {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        let Some(f) = self.schema.field(field.id) else {
            return FieldValue::Missing;
        };
        let r = self.row;
        let v = match f.name() {
            "ms" | "end" => r.ms.map(FieldValue::Time),
            "tz" | "endz" => r.tz.map(ms_of),
            "ts" => r.ts.map(ms_of),
            "name" | "namec" => r.name.as_deref().map(FieldValue::Str),
            "small" => r.small.map(|x| FieldValue::Int(i64::from(x))),
            "big" => r.big.map(FieldValue::Int),
            "r" => r.r.map(|x| FieldValue::Float(f64::from(x))),
            "d" => r.d.map(FieldValue::Float),
            // a numeric beyond the double range reads as ±inf
            "num" => r
                .num
                .as_deref()
                .map(|t| FieldValue::Float(t.parse().unwrap_or(f64::NAN))),
            "inum" => r.inum.map(FieldValue::Int),
            "flag" => r.flag.map(FieldValue::Bool),
            "jn" => json_at(&self.doc, "n").map(|v| v.as_i64().map_or(WRONG, FieldValue::Int)),
            "jx" => json_at(&self.doc, "x").map(|v| v.as_f64().map_or(WRONG, FieldValue::Float)),
            "jb" | "jb2" => {
                json_at(&self.doc, "b").map(|v| v.as_bool().map_or(WRONG, FieldValue::Bool))
            }
            "jt" => json_at(&self.doc, "t").map(|v| {
                v.as_str()
                    .and_then(json_time)
                    .map_or(WRONG, FieldValue::Time)
            }),
            "js" => json_at(&self.doc, "s").map(|v| v.as_str().map_or(WRONG, FieldValue::Str)),
            "dn" => field
                .key
                .and_then(|k| json_at(&self.doc, k))
                .map(|v| v.as_i64().map_or(WRONG, FieldValue::Int)),
            "meta" => self
                .meta
                .as_ref()
                .and_then(|m| m.get(field.key?))
                .and_then(Value::as_str)
                .map(FieldValue::Str),
            _ => None,
        };
        v.unwrap_or(FieldValue::Missing)
    }

    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        match self.schema.field(field.id).map(Field::name) {
            Some("tags") => self.row.tags.iter().any(|us| f(ms_of(*us))),
            _ => f(self.get(field)),
        }
    }
}

fn pg_schema() -> Schema {
    let col = |name: &str, ty: FieldType, sql: SqlType| {
        Field::new(name, ty)
            .sql_column(format!("t.{name}"))
            .sql_type(sql)
    };
    Schema::builder()
        .field(col("ms", FieldType::Timestamp, SqlType::EpochMs))
        .field(col("tz", FieldType::Timestamp, SqlType::TimestampTz))
        .field(col("ts", FieldType::Timestamp, SqlType::Timestamp))
        .field(col("name", FieldType::String, SqlType::Text))
        // the same text in a `COLLATE "C"` column: orderings without `COLLATE "C"`
        .field(col("namec", FieldType::String, SqlType::ByteText))
        .field(col("small", FieldType::Integer, SqlType::Integer))
        .field(col("big", FieldType::Integer, SqlType::Integer))
        .field(col("r", FieldType::Float, SqlType::Float))
        .field(col("d", FieldType::Float, SqlType::Float))
        .field(col("num", FieldType::Float, SqlType::Numeric))
        .field(col("inum", FieldType::Integer, SqlType::Numeric))
        .field(col("flag", FieldType::Bool, SqlType::Boolean))
        .field(Field::new("jn", FieldType::Integer).sql_json_path("t.doc", ["a", "n"]))
        .field(Field::new("jx", FieldType::Float).sql_json_path("t.doc", ["a", "x"]))
        .field(Field::new("jb", FieldType::Bool).sql_json_path("t.doc", ["a", "b"]))
        .field(Field::new("jt", FieldType::Timestamp).sql_json_path("t.doc", ["a", "t"]))
        .field(Field::new("js", FieldType::String).sql_json_path("t.doc", ["a", "s"]))
        .field(
            Field::new("jb2", FieldType::Bool)
                .sql_column("t.doc->'a'->'b'")
                .sql_type(SqlType::Json),
        )
        .field(
            Field::dynamic("meta", FieldType::String)
                .numeric_strings()
                .sql_json("t.meta"),
        )
        // a map of integers: `dn.n` is `doc.a.n`, typed like `jn`
        .field(Field::dynamic("dn", FieldType::Integer).sql_json("(t.doc->'a')"))
        .field(
            Field::new("tags", FieldType::Timestamp)
                .multi_valued()
                .sql_exists("tags g", "g.row_id = t.id", "g.tz")
                .sql_type(SqlType::TimestampTz),
        )
        .field(
            Field::new("end", FieldType::Timestamp)
                .sql_column("t.ms")
                .when_missing(Missing::MatchesNothing),
        )
        .field(
            Field::new("endz", FieldType::Timestamp)
                .sql_column("t.tz")
                .sql_type(SqlType::TimestampTz)
                .when_missing(Missing::MatchesNothing),
        )
        .build()
        .unwrap()
}

/// The untyped mapping (no `sql_type`: epoch-ms timestamps) on SQLite, and
/// typed values in JSON text.
fn sqlite_schema() -> Schema {
    let col = |name: &str, ty: FieldType| Field::new(name, ty).sql_column(format!("t.{name}"));
    Schema::builder()
        .field(col("ms", FieldType::Timestamp))
        .field(col("name", FieldType::String))
        .field(col("small", FieldType::Integer))
        .field(col("big", FieldType::Integer))
        .field(col("d", FieldType::Float))
        .field(col("flag", FieldType::Bool))
        .field(Field::new("js", FieldType::String).sql_json_path("t.doc", ["a", "s"]))
        .field(Field::new("jn", FieldType::Integer).sql_json_path("t.doc", ["a", "n"]))
        .field(Field::new("jx", FieldType::Float).sql_json_path("t.doc", ["a", "x"]))
        .field(Field::new("jb", FieldType::Bool).sql_json_path("t.doc", ["a", "b"]))
        .field(
            Field::new("jb2", FieldType::Bool)
                .sql_column("(t.doc -> '$.a.b')")
                .sql_type(SqlType::Json),
        )
        .field(
            Field::dynamic("meta", FieldType::String)
                .numeric_strings()
                .sql_json("t.meta"),
        )
        // a map of integers: `dn.n` is `doc.a.n`, typed like `jn`
        .field(Field::dynamic("dn", FieldType::Integer).sql_json("(t.doc -> '$.a')"))
        .field(
            Field::new("tags", FieldType::Timestamp)
                .multi_valued()
                .sql_exists("tags g", "g.row_id = t.id", "g.ms"),
        )
        .field(
            Field::new("end", FieldType::Timestamp)
                .sql_column("t.ms")
                .when_missing(Missing::MatchesNothing),
        )
        .build()
        .unwrap()
}

fn literals(field: &Field) -> Vec<String> {
    let v: Vec<String> = match field.field_type() {
        FieldType::Timestamp => [
            "2021-06-10T09:30:00Z",
            "2021-06-10T09:30:00.123Z",
            "2021-06-10T09:30:00.124Z",
            "2021-06-10T09:29:59.999Z",
            "2021-06-10T11:30:00.123+02:00",
            "1969-12-31T23:59:59.999Z",
            "1970-01-01T00:00:00Z",
            "2021-06-10",
        ]
        .map(str::to_owned)
        .to_vec(),
        FieldType::Integer => [
            "0",
            "5",
            "-3",
            "40000",
            "9223372036854775807",
            "-9223372036854775808",
        ]
        .map(str::to_owned)
        .to_vec(),
        FieldType::Float => [
            "0.1",
            "2.5",
            "-1.5",
            "0",
            "1e10",
            "1e300",
            "3.4028234663852886e38",
        ]
        .map(str::to_owned)
        .to_vec(),
        FieldType::Bool => vec!["true".into(), "false".into()],
        _ if field.name() == "meta" => vec![
            "0.75".into(),
            "-007.10".into(),
            "7.1".into(),
            "0".into(),
            "-0.0".into(),
            "-0.5".into(),
            format!("1{}", "0".repeat(400)),
            format!("-{}", "9".repeat(400)),
            "abc".into(),
            "0.5".into(),
        ],
        _ => ["abc", "ABC", "*b*", "b*", r"a\*b", "50%_off", "émile"]
            .map(str::to_owned)
            .to_vec(),
    };
    v
}

/// A literal in double quotes (the literals hold no `"`; `\*` is already RSQL).
fn quote(s: &str) -> String {
    format!("\"{s}\"")
}

/// Every operator the field allows, with every literal (pairs for lists and ranges).
fn filters(schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (_, field) in schema.fields() {
        let sel = if field.name() == "dn" {
            // a key some rows hold (`doc.a.n`: integers, and values of other types)
            "dn.n".to_owned()
        } else if field.is_dynamic() {
            format!("{}.score", field.name())
        } else {
            field.name().to_owned()
        };
        let all = literals(field);
        for op in field.allowed_operators() {
            // a wildcard star only where the grammar takes one
            let wild = matches!(
                op,
                Op::Eq | Op::Ne | Op::Like | Op::NotLike | Op::ILike | Op::ICase
            );
            let lits: Vec<&String> = all
                .iter()
                .filter(|l| wild || !l.replace("\\*", "").contains('*'))
                .collect();
            match op {
                Op::IsNull | Op::NotNull => {
                    for b in ["true", "false"] {
                        out.push(format!("{sel}{}{b}", op.symbol()));
                    }
                }
                Op::In | Op::Out | Op::Between | Op::NotBetween => {
                    for (i, a) in lits.iter().enumerate() {
                        let b = lits[(i + 1) % lits.len()];
                        if op == Op::In || op == Op::Out || *a != b {
                            out.push(format!("{sel}{}({},{})", op.symbol(), quote(a), quote(b)));
                        }
                    }
                }
                _ => {
                    for a in lits.iter().copied() {
                        out.push(format!("{sel}{}{}", op.symbol(), quote(a)));
                    }
                }
            }
        }
    }
    out
}

fn parser() -> Parser {
    Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
}

fn expected(filter: &Filter, schema: &Schema, rows: &[Row]) -> Vec<i32> {
    rows.iter()
        .filter(|row| {
            let view = View {
                row,
                doc: row.doc.as_deref().map(|d| serde_json::from_str(d).unwrap()),
                meta: row
                    .meta
                    .as_deref()
                    .map(|m| serde_json::from_str(m).unwrap()),
                schema,
            };
            filter.matches(&view)
        })
        .map(|r| r.id)
        .collect()
}

/// The parameter bound as the type PostgreSQL inferred for its placeholder.
fn pg_value(p: &SqlParam, ty: &Type) -> Box<dyn ToSql + Sync> {
    let at = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).unwrap();
    match p {
        SqlParam::Text(s) | SqlParam::Numeric(s) => Box::new(s.clone()),
        SqlParam::Int(i) if *ty == Type::INT4 => Box::new(i32::try_from(*i).unwrap()),
        SqlParam::Int(i) if *ty == Type::INT2 => Box::new(i16::try_from(*i).unwrap()),
        SqlParam::Int(i) | SqlParam::Time(i) => Box::new(*i),
        SqlParam::Float(x) => Box::new(*x),
        SqlParam::Bool(b) => Box::new(*b),
        SqlParam::TimestampTz(ms) => Box::new(at(*ms)),
        SqlParam::Timestamp(ms) => Box::new(at(*ms).naive_utc()),
        other => panic!("a parameter this test does not bind: {other:?}"),
    }
}

fn setup_pg(client: &mut Client, rows: &[Row]) {
    client
        .batch_execute(
            "CREATE TABLE t (id int PRIMARY KEY, ms bigint, tz timestamptz, ts timestamp, name text,
                small smallint, big bigint, r real, d double precision, num numeric, inum numeric,
                flag boolean, doc jsonb, meta jsonb,
                namec text COLLATE \"C\" GENERATED ALWAYS AS (name) STORED);
             CREATE TABLE tags (row_id int, tz timestamptz);",
        )
        .unwrap();
    let at = |us: i64| {
        DateTime::<Utc>::from_timestamp(us.div_euclid(1_000_000), 0).unwrap()
            + chrono::Duration::microseconds(us.rem_euclid(1_000_000))
    };
    let insert = client
        .prepare(
            "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CAST($10::text AS numeric),
                CAST($11::text AS numeric), $12, CAST($13::text AS jsonb), CAST($14::text AS jsonb))",
        )
        .unwrap();
    let tag = client.prepare("INSERT INTO tags VALUES ($1, $2)").unwrap();
    for r in rows {
        let inum = r.inum.map(|i| i.to_string());
        client
            .execute(
                &insert,
                &[
                    &r.id,
                    &r.ms,
                    &r.tz.map(at),
                    &r.ts.map(|us| at(us).naive_utc()),
                    &r.name,
                    &r.small,
                    &r.big,
                    &r.r,
                    &r.d,
                    &r.num,
                    &inum,
                    &r.flag,
                    &r.doc,
                    &r.meta,
                ],
            )
            .unwrap();
        for us in &r.tags {
            client.execute(&tag, &[&r.id, &at(*us)]).unwrap();
        }
    }
}

#[test]
fn typed_columns_agree_with_matches_on_postgres() {
    let rows = rows();
    let Some(db) = TempDb::try_create("typed_columns_agree_with_matches_on_postgres", "sql_types")
    else {
        return;
    };
    let mut client = db.client();
    setup_pg(&mut client, &rows);
    let schema = pg_schema();
    let parser = parser();
    let (mut checked, mut split) = (0, 0);
    for text in filters(&schema) {
        let filter = schema
            .compile_str(&parser, &text)
            .unwrap_or_else(|e| panic!("{text}: {e:#}"));
        let w = filter
            .to_sql(&SqlOptions::postgres())
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let sql = format!("SELECT t.id FROM t WHERE {} ORDER BY t.id", w.sql);
        let stmt = client
            .prepare(&sql)
            .unwrap_or_else(|e| panic!("{text}: {sql}: {e}"));
        let values: Vec<Box<dyn ToSql + Sync>> = w
            .params
            .iter()
            .zip(stmt.params())
            .map(|(p, ty)| pg_value(p, ty))
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        let got: Vec<i32> = client
            .query(&stmt, &refs)
            .unwrap_or_else(|e| panic!("{text}: {sql} {:?}: {e}", w.params))
            .iter()
            .map(|r| r.get(0))
            .collect();
        let want = expected(&filter, &schema, &rows);
        assert_eq!(got, want, "{text}\n{sql}\n{:?}", w.params);
        checked += 1;
        if !want.is_empty() && want.len() < rows.len() {
            split += 1;
        }
    }
    eprintln!("postgres: {checked} filters, {split} select some rows but not all");
    assert!(checked > 1_000, "{checked} filters");
    assert!(
        split * 10 > checked * 7,
        "{split} of {checked} filters split the rows"
    );
}

#[test]
fn untyped_and_json_mapping_agrees_with_matches_on_sqlite() {
    let rows = rows();
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, ms INTEGER, name TEXT, small INTEGER,
            big INTEGER, d REAL, flag INTEGER, meta TEXT, doc TEXT);
         CREATE TABLE tags (row_id INTEGER, ms INTEGER);",
    )
    .unwrap();
    for r in &rows {
        db.execute(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rusqlite::params![
                r.id, r.ms, r.name, r.small, r.big, r.d, r.flag, r.meta, r.doc
            ],
        )
        .unwrap();
        for us in &r.tags {
            db.execute(
                "INSERT INTO tags VALUES (?, ?)",
                rusqlite::params![r.id, us.div_euclid(1000)],
            )
            .unwrap();
        }
    }
    let schema = sqlite_schema();
    let parser = parser();
    let (mut checked, mut split) = (0, 0);
    for text in filters(&schema) {
        let filter = schema
            .compile_str(&parser, &text)
            .unwrap_or_else(|e| panic!("{text}: {e:#}"));
        let w = filter.to_sql(&SqlOptions::sqlite()).unwrap();
        let sql = format!("SELECT t.id FROM t WHERE {} ORDER BY t.id", w.sql);
        let mut stmt = db
            .prepare(&sql)
            .unwrap_or_else(|e| panic!("{text}: {sql}: {e}"));
        let values: Vec<rusqlite::types::Value> = w
            .params
            .iter()
            .map(|p| match p {
                SqlParam::Text(s) => rusqlite::types::Value::Text(s.clone()),
                SqlParam::Int(i) | SqlParam::Time(i) => rusqlite::types::Value::Integer(*i),
                SqlParam::Float(x) => rusqlite::types::Value::Real(*x),
                SqlParam::Bool(b) => rusqlite::types::Value::Integer(i64::from(*b)),
                other => panic!("{text}: SQLite got {other:?}"),
            })
            .collect();
        let got: Vec<i32> = stmt
            .query_map(rusqlite::params_from_iter(values), |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{text}: {sql}: {e}"));
        let want = expected(&filter, &schema, &rows);
        assert_eq!(got, want, "{text}\n{sql}\n{:?}", w.params);
        checked += 1;
        if !want.is_empty() && want.len() < rows.len() {
            split += 1;
        }
    }
    eprintln!("sqlite: {checked} filters, {split} select some rows but not all");
    assert!(checked > 500, "{checked} filters");
    assert!(
        split * 10 > checked * 7,
        "{split} of {checked} filters split the rows"
    );
}

/// SQLite has no translation for PostgreSQL-only storage: a typed error.
#[test]
fn postgres_only_storage_is_an_error_on_sqlite() {
    let schema = pg_schema();
    for f in [
        "tz==2021-06-10",
        "num=gt=1",
        "jt==2021-06-10",
        "tags=lt=2021-06-10",
    ] {
        let err = schema
            .compile_str(&parser(), f)
            .unwrap()
            .to_sql(&SqlOptions::sqlite())
            .unwrap_err();
        assert!(
            matches!(err, rsql::EmitError::UnsupportedSqlType { .. }),
            "{f}: {err}"
        );
    }
}

/// One stored text as a record of the one-field schema below.
struct Text<'a>(&'a str);

impl Record for Text<'_> {
    fn get(&self, _: FieldRef<'_>) -> FieldValue<'_> {
        FieldValue::Str(self.0)
    }
}

/// A decimal with sign, leading and trailing zeros, up to 40 digits a side;
/// or a string that is not one.
fn decimal_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => ("-?", "0{0,2}[0-9]{1,40}", proptest::option::of("[0-9]{1,40}0{0,2}"))
            .prop_map(|(sign, int, frac)| match frac {
                Some(f) => format!("{sign}{int}.{f}"),
                None => format!("{sign}{int}"),
            }),
        1 => "-?0{1,3}(\\.0{1,3})?",
        1 => "[-.0-9a]{0,5}",
    ]
}

/// The exact decimal ordering, on PostgreSQL and SQLite, agrees with
/// `Filter::matches` for 1 000 random decimals (and non-decimals) of up to
/// 80 digits, every ordering operator.
#[test]
fn exact_decimal_ordering_agrees() {
    let Some(db) = TempDb::try_create("exact_decimal_ordering_agrees", "sql_decimal") else {
        return;
    };
    let client = std::cell::RefCell::new(db.client());
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    let schema = Schema::builder()
        .field(
            Field::new("v", FieldType::String)
                .numeric_strings()
                .sql_column("t.v"),
        )
        .build()
        .unwrap();
    let cases = (
        decimal_text(),
        decimal_text().prop_filter("a literal", |s| !s.is_empty()),
        prop::sample::select(vec!["=lt=", "=le=", "=gt=", "=ge="]),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(1_000));
    let result = runner.run(&cases, |(stored, lit, op)| {
        let filter = schema
            .compile_str(&parser(), &format!("v{op}{}", quote(&lit)))
            .unwrap();
        let want = filter.matches(&Text(&stored));

        let w = filter
            .to_sql(&SqlOptions::postgres().with_first_placeholder(2))
            .unwrap();
        let sql = format!(
            "SELECT count(*) FROM (SELECT CAST($1 AS text) AS v) t WHERE {}",
            w.sql
        );
        let mut client = client.borrow_mut();
        let stmt = client.prepare(&sql).unwrap();
        let mut values: Vec<Box<dyn ToSql + Sync>> = vec![Box::new(stored.clone())];
        values.extend(
            w.params
                .iter()
                .zip(&stmt.params()[1..])
                .map(|(p, ty)| pg_value(p, ty)),
        );
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        let got_pg = client.query_one(&stmt, &refs).unwrap().get::<_, i64>(0) == 1;
        prop_assert_eq!(
            got_pg,
            want,
            "postgres: {:?} {} {:?}\n{}",
            stored,
            op,
            lit,
            sql
        );

        let w = filter.to_sql(&SqlOptions::sqlite()).unwrap();
        let sql = format!(
            "SELECT count(*) FROM (SELECT CAST(? AS TEXT) AS v) t WHERE {}",
            w.sql
        );
        let mut values = vec![rusqlite::types::Value::Text(stored.clone())];
        values.extend(w.params.iter().map(|p| match p {
            SqlParam::Text(s) => rusqlite::types::Value::Text(s.clone()),
            SqlParam::Int(i) => rusqlite::types::Value::Integer(*i),
            other => panic!("{other:?}"),
        }));
        let got_lite: i64 = lite
            .query_row(&sql, rusqlite::params_from_iter(values), |r| r.get(0))
            .unwrap();
        prop_assert_eq!(
            got_lite == 1,
            want,
            "sqlite: {:?} {} {:?}\n{}",
            stored,
            op,
            lit,
            sql
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
