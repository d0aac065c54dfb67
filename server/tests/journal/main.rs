//! `--data-dir` end to end (api.md §2.6b, docs/journal.md): a child
//! `rsql-server` under concurrent writes is killed with SIGKILL at random
//! moments, 20 rounds; after every restart each acknowledged write is
//! there and no acknowledged delete is undone. Also: restarting with the
//! same data flags skips the load, other data is refused naming the flag
//! and `--replace-data`, which replaces it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[path = "../support/server_cmd.rs"]
mod server_cmd;
use server_cmd::server_command;

const TOKEN: &str = "journal-test-token";
const SIZE: u64 = 400;
const WRITERS: u64 = 8;
/// Conversations each writer updates; a writer deletes others (its own).
const PER_WRITER: u64 = 6;

/// A directory of the test's own, removed when dropped.
struct TempDir(std::path::PathBuf);
impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("rsql-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Server {
    child: Child,
    addr: String,
    lines: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = server_command(&["--static-token", TOKEN], "info");
    cmd.arg("--data-dir").arg(dir).args(extra);
    cmd
}

fn demo_args(size: u64) -> Vec<String> {
    vec![
        "--demo".into(),
        "--demo-size".into(),
        size.to_string(),
        "--demo-until".into(),
        "2022-01-01T00:00:00Z".into(),
        "--app".into(),
        "t:s".into(),
    ]
}

/// Starts the server; returns it once it listens, with its log lines so far.
fn start(dir: &Path, extra: &[String]) -> Server {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut child = command(dir, &extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rsql-server");
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = match lines.next() {
        Some(Ok(l)) => l,
        _ => {
            let status = child.wait().unwrap();
            panic!(
                "the server did not start ({status}): {:?}",
                log.lock().unwrap()
            );
        }
    };
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    let lines = log.lock().unwrap().clone();
    Server { child, addr, lines }
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    r: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: &str) -> std::io::Result<Conn> {
        let s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            r: BufReader::new(s),
        })
    }

    /// Sends a request; the status and body, or an error when the
    /// connection broke (the server died): then the write is unacknowledged.
    fn call(&mut self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.r.get_mut().write_all(req.as_bytes())?;
        let mut status = String::new();
        if self.r.read_line(&mut status)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let code: u16 = status
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or(std::io::ErrorKind::InvalidData)?;
        let mut len = 0;
        loop {
            let mut h = String::new();
            if self.r.read_line(&mut h)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v
                    .trim()
                    .parse()
                    .map_err(|_| std::io::ErrorKind::InvalidData)?;
            }
        }
        let mut body = vec![0; len];
        self.r.read_exact(&mut body)?;
        Ok((code, String::from_utf8_lossy(&body).into_owned()))
    }
}

fn conversation_id(i: u64) -> String {
    // The generator `--demo --demo-until 2022-01-01T00:00:00Z` uses.
    store::generate::conversation_until(42, i, store::generate::END_2021_MS).id
}

/// What the writers were told was done: per (writer, conversation) the
/// last acknowledged counter; the acknowledged deletes.
#[derive(Default)]
struct Acked {
    meta: HashMap<(u64, String), u64>,
    deleted: Vec<String>,
}

