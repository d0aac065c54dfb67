//! `rsql check|sql|mongo --schema FILE`: the real binary against the shipped
//! conversation schema and schema files written to a temporary directory.
#![cfg(feature = "cli")]

use std::path::Path;

use serde_json::{Value, json};

use crate::cli::{MAX_INPUT, rsql, rsql_in, stderr, stdout};

const TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/conversation.toml");
const JSON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/conversation.json");

/// Runs `rsql ARGS…`, returns (exit code, stdout, stderr).
fn run(args: &[&str], stdin: &[u8]) -> (Option<i32>, String, String) {
    let out = rsql(args, stdin);
    (out.status.code(), stdout(&out), stderr(&out))
}

/// Runs `rsql SUBCOMMAND --schema <example> ARGS… FILTER` with both example
/// files, expects exit 0 and the same stdout from both, returns it.
#[track_caller]
fn ok(subcommand: &str, args: &[&str], filter: &str) -> String {
    let mut outs = Vec::new();
    for schema in [TOML, JSON] {
        let mut all = vec![subcommand, "--schema", schema];
        all.extend_from_slice(args);
        all.push(filter);
        let (code, out, err) = run(&all, b"");
        assert_eq!(code, Some(0), "{filter}: {err}");
        assert!(err.is_empty(), "{err}");
        outs.push(out);
    }
    assert_eq!(outs[0], outs[1], "toml and json agree");
    outs.swap_remove(0)
}

/// Runs with the TOML example, expects exit 1 and nothing on stdout, returns stderr.
#[track_caller]
fn invalid(subcommand: &str, filter: &str) -> String {
    let (code, out, err) = run(&[subcommand, "--schema", TOML, filter], b"");
    assert_eq!((code, out.as_str()), (Some(1), ""), "{filter}");
    err
}

/// Parses JSON Lines.
fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

#[test]
fn sql_prints_the_clause_and_its_parameters() {
    let filter = "conversation.startTime=ge=2021-03-01;metadata.agentId=in=(a1,'a 2')";
    assert_eq!(
        ok("sql", &[], filter),
        "c.start_ms >= $1 AND (c.metadata->>'agentId') IN ($2, $3)\n\
         $1 = 1614556800000 -- 2021-03-01T00:00:00.000Z\n\
         $2 = 'a1'\n\
         $3 = 'a 2'\n"
    );
    assert_eq!(
        ok("sql", &["--dialect", "sqlite"], filter),
        "c.start_ms >= ? AND json_extract(c.metadata, '$.\"agentId\"') IN (?, ?)\n\
         ?1 = 1614556800000 -- 2021-03-01T00:00:00.000Z\n\
         ?2 = 'a1'\n\
         ?3 = 'a 2'\n"
    );
    assert_eq!(
        ok(
            "sql",
            &["--first-placeholder", "3"],
            "conversation.name==\"O'Brien*\""
        ),
        "c.name LIKE $3 ESCAPE '\\'\n$3 = 'O''Brien%'\n"
    );
    assert_eq!(
        ok(
            "sql",
            &["--dialect", "sqlite", "--sqlite-like"],
            "conversation.name==*Sync*"
        ),
        "c.name LIKE ? ESCAPE '\\'\n?1 = '%Sync%'\n"
    );
    assert_eq!(
        ok("sql", &[], "members.email!=bob@x.io"),
        "NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.email = $1)\n\
         $1 = 'bob@x.io'\n"
    );
}

