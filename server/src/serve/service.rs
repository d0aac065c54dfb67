//! [`Tracked`]: the warp service as hyper calls it, with each response's
//! body wrapped so the connection's [`Track`] learns when the response ends
//! (the request is no longer in progress). Bodies are passed through frame
//! by frame: nothing here buffers a whole body.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use warp::http::{Request, Response};

use super::track::Track;

/// The route tree's service for one connection.
#[derive(Clone, Debug)]
pub(crate) struct Tracked<S> {
    pub(crate) inner: S,
    pub(crate) track: Arc<Track>,
}

impl<S, B> hyper::service::Service<Request<Incoming>> for Tracked<S>
where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Ended<B>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let mut inner = self.inner.clone();
        let guard = Done(Some(self.track.clone()));
        Box::pin(async move {
            let resp = inner.call(req).await?;
            Ok(resp.map(|body| Ended { body, guard }))
        })
    }
}

/// Marks the response done when dropped (hyper drops the body after its
/// last frame, or when the connection goes away).
#[derive(Debug)]
struct Done(Option<Arc<Track>>);

impl Drop for Done {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.response_done();
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
            t.response_done();
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
