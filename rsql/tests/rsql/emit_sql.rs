//! Golden tests for `Filter::to_sql` in both dialects, and the property that
//! emitted SQL never contains user text.

use proptest::prelude::*;
use rsql::{
    EmitError, Field, FieldType, Operators, Parser, Policy, Schema, SqlOptions, SqlParam, SqlWhere,
};

fn parser() -> Parser {
    Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
}

fn sql(filter: &str, options: &SqlOptions) -> SqlWhere {
    let schema = store::schema();
    let f = schema
        .compile_str(&parser(), filter)
        .unwrap_or_else(|e| panic!("{e:#}"));
    f.to_sql(options).unwrap()
}

/// `(filter, postgres sql, sqlite sql, params)`; both dialects bind the same
/// parameters except where a dialect needs a different spelling (noted).
#[track_caller]
fn golden(filter: &str, pg: &str, lite: &str, params: &[SqlParam]) {
    let p = sql(filter, &SqlOptions::postgres());
    assert_eq!(p.sql, pg, "postgres: {filter}");
    assert_eq!(p.params, params, "postgres params: {filter}");
    let l = sql(filter, &SqlOptions::sqlite());
    assert_eq!(l.sql, lite, "sqlite: {filter}");
}

fn t(s: &str) -> SqlParam {
    SqlParam::Text(s.into())
}

#[test]
fn bench_queries() {
    golden(
        "conversation.startTime=ge=2021-03-01T00:00:00.000Z;conversation.startTime=lt=2021-03-08T00:00:00.000Z;conversation.type==meeting",
        "(c.start_ms >= $1 AND c.start_ms <= $2) AND c.type = $3",
        "(c.start_ms >= ? AND c.start_ms <= ?) AND c.type = ?",
        &[
            SqlParam::Time(1_614_556_800_000),
            SqlParam::Time(1_615_161_599_999),
            t("meeting"),
        ],
    );
    golden(
        "conversation.name==*Brainstorm*",
        r"c.name LIKE $1 ESCAPE '\'",
        "c.name GLOB ?",
        &[t("%Brainstorm%")],
    );
    assert_eq!(
        sql("conversation.name==*Brainstorm*", &SqlOptions::sqlite()).params,
        [t("*Brainstorm*")]
    );
    golden(
        "metadata.agentId=in=(agent-0007,agent-0042,agent-0311)",
        "(c.metadata->>'agentId') IN ($1, $2, $3)",
        r#"json_extract(c.metadata, '$."agentId"') IN (?, ?, ?)"#,
        &[t("agent-0007"), t("agent-0042"), t("agent-0311")],
    );
    golden(
        "members.email==charles.miller1@initech.net",
        "EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.email = $1)",
        "EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.email = ?)",
        &[t("charles.miller1@initech.net")],
    );
}

#[test]
fn negations_hold_for_null() {
    golden(
        "conversation.type!=chat",
        "(c.type IS NULL OR NOT (c.type = $1))",
        "(c.type IS NULL OR NOT (c.type = ?))",
        &[t("chat")],
    );
    golden(
        "conversation.type=out=(chat,call)",
        "(c.type IS NULL OR NOT (c.type IN ($1, $2)))",
        "(c.type IS NULL OR NOT (c.type IN (?, ?)))",
        &[t("chat"), t("call")],
    );
    golden(
        "conversation.name=isnull=true",
        "c.name IS NULL",
        "c.name IS NULL",
        &[],
    );
    golden(
        "conversation.name=notnull=true",
        "c.name IS NOT NULL",
        "c.name IS NOT NULL",
        &[],
    );
    golden(
        "members.email=out=(a@x.io,b@x.io)",
        "NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.email IN ($1, $2))",
        "NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.email IN (?, ?))",
        &[t("a@x.io"), t("b@x.io")],
    );
    golden(
        "conversation.startTime=nb=(2021-01-01,2021-02-01)",
        "(c.start_ms IS NULL OR NOT ((c.start_ms >= $1 AND c.start_ms <= $2)))",
        "(c.start_ms IS NULL OR NOT ((c.start_ms >= ? AND c.start_ms <= ?)))",
        &[
            SqlParam::Time(1_609_459_200_000),
            SqlParam::Time(1_612_137_600_000),
        ],
    );
}