/// A tiny deterministic generator (xorshift64*), seeded per run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Writer `w`: PUT metadata `w<w>` = counter on its conversations in turn,
/// deleting the next of its deletable conversations every few writes,
/// until the connection breaks. Records each acknowledged write.
/// `next_delete` is the writer's cursor over its deletable conversations;
/// it moves on only once a delete is answered (200, or 404 when an earlier
/// round's delete was applied but its answer lost), so every round deletes.
fn writer(
    addr: String,
    w: u64,
    start: u64,
    acked: Arc<Mutex<Acked>>,
    acks: Arc<AtomicU64>,
    next_delete: Arc<AtomicU64>,
) {
    let Ok(mut conn) = Conn::open(&addr) else {
        return;
    };
    let mut counter = start;
    loop {
        counter += 1;
        let c = conversation_id(w * PER_WRITER + counter % PER_WRITER);
        let body = format!("{{\"metadata\":{{\"w{w}\":\"{counter}\"}}}}");
        match conn.call("PUT", &format!("/v1/conversations/{c}"), &body) {
            Ok((200, _)) => {
                acked.lock().unwrap().meta.insert((w, c), counter);
                acks.fetch_add(1, Ordering::Relaxed);
            }
            Ok((code, body)) => panic!("PUT {c}: {code} {body}"),
            Err(_) => return,
        }
        if counter.is_multiple_of(5) {
            // Deletable: ids past the updated ones, each writer its own.
            let k = WRITERS * PER_WRITER + w + WRITERS * next_delete.load(Ordering::Relaxed);
            if k >= SIZE {
                continue;
            }
            let d = conversation_id(k);
            match conn.call("DELETE", &format!("/v1/conversations/{d}"), "") {
                Ok((200, _)) => acked.lock().unwrap().deleted.push(d),
                // Deleted in an earlier round whose answer was lost.
                Ok((404, _)) => {}
                Ok((code, body)) => panic!("DELETE {d}: {code} {body}"),
                Err(_) => return,
            }
            next_delete.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn check(addr: &str, acked: &Acked, round: usize) {
    let mut conn = Conn::open(addr).unwrap();
    for ((w, c), want) in &acked.meta {
        let (code, body) = conn
            .call("GET", &format!("/v1/conversations/{c}"), "")
            .unwrap();
        assert_eq!(code, 200, "round {round}: GET {c}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let got: u64 = v["metadata"][format!("w{w}")]
            .as_str()
            .unwrap_or_else(|| {
                panic!("round {round}: {c} lost writer {w}'s acknowledged write {want}: {body}")
            })
            .parse()
            .unwrap();
        // A later write may have been applied and synced without its answer
        // arriving; an earlier one never wins.
        assert!(
            got >= *want,
            "round {round}: {c} w{w} = {got}, acknowledged {want}"
        );
    }
    for d in &acked.deleted {
        let (code, body) = conn
            .call("GET", &format!("/v1/conversations/{d}"), "")
            .unwrap();
        assert_eq!(
            code, 404,
            "round {round}: acknowledged delete of {d} undone: {body}"
        );
    }
}

#[test]
fn kill_9_under_concurrent_writes_loses_no_acknowledged_write() {
    let tmp = TempDir::new("kill9");
    let dir = tmp.0.join("data");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill -9 test: rng seed {seed}");
    let mut rng = Rng(seed);
    let acked = Arc::new(Mutex::new(Acked::default()));
    let args = demo_args(SIZE);
    let mut counters = 0;
    let mut torn = 0;
    let acks = Arc::new(AtomicU64::new(0));
    let next_delete: Vec<Arc<AtomicU64>> =
        (0..WRITERS).map(|_| Arc::new(AtomicU64::new(0))).collect();
    for round in 0..20 {
        let mut server = start(&dir, &args);
        check(&server.addr, &acked.lock().unwrap(), round);
        torn += server
            .lines
            .iter()
            .filter(|l| l.contains("torn record"))
            .count();
        let mut threads = Vec::new();
        for w in 0..WRITERS {
            let addr = server.addr.clone();
            let acked = Arc::clone(&acked);
            let acks = Arc::clone(&acks);
            let next = Arc::clone(&next_delete[w as usize]);
            threads.push(std::thread::spawn(move || {
                writer(addr, w, counters, acked, acks, next)
            }));
        }
        // Kill once the writers are under way: after a random number of
        // acknowledged writes (polled), at whatever moment of the requests
        // in flight that is.
        let target = acks.load(Ordering::Relaxed) + 20 + rng.next() % 300;
        while acks.load(Ordering::Relaxed) < target {
            std::thread::sleep(Duration::from_millis(1));
        }
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
        for t in threads {
            t.join().unwrap();
        }
        counters += 1_000_000;
    }
    let server = start(&dir, &args);
    check(&server.addr, &acked.lock().unwrap(), 20);
    let a = acked.lock().unwrap();
    eprintln!(
        "kill -9 test: {} acknowledged writes, {} deletes checked; {torn} restarts cut a torn tail",
        acks.load(Ordering::Relaxed),
        a.deleted.len()
    );
    assert!(
        a.deleted.len() >= 5,
        "too few deletes to mean anything: {}",
        a.deleted.len()
    );
    assert!(
        server.lines.iter().any(|l| l.contains("load skipped")),
        "{:?}",
        server.lines
    );
}

#[test]
fn the_same_data_is_skipped_other_data_is_refused_unless_replaced() {
    let tmp = TempDir::new("seed");
    let dir = tmp.0.join("data");
    let first = start(&dir, &demo_args(50));
    let mut conn = Conn::open(&first.addr).unwrap();
    let c = conversation_id(3);
    let (code, _) = conn
        .call("DELETE", &format!("/v1/conversations/{c}"), "")
        .unwrap();
    assert_eq!(code, 200);
    drop(conn);
    drop(first);
    // Same flags: the load is skipped, the delete stays.
    let again = start(&dir, &demo_args(50));
    assert!(
        again.lines.iter().any(|l| l.contains("load skipped")),
        "{:?}",
        again.lines
    );
    let mut conn = Conn::open(&again.addr).unwrap();
    assert_eq!(
        conn.call("GET", &format!("/v1/conversations/{c}"), "")
            .unwrap()
            .0,
        404
    );
    drop(conn);
    drop(again);
    // Other data: refused, naming the flag and --replace-data.
    let out = command(
        &dir,
        &demo_args(60).iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .stdin(Stdio::null())
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--demo: other data than"), "{err}");
    assert!(err.contains("--replace-data"), "{err}");
    // The same seed and size over another year is other data too.
    let other_year: Vec<String> = demo_args(50)
        .into_iter()
        .map(|a| {
            if a == "2022-01-01T00:00:00Z" {
                "2021-06-01T00:00:00Z".to_owned()
            } else {
                a
            }
        })
        .collect();
    let out = command(
        &dir,
        &other_year.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .stdin(Stdio::null())
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--demo: other data than") && err.contains("until=2022-01-01T00:00:00.000Z"),
        "{err}"
    );
    // Replaced: the new data, the delete gone with the old.
    let mut args = demo_args(60);
    args.push("--replace-data".into());
    let replaced = start(&dir, &args);
    let mut conn = Conn::open(&replaced.addr).unwrap();
    let (code, _) = conn
        .call(
            "GET",
            "/v1/conversations?limit=100&startTime=2020-01-01T00:00:00Z",
            "",
        )
        .unwrap();
    assert_eq!(code, 200);
    assert_eq!(
        conn.call("GET", &format!("/v1/conversations/{c}"), "")
            .unwrap()
            .0,
        200
    );
    drop(conn);
    drop(replaced);
    // Without data flags: the directory's data.
    let bare = start(&dir, &[]);
    let mut conn = Conn::open(&bare.addr).unwrap();
    assert_eq!(
        conn.call("GET", &format!("/v1/conversations/{c}"), "")
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        conn.call(
            "GET",
            &format!("/v1/conversations/{}", conversation_id(55)),
            ""
        )
        .unwrap()
        .0,
        200
    );
}
