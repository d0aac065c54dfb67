//! Bad JSONL lines: every kind of error names its line and field, a bad line
//! never loads half a record, and the caller chooses skip-and-report or fail.

use store::load::{LoadOptions, OnError, load_jsonl, load_jsonl_file};
use store::{LoadErrorKind, Position, RecordErrorKind, Store};

const GOOD_A: &str = r#"{"id":"a","type":"call","name":"A","startTime":"2021-01-01T10:00:00.000Z","endTime":"2021-01-01T10:30:00.000Z","members":[{"id":"m1","name":"Ana","email":"ana@x.io"}],"metadata":{"agentId":"agent-1"}}"#;
const GOOD_B: &str = r#"{"id":"b","type":"chat","name":"B","startTime":"2021-01-02T10:00:00+02:00","members":[],"metadata":{}}"#;

fn bad_lines() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r#"{"id":"c","type":"call","name":"C","startTime":"2021-01-01T10:00:00"}"#,
            "startTime",
        ),
        (
            r#"{"id":"d","type":"call","name":"D","startTime":"2021-01-01T10:00:00Z","endTime":"2021-01-01T09:00:00Z"}"#,
            "endTime",
        ),
        (
            r#"{"id":"a","type":"call","name":"dup","startTime":"2021-01-01T10:00:00Z"}"#,
            "id",
        ),
        (
            r#"{"id":"e","type":"call","name":"E","startTime":"2021-01-01T10:00:00Z","metadata":{"agentId":7}}"#,
            "metadata.agentId",
        ),
        (
            r#"{"id":"f","type":"call","name":"F","startTime":"2021-01-01T10:00:00Z","members":[{"id":"m1"}]}"#,
            "members[0].name",
        ),
        (
            r#"{"id":"g","type":"call","name":"G","startTime":"2021-01-01T10:00:00Z","metadata":{"k":"1","k":"2"}}"#,
            "metadata.k",
        ),
        (
            r#"{"id":"h","type":5,"name":"H","startTime":"2021-01-01T10:00:00Z"}"#,
            "type",
        ),
    ]
}