#[test]
fn wildcards_escape_sql_metacharacters() {
    golden(
        r#"conversation.name=="50%_off\\*[x]?*""#,
        r"c.name LIKE $1 ESCAPE '\'",
        "c.name GLOB ?",
        &[t(r"50\%\_off\\%[x]?%")],
    );
    assert_eq!(
        sql(
            r#"conversation.name=="50%_off\\*[x]?*""#,
            &SqlOptions::sqlite()
        )
        .params,
        [t(r"50%_off\*[[]x][?]*")]
    );
    // A literal star is text, not a wildcard.
    assert_eq!(
        sql(r#"conversation.name=="a\*b*""#, &SqlOptions::sqlite()).params,
        [t("a[*]b*")]
    );
    assert_eq!(
        sql(
            r#"conversation.name=="a\*b*""#,
            &SqlOptions::sqlite().with_sqlite_like(true)
        ),
        SqlWhere {
            sql: r"c.name LIKE ? ESCAPE '\'".into(),
            params: vec![t("a*b%")],
        }
    );
}

#[test]
fn extended_operators() {
    golden(
        "conversation.name=like=Sync",
        r"c.name LIKE $1 ESCAPE '\'",
        "c.name GLOB ?",
        &[t("%Sync%")],
    );
    golden(
        "conversation.name=notlike=Sync",
        r"(c.name IS NULL OR NOT (c.name LIKE $1 ESCAPE '\'))",
        "(c.name IS NULL OR NOT (c.name GLOB ?))",
        &[t("%Sync%")],
    );
    golden(
        "conversation.name=ilike=SyNc",
        r"translate(c.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE $1 ESCAPE '\'",
        "lower(c.name) GLOB ?",
        &[t("%sync%")],
    );
    golden(
        "conversation.type=ic=Meeting",
        "translate(c.type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = $1",
        "lower(c.type) = ?",
        &[t("meeting")],
    );
    golden(
        "conversation.name=bt=(A,M)",
        r#"(c.name COLLATE "C" >= $1 AND c.name COLLATE "C" <= $2)"#,
        "(c.name >= ? AND c.name <= ?)",
        &[t("A"), t("M")],
    );
}

#[test]
fn numeric_strings() {
    // Exact decimal comparison: sign from the first character, magnitude as
    // the row (length(int), int, frac); the literal's normal form is bound.
    golden(
        "metadata.score=gt=0.75",
        r#"CASE WHEN (c.metadata->>'score') ~ '^-?[0-9]+(\.[0-9]+)?$' THEN (substr((c.metadata->>'score'), 1, 1) <> '-' AND (length(ltrim(split_part(ltrim((c.metadata->>'score'), '-'), '.', 1), '0')), ltrim(split_part(ltrim((c.metadata->>'score'), '-'), '.', 1), '0') COLLATE "C", rtrim(split_part((c.metadata->>'score'), '.', 2), '0') COLLATE "C") > ($1, $2, $3)) ELSE (c.metadata->>'score') COLLATE "C" > $4 END"#,
        "CASE WHEN ((json_extract(c.metadata, '$.\"score\"') GLOB '[0-9]*' OR json_extract(c.metadata, '$.\"score\"') GLOB '-[0-9]*') \
         AND json_extract(c.metadata, '$.\"score\"') GLOB '*[0-9]' AND NOT substr(json_extract(c.metadata, '$.\"score\"'), 2) GLOB '*[^0-9.]*' \
         AND NOT json_extract(c.metadata, '$.\"score\"') GLOB '*.*.*') \
         THEN (substr(json_extract(c.metadata, '$.\"score\"'), 1, 1) <> '-' AND \
         (length(ltrim(substr(ltrim(json_extract(c.metadata, '$.\"score\"'), '-'), 1, instr(ltrim(json_extract(c.metadata, '$.\"score\"'), '-') || '.', '.') - 1), '0')), \
         ltrim(substr(ltrim(json_extract(c.metadata, '$.\"score\"'), '-'), 1, instr(ltrim(json_extract(c.metadata, '$.\"score\"'), '-') || '.', '.') - 1), '0'), \
         rtrim(substr(json_extract(c.metadata, '$.\"score\"'), instr(json_extract(c.metadata, '$.\"score\"') || '.', '.') + 1), '0')) > (?, ?, ?)) \
         ELSE json_extract(c.metadata, '$.\"score\"') > ? END",
        &[SqlParam::Int(0), t(""), t("75"), t("0.75")],
    );
    // The literal's sign picks the shape; `-007.10` binds its normal form.
    let w = sql("metadata.score=le=-007.10", &SqlOptions::postgres());
    assert!(
        w.sql
            .contains(r#"THEN (substr((c.metadata->>'score'), 1, 1) = '-' AND (length("#),
        "{}",
        w.sql
    );
    assert!(w.sql.contains(") >= ($1, $2, $3))"), "{}", w.sql);
    assert_eq!(w.params, [SqlParam::Int(1), t("7"), t("1"), t("-007.10")]);
    // Zero needs no digits: the sign alone decides.
    let w = sql("metadata.score=ge=-0.0", &SqlOptions::postgres());
    assert!(
        w.sql.contains(
            r#"THEN (substr((c.metadata->>'score'), 1, 1) <> '-' OR ltrim((c.metadata->>'score'), '-.0') = '')"#
        ),
        "{}",
        w.sql
    );
    assert_eq!(w.params, [t("-0.0")]);
    // No float anywhere.
    for f in ["metadata.score=gt=0.75", "metadata.score=bt=(1,2)"] {
        for o in [SqlOptions::postgres(), SqlOptions::sqlite()] {
            let w = sql(f, &o);
            assert!(!w.sql.contains("CAST"), "{}", w.sql);
            assert!(!w.params.iter().any(|p| matches!(p, SqlParam::Float(_))));
        }
    }
    // A literal that is not a number compares as text.
    golden(
        "metadata.region=ge=eu",
        r#"(c.metadata->>'region') COLLATE "C" >= $1"#,
        r#"json_extract(c.metadata, '$."region"') >= ?"#,
        &[t("eu")],
    );
}

#[test]
fn placeholders_start_where_asked() {
    let w = sql(
        "conversation.type==a;conversation.name==b",
        &SqlOptions::postgres().with_first_placeholder(3),
    );
    assert_eq!(w.sql, "c.type = $3 AND c.name = $4");
}

#[test]
fn logic_is_parenthesised() {
    golden(
        "conversation.type==a;(conversation.name==b,conversation.name==c)",
        "c.type = $1 AND (c.name = $2 OR c.name = $3)",
        "c.type = ? AND (c.name = ? OR c.name = ?)",
        &[t("a"), t("b"), t("c")],
    );
}

#[test]
fn other_types_bind_typed_params() {
    let schema = Schema::builder()
        .field(Field::new("n", FieldType::Integer).sql_column("n"))
        .field(Field::new("x", FieldType::Float).sql_column("x"))
        .field(Field::new("b", FieldType::Bool).sql_column("b"))
        .field(Field::new("k", FieldType::enumeration(["p", "q"])).sql_column("k"))
        .build()
        .unwrap();
    let w = schema
        .compile_str(&parser(), "n=gt=1;x=lt=2.5;b==true;k=in=(p,q)")
        .unwrap()
        .to_sql(&SqlOptions::postgres())
        .unwrap();
    assert_eq!(w.sql, "n >= $1 AND x < $2 AND b = $3 AND k IN ($4, $5)");
    assert_eq!(
        w.params,
        [
            SqlParam::Int(2),
            SqlParam::Float(2.5),
            SqlParam::Bool(true),
            t("p"),
            t("q")
        ]
    );
}

#[test]
fn empty_ranges_are_false() {
    let schema = Schema::builder()
        .field(Field::new("n", FieldType::Integer).sql_column("n"))
        .build()
        .unwrap();
    for (f, expected) in [
        ("n=gt=9223372036854775807", "1 = 0"),
        ("n=gt=5;n=lt=3", "1 = 0"),
        ("n=nb=(5,3)", "(n IS NULL OR NOT (1 = 0))"),
    ] {
        let w = schema
            .compile_str(&parser(), f)
            .unwrap()
            .to_sql(&SqlOptions::sqlite())
            .unwrap();
        assert_eq!(w.sql, expected, "{f}");
    }
}

#[test]
fn unmapped_fields_are_an_error() {
    let schema = Schema::builder()
        .field(Field::new("a", FieldType::String))
        .field(
            Field::new("m", FieldType::String)
                .multi_valued()
                .sql_column("m"),
        )
        .build()
        .unwrap();
    for f in ["a==x", "m==x"] {
        let err = schema
            .compile(&rsql::parse(f).unwrap())
            .unwrap()
            .to_sql(&SqlOptions::sqlite())
            .unwrap_err();
        assert!(matches!(err, EmitError::NoSqlMapping { .. }), "{f}");
    }
}

#[test]
fn match_all() {
    let schema = store::schema();
    let w = rsql::Filter::match_all(schema)
        .to_sql(&SqlOptions::postgres())
        .unwrap();
    assert_eq!((w.sql.as_str(), w.params.len()), ("1 = 1", 0));
}

/// A marker that appears in no schema expression and no SQL keyword.
const MARK: &str = "Qz";

fn selector() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "conversation.id",
        "conversation.name",
        "conversation.type",
        "members.email",
        "members.name",
        "metadata.key",
    ])
}

