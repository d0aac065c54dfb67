//! Schema files (`rsql::schema::file`, feature `schema-file`): the shipped
//! conversation example is `store::schema()` with the API's parser, every
//! key of the format does what the builder call does, and bad files are
//! refused with the file, line, column and key.
#![cfg(feature = "schema-file")]

use rsql::schema::file::MAX_FILE_LEN;
use rsql::{
    Operators, Parser, Policy, SchemaFile, SchemaFileErrorKind, SchemaFormat, SqlOptions, SqlParam,
};

const CONVERSATION_TOML: &str = include_str!("../../examples/conversation.toml");
const CONVERSATION_JSON: &str = include_str!("../../examples/conversation.json");

fn examples() -> [(&'static str, SchemaFile); 2] {
    [
        (
            "conversation.toml",
            SchemaFile::from_toml_str(CONVERSATION_TOML).unwrap_or_else(|e| panic!("{e}")),
        ),
        (
            "conversation.json",
            SchemaFile::from_json_str(CONVERSATION_JSON).unwrap_or_else(|e| panic!("{e}")),
        ),
    ]
}

/// The bench corpus plus filters that reach every field, alias, kind and
/// operator family of the conversation schema, and some that fail.
fn sample() -> Vec<String> {
    let corpus = include_str!("../../../benches/data/filters.txt");
    let mut out: Vec<String> = corpus
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    out.extend(
        [
            "conversation.id==5179649407582208",
            "conversation.name=ic=*weekly*",
            "conversation.name=like=Sync;conversation.type=out=(chat)",
            "conversation.type!=meeting",
            "conversation.startTime=bt=(2021-03-01,2021-03-31)",
            "conversation.startTime=nb=(2021-03-01,2021-03-31T12:00:00+02:00)",
            "conversation.endTime=isnull=true",
            "conversation.endTime=notnull=true;conversation.startTime<2021-06-01",
            "metadata.score=gt=0.75",
            "conversation.metadata.score=bt=(1,10);metadata.score!=5",
            "metadata.region=in=(emea,apac);conversation.type==call",
            "metadata.agentId=isnull=false",
            "members.email==*@initech.net",
            "members.email!=bob@x.io",
            "conversation.members.name=ilike=ann;members.id=out=(1,2)",
            "members.name=notlike=bot",
            "metadata.x==1;conversation.metadata.x==2;metadata.y==3",
            // failures: policy, schema, syntax, limits
            "conversation.type==a,conversation.type==b",
            "conversation.startTme=ge=2021-03-01",
            "conversation.startTime=ge=yesterday",
            "conversation.startTime=like=2021",
            "metadata==x",
            "metadata.a.b==x",
            "members.email=in=(a*)",
            "conversation.type==",
        ]
        .map(str::to_owned),
    );
    out.push(format!("conversation.name=={}", "x".repeat(9000)));
    out.push(format!("metadata.k=in=({})", vec!["v"; 501].join(",")));
    out
}

#[test]
fn example_files_build_the_store_schema_and_its_parser() {
    let store_parser = store::filter::api_parser();
    for (name, file) in examples() {
        // Debug shows every declaration: names, types, kinds, flags,
        // operators, SQL mappings and Mongo paths, and the aliases.
        assert_eq!(
            format!("{:?}", file.schema()),
            format!("{:?}", store::schema()),
            "{name}"
        );
        assert_eq!(file.parser().limits(), store_parser.limits(), "{name}");
        assert_eq!(
            format!("{:?}", file.parser().policy()),
            format!("{:?}", store_parser.policy()),
            "{name}"
        );
        assert_eq!(
            format!("{:?}", file.parser().policy()),
            format!("{:?}", Policy::symbl()),
            "{name}"
        );
    }
}

#[test]
fn example_files_compile_and_emit_like_the_store_schema() {
    let permissive = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    let sample = sample();
    let (mut ok, mut failed) = (0, 0);
    for (name, file) in examples() {
        let pairs = [
            (file.parser(), store::filter::api_parser()),
            (&permissive, &permissive),
        ];
        for (ours, theirs) in pairs {
            for filter in &sample {
                let got = file.schema().compile_str(ours, filter);
                let want = store::schema().compile_str(theirs, filter);
                match (got, want) {
                    (Ok(got), Ok(want)) => {
                        ok += 1;
                        assert_eq!(got.to_string(), want.to_string(), "{name}: {filter}");
                        for options in [
                            SqlOptions::postgres(),
                            SqlOptions::sqlite(),
                            SqlOptions::postgres().with_first_placeholder(3),
                            SqlOptions::sqlite().with_sqlite_like(true),
                        ] {
                            assert_eq!(
                                got.to_sql(&options),
                                want.to_sql(&options),
                                "{name}: {filter}: {options:?}"
                            );
                        }
                        #[cfg(feature = "mongo")]
                        assert_eq!(got.to_mongo(), want.to_mongo(), "{name}: {filter}");
                    }
                    (Err(got), Err(want)) => {
                        failed += 1;
                        assert_eq!(format!("{got:#}"), format!("{want:#}"), "{name}: {filter}");
                    }
                    (got, want) => panic!(
                        "{name}: {filter}: file {:?}, store {:?}",
                        got.map(|f| f.to_string()),
                        want.map(|f| f.to_string())
                    ),
                }
            }
        }
    }
    // both outcomes are exercised, with both parsers
    assert!(ok > 100 && failed > 20, "ok {ok}, failed {failed}");
}

#[test]
fn toml_and_json_agree_on_a_small_file() {
    let toml = SchemaFile::from_toml_str(
        r#"
        [[fields]]
        name = "n"
        type = "integer"
        sql = { column = "t.n" }
        "#,
    )
    .unwrap();
    let json = SchemaFile::from_json_str(
        r#"{"fields": [{"name": "n", "type": "integer", "sql": {"column": "t.n"}}]}"#,
    )
    .unwrap();
    assert_eq!(
        format!("{:?}", toml.schema()),
        format!("{:?}", json.schema())
    );
    let toml = SchemaFile::from_text("fields = []", SchemaFormat::Toml).unwrap();
    assert_eq!(toml.schema().fields().count(), 0);
    // the defaults: standard operators, no rules, default limits
    assert_eq!(toml.parser().limits(), &rsql::Limits::default());
    assert_eq!(
        format!("{:?}", toml.parser().policy()),
        format!("{:?}", Policy::new())
    );
}

/// Every key of a field declaration does what the builder call does.
#[test]
fn every_field_key_reaches_the_builder() {
    let file = SchemaFile::from_toml_str(
        r#"
        [policy]
        operators = "extended"

        [[fields]]
        name = "kind"
        type = "enum"
        values = ["meeting", "call"]
        operators = ["==", "=in="]
        sql = { column = "c.kind" }

        [[fields]]
        name = "id"
        type = "string"
        wildcards = false
        sortable = true
        sql = { column = "c.id" }
        mongo = { path = "_id" }

        [[fields]]
        name = "score"
        type = "float"
        sql = { column = "c.score" }

        [[fields]]
        name = "ok"
        type = "bool"
        sql = { column = "c.ok" }

        [[fields]]
        name = "tags"
        type = "string"
        kind = "dynamic"
        numeric_strings = true
        sql = { template = "tag_value(c.id, {key})" }

        [[fields]]
        name = "labels"
        type = "string"
        kind = "multi_valued"
        sql = { exists = { from = "labels l", join = "l.cid = c.id", column = "l.text" } }

        [aliases]
        tag = "tags"
        type = "kind"
        "#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let schema = file.schema();
    let field = |name: &str| schema.field(schema.field_id(name).unwrap()).unwrap();
    assert_eq!(
        field("kind").allowed_operators().collect::<Vec<_>>(),
        [rsql::Op::Eq, rsql::Op::In]
    );
    assert_eq!(schema.field_id("type"), schema.field_id("kind"));
    assert!(field("id").is_sortable() && !field("id").has_wildcards());
    assert!(field("labels").is_multi_valued());
    let tags = schema.resolve("tag.color").unwrap();
    assert_eq!(tags.key, Some("color"));
    assert!(schema.field(tags.id).unwrap().has_numeric_strings());

    let err = file.compile("kind==chat").unwrap_err();
    assert_eq!(err.code(), "bad_enum_value");
    assert_eq!(
        file.compile("kind!=call").unwrap_err().code(),
        "operator_not_allowed"
    );
    assert_eq!(
        file.compile("id==a*").unwrap_err().code(),
        "wildcard_not_allowed"
    );

    let sql = |f: &str| {
        file.compile(f)
            .unwrap()
            .to_sql(&SqlOptions::postgres())
            .unwrap()
    };
    let w = sql("tag.color==red;score=gt=0.5;ok==true");
    assert_eq!(
        w.sql,
        "tag_value(c.id, 'color') = $1 AND c.score > $2 AND c.ok = $3"
    );
    assert_eq!(
        w.params,
        [
            SqlParam::Text("red".into()),
            SqlParam::Float(0.5),
            SqlParam::Bool(true)
        ]
    );
    assert_eq!(
        sql("labels=in=(x,y)").sql,
        "EXISTS (SELECT 1 FROM labels l WHERE l.cid = c.id AND l.text IN ($1, $2))"
    );
    #[cfg(feature = "mongo")]
    assert_eq!(
        file.compile("id==x").unwrap().to_mongo(),
        serde_json::json!({"_id": {"$eq": "x"}})
    );
    // no SQL mapping declared: the emitter says so (a schema choice, not input)
    let no_sql = SchemaFile::from_toml_str("fields = [{ name = \"a\", type = \"bool\" }]").unwrap();
    let err = no_sql
        .compile("a==true")
        .unwrap()
        .to_sql(&SqlOptions::sqlite())
        .unwrap_err();
    assert_eq!(err.to_string(), "field `a` has no SQL mapping");
}

/// The policy rules of a file, and the schema's path aliases counted as
/// one field by `max_fields`.
#[test]
fn policy_and_limits_tables() {
    let file = SchemaFile::from_toml_str(
        r#"
        fields = [
          { name = "conversation.metadata", type = "string", kind = "dynamic" },
          { name = "members.email", type = "string", kind = "multi_valued" },
          { name = "n", type = "integer" },
        ]
        aliases = { metadata = "conversation.metadata", "conversation.members" = "members", number = "n" }
        policy = { forbid_or = true, max_fields = 1, allowed_selectors = ["conversation.metadata.*", "members.email", "n"] }
        limits = { max_len = 64, max_depth = 2, max_comparisons = 3, max_args = 2, max_value_len = 5 }
        "#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let code = |f: &str| file.compile(f).err().map(|e| e.code());
    assert_eq!(code("metadata.a==1;conversation.metadata.a==2"), None);
    assert_eq!(code("conversation.members.email==a;members.email==b"), None);
    assert_eq!(code("metadata.a==1;metadata.b==2"), Some("too_many_fields"));
    assert_eq!(code("n==1,n==2"), Some("or_forbidden"));
    assert_eq!(code("members.name==x"), Some("selector_not_allowed"));
    // an alias of one plain field passes the allow-list under its own name only
    assert_eq!(code("number==1"), Some("selector_not_allowed"));
    assert_eq!(code("n=in=(1,2)"), None);
    assert_eq!(code("n=in=(1,2,3)"), Some("too_many_args"));
    assert_eq!(code("n==123456"), Some("value_too_long"));
    assert_eq!(code("((n==1))"), None);
    assert_eq!(code("(((n==1)))"), Some("too_deep"));
    assert_eq!(code("n==1;n==2;n==3;n==4"), Some("too_many_comparisons"));
    assert_eq!(code(&format!("n=={}", "1".repeat(64))), Some("too_long"));
    // standard operators unless the file says otherwise
    assert_eq!(code("n=bt=(1,2)"), Some("unknown_operator"));
}

/// The message of each bad file, as a user sees it (`file:line:column: key: message`).
#[test]
fn errors_name_the_line_column_and_key() {
    let toml_cases: &[(&str, &str)] = &[
        ("syntax", "fields = [\n"),
        ("not_a_table", "fields = 3"),
        ("missing_fields", "[policy]\nforbid_or = true\n"),
        ("unknown_top_key", "fields = []\nalias = {}\n"),
        (
            "unknown_field_key",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nsortabel = true\n",
        ),
        ("missing_type", "[[fields]]\nname = \"a\"\n"),
        ("bad_type", "[[fields]]\nname = \"a\"\ntype = \"strnig\"\n"),
        (
            "bad_kind",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nkind = \"multi\"\n",
        ),
        (
            "bad_operator",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\noperators = [\"==\", \"=lik=\"]\n",
        ),
        (
            "bad_bool",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nsortable = \"yes\"\n",
        ),
        (
            "sql_string",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nsql = \"c.a\"\n",
        ),
        (
            "sql_unknown",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nsql = { colum = \"c.a\" }\n",
        ),
        (
            "sql_two",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nsql = { column = \"c.a\", json = \"c.j\" }\n",
        ),
        (
            "sql_empty",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nsql = {}\n",
        ),
        (
            "sql_exists_partial",
            "[[fields]]\nname = \"m.a\"\ntype = \"string\"\nkind = \"multi_valued\"\nsql = { exists = { from = \"m\", column = \"m.a\" } }\n",
        ),
        (
            "sql_kind_plain",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nsql = { json = \"c.a\" }\n",
        ),
        (
            "sql_kind_multi",
            "[[fields]]\nname = \"m.a\"\ntype = \"string\"\nkind = \"multi_valued\"\nsql = { column = \"m.a\" }\n",
        ),
        (
            "sql_kind_dynamic",
            "[[fields]]\nname = \"meta\"\ntype = \"string\"\nkind = \"dynamic\"\nsql = { column = \"c.meta\" }\n",
        ),
        (
            "sql_template_no_key",
            "[[fields]]\nname = \"meta\"\ntype = \"string\"\nkind = \"dynamic\"\nsql = { template = \"meta(c.id)\" }\n",
        ),
        (
            "mongo_elem_plain",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nmongo = { elem = { array = \"a\", field = \"b\" } }\n",
        ),
        (
            "mongo_two",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nmongo = { path = \"a\", elem = { array = \"a\", field = \"b\" } }\n",
        ),
        (
            "enum_without_values",
            "[[fields]]\nname = \"a\"\ntype = \"enum\"\n",
        ),
        (
            "enum_empty_values",
            "[[fields]]\nname = \"a\"\ntype = \"enum\"\nvalues = []\n",
        ),
        (
            "values_on_string",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\nvalues = [\"x\"]\n",
        ),
        (
            "wildcards_on_integer",
            "[[fields]]\nname = \"a\"\ntype = \"integer\"\nwildcards = true\n",
        ),
        (
            "numeric_strings_on_float",
            "[[fields]]\nname = \"a\"\ntype = \"float\"\nnumeric_strings = true\n",
        ),
        (
            "unsupported_operator",
            "[[fields]]\nname = \"t\"\ntype = \"timestamp\"\noperators = [\"=lt=\", \"=ic=\"]\n[policy]\noperators = \"extended\"\n",
        ),
        (
            "extended_under_standard",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\noperators = [\"==\", \"=like=\"]\n",
        ),
        (
            "duplicate_name",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\n\n[[fields]]\nname = \"a\"\ntype = \"bool\"\n",
        ),
        (
            "invalid_name",
            "[[fields]]\nname = \"a..b\"\ntype = \"string\"\n",
        ),
        (
            "alias_target",
            "fields = [{ name = \"a\", type = \"bool\" }]\n[aliases]\nb = \"nowhere\"\n",
        ),
        (
            "alias_shadows_field",
            "fields = [{ name = \"a\", type = \"bool\" }, { name = \"b\", type = \"bool\" }]\n[aliases]\nb = \"a\"\n",
        ),
        (
            "alias_dotted_unquoted",
            "fields = [{ name = \"members.a\", type = \"string\" }]\n[aliases]\nconversation.members = \"members\"\n",
        ),
        ("policy_ops", "fields = []\n[policy]\noperators = \"any\"\n"),
        (
            "policy_unknown",
            "fields = []\n[policy]\nforbid_ors = true\n",
        ),
        ("limits_negative", "fields = []\n[limits]\nmax_depth = -1\n"),
        (
            "limits_depth_ceiling",
            "fields = []\n[limits]\nmax_depth = 257\n",
        ),
        (
            "unicode_column",
            "fields = [{ name = \"é\", type = \"strnig\" }]",
        ),
    ];
    let json_cases: &[(&str, &str)] = &[
        ("syntax", "{\"fields\": [}"),
        ("trailing", "{\"fields\": []} x"),
        (
            "unknown_field_key",
            "{\"fields\": [\n  {\"name\": \"a\", \"type\": \"string\", \"sortabel\": true}\n]}",
        ),
        (
            "bad_type",
            "{\"fields\": [{\"name\": \"a\", \"type\": \"strnig\"}]}",
        ),
        (
            "duplicate_key",
            "{\"fields\": [{\"name\": \"a\", \"name\": \"b\", \"type\": \"bool\"}]}",
        ),
        (
            "duplicate_alias",
            "{\"fields\": [{\"name\": \"a\", \"type\": \"bool\"}], \"aliases\": {\"b\": \"a\", \"b\": \"a\"}}",
        ),
        (
            "duplicate_name",
            "{\"fields\": [{\"name\": \"a\", \"type\": \"bool\"}, {\"name\": \"a\", \"type\": \"bool\"}]}",
        ),
        (
            "sql_kind_multi",
            "{\"fields\": [{\"name\": \"m.a\", \"type\": \"string\", \"kind\": \"multi_valued\", \"sql\": {\"column\": \"m.a\"}}]}",
        ),
        ("not_an_object", "[]"),
    ];
    let mut report = String::new();
    for (name, text) in toml_cases {
        let err = SchemaFile::from_toml_str(text)
            .err()
            .unwrap_or_else(|| panic!("toml {name}: accepted"));
        report.push_str(&format!("toml {name}: {err}\n"));
    }
    for (name, text) in json_cases {
        let err = SchemaFile::from_json_str(text)
            .err()
            .unwrap_or_else(|| panic!("json {name}: accepted"));
        report.push_str(&format!("json {name}: {err}\n"));
    }
    insta::assert_snapshot!("schema_file_errors", report);
}

#[test]
fn error_accessors() {
    let err =
        SchemaFile::from_toml_str("[[fields]]\nname = \"a\"\ntype = \"strnig\"\n").unwrap_err();
    assert_eq!((err.line(), err.column()), (Some(3), Some(8)));
    assert_eq!(err.key(), Some("fields[0].type"));
    assert!(err.file().is_none());
    assert!(matches!(err.kind(), SchemaFileErrorKind::Syntax(_)));
    assert!(
        err.message().starts_with("unknown variant `strnig`"),
        "{err}"
    );

    // a declaration error in TOML points at the declaration
    let err = SchemaFile::from_toml_str(
        "[[fields]]\nname = \"a\"\ntype = \"bool\"\n\n[[fields]]\nname = \"a\"\ntype = \"bool\"\n",
    )
    .unwrap_err();
    assert!(matches!(
        err.kind(),
        SchemaFileErrorKind::Schema(rsql::SchemaError::DuplicateName(_))
    ));
    assert_eq!((err.line(), err.key()), (Some(5), Some("fields[1].name")));
    // … and in JSON, which gives no position for it, names the key only
    let err = SchemaFile::from_json_str(
        r#"{"fields": [{"name": "a", "type": "bool"}, {"name": "a", "type": "bool"}]}"#,
    )
    .unwrap_err();
    assert_eq!((err.line(), err.key()), (None, Some("fields[1].name")));
    assert_eq!(
        err.to_string(),
        "fields[1].name: duplicate field or alias name `a`"
    );
}

#[test]
fn read_names_the_file_and_picks_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("conversation.TOML");
    std::fs::write(&toml, CONVERSATION_TOML).unwrap();
    let file = SchemaFile::read(&toml, None).unwrap();
    assert!(file.compile("conversation.type==meeting").is_ok());

    // the extension decides, unless a format is given
    let txt = dir.path().join("schema.txt");
    std::fs::write(&txt, CONVERSATION_JSON).unwrap();
    let err = SchemaFile::read(&txt, None).unwrap_err();
    assert!(matches!(err.kind(), SchemaFileErrorKind::UnknownFormat));
    assert_eq!(err.file(), Some(txt.as_path()));
    assert!(SchemaFile::read(&txt, Some(SchemaFormat::Json)).is_ok());
    let err = SchemaFile::read(&txt, Some(SchemaFormat::Toml)).unwrap_err();
    assert_eq!(err.line(), Some(1));
    assert!(
        err.to_string()
            .starts_with(&format!("{}:1:", txt.display())),
        "{err}"
    );

    let missing = dir.path().join("missing.json");
    let err = SchemaFile::read(&missing, None).unwrap_err();
    assert!(matches!(err.kind(), SchemaFileErrorKind::Io(_)));
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read", missing.display()))
    );

    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"fields = []\n# caf\xe9\n").unwrap();
    let err = SchemaFile::read(&latin1, None).unwrap_err();
    assert!(matches!(err.kind(), SchemaFileErrorKind::NotUtf8));
    assert_eq!((err.line(), err.column()), (Some(2), Some(6)));
}

/// `MAX_FILE_LEN` bytes load; one more byte is refused before parsing.
#[test]
fn file_size_limit_at_and_past() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.toml");
    let body = "fields = [{ name = \"a\", type = \"bool\" }]\n";
    let pad = |len: usize| {
        let mut text = body.to_owned();
        text.push('#');
        text.push_str(&"x".repeat(len - text.len()));
        text
    };
    std::fs::write(&path, pad(MAX_FILE_LEN)).unwrap();
    assert!(SchemaFile::read(&path, None).is_ok());
    std::fs::write(&path, pad(MAX_FILE_LEN + 1)).unwrap();
    let err = SchemaFile::read(&path, None).unwrap_err();
    assert!(matches!(
        err.kind(),
        SchemaFileErrorKind::TooLarge { limit } if *limit == MAX_FILE_LEN
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the schema file is larger than 1048576 bytes",
            path.display()
        )
    );
}