fn file_with_bad_lines() -> String {
    let mut lines = vec![GOOD_A.to_string()];
    for (l, _) in bad_lines() {
        lines.push(l.to_string());
    }
    lines.push(r#"{"id":"i","type":"call""#.to_string()); // malformed JSON
    lines.push(String::new()); // blank: ignored
    lines.push(GOOD_B.to_string());
    lines.join("\n")
}

#[test]
fn skip_mode_reports_every_bad_line_with_its_field() {
    let mut s = Store::new();
    let report = load_jsonl(
        &mut s,
        file_with_bad_lines().as_bytes(),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(report.loaded, 2);
    assert_eq!(s.len(), 2);
    let expected = bad_lines();
    assert_eq!(report.skipped.len(), expected.len() + 1);
    for (i, (err, (_, field))) in report.skipped.iter().zip(&expected).enumerate() {
        assert_eq!(err.position(), Some(Position::Line(i + 2)), "{err}");
        let LoadErrorKind::Record(rec) = err.kind() else {
            panic!("{err}")
        };
        assert_eq!(rec.field(), Some(*field), "{err}");
    }
    let json_err = report.skipped.last().unwrap();
    assert_eq!(
        json_err.position(),
        Some(Position::Line(expected.len() + 2))
    );
    assert!(
        matches!(json_err.kind(), LoadErrorKind::Record(r) if matches!(r.kind(), RecordErrorKind::Json { .. }))
    );
    // Nothing of a bad line was stored: no stray people or metadata keys.
    assert!(!s.contains("c") && !s.contains("e") && !s.contains("f"));
    assert_eq!(
        s.get("a").unwrap().name,
        "A",
        "the duplicate did not overwrite the original"
    );
    assert_eq!(s.check_consistency(), Ok(()));
    let messages: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("bad_jsonl_messages", messages.join("\n"));
}

#[test]
fn fail_mode_stops_at_the_first_bad_line_and_keeps_what_came_before() {
    let mut s = Store::new();
    let err = load_jsonl(
        &mut s,
        file_with_bad_lines().as_bytes(),
        &LoadOptions::fail_fast(),
    )
    .unwrap_err();
    assert_eq!(err.position(), Some(Position::Line(2)));
    assert_eq!(s.len(), 1);
    assert!(s.contains("a"));
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn too_many_bad_lines_give_up() {
    let mut s = Store::new();
    let junk = "nope\n".repeat(20);
    let opts = LoadOptions::default()
        .with_on_error(OnError::Skip)
        .with_max_errors(5);
    let err = load_jsonl(&mut s, junk.as_bytes(), &opts).unwrap_err();
    assert!(matches!(
        err.kind(),
        LoadErrorKind::TooManyErrors { limit: 5 }
    ));
}

#[test]
fn invalid_utf8_is_a_line_error() {
    let mut s = Store::new();
    let mut data = GOOD_A.as_bytes().to_vec();
    data.extend_from_slice(b"\n{\"id\":\"\xff\"}\n");
    data.extend_from_slice(GOOD_B.as_bytes());
    let report = load_jsonl(&mut s, data.as_slice(), &LoadOptions::default()).unwrap();
    assert_eq!(report.loaded, 2);
    assert_eq!(report.skipped[0].position(), Some(Position::Line(2)));
}

#[test]
fn loading_into_a_non_empty_store_checks_duplicates_against_it() {
    let mut s = store::generate::store(1, 100);
    let mut data = Vec::new();
    store::generate::write_jsonl(1, 110, &mut data).unwrap();
    let report = load_jsonl(&mut s, data.as_slice(), &LoadOptions::default()).unwrap();
    assert_eq!(report.loaded, 10);
    assert_eq!(report.skipped.len(), 100);
    assert_eq!(s.len(), 110);
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn file_errors_name_the_file() {
    let mut s = Store::new();
    let dir = std::env::temp_dir().join(format!("store-load-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.jsonl");
    std::fs::write(&path, format!("{GOOD_A}\n{{\n")).unwrap();
    let report = load_jsonl_file(&mut s, &path, &LoadOptions::default()).unwrap();
    assert_eq!(report.skipped[0].file(), Some(path.as_path()));
    assert!(
        report.skipped[0]
            .to_string()
            .starts_with(&format!("{}: line 2: malformed JSON", path.display()))
    );
    let missing =
        load_jsonl_file(&mut s, dir.join("none.jsonl"), &LoadOptions::default()).unwrap_err();
    assert!(matches!(missing.kind(), LoadErrorKind::Io { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_fixture_round_trips_through_the_store() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/conversations-1k.jsonl"
    );
    let mut s = Store::new();
    load_jsonl_file(&mut s, path, &LoadOptions::fail_fast()).unwrap();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let want: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = want["id"].as_str().unwrap();
        let got = serde_json::to_value(s.get(id).unwrap()).unwrap();
        assert_eq!(got, want, "{id}");
    }
}

#[test]
fn long_lines_and_odd_line_endings_load() {
    // A line longer than the reader's 1 MiB blocks, CRLF endings, no final newline.
    let mut s = Store::new();
    let long_name = "x".repeat(3 << 20);
    let data = format!(
        "{GOOD_A}\r\n{{\"id\":\"big\",\"type\":\"call\",\"name\":\"{long_name}\",\"startTime\":\"2021-01-01T00:00:00Z\"}}\r\n\r\n{GOOD_B}"
    );
    let report = load_jsonl(&mut s, data.as_bytes(), &LoadOptions::fail_fast()).unwrap();
    assert_eq!(report.loaded, 3);
    assert_eq!(s.get("big").unwrap().name.len(), 3 << 20);
    assert!(s.contains("b"));
}

#[test]
fn line_numbers_survive_chunking() {
    // Enough lines for several chunks; the bad one is reported at its line.
    let mut data = Vec::new();
    store::generate::write_jsonl(3, 5000, &mut data).unwrap();
    let mut text = String::from_utf8(data).unwrap();
    text.push_str("{broken\n");
    let mut more = Vec::new();
    store::generate::write_jsonl(4, 10, &mut more).unwrap();
    let more = String::from_utf8(more)
        .unwrap()
        .replace("\"id\":\"1000", "\"id\":\"2000");
    text.push_str(&more);
    let mut s = Store::new();
    let report = load_jsonl(&mut s, text.as_bytes(), &LoadOptions::default()).unwrap();
    assert_eq!(report.loaded, 5010);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].position(), Some(Position::Line(5001)));
}

#[test]
fn a_file_of_many_chunks_loads_every_line_in_place() {
    // About 13 MB: a dozen of the reader's blocks, so text buffers come back
    // to the reading thread and are read into again; the file's length sizes
    // the row vector. The last line is bad and reported at its number.
    let path = std::env::temp_dir().join(format!("many-chunks-{}.jsonl", std::process::id()));
    let mut data = Vec::new();
    store::generate::write_jsonl(9, 20_000, &mut data).unwrap();
    data.extend_from_slice(b"{broken\n");
    std::fs::write(&path, &data).unwrap();
    let mut s = Store::new();
    let report = load_jsonl_file(&mut s, &path, &LoadOptions::default()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!((report.loaded, s.len()), (20_000, 20_000));
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].position(), Some(Position::Line(20_001)));
    s.check_consistency().unwrap();
    for i in [0, 1, 9_999, 19_999] {
        let c = store::generate::conversation(9, i);
        assert_eq!(s.get(&c.id).as_ref(), Some(&c), "row {i}");
    }
}
