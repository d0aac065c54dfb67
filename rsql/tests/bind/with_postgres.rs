//! `postgres_types::ToSql for SqlParam` on a real PostgreSQL: every variant
//! into every type it can be written as, the errors, PostgreSQL's own type
//! inference from columns, and a compiled filter end to end.

use postgres::types::{ToSql, Type};
use rsql::{BindError, Field, FieldType, Schema, SqlOptions, SqlParam, SqlType};

use test_pg::TempDb;

/// `SELECT <select>` with `$1` declared as `ty` and bound to `param`; the
/// first column as text.
fn round_trip(client: &mut postgres::Client, select: &str, ty: Type, param: &SqlParam) -> String {
    let stmt = client
        .prepare_typed(
            &format!("SELECT ({select})::text"),
            std::slice::from_ref(&ty),
        )
        .unwrap();
    assert_eq!(stmt.params(), std::slice::from_ref(&ty), "{select}");
    let row = client
        .query_one(&stmt, &[param])
        .unwrap_or_else(|e| panic!("{param:?} as {ty}: {e}"));
    row.get(0)
}

/// The `BindError` binding `param` as `ty` fails with.
fn bind_error(client: &mut postgres::Client, ty: Type, param: &SqlParam) -> (BindError, String) {
    let stmt = client
        .prepare_typed("SELECT $1::text", std::slice::from_ref(&ty))
        .unwrap();
    let err = client.query_one(&stmt, &[param]).unwrap_err();
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<BindError>())
        .unwrap_or_else(|| panic!("{param:?} as {ty}: not a BindError: {err}"));
    (source.clone(), err.to_string())
}

#[test]
fn every_variant_into_every_type_it_can_be() {
    let Some(db) = TempDb::try_create("every_variant_into_every_type_it_can_be", "pg_types") else {
        return;
    };
    let mut c = db.client();
    c.batch_execute("SET TIME ZONE 'UTC'").unwrap();
    let cases: &[(&str, Type, SqlParam, &str)] = &[
        (
            "$1",
            Type::INT8,
            SqlParam::Int(-9_007_199_254_740_993),
            "-9007199254740993",
        ),
        (
            "$1",
            Type::INT4,
            SqlParam::Int(-2_147_483_648),
            "-2147483648",
        ),
        ("$1", Type::INT2, SqlParam::Int(32_767), "32767"),
        ("$1", Type::FLOAT8, SqlParam::Float(0.1), "0.1"),
        ("$1", Type::FLOAT4, SqlParam::Float(0.1), "0.1"),
        (
            "$1",
            Type::FLOAT4,
            SqlParam::Float(f64::INFINITY),
            "Infinity",
        ),
        (
            "$1",
            Type::TEXT,
            SqlParam::Text("héllo 'x'".into()),
            "héllo 'x'",
        ),
        ("$1", Type::VARCHAR, SqlParam::Text("héllo".into()), "héllo"),
        ("$1", Type::BPCHAR, SqlParam::Text("ab".into()), "ab"),
        ("$1", Type::NAME, SqlParam::Text("a_name".into()), "a_name"),
        ("$1", Type::BOOL, SqlParam::Bool(true), "true"),
        ("$1", Type::BOOL, SqlParam::Bool(false), "false"),
        (
            "$1",
            Type::INT8,
            SqlParam::Time(1_623_319_200_123),
            "1623319200123",
        ),
        ("$1", Type::INT4, SqlParam::Time(-86_400_000), "-86400000"),
        (
            "$1",
            Type::TIMESTAMPTZ,
            SqlParam::TimestampTz(1_623_319_200_123),
            "2021-06-10 10:00:00.123+00",
        ),
        (
            "$1",
            Type::TIMESTAMPTZ,
            SqlParam::TimestampTz(-1),
            "1969-12-31 23:59:59.999+00",
        ),
        (
            "$1",
            Type::TIMESTAMP,
            SqlParam::Timestamp(1_623_319_200_123),
            "2021-06-10 10:00:00.123",
        ),
        // the earliest instant PostgreSQL holds
        (
            "$1",
            Type::TIMESTAMPTZ,
            SqlParam::TimestampTz(-211_813_488_000_000 + 946_684_800_000),
            "4714-11-24 00:00:00+00 BC",
        ),
        // the SQL casts a decimal number from text, exactly
        (
            "CAST($1 AS numeric)",
            Type::TEXT,
            SqlParam::Numeric("-12.50".into()),
            "-12.50",
        ),
        (
            "CAST($1 AS numeric)",
            Type::TEXT,
            SqlParam::Numeric(format!("1{}.5", "0".repeat(400))),
            &format!("1{}.5", "0".repeat(400)),
        ),
        ("$1", Type::VARCHAR, SqlParam::Numeric("7".into()), "7"),
    ];
    for (select, ty, param, want) in cases {
        assert_eq!(
            round_trip(&mut c, select, ty.clone(), param),
            *want,
            "{param:?} as {ty}"
        );
    }
    // an instant in a timestamptz placeholder is the same instant whatever
    // the session's time zone
    c.batch_execute("SET TIME ZONE 'America/New_York'").unwrap();
    let ms = round_trip(
        &mut c,
        "(extract(epoch FROM $1) * 1000)::bigint",
        Type::TIMESTAMPTZ,
        &SqlParam::TimestampTz(1_623_319_200_123),
    );
    assert_eq!(ms, "1623319200123");
}

