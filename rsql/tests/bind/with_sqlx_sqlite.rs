//! sqlx's `Encode for SqlParam` and `SqlWhere::bind_sqlx` on SQLite in memory.

use rsql::{Field, FieldType, Schema, SqlOptions, SqlParam};
use sqlx::{Connection, SqliteConnection};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn every_variant_binds_as_its_sqlite_value() {
    runtime().block_on(async {
        let mut c = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let cases: &[(SqlParam, &str, &str)] = &[
            (SqlParam::Text("héllo".into()), "text", "héllo"),
            (SqlParam::Int(i64::MIN), "integer", "-9223372036854775808"),
            (SqlParam::Float(0.5), "real", "0.5"),
            (SqlParam::Bool(true), "integer", "1"),
            (SqlParam::Bool(false), "integer", "0"),
            (
                SqlParam::Time(1_623_319_200_123),
                "integer",
                "1623319200123",
            ),
            (SqlParam::TimestampTz(-1), "integer", "-1"),
            (
                SqlParam::Timestamp(i64::MAX),
                "integer",
                "9223372036854775807",
            ),
            (SqlParam::Numeric("-12.50".into()), "text", "-12.50"),
        ];
        for (param, ty, want) in cases {
            let got: (String, String) = sqlx::query_as("SELECT typeof(?1), CAST(?1 AS TEXT)")
                .bind(param.clone())
                .fetch_one(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{param:?}: {e}"));
            assert_eq!((got.0.as_str(), got.1.as_str()), (*ty, *want), "{param:?}");
        }
    });
}

#[test]
fn a_compiled_filter_runs_in_one_call() {
    runtime().block_on(async {
        let mut c = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, active INTEGER,
                                 at_ms INTEGER, meta TEXT);
             INSERT INTO items VALUES
               (1, 'apple', 10, 1, 1623319200000, '{\"origin\": \"fr\"}'),
               (2, 'apricot', 5, 0, 1623319300000, '{\"origin\": \"es\"}'),
               (3, 'banana', 20, 1, 1623319400000, NULL);",
        )
        .execute(&mut c)
        .await
        .unwrap();
        let schema = Schema::builder()
            .field(Field::new("name", FieldType::String).sql_column("i.name"))
            .field(Field::new("qty", FieldType::Integer).sql_column("i.qty"))
            .field(Field::new("active", FieldType::Bool).sql_column("i.active"))
            .field(Field::new("at", FieldType::Timestamp).sql_column("i.at_ms"))
            .field(Field::dynamic("meta", FieldType::String).sql_json("i.meta"))
            .build()
            .unwrap();
        let cases: &[(&str, &[i64])] = &[
            ("name==a*;qty=ge=6", &[1]),
            ("active==false", &[2]),
            ("at=gt=2021-06-10T10:01:40Z", &[3]),
            ("meta.origin!=fr", &[2, 3]),
        ];
        for (text, want) in cases {
            let w = schema
                .compile(&rsql::parse(text).unwrap())
                .unwrap()
                .to_sql(&SqlOptions::sqlite())
                .unwrap();
            let sql = format!("SELECT i.id FROM items i WHERE {} ORDER BY i.id", w.sql);
            let ids: Vec<i64> = w
                .bind_sqlx(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)))
                .fetch_all(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(ids, *want, "{text}");
        }
    });
}
