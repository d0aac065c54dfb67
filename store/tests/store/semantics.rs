//! Issue 14 through the store: a running conversation (no `endTime`) is
//! never selected by a comparison on `endTime`, negations included; time
//! literals finer than a millisecond are compared exactly on the time
//! index's path as on the scan's; no write can store U+0000 (NUL).

use store::load::{LoadOptions, load_jsonl};
use store::{Member, Params, QuerySpec, Store};

/// "Now" for the API's window rules; every filter below comes without
/// `startTime`/`endTime`, so no window applies.
fn now() -> i64 {
    store::time::parse_rfc3339_ms("2024-01-01T00:00:00Z").unwrap()
}

fn line(id: &str, start: &str, end: Option<&str>) -> String {
    let end = end.map_or(String::new(), |e| format!(r#","endTime":"{e}""#));
    format!(
        r#"{{"id":"{id}","type":"call","name":"n{id}","startTime":"{start}"{end},"members":[{{"id":"m{id}","name":"Ana","email":"ana@x.io"}}],"metadata":{{"k":"v"}}}}"#
    )
}

/// Three ended conversations and one that is still running.
fn store() -> Store {
    let mut s = Store::new();
    for l in [
        line(
            "ended-a",
            "2021-06-12T23:00:00.000Z",
            Some("2021-06-12T23:59:59.999Z"),
        ),
        line(
            "ended-b",
            "2021-06-12T23:00:00.000Z",
            Some("2021-06-13T00:00:00.000Z"),
        ),
        line(
            "ended-c",
            "2021-06-10T09:00:00.000Z",
            Some("2021-06-10T09:30:00.000Z"),
        ),
        line("running", "2021-06-13T00:00:00.000Z", None),
    ] {
        s.insert_json(&l).unwrap();
    }
    s
}

/// The ids `filter` selects, in id order (and the total agrees).
fn ids(s: &Store, filter: &str) -> Vec<String> {
    let params = Params {
        filter: Some(filter),
        sort: Some("conversation.id"),
        limit: Some("100"),
        ..Params::default()
    };
    let spec = QuerySpec::from_params(&params, now()).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let page = s.query(&spec).unwrap();
    assert_eq!(page.total, page.items.len(), "{filter}");
    page.items.into_iter().map(|c| c.id).collect()
}

#[test]
fn a_running_conversation_matches_no_comparison_on_end_time() {
    let s = store();
    for (filter, want) in [
        (
            "conversation.endTime!=2021-06-10T09:30:00Z",
            &["ended-a", "ended-b"][..],
        ),
        (
            "conversation.endTime=out=(2021-06-10T09:30:00Z,2021-06-13)",
            &["ended-a"],
        ),
        (
            "conversation.endTime=nb=(2021-06-10,2021-06-12T23:59:59.999Z)",
            &["ended-b"],
        ),
        (
            "conversation.endTime=lt=2022-01-01",
            &["ended-a", "ended-b", "ended-c"],
        ),
        // Sub-millisecond: a negation of nothing still needs a value.
        (
            "conversation.endTime!=2021-06-12T23:59:59.9995Z",
            &["ended-a", "ended-b", "ended-c"],
        ),
        (
            "conversation.endTime=out=(2021-06-12T23:59:59.9995Z)",
            &["ended-a", "ended-b", "ended-c"],
        ),
        // `=isnull=true` still finds it.
        ("conversation.endTime=isnull=true", &["running"]),
        // And a negation on another field does not lose it.
        (
            "conversation.startTime!=2021-06-10T09:00:00Z",
            &["ended-a", "ended-b", "running"],
        ),
    ] {
        assert_eq!(ids(&s, filter), want, "{filter}");
    }
}

#[test]
fn start_time_literals_finer_than_a_millisecond() {
    let s = store();
    let l = "2021-06-12T23:00:00.0001Z"; // just after ended-a/ended-b's start
    for (filter, want) in [
        (format!("conversation.startTime=={l}"), &[][..]),
        (
            format!("conversation.startTime!={l}"),
            &["ended-a", "ended-b", "ended-c", "running"],
        ),
        (format!("conversation.startTime=ge={l}"), &["running"]),
        (format!("conversation.startTime=gt={l}"), &["running"]),
        (
            format!("conversation.startTime=le={l}"),
            &["ended-a", "ended-b", "ended-c"],
        ),
        (
            format!("conversation.startTime=lt={l}"),
            &["ended-a", "ended-b", "ended-c"],
        ),
        (
            format!("conversation.startTime=in=({l},2021-06-10T09:00:00Z)"),
            &["ended-c"],
        ),
        (format!("conversation.startTime=in=({l})"), &[]),
        (
            format!("conversation.startTime=out=({l},2021-06-10T09:00:00Z)"),
            &["ended-a", "ended-b", "running"],
        ),
        (
            format!("conversation.startTime=bt=(2021-06-12T22:59:59.9999Z,{l})"),
            &["ended-a", "ended-b"],
        ),
        (
            format!("conversation.startTime=nb=(2021-06-12T22:59:59.9999Z,{l})"),
            &["ended-c", "running"],
        ),
        // The same instant written with an offset.
        (
            "conversation.startTime=ge=2021-06-13T01:59:59.9999+02:00".to_owned(),
            &["running"],
        ),
    ] {
        assert_eq!(ids(&s, &filter), want, "{filter}");
    }
}

#[test]
fn writes_refuse_nul_naming_the_field() {
    let mut s = store();
    let before = s.get("ended-a");
    let cases = [
        (
            line("x", "2021-01-01T00:00:00Z", None).replace(r#""k":"v""#, r#""k":"a\u0000b""#),
            "field `metadata.k`: expected text without U+0000 (NUL), found `a\\0b`",
        ),
        (
            line("x", "2021-01-01T00:00:00Z", None).replace(r#""k":"v""#, r#""k\u0000":"v""#),
            "field `metadata`: expected text without U+0000 (NUL), found `k\\0`",
        ),
        (
            line("x", "2021-01-01T00:00:00Z", None).replace("Ana", r"A\u0000na"),
            "field `members[0].name`: expected text without U+0000 (NUL), found `A\\0na`",
        ),
        (
            line("x", "2021-01-01T00:00:00Z", None).replace("ana@x.io", r"ana@x.io\u0000"),
            "field `members[0].email`: expected text without U+0000 (NUL), found `ana@x.io\\0`",
        ),
        (
            line("x", "2021-01-01T00:00:00Z", None).replace(r#""name":"nx""#, r#""name":"\u0000""#),
            "field `name`: expected text without U+0000 (NUL), found `\\0`",
        ),
    ];
    for (json, message) in &cases {
        let err = s.insert_json(json).unwrap_err();
        assert_eq!(err.to_string(), *message, "{json}");
    }
    assert!(s.get("x").is_none());
    let err = s
        .update_metadata("ended-a", &[("k".into(), Some("v\0".into()))])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `metadata.k`: expected text without U+0000 (NUL), found `v\\0`"
    );
    let err = s
        .update_metadata(
            "ended-a",
            &[("a\0".into(), Some("v".into())), ("b".into(), None)],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `metadata`: expected text without U+0000 (NUL), found `a\\0`"
    );
    for member in [
        Member {
            id: "mended-a".into(),
            name: "B\0".into(),
            email: None,
        },
        Member {
            id: "mended-a".into(),
            name: "B".into(),
            email: Some("b@x.io\0".into()),
        },
    ] {
        let err = s.update_member("ended-a", member).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected text without U+0000 (NUL)"),
            "{err}"
        );
        assert!(err.to_string().starts_with("field `member."), "{err}");
    }
    // Nothing changed.
    assert_eq!(s.get("ended-a"), before);
    assert_eq!(s.len(), 4);
}

#[test]
fn the_loader_reports_a_line_with_nul_as_bad() {
    let mut s = Store::new();
    let data = [
        line("1", "2021-01-01T00:00:00Z", None),
        line("2", "2021-01-01T00:00:00Z", None).replace(r#""k":"v""#, r#""k":"\u0000""#),
        line("3", "2021-01-01T00:00:00Z", None),
    ]
    .join("\n");
    let report = load_jsonl(&mut s, data.as_bytes(), &LoadOptions::default()).unwrap();
    assert_eq!(report.loaded, 2);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(
        report.skipped[0].to_string(),
        "line 2: field `metadata.k`: expected text without U+0000 (NUL), found `\\0`"
    );
    assert!(s.get("2").is_none());
}
