//! One body limit for every encoding and the rules for body types
//! (`api.md` §2.0, §2.3): every body that is read is read under 1 MiB
//! whether sent with `Content-Length` or chunked (413 above it); on the
//! Symbl routes a non-empty body in a type other than JSON is 415 naming
//! `application/json`, and a body without `Content-Type` is read as JSON;
//! the Mongo GET reads a body only when it is declared JSON.

use crate::common::{TOKEN, demo_state, get, req};
use crate::proc::{chunked, raw, spawn};

const MIB: usize = 1024 * 1024;

/// `{"organization_id":"acme"}` padded with spaces to exactly `len` bytes.
fn padded_json(len: usize) -> Vec<u8> {
    let mut b = br#"{"organization_id":"acme"}"#.to_vec();
    b.resize(len, b' ');
    b
}

#[tokio::test]
async fn mongo_body_at_the_limit_and_past_it() {
    let (s, _) = demo_state();
    let r = get("/get-all-conversations")
        .auth()
        .header("content-type", "application/json")
        .body(padded_json(MIB))
        .send(&s)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.json().as_array().unwrap().is_empty());
    let r = get("/get-all-conversations")
        .auth()
        .header("content-type", "application/json")
        .body(padded_json(MIB + 1))
        .send(&s)
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(
        r.json()["error"],
        "request body too large: the limit is 1048576 bytes"
    );
    // Not declared JSON: not read at all, whatever its size.
    let r = get("/get-all-conversations?organization_id=acme")
        .auth()
        .header("content-type", "text/plain")
        .body(padded_json(MIB + 1))
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_body_in_another_type_is_415_on_every_symbl_body_route() {
    let (s, _) = demo_state();
    let form = "application/x-www-form-urlencoded"; // curl -d without -H
    let id = store::generate::conversation(7, 0).id;
    let cases = [
        (
            "POST",
            "/oauth2/token:generate".to_owned(),
            "type=application",
        ),
        ("PUT", format!("/v1/conversations/{id}"), "metadata=x"),
        ("PUT", format!("/v1/conversations/{id}/members/m"), "name=x"),
    ];
    for (method, path, body) in &cases {
        for ctype in [form, "text/plain"] {
            let r = req(method, path)
                .auth()
                .header("content-type", ctype)
                .body(body)
                .send(&s)
                .await;
            assert_eq!(r.status, 415, "{method} {path} {ctype}: {}", r.text());
            let text = r.text();
            assert!(
                text.contains("expected `application/json`") && text.contains(ctype),
                "{method} {path}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn mongo_reads_a_body_only_when_it_is_declared_json() {
    // api.md §2.3: "a body on GET is read only if Content-Type:
    // application/json". Declared JSON: read.
    let (s, _) = demo_state();
    let r = get("/get-all-conversations?user_id=user1")
        .auth()
        .header("content-type", "application/json; charset=utf-8")
        .body(br#"{"organization_id":"acme"}"#)
        .send(&s)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.json().as_array().unwrap().is_empty());
    // Without a type, or in another (curl -d's form type): not read, so
    // the required name is missing.
    let form = "application/x-www-form-urlencoded";
    for ctype in [None, Some(form), Some("text/plain")] {
        let mut q = get("/get-all-conversations").auth();
        if let Some(ct) = ctype {
            q = q.header("content-type", ct);
        }
        let r = q.body(br#"{"organization_id":"acme"}"#).send(&s).await;
        assert_eq!(r.status, 400, "{ctype:?}");
        let m = r.json()["error"].as_str().unwrap().to_owned();
        assert!(m.contains("organization_id"), "{ctype:?}: {m}");
    }
    // Declared JSON but not JSON: 400, never ignored.
    let r = get("/get-all-conversations")
        .auth()
        .header("content-type", "application/json")
        .body("organization_id=acme")
        .send(&s)
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("invalid JSON"));
    // No body: a type alone is not a body.
    let r = get("/get-all-conversations?organization_id=acme")
        .auth()
        .header("content-type", "text/plain")
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
}

#[test]
fn chunked_bodies_have_the_same_limit_over_tcp() {
    let srv = spawn(
        &["--demo", "--demo-size", "100", "--static-token", TOKEN],
        &[],
    );
    let auth = format!("Authorization: Bearer {TOKEN}");
    let send = |path: &str, method: &str, ctype: &str, body: &[u8]| {
        raw(
            &srv.addr,
            &format!(
                "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\nContent-Type: {ctype}\r\nTransfer-Encoding: chunked"
            ),
            &chunked(body),
            false,
        )
    };
    // 2 MiB chunked text/plain on the Mongo GET: not read (only a body
    // declared JSON is), answered from the query string.
    let r = send(
        "/get-all-conversations?organization_id=acme",
        "GET",
        "text/plain",
        &vec![b'a'; 2 * MIB],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.header("x-request-id").is_some());
    // At the limit, chunked JSON: read and used.
    let r = send(
        "/get-all-conversations",
        "GET",
        "application/json",
        &padded_json(MIB),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // Just past it: 413, whatever the type.
    let r = send(
        "/get-all-conversations",
        "GET",
        "application/json",
        &padded_json(MIB + 1),
    );
    assert_eq!(r.status, 413);
    // A small chunked form body: not read either, so the name is missing.
    let r = send(
        "/get-all-conversations",
        "GET",
        "application/x-www-form-urlencoded",
        b"organization_id=acme",
    );
    assert_eq!(r.status, 400);
    // The token route, chunked past the limit: 413.
    let r = send(
        "/oauth2/token:generate",
        "POST",
        "application/json",
        &vec![b' '; MIB + 1],
    );
    assert_eq!(r.status, 413);
}

#[tokio::test]
async fn json_nesting_at_the_limit_and_one_level_past_it() {
    // serde_json reads at most 127 nested arrays and objects: the body
    // object, `metadata`, and 125 arrays around a string are read (and
    // refused for what they hold); one more array is refused as JSON.
    let (s, _) = demo_state();
    let body = |arrays: usize| {
        format!(
            r#"{{"metadata":{{"k":{}"v"{}}}}}"#,
            "[".repeat(arrays),
            "]".repeat(arrays)
        )
    };
    let put = |b: String| {
        req("PUT", "/v1/conversations/1")
            .auth()
            .header("content-type", "application/json")
            .body(b.into_bytes())
    };
    let r = put(body(125)).send(&s).await;
    assert_eq!(r.status, 400);
    let m = r.json()["message"].as_str().unwrap().to_owned();
    assert!(m.contains("metadata.k: expected a string or null"), "{m}");
    let r = put(body(126)).send(&s).await;
    assert_eq!(r.status, 400);
    let m = r.json()["message"].as_str().unwrap().to_owned();
    assert!(
        m.contains("invalid JSON") && m.contains("recursion limit"),
        "{m}"
    );
}
