//! [`Tracked`]: the warp service as hyper calls it, with each response's
//! body wrapped so the connection's [`Track`] learns when the response ends
//! (the request is no longer in progress once that end is written, see
//! [`Track::flushed`]). Bodies are passed through frame by frame: nothing
//! here buffers a whole body.
//!
//! A handler that panics is caught here: the client gets a JSON 500 in the
//! family's envelope (with `X-Request-Id`), the panic is logged at ERROR,
//! and the connection goes on serving.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::FutureExt;
use http_body::{Body, Frame, SizeHint};
use warp::http::{HeaderValue, Request, Response, StatusCode, header};

use crate::error::Family;
use crate::ratelimit::ClientAddr;

use super::track::Track;

/// The route tree's service for one connection.
#[derive(Clone, Debug)]
pub(crate) struct Tracked<S> {
    pub(crate) inner: S,
    pub(crate) track: Arc<Track>,
    /// The peer's address, given to every request (see [`ClientAddr`]).
    pub(crate) peer: Option<ClientAddr>,
}

/// Generic over the request body so the panic handling can be tested
/// without a socket; hyper calls it with [`hyper::body::Incoming`].
impl<S, B, R> hyper::service::Service<Request<R>> for Tracked<S>
where
    S: tower_service::Service<Request<R>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: From<Vec<u8>>,
{
    type Response = Response<Ended<B>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, mut req: Request<R>) -> Self::Future {
        self.track.request_started();
        if let Some(peer) = self.peer {
            req.extensions_mut().insert(peer);
        }
        let guard = Done(Some(self.track.clone()));
        // Used only if the handler panics.
        let family = Family::of_path(req.uri().path());
        let sent_id = req.headers().get("x-request-id").cloned();
        let mut inner = self.inner.clone();
        let call = std::panic::catch_unwind(AssertUnwindSafe(move || inner.call(req)));
        Box::pin(async move {
            let caught = match call {
                Ok(fut) => AssertUnwindSafe(fut).catch_unwind().await,
                Err(panic) => Err(panic),
            };
            let resp = match caught {
                Ok(r) => r?,
                Err(panic) => panicked(family, sent_id.as_ref(), panic.as_ref()),
            };
            Ok(resp.map(|body| Ended { body, guard }))
        })
    }
}

/// The answer to a request whose handler panicked: a JSON 500 in `family`'s
/// envelope (the panic message is logged, not sent).
fn panicked<B: From<Vec<u8>>>(
    family: Family,
    sent_id: Option<&HeaderValue>,
    panic: &(dyn std::any::Any + Send),
) -> Response<B> {
    let what = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)");
    tracing::error!(panic = what, "request handler panicked");
    let body = super::answer::envelope(
        family,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal server error",
    );
    let id = crate::request_id(sent_id.and_then(|v| v.to_str().ok()));
    let mut resp = Response::new(B::from(body));
    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert("x-request-id", id);
    resp
}

/// Marks the response ended when dropped (hyper drops the body after its
/// last frame, or when the connection goes away).
#[derive(Debug)]
struct Done(Option<Arc<Track>>);

impl Drop for Done {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.response_ended();
        }
    }
}

/// A response body that reports its end to the connection's track.
#[derive(Debug)]
pub(crate) struct Ended<B> {
    body: B,
    guard: Done,
}

impl<B: Body + Unpin> Body for Ended<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.body).poll_frame(cx);
        if let Poll::Ready(None) = r
            && let Some(t) = this.guard.0.take()
        {
            t.response_ended();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::service::Service as _;
    use std::task::Poll;
    use tokio::sync::Notify;

    /// A route tree that panics on `/boom` (while polled) and `/sync-boom`
    /// (while called), and answers everything else.
    #[derive(Clone)]
    struct Panicky;

    impl tower_service::Service<Request<()>> for Panicky {
        type Response = Response<Vec<u8>>;
        type Error = Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Response<Vec<u8>>, Infallible>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: Request<()>) -> Self::Future {
            let path = req.uri().path().to_owned();
            assert!(path != "/sync-boom", "sync boom");
            Box::pin(async move {
                assert!(!path.ends_with("/boom"), "static str is not valid path");
                Ok(Response::new(b"fine".to_vec()))
            })
        }
    }

    #[tokio::test]
    async fn a_panicking_handler_gets_a_json_500_in_its_family_and_the_request_ends() {
        let track = Arc::new(Track::new(Arc::new(Notify::new())));
        let svc = Tracked {
            inner: Panicky,
            track: track.clone(),
            peer: None,
        };
        let req = |path: &str, id: Option<&str>| {
            let mut b = Request::builder().uri(path);
            if let Some(id) = id {
                b = b.header("x-request-id", id);
            }
            b.body(()).unwrap()
        };
        let resp = svc.call(req("/v1/boom", Some("p-1"))).await.unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(resp.headers()["x-request-id"], "p-1");
        assert_eq!(resp.headers()["content-type"], "application/json");
        drop(resp);
        let resp = svc.call(req("/v1/api/boom", None)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(resp.headers().contains_key("x-request-id"));
        let body = resp.into_body().body;
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"error":{"code":"internal_error","message":"internal server error"}}"#
        );
        let resp = svc.call(req("/sync-boom", None)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            resp.into_body().body,
            br#"{"message":"internal server error"}"#
        );
        // Every request ended (the responses are dropped): once flushed the
        // connection is idle again.
        track.flushed();
        assert!(track.idle_since().is_some());
        let resp = svc.call(req("/fine", None)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
}
