//! Service routes, auth, the token route, and the framework errors (404, 405,
//! 413, 415, 429) in each family's envelope: `api.md` §2.0, §2.1, §2.6, §2.7.

use crate::common::*;
use server::Data;

#[tokio::test]
async fn healthz_is_open_and_ok() {
    let (s, _) = state_with(&[], Data::empty());
    let r = get("/healthz").send(&s).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"status": "ok"}));
}

/// In memory the storage always answers: ready, with no token needed.
#[tokio::test]
async fn readyz_is_open_and_ready_in_memory() {
    let (s, _) = state_with(&[], Data::empty());
    let r = get("/readyz").send(&s).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"status": "ready"}));
}

#[tokio::test]
async fn openapi_is_3_1_and_lists_every_route() {
    let (s, _) = state_with(&[], Data::empty());
    let r = get("/openapi.json").send(&s).await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, methods) in server::routes_table::ROUTES {
        for m in *methods {
            assert!(
                doc["paths"][path][m.to_lowercase()].is_object(),
                "{m} {path} missing from the document"
            );
        }
    }
}

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let (s, _) = state_with(&[], Data::empty());
    let r = get("/healthz")
        .header("x-request-id", "abc-123")
        .send(&s)
        .await;
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
    let a = get("/healthz").send(&s).await;
    let b = get("/healthz").send(&s).await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    let long = "x".repeat(200);
    let r = get("/healthz").header("x-request-id", &long).send(&s).await;
    assert_ne!(r.header("x-request-id"), Some(long.as_str()));
    // Errors carry it too.
    let r = get("/nope").header("x-request-id", "e-1").send(&s).await;
    assert_eq!(r.header("x-request-id"), Some("e-1"));
}

#[tokio::test]
async fn unknown_paths_are_404_in_each_family_envelope() {
    let (s, _) = state_with(&[], Data::empty());
    let cases = [
        ("/nope", "symbl"),
        ("/v1/conversations/1/nothing", "symbl"),
        ("/get-all-conversations/extra", "mongo"),
        ("/api/nothing", "whatsapp"),
        ("/v1/api/nothing/1", "chatbot"),
        ("/v1/api/conversation-messages", "chatbot"),
    ];
    for (path, fam) in cases {
        let r = get(path).auth().send(&s).await;
        assert_eq!(r.status, 404, "{path}");
        insta::assert_json_snapshot!(format!("404_{fam}_{}", path.replace('/', "_")), r.json());
    }
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let (s, _) = state_with(&[], Data::empty());
    let cases = [
        ("DELETE", "/healthz", "GET, HEAD", "symbl"),
        ("GET", "/oauth2/token:generate", "POST", "symbl"),
        ("POST", "/v1/conversations", "GET, HEAD", "symbl"),
        (
            "PATCH",
            "/v1/conversations/42",
            "GET, HEAD, PUT, DELETE",
            "symbl",
        ),
        ("GET", "/v1/conversations/42/members/m1", "PUT", "symbl"),
        ("POST", "/get-all-conversations", "GET, HEAD", "mongo"),
        ("PUT", "/api/conversations", "GET, HEAD", "whatsapp"),
        (
            "DELETE",
            "/api/get-conversations.php",
            "GET, HEAD",
            "whatsapp",
        ),
        (
            "POST",
            "/v1/api/conversation-messages/1",
            "GET, HEAD",
            "chatbot",
        ),
    ];
    for (method, path, allow, fam) in cases {
        let r = req(method, path).auth().send(&s).await;
        assert_eq!(r.status, 405, "{method} {path}: {}", r.text());
        assert_eq!(r.header("allow"), Some(allow), "{method} {path}");
        insta::assert_json_snapshot!(
            format!("405_{fam}_{method}{}", path.replace(['/', ':', '.'], "_")),
            r.json()
        );
    }
}