fn operator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "==",
        "!=",
        "=lt=",
        "=ge=",
        "=in=",
        "=out=",
        "=like=",
        "=notlike=",
        "=ilike=",
        "=ic=",
    ])
}

proptest! {
    /// Values (with quotes, SQL comment and escape characters) reach the
    /// parameters, never the SQL string.
    #[test]
    fn sql_never_contains_user_text(
        sel in selector(),
        op in operator(),
        text in "[a-z'\";%_\\\\ -]{0,6}",
    ) {
        let value = format!("{MARK}{text}");
        let quoted = format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""));
        let filter = format!("{sel}{op}{quoted}");
        let schema = store::schema();
        let f = schema.compile_str(&parser(), &filter).unwrap();
        for options in [SqlOptions::postgres(), SqlOptions::sqlite(), SqlOptions::sqlite().with_sqlite_like(true)] {
            let w = f.to_sql(&options).unwrap();
            prop_assert!(!w.sql.contains(MARK), "{} → {}", filter, w.sql);
            prop_assert!(!w.sql.contains("--"));
        }
    }

    /// A dynamic key is inlined only after validation (letters, digits, `_`
    /// and `-`), and only inside a string literal: `->>'key'` on PostgreSQL,
    /// `'$."key"'` on SQLite. Every other key is a compile error.
    #[test]
    fn keys_are_validated_and_quoted(key in "[A-Za-z0-9_'\";%\\\\é-]{1,8}") {
        let schema = store::schema();
        let ok = key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        let filter = format!("metadata.{key}==x");
        match rsql::parse(&filter).map_err(rsql::Error::from).and_then(|a| Ok(schema.compile(&a)?)) {
            Ok(f) => {
                prop_assert!(ok, "{} compiled", filter);
                let pg = f.to_sql(&SqlOptions::postgres()).unwrap();
                prop_assert_eq!(pg.sql, format!("(c.metadata->>'{key}') = $1"));
                let lite = f.to_sql(&SqlOptions::sqlite()).unwrap();
                prop_assert_eq!(lite.sql, format!("json_extract(c.metadata, '$.\"{key}\"') = ?"));
            }
            Err(_) => prop_assert!(!ok, "{} rejected", filter),
        }
    }
}

