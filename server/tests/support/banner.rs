//! The banner's `curl` lines as the tests replay them: split into
//! arguments, read into a request, and the rows an answer holds.
// Each test binary uses part of this.
#![allow(dead_code)]

use serde_json::Value;

/// A banner `curl` line's request.
#[derive(Debug)]
pub(crate) struct Curl {
    /// `GET` unless `-X` says otherwise.
    pub(crate) method: String,
    /// The `-H` values, as written (`Name: value`).
    pub(crate) headers: Vec<String>,
    /// The `-d` value.
    pub(crate) body: Option<String>,
    /// The URL.
    pub(crate) url: String,
}

impl Curl {
    /// Reads a banner line (`curl [-X M] [-H 'h']… [-d 'b'] 'URL'`);
    /// panics on anything else.
    pub(crate) fn parse(line: &str) -> Curl {
        let args = curl_args(line);
        assert_eq!(args.first().map(String::as_str), Some("curl"), "{line}");
        let mut curl = Curl {
            method: "GET".to_owned(),
            headers: Vec::new(),
            body: None,
            url: String::new(),
        };
        let mut it = args.into_iter().skip(1);
        while let Some(a) = it.next() {
            let mut value = || {
                it.next()
                    .unwrap_or_else(|| panic!("{a} without a value: {line}"))
            };
            match a.as_str() {
                "-X" => curl.method = value(),
                "-H" => curl.headers.push(value()),
                "-d" => curl.body = Some(value()),
                _ => curl.url = a,
            }
        }
        assert!(!curl.url.is_empty(), "no URL in {line}");
        curl
    }

    /// The bearer token of its `Authorization` header, if any.
    pub(crate) fn bearer(&self) -> Option<&str> {
        self.headers
            .iter()
            .find_map(|h| h.strip_prefix("Authorization: Bearer "))
    }
}

/// Splits a banner `curl` line into its arguments (single quotes only, as
/// the banner writes them; `'\''`-style joins are not used there).
pub(crate) fn curl_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for ch in line.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    args.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        args.push(cur);
    }
    args
}

/// How many rows an answer of any family holds: an array's length, a
/// `conversations` array's, else an object's keys.
pub(crate) fn rows_in(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o
            .get("conversations")
            .and_then(Value::as_array)
            .map_or(o.len(), Vec::len),
        _ => 0,
    }
}
