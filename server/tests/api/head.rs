//! `HEAD` on every `GET` route (`api.md` §2.0): the GET answer's status and
//! headers, `Content-Length` included, and no body; 405 (with `Allow`) only
//! where no GET exists.

use server::routes_table::ROUTES;

use crate::common::{demo_state, req};
use crate::proc::{raw, spawn};

/// A concrete path for a route pattern in the demo data.
fn concrete(pattern: &str, conversation: &str) -> String {
    pattern
        .replace("{conversationId}", conversation)
        .replace("{memberId}", "m")
        .replace("{id}", "1")
}

#[tokio::test]
async fn head_mirrors_get_on_every_get_route() {
    let (s, _) = demo_state();
    let conversation = store::generate::conversation(7, 0).id;
    let mut checked = 0;
    for (pattern, methods) in ROUTES {
        if !methods.contains(&"GET") {
            continue;
        }
        let path = concrete(pattern, &conversation);
        for (path, auth) in [(path.clone(), true), (path, false)] {
            let g = if auth {
                req("GET", &path).auth()
            } else {
                req("GET", &path)
            };
            let h = if auth {
                req("HEAD", &path).auth()
            } else {
                req("HEAD", &path)
            };
            let g = g.send(&s).await;
            let h = h.send(&s).await;
            assert_eq!(h.status, g.status, "HEAD {path}");
            assert!(h.body.is_empty(), "HEAD {path} has a body");
            assert_eq!(
                h.header("content-length"),
                Some(g.body.len().to_string().as_str()),
                "HEAD {path}"
            );
            for (name, value) in &g.headers {
                if name == "x-request-id" {
                    continue;
                }
                assert_eq!(h.headers.get(name), Some(value), "HEAD {path}: {name}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * 16);
}

#[tokio::test]
async fn head_where_no_get_exists_is_405_with_allow() {
    let (s, _) = demo_state();
    let r = req("HEAD", "/oauth2/token:generate").send(&s).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    let r = req("HEAD", "/v1/conversations/1/members/2")
        .auth()
        .send(&s)
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("PUT"));
    // Real wrong methods stay 405; unknown paths 404.
    let r = req("POST", "/v1/conversations").auth().send(&s).await;
    assert_eq!(
        (r.status.as_u16(), r.header("allow")),
        (405, Some("GET, HEAD"))
    );
    let r = req("HEAD", "/v1/nothing").send(&s).await;
    assert_eq!(r.status, 404);
    assert!(r.body.is_empty());
}

#[test]
fn head_over_tcp() {
    let srv = spawn(&["--static-token", "t"], &[]);
    for path in [
        "/healthz",
        "/openapi.json",
        "/api/conversations",
        "/v1/conversations",
    ] {
        let get = raw(
            &srv.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t"),
            b"",
            false,
        );
        let head = raw(
            &srv.addr,
            &format!("HEAD {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t"),
            b"",
            true,
        );
        assert_eq!(head.status, get.status, "{path}");
        assert_eq!(head.status, 200, "{path}");
        assert!(head.body.is_empty(), "{path}");
        assert_eq!(
            head.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{path}"
        );
        assert_eq!(head.header("content-type"), Some("application/json"));
        assert!(head.header("x-request-id").is_some());
    }
}