/// One golden per storage kind ([`SqlType`]), PostgreSQL.
#[test]
fn typed_columns() {
    use rsql::SqlType;
    let schema = Schema::builder()
        .field(
            Field::new("tz", FieldType::Timestamp)
                .sql_column("c.tz")
                .sql_type(SqlType::TimestampTz),
        )
        .field(
            Field::new("ts", FieldType::Timestamp)
                .sql_column("c.ts")
                .sql_type(SqlType::Timestamp),
        )
        .field(
            Field::new("ms", FieldType::Timestamp)
                .sql_column("c.ms")
                .sql_type(SqlType::EpochMs),
        )
        .field(
            Field::new("n", FieldType::Integer)
                .sql_column("c.n")
                .sql_type(SqlType::Integer),
        )
        .field(
            Field::new("x", FieldType::Float)
                .sql_column("c.x")
                .sql_type(SqlType::Float),
        )
        .field(
            Field::new("amount", FieldType::Float)
                .sql_column("c.amount")
                .sql_type(SqlType::Numeric),
        )
        .field(
            Field::new("ok", FieldType::Bool)
                .sql_column("c.ok")
                .sql_type(SqlType::Boolean),
        )
        .field(
            Field::new("name", FieldType::String)
                .sql_column("c.name")
                .sql_type(SqlType::Text),
        )
        .field(Field::new("jn", FieldType::Integer).sql_json_path("c.doc", ["a", "n"]))
        .field(Field::new("jt", FieldType::Timestamp).sql_json_path("c.doc", ["t"]))
        .field(Field::dynamic("counts", FieldType::Integer).sql_json("c.counts"))
        .field(
            Field::new("seen", FieldType::Timestamp)
                .multi_valued()
                .sql_exists("views v", "v.cid = c.id", "v.at")
                .sql_type(SqlType::TimestampTz),
        )
        .build()
        .unwrap();
    let pg = |f: &str| {
        schema
            .compile_str(&parser(), f)
            .unwrap()
            .to_sql(&SqlOptions::postgres())
            .unwrap()
    };
    let ms = 1_623_317_400_000_i64;
    for (f, sql, params) in [
        (
            "tz==2021-06-10T09:30:00Z",
            "(c.tz >= $1 AND c.tz < $2)",
            vec![SqlParam::TimestampTz(ms), SqlParam::TimestampTz(ms + 1)],
        ),
        (
            "tz=le=2021-06-10T09:30:00Z",
            "c.tz < $1",
            vec![SqlParam::TimestampTz(ms + 1)],
        ),
        (
            "tz!=2021-06-10T09:30:00Z",
            "(c.tz IS NULL OR NOT ((c.tz >= $1 AND c.tz < $2)))",
            vec![SqlParam::TimestampTz(ms), SqlParam::TimestampTz(ms + 1)],
        ),
        (
            "ts=in=(2021-06-10T09:30:00Z,2021-06-10T09:30:00.002Z)",
            "((c.ts >= $1 AND c.ts < $2) OR (c.ts >= $3 AND c.ts < $4))",
            vec![
                SqlParam::Timestamp(ms),
                SqlParam::Timestamp(ms + 1),
                SqlParam::Timestamp(ms + 2),
                SqlParam::Timestamp(ms + 3),
            ],
        ),
        (
            "ms=gt=2021-06-10T09:30:00Z",
            "c.ms >= $1",
            vec![SqlParam::Time(ms + 1)],
        ),
        (
            "n=bt=(1,40000)",
            "(c.n >= CAST($1 AS bigint) AND c.n <= CAST($2 AS bigint))",
            vec![SqlParam::Int(1), SqlParam::Int(40_000)],
        ),
        (
            "x=gt=0.5",
            "c.x > CAST($1 AS double precision)",
            vec![SqlParam::Float(0.5)],
        ),
        (
            "amount=in=(0.1,2)",
            "c.amount IN (CAST(CAST($1 AS text) AS numeric), CAST(CAST($2 AS text) AS numeric))",
            vec![
                SqlParam::Numeric("0.1".into()),
                SqlParam::Numeric("2".into()),
            ],
        ),
        ("ok==true", "c.ok = $1", vec![SqlParam::Bool(true)]),
        ("name==a", "c.name = $1", vec![t("a")]),
        (
            "jn=ge=5",
            "CASE WHEN jsonb_typeof((c.doc->'a'->'n')) = 'number' AND (c.doc->'a'->>'n') ~ '^-?[0-9]+$' \
             THEN CASE WHEN CAST((c.doc->'a'->>'n') AS numeric) BETWEEN -9223372036854775808 AND 9223372036854775807 \
             THEN CAST((c.doc->'a'->>'n') AS bigint) >= $1 ELSE false END ELSE false END",
            vec![SqlParam::Int(5)],
        ),
        ("counts.x=isnull=true", "(c.counts->>'x') IS NULL", vec![]),
        (
            "seen=ge=2021-06-10T09:30:00Z",
            "EXISTS (SELECT 1 FROM views v WHERE v.cid = c.id AND v.at >= $1)",
            vec![SqlParam::TimestampTz(ms)],
        ),
    ] {
        let w = pg(f);
        assert_eq!(w.sql, sql, "{f}");
        assert_eq!(w.params, params, "{f}");
    }
    // SQLite: json_extract already returns the JSON value's SQL type.
    let lite = schema
        .compile_str(&parser(), "jn=ge=5")
        .unwrap()
        .to_sql(&SqlOptions::sqlite())
        .unwrap();
    assert_eq!(
        lite.sql,
        "CASE WHEN json_type(c.doc, '$.\"a\".\"n\"') = 'integer' \
         AND typeof(json_extract(c.doc, '$.\"a\".\"n\"')) = 'integer' \
         THEN json_extract(c.doc, '$.\"a\".\"n\"') >= ? ELSE false END"
    );
    // A JSON timestamp: typed string, a real date, then the instant.
    let w = pg("jt==2021-06-10T09:30:00Z");
    assert!(
        w.sql
            .starts_with("CASE WHEN jsonb_typeof((c.doc->'t')) = 'string' AND (c.doc->>'t') ~ '^"),
        "{}",
        w.sql
    );
    assert!(
        w.sql.ends_with(
            "THEN (CAST((c.doc->>'t') AS timestamptz) >= $1 AND CAST((c.doc->>'t') AS timestamptz) < $2) \
             ELSE false END ELSE false END"
        ),
        "{}",
        w.sql
    );
}

