//! `rusqlite::ToSql for SqlParam` and `SqlWhere::rusqlite_params` on SQLite
//! in memory.

use rsql::{Field, FieldType, Schema, SqlOptions, SqlParam};
use rusqlite::Connection;
use rusqlite::types::Value;

#[test]
fn every_variant_binds_as_its_sqlite_value() {
    let db = Connection::open_in_memory().unwrap();
    let cases: &[(SqlParam, &str, Value)] = &[
        (
            SqlParam::Text("héllo".into()),
            "text",
            Value::Text("héllo".into()),
        ),
        (SqlParam::Int(i64::MIN), "integer", Value::Integer(i64::MIN)),
        (SqlParam::Float(0.1), "real", Value::Real(0.1)),
        (SqlParam::Bool(true), "integer", Value::Integer(1)),
        (SqlParam::Bool(false), "integer", Value::Integer(0)),
        (
            SqlParam::Time(1_623_319_200_123),
            "integer",
            Value::Integer(1_623_319_200_123),
        ),
        (SqlParam::TimestampTz(-1), "integer", Value::Integer(-1)),
        (
            SqlParam::Timestamp(i64::MAX),
            "integer",
            Value::Integer(i64::MAX),
        ),
        (
            SqlParam::Numeric("-12.50".into()),
            "text",
            Value::Text("-12.50".into()),
        ),
    ];
    for (param, ty, want) in cases {
        let (got_ty, got): (String, Value) = db
            .query_row("SELECT typeof(?1), ?1", [param], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((got_ty.as_str(), &got), (*ty, want), "{param:?}");
    }
    // the SQL casts a decimal number's text; SQLite reads it as a number
    let n: f64 = db
        .query_row(
            "SELECT CAST(? AS REAL)",
            [SqlParam::Numeric("-12.50".into())],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, -12.5);
}

#[test]
fn a_compiled_filter_runs_in_one_call() {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, price REAL,
                             active INTEGER, at_ms INTEGER, meta TEXT);
         CREATE TABLE tags (item_id INTEGER, tag TEXT);
         INSERT INTO items VALUES
           (1, 'apple', 10, 1.5, 1, 1623319200000, '{\"origin\": \"fr\"}'),
           (2, 'apricot', 5, 2.5, 0, 1623319300000, '{\"origin\": \"es\"}'),
           (3, 'banana', 20, 0.5, 1, 1623319400000, NULL),
           (4, 'avocado', 7, 3.0, 1, 1623319500000, '{}');
         INSERT INTO tags VALUES (1, 'red'), (2, 'orange'), (4, 'green'), (4, 'ripe');",
    )
    .unwrap();
    let schema = Schema::builder()
        .field(Field::new("name", FieldType::String).sql_column("i.name"))
        .field(Field::new("qty", FieldType::Integer).sql_column("i.qty"))
        .field(Field::new("price", FieldType::Float).sql_column("i.price"))
        .field(Field::new("active", FieldType::Bool).sql_column("i.active"))
        .field(Field::new("at", FieldType::Timestamp).sql_column("i.at_ms"))
        .field(
            Field::new("tags", FieldType::String)
                .multi_valued()
                .sql_exists("tags g", "g.item_id = i.id", "g.tag"),
        )
        .field(Field::dynamic("meta", FieldType::String).sql_json("i.meta"))
        .build()
        .unwrap();
    let cases: &[(&str, &[i64])] = &[
        ("name==a*;qty=ge=6", &[1, 4]),
        ("price=gt=1", &[1, 2, 4]),
        ("active==false", &[2]),
        ("at=ge=2021-06-10T10:03:20Z", &[3, 4]),
        ("tags=in=(red,ripe)", &[1, 4]),
        ("tags!=red", &[2, 3, 4]),
        ("meta.origin!=fr", &[2, 3, 4]),
        ("meta.origin==e*", &[2]),
    ];
    for (text, want) in cases {
        let w = schema
            .compile(&rsql::parse(text).unwrap())
            .unwrap()
            .to_sql(&SqlOptions::sqlite())
            .unwrap();
        let mut stmt = db
            .prepare(&format!(
                "SELECT i.id FROM items i WHERE {} ORDER BY i.id",
                w.sql
            ))
            .unwrap();
        let ids: Vec<i64> = stmt
            .query_map(w.rusqlite_params(), |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, *want, "{text}");
    }
}
