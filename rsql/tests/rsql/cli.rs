//! The `rsql` binary from the outside: the contract of `shared/spec/rsql.md` §5.
//!
//! Runs the built binary (`CARGO_BIN_EXE_rsql`, which exists only with the
//! `cli` feature): `cargo test -p rsql --features cli --test rsql cli::`.
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn rsql(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsql"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rsql");
    {
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin).expect("write stdin");
    }
    child.wait_with_output().expect("wait for rsql")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// Runs `rsql parse ARGS… FILTER`, expects exit 0, returns stdout without the newline.
#[track_caller]
fn parse_ok(args: &[&str], filter: &str) -> String {
    let mut all = vec!["parse"];
    all.extend_from_slice(args);
    all.push(filter);
    let out = rsql(&all, b"");
    assert_eq!(out.status.code(), Some(0), "{filter:?}: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.ends_with('\n'), "{text:?}");
    text.trim_end_matches('\n').to_owned()
}

/// Runs `rsql parse ARGS… FILTER`, expects exit 1, returns stderr.
#[track_caller]
fn parse_err(args: &[&str], filter: &str) -> String {
    let mut all = vec!["parse"];
    all.extend_from_slice(args);
    all.push(filter);
    let out = rsql(&all, b"");
    assert_eq!(out.status.code(), Some(1), "{filter:?}: {}", stdout(&out));
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(&out));
    stderr(&out)
}

/// Runs `rsql parse --batch ARGS…` on `input`, returns (exit code, parsed stdout lines, stderr).
fn batch(args: &[&str], input: &[u8]) -> (Option<i32>, Vec<Value>, String) {
    let mut all = vec!["parse", "--batch"];
    all.extend_from_slice(args);
    let out = rsql(&all, input);
    let lines = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}")))
        .collect();
    (out.status.code(), lines, stderr(&out))
}

/// JSON Lines input: each filter as a JSON string on its own line.
fn jsonl(filters: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in filters {
        out.extend_from_slice(serde_json::to_string(f).unwrap().as_bytes());
        out.push(b'\n');
    }
    out
}

