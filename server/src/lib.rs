//! The warp demo service: the four seed APIs of `docs/http-api.md` over
//! the in-memory [`store`], with one token store, exact per-family error
//! envelopes, an OpenAPI 3.1 document, request ids, an optional rate limiter
//! and graceful shutdown.
//!
//! [`routes`] is the whole route tree; `main` serves it and the tests drive it
//! with `warp::test`, so both see the same behaviour.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let state = server::AppState::new(server::Config::default_for_tests(), server::Data::empty());
//! let api = server::routes(state);
//! let resp = warp::test::request().path("/healthz").reply(&api).await;
//! assert_eq!(resp.status(), 200);
//! assert_eq!(resp.body().as_ref(), br#"{"status":"ok"}"#);
//! let resp = warp::test::request().path("/nope").reply(&api).await;
//! assert_eq!(resp.status(), 404);
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod auth;
pub mod backend;
pub mod clock;
pub mod config;
pub mod data;
pub mod demo;
pub mod error;
pub mod filter_cache;
mod filters;
mod handlers;
pub mod jsonmap;
pub mod link;
pub mod openapi;
pub mod query;
pub mod ratelimit;
pub mod routes_table;
pub mod serve;
pub mod state;

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::Serialize;
use warp::Filter;
use warp::http::{HeaderValue, Method, StatusCode, header};
use warp::reply::Response;

/// Header names the handlers set on every list response, parsed once (a
/// `&str` name is parsed again on each insert).
pub(crate) mod names {
    use warp::http::HeaderName;

    pub(crate) const X_TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");
    pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
    pub(crate) const X_PAGE: HeaderName = HeaderName::from_static("x-page");
    pub(crate) const X_PER_PAGE: HeaderName = HeaderName::from_static("x-per-page");
}

pub use clock::Clock;
pub use config::Config;
pub use data::Data;
pub use state::AppState;

/// The default request body limit (1 MiB, `api.md` §2.0).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The whole route tree: every route of `api.md` §2, every rejection turned
/// into the family's JSON envelope, `X-Request-Id` on every answer and the
/// optional rate limiter in front.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static {
    // The routes' own rejections become answers inside, so that every
    // answer that passed the limiter (404 and 405 included) gets its
    // `RateLimit-*` headers; a refused request is answered outside.
    let answered = filters::api(state.clone())
        .recover(error::handle_rejection)
        .unify();
    let guarded = filters::rate_limit(state)
        .and(answered)
        .map(filters::add_rate_headers);
    let recovered = guarded.recover(filters::recover_limited).unify();
    request_meta().and(recovered).map(finish)
}

/// What the outer wrapper remembers about a request for its log line.
struct Meta {
    id: HeaderValue,
    method: Method,
    path: warp::path::FullPath,
    start: Instant,
}

fn request_meta() -> impl Filter<Extract = (Meta,), Error = Infallible> + Clone {
    warp::header::optional::<String>("x-request-id")
        .or_else(|_| async { Ok::<_, Infallible>((None,)) })
        .and(warp::method())
        .and(warp::path::full())
        .map(|id: Option<String>, method, path| Meta {
            id: request_id(id.as_deref()),
            method,
            path,
            start: Instant::now(),
        })
}

/// Echoes a sane client request id (visible ASCII, 1–128 chars) or makes one.
pub(crate) fn request_id(sent: Option<&str>) -> HeaderValue {
    if let Some(s) = sent
        && !s.is_empty()
        && s.len() <= 128
        && s.bytes().all(|b| b.is_ascii_graphic())
        && let Ok(v) = HeaderValue::from_str(s)
    {
        return v;
    }
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let prefix = *PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        let _ = getrandom::fill(&mut b);
        u64::from(u32::from_le_bytes(b))
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    // `{prefix:08x}-{n:012x}`, written on the stack (no formatter).
    let mut buf = [b'-'; 21];
    let written = hex_into(&mut buf[..8], prefix).and(hex_into(&mut buf[9..], n));
    written
        .ok()
        .and_then(|()| HeaderValue::from_bytes(&buf).ok())
        .unwrap_or_else(|| HeaderValue::from_static("unknown"))
}

/// Writes the low `out.len()` hex digits of `v` into `out`, zero-padded, for
/// an even `out.len()` up to 16 (the callers' 8 and 12; faster-hex's error
/// only if `out` cannot hold the digits).
fn hex_into(out: &mut [u8], v: u64) -> Result<(), faster_hex::Error> {
    let bytes = v.to_be_bytes();
    let skip = bytes.len().saturating_sub(out.len() / 2);
    faster_hex::hex_encode(&bytes[skip..], out).map(|_| ())
}

fn finish(meta: Meta, mut resp: Response) -> Response {
    let status = resp.status();
    let micros = meta.start.elapsed().as_micros();
    let id = meta.id.to_str().unwrap_or("");
    if status.is_server_error() {
        tracing::error!(request_id = id, method = %meta.method, path = meta.path.as_str(), status = status.as_u16(), micros, "request failed");
    } else {
        tracing::debug!(request_id = id, method = %meta.method, path = meta.path.as_str(), status = status.as_u16(), micros, "request");
    }
    resp.headers_mut().insert(names::X_REQUEST_ID, meta.id);
    if meta.method == Method::HEAD {
        strip_body(&mut resp);
    }
    resp
}

/// `HEAD`: the GET answer's status and headers, `Content-Length` included,
/// without the body.
fn strip_body(resp: &mut Response) {
    if let Some(len) = http_body::Body::size_hint(resp.body()).exact() {
        resp.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    drop(std::mem::take(resp.body_mut()));
}

/// A JSON response with `status`.
pub(crate) fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => bytes_response(status, body),
        Err(e) => {
            tracing::error!(error = %e, "response serialization failed");
            bytes_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                br#"{"message":"internal server error"}"#.to_vec(),
            )
        }
    }
}

/// A response with a ready JSON body.
pub(crate) fn bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::{hex_into, request_id};

    #[test]
    fn generated_request_ids_are_prefix_dash_counter_in_hex() {
        let a = request_id(None);
        let b = request_id(Some("bad id with spaces"));
        for id in [&a, &b] {
            let s = id.to_str().unwrap();
            let (prefix, n) = s.split_once('-').unwrap();
            assert_eq!((prefix.len(), n.len()), (8, 12), "{s}");
            assert!(s.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
        }
        assert_eq!(a.as_bytes()[..9], b.as_bytes()[..9]);
        let na = u64::from_str_radix(&a.to_str().unwrap()[9..], 16).unwrap();
        let nb = u64::from_str_radix(&b.to_str().unwrap()[9..], 16).unwrap();
        assert!(nb > na);
        let mut buf = [0u8; 12];
        hex_into(&mut buf, 0xabc_0123_4567).unwrap();
        assert_eq!(&buf, b"0abc01234567");
        assert_eq!(request_id(Some("abc-123")), "abc-123");
    }
}
