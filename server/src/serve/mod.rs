//! Serving the route tree over TCP with the connection limits of `api.md`
//! §2.0: read timeout, idle keep-alive timeout, a connection cap that closes
//! idle connections first, a write-progress timeout, a bounded shutdown, and
//! JSON answers (with `X-Request-Id`) for the request heads the HTTP layer
//! refuses (400, 414, 431; limits in [`head`]).
//!
//! hyper 1.x's HTTP/1.1 connection does the protocol work
//! (`hyper::server::conn::http1`), with keep-alive. In front of it each
//! socket is wrapped in a gate that reads each request head first and only
//! hands hyper heads it accepts: hyper answers the heads it refuses itself,
//! with an empty body and no way to change it (`proto/h1/role.rs`
//! `on_error`, `conn.rs` `on_parse_error`), so the gate refuses them first
//! and writes the JSON answer when hyper closes the connection.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use server::{AppState, Config, Data};
//! use server::serve::{ServeOptions, spawn};
//! let state = AppState::new(Config::default_for_tests(), Data::empty());
//! let (tx, rx) = tokio::sync::oneshot::channel::<()>();
//! let running = spawn(state, ServeOptions::default(), async { let _ = rx.await; }).await?;
//! println!("http://{}", running.addr);
//! let _ = tx.send(());
//! running.handle.await.ok();
//! # Ok(()) }
//! ```

mod answer;
mod chunked;
mod gate;
pub mod head;
mod log;
mod options;
mod registry;
mod service;
mod track;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Instant;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

pub use log::{SUMMARY_EVERY, client_events};
pub use options::{ServeOptions, parse_duration, parse_max_connections};

use gate::Gate;
use registry::Registry;
use service::Tracked;
use track::{Expired, Track};

use crate::AppState;
use crate::ratelimit::ClientAddr;

/// A server started by [`spawn`].
#[derive(Debug)]
pub struct Running {
    /// The bound address (`127.0.0.1` and a free port).
    pub addr: SocketAddr,
    /// Ends when the server has shut down (shutdown future resolved, then
    /// in-flight requests finished or the grace ran out).
    pub handle: tokio::task::JoinHandle<()>,
}

/// Binds `127.0.0.1:0` and serves `state`'s routes on a task until
/// `shutdown` resolves (then as [`serve`]).
pub async fn spawn<F>(state: AppState, opts: ServeOptions, shutdown: F) -> io::Result<Running>
where
    F: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(serve(listener, state, opts, shutdown));
    Ok(Running { addr, handle })
}

/// Serves `state`'s routes ([`crate::routes`]) on `listener` until
/// `shutdown` resolves; then stops accepting, lets in-flight requests finish
/// for at most `opts.shutdown_grace` and closes whatever is left.
pub async fn serve<F>(listener: TcpListener, state: AppState, opts: ServeOptions, shutdown: F)
where
    F: Future<Output = ()> + Send,
{
    // Only the rate limiter reads the client's address: without it, no
    // request carries one (inserting it allocates the request's extensions).
    let keyed = state.limiter.is_some();
    let svc = warp::service(crate::routes(state));
    let registry = Arc::new(Registry::new());
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .half_close(false)
        .header_read_timeout(None);
    let mut tasks = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    let mut failures = 0u32;
    let max = opts.max_connections.max(1);
    'accept: loop {
        while tasks.try_join_next().is_some() {}
        // At the cap with every connection busy: accept nothing until one
        // closes or goes idle.
        while registry.len() >= max && !registry.any_idle() {
            tokio::select! {
                () = registry.changed.notified() => {}
                () = &mut shutdown => break 'accept,
            }
        }
        let (stream, peer): (TcpStream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, peer)) => { failures = 0; (s, peer) }
                Err(e) if is_per_connection(&e) => continue,
                Err(e) => {
                    let wait = log::accept_error(&e, failures);
                    failures = failures.saturating_add(1);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = &mut shutdown => break 'accept,
                    }
                    continue;
                }
            },
            () = &mut shutdown => break 'accept,
        };
        // Make room: close the connection idle the longest (if the idle one
        // seen above got a request meanwhile, wait for another).
        while registry.len() >= max && !registry.evict_oldest_idle() {
            tokio::select! {
                () = registry.changed.notified() => {}
                () = &mut shutdown => break 'accept,
            }
        }
        let _ = stream.set_nodelay(true);
        let track = Arc::new(Track::new(registry.changed.clone()));
        let id = registry.insert(track.clone());
        let peer = keyed.then_some(ClientAddr(peer));
        let conn = connection(stream, peer, track, svc.clone(), builder.clone(), opts);
        let leave = Leave {
            registry: registry.clone(),
            id,
        };
        tasks.spawn(async move {
            let _leave = leave;
            conn.await;
        });
    }
    drop(listener);
    registry.shut_down_all();
    let open = tasks.len();
    let drained = tokio::time::timeout(opts.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open_at_signal = open,
            still_open = tasks.len(),
            grace_ms = opts.shutdown_grace.as_millis(),
            "shutdown grace over: closing the connections still open"
        );
        tasks.shutdown().await;
    }
}

/// Removes a connection from the registry when its task ends, however it
/// ends (finished, aborted at shutdown, or unwound by a panic).
struct Leave {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Leave {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

/// Accept errors that concern one connection only (retry at once).
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Runs one connection until it ends, times out, is evicted or shut down.
async fn connection<S, B>(
    stream: TcpStream,
    peer: Option<ClientAddr>,
    track: Arc<Track>,
    svc: S,
    builder: http1::Builder,
    opts: ServeOptions,
) where
    S: tower_service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = hyper::Response<B>,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body + From<Vec<u8>> + Unpin + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let io = TokioIo::new(Gate::new(stream, track.clone()));
    let service = Tracked {
        inner: svc,
        track: track.clone(),
        peer,
    };
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut closing = false;
    let timer = tokio::time::sleep(std::time::Duration::ZERO);
    let mut timer = pin!(timer);
    let mut armed: Option<Instant> = None;
    loop {
        if !closing && track.wants_close() {
            conn.as_mut().graceful_shutdown();
            closing = true;
        }
        // Look again at the deadline or sooner (see `Track::changed`).
        let check = Track::next_check(Instant::now(), track.deadline(&opts), &opts);
        if armed != Some(check) {
            timer.as_mut().reset(check.into());
            armed = Some(check);
        }
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    log::client_error("connection error", &e);
                }
                return;
            }
            () = track.changed.notified() => {
                if track.is_evicted() {
                    if !track.in_progress() {
                        tracing::debug!("connection closed to make room (idle at the connection cap)");
                        return;
                    }
                    // A request arrived after the connection was chosen as
                    // idle: answer it, then close (dropping it here could
                    // apply a write and send no answer).
                    if !closing {
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                }
            }
            () = timer.as_mut() => {
                armed = None;
                if let Some((at, why)) = track.deadline(&opts)
                    && at <= Instant::now()
                {
                    if why == Expired::Idle {
                        tracing::debug!("{}", why.what());
                    } else {
                        log::client_error(why.what(), &"connection closed");
                    }
                    return;
                }
            }
        }
    }
}

impl Expired {
    fn what(self) -> &'static str {
        match self {
            Expired::Head => "read timeout: no complete request head",
            Expired::Body => "read timeout: request body too slow",
            Expired::Write => "write timeout: the client takes no response bytes",
            Expired::Idle => "idle timeout",
        }
    }
}
