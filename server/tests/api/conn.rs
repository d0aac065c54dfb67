//! The connection layer over real TCP sockets (`server::serve`, api.md §2.0
//! "Connections"): the HTTP layer's own answers, read/idle/write timeouts,
//! the connection cap and shutdown. Timeouts are set to a few hundred
//! milliseconds; the tests assert what happens (answered, closed), never how
//! fast. `BOUND` only keeps a broken server from hanging the test.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use server::serve::{ServeOptions, head};

use crate::common::{TOKEN, demo_state};

/// Upper bound for anything that should happen (a hang fails the test).
const BOUND: Duration = Duration::from_secs(20);

struct Server {
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(opts: ServeOptions) -> Server {
        let (state, _clock) = demo_state();
        let (tx, rx) = oneshot::channel::<()>();
        let running = server::serve::spawn(state, opts, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
        Server {
            addr: running.addr,
            stop: Some(tx),
            handle: running.handle,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    /// Signals shutdown and waits for the serving task to end.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(BOUND, self.handle)
            .await
            .expect("server did not stop")
            .unwrap();
    }
}

/// Read and write timeouts `read_ms`, idle timeout `idle_ms`, cap `max`.
fn opts(read_ms: u64, idle_ms: u64, max: usize) -> ServeOptions {
    ServeOptions {
        read_timeout: Duration::from_millis(read_ms),
        write_timeout: Duration::from_millis(read_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        max_connections: max,
        shutdown_grace: Duration::from_millis(500),
    }
}

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// Reads one response (Content-Length framed); `None` if the connection
/// ended first.
async fn read_answer(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Answer> {
    tokio::time::timeout(BOUND, async {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut resp = httparse::Response::new(&mut headers);
            if let Ok(httparse::Status::Complete(len)) = resp.parse(buf) {
                let headers: Vec<(String, String)> = resp
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                let status = resp.code.unwrap();
                let n: usize = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .map_or(0, |(_, v)| v.parse().unwrap());
                if buf.len() >= len + n {
                    let body = buf[len..len + n].to_vec();
                    buf.drain(..len + n);
                    return Some(Answer {
                        status,
                        headers,
                        body,
                    });
                }
            }
            let mut chunk = [0u8; 16 * 1024];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .expect("no answer and no close within the bound")
}

async fn ask(s: &mut TcpStream, raw: &[u8]) -> Option<Answer> {
    s.write_all(raw).await.ok()?;
    read_answer(s, &mut Vec::new()).await
}

/// Whether the server closes `s` (EOF or reset) within the bound; bytes
/// still in flight are read and dropped.
async fn closed(s: &mut TcpStream) -> bool {
    tokio::time::timeout(BOUND, async {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            }
        }
    })
    .await
    .unwrap_or(false)
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

// ---- the HTTP layer's own answers ----

#[tokio::test]
async fn refused_heads_are_json_in_the_family_envelope_with_a_request_id() {
    let srv = Server::start(ServeOptions::default()).await;
    let events = server::serve::client_events();
    let long = |path: &str, n: usize| {
        let line = format!("GET {path}?q={} HTTP/1.1\r", "a".repeat(n));
        (line.len(), format!("{line}\nHost: t\r\n\r\n"))
    };
    // Request line at the limit (32 KiB counting the CR): routed (404 JSON);
    // one byte more: 414 in the family's envelope.
    let (len, at) = long("/v1/nope", head::MAX_REQUEST_LINE - 25);
    assert_eq!(len, head::MAX_REQUEST_LINE);
    let a = ask(&mut srv.connect().await, at.as_bytes()).await.unwrap();
    assert_eq!(a.status, 404);
    let cases: [(&str, Value); 4] = [
        (
            "/v1/conversations",
            serde_json::json!({"message": "the request line is longer than 32768 bytes"}),
        ),
        (
            "/get-all-conversations",
            serde_json::json!({"error": "the request line is longer than 32768 bytes"}),
        ),
        (
            "/api/conversations",
            serde_json::json!({"success": false, "error": "the request line is longer than 32768 bytes"}),
        ),
        (
            "/v1/api/conversation-messages/1",
            serde_json::json!({"error": {"code": "uri_too_long", "message": "the request line is longer than 32768 bytes"}}),
        ),
    ];
    for (path, want) in cases {
        let (_, past) = long(path, head::MAX_REQUEST_LINE);
        let a = ask(&mut srv.connect().await, past.as_bytes())
            .await
            .unwrap();
        assert_eq!(a.status, 414, "{path}");
        assert_eq!(a.json(), want, "{path}");
        assert_eq!(a.header("content-type"), Some("application/json"));
        assert_eq!(a.header("connection"), Some("close"));
        assert!(
            a.header("x-request-id").is_some_and(|v| v.len() == 21),
            "{a:?}"
        );
    }

    // Head size: exactly 48 KiB is routed, one byte more is 431.
    let big = |n: usize| {
        format!(
            "GET /api/conversations HTTP/1.1\r\nx-pad: {}\r\n\r\n",
            "v".repeat(n)
        )
    };
    let at = big(head::MAX_HEAD - 44);
    assert_eq!(at.len(), head::MAX_HEAD);
    let a = ask(&mut srv.connect().await, at.as_bytes()).await.unwrap();
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let mut s = srv.connect().await;
    let a = ask(&mut s, big(head::MAX_HEAD - 43).as_bytes())
        .await
        .unwrap();
    assert_eq!(a.status, 431);
    assert_eq!(a.json()["success"], false);
    assert!(a.json()["error"].as_str().unwrap().contains("49152"));
    assert!(closed(&mut s).await);

    // Header count: 100 fields routed, 101 refused.
    let fields = |n: usize| {
        let mut h = String::from("GET /get-all-conversations HTTP/1.1\r\n");
        for i in 0..n {
            h.push_str(&format!("x-h{i}: 1\r\n"));
        }
        h + "\r\n"
    };
    let a = ask(
        &mut srv.connect().await,
        fields(head::MAX_HEADERS).as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 401, "routed: no token");
    let a = ask(
        &mut srv.connect().await,
        fields(head::MAX_HEADERS + 1).as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 431);
    assert!(
        a.json()["error"]
            .as_str()
            .unwrap()
            .contains("100 header fields")
    );

    // Malformed heads: 400 naming what is wrong; the client's request id
    // is echoed when the head could be read.
    let a = ask(
        &mut srv.connect().await,
        b"GET /v1/api/conversation-messages/1 HTTP/1.1\r\nX-Request-Id: mine-1\r\nContent-Length: 12abc\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(a.status, 400);
    assert_eq!(a.header("x-request-id"), Some("mine-1"));
    assert_eq!(a.json()["error"]["code"], "bad_request");
    assert!(
        a.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`12abc`")
    );
    for raw in [
        &b"GET /v1/conversations HTTP/1.1\r\nbad header line\r\n\r\n"[..],
        b"GET /v1/conversations HTTP/9.9\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"PUT /v1/conversations HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    ] {
        let a = ask(&mut srv.connect().await, raw).await.unwrap();
        assert_eq!(a.status, 400, "{:?}", String::from_utf8_lossy(raw));
        assert!(a.json()["message"].is_string(), "{:?}", a.json());
        assert!(a.header("x-request-id").is_some());
    }
    // Counted as client events (logged at debug, summarized at warn).
    assert!(server::serve::client_events() > events);
    srv.stop().await;
}

#[tokio::test]
async fn a_bad_head_after_pipelined_requests_is_answered_after_them() {
    let srv = Server::start(ServeOptions::default()).await;
    let mut s = srv.connect().await;
    let mut raw = Vec::new();
    raw.extend_from_slice(HEALTHZ);
    raw.extend_from_slice(b"PUT /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
    raw.extend_from_slice(
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    raw.extend_from_slice(HEALTHZ);
    raw.extend_from_slice(b"GET /api/x HTTP/1.1\r\nno colon\r\n\r\n");
    s.write_all(&raw).await.unwrap();
    let mut buf = Vec::new();
    let mut got = Vec::new();
    while let Some(a) = read_answer(&mut s, &mut buf).await {
        got.push((a.status, a.json()));
    }
    let statuses: Vec<u16> = got.iter().map(|g| g.0).collect();
    assert_eq!(statuses, [200, 404, 404, 200, 400]);
    assert_eq!(got[4].1["success"], false);
    srv.stop().await;
}

// ---- read, idle and write timeouts ----

#[tokio::test]
async fn read_timeout_cuts_silent_half_head_and_slow_body_clients() {
    let srv = Server::start(opts(300, 60_000, 64)).await;
    // Nothing sent.
    let mut silent = srv.connect().await;
    // Half a head.
    let mut half = srv.connect().await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost:")
        .await
        .unwrap();
    // Half a body, on a route that reads its body.
    let mut slow = srv.connect().await;
    slow.write_all(b"POST /oauth2/token:generate HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"type\":")
        .await
        .unwrap();
    // A prompt client on the same server is answered meanwhile.
    let a = ask(&mut srv.connect().await, HEALTHZ).await.unwrap();
    assert_eq!(a.status, 200);
    assert!(closed(&mut silent).await, "silent client kept");
    assert!(closed(&mut half).await, "half head kept");
    assert!(closed(&mut slow).await, "slow body kept");
    // The same body sent whole is answered (the route's 400/401, not a cut).
    let body = r#"{"type":"application","appId":"x","appSecret":"y"}"#;
    let raw = format!(
        "POST /oauth2/token:generate HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let a = ask(&mut srv.connect().await, raw.as_bytes()).await.unwrap();
    assert_eq!(a.status, 401);
    srv.stop().await;
}

#[tokio::test]
async fn a_body_without_a_token_is_refused_before_it_is_read() {
    // A read timeout past the bound: were the announced 1 MiB waited for,
    // no answer would come. The token is checked first: 401 at once, and
    // the server never holds the client's body.
    let srv = Server::start(opts(60_000, 60_000, 64)).await;
    for head in [
        "PUT /v1/conversations/1 HTTP/1.1\r\nContent-Type: application/json",
        "PUT /v1/conversations/1/members/2 HTTP/1.1\r\nAuthorization: Bearer nope",
        "GET /get-all-conversations HTTP/1.1\r\nContent-Type: application/json",
    ] {
        let raw = format!("{head}\r\nContent-Length: 1048576\r\n\r\n{{\"a\":");
        let a = ask(&mut srv.connect().await, raw.as_bytes()).await.unwrap();
        assert_eq!(a.status, 401, "{head}");
        assert!(a.header("x-request-id").is_some());
    }
    // With a token the same head waits for its body, which is then read.
    let body = r#"{"metadata":{"k":"v"}}"#;
    let raw = format!(
        "PUT /v1/conversations/nope HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let a = ask(&mut srv.connect().await, raw.as_bytes()).await.unwrap();
    assert_eq!(a.status, 404);
    srv.stop().await;
}

#[tokio::test]
async fn idle_keep_alive_connections_close_after_the_idle_timeout() {
    let srv = Server::start(opts(60_000, 300, 64)).await;
    let mut s = srv.connect().await;
    let mut buf = Vec::new();
    // Keep-alive works: two requests on one connection.
    for _ in 0..2 {
        s.write_all(HEALTHZ).await.unwrap();
        assert_eq!(read_answer(&mut s, &mut buf).await.unwrap().status, 200);
    }
    assert!(closed(&mut s).await, "idle connection kept");
    srv.stop().await;
}

#[tokio::test]
async fn a_client_that_reads_nothing_is_closed_by_the_write_timeout() {
    let srv = Server::start(opts(300, 60_000, 64)).await;
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut s = sock.connect(srv.addr).await.unwrap();
    // 400 pipelined list pages: far more than the socket buffers hold.
    let req = format!(
        "GET /v1/conversations?limit=100&startTime=2000-01-01T00:00:00Z HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    );
    let one = ask(&mut srv.connect().await, req.as_bytes()).await.unwrap();
    assert_eq!(one.status, 200);
    let page = one.body.len();
    let n = 400;
    let total = n * page;
    assert!(
        total > 16 << 20,
        "pages too small to fill the buffers: {page}"
    );
    s.write_all(req.repeat(n).as_bytes()).await.unwrap();
    // The server cannot write; after the read timeout without progress it
    // closes. Wait well past it, then drain what was buffered.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut got = 0usize;
    let mut chunk = vec![0u8; 1 << 16];
    let ended = tokio::time::timeout(BOUND, async {
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(k) => got += k,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "connection still open");
    assert!(got < total, "all {total} bytes arrived: not cut off");
    // A client that reads is served in full (at the limit: it keeps taking bytes).
    let mut r = srv.connect().await;
    r.write_all(req.repeat(20).as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    for _ in 0..20 {
        assert_eq!(read_answer(&mut r, &mut buf).await.unwrap().status, 200);
    }
    srv.stop().await;
}

#[tokio::test]
async fn a_slow_but_steady_reader_is_served_past_the_read_timeout() {
    // Read timeout 300 ms, write timeout 60 s: a client that takes up to
    // 16 KB every 10 ms (≈ 1.6 MB/s) of 5 MB of pages keeps the server's
    // send buffer (megabytes on loopback) full for seconds; the server may
    // wait longer than the read timeout for room in it, yet every response
    // arrives whole. (With the write timeout at 300 ms the connection is cut.)
    let mut o = opts(300, 60_000, 64);
    o.write_timeout = Duration::from_secs(60);
    let srv = Server::start(o).await;
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(16 * 1024).unwrap();
    let mut s = sock.connect(srv.addr).await.unwrap();
    let req = format!(
        "GET /v1/conversations?limit=100&startTime=2000-01-01T00:00:00Z HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    );
    let one = ask(&mut srv.connect().await, req.as_bytes()).await.unwrap();
    let n = 100;
    // The last request asks the server to close after it: read to the end.
    let last = req.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
    s.write_all(format!("{}{last}", req.repeat(n - 1)).as_bytes())
        .await
        .unwrap();
    let mut raw = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let started = std::time::Instant::now();
    let done = tokio::time::timeout(BOUND, async {
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(k) => raw.extend_from_slice(&chunk[..k]),
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(done.is_ok(), "bound reached");
    let bodies = raw
        .windows(one.body.len())
        .filter(|w| *w == one.body.as_slice())
        .count();
    assert_eq!(bodies, n, "every page arrived whole");
    assert!(
        started.elapsed() > Duration::from_millis(300),
        "the read took longer than the read timeout (else the test shows nothing)"
    );
    srv.stop().await;
}

// ---- the connection cap ----

#[tokio::test]
async fn at_the_cap_the_longest_idle_connection_makes_room() {
    let srv = Server::start(opts(60_000, 60_000, 4)).await;
    let mut conns = Vec::new();
    for _ in 0..4 {
        let mut s = srv.connect().await;
        assert_eq!(ask(&mut s, HEALTHZ).await.unwrap().status, 200);
        conns.push(s);
    }
    // At the cap (4 of 4): every one still works, nobody was closed.
    for s in &mut conns {
        assert_eq!(ask(s, HEALTHZ).await.unwrap().status, 200);
    }
    // Connection 3 starts a head and stops: still no request in progress.
    conns[2]
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    // Just past the cap: a fifth client is answered; the longest idle
    // (connection 1, idle since its last answer) is closed for it.
    let mut fifth = srv.connect().await;
    assert_eq!(ask(&mut fifth, HEALTHZ).await.unwrap().status, 200);
    assert!(closed(&mut conns[0]).await, "oldest idle kept");
    // Next in line: connection 2, then the half head of connection 3.
    let mut sixth = srv.connect().await;
    assert_eq!(ask(&mut sixth, HEALTHZ).await.unwrap().status, 200);
    assert!(closed(&mut conns[1]).await);
    let mut seventh = srv.connect().await;
    assert_eq!(ask(&mut seventh, HEALTHZ).await.unwrap().status, 200);
    assert!(closed(&mut conns[2]).await);
    // Connection 4 was used after 3 finished its answer: still open.
    assert_eq!(ask(&mut conns[3], HEALTHZ).await.unwrap().status, 200);
    srv.stop().await;
}

#[tokio::test]
async fn with_every_connection_busy_a_new_client_waits_for_a_free_slot() {
    let srv = Server::start(opts(700, 60_000, 2)).await;
    // Two requests whose bodies never complete: both connections busy.
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut s = srv.connect().await;
        // Answered: accepted before the third connects.
        assert_eq!(ask(&mut s, HEALTHZ).await.unwrap().status, 200);
        s.write_all(b"POST /oauth2/token:generate HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{").await.unwrap();
        busy.push(s);
    }
    // Give the server a moment to read both heads (if it has not, a
    // connection is still idle and is closed for the third: the assertion
    // below holds either way).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = srv.connect().await;
    // The third is not accepted until a slot frees: its answer comes only
    // after the read timeout has closed a busy connection.
    let a = ask(&mut third, HEALTHZ).await.unwrap();
    assert_eq!(a.status, 200);
    let mut ended = 0;
    for s in &mut busy {
        let mut b = [0u8; 1];
        // Already ended (not `WouldBlock`) when the third got its answer.
        let gone = match s.try_read(&mut b) {
            Ok(0) => true,
            Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
            Ok(_) => false,
        };
        if gone {
            ended += 1;
        }
    }
    assert!(ended >= 1, "the third was served while both were busy");
    srv.stop().await;
}

// ---- shutdown ----

#[tokio::test]
async fn shutdown_closes_idle_and_half_sent_and_ends_within_the_grace() {
    let mut o = opts(60_000, 60_000, 64);
    o.shutdown_grace = Duration::from_millis(400);
    let srv = Server::start(o).await;
    let addr = srv.addr;
    let mut idle = srv.connect().await;
    assert_eq!(ask(&mut idle, HEALTHZ).await.unwrap().status, 200);
    let mut half_head = srv.connect().await;
    half_head.write_all(b"GET /healthz HT").await.unwrap();
    let mut half_body = srv.connect().await;
    half_body
        .write_all(b"POST /oauth2/token:generate HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // `stop` fails the test if the server does not end (a request whose
    // body never completes is dropped when the grace runs out).
    srv.stop().await;
    assert!(closed(&mut idle).await);
    assert!(closed(&mut half_head).await);
    assert!(closed(&mut half_body).await);
    // No longer listening.
    assert!(TcpStream::connect(addr).await.is_err());
}

// ---- regressions (review of the connection layer) ----

#[tokio::test]
async fn authority_form_targets_get_json_400s_and_free_their_slot() {
    // At a cap of 2, three such requests in a row must not lock clients
    // out (each once killed its task and leaked its registry entry).
    let srv = Server::start(opts(60_000, 60_000, 2)).await;
    for raw in [
        &b"GET example.com:80 HTTP/1.1\r\nHost: example.com\r\nX-Request-Id: auth-1\r\n\r\n"[..],
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        b"GET example.com HTTP/1.1\r\n\r\n",
        b"OPTIONS example.com:80 HTTP/1.1\r\n\r\n",
    ] {
        let mut s = srv.connect().await;
        let a = ask(&mut s, raw).await.expect("answered");
        assert_eq!(a.status, 400, "{:?}", String::from_utf8_lossy(raw));
        let message = a.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains("request target"), "{message}");
        assert!(a.header("x-request-id").is_some());
        assert!(closed(&mut s).await);
    }
    // The other target forms are served.
    for raw in [
        &b"GET http://t/healthz HTTP/1.1\r\nHost: t\r\n\r\n"[..],
        b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    ] {
        let a = ask(&mut srv.connect().await, raw).await.expect("answered");
        assert_eq!(a.status, 200, "{:?}", String::from_utf8_lossy(raw));
    }
    let a = ask(
        &mut srv.connect().await,
        b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
    )
    .await
    .expect("answered");
    assert!(a.header("x-request-id").is_some(), "{a:?}");
    srv.stop().await;
}

#[tokio::test]
async fn content_length_and_transfer_encoding_past_hypers_limits_get_json_400s() {
    let srv = Server::start(ServeOptions::default()).await;
    for (raw, what) in [
        (
            "PUT /v1/conversations HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n",
            "larger than",
        ),
        (
            "PUT /v1/conversations HTTP/1.1\r\nContent-Length: 18446744073709551614\r\n\r\n",
            "larger than",
        ),
        (
            "PUT /v1/conversations HTTP/1.1\r\nTransfer-Encoding: é, chunked\r\n\r\n",
            "visible ASCII",
        ),
    ] {
        let a = ask(&mut srv.connect().await, raw.as_bytes())
            .await
            .expect("answered");
        assert_eq!(a.status, 400, "{raw}");
        let message = a.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(what), "{message}");
    }
    srv.stop().await;
}

/// A chunked POST with `body` (the framing bytes after the head).
fn chunked_post(body: &str) -> String {
    format!(
        "POST /oauth2/token:generate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{body}"
    )
}

#[tokio::test]
async fn a_bare_lf_in_a_trailer_neither_smuggles_a_request_nor_loses_the_deadlines() {
    let srv = Server::start(opts(300, 60_000, 64)).await;
    let mut s = srv.connect().await;
    // hyper ends trailer lines only at CRLF: the `GET /healthz` below is
    // part of a trailer line, not a request.
    let mut raw = chunked_post("0\r\nX: a\n\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    raw.push_str("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: second\r\n\r\n");
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let first = read_answer(&mut s, &mut buf).await.expect("first answer");
    assert_ne!(first.status, 200, "the POST is answered first");
    // Either the one request after the body is answered, or (had hyper
    // refused the trailer) the connection closes; never a smuggled answer.
    if let Some(second) = read_answer(&mut s, &mut buf).await {
        assert_eq!(
            (second.status, second.header("x-request-id")),
            (200, Some("second"))
        );
        // The gate still tracks the connection: half a head is cut by the
        // read timeout (the idle timeout is 60 s, beyond `BOUND`).
        s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    }
    assert!(closed(&mut s).await, "connection not closed");
    srv.stop().await;
}

#[tokio::test]
async fn broken_chunked_framing_answers_the_request_then_closes() {
    let srv = Server::start(opts(60_000, 60_000, 64)).await;
    // A bare LF after a chunk size: hyper fails the body; nothing after it
    // reaches hyper (no answer to the pipelined healthz).
    let mut s = srv.connect().await;
    let mut raw = chunked_post("2\nab\r\n0\r\n\r\n");
    raw.push_str("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut statuses = Vec::new();
    while let Some(a) = read_answer(&mut s, &mut buf).await {
        statuses.push(a.status);
    }
    assert!(!statuses.contains(&200), "{statuses:?}");
    assert!(statuses.len() <= 1, "{statuses:?}");
    srv.stop().await;
}

#[tokio::test]
async fn chunk_sizes_with_leading_zeros_keep_the_connection_tracked() {
    let srv = Server::start(opts(300, 60_000, 64)).await;
    // 17 digits, value 2: hyper accepts it, so must the gate; the head
    // after the body is then still checked (a JSON 400, not hyper's empty one).
    let mut s = srv.connect().await;
    let mut raw = chunked_post("00000000000000002\r\n{}\r\n0000000000000000000\r\n\r\n");
    raw.push_str("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    raw.push_str("GET /api/x HTTP/1.1\r\nno colon\r\n\r\n");
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut got = Vec::new();
    while let Some(a) = read_answer(&mut s, &mut buf).await {
        got.push(a);
    }
    let statuses: Vec<u16> = got.iter().map(|a| a.status).collect();
    assert_eq!(statuses.len(), 3, "{statuses:?}");
    assert_eq!(&statuses[1..], [200, 400]);
    assert_eq!(got[2].json()["success"], false);
    // A body that stops inside such a chunk is cut by the read timeout
    // (the idle timeout is 60 s, beyond `BOUND`).
    let mut slow = srv.connect().await;
    slow.write_all(chunked_post("00000000000000000028\r\n{\"type\":").as_bytes())
        .await
        .unwrap();
    assert!(closed(&mut slow).await, "slow chunked body kept");
    srv.stop().await;
}

#[tokio::test]
async fn a_connection_still_writing_its_last_response_is_not_idle() {
    // Cap 1, write timeout far beyond `BOUND`: the second client can only
    // get in by evicting the first once it is idle; were it idle while its
    // responses still sat in the write buffer, its reader would be cut short.
    let srv = Server::start(opts(60_000, 60_000, 1)).await;
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut a = sock.connect(srv.addr).await.unwrap();
    let req = format!(
        "GET /v1/conversations?limit=100&startTime=2000-01-01T00:00:00Z HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    );
    let n = 120;
    a.write_all(req.repeat(n).as_bytes()).await.unwrap();
    // Ask for the slot while the first client's answers are still queued.
    let addr = srv.addr;
    let second = tokio::spawn(async move {
        let mut b = TcpStream::connect(addr).await.unwrap();
        ask(&mut b, HEALTHZ).await.map(|x| x.status)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut buf = Vec::new();
    for i in 0..n {
        let got = read_answer(&mut a, &mut buf).await;
        assert_eq!(got.map(|x| x.status), Some(200), "answer {i} cut short");
    }
    let status = tokio::time::timeout(BOUND, second)
        .await
        .expect("second client never served")
        .unwrap();
    assert_eq!(status, Some(200));
    srv.stop().await;
}
