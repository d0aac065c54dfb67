//! Starting the built `rsql-server` with exactly the environment a test
//! gives (nothing of the caller's: `server_cmd`), reading its banner, and
//! raw HTTP/1.1 over a real socket for what reqwest cannot send (chunked
//! bodies on GET, HEAD without a body reader).
#![allow(unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::server_cmd::server_command;
use crate::wire::{Resp, has_head, parse};

pub struct Proc {
    pub child: Child,
    pub base: String,
    pub addr: String,
    pub banner: Vec<String>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = server_command(args, "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs the server expecting it to refuse to start.
pub fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> Output {
    command(args, env)
        .stdin(Stdio::null())
        .output()
        .expect("run rsql-server")
}

/// Starts the server; with `--demo`, reads the banner up to its last curl.
pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Proc {
    let mut child = command(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start rsql-server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("utf-8");
    let base = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let mut banner = Vec::new();
    if args.contains(&"--demo") {
        for line in lines.by_ref() {
            let line = line.expect("utf-8");
            let done = line.contains("/v1/api/conversation-messages/");
            banner.push(line);
            if done {
                break;
            }
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let addr = base.trim_start_matches("http://").to_owned();
    Proc {
        child,
        base,
        addr,
        banner,
    }
}

/// A raw answer: status, lower-case headers, body.
pub(crate) type Raw = Resp;

/// Sends `head` (request line and headers, without the blank line) and then
/// `body` as is, on one connection with `Connection: close`; reads the whole
/// answer. `is_head` stops after the headers (a HEAD answer has no body).
pub fn raw(addr: &str, head: &str, body: &[u8], is_head: bool) -> Raw {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(format!("{head}\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    // The server may answer (413) and close before the whole body is sent.
    let _ = s.write_all(body);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("read: {e}"),
        }
        if is_head && has_head(&buf) {
            break;
        }
    }
    parse(&buf, is_head).unwrap_or_else(|e| panic!("{e}"))
}

/// `body` as HTTP/1.1 chunks of at most 64 KiB, with the final empty chunk.
pub fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in body.chunks(65536) {
        out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}
