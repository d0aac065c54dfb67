//! The built `rsql-server` as a child process: started with exactly the
//! flags a test gives (nothing of the caller's environment:
//! `server_cmd`), its output collected, its address read from the first
//! line (`listening on http://HOST:PORT`).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::server_cmd::server_command;

/// The static token every test server accepts.
pub const TOKEN: &str = "pg-test-token";
/// The app pair every test server accepts.
pub const APP_ID: &str = "pg-test-app";
/// Its secret.
pub const APP_SECRET: &str = "pg-test-secret";

/// How long a server may take to print its address (loading included): a
/// guard against a hung start, not a measurement.
const START_GUARD: Duration = Duration::from_secs(300);

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

fn command(args: &[&str]) -> Command {
    server_command(args, "info")
}

/// The flags of a test server: its token and app pair, then `args`.
pub fn with_auth(args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "--static-token",
        TOKEN,
        "--app",
        format!("{APP_ID}:{APP_SECRET}").as_str(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.extend(args.iter().map(|s| (*s).to_owned()));
    v
}

fn collect(
    from: impl Read + Send + 'static,
    into: Arc<Mutex<Vec<String>>>,
    first: Option<mpsc::Sender<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut first = first;
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if let Some(tx) = first.take() {
                let _ = tx.send(line.clone());
            }
            into.lock().unwrap().push(line);
        }
    })
}

impl Server {
    /// Starts the server with `args` (plus `--addr 127.0.0.1:0`); panics with
    /// its output when it exits instead of listening.
    pub fn start(args: &[String]) -> Server {
        let mut child = command(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rsql-server");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let _ = collect(child.stdout.take().unwrap(), stdout.clone(), Some(tx));
        let err_reader = collect(child.stderr.take().unwrap(), stderr.clone(), None);
        let first = rx.recv_timeout(START_GUARD);
        let base = match first
            .as_deref()
            .ok()
            .and_then(|l| l.strip_prefix("listening on "))
        {
            Some(b) => b.to_owned(),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = err_reader.join();
                panic!(
                    "rsql-server {args:?} did not start (first line {first:?}); stderr:\n{}",
                    stderr.lock().unwrap().join("\n")
                );
            }
        };
        Server {
            child,
            base,
            stdout,
            stderr,
        }
    }

    /// Everything printed so far, stdout then stderr.
    pub fn output(&self) -> String {
        let out = self.stdout.lock().unwrap().join("\n");
        let err = self.stderr.lock().unwrap().join("\n");
        format!("{out}\n{err}")
    }

    /// Waits until the output holds `text` (lines are read by a thread);
    /// panics with the output after [`START_GUARD`].
    pub fn wait_for_output(&self, text: &str) -> String {
        let started = std::time::Instant::now();
        loop {
            let out = self.output();
            if out.contains(text) {
                return out;
            }
            assert!(
                started.elapsed() < START_GUARD,
                "{text:?} never printed; output:\n{out}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the server expecting it to exit (a refused start): exit code,
/// stdout, stderr. A server still running after [`START_GUARD`] is killed
/// and the test fails (a start that hangs).
pub fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut cmd = command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rsql-server");
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let readers = [
        collect(child.stdout.take().unwrap(), stdout.clone(), None),
        collect(child.stderr.take().unwrap(), stderr.clone(), None),
    ];
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > START_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rsql-server {args:?} neither started nor exited: a hung start");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The readers end when the pipes close.
    for r in readers {
        let _ = r.join();
    }
    let out = stdout.lock().unwrap().join("\n");
    let err = stderr.lock().unwrap().join("\n");
    (status.code(), out, err)
}
