//! The Symbl store's lock and streamed pages over real TCP, on a
//! multi-threaded runtime: a writer holding the lock does not stop routes
//! that do not need it, and large pages arrive in chunks.

use std::time::Duration;

use server::AppState;

use super::*;
use crate::common::*;

/// Serves `s` on an ephemeral loopback port; the base URL.
async fn serve(s: &AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        warp::serve(server::routes(s.clone()))
            .incoming(listener)
            .run(),
    );
    format!("http://{addr}")
}

/// Not a timing: a guard against a hang, far past any answer's time.
const HANG: Duration = Duration::from_secs(120);

/// Issue 13 item 1: while a PUT holds the write lock (here the test holds
/// it, as a long merge would), more Symbl requests than worker threads wait
/// for it, and `/healthz` and the Mongo route still answer. With a blocking
/// lock the waiting requests held every worker and nothing answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_holding_the_lock_does_not_stop_healthz_or_mongo() {
    let s = state();
    let base = serve(&s).await;
    let client = reqwest::Client::new();
    let id = s
        .memory()
        .unwrap()
        .symbl()
        .read()
        .await
        .iter()
        .next()
        .unwrap()
        .id;
    let guard = s.memory().unwrap().symbl().write().await;
    let mut waiting = Vec::new();
    for i in 0..6 {
        let client = client.clone();
        let base = base.clone();
        let id = id.clone();
        waiting.push(tokio::spawn(async move {
            let r = if i % 2 == 0 {
                client
                    .put(format!("{base}/v1/conversations/{id}"))
                    .bearer_auth(TOKEN)
                    .header("content-type", "application/json")
                    .body(format!(r#"{{"metadata":{{"waiter{i}":"x"}}}}"#))
                    .send()
                    .await
            } else {
                client
                    .get(format!("{base}/v1/conversations?{ALL}&limit=5"))
                    .bearer_auth(TOKEN)
                    .send()
                    .await
            };
            r.unwrap().status().as_u16()
        }));
    }
    // Let the Symbl requests reach the lock (if some have not, the test is
    // weaker, never wrong).
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..3 {
        let h = tokio::time::timeout(HANG, client.get(format!("{base}/healthz")).send())
            .await
            .expect("/healthz answers while the writer holds the lock")
            .unwrap();
        assert_eq!(h.status(), 200);
        let m = tokio::time::timeout(
            HANG,
            client
                .get(format!("{base}/get-all-conversations?organization_id=acme"))
                .bearer_auth(TOKEN)
                .send(),
        )
        .await
        .expect("the Mongo route answers while the writer holds the lock")
        .unwrap();
        assert_eq!(m.status(), 200);
        assert!(
            !m.json::<serde_json::Value>()
                .await
                .unwrap()
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
    assert!(
        waiting.iter().all(|t| !t.is_finished()),
        "the Symbl requests need the lock and wait for it"
    );
    drop(guard);
    for t in waiting {
        assert_eq!(tokio::time::timeout(HANG, t).await.unwrap().unwrap(), 200);
    }
    let meta = s
        .memory()
        .unwrap()
        .symbl()
        .read()
        .await
        .get(&id)
        .unwrap()
        .metadata;
    assert_eq!(meta.get("waiter0"), Some("x"));
    assert_eq!(meta.get("waiter4"), Some("x"));
}

/// Over TCP a large page is sent chunked (no `Content-Length`: it is never
/// held whole) with the bytes of the one-buffer rendering; a page at the
/// one-buffer size is one sized body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_pages_arrive_chunked_and_byte_identical() {
    let s = state();
    let base = serve(&s).await;
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{base}/v1/conversations?{ALL}&limit=65536"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-length").is_none());
    assert_eq!(
        r.headers()
            .get("transfer-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("chunked")
    );
    let body = r.bytes().await.unwrap();
    let params = store::Params {
        start_time: Some("2020-01-01T00:00:00Z"),
        limit: Some("65536"),
        ..Default::default()
    };
    let spec = store::QuerySpec::from_params(&params, NOW_MS).unwrap();
    let want = {
        let store = s.memory().unwrap().symbl().read().await;
        store::render::list_bytes_ref(&store.query_ref(&spec).unwrap().items)
    };
    assert_eq!(body.as_ref(), want.as_slice());
    let r = client
        .get(format!("{base}/v1/conversations?{ALL}&limit=256"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let len = r.headers().get("content-length").cloned();
    let body = r.bytes().await.unwrap();
    assert_eq!(len.unwrap().to_str().unwrap(), body.len().to_string());
}