#[test]
fn typed_column_errors() {
    use rsql::SqlType;
    let schema = Schema::builder()
        .field(
            Field::new("n", FieldType::Integer)
                .sql_column("n")
                .sql_type(SqlType::Text),
        )
        .field(
            Field::new("j", FieldType::Integer)
                .sql_json_path("doc", ["a"])
                .sql_type(SqlType::Integer),
        )
        .field(
            Field::new("t", FieldType::Timestamp)
                .sql_column("t")
                .sql_type(SqlType::Timestamp),
        )
        .field(Field::new("p", FieldType::String).sql_json_path("doc", ["a", ""]))
        .build()
        .unwrap();
    let err = |f: &str, o: &SqlOptions| {
        schema
            .compile_str(&parser(), f)
            .unwrap()
            .to_sql(o)
            .unwrap_err()
    };
    assert_eq!(
        err("n==1", &SqlOptions::postgres()).to_string(),
        "field `n`: an integer field cannot be stored as text"
    );
    assert!(matches!(
        err("j==1", &SqlOptions::postgres()),
        EmitError::SqlTypeMismatch { .. }
    ));
    assert_eq!(
        err("t==2021-01-01", &SqlOptions::sqlite()),
        EmitError::UnsupportedSqlType {
            field: "t".into(),
            sql_type: SqlType::Timestamp,
            dialect: rsql::SqlDialect::Sqlite,
        }
    );
    assert_eq!(
        err("p==x", &SqlOptions::sqlite()),
        EmitError::InvalidJsonPath {
            field: "p".into(),
            key: String::new(),
        }
    );
}

