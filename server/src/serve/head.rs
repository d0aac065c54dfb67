//! Request heads: where one ends, whether it is within the limits, and how
//! its body is framed. The checks mirror the ones hyper makes after it, so
//! hyper never meets a head it would answer itself (with an empty body).
//!
//! Limits: request line ≤ [`MAX_REQUEST_LINE`] bytes (414 above), whole head
//! ≤ [`MAX_HEAD`] bytes and ≤ [`MAX_HEADERS`] header fields (431 above).

use warp::http::{Method, StatusCode, Uri};

/// Longest request line (method, target, version) in bytes: 32 KiB, so a
/// `filter` at its 8 KiB limit fits even when every byte is percent-encoded
/// (three bytes each) beside the other parameters.
pub const MAX_REQUEST_LINE: usize = 32 * 1024;
/// Longest request head (request line and header fields) in bytes: 48 KiB
/// (the longest request line and 16 KiB of header fields).
pub const MAX_HEAD: usize = 48 * 1024;
/// Most header fields in one request: 100 (hyper's default).
pub const MAX_HEADERS: usize = 100;

/// Largest `Content-Length` accepted (hyper's limit, `u64::MAX - 2`; the
/// routes' own body limits are far lower).
pub const MAX_CONTENT_LENGTH: u64 = u64::MAX - 2;

/// How the body after a head is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body.
    Empty,
    /// `Content-Length: n` with `n > 0`.
    Length(u64),
    /// `Transfer-Encoding: …, chunked`.
    Chunked,
}

/// A head the server answers itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rejected {
    /// 400, 414 or 431.
    pub(crate) status: StatusCode,
    /// What was wrong, for the client.
    pub(crate) message: String,
    /// The request target as far as it could be read (decides the family).
    pub(crate) target: Option<String>,
    /// The client's `X-Request-Id` when the head could be read.
    pub(crate) request_id: Option<String>,
}

/// What the bytes received so far hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Inspect {
    /// No complete head yet and no limit passed.
    Partial,
    /// A valid head of `len` bytes followed by a body framed so.
    Complete { len: usize, framing: Framing },
    /// A head to answer with an error.
    Bad(Rejected),
}

/// How far [`inspect`] has looked into a head that is still arriving, so
/// that a head sent a byte at a time is looked at once, not again from its
/// start on every read (which would cost a client's trickle of a 48 KiB head
/// a billion byte compares). Start every head with `Scan::default()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Bytes of empty lines (CR and LF) before the request line, so far.
    start: usize,
    /// The request line's end (`\n`) once found, else how far its search went.
    line: usize,
    /// How far the search for the head's end (`\n\r\n` or `\n\n`) went.
    end: usize,
}

