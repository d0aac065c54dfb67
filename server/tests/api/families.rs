//! The Mongo (§2.3), WhatsApp (§2.4) and chatbot (§2.5) families of `api.md`:
//! every parameter rule and status row.

use crate::common::*;
use serde_json::Value;
use server::Data;

fn demo() -> server::AppState {
    state_with(&[], Data::demo(7, 100)).0
}

// ---- Mongo: GET /get-all-conversations ----

#[tokio::test]
async fn mongo_returns_documents_in_creation_order() {
    let s = demo();
    let r = get("/get-all-conversations?organization_id=acme")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    let docs = r.json();
    let docs = docs.as_array().unwrap();
    assert_eq!(
        docs.len(),
        s.memory()
            .unwrap()
            .mongo()
            .find("acme", "conversations", None)
            .len()
    );
    assert_eq!(
        r.header("x-total-count"),
        Some(docs.len().to_string().as_str())
    );
    let keys: Vec<(String, String)> = docs
        .iter()
        .map(|d| {
            (
                d["created_at"].as_str().unwrap().to_owned(),
                d["_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for d in docs {
        let id = d["_id"].as_str().unwrap();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}

#[tokio::test]
async fn mongo_user_id_filters_participants() {
    let s = demo();
    let r = get("/get-all-conversations?organization_id=acme&user_id=user1")
        .auth()
        .send(&s)
        .await;
    let docs = r.json();
    let docs = docs.as_array().unwrap();
    assert!(!docs.is_empty());
    for d in docs {
        assert!(
            d["participants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "user1")
        );
    }
    let all = get("/get-all-conversations?organization_id=acme")
        .auth()
        .send(&s)
        .await
        .json();
    let expected = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["participants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "user1")
        })
        .count();
    assert_eq!(docs.len(), expected);
}

#[tokio::test]
async fn mongo_database_alias_and_default_collection() {
    let s = demo();
    let a = get("/get-all-conversations?organization_id=acme")
        .auth()
        .send(&s)
        .await
        .json();
    let b = get("/get-all-conversations?database=acme&collection=conversations")
        .auth()
        .send(&s)
        .await
        .json();
    assert_eq!(a, b);
    // An empty value is the same as an absent parameter (api.md §2.0).
    let c = get("/get-all-conversations?organization_id=acme&collection=&envelope=&user_id=")
        .auth()
        .send(&s)
        .await
        .json();
    assert_eq!(a, c);
    let r = get("/get-all-conversations?database=nobody")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), Value::Array(vec![]));
    let r = get("/get-all-conversations?database=acme&collection=other")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.json(), Value::Array(vec![]));
}

#[tokio::test]
async fn mongo_parameters_from_json_body_and_query_wins() {
    let s = demo();
    let from_query = get("/get-all-conversations?organization_id=acme&user_id=user1")
        .auth()
        .send(&s)
        .await
        .json();
    let r = get("/get-all-conversations")
        .auth()
        .json_body(r#"{"organization_id":"acme","user_id":"user1"}"#)
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), from_query);
    let r = get("/get-all-conversations?organization_id=acme")
        .auth()
        .json_body(r#"{"organization_id":"globex","database":"initech","user_id":"user1"}"#)
        .send(&s)
        .await;
    assert_eq!(r.json(), from_query);
    // A body in another type is not read (api.md §2.3: only a body
    // declared JSON is): the query string answers.
    let all = get("/get-all-conversations?organization_id=acme")
        .auth()
        .send(&s)
        .await
        .json();
    let r = get("/get-all-conversations?organization_id=acme")
        .auth()
        .header("content-type", "text/plain")
        .body(r#"{"user_id":"user1"}"#)
        .send(&s)
        .await;
    assert_eq!((r.status.as_u16(), r.json()), (200, all));
    // An empty string in the body is an absent parameter, as in the query.
    let r = get("/get-all-conversations")
        .auth()
        .json_body(r#"{"organization_id":"acme","user_id":"","collection":""}"#)
        .send(&s)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        get("/get-all-conversations?organization_id=acme")
            .auth()
            .send(&s)
            .await
            .json()
    );
}

#[tokio::test]
async fn mongo_bad_input_is_400() {
    let s = demo();
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("missing_database", "/get-all-conversations", None),
        (
            "empty_database",
            "/get-all-conversations?organization_id=",
            None,
        ),
        (
            "dot_in_database",
            "/get-all-conversations?organization_id=a.b",
            None,
        ),
        (
            "space_in_database",
            "/get-all-conversations?database=a%20b",
            None,
        ),
        (
            "long_database",
            &*Box::leak(
                format!("/get-all-conversations?database={}", "d".repeat(64)).into_boxed_str(),
            ),
            None,
        ),
        (
            "dollar_collection",
            "/get-all-conversations?database=acme&collection=a%24b",
            None,
        ),
        (
            "system_collection",
            "/get-all-conversations?database=acme&collection=system.users",
            None,
        ),
        (
            "digit_collection",
            "/get-all-conversations?database=acme&collection=1abc",
            None,
        ),
        (
            "long_collection",
            &*Box::leak(
                format!(
                    "/get-all-conversations?database=acme&collection={}",
                    "c".repeat(121)
                )
                .into_boxed_str(),
            ),
            None,
        ),
        (
            "bad_limit",
            "/get-all-conversations?database=acme&limit=0",
            None,
        ),
        (
            "big_limit",
            "/get-all-conversations?database=acme&limit=10001",
            None,
        ),
        (
            "bad_skip",
            "/get-all-conversations?database=acme&skip=-1",
            None,
        ),
        (
            "bad_envelope",
            "/get-all-conversations?database=acme&envelope=aws",
            None,
        ),
        (
            "invalid_json_body",
            "/get-all-conversations",
            Some("{\"organization_id\":"),
        ),
        ("array_body", "/get-all-conversations", Some("[1]")),
        (
            "number_in_body",
            "/get-all-conversations",
            Some(r#"{"organization_id":5}"#),
        ),
        (
            "duplicate_key_body",
            "/get-all-conversations",
            Some(r#"{"organization_id":"a","organization_id":"b"}"#),
        ),
    ];
    for (name, path, body) in cases {
        let mut rq = get(path).auth();
        if let Some(b) = body {
            rq = rq.json_body(b);
        }
        let r = rq.send(&s).await;
        assert_eq!(r.status, 400, "{name}: {}", r.text());
        insta::assert_json_snapshot!(format!("400_mongo_{name}"), r.json());
    }
}

#[tokio::test]
async fn mongo_limit_skip_and_lambda_envelope() {
    let s = demo();
    let all = get("/get-all-conversations?organization_id=acme")
        .auth()
        .send(&s)
        .await
        .json();
    let all = all.as_array().unwrap();
    let r = get("/get-all-conversations?organization_id=acme&limit=3&skip=2")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.json().as_array().unwrap()[..], all[2..5]);
    assert_eq!(
        r.header("x-total-count"),
        Some(all.len().to_string().as_str())
    );
    // Paged, so `Link` as on the other list routes; every URL carries the
    // whole request, parameters from the body included, and following
    // them walks the pages.
    let link = r.header("link").unwrap().to_owned();
    assert!(
        link.starts_with(
            "</get-all-conversations?limit=3&skip=5&organization_id=acme>; rel=\"next\""
        ),
        "{link}"
    );
    assert!(
        link.contains("skip=0&organization_id=acme>; rel=\"first\""),
        "{link}"
    );
    let r = get("/get-all-conversations?limit=3")
        .auth()
        .json_body(r#"{"organization_id":"acme","user_id":"user1"}"#)
        .send(&s)
        .await;
    let link = r.header("link").unwrap().to_owned();
    let next = link_target(&link, "next").expect("more than 3 documents of user1");
    assert!(
        next.contains("organization_id=acme&user_id=user1"),
        "{next}"
    );
    let page2 = get(&next).auth().send(&s).await;
    assert_eq!(page2.status, 200);
    // Not paged: one answer, no `Link`.
    let r = get("/get-all-conversations?organization_id=acme")
        .auth()
        .send(&s)
        .await;
    assert!(r.header("link").is_none());
    let r = get("/get-all-conversations?organization_id=acme&envelope=lambda")
        .auth()
        .send(&s)
        .await;
    let v = r.json();
    assert_eq!(v["statusCode"], 200);
    assert_eq!(v["headers"]["Content-Type"], "application/json");
    assert_eq!(v["body"].as_array().unwrap(), all);
}

// ---- WhatsApp: GET /api/conversations (+ aliases) ----

const ROW_KEYS: [&str; 10] = [
    "id",
    "phone_number",
    "contact_name",
    "status",
    "ai_enabled",
    "last_message_at",
    "created_at",
    "last_message",
    "last_sender_type",
    "last_message_created_at",
];

#[tokio::test]
async fn whatsapp_rows_have_the_exact_fields_and_order() {
    let s = demo();
    let r = get("/api/conversations").send(&s).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["success"], true);
    let rows = v["conversations"].as_array().unwrap();
    assert_eq!(rows.len(), 100, "default limit is 100");
    let mut saw_null = false;
    for row in rows {
        let obj = row.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort();
        let mut want = ROW_KEYS.to_vec();
        want.sort();
        assert_eq!(keys, want);
        assert!(row["id"].is_i64());
        assert!(row["ai_enabled"] == 0 || row["ai_enabled"] == 1);
        let ts = row["created_at"].as_str().unwrap();
        assert_eq!(ts.len(), 19, "YYYY-MM-DD HH:MM:SS: {ts}");
        assert_eq!(&ts[10..11], " ");
        if row["last_message"].is_null() {
            saw_null = true;
            assert!(row["last_sender_type"].is_null());
            assert!(row["last_message_created_at"].is_null());
        }
    }
    let _ = saw_null; // message-less rows may sit beyond the first 100
    let keys: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["last_message_at"].as_str().unwrap().to_owned(),
                r["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(keys, sorted, "last_message_at desc, then id desc");
}

#[tokio::test]
async fn whatsapp_status_filter_and_aliases() {
    let s = demo();
    let mut with_null = false;
    for status in ["active", "pending_human", "closed"] {
        let r = get(&format!("/api/conversations?status={status}&limit=1000"))
            .send(&s)
            .await;
        let v = r.json();
        let rows = v["conversations"].as_array().unwrap();
        assert!(!rows.is_empty(), "{status}");
        assert!(rows.iter().all(|r| r["status"] == status));
        with_null |= rows.iter().any(|r| r["last_message"].is_null());
        for alias in ["/api/get-conversations", "/api/get-conversations.php"] {
            let a = get(&format!("{alias}?status={status}&limit=1000"))
                .send(&s)
                .await
                .json();
            assert_eq!(a, v, "{alias}");
        }
    }
    assert!(with_null, "the demo has conversations without messages");
}

#[tokio::test]
async fn whatsapp_limit_parameter_and_config() {
    let s = demo();
    let r = get("/api/conversations?limit=7").send(&s).await;
    assert_eq!(r.json()["conversations"].as_array().unwrap().len(), 7);
    // Empty values are absent parameters: every status, the default limit.
    let all = get("/api/conversations").send(&s).await.json();
    let empty = get("/api/conversations?status=&limit=&offset=")
        .send(&s)
        .await
        .json();
    assert_eq!(empty, all);
    let (s2, _) = state_with(&["--whatsapp-limit", "5"], Data::demo(7, 100));
    let r = get("/api/conversations").send(&s2).await;
    assert_eq!(r.json()["conversations"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn whatsapp_bad_input_is_400() {
    let s = demo();
    for (name, path) in [
        ("bad_status", "/api/conversations?status=open"),
        ("uppercase_status", "/api/conversations?status=ACTIVE"),
        ("zero_limit", "/api/conversations?limit=0"),
        ("big_limit", "/api/conversations?limit=1001"),
        ("text_limit", "/api/conversations?limit=ten"),
        ("negative_offset", "/api/conversations?offset=-1"),
        ("text_offset", "/api/conversations?offset=ten"),
        ("plus_offset", "/api/conversations?offset=%2B5"),
        ("big_offset", "/api/conversations?offset=2147483648"),
    ] {
        let r = get(path).send(&s).await;
        assert_eq!(r.status, 400, "{name}");
        insta::assert_json_snapshot!(format!("400_whatsapp_{name}"), r.json());
    }
}

/// The target of `rel` in a `Link` header (path and query, as sent).
fn link_target(link: &str, rel: &str) -> Option<String> {
    link.split(", ").find_map(|part| {
        let (url, r) = part.split_once(">; rel=")?;
        (r.trim_matches('"') == rel).then(|| url.trim_start_matches('<').to_owned())
    })
}

fn row_ids(v: &Value) -> Vec<i64> {
    v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn whatsapp_offset_pages_past_the_first_100_by_link() {
    let s = demo();
    let all = row_ids(&get("/api/conversations?limit=1000").send(&s).await.json());
    assert_eq!(all.len(), 300);
    let first = get("/api/conversations").send(&s).await;
    let link = first.header("link").unwrap().to_owned();
    assert_eq!(first.header("x-total-count"), Some("300"));
    assert_eq!(
        link_target(&link, "prev"),
        None,
        "no prev on the first page"
    );
    assert_eq!(
        link_target(&link, "first").as_deref(),
        Some("/api/conversations?limit=100&offset=0")
    );
    assert_eq!(
        link_target(&link, "last").as_deref(),
        Some("/api/conversations?limit=100&offset=200")
    );
    // Follow `next` to the end: every row once, in list order.
    let mut seen = row_ids(&first.json());
    let mut next = link_target(&link, "next");
    let mut pages = 1;
    while let Some(url) = next {
        let r = get(&url).send(&s).await;
        assert_eq!(r.status, 200, "{url}");
        assert_eq!(r.header("x-total-count"), Some("300"));
        seen.extend(row_ids(&r.json()));
        let link = r.header("link").unwrap();
        assert!(link_target(link, "prev").is_some(), "{link}");
        next = link_target(link, "next");
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);
    // An unaligned offset: the rows after it, `prev` one page back.
    let r = get("/api/conversations?limit=100&offset=250")
        .send(&s)
        .await;
    assert_eq!(row_ids(&r.json()), all[250..]);
    let link = r.header("link").unwrap();
    assert_eq!(link_target(link, "next"), None);
    assert_eq!(
        link_target(link, "prev").as_deref(),
        Some("/api/conversations?limit=100&offset=150")
    );
}

#[tokio::test]
async fn whatsapp_offset_past_the_end_is_empty_and_prev_is_the_last_page() {
    let s = demo();
    for offset in ["300", "1000", "2147483647"] {
        let r = get(&format!(
            "/api/conversations?status=closed&limit=30&offset={offset}"
        ))
        .send(&s)
        .await;
        assert_eq!(r.status, 200, "{offset}");
        assert_eq!(r.json()["conversations"], serde_json::json!([]));
        assert_eq!(r.header("x-total-count"), Some("100"));
        let link = r.header("link").unwrap();
        assert_eq!(link_target(link, "next"), None);
        // 100 closed rows in pages of 30: the last page starts at 90.
        let last = "/api/conversations?limit=30&offset=90&status=closed";
        assert_eq!(link_target(link, "prev").as_deref(), Some(last), "{link}");
        assert_eq!(link_target(link, "last").as_deref(), Some(last));
        let r = get(last).send(&s).await;
        assert_eq!(r.json()["conversations"].as_array().unwrap().len(), 10);
    }
}

#[tokio::test]
async fn whatsapp_links_keep_the_status_and_aliases_link_to_the_canonical_path() {
    let s = demo();
    let r = get("/api/get-conversations.php?status=pending_human&limit=40&offset=40")
        .send(&s)
        .await;
    assert_eq!(r.header("x-total-count"), Some("100"));
    assert_eq!(
        r.header("link"),
        Some(
            "</api/conversations?limit=40&offset=80&status=pending_human>; rel=\"next\", \
             </api/conversations?limit=40&offset=0&status=pending_human>; rel=\"prev\", \
             </api/conversations?limit=40&offset=0&status=pending_human>; rel=\"first\", \
             </api/conversations?limit=40&offset=80&status=pending_human>; rel=\"last\""
        )
    );
}

// ---- chatbot: GET /v1/api/conversation-messages/:id ----

#[tokio::test]
async fn chatbot_pages_in_created_order() {
    let s = demo();
    let all = s.memory().unwrap().chatbot().messages(1).unwrap().len();
    let r = get("/v1/api/conversation-messages/1?per_page=100")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    let msgs = r.json();
    let msgs = msgs.as_array().unwrap();
    assert_eq!(msgs.len(), all.min(100));
    assert_eq!(r.header("x-total-count"), Some(all.to_string().as_str()));
    for m in msgs {
        let obj = m.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["createdOn", "id", "isUser", "message", "type", "userId"]
        );
        let ts = m["createdOn"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.len() == 27, "µs RFC 3339: {ts}");
    }
    let keys: Vec<(String, i64)> = msgs
        .iter()
        .map(|m| {
            (
                m["createdOn"].as_str().unwrap().to_owned(),
                m["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[tokio::test]
async fn chatbot_default_page_size_and_paging_headers() {
    let s = demo();
    let r = get("/v1/api/conversation-messages/1").auth().send(&s).await;
    let total = s.memory().unwrap().chatbot().messages(1).unwrap().len();
    assert_eq!(r.json().as_array().unwrap().len(), total.min(20));
    assert_eq!(r.header("x-page"), Some("1"));
    assert_eq!(r.header("x-per-page"), Some("20"));
    let empty = get("/v1/api/conversation-messages/1?page=&per_page=")
        .auth()
        .send(&s)
        .await;
    assert_eq!(empty.json(), r.json(), "empty values are absent");
    // Walk the pages with per_page=3 and compare with one big page.
    let big = get("/v1/api/conversation-messages/1?per_page=100")
        .auth()
        .send(&s)
        .await
        .json();
    let mut walked = Vec::new();
    let mut page = 1;
    loop {
        let r = get(&format!(
            "/v1/api/conversation-messages/1?page={page}&per_page=3"
        ))
        .auth()
        .send(&s)
        .await;
        let items = r.json().as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        walked.extend(items);
        page += 1;
    }
    assert_eq!(Value::Array(walked), big);
    // Past the end: 200 [].
    let r = get("/v1/api/conversation-messages/1?page=9999")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), Value::Array(vec![]));
}

#[tokio::test]
async fn chatbot_bad_input_is_400_with_field() {
    let s = demo();
    for (name, path, field) in [
        ("zero_id", "/v1/api/conversation-messages/0", "id"),
        ("text_id", "/v1/api/conversation-messages/abc", "id"),
        ("negative_id", "/v1/api/conversation-messages/-3", "id"),
        ("fraction_id", "/v1/api/conversation-messages/1.5", "id"),
        (
            "zero_page",
            "/v1/api/conversation-messages/1?page=0",
            "page",
        ),
        (
            "text_page",
            "/v1/api/conversation-messages/1?page=x",
            "page",
        ),
        (
            "zero_per_page",
            "/v1/api/conversation-messages/1?per_page=0",
            "per_page",
        ),
        (
            "big_per_page",
            "/v1/api/conversation-messages/1?per_page=101",
            "per_page",
        ),
        (
            "text_per_page",
            "/v1/api/conversation-messages/1?per_page=ten",
            "per_page",
        ),
    ] {
        let r = get(path).auth().send(&s).await;
        assert_eq!(r.status, 400, "{name}");
        assert_eq!(r.json()["error"]["field"], field, "{name}");
        insta::assert_json_snapshot!(format!("400_chatbot_{name}"), r.json());
    }
    // No upper bound (api.md §2.5): a page of any size past the end is an
    // empty page, 100 rows a page pass, and an id too large for any
    // conversation is an unknown one.
    for page in [
        "4294967296",
        "18446744073709551615",
        "99999999999999999999999",
    ] {
        let r = get(&format!(
            "/v1/api/conversation-messages/1?page={page}&per_page=100"
        ))
        .auth()
        .send(&s)
        .await;
        assert_eq!(
            (r.status.as_u16(), r.json()),
            (200, serde_json::json!([])),
            "{page}"
        );
    }
    let r = get("/v1/api/conversation-messages/99999999999999999999999")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["error"]["message"],
        "conversation `99999999999999999999999` not found"
    );
    let r = get("/v1/api/conversation-messages/1?page=4294967295&per_page=100")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!([]));
    let link = r.header("link").unwrap();
    assert!(
        link.starts_with("</v1/api/conversation-messages/1?page="),
        "{link}"
    );
    assert!(
        link_target(link, "prev") == link_target(link, "last"),
        "{link}"
    );
}

#[tokio::test]
async fn chatbot_unknown_conversation_is_404() {
    let s = demo();
    let r = get("/v1/api/conversation-messages/987654")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 404);
    insta::assert_json_snapshot!("404_chatbot_unknown_conversation", r.json());
}

#[test]
fn the_whatsapp_limit_flag_is_the_range_of_limit() {
    use clap::Parser;
    let parse = |v: &str| {
        server::Config::try_parse_from(["rsql-server", "--whatsapp-limit", v])
            .map(|c| c.whatsapp_limit)
    };
    assert_eq!(parse("1").unwrap(), 1);
    assert_eq!(parse("1000").unwrap(), 1000);
    for v in ["0", "1001"] {
        let err = parse(v).unwrap_err().to_string();
        assert!(err.contains("--whatsapp-limit") && err.contains(v), "{err}");
    }
}
