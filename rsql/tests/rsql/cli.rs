//! The `rsql` binary from the outside: `rsql parse` (the contract of the
//! spec's §5), with the filter as an argument, from stdin, and in batch mode.
//! `cli_schema` tests the subcommands that read a schema file.
//!
//! Runs the built binary (`CARGO_BIN_EXE_rsql`, which exists only with the
//! `cli` feature): `cargo test -p rsql --features cli --test rsql cli`.
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// Runs `rsql ARGS…` with `stdin` on a pipe (written by a thread, so a
/// large input cannot deadlock against the output) and collects the output.
pub(crate) fn rsql(args: &[&str], stdin: &[u8]) -> Output {
    rsql_in(None, args, stdin)
}

/// [`rsql`] with the working directory `dir`.
pub(crate) fn rsql_in(dir: Option<&std::path::Path>, args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rsql"));
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rsql");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // the tool may stop reading early (exit 2): a broken pipe is fine
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("wait for rsql");
    writer.join().expect("stdin writer");
    out
}

/// The most bytes rsql reads from stdin per filter (`input::MAX_INPUT`).
pub(crate) const MAX_INPUT: usize = 1024 * 1024;

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub(crate) fn stderr(out: &Output) -> String {
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
        &["parse", "--batch", "a==1"][..],
        &["parse", "--plain", "a==1"],
        &["parse", "--batch", "-"],
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

/// Runs `rsql ARGS…` with `stdin`, returns (exit code, stdout, stderr).
fn piped(args: &[&str], stdin: &[u8]) -> (Option<i32>, String, String) {
    let out = rsql(args, stdin);
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn a_pipe_without_filter_is_read_as_the_filter() {
    // `echo 'a==1' | rsql parse`
    assert_eq!(
        piped(&["parse"], b"a==1\n"),
        (Some(0), "a==1\n".into(), String::new())
    );
    // `-` says so explicitly
    assert_eq!(
        piped(&["parse", "-"], b"a==1"),
        (Some(0), "a==1\n".into(), String::new())
    );
    assert_eq!(
        piped(&["parse", "--json", "-"], b"a<1 and b==2\r\n"),
        (
            Some(0),
            r#"{"and":[{"selector":"a","op":"=lt=","args":["1"]},{"selector":"b","op":"==","args":["2"]}]}"#
                .to_owned()
                + "\n",
            String::new()
        )
    );
    // a FILTER argument wins over stdin
    assert_eq!(piped(&["parse", "b==2"], b"a==1\n").1, "b==2\n");
}

#[test]
fn stdin_is_one_filter_minus_one_line_ending() {
    // only the last line ending goes: the quoted value keeps its own
    let (code, out, _) = piped(&["parse", "--json"], b"a=='x\n'\n");
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "{\"selector\":\"a\",\"op\":\"==\",\"args\":[\"x\\n\"]}\n"
    );
    // several lines are one filter (newlines are whitespace between tokens)
    assert_eq!(piped(&["parse"], b"a==1;\nb==2\n\n").1, "a==1;b==2\n");
    // TABs and NBSP survive, as in the batch mode's JSON strings
    let (_, out, _) = piped(&["parse", "--json"], "a==\"\tx\u{a0}\"\n".as_bytes());
    assert!(
        out.contains(r#""args":["\tx\u00a0"]"#) || out.contains("[\"\\tx\u{a0}\"]"),
        "{out}"
    );
}

#[test]
fn stdin_errors_are_caret_errors_or_exit_2() {
    // an empty pipe is an empty filter: invalid, exit 1
    let (code, out, err) = piped(&["parse"], b"");
    assert_eq!((code, out.as_str()), (Some(1), ""));
    insta::assert_snapshot!("stdin_empty", err);
    let (code, _, err) = piped(&["parse", "-"], b"conversation.type==meeting;\n");
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("stdin_caret", err);
    // not UTF-8: unreadable, exit 2
    let (code, out, err) = piped(&["parse", "-"], b"a==\xff\n");
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert_eq!(err, "rsql: stdin: not UTF-8: invalid byte at offset 3\n");
}

/// `MAX_INPUT` bytes are read (and judged by the parser's own limit); one
/// more byte is refused without parsing.
#[test]
fn stdin_limit_at_and_past() {
    let at = format!("a=={}", "x".repeat(MAX_INPUT - 3));
    let (code, _, err) = piped(&["parse", "-"], format!("{at}\r\n").as_bytes());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("invalid filter: the filter is 1048576 bytes long, the limit is 65536"),
        "{}",
        &err[..200.min(err.len())]
    );
    let past = format!("{at}x\n");
    let (code, out, err) = piped(&["parse", "-"], past.as_bytes());
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert_eq!(
        err,
        "rsql: stdin: the filter is longer than 1048576 bytes, the most rsql reads from stdin\n"
    );
}

#[test]
fn batch_plain_reads_one_filter_per_text_line() {
    let plain =
        b"a==1\na=gte=1\r\n\n   \nx==\"O'Brien\";y=='say \"hi\"'\na==1;\n\xff\xfeb==1\nlast==1";
    let (code, lines, err) = batch(&["--plain"], plain);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
    // the same filters as JSON strings give the same answers
    let (_, json_lines, _) = batch(
        &[],
        &jsonl(&["a==1", "a=gte=1", r#"x=="O'Brien";y=='say "hi"'"#, "a==1;"]),
    );
    assert_eq!(lines[..4], json_lines[..]);
    // a line that is not UTF-8 is answered, and the tool goes on
    assert_eq!(
        lines[4],
        json!({"ok": false, "error": {
            "kind": "invalid_utf8",
            "message": "the line is not UTF-8: invalid byte at offset 0",
            "offset": 0, "length": 1
        }})
    );
    assert_eq!(lines[5]["ast"]["selector"], json!("last"));
    assert_eq!(lines.len(), 6);
}

#[test]
fn batch_plain_honours_ops_and_policy() {
    let (code, lines, _) = batch(
        &["--plain", "--policy", "symbl"],
        b"conversation.name=like=x\nconversation.type==a,conversation.type==b\n",
    );
    assert_eq!(code, Some(0));
    assert_eq!(lines[0]["ok"], json!(true));
    assert_eq!(lines[1]["error"]["kind"], json!("or_forbidden"));
}

/// A batch line of `MAX_INPUT` bytes is answered; one byte more stops the
/// tool (exit 2) after the earlier lines were answered.
#[test]
fn batch_line_limit_at_and_past() {
    let at = format!("a=={}", "x".repeat(MAX_INPUT - 3));
    let input = format!("b==1\n{at}\r\n{at}x\nc==1\n");
    let (code, lines, err) = batch(&["--plain"], input.as_bytes());
    assert_eq!(code, Some(2));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["error"]["kind"], json!("too_long"));
    assert_eq!(
        err,
        "rsql: stdin line 3: longer than 1048576 bytes, the most rsql reads per line\n"
    );
    // JSON Lines: the limit counts the line as written (quotes included)
    let json_at = format!("\"{}\"", "y".repeat(MAX_INPUT - 2));
    let (code, lines, _) = batch(&[], format!("{json_at}\n").as_bytes());
    assert_eq!((code, lines.len()), (Some(0), 1));
    let (code, lines, _) = batch(&[], format!("{json_at} \n").as_bytes());
    assert_eq!((code, lines.len()), (Some(2), 0));
}

/// `--batch` as a co-process: each answer comes out before the next line is
/// sent (the flush used to wait for the next line of input first, so a
/// caller waiting for its answer waited forever).
#[test]
fn batch_answers_a_line_before_the_next_one_is_sent() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsql"))
        .args(["parse", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    // Answers are read on a thread; a missing one fails after a bound
    // (a hang, not a timing).
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let bound = std::time::Duration::from_secs(20);
    for filter in ["a==1", "b=gt=2;c==x", "((("] {
        writeln!(stdin, "{}", Value::from(filter)).unwrap();
        stdin.flush().unwrap();
        let answer = rx
            .recv_timeout(bound)
            .unwrap_or_else(|e| panic!("no answer to `{filter}` while the next line waits: {e}"));
        let v: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(v["ok"], filter != "(((", "{answer}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().code().is_some());
    reader.join().unwrap();
}