/// Looks at the start of `buf` (bytes after the previous request), of
/// which `scan` says what earlier calls saw (`buf` only grows between them).
pub(crate) fn inspect(buf: &[u8], scan: &mut Scan) -> Inspect {
    let from = scan.start.min(buf.len());
    let start = from + leading_empty_lines(&buf[from..]);
    scan.start = start;
    let line_from = scan.line.clamp(start, buf.len());
    match buf[line_from..].iter().position(|&b| b == b'\n') {
        None if buf.len() - start > MAX_REQUEST_LINE => return too_long_line(buf),
        None => scan.line = buf.len(),
        Some(n) if line_from + n - start > MAX_REQUEST_LINE => return too_long_line(buf),
        Some(n) => scan.line = line_from + n,
    }
    let from = scan.end.saturating_sub(3).max(start);
    let found = find_end(&buf[from..]).map(|e| from + e);
    let Some(end) = found else {
        scan.end = buf.len();
        if buf.len() > MAX_HEAD {
            return too_large(
                buf,
                format!("the request head is larger than {MAX_HEAD} bytes"),
            );
        }
        return Inspect::Partial;
    };
    if end > MAX_HEAD {
        return too_large(
            buf,
            format!("the request head is larger than {MAX_HEAD} bytes"),
        );
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(&buf[..end]) {
        Ok(httparse::Status::Complete(len)) => match check(&req) {
            Ok(framing) => Inspect::Complete { len, framing },
            Err(message) => Inspect::Bad(Rejected {
                status: StatusCode::BAD_REQUEST,
                message,
                target: target_of(buf),
                request_id: request_id_of(req.headers),
            }),
        },
        // The terminator was inside a (tolerated) leading empty line.
        Ok(httparse::Status::Partial) => {
            scan.end = end;
            Inspect::Partial
        }
        Err(httparse::Error::TooManyHeaders) => too_large(
            buf,
            format!("the request has more than {MAX_HEADERS} header fields"),
        ),
        Err(e) => Inspect::Bad(Rejected {
            status: StatusCode::BAD_REQUEST,
            message: format!("malformed request head: {}", describe(&e)),
            target: target_of(buf),
            request_id: None,
        }),
    }
}

fn too_long_line(buf: &[u8]) -> Inspect {
    Inspect::Bad(Rejected {
        status: StatusCode::URI_TOO_LONG,
        message: format!("the request line is longer than {MAX_REQUEST_LINE} bytes"),
        target: target_of(buf),
        request_id: None,
    })
}

fn too_large(buf: &[u8], message: String) -> Inspect {
    Inspect::Bad(Rejected {
        status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        message,
        target: target_of(buf),
        request_id: None,
    })
}

/// The checks hyper makes after httparse (`proto/h1/role.rs`,
/// `Server::parse`), as errors naming what was wrong.
fn check(req: &httparse::Request<'_, '_>) -> Result<Framing, String> {
    let method = req.method.unwrap_or("");
    Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("malformed request head: invalid method `{}`", clip(method)))?;
    let path = req.path.unwrap_or("");
    let uri = Uri::try_from(path).map_err(|_| {
        format!(
            "malformed request head: invalid request target `{}`",
            clip(path)
        )
    })?;
    let origin = path.starts_with('/');
    let absolute = uri.authority().is_some()
        && uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"));
    let asterisk = path == "*" && method == "OPTIONS";
    if !(origin || absolute || asterisk) {
        return Err(format!(
            "malformed request head: the request target `{}` is not a path starting with `/`, \
             an absolute http(s) URL, or `*` (OPTIONS only)",
            clip(path)
        ));
    }
    let http11 = req.version == Some(1);
    let mut te = None::<bool>;
    let mut length = None::<u64>;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            if !http11 {
                return Err("Transfer-Encoding is not allowed in an HTTP/1.0 request".to_owned());
            }
            // hyper reads the value only if it is visible ASCII
            // (`HeaderValue::to_str`).
            if !h
                .value
                .iter()
                .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
            {
                return Err(
                    "Transfer-Encoding: the value must be visible ASCII (e.g. `chunked`)"
                        .to_owned(),
                );
            }
            let last = std::str::from_utf8(h.value)
                .ok()
                .and_then(|s| s.rsplit(',').next())
                .map(str::trim);
            te = Some(last.is_some_and(|l| l.eq_ignore_ascii_case("chunked")));
        } else if h.name.eq_ignore_ascii_case("content-length") && te.is_none() {
            let n = digits(h.value).ok_or_else(|| {
                format!(
                    "Content-Length: expected a whole number of bytes, found `{}`",
                    clip(&String::from_utf8_lossy(h.value))
                )
            })?;
            if n > MAX_CONTENT_LENGTH {
                return Err(format!(
                    "Content-Length: {n} is larger than the largest body length \
                     ({MAX_CONTENT_LENGTH} bytes)"
                ));
            }
            if length.is_some_and(|prev| prev != n) {
                return Err(
                    "Content-Length: the header is sent twice with different values".to_owned(),
                );
            }
            length = Some(n);
        }
    }
    match (te, length) {
        (Some(false), _) => {
            Err("Transfer-Encoding: `chunked` must be the last (or only) coding".to_owned())
        }
        (Some(true), _) => Ok(Framing::Chunked),
        (None, Some(n)) if n > 0 => Ok(Framing::Length(n)),
        _ => Ok(Framing::Empty),
    }
}

/// hyper's `from_digits`: ASCII digits only, no sign, no overflow.
fn digits(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

fn describe(e: &httparse::Error) -> &'static str {
    match e {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status",
        httparse::Error::Token => "invalid method or request target",
        httparse::Error::TooManyHeaders => "too many header fields",
        httparse::Error::Version => "invalid HTTP version (expected HTTP/1.0 or HTTP/1.1)",
    }
}