#[test]
fn unknown_placeholders_take_text() {
    // PostgreSQL reports `unknown` for some untyped placeholders; a server
    // never describes a statement so, hence the direct call.
    let mut buf = bytes::BytesMut::new();
    let param = SqlParam::Text("x".into());
    param.to_sql_checked(&Type::UNKNOWN, &mut buf).unwrap();
    assert_eq!(&buf[..], b"x");
    let mut buf = bytes::BytesMut::new();
    SqlParam::Numeric("1.5".into())
        .to_sql_checked(&Type::UNKNOWN, &mut buf)
        .unwrap();
    assert_eq!(&buf[..], b"1.5");
}

#[test]
fn values_that_do_not_fit_are_range_errors() {
    let Some(db) = TempDb::try_create("values_that_do_not_fit_are_range_errors", "pg_range") else {
        return;
    };
    let mut c = db.client();
    let cases: &[(Type, SqlParam)] = &[
        (Type::INT2, SqlParam::Int(32_768)),
        (Type::INT2, SqlParam::Int(-32_769)),
        (Type::INT4, SqlParam::Int(2_147_483_648)),
        (Type::INT4, SqlParam::Time(1_623_319_200_000)),
        (Type::FLOAT4, SqlParam::Float(1e300)),
        (Type::TIMESTAMPTZ, SqlParam::TimestampTz(i64::MAX)),
        (
            Type::TIMESTAMPTZ,
            SqlParam::TimestampTz(-211_813_488_000_000 + 946_684_800_000 - 1),
        ),
        (Type::TIMESTAMP, SqlParam::Timestamp(i64::MIN)),
    ];
    for (ty, param) in cases {
        let (err, message) = bind_error(&mut c, ty.clone(), param);
        assert_eq!(
            err,
            BindError::OutOfRange {
                param: param.clone(),
                sql_type: ty.name().to_owned()
            }
        );
        // the driver names the placeholder (from 0), rsql the value and the type
        assert_eq!(message, "error serializing parameter 0");
        assert!(
            err.to_string()
                .ends_with(&format!("the placeholder's type {}", ty.name())),
            "{err}"
        );
    }
    let (err, _) = bind_error(&mut c, Type::INT2, &SqlParam::Int(40_000));
    assert_eq!(
        err.to_string(),
        "the integer 40000 does not fit the placeholder's type int2"
    );
}

#[test]
fn kinds_a_placeholder_cannot_hold_are_type_errors() {
    let Some(db) = TempDb::try_create(
        "kinds_a_placeholder_cannot_hold_are_type_errors",
        "pg_wrong",
    ) else {
        return;
    };
    let mut c = db.client();
    let cases: &[(Type, SqlParam)] = &[
        (Type::INT8, SqlParam::Text("1".into())),
        (Type::TEXT, SqlParam::Int(1)),
        (Type::INT8, SqlParam::Float(1.0)),
        (Type::TEXT, SqlParam::Bool(true)),
        (Type::INT2, SqlParam::Time(1)),
        (Type::TIMESTAMPTZ, SqlParam::Time(1)),
        (Type::TIMESTAMP, SqlParam::TimestampTz(1)),
        (Type::TIMESTAMPTZ, SqlParam::Timestamp(1)),
        (Type::FLOAT8, SqlParam::Int(1)),
    ];
    for (ty, param) in cases {
        let (err, _) = bind_error(&mut c, ty.clone(), param);
        assert_eq!(
            err,
            BindError::WrongType {
                param: param.clone(),
                sql_type: ty.name().to_owned()
            }
        );
    }
    // `accepts` is honest: only types some parameter can be written as
    for ty in [
        Type::JSONB,
        Type::NUMERIC,
        Type::BYTEA,
        Type::DATE,
        Type::UUID,
    ] {
        assert!(!<SqlParam as ToSql>::accepts(&ty), "{ty}");
    }
}

