//! One conversation: GET, PUT metadata, DELETE, members, messages and
//! insights; a failed write changes nothing.

use server::AppState;

use super::*;
use crate::common::*;

// ---- GET / PUT / DELETE one conversation ----

fn some_id(s: &AppState) -> String {
    s.memory()
        .unwrap()
        .symbl()
        .try_read()
        .unwrap()
        .iter()
        .next()
        .unwrap()
        .id
}

#[tokio::test]
async fn get_one_and_404() {
    let s = state();
    let id = some_id(&s);
    let r = get(&format!("/v1/conversations/{id}"))
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    let want = serde_json::to_value(stored(&s, &id)).unwrap();
    assert_eq!(r.json(), want);
    let r = get("/v1/conversations/nope").auth().send(&s).await;
    assert_eq!(r.status, 404);
    insta::assert_json_snapshot!("404_symbl_unknown_conversation", r.json());
}

async fn put_meta(s: &AppState, id: &str, body: &str) -> Resp {
    req("PUT", &format!("/v1/conversations/{id}"))
        .auth()
        .json_body(body)
        .send(s)
        .await
}

#[tokio::test]
async fn put_metadata_merges() {
    let s = state();
    let id = some_id(&s);
    let before = stored(&s, &id).metadata;
    let first_key = before
        .iter()
        .map(|(k, _)| k)
        .find(|k| *k != "agentId")
        .unwrap()
        .to_owned();
    let body =
        format!(r#"{{"metadata":{{"team":"blue","{first_key}":null,"agentId":"agent-9999"}}}}"#);
    let r = put_meta(&s, &id, &body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["metadata"]["team"], "blue");
    assert_eq!(v["metadata"]["agentId"], "agent-9999");
    assert!(v["metadata"].get(&first_key).is_none());
    for (k, val) in before.iter() {
        if k != first_key && k != "agentId" {
            assert_eq!(v["metadata"][k], val, "{k} stays");
        }
    }
    let r = get(&format!("/v1/conversations/{id}"))
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.json()["metadata"], v["metadata"]);
    // The new value is searchable.
    let r = list(&s, "filter=metadata.team==blue").await;
    assert_eq!(ids(&r.json()), vec![id.clone()]);
    // Exactly 128 characters is fine.
    let r = put_meta(
        &s,
        &id,
        &format!(r#"{{"metadata":{{"long":"{}"}}}}"#, "é".repeat(128)),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn put_metadata_bad_bodies_change_nothing() {
    let s = state();
    let id = some_id(&s);
    let before = stored(&s, &id);
    let long = "x".repeat(129);
    let cases = [
        ("not_json", "{\"metadata\":"),
        ("not_object", "[1,2]"),
        ("top_level_id", r#"{"metadata":{"a":"1"},"id":"7"}"#),
        ("top_level_name", r#"{"name":"new name"}"#),
        ("missing_metadata", "{}"),
        ("metadata_not_object", r#"{"metadata":"a=1"}"#),
        ("number_value", r#"{"metadata":{"a":"1","b":2}}"#),
        ("nested_value", r#"{"metadata":{"a":{"b":"c"}}}"#),
        (
            "duplicate_key",
            r#"{"metadata":{"team":"blue","team":"red"}}"#,
        ),
        ("empty_key", r#"{"metadata":{"":"x"}}"#),
        (
            "value_too_long",
            &*Box::leak(
                format!(r#"{{"metadata":{{"team":"blue","a":"{long}"}}}}"#).into_boxed_str(),
            ),
        ),
    ];
    for (name, body) in cases {
        let r = put_meta(&s, &id, body).await;
        assert_eq!(r.status, 400, "{name}: {}", r.text());
        insta::assert_json_snapshot!(format!("400_symbl_put_{name}"), r.json());
        assert_eq!(stored(&s, &id), before, "{name} changed data");
    }
    let r = req("PUT", &format!("/v1/conversations/{id}"))
        .auth()
        .header("content-type", "text/plain")
        .body(r#"{"metadata":{"a":"1"}}"#)
        .send(&s)
        .await;
    assert_eq!(r.status, 415);
    let r = put_meta(&s, "nope", r#"{"metadata":{"a":"1"}}"#).await;
    assert_eq!(r.status, 404);
    assert_eq!(stored(&s, &id), before);
    let r = req("PUT", &format!("/v1/conversations/{id}"))
        .json_body(r#"{"metadata":{"a":"1"}}"#)
        .send(&s)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(stored(&s, &id), before);
}

/// `{"metadata":{…}}` of `pairs` in their order (`None` = `null`).
fn meta_body(pairs: &[(String, Option<String>)]) -> String {
    let items: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{}", serde_json::json!(k), serde_json::json!(v)))
        .collect();
    format!(r#"{{"metadata":{{{}}}}}"#, items.join(","))
}

fn message(r: &Resp) -> String {
    r.json()["message"].as_str().unwrap_or_default().to_owned()
}

/// api.md §2.2: keys 1–128 bytes, values ≤ 128 characters, ≤ 100 keys on the
/// conversation after the merge; each at the limit and just past it, and a
/// refused PUT changes nothing.
#[tokio::test]
async fn put_metadata_limits_at_and_past_each() {
    let s = state();
    let id = some_id(&s);
    // Keys: 128 bytes (multi-byte characters count as bytes) pass, 129 fail.
    let key128 = format!("{}{}", "é".repeat(63), "ab"); // 126 + 2 bytes
    assert_eq!(key128.len(), 128);
    let r = put_meta(&s, &id, &meta_body(&[(key128.clone(), Some("v".into()))])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let before = stored(&s, &id);
    let key129 = format!("{key128}x");
    let r = put_meta(&s, &id, &meta_body(&[(key129, Some("v".into()))])).await;
    assert_eq!(r.status, 400);
    let m = message(&r);
    assert!(
        m.contains("129 bytes") && m.contains("1 to 128 bytes"),
        "{m}"
    );
    assert!(
        m.contains("éééé") && m.contains('…'),
        "the key, truncated: {m}"
    );
    insta::assert_json_snapshot!("400_symbl_put_key_too_long", r.json());
    assert_eq!(stored(&s, &id), before);
    // Values: 128 characters pass (see put_metadata_merges), 129 fail.
    let r = put_meta(&s, &id, &meta_body(&[("v".into(), Some("é".repeat(129)))])).await;
    assert_eq!(r.status, 400);
    assert!(
        message(&r).contains("128 characters (found 129)"),
        "{}",
        r.text()
    );
    assert_eq!(stored(&s, &id), before);

    // Keys on the conversation after the merge: exactly 100, then 101.
    let have = before.metadata.iter().count();
    let fill: Vec<(String, Option<String>)> = (0..100 - have)
        .map(|i| (format!("fill{i:03}"), Some(format!("v{i}"))))
        .collect();
    let r = put_meta(&s, &id, &meta_body(&fill)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["metadata"].as_object().unwrap().len(), 100);
    let full = stored(&s, &id);
    let r = put_meta(
        &s,
        &id,
        &meta_body(&[("one_more".into(), Some("x".into()))]),
    )
    .await;
    assert_eq!(r.status, 400);
    let m = message(&r);
    assert!(
        m.contains("at most 100 keys") && m.contains("leave 101") && m.contains("`one_more`"),
        "{m}"
    );
    insta::assert_json_snapshot!("400_symbl_put_too_many_keys_after_merge", r.json());
    assert_eq!(stored(&s, &id), full, "all or nothing");
    // Replacing a key and removing one to add one stay at 100.
    let r = put_meta(
        &s,
        &id,
        &meta_body(&[
            ("fill000".into(), Some("new".into())),
            ("fill001".into(), None),
            ("one_more".into(), Some("x".into())),
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["metadata"].as_object().unwrap().len(), 100);
}

/// What one body may carry: at most 100 keys with a value, at most 200 in
/// all (`null`s count: 100 set + 100 removed is every change that can end
/// within 100 keys).
#[tokio::test]
async fn put_metadata_body_key_counts() {
    let s = state();
    let id = some_id(&s);
    let have: Vec<String> = stored(&s, &id)
        .metadata
        .iter()
        .map(|(k, _)| k.to_owned())
        .collect();
    // 200 keys: remove every current key, set 100 new ones, pad with nulls.
    let mut pairs: Vec<(String, Option<String>)> = have.iter().map(|k| (k.clone(), None)).collect();
    pairs.extend((0..100).map(|i| (format!("k{i}"), Some("v".to_owned()))));
    let mut pad = 0;
    while pairs.len() < 200 {
        pairs.push((format!("absent{pad}"), None));
        pad += 1;
    }
    let r = put_meta(&s, &id, &meta_body(&pairs)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["metadata"].as_object().unwrap().len(), 100);
    let before = stored(&s, &id);
    // 201 keys, all null: refused before the store is looked at.
    let nulls: Vec<(String, Option<String>)> = (0..201).map(|i| (format!("n{i}"), None)).collect();
    let r = put_meta(&s, &id, &meta_body(&nulls)).await;
    assert_eq!(r.status, 400);
    let m = message(&r);
    assert!(
        m.contains("at most 200 keys") && m.contains("`n200`"),
        "{m}"
    );
    insta::assert_json_snapshot!("400_symbl_put_body_too_many_keys", r.json());
    // An object of 201 keys inside `metadata` is not the metadata's own
    // count: the message names the object.
    let inner: Vec<String> = (0..201).map(|i| format!(r#""n{i}":1"#)).collect();
    let body = format!(r#"{{"metadata":{{"a":{{{}}}}}}}"#, inner.join(","));
    let r = put_meta(&s, &id, &body).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        message(&r),
        "body: metadata.a: more than 200 keys in one object (at key `n200`)"
    );
    // 101 keys with a value.
    let sets: Vec<(String, Option<String>)> = (0..101)
        .map(|i| (format!("s{i}"), Some("v".into())))
        .collect();
    let r = put_meta(&s, &id, &meta_body(&sets)).await;
    assert_eq!(r.status, 400);
    assert!(
        message(&r).ends_with("the body sets 101 (the 101st, in key order, is `s99`)"),
        "{}",
        r.text()
    );
    assert_eq!(stored(&s, &id), before);
}

/// The issue's hostile body: 1 MiB of 3-letter keys from `[A-Za-z0-9]`
/// (over 100 000 of them) is a 400 naming the limit; the reader stops at
/// the 201st key (the hostile script times it; no timing asserted here).
#[tokio::test]
async fn put_metadata_hostile_megabyte_of_keys_is_refused() {
    let s = state();
    let id = some_id(&s);
    let before = stored(&s, &id);
    let alphabet: Vec<char> = ('A'..='Z').chain('a'..='z').chain('0'..='9').collect();
    let mut body = String::from(r#"{"metadata":{"#);
    let mut n = 0usize;
    'outer: for a in &alphabet {
        for b in &alphabet {
            for c in &alphabet {
                if body.len() > 1024 * 1024 - 64 {
                    break 'outer;
                }
                if n > 0 {
                    body.push(',');
                }
                body.push_str(&format!(r#""{a}{b}{c}":"x""#));
                n += 1;
            }
        }
    }
    body.push_str("}}");
    assert!(
        n > 100_000 && body.len() <= 1024 * 1024,
        "{n} keys, {} bytes",
        body.len()
    );
    let r = put_meta(&s, &id, &body).await;
    assert_eq!(r.status, 400);
    assert!(message(&r).contains("at most 200 keys"), "{}", r.text());
    assert_eq!(stored(&s, &id), before);
}

#[tokio::test]
async fn delete_removes_conversation_and_messages() {
    let s = state();
    let id = some_id(&s);
    let total = |s: &AppState| s.memory().unwrap().symbl().try_read().unwrap().len();
    let n = total(&s);
    let r = req("DELETE", &format!("/v1/conversations/{id}"))
        .send(&s)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(total(&s), n, "a failed DELETE changes nothing");
    let r = req("DELETE", &format!("/v1/conversations/{id}"))
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.json()["message"].as_str().unwrap().contains("deleted"));
    assert_eq!(total(&s), n - 1);
    assert_eq!(
        get(&format!("/v1/conversations/{id}"))
            .auth()
            .send(&s)
            .await
            .status,
        404
    );
    assert_eq!(
        get(&format!("/v1/conversations/{id}/messages"))
            .auth()
            .send(&s)
            .await
            .status,
        404
    );
    let r = req("DELETE", &format!("/v1/conversations/{id}"))
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 404);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("invalid or does not exist")
    );
    insta::assert_json_snapshot!("404_symbl_delete_unknown", r.json());
    assert_eq!(total(&s), n - 1);
}

// ---- members ----

fn conversation_with_messages(s: &AppState) -> store::Conversation {
    let store = s.memory().unwrap().symbl().try_read().unwrap();
    store
        .iter()
        .find(|c| store.messages(&c.id).is_some_and(|m| !m.is_empty()) && !c.members.is_empty())
        .expect("a demo conversation with messages")
}

#[tokio::test]
async fn members_list_and_update() {
    let s = state();
    let c = conversation_with_messages(&s);
    let r = get(&format!("/v1/conversations/{}/members", c.id))
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["members"],
        serde_json::to_value(&c.members).unwrap()
    );
    let m = &c.members[0];
    let body = format!(
        r#"{{"id":"{}","name":"Renamed Person","email":"renamed@example.com"}}"#,
        m.id
    );
    let r = req(
        "PUT",
        &format!("/v1/conversations/{}/members/{}", c.id, m.id),
    )
    .auth()
    .json_body(&body)
    .send(&s)
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("updated"));
    let members = get(&format!("/v1/conversations/{}/members", c.id))
        .auth()
        .send(&s)
        .await
        .json();
    assert_eq!(members["members"][0]["name"], "Renamed Person");
    assert_eq!(members["members"][0]["email"], "renamed@example.com");
    // Propagated to the member's messages.
    let msgs = get(&format!("/v1/conversations/{}/messages", c.id))
        .auth()
        .send(&s)
        .await
        .json();
    for msg in msgs["messages"].as_array().unwrap() {
        if msg["from"]["id"] == m.id.as_str() {
            assert_eq!(msg["from"]["name"], "Renamed Person");
        }
    }
    // Searchable under the new e-mail.
    let r = list(&s, "filter=members.email==renamed@example.com").await;
    assert_eq!(ids(&r.json()), vec![c.id.clone()]);
}

#[tokio::test]
async fn a_member_name_at_the_limit_and_past_it() {
    let s = state();
    let c = conversation_with_messages(&s);
    let m = &c.members[0];
    let path = format!("/v1/conversations/{}/members/{}", c.id, m.id);
    // Characters, not bytes: 256 two-byte characters pass.
    let at = "é".repeat(256);
    let body = format!(r#"{{"id":"{}","name":"{at}"}}"#, m.id);
    let r = req("PUT", &path).auth().json_body(&body).send(&s).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let before = stored(&s, &c.id);
    let past = format!("{at}x");
    let body = format!(r#"{{"id":"{}","name":"{past}"}}"#, m.id);
    let r = req("PUT", &path).auth().json_body(&body).send(&s).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["message"],
        "body: `name` is longer than 256 characters (found 257)"
    );
    assert_eq!(stored(&s, &c.id), before, "nothing changed");
}

#[tokio::test]
async fn member_update_errors() {
    let s = state();
    let c = conversation_with_messages(&s);
    let m = &c.members[0];
    let path = format!("/v1/conversations/{}/members/{}", c.id, m.id);
    let before = stored(&s, &c.id);
    let cases = [
        (
            "id_mismatch",
            r#"{"id":"someone-else","name":"X"}"#.to_owned(),
        ),
        ("missing_id", r#"{"name":"X"}"#.to_owned()),
        ("missing_name", format!(r#"{{"id":"{}"}}"#, m.id)),
        ("empty_name", format!(r#"{{"id":"{}","name":"  "}}"#, m.id)),
        (
            "bad_email",
            format!(r#"{{"id":"{}","name":"X","email":"not-an-email"}}"#, m.id),
        ),
        ("number_name", format!(r#"{{"id":"{}","name":5}}"#, m.id)),
    ];
    for (name, body) in cases {
        let r = req("PUT", &path).auth().json_body(&body).send(&s).await;
        assert_eq!(r.status, 400, "{name}: {}", r.text());
        insta::assert_json_snapshot!(format!("400_symbl_member_{name}"), r.json());
    }
    let r = req("PUT", &format!("/v1/conversations/{}/members/nobody", c.id))
        .auth()
        .json_body(r#"{"id":"nobody","name":"X"}"#)
        .send(&s)
        .await;
    assert_eq!(r.status, 404);
    insta::assert_json_snapshot!("404_symbl_member_unknown", r.json());
    let r = req("PUT", &format!("/v1/conversations/nope/members/{}", m.id))
        .auth()
        .json_body(&format!(r#"{{"id":"{}","name":"X"}}"#, m.id))
        .send(&s)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(stored(&s, &c.id), before);
    assert_eq!(
        get("/v1/conversations/nope/members")
            .auth()
            .send(&s)
            .await
            .status,
        404
    );
}

// ---- messages ----

#[tokio::test]
async fn messages_verbose_and_sentiment() {
    let s = state();
    let c = conversation_with_messages(&s);
    let path = format!("/v1/conversations/{}/messages", c.id);
    let plain = get(&path).auth().send(&s).await.json();
    let msgs = plain["messages"].as_array().unwrap();
    assert!(!msgs.is_empty());
    let starts: Vec<&str> = msgs
        .iter()
        .map(|m| m["startTime"].as_str().unwrap())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    assert!(
        msgs.iter()
            .all(|m| m.get("words").is_none() && m.get("sentiment").is_none())
    );
    let verbose = get(&format!("{path}?verbose=TRUE"))
        .auth()
        .send(&s)
        .await
        .json();
    assert!(
        verbose["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["words"].is_array())
    );
    let senti = get(&format!("{path}?sentiment=true&verbose=false"))
        .auth()
        .send(&s)
        .await
        .json();
    assert!(
        senti["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.get("sentiment").is_some() && m.get("words").is_none())
    );
    for (name, q) in [("verbose", "verbose=yes"), ("sentiment", "sentiment=1")] {
        let r = get(&format!("{path}?{q}")).auth().send(&s).await;
        assert_eq!(r.status, 400);
        insta::assert_json_snapshot!(format!("400_symbl_messages_{name}"), r.json());
    }
    assert_eq!(
        get("/v1/conversations/nope/messages")
            .auth()
            .send(&s)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn insight_lists_are_empty_for_known_conversations() {
    let s = state();
    let id = some_id(&s);
    for (path, key) in [
        ("topics", "topics"),
        ("questions", "questions"),
        ("action-items", "actionItems"),
        ("follow-ups", "followUps"),
    ] {
        let r = get(&format!("/v1/conversations/{id}/{path}"))
            .auth()
            .send(&s)
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), serde_json::json!({ key: [] }));
        assert_eq!(
            get(&format!("/v1/conversations/nope/{path}"))
                .auth()
                .send(&s)
                .await
                .status,
            404
        );
    }
}

/// The member PUT reads its body with the same cap on keys per object.
#[tokio::test]
async fn member_put_body_with_too_many_keys_is_refused() {
    let s = state();
    let c = conversation_with_messages(&s);
    let m = &c.members[0];
    let extra: Vec<String> = (0..200).map(|i| format!(r#""x{i}":1"#)).collect();
    let body = format!(
        r#"{{"id":{},"name":"New Name",{}}}"#,
        serde_json::json!(m.id),
        extra.join(",")
    );
    let r = req(
        "PUT",
        &format!("/v1/conversations/{}/members/{}", c.id, m.id),
    )
    .auth()
    .json_body(&body)
    .send(&s)
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        message(&r),
        "body: more than 200 keys in one object (at key `x198`)"
    );
    assert_eq!(stored(&s, &c.id), c);
}