#[test]
fn prints_canonical_rsql() {
    assert_eq!(
        parse_ok(&[], "a<1;b==2,c=in=(x or y)"),
        "a=lt=1;b==2,c=in=(x,y)"
    );
    assert_eq!(
        parse_ok(&[], "  a==1 and (b==2 and c>=3)  "),
        "a==1;b==2;c=ge=3"
    );
    assert_eq!(parse_ok(&[], "(a==1,b==2);c==3"), "(a==1,b==2);c==3");
    assert_eq!(
        parse_ok(&[], r#"a=="x y";b=='it\'s'"#),
        r#"a=="x y";b=="it's""#
    );
}

#[test]
fn filter_may_start_with_a_hyphen() {
    assert_eq!(parse_ok(&[], "-x==1"), "-x==1");
    assert_eq!(parse_ok(&["--"], "--x==1"), "--x==1");
}

#[test]
fn json_prints_the_canonical_ast() {
    let text = parse_ok(&["--json"], "a<1;b==2,c=in=(x or y)");
    assert!(!text.contains('\n'), "one line: {text}");
    let ast: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        ast,
        json!({"or": [
            {"and": [
                {"selector": "a", "op": "=lt=", "args": ["1"]},
                {"selector": "b", "op": "==", "args": ["2"]}
            ]},
            {"selector": "c", "op": "=in=", "args": ["x", "y"]}
        ]})
    );
    let ast: Value = serde_json::from_str(&parse_ok(&["--json"], r#"a=="say \"hi\"""#)).unwrap();
    assert_eq!(
        ast,
        json!({"selector": "a", "op": "==", "args": ["say \"hi\""]})
    );
}

#[test]
fn error_renders_carets_on_stderr_and_exits_1() {
    let err = parse_err(&[], "conversation.type==meeting;");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "invalid filter at column 28: expected a comparison after `;`, found end of input"
    );
    assert_eq!(lines[1], "    conversation.type==meeting;");
    assert_eq!(lines[2], format!("{}^", " ".repeat(4 + 27)));

    let err = parse_err(&[], "a=gte=1");
    assert!(err.contains("unknown operator `=gte=`"), "{err}");
    assert!(err.contains("\n     ^^^^^"), "{err}");
    assert!(err.contains("did you mean `=ge=`"), "{err}");
}

#[test]
fn ops_standard_is_the_default() {
    let err = parse_err(&[], "a=like=x");
    assert!(err.contains("unknown operator `=like=`"), "{err}");
    let err = parse_err(&["--ops", "standard"], "a=like=x");
    assert!(err.contains("unknown operator `=like=`"), "{err}");
}

#[test]
fn ops_extended_accepts_section_4_with_aliases_and_arity() {
    assert_eq!(parse_ok(&["--ops", "extended"], "a=ke=x"), "a=like=x");
    assert_eq!(
        parse_ok(&["--ops", "extended"], "a=between=(1,5);b=na=true"),
        "a=bt=(1,5);b=isnull=true"
    );
    let err = parse_err(&["--ops", "extended"], "a=bt=(1,2,3)");
    assert!(err.contains("=bt="), "{err}");
    parse_err(&["--ops", "extended"], "a=foo=x");
}

#[test]
fn ops_any_accepts_every_fiql_operator_as_multi_valued() {
    assert_eq!(parse_ok(&["--ops", "any"], "a=foo=(1,2)"), "a=foo=(1,2)");
    assert_eq!(parse_ok(&["--ops", "any"], "a=LIKE=x"), "a=LIKE=x");
    let ast: Value =
        serde_json::from_str(&parse_ok(&["--ops", "any", "--json"], "a=x=(1,2)")).unwrap();
    assert_eq!(
        ast,
        json!({"selector": "a", "op": "=x=", "args": ["1", "2"]})
    );
    // still only the FIQL shape
    parse_err(&["--ops", "any"], "a=l1ke=x");
}

#[test]
fn policy_symbl() {
    let ok = "conversation.metadata.agentId==a1 and metadata.agentId!=a2;conversation.startTime=ge=2021-03-01";
    assert_eq!(
        parse_ok(&["--policy", "symbl"], ok),
        "conversation.metadata.agentId==a1;metadata.agentId!=a2;conversation.startTime=ge=2021-03-01"
    );
    let err = parse_err(
        &["--policy", "symbl"],
        "conversation.type==a,conversation.type==b",
    );
    assert!(err.contains("=in="), "suggests =in=: {err}");
    let err = parse_err(
        &["--policy", "symbl"],
        "conversation.type==a;conversation.name==b;members.email==c",
    );
    assert!(err.contains('2'), "names the limit: {err}");
    let err = parse_err(
        &["--policy", "symbl"],
        "conversation.startTme=ge=2021-03-01",
    );
    assert!(
        err.contains("conversation.startTime"),
        "suggests the field: {err}"
    );
    // without a policy the same filters are fine
    parse_ok(&[], "conversation.type==a,conversation.type==b");
}

#[test]
fn policy_symbl_uses_extended_ops_unless_ops_says_otherwise() {
    parse_ok(&["--policy", "symbl"], "conversation.name=like=Sync");
    let err = parse_err(
        &["--policy", "symbl", "--ops", "standard"],
        "conversation.name=like=Sync",
    );
    assert!(err.contains("unknown operator `=like=`"), "{err}");
}

#[test]
fn batch_answers_each_line_in_order() {
    let input = jsonl(&[
        "a==1",
        "a=gte=1",
        "a\t==1",     // TAB next to a word is whitespace
        "a==b\tc",    // … so this is two words
        "a==\u{a0}x", // NBSP is an ordinary character
        r#"x=="O'Brien";y=='say "hi"'"#,
        r#"z=="a\"b\\c""#, // escapes resolved
        "a==1;",
    ]);
    let (code, lines, err) = batch(&[], &input);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
    assert_eq!(lines.len(), 8);
    assert_eq!(
        lines[0],
        json!({"ok": true, "ast": {"selector": "a", "op": "==", "args": ["1"]}})
    );
    assert_eq!(
        lines[1],
        json!({"ok": false, "error": {
            "kind": "unknown_operator", "message": "unknown operator `=gte=`",
            "offset": 1, "length": 5
        }})
    );
    assert_eq!(lines[2], lines[0]);
    assert_eq!(lines[3]["ok"], json!(false));
    assert_eq!(lines[3]["error"]["offset"], json!(5));
    assert_eq!(lines[3]["error"]["length"], json!(1));
    assert_eq!(
        lines[4]["ast"],
        json!({"selector": "a", "op": "==", "args": ["\u{a0}x"]})
    );
    assert_eq!(
        lines[5]["ast"],
        json!({"and": [
            {"selector": "x", "op": "==", "args": ["O'Brien"]},
            {"selector": "y", "op": "==", "args": ["say \"hi\""]}
        ]})
    );
    assert_eq!(lines[6]["ast"]["args"], json!(["a\"b\\c"]));
    assert_eq!(
        lines[7]["error"],
        json!({"kind": "expected_comparison",
               "message": "expected a comparison after `;`, found end of input",
               "offset": 5, "length": 0})
    );
}

#[test]
fn batch_error_fields_match_the_library() {
    let filters = [
        "", "   ", "(a==1", "a==1)", "a~1", "a=in=()", "a==(1,2)", "a=='x",
    ];
    let (code, lines, _) = batch(&[], &jsonl(&filters));
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), filters.len());
    for (filter, line) in filters.iter().zip(&lines) {
        let err = rsql::parse(filter).unwrap_err();
        assert_eq!(
            line,
            &json!({"ok": false, "error": {
                "kind": err.kind().code(), "message": err.message(),
                "offset": err.offset(), "length": err.len()
            }}),
            "{filter:?}"
        );
    }
}