#[tokio::test]
async fn trailing_slash_matches_like_warp() {
    let (s, _) = state_with(&[], Data::demo(1, 10));
    let r = get("/api/conversations/").send(&s).await;
    assert_eq!(r.status, 200);
    let r = req("POST", "/api/conversations/").send(&s).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn body_over_one_mib_is_413() {
    let (s, _) = state_with(&[], Data::demo(1, 10));
    let big = vec![b' '; 1024 * 1024 + 1];
    let r = req("POST", "/oauth2/token:generate")
        .header("content-type", "application/json")
        .body(&big)
        .send(&s)
        .await;
    assert_eq!(r.status, 413);
    insta::assert_json_snapshot!("413_symbl", r.json());
    let r = get("/get-all-conversations?organization_id=acme")
        .auth()
        .header("content-type", "application/json")
        .body(&big)
        .send(&s)
        .await;
    assert_eq!(r.status, 413);
    insta::assert_json_snapshot!("413_mongo", r.json());
    // Exactly at the limit is fine (and then fails as JSON, not as size).
    let r = req("POST", "/oauth2/token:generate")
        .header("content-type", "application/json")
        .body(&big[1..])
        .send(&s)
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn body_limit_is_configurable() {
    let (s, _) = state_with(&["--body-limit", "10"], Data::empty());
    let r = req("POST", "/oauth2/token:generate")
        .json_body(r#"{"type":"application"}"#)
        .send(&s)
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(
        r.json()["message"],
        "request body too large: the limit is 10 bytes"
    );
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let (s, _) = state_with(&[], Data::empty());
    let r = req("POST", "/oauth2/token:generate")
        .header("content-type", "text/plain")
        .body("hello")
        .send(&s)
        .await;
    assert_eq!(r.status, 415);
    insta::assert_json_snapshot!("415_symbl", r.json());
}

// ---- POST /oauth2/token:generate (api.md §2.1) ----

fn token_body(id: &str, secret: &str) -> String {
    format!(r#"{{"type":"application","appId":"{id}","appSecret":"{secret}"}}"#)
}

#[tokio::test]
async fn token_generate_caches_until_expiry() {
    let (s, clock) = state_with(&[], Data::demo(1, 10));
    let r = req("POST", "/oauth2/token:generate")
        .json_body(&token_body(APP_ID, APP_SECRET))
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    let first = r.json();
    assert_eq!(first["expiresIn"], 86_400);
    let token = first["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64);

    clock.advance_ms(1_000_000);
    let r = req("POST", "/oauth2/token:generate")
        .json_body(&token_body(APP_ID, APP_SECRET))
        .send(&s)
        .await;
    assert_eq!(r.json()["accessToken"], token.as_str());
    assert_eq!(r.json()["expiresIn"], 86_400 - 1_000);

    // The token works on a protected route...
    let r = get("/v1/api/conversation-messages/1")
        .header("authorization", &format!("Bearer {token}"))
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    // ...until it expires.
    clock.advance_ms(86_400_000);
    let r = get("/v1/api/conversation-messages/1")
        .header("authorization", &format!("Bearer {token}"))
        .send(&s)
        .await;
    assert_eq!(r.status, 401);
    insta::assert_json_snapshot!("401_chatbot_expired", r.json());
    let r = req("POST", "/oauth2/token:generate")
        .json_body(&token_body(APP_ID, APP_SECRET))
        .send(&s)
        .await;
    assert_ne!(r.json()["accessToken"], token.as_str());
    assert_eq!(r.json()["expiresIn"], 86_400);
}

#[tokio::test]
async fn token_generate_wrong_pair_is_401() {
    let (s, _) = state_with(&[], Data::empty());
    for (id, secret) in [(APP_ID, "nope"), ("nope", APP_SECRET), ("", "")] {
        let r = req("POST", "/oauth2/token:generate")
            .json_body(&token_body(id, secret))
            .send(&s)
            .await;
        assert_eq!(r.status, 401, "{id}/{secret}");
        assert_eq!(
            r.json(),
            serde_json::json!({"message": "invalid appId or appSecret"})
        );
    }
}

#[tokio::test]
async fn token_generate_bad_bodies_are_400() {
    let (s, _) = state_with(&[], Data::empty());
    let cases = [
        ("not_json", "{type:"),
        ("empty", ""),
        ("array", "[]"),
        ("missing_type", r#"{"appId":"a","appSecret":"b"}"#),
        (
            "missing_app_id",
            r#"{"type":"application","appSecret":"b"}"#,
        ),
        ("missing_secret", r#"{"type":"application","appId":"a"}"#),
        (
            "number_secret",
            r#"{"type":"application","appId":"a","appSecret":5}"#,
        ),
        (
            "wrong_type",
            r#"{"type":"user","appId":"a","appSecret":"b"}"#,
        ),
        (
            "duplicate_key",
            r#"{"type":"application","appId":"a","appId":"b","appSecret":"c"}"#,
        ),
    ];
    for (name, body) in cases {
        let r = req("POST", "/oauth2/token:generate")
            .json_body(body)
            .send(&s)
            .await;
        assert_eq!(r.status, 400, "{name}");
        insta::assert_json_snapshot!(format!("400_token_{name}"), r.json());
    }
}

#[tokio::test]
async fn token_generate_accepts_missing_content_type() {
    let (s, _) = state_with(&[], Data::empty());
    let r = req("POST", "/oauth2/token:generate")
        .body(token_body(APP_ID, APP_SECRET))
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
}

// ---- auth (api.md §2.0) ----

#[tokio::test]
async fn protected_routes_need_a_token() {
    let (s, _) = state_with(&[], Data::demo(1, 10));
    let routes = [
        ("/get-all-conversations?organization_id=acme", "mongo"),
        ("/v1/api/conversation-messages/1", "chatbot"),
    ];
    for (path, fam) in routes {
        let r = get(path).send(&s).await;
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        insta::assert_json_snapshot!(format!("401_{fam}_missing"), r.json());
        let r = get(path)
            .header("authorization", "Bearer wrong")
            .send(&s)
            .await;
        assert_eq!(r.status, 401);
        insta::assert_json_snapshot!(format!("401_{fam}_invalid"), r.json());
        let r = get(path)
            .header("authorization", "Basic dXNlcjpwYXNz")
            .send(&s)
            .await;
        assert_eq!(r.status, 401);
        insta::assert_json_snapshot!(format!("401_{fam}_malformed"), r.json());
        // x-api-key is a Symbl-family header only.
        let r = get(path).header("x-api-key", TOKEN).send(&s).await;
        assert_eq!(r.status, 401);
        // Scheme is case-insensitive.
        let r = get(path)
            .header("authorization", &format!("bearer {TOKEN}"))
            .send(&s)
            .await;
        assert_eq!(r.status, 200, "{path}");
    }
}

#[tokio::test]
async fn token_comparison_rejects_prefixes_and_extensions() {
    let (s, _) = state_with(&[], Data::demo(1, 10));
    for t in ["test-toke", "test-tokenn", "TEST-TOKEN", ""] {
        let r = get("/v1/api/conversation-messages/1")
            .header("authorization", &format!("Bearer {t}"))
            .send(&s)
            .await;
        assert_eq!(r.status, 401, "{t:?}");
    }
}

#[tokio::test]
async fn whatsapp_is_open_unless_configured() {
    let (s, _) = state_with(&[], Data::demo(1, 10));
    assert_eq!(get("/api/conversations").send(&s).await.status, 200);
    let (s, _) = state_with(&["--auth-everywhere"], Data::demo(1, 10));
    let r = get("/api/conversations").send(&s).await;
    assert_eq!(r.status, 401);
    insta::assert_json_snapshot!("401_whatsapp_missing", r.json());
    assert_eq!(get("/api/conversations").auth().send(&s).await.status, 200);
}

// ---- rate limiter (api.md A-4) ----

#[tokio::test]
async fn limiter_is_off_by_default() {
    let (s, _) = state_with(&[], Data::empty());
    for _ in 0..50 {
        let r = get("/healthz").send(&s).await;
        assert_eq!(r.status, 200);
        assert!(r.header("ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn limiter_answers_429_with_headers() {
    let (s, _) = state_with(
        &["--rate-limit", "2", "--rate-window", "60"],
        Data::demo(1, 10),
    );
    let r = get("/healthz").send(&s).await;
    assert_eq!(r.header("ratelimit-limit"), Some("2"));
    assert_eq!(r.header("ratelimit-remaining"), Some("1"));
    assert!(r.header("ratelimit-reset").is_some());
    let r = get("/api/conversations").send(&s).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    let r = get("/api/conversations").send(&s).await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(r.json()["success"], false);
    let mut body = r.json();
    let msg = body["error"].as_str().unwrap().to_owned();
    assert!(
        msg.starts_with("rate limit of 2 requests exceeded, retry in "),
        "{msg}"
    );
    body["error"] = "[message]".into();
    insta::assert_json_snapshot!("429_whatsapp", body);
    let r = get("/v1/api/conversation-messages/1").auth().send(&s).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["code"], "rate_limited");
}