/// Empty lines a client may send before a request line (RFC 9112 §2.2).
fn leading_empty_lines(buf: &[u8]) -> usize {
    buf.iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

/// The offset just past the first `\n\r\n` or `\n\n` in `buf`.
fn find_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            match buf.get(i + 1) {
                Some(b'\n') => return Some(i + 2),
                Some(b'\r') if buf.get(i + 2) == Some(&b'\n') => return Some(i + 3),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// The request target as far as it was received (at most 256 bytes; the
/// family needs only its start).
fn target_of(buf: &[u8]) -> Option<String> {
    let line = &buf[leading_empty_lines(buf)..];
    let sp = line.iter().position(|&b| b == b' ')?;
    let rest = &line[sp + 1..];
    let end = rest
        .iter()
        .position(|&b| b == b' ' || b == b'\r' || b == b'\n')
        .unwrap_or(rest.len())
        .min(256);
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

fn request_id_of(headers: &[httparse::Header<'_>]) -> Option<String> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("x-request-id"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .map(str::to_owned)
}

/// At most 64 characters of client text for a message.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(s: &[u8]) -> Inspect {
        inspect(s, &mut Scan::default())
    }

    #[test]
    fn complete_heads_and_their_framing() {
        assert_eq!(
            look(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
            Inspect::Complete {
                len: 27,
                framing: Framing::Empty
            }
        );
        assert_eq!(
            look(b"PUT /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            Inspect::Complete {
                len: 38,
                framing: Framing::Length(5)
            }
        );
        assert_eq!(
            look(
                b"PUT /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n"
            ),
            Inspect::Complete {
                len: 72,
                framing: Framing::Chunked
            }
        );
        assert_eq!(
            look(b"\r\nGET / HTTP/1.1\n\n"),
            Inspect::Complete {
                len: 18,
                framing: Framing::Empty
            }
        );
        assert_eq!(look(b"GET / HTTP/1.1\r\nHost: a\r\n"), Inspect::Partial);
    }

    #[test]
    fn limits_at_and_past() {
        let at = format!(
            "GET /{} HTTP/1.1\r\n\r\n",
            "a".repeat(MAX_REQUEST_LINE - 15)
        );
        assert!(matches!(look(at.as_bytes()), Inspect::Complete { .. }));
        let past = format!(
            "GET /{} HTTP/1.1\r\n\r\n",
            "a".repeat(MAX_REQUEST_LINE - 14)
        );
        let Inspect::Bad(r) = look(past.as_bytes()) else {
            panic!()
        };
        assert_eq!(r.status, StatusCode::URI_TOO_LONG);
        let headers = |n: usize| {
            let mut s = String::from("GET /api/x HTTP/1.1\r\n");
            for i in 0..n {
                s.push_str(&format!("h{i}: v\r\n"));
            }
            s + "\r\n"
        };
        assert!(matches!(
            look(headers(MAX_HEADERS).as_bytes()),
            Inspect::Complete { .. }
        ));
        let Inspect::Bad(r) = look(headers(MAX_HEADERS + 1).as_bytes()) else {
            panic!()
        };
        assert_eq!(
            (r.status, r.target.as_deref()),
            (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, Some("/api/x"))
        );
        let big = |n: usize| format!("GET / HTTP/1.1\r\nx: {}\r\n\r\n", "v".repeat(n));
        let exact = big(MAX_HEAD - 23);
        assert_eq!(exact.len(), MAX_HEAD);
        assert!(matches!(look(exact.as_bytes()), Inspect::Complete { .. }));
        let Inspect::Bad(r) = look(big(MAX_HEAD - 22).as_bytes()) else {
            panic!()
        };
        assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }

    #[test]
    fn bad_heads_name_what_is_wrong() {
        let bad = |s: &[u8]| match look(s) {
            Inspect::Bad(r) => (r.status.as_u16(), r.message),
            other => panic!("{other:?}"),
        };
        assert!(
            bad(b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
                .1
                .contains("`-1`")
        );
        assert!(
            bad(b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
                .1
                .contains("twice")
        );
        assert!(
            bad(b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")
                .1
                .contains("chunked")
        );
        assert!(
            bad(b"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")
                .1
                .contains("HTTP/1.0")
        );
        assert_eq!(bad(b"GET / HTTP/2.0\r\n\r\n").0, 400);
        for target in ["example.com:80", "example.com", "ftp://example.com/x", "*"] {
            let (status, message) = bad(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes());
            assert_eq!(status, 400, "{target}");
            assert!(message.contains("request target"), "{message}");
        }
        assert!(
            bad(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
                .1
                .contains("`example.com:443`")
        );
        for ok in [
            "GET /x HTTP/1.1\r\n\r\n",
            "GET http://a.example/x?y=1 HTTP/1.1\r\n\r\n",
            "GET HTTPS://a.example HTTP/1.1\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\n\r\n",
        ] {
            assert!(
                matches!(look(ok.as_bytes()), Inspect::Complete { .. }),
                "{ok}"
            );
        }
        assert_eq!(
            look(b"PUT / HTTP/1.1\r\nContent-Length: 18446744073709551613\r\n\r\n"),
            Inspect::Complete {
                len: 56,
                framing: Framing::Length(MAX_CONTENT_LENGTH)
            }
        );
        let (status, message) =
            bad(b"PUT / HTTP/1.1\r\nContent-Length: 18446744073709551614\r\n\r\n");
        assert_eq!(status, 400);
        assert!(message.contains("larger than"), "{message}");
        assert!(
            bad("PUT / HTTP/1.1\r\nTransfer-Encoding: é, chunked\r\n\r\n".as_bytes())
                .1
                .contains("visible ASCII")
        );
        assert_eq!(bad(b"GE\x01T / HTTP/1.1\r\n\r\n").0, 400);
        assert_eq!(bad(b"GET / HTTP/1.1\r\nbad header\r\n\r\n").0, 400);
    }

    #[test]
    fn byte_at_a_time_scanning_finds_the_end() {
        let head = b"GET /v1/conversations HTTP/1.1\r\nHost: a\r\n\r\n";
        let mut scan = Scan::default();
        for n in 1..head.len() {
            assert_eq!(inspect(&head[..n], &mut scan), Inspect::Partial, "{n}");
        }
        assert!(matches!(
            inspect(head, &mut scan),
            Inspect::Complete { len: 43, .. }
        ));
    }

    #[test]
    fn a_trickled_head_is_searched_from_where_the_last_read_stopped() {
        // Each byte arriving alone: `scan` ends every search at the end of
        // what was there, so the next read's search starts there (a
        // quadratic rescan of the request line or of leading empty lines
        // would cost a 48 KiB head a billion byte compares).
        let mut scan = Scan::default();
        let line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(20_000));
        for n in 1..line.len() - 1 {
            assert_eq!(inspect(&line.as_bytes()[..n], &mut scan), Inspect::Partial);
            assert_eq!((scan.start, scan.line, scan.end), (0, n, n), "{n}");
        }
        // Past the line's end, its `\n` is remembered.
        let head = format!("{line}Host: a\r\n");
        assert_eq!(inspect(head.as_bytes(), &mut scan), Inspect::Partial);
        assert_eq!(scan.line, line.len() - 1);
        let empty = b"\r\n".repeat(100);
        let mut scan = Scan::default();
        for n in 1..empty.len() {
            assert_eq!(inspect(&empty[..n], &mut scan), Inspect::Partial);
            assert_eq!(scan.start, n);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_classified_without_panicking(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000)) {
            let mut scan = Scan::default();
            let _ = inspect(&bytes, &mut scan);
            let _ = inspect(&bytes, &mut scan);
        }

        #[test]
        fn a_head_split_anywhere_reads_like_the_whole(
            path in "/[a-z0-9/?=&]{0,60}",
            fields in proptest::collection::vec(("[A-Za-z-]{1,12}", "[ -~]{0,40}"), 0..12),
            cut in 0usize..10_000,
            second in 0usize..10_000,
            empty in 0usize..4,
        ) {
            let mut head = "\r\n".repeat(empty);
            head.push_str(&format!("GET {path} HTTP/1.1\r\n"));
            for (k, v) in &fields {
                head.push_str(&format!("x-{k}: {}\r\n", v.trim()));
            }
            head.push_str("\r\n");
            let whole = inspect(head.as_bytes(), &mut Scan::default());
            let (a, b) = (cut % head.len(), second % head.len());
            let mut scan = Scan::default();
            for cut in [a.min(b), a.max(b)] {
                proptest::prop_assert_eq!(inspect(&head.as_bytes()[..cut], &mut scan), Inspect::Partial);
            }
            proptest::prop_assert_eq!(inspect(head.as_bytes(), &mut scan), whole);
        }
    }
}