#[test]
fn batch_honours_ops_and_policy() {
    let input = jsonl(&["a=like=x", "conversation.type==a,conversation.type==b"]);
    let (code, lines, _) = batch(&["--ops", "extended"], &input);
    assert_eq!(code, Some(0));
    assert_eq!(lines[0]["ok"], json!(true));
    assert_eq!(lines[1]["ok"], json!(true));
    let (code, lines, _) = batch(&["--policy", "symbl"], &input);
    assert_eq!(code, Some(0));
    assert_eq!(lines[0]["ok"], json!(false));
    assert_eq!(lines[0]["error"]["kind"], json!("selector_not_allowed"));
    assert_eq!(lines[1]["error"]["kind"], json!("or_forbidden"));
    let (_, lines, _) = batch(&["--json"], &jsonl(&["a==1"]));
    assert_eq!(
        lines[0]["ok"],
        json!(true),
        "--json is implied and accepted"
    );
}

#[test]
fn batch_skips_blank_lines_and_accepts_crlf() {
    let (code, lines, _) = batch(&[], b"\"a==1\"\r\n\n   \n\"b==2\"");
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["ast"]["selector"], json!("b"));
    let (code, lines, _) = batch(&[], b"");
    assert_eq!(code, Some(0));
    assert!(lines.is_empty());
}

#[test]
fn batch_unreadable_input_exits_2_after_answering_earlier_lines() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"\"a==1\"\n\xff\xfe\n\"b==2\"\n",
            "stdin line 2: invalid UTF-8",
        ),
        (
            b"\"a==1\"\n42\n",
            "stdin line 2: expected a JSON string, found a number",
        ),
        (
            b"\"a==1\"\n{\"filter\":\"a==1\"}\n",
            "stdin line 2: expected a JSON string, found an object",
        ),
        (
            b"\"a==1\"\na==1\n",
            "stdin line 2: expected a JSON string, found invalid JSON",
        ),
        (
            b"\"a==1\"\n\"\\ud800\"\n",
            "stdin line 2: expected a JSON string, found invalid JSON",
        ),
    ];
    for (input, message) in cases {
        let (code, lines, err) = batch(&[], input);
        assert_eq!(code, Some(2), "{input:?}");
        assert_eq!(
            lines.len(),
            1,
            "line 1 answered, nothing after line 2: {input:?}"
        );
        assert_eq!(lines[0]["ok"], json!(true));
        assert!(err.contains(message), "{err}");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["parse"][..],
        &["parse", "--batch", "a==1"],
        &["parse", "--ops", "fancy", "a==1"],
        &["parse", "--policy", "acme", "a==1"],
        &["parse", "--frobnicate", "a==1"],
        &[],
    ] {
        let out = rsql(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn help_and_version() {
    let out = rsql(&["parse", "--help"], b"");
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for flag in [
        "--json", "--ops", "--policy", "--batch", "standard", "extended", "any", "symbl",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    let out = rsql(&["--version"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("rsql "));
}