#[test]
fn placeholders_take_their_column_type() {
    let Some(db) = TempDb::try_create("placeholders_take_their_column_type", "pg_infer") else {
        return;
    };
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE t (i2 int2, i4 int4, i8 int8, f4 real, f8 double precision, tx text,
                         vc varchar(10), bp char(5), nm name, b boolean, tz timestamptz,
                         ts timestamp, n numeric);
         INSERT INTO t VALUES (7, 70000, 7000000000, 0.5, 0.1, 'x', 'y', 'z', 'w', true,
                               '2021-06-10T10:00:00.123Z', '2021-06-10 10:00:00.123', 12.5);",
    )
    .unwrap();
    let cases: &[(&str, Type, SqlParam)] = &[
        ("i2 = $1", Type::INT2, SqlParam::Int(7)),
        ("i4 = $1", Type::INT4, SqlParam::Int(70_000)),
        ("i8 = $1", Type::INT8, SqlParam::Int(7_000_000_000)),
        ("f4 = $1", Type::FLOAT4, SqlParam::Float(0.5)),
        ("f8 = $1", Type::FLOAT8, SqlParam::Float(0.1)),
        ("tx = $1", Type::TEXT, SqlParam::Text("x".into())),
        // varchar compares as text
        ("vc = $1", Type::TEXT, SqlParam::Text("y".into())),
        ("bp = $1", Type::BPCHAR, SqlParam::Text("z".into())),
        ("nm = $1", Type::NAME, SqlParam::Text("w".into())),
        ("b = $1", Type::BOOL, SqlParam::Bool(true)),
        (
            "tz = $1",
            Type::TIMESTAMPTZ,
            SqlParam::TimestampTz(1_623_319_200_123),
        ),
        (
            "ts = $1",
            Type::TIMESTAMP,
            SqlParam::Timestamp(1_623_319_200_123),
        ),
        ("i8 > $1", Type::INT8, SqlParam::Time(1)),
        (
            "n = CAST($1::text AS numeric)",
            Type::TEXT,
            SqlParam::Numeric("12.50".into()),
        ),
    ];
    for (cond, ty, param) in cases {
        let stmt = c
            .prepare(&format!("SELECT count(*) FROM t WHERE {cond}"))
            .unwrap();
        assert_eq!(stmt.params(), std::slice::from_ref(ty), "{cond}");
        let n: i64 = c.query_one(&stmt, &[param]).unwrap().get(0);
        assert_eq!(n, 1, "{cond} with {param:?}");
    }
    // an int4 column and an integer beyond it: an error, not a wrapped value
    let err = c
        .query_one(
            "SELECT count(*) FROM t WHERE i4 = $1",
            &[&SqlParam::Int(1 << 33)],
        )
        .unwrap_err();
    let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<BindError>());
    assert_eq!(
        source.map(ToString::to_string).as_deref(),
        Some("the integer 8589934592 does not fit the placeholder's type int4")
    );
}