#[cfg(feature = "schema-file")]
#[test]
fn schema_files_declare_storage() {
    let schema = Schema::from_toml_str(
        r#"
        [[fields]]
        name = "start"
        type = "timestamp"
        sql = { column = "c.started_at", type = "timestamptz" }

        [[fields]]
        name = "region"
        type = "string"
        sql = { json_path = { column = "c.doc", path = ["geo", "region"] } }
        "#,
    )
    .unwrap();
    let w = schema
        .compile(&rsql::parse("start=lt=2021-06-10;region==eu").unwrap())
        .unwrap()
        .to_sql(&SqlOptions::postgres())
        .unwrap();
    assert_eq!(
        w.sql,
        "c.started_at < $1 AND (c.doc->'geo'->>'region') = $2"
    );
    assert_eq!(w.params[0], SqlParam::TimestampTz(1_623_283_200_000));
    let err = Schema::from_toml_str(
        "[[fields]]\nname = \"a\"\ntype = \"bool\"\nsql = { column = \"a\", type = \"bit\" }\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("`boolean`"), "{err}");
}

/// A `SqlType::ByteText` column already orders by bytes: PostgreSQL orderings
/// and `ORDER BY` leave out `COLLATE "C"` (so a plain btree index serves
/// them); a `SqlType::Text` column keeps it; equality never has it.
#[test]
fn byte_text_columns_order_without_collate() {
    use rsql::{Query, SortRules, SqlType};
    let schema = Schema::builder()
        .field(
            Field::new("id", FieldType::String)
                .sortable()
                .sql_column("c.id")
                .sql_type(SqlType::ByteText),
        )
        .field(
            Field::new("name", FieldType::String)
                .sortable()
                .sql_column("c.name")
                .sql_type(SqlType::ByteText),
        )
        .field(
            Field::new("title", FieldType::String)
                .sortable()
                .sql_column("c.title")
                .sql_type(SqlType::Text),
        )
        .build()
        .unwrap();
    let pg = SqlOptions::postgres();
    let w = schema
        .compile_str(&parser(), "name=gt=m;title=lt=m;name==x")
        .unwrap()
        .to_sql(&pg)
        .unwrap();
    assert_eq!(
        w.sql,
        "c.name > $1 AND c.title COLLATE \"C\" < $2 AND c.name = $3"
    );
    let rules = SortRules::new(&schema, "id").unwrap();
    let sort = rules.parse("-name,title", rsql::Direction::Asc).unwrap();
    let tail = Query::new(sort).to_sql(&pg).unwrap();
    assert_eq!(
        tail.sql,
        "ORDER BY c.name DESC NULLS FIRST, c.title COLLATE \"C\" ASC NULLS LAST, c.id ASC NULLS LAST"
    );
}