#[test]
fn sql_json_types_every_parameter() {
    let out = ok(
        "sql",
        &["--json"],
        "metadata.score=gt=0.5;conversation.endTime=lt=2021-03-01T10:00:00+01:00",
    );
    assert_eq!(out.lines().count(), 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let want = store::schema()
        .compile_str(
            store::filter::api_parser(),
            "metadata.score=gt=0.5;conversation.endTime=lt=2021-03-01T10:00:00+01:00",
        )
        .unwrap()
        .to_sql(&rsql::SqlOptions::postgres())
        .unwrap();
    assert_eq!(v["sql"], json!(want.sql));
    assert_eq!(
        v["params"],
        json!([
            {"type": "int", "value": 0},
            {"type": "text", "value": ""},
            {"type": "text", "value": "5"},
            {"type": "text", "value": "0.5"},
            {"type": "time", "value": 1_614_589_199_999_i64},
        ])
    );
}

#[test]
fn mongo_prints_the_query_document() {
    let filter = "members.email!=a@x.io;conversation.type==meeting";
    let out = ok("mongo", &[], filter);
    assert_eq!(
        out,
        r#"{"$and":[{"members":{"$not":{"$elemMatch":{"email":{"$eq":"a@x.io"}}}}},{"type":{"$eq":"meeting"}}]}"#
            .to_owned()
            + "\n"
    );
    let pretty = ok("mongo", &["--pretty"], filter);
    assert!(pretty.lines().count() > 5, "{pretty}");
    let a: Value = serde_json::from_str(&out).unwrap();
    let b: Value = serde_json::from_str(&pretty).unwrap();
    assert_eq!(a, b);
    let want = store::compile_filter(filter).unwrap().to_mongo();
    assert_eq!(a, want);
}

#[test]
fn check_prints_the_filter_as_the_schema_reads_it() {
    assert_eq!(
        ok(
            "check",
            &[],
            "conversation.startTime>2021-03-01 and metadata.agentId==a1"
        ),
        "conversation.startTime=ge=2021-03-01T00:00:00.001Z;conversation.metadata.agentId==a1\n"
    );
}

/// The same caret renderings as `rsql parse`, exit 1, for every stage that
/// can refuse a filter: syntax, policy (from the file), schema.
#[test]
fn invalid_filters_exit_1_with_carets() {
    let values: Vec<String> = (1..=501).map(|i| i.to_string()).collect();
    let long = format!("metadata.k=in=({})", values.join(","));
    let cases = [
        ("syntax", "check", "conversation.type==meeting;"),
        (
            "policy_or",
            "sql",
            "conversation.type==a,conversation.type==b",
        ),
        (
            "policy_fields",
            "mongo",
            "conversation.type==a;conversation.name==b;members.id==c",
        ),
        (
            "policy_selector",
            "check",
            "conversation.startTme>2021-03-01",
        ),
        (
            "schema_timestamp",
            "sql",
            "conversation.startTime=ge=2021-02-30",
        ),
        (
            "schema_operator",
            "mongo",
            "conversation.startTime=like=2021",
        ),
        ("schema_key", "check", "metadata.a.b==x"),
        ("limit", "sql", &long),
    ];
    for (name, subcommand, filter) in cases {
        let err = invalid(subcommand, filter);
        // exactly what the library renders for the same schema and parser
        let want = store::schema()
            .compile_str(store::filter::api_parser(), filter)
            .unwrap_err();
        assert_eq!(err, format!("{want:#}\n"), "{name}");
        insta::assert_snapshot!(format!("invalid_{name}"), err);
    }
}

#[test]
fn the_filter_comes_from_stdin_too() {
    for args in [
        &["sql", "--schema", TOML][..],
        &["sql", "--schema", TOML, "-"],
    ] {
        let (code, out, err) = run(args, b"conversation.type==meeting\n");
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(out, "c.type = $1\n$1 = 'meeting'\n");
    }
    let (code, out, _) = run(&["mongo", "--schema", TOML], b"conversation.type==call");
    assert_eq!(
        (code, out.as_str()),
        (Some(0), "{\"type\":{\"$eq\":\"call\"}}\n")
    );
    let (code, _, err) = run(&["check", "--schema", TOML], b"conversation.type==call;\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("expected a comparison after `;`"), "{err}");
}

#[test]
fn batch_answers_each_line_for_every_subcommand() {
    let filters = [
        "conversation.type==meeting",
        "conversation.type==a,conversation.type==b",
        "metadata.x=gt=1",
    ];
    let json_input: String = filters
        .iter()
        .map(|f| serde_json::to_string(f).unwrap() + "\n")
        .collect();
    let plain_input = filters.join("\r\n");
    for subcommand in ["check", "sql", "mongo"] {
        let (code, out, err) = run(
            &[subcommand, "--schema", TOML, "--batch"],
            json_input.as_bytes(),
        );
        assert_eq!(code, Some(0), "{err}");
        let json_lines = lines(&out);
        let (code, out, _) = run(
            &[subcommand, "--schema", JSON, "--batch", "--plain"],
            plain_input.as_bytes(),
        );
        assert_eq!(code, Some(0));
        assert_eq!(
            lines(&out),
            json_lines,
            "{subcommand}: plain and JSON agree"
        );
        assert_eq!(json_lines.len(), 3);
        assert_eq!(
            json_lines[1],
            json!({"ok": false, "error": {
                "kind": "or_forbidden",
                "message": "OR is not supported; use =in= for alternatives of one field",
                "offset": 20, "length": 1
            }}),
            "{subcommand}"
        );
        let first = &json_lines[0];
        assert_eq!(first["ok"], json!(true));
        match subcommand {
            "check" => assert_eq!(first["filter"], json!("conversation.type==meeting")),
            "sql" => {
                assert_eq!(first["sql"], json!("c.type = $1"));
                assert_eq!(
                    first["params"],
                    json!([{"type": "text", "value": "meeting"}])
                );
            }
            _ => assert_eq!(first["query"], json!({"type": {"$eq": "meeting"}})),
        }
    }
}

/// Writes `name` with `text` in a fresh temporary directory.
fn schema_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> (Option<i32>, String, String) {
    let out = rsql_in(Some(dir), args, stdin);
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn a_field_without_sql_mapping_is_an_emit_error() {
    let dir = schema_dir(&[(
        "s.toml",
        "fields = [{ name = \"a\", type = \"bool\", sql = { column = \"t.a\" } }, { name = \"b\", type = \"bool\" }]\n",
    )]);
    let (code, out, err) = run_in(dir.path(), &["sql", "--schema", "s.toml", "b==true"], b"");
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert_eq!(err, "cannot emit SQL: field `b` has no SQL mapping\n");
    let (code, out, _) = run_in(
        dir.path(),
        &["sql", "--schema", "s.toml", "--batch", "--plain"],
        b"b==true\na==false\n",
    );
    assert_eq!(code, Some(0));
    assert_eq!(
        lines(&out),
        [
            json!({"ok": false, "error": {"kind": "no_sql_mapping",
                "message": "field `b` has no SQL mapping", "offset": 0, "length": 0}}),
            json!({"ok": true, "sql": "t.a = $1", "params": [{"type": "bool", "value": false}]}),
        ]
    );
    // Mongo needs no mapping: the path defaults to the field name
    let (code, out, _) = run_in(dir.path(), &["mongo", "--schema", "s.toml", "b==true"], b"");
    assert_eq!((code, out.as_str()), (Some(0), "{\"b\":{\"$eq\":true}}\n"));
}

/// A schema file that cannot be loaded: exit 2, `rsql: file:line:column: key: message`.
#[test]
fn schema_file_errors_exit_2_naming_the_place() {
    let dir = schema_dir(&[
        ("syntax.toml", "[[fields]]\nname = \"a\"\ntype = \"string\n"),
        (
            "typo.json",
            "{\"fields\": [\n  {\"name\": \"a\", \"typ\": \"string\"}\n]}\n",
        ),
        (
            "kind.toml",
            "[[fields]]\nname = \"a\"\ntype = \"string\"\n\n[[fields]]\nname = \"m.b\"\ntype = \"string\"\nkind = \"multi_valued\"\nsql = { column = \"m.b\" }\n",
        ),
        ("schema.yaml", "fields: []\n"),
        ("toml.txt", "fields = [{ name = \"a\", type = \"bool\" }]\n"),
    ]);
    let mut report = String::new();
    for (file, extra) in [
        ("syntax.toml", None),
        ("typo.json", None),
        ("kind.toml", None),
        ("schema.yaml", None),
        ("missing.toml", None),
        ("toml.txt", Some("json")),
    ] {
        let mut args = vec!["check", "--schema", file];
        if let Some(format) = extra {
            args.extend(["--schema-format", format]);
        }
        args.push("a==true");
        let (code, out, err) = run_in(dir.path(), &args, b"");
        assert_eq!((code, out.as_str()), (Some(2), ""), "{file}");
        report.push_str(&err);
    }
    insta::assert_snapshot!("schema_file_errors", report);
    // the right format makes the same file load
    let (code, out, _) = run_in(
        dir.path(),
        &[
            "check",
            "--schema",
            "toml.txt",
            "--schema-format",
            "toml",
            "a==true",
        ],
        b"",
    );
    assert_eq!((code, out.as_str()), (Some(0), "a==true\n"));
}

/// Stdin holds at most `MAX_INPUT` bytes per filter, whatever the parser
/// would accept: here a schema file that allows 1 MiB filters.
#[test]
fn stdin_limit_with_a_roomy_schema() {
    let dir = schema_dir(&[(
        "roomy.toml",
        "fields = [{ name = \"a\", type = \"string\" }]\n\
         [limits]\nmax_len = 2097152\nmax_value_len = 2097152\n",
    )]);
    let at = format!("a=={}", "x".repeat(MAX_INPUT - 3));
    let (code, out, err) = run_in(
        dir.path(),
        &["check", "--schema", "roomy.toml"],
        at.as_bytes(),
    );
    assert_eq!(code, Some(0), "{}", &err[..200.min(err.len())]);
    assert_eq!(out.len(), MAX_INPUT + 1);
    let past = format!("{at}x");
    let (code, _, err) = run_in(
        dir.path(),
        &["check", "--schema", "roomy.toml"],
        past.as_bytes(),
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("longer than 1048576 bytes"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["sql", "a==1"][..],
        &["mongo"],
        &["check", "--schema"],
        &["sql", "--schema", TOML, "--dialect", "mysql", "a==1"],
        &["sql", "--schema", TOML, "--first-placeholder", "0", "a==1"],
        &[
            "sql",
            "--schema",
            TOML,
            "--dialect",
            "sqlite",
            "--first-placeholder",
            "1",
            "a==1",
        ],
        &["sql", "--schema", TOML, "--sqlite-like", "a==1"],
        &["sql", "--schema", TOML, "--batch", "a==1"],
        &["check", "--schema", TOML, "--plain", "a==1"],
        &["mongo", "--schema", TOML, "--schema-format", "yaml", "a==1"],
        &["emit", "a==1"],
    ] {
        let (code, out, err) = run(args, b"");
        assert_eq!(code, Some(2), "{args:?}");
        assert!(out.is_empty(), "{args:?}");
        assert!(!err.is_empty(), "{args:?}");
    }
    let (_, _, err) = run(&["check", "--schema", TOML, "--plain", "a==1"], b"");
    assert!(
        err.contains("--plain reads --batch lines as text: add --batch"),
        "{err}"
    );
}

#[test]
fn help_lists_the_subcommands_and_flags() {
    let (code, out, _) = run(&["--help"], b"");
    assert_eq!(code, Some(0));
    for word in ["parse", "check", "sql", "mongo", "rsql/docs/schema-file.md"] {
        assert!(out.contains(word), "{word} missing from:\n{out}");
    }
    let (code, out, _) = run(&["sql", "--help"], b"");
    assert_eq!(code, Some(0));
    for flag in [
        "--schema",
        "--schema-format",
        "--dialect",
        "postgres",
        "sqlite",
        "--first-placeholder",
        "--sqlite-like",
        "--json",
        "--batch",
        "--plain",
    ] {
        assert!(out.contains(flag), "{flag} missing from:\n{out}");
    }
}

/// The shell session in the README's "Command line" section, run by `sh`
/// from the repository root: every `$ command` prints what follows it.
#[test]
fn readme_command_line_examples_are_true() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## Command line").expect("the section")..];
    let start = section.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let block = &section[start..start + section[start..].find("```").expect("its end")];
    let mut examples: Vec<(String, String)> = Vec::new();
    let mut continued = false;
    for line in block.lines() {
        if let Some(command) = line.strip_prefix("$ ") {
            examples.push((command.to_owned(), String::new()));
            continued = command.ends_with('\\');
        } else if let Some((command, output)) = examples.last_mut() {
            if continued {
                command.push('\n');
                command.push_str(line);
                continued = line.ends_with('\\');
            } else {
                output.push_str(line);
                output.push('\n');
            }
        }
    }
    assert!(examples.len() >= 8, "{examples:?}");
    let bin = Path::new(env!("CARGO_BIN_EXE_rsql")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for (command, want) in examples {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{{ {command}\n}} 2>&1"))
            .env("PATH", &path)
            .current_dir(root)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run sh");
        assert_eq!(stdout(&out), want, "$ {command}");
    }
}