#[test]
fn a_compiled_filter_runs_in_one_call() {
    let Some(db) = TempDb::try_create("a_compiled_filter_runs_in_one_call", "pg_filter") else {
        return;
    };
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE items (id int PRIMARY KEY, name text, qty int4, small int2, price real,
                             weight double precision, active boolean, at_ms bigint, meta jsonb);
         CREATE TABLE tags (item_id int, tag text);
         INSERT INTO items VALUES
           (1, 'apple', 10, 1, 1.5, 0.25, true, 1623319200000, '{\"origin\": \"fr\"}'),
           (2, 'apricot', 5, 2, 2.5, 0.5, false, 1623319300000, '{\"origin\": \"es\"}'),
           (3, 'banana', 20, 3, 0.5, 1.5, true, 1623319400000, NULL),
           (4, 'avocado', 7, 4, 3.0, 2.0, true, 1623319500000, '{}');
         INSERT INTO tags VALUES (1, 'red'), (2, 'orange'), (4, 'green'), (4, 'ripe');",
    )
    .unwrap();
    let schema = Schema::builder()
        .field(Field::new("name", FieldType::String).sql_column("i.name"))
        .field(Field::new("qty", FieldType::Integer).sql_column("i.qty"))
        .field(Field::new("small", FieldType::Integer).sql_column("i.small"))
        .field(Field::new("price", FieldType::Float).sql_column("i.price"))
        .field(Field::new("weight", FieldType::Float).sql_column("i.weight"))
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
        ("small=in=(2,4)", &[2, 4]),
        ("price=gt=1;weight=lt=1", &[1, 2]),
        ("price=ge=3", &[4]),
        ("active==false", &[2]),
        ("at=ge=2021-06-10T10:03:20Z", &[3, 4]),
        ("tags=in=(red,ripe)", &[1, 4]),
        ("tags!=red", &[2, 3, 4]),
        ("meta.origin!=fr", &[2, 3, 4]),
        ("meta.origin==e*", &[2]),
        ("qty=gt=100000", &[]),
    ];
    for (text, want) in cases {
        let w = schema
            .compile(&rsql::parse(text).unwrap())
            .unwrap()
            .to_sql(&SqlOptions::postgres())
            .unwrap();
        let sql = format!("SELECT i.id FROM items i WHERE {} ORDER BY i.id", w.sql);
        let ids: Vec<i32> = c
            .query(&sql, &w.postgres_params())
            .unwrap_or_else(|e| panic!("{text}: {sql}: {e}"))
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(ids, *want, "{text}");
    }
    // an integer literal beyond the int2 column: the bind says so
    let w = schema
        .compile(&rsql::parse("small==40000").unwrap())
        .unwrap()
        .to_sql(&SqlOptions::postgres())
        .unwrap();
    let err = c
        .query(
            &format!("SELECT i.id FROM items i WHERE {}", w.sql),
            &w.postgres_params(),
        )
        .unwrap_err();
    let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<BindError>());
    assert_eq!(
        source,
        Some(&BindError::OutOfRange {
            param: SqlParam::Int(40_000),
            sql_type: "int2".into()
        })
    );
}

#[test]
fn tokio_postgres_takes_the_same_params() {
    let Some(db) = TempDb::try_create("tokio_postgres_takes_the_same_params", "pg_tokio") else {
        return;
    };
    let mut config: tokio_postgres::Config = db.server().parse().unwrap();
    config.dbname(db.name());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
        let conn = tokio::spawn(connection);
        let schema = Schema::builder()
            .field(Field::new("n", FieldType::Integer).sql_column("n"))
            .build()
            .unwrap();
        let w = schema
            .compile(&rsql::parse("n=in=(2,3)").unwrap())
            .unwrap()
            .to_sql(&SqlOptions::postgres())
            .unwrap();
        let sql = format!(
            "SELECT n FROM generate_series(1, 5) AS s(n) WHERE {} ORDER BY n",
            w.sql
        );
        let rows = client.query(&sql, &w.postgres_params()).await.unwrap();
        let ns: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(ns, [2, 3]);
        drop(client);
        conn.await.unwrap().unwrap();
    });
}

#[test]
fn typed_columns_bind_in_one_call() {
    let Some(db) = TempDb::try_create("typed_columns_bind_in_one_call", "pg_typed") else {
        return;
    };
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE ev (id int PRIMARY KEY, tz timestamptz, ts timestamp, amount numeric);
         INSERT INTO ev VALUES
           (1, '2021-06-10T10:00:00.000Z', '2021-06-10 10:00:00.000', 12.50),
           (2, '2021-06-10T10:00:00.001Z', '2021-06-10 10:00:00.001', 12.4),
           (3, NULL, NULL, NULL);",
    )
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
        ("tz==2021-06-10T10:00:00Z", &[1]),
        ("ts=le=2021-06-10T10:00:00Z", &[1]),
        ("ts!=2021-06-10T10:00:00Z", &[2, 3]),
        ("amount=ge=12.45", &[1]),
        ("amount==12.5", &[1]),
    ];
    for (text, want) in cases {
        let w = schema
            .compile(&rsql::parse(text).unwrap())
            .unwrap()
            .to_sql(&SqlOptions::postgres())
            .unwrap();
        let sql = format!("SELECT e.id FROM ev e WHERE {} ORDER BY e.id", w.sql);
        let ids: Vec<i32> = c
            .query(&sql, &w.postgres_params())
            .unwrap_or_else(|e| panic!("{text}: {sql} {:?}: {e}", w.params))
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(ids, *want, "{text}: {sql} {:?}", w.params);
    }
}
