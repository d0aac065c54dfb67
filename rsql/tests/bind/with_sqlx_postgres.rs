//! sqlx's `Encode for SqlParam` on a real PostgreSQL: the type each variant
//! declares, the value PostgreSQL receives, the range error, and
//! `SqlWhere::bind_sqlx` end to end.

use std::str::FromStr;

use rsql::{Field, FieldType, Schema, SqlOptions, SqlParam, SqlType};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use test_pg::TempDb;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn connect(db: &TempDb) -> PgConnection {
    let options = PgConnectOptions::from_str(db.server())
        .unwrap()
        .database(db.name());
    PgConnection::connect_with(&options).await.unwrap()
}

#[test]
fn every_variant_declares_its_type() {
    let Some(db) = TempDb::try_create("every_variant_declares_its_type", "sqlx_types") else {
        return;
    };
    runtime().block_on(async {
        let mut c = connect(&db).await;
        sqlx::raw_sql("SET TIME ZONE 'UTC'")
            .execute(&mut c)
            .await
            .unwrap();
        let cases: &[(SqlParam, &str, &str)] = &[
            (SqlParam::Text("héllo".into()), "text", "héllo"),
            (
                SqlParam::Int(-9_007_199_254_740_993),
                "bigint",
                "-9007199254740993",
            ),
            (SqlParam::Float(0.1), "double precision", "0.1"),
            (SqlParam::Bool(true), "boolean", "true"),
            (SqlParam::Time(1_623_319_200_123), "bigint", "1623319200123"),
            (
                SqlParam::TimestampTz(1_623_319_200_123),
                "timestamp with time zone",
                "2021-06-10 10:00:00.123+00",
            ),
            (
                SqlParam::Timestamp(1_623_319_200_123),
                "timestamp without time zone",
                "2021-06-10 10:00:00.123",
            ),
            (SqlParam::Numeric("-12.50".into()), "text", "-12.50"),
        ];
        for (param, ty, want) in cases {
            // Not persistent: sqlx keeps one prepared statement per SQL text,
            // typed by the first call's parameters, and these differ.
            let got: (String, String) = sqlx::query_as("SELECT pg_typeof($1)::text, $1::text")
                .bind(param.clone())
                .persistent(false)
                .fetch_one(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{param:?}: {e}"));
            assert_eq!((got.0.as_str(), got.1.as_str()), (*ty, *want), "{param:?}");
        }
        // a decimal number goes to numeric through the SQL's cast, exactly
        let n: String = sqlx::query_scalar("SELECT CAST($1 AS numeric)::text")
            .bind(SqlParam::Numeric(format!("1{}.5", "0".repeat(400))))
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(n, format!("1{}.5", "0".repeat(400)));
        // an int8 parameter against an int4 / int2 column compares as numbers
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (VALUES (7::int2, 70000::int4)) v(a, b) WHERE a = $1 AND b = $2",
        )
        .bind(SqlParam::Int(7))
        .bind(SqlParam::Int(70_000))
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!(n, 1);
    });
}

#[test]
fn instants_beyond_postgres_fail_the_query() {
    let Some(db) = TempDb::try_create("instants_beyond_postgres_fail_the_query", "sqlx_range")
    else {
        return;
    };
    runtime().block_on(async {
        let mut c = connect(&db).await;
        for param in [
            SqlParam::TimestampTz(i64::MAX),
            SqlParam::Timestamp(-211_813_488_000_000 + 946_684_800_000 - 1),
        ] {
            let err = sqlx::query("SELECT $1")
                .bind(param.clone())
                .execute(&mut c)
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains("Encoding argument $1 failed"), "{err}");
            assert!(
                err.contains("does not fit the placeholder's type timestamp"),
                "{err}"
            );
        }
    });
}

#[test]
fn a_compiled_filter_runs_in_one_call() {
    let Some(db) = TempDb::try_create("a_compiled_filter_runs_in_one_call", "sqlx_filter") else {
        return;
    };
    runtime().block_on(async {
        let mut c = connect(&db).await;
        sqlx::raw_sql(
            "CREATE TABLE items (id int PRIMARY KEY, name text, qty int4, price real,
                                 active boolean, at_ms bigint, meta jsonb);
             CREATE TABLE tags (item_id int, tag text);
             INSERT INTO items VALUES
               (1, 'apple', 10, 1.5, true, 1623319200000, '{\"origin\": \"fr\"}'),
               (2, 'apricot', 5, 2.5, false, 1623319300000, '{\"origin\": \"es\"}'),
               (3, 'banana', 20, 0.5, true, 1623319400000, NULL),
               (4, 'avocado', 7, 3.0, true, 1623319500000, '{}');
             INSERT INTO tags VALUES (1, 'red'), (2, 'orange'), (4, 'green'), (4, 'ripe');",
        )
        .execute(&mut c)
        .await
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
        let cases: &[(&str, &[i32])] = &[
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
                .to_sql(&SqlOptions::postgres())
                .unwrap();
            let sql = format!("SELECT i.id FROM items i WHERE {} ORDER BY i.id", w.sql);
            let ids: Vec<i32> = w
                .bind_sqlx(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)))
                .fetch_all(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(ids, *want, "{text}");
        }
        c.close().await.unwrap();
    });
}

#[test]
fn typed_columns_bind_in_one_call() {
    let Some(db) = TempDb::try_create("typed_columns_bind_in_one_call", "sqlx_typed") else {
        return;
    };
    runtime().block_on(async {
        let mut c = connect(&db).await;
        sqlx::raw_sql(
            "CREATE TABLE ev (id int PRIMARY KEY, tz timestamptz, ts timestamp, amount numeric);
             INSERT INTO ev VALUES
               (1, '2021-06-10T10:00:00.000Z', '2021-06-10 10:00:00.000', 12.50),
               (2, '2021-06-10T10:00:00.001Z', '2021-06-10 10:00:00.001', 12.4),
               (3, NULL, NULL, NULL);",
        )
        .execute(&mut c)
        .await
        .unwrap();
        let schema = Schema::builder()
            .field(
                Field::new("tz", FieldType::Timestamp)
                    .sql_column("e.tz")
                    .sql_type(SqlType::TimestampTz),
            )
            .field(
                Field::new("ts", FieldType::Timestamp)
                    .sql_column("e.ts")
                    .sql_type(SqlType::Timestamp),
            )
            .field(
                Field::new("amount", FieldType::Float)
                    .sql_column("e.amount")
                    .sql_type(SqlType::Numeric),
            )
            .build()
            .unwrap();
        let cases: &[(&str, &[i32])] = &[
            ("tz=gt=2021-06-10T10:00:00Z", &[2]),
            ("ts=le=2021-06-10T10:00:00Z", &[1]),
            ("ts!=2021-06-10T10:00:00Z", &[2, 3]),
            ("amount=ge=12.45", &[1]),
        ];
        for (text, want) in cases {
            let w = schema
                .compile(&rsql::parse(text).unwrap())
                .unwrap()
                .to_sql(&SqlOptions::postgres())
                .unwrap();
            let sql = format!("SELECT e.id FROM ev e WHERE {} ORDER BY e.id", w.sql);
            let ids: Vec<i32> = w
                .bind_sqlx(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)))
                .fetch_all(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(ids, *want, "{text}");
        }
        c.close().await.unwrap();
    });
}
