//! Shared helpers for the route tests: a state with a manual clock, a static
//! token and an app pair, and a one-call request helper.
#![allow(dead_code, unreachable_pub)]

use serde_json::Value;
use warp::http::{HeaderMap, StatusCode};

use server::{AppState, Clock, Config, Data};

pub const TOKEN: &str = "test-token";
pub const APP_ID: &str = "test-app";
pub const APP_SECRET: &str = "test-secret";
/// 2026-01-01T00:00:00Z: after all demo data.
pub const NOW_MS: i64 = 1_767_225_600_000;

pub fn config(extra: &[&str]) -> Config {
    use clap::Parser;
    let mut args = vec![
        "rsql-server",
        "--static-token",
        TOKEN,
        "--app-id",
        APP_ID,
        "--app-secret",
        APP_SECRET,
    ];
    args.extend_from_slice(extra);
    Config::parse_from(args)
}

pub fn state_with(extra: &[&str], data: Data) -> (AppState, Clock) {
    let clock = Clock::manual(NOW_MS);
    (
        AppState::with_clock(config(extra), data, clock.clone()),
        clock,
    )
}

pub fn demo_state() -> (AppState, Clock) {
    state_with(&[], Data::demo(7, 2_000))
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct Req {
    inner: warp::test::RequestBuilder,
}

pub fn get(path: &str) -> Req {
    req("GET", path)
}

pub fn req(method: &str, path: &str) -> Req {
    Req {
        inner: warp::test::request().method(method).path(path),
    }
}

impl Req {
    pub fn auth(self) -> Req {
        self.header("authorization", &format!("Bearer {TOKEN}"))
    }
    pub fn header(self, k: &str, v: &str) -> Req {
        Req {
            inner: self.inner.header(k, v),
        }
    }
    pub fn json_body(self, body: &str) -> Req {
        Req {
            inner: self
                .inner
                .header("content-type", "application/json")
                .body(body.as_bytes()),
        }
    }
    pub fn body(self, body: impl AsRef<[u8]>) -> Req {
        Req {
            inner: self.inner.body(body),
        }
    }
    pub async fn send(self, state: &AppState) -> Resp {
        let api = server::routes(state.clone());
        let r = self.inner.reply(&api).await;
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.into_body().to_vec();
        // Every answer, success or error, is JSON with a request id.
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "content-type of {status}: {}",
            String::from_utf8_lossy(&body)
        );
        assert!(headers.contains_key("x-request-id"));
        Resp {
            status,
            headers,
            body,
        }
    }
}
