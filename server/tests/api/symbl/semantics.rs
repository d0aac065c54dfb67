//! Issue 14 over HTTP: a running conversation is never selected by a
//! comparison on `endTime` (negations included), time literals finer than a
//! millisecond are compared exactly, U+0000 (NUL) is refused in filters and
//! in writes, and `*` in lists / `\*` follow api.md §2.2.

use server::AppState;

use super::*;
use crate::common::*;

/// Two conversations only these tests tag (`metadata.probe`): one ended,
/// one still running (no `endTime`).
fn state_with_probes() -> AppState {
    let s = state();
    {
        let mut store = s.memory().unwrap().symbl().try_write().unwrap();
        for (id, end) in [
            ("probe-ended", r#","endTime":"2021-06-13T00:00:00.000Z""#),
            ("probe-running", ""),
        ] {
            store
                .insert_json(&format!(
                    r#"{{"id":"{id}","type":"call","name":"Probe_a*","startTime":"2021-06-12T23:00:00.000Z"{end},"metadata":{{"probe":"yes"}}}}"#
                ))
                .unwrap();
        }
    }
    s
}

async fn probe_ids(s: &AppState, filter: &str) -> Vec<String> {
    let r = list(s, &format!("filter={filter};metadata.probe==yes&limit=100")).await;
    assert_eq!(r.status, 200, "{filter}: {}", r.text());
    let mut got = ids(&r.json());
    got.sort();
    got
}

#[tokio::test]
async fn end_time_negations_skip_a_running_conversation() {
    let s = state_with_probes();
    for (filter, want) in [
        (
            "conversation.endTime!=2021-01-01T00:00:00Z",
            &["probe-ended"][..],
        ),
        (
            "conversation.endTime=out=(2021-01-01T00:00:00Z,2021-01-02)",
            &["probe-ended"],
        ),
        (
            "conversation.endTime=nb=(2021-01-01,2021-01-02)",
            &["probe-ended"],
        ),
        ("conversation.endTime=isnull=true", &["probe-running"]),
        (
            "conversation.endTime!=2021-06-13T00:00:00.0005Z",
            &["probe-ended"],
        ),
    ] {
        assert_eq!(probe_ids(&s, filter).await, want, "{filter}");
    }
}

#[tokio::test]
async fn start_time_literals_finer_than_a_millisecond() {
    let s = state_with_probes();
    for (filter, want) in [
        ("conversation.startTime==2021-06-12T23:00:00.0001Z", &[][..]),
        (
            "conversation.startTime==2021-06-12T23:00:00.000Z",
            &["probe-ended", "probe-running"],
        ),
        ("conversation.startTime=ge=2021-06-12T23:00:00.0001Z", &[]),
        (
            "conversation.startTime=lt=2021-06-12T23:00:00.0001Z",
            &["probe-ended", "probe-running"],
        ),
        (
            "conversation.startTime=gt=2021-06-12T22:59:59.9999Z",
            &["probe-ended", "probe-running"],
        ),
        (
            "conversation.startTime=in=(2021-06-12T23:00:00.0001Z,2021-01-01)",
            &[],
        ),
    ] {
        assert_eq!(probe_ids(&s, filter).await, want, "{filter}");
    }
}

#[tokio::test]
async fn stars_in_lists_and_escaped_stars() {
    let s = state_with_probes();
    let v = bad(&s, "filter=conversation.name=in=(a*,b)").await;
    assert_eq!(
        v["message"],
        "filter: wildcard `*` not allowed in `=in=` on `conversation.name` (wildcards only in `==`/`!=`)"
    );
    // `\*` (sent as `%5C*`) is a literal star, in a list or not.
    for filter in [
        "conversation.name=in=(Probe_a%5C*,x)",
        "conversation.name==Probe_a%5C*",
        "conversation.name==Probe*%5C*",
    ] {
        assert_eq!(
            probe_ids(&s, filter).await,
            ["probe-ended", "probe-running"],
            "{filter}"
        );
    }
    assert!(
        probe_ids(&s, "conversation.name==Probe_a%5C*x")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn nul_is_refused_in_a_filter_and_in_every_write() {
    let s = state_with_probes();
    let v = bad(&s, "filter=conversation.name==a%00b").await;
    let message = v["message"].as_str().unwrap();
    assert!(
        message.contains("U+0000 (NUL) cannot appear in a value: `a\\0b` for `conversation.name`"),
        "{message}"
    );
    let before = stored(&s, "probe-ended");
    for (body, message) in [
        (
            r#"{"metadata":{"team":"a\u0000b"}}"#,
            "metadata.team: U+0000 (NUL) cannot appear in a value, found `a\\0b`",
        ),
        (
            r#"{"metadata":{"te\u0000am":"x"}}"#,
            "metadata: key `te\\0am` contains U+0000 (NUL), which cannot be stored",
        ),
        (
            r#"{"metadata":{"te\u0000am":null}}"#,
            "metadata: key `te\\0am` contains U+0000 (NUL), which cannot be stored",
        ),
    ] {
        let r = req("PUT", "/v1/conversations/probe-ended")
            .auth()
            .json_body(body)
            .send(&s)
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert_eq!(r.json()["message"], message, "{body}");
    }
    let c = conversation_with_member(&s);
    let m = &c.members[0];
    let path = format!("/v1/conversations/{}/members/{}", c.id, m.id);
    for (body, message) in [
        (
            format!(r#"{{"id":"{}","name":"A\u0000"}}"#, m.id),
            "body: `name` cannot contain U+0000 (NUL), found `A\\0`",
        ),
        (
            format!(r#"{{"id":"{}","name":"A","email":"a@x.io\u0000"}}"#, m.id),
            "body: `email` cannot contain U+0000 (NUL), found `a@x.io\\0`",
        ),
        (
            r#"{"id":"x\u0000","name":"A"}"#.to_owned(),
            "body: `id` cannot contain U+0000 (NUL), found `x\\0`",
        ),
    ] {
        let r = req("PUT", &path).auth().json_body(&body).send(&s).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert_eq!(r.json()["message"], message, "{body}");
    }
    // Nothing changed.
    let store = s.memory().unwrap().symbl().try_read().unwrap();
    assert_eq!(store.get("probe-ended").unwrap(), before);
    assert_eq!(store.get(&c.id).unwrap(), c);
}

/// A generated conversation with at least one member.
fn conversation_with_member(s: &AppState) -> store::Conversation {
    s.memory()
        .unwrap()
        .symbl()
        .try_read()
        .unwrap()
        .iter()
        .find(|c| !c.members.is_empty())
        .unwrap()
}
