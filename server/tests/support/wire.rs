//! Reading an HTTP/1.1 answer off a socket as the test clients over raw
//! `TcpStream`s do (one answer per connection, `Connection: close`): the
//! status, the lower-case headers and the body, de-chunked.
// Each test binary uses part of this.
#![allow(dead_code)]

/// What came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    /// Lower-case names, in order.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Resp {
    /// The first header named `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the body when it is not.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Whether `buf` holds a whole head (the blank line after the headers).
pub(crate) fn has_head(buf: &[u8]) -> bool {
    buf.windows(4).any(|w| w == b"\r\n\r\n")
}

/// Parses a whole answer: head, then the body (chunked or not); with
/// `head_only` (the answer to a HEAD) whatever follows the head is dropped.
pub(crate) fn parse(buf: &[u8], head_only: bool) -> Result<Resp, String> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no header end in {:?}", String::from_utf8_lossy(buf)))?;
    let text = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or("no status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = if head_only {
        Vec::new()
    } else {
        buf[end + 4..].to_vec()
    };
    if !head_only
        && headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body)?;
    }
    Ok(Resp {
        status,
        headers,
        body,
    })
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("chunked body cut off")?;
        let size_text = std::str::from_utf8(&b[..eol]).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(size_text.trim(), 16).map_err(|e| e.to_string())?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = b
            .get(eol + 2..eol + 2 + size)
            .ok_or("chunk shorter than its size")?;
        out.extend_from_slice(chunk);
        b = b
            .get(eol + 2 + size + 2..)
            .ok_or("chunk without its CRLF")?;
    }
}
