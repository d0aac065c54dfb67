//! A small blocking HTTP/1.1 client over `TcpStream` (one connection per
//! request, `Connection: close`): tests here run in plain threads and
//! proptest closures. The read timeout is a hang guard, not a measurement.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::server_proc::TOKEN;
pub(crate) use crate::wire::Resp;
use crate::wire::parse;

/// A request to send.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub auth: bool,
    pub body: Option<String>,
}

impl Req {
    pub fn get(path: impl Into<String>) -> Req {
        Req {
            method: "GET",
            path: path.into(),
            auth: true,
            body: None,
        }
    }

    pub fn put(path: impl Into<String>, body: impl Into<String>) -> Req {
        Req {
            method: "PUT",
            path: path.into(),
            auth: true,
            body: Some(body.into()),
        }
    }

    pub fn delete(path: impl Into<String>) -> Req {
        Req {
            method: "DELETE",
            path: path.into(),
            auth: true,
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: impl Into<String>) -> Req {
        Req {
            method: "POST",
            path: path.into(),
            auth: false,
            body: Some(body.into()),
        }
    }

    pub fn no_auth(mut self) -> Req {
        self.auth = false;
        self
    }

    /// Sends to `base` (`http://host:port`) with the test token when
    /// `auth`; `Err` on a connection error or when no answer came within
    /// `guard`.
    pub fn send_within(&self, base: &str, guard: Duration) -> Result<Resp, String> {
        self.send_with_token(base, TOKEN, guard)
    }

    /// [`Req::send_within`] with a 60 s guard, panicking on an error.
    pub fn send(&self, base: &str) -> Resp {
        self.send_within(base, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{} {}: {e}", self.method, self.path))
    }

    /// Sends with `Authorization: Bearer <token>` when `auth`.
    pub fn send_with_token(
        &self,
        base: &str,
        token: &str,
        guard: Duration,
    ) -> Result<Resp, String> {
        let addr = base.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
        s.set_read_timeout(Some(guard)).map_err(|e| e.to_string())?;
        s.set_write_timeout(Some(guard))
            .map_err(|e| e.to_string())?;
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n",
            self.method, self.path
        );
        if self.auth {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let body = self.body.as_deref().unwrap_or("");
        if self.body.is_some() {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())
            .and_then(|()| s.write_all(body.as_bytes()))
            .map_err(|e| format!("send: {e}"))?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).map_err(|e| format!("read: {e}"))?;
        parse(&buf, false)
    }
}
