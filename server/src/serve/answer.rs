//! The HTTP answer to a request head the server refuses before routing it
//! (400, 414, 431): JSON in the family's error envelope (family from the
//! request target when it could be read, else Symbl), with `X-Request-Id`
//! (the client's when the head could be parsed, else a new one) and
//! `Connection: close`.

use bytes::Bytes;
use warp::http::StatusCode;

use super::head::Rejected;
use crate::error::Family;

/// The chatbot envelope's `code` for a status.
fn code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::INTERNAL_SERVER_ERROR => "internal_error",
        _ => "bad_request",
    }
}

/// The error body for `message` in `family`'s envelope (`api.md` §2.0).
pub(crate) fn envelope(family: Family, status: StatusCode, message: &str) -> Vec<u8> {
    // A `&str` always serializes; the fallback only keeps this total.
    let m = serde_json::to_string(message).unwrap_or_else(|_| "\"bad request\"".to_owned());
    let body = match family {
        Family::Symbl => format!(r#"{{"message":{m}}}"#),
        Family::Mongo => format!(r#"{{"error":{m}}}"#),
        Family::WhatsApp => format!(r#"{{"success":false,"error":{m}}}"#),
        Family::Chatbot => format!(r#"{{"error":{{"code":"{}","message":{m}}}}}"#, code(status)),
    };
    body.into_bytes()
}

/// The whole HTTP/1.1 response for a refused head.
pub(crate) fn render(r: &Rejected) -> Bytes {
    let family = r.target.as_deref().map_or(Family::Symbl, Family::of_path);
    let body = envelope(family, r.status, &r.message);
    let id = crate::request_id(r.request_id.as_deref());
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: {}\r\nconnection: close\r\ndate: {date}\r\n\r\n",
        r.status.as_u16(),
        r.status.canonical_reason().unwrap_or(""),
        body.len(),
        String::from_utf8_lossy(id.as_bytes()),
    )
    .into_bytes();
    out.extend_from_slice(&body);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_gets_its_envelope() {
        let r = |target: &str| Rejected {
            status: StatusCode::URI_TOO_LONG,
            message: "too long".into(),
            target: Some(target.into()),
            request_id: Some("abc".into()),
        };
        let text = |t: &str| String::from_utf8(render(&r(t)).to_vec()).unwrap();
        let s = text("/v1/conversations");
        assert!(s.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{s}");
        assert!(s.contains("\r\nx-request-id: abc\r\n"));
        assert!(s.ends_with(r#"{"message":"too long"}"#));
        assert!(text("/get-all-conversations").ends_with(r#"{"error":"too long"}"#));
        assert!(text("/api/conversations").ends_with(r#"{"success":false,"error":"too long"}"#));
        assert!(
            text("/v1/api/conversation-messages/1")
                .ends_with(r#"{"error":{"code":"uri_too_long","message":"too long"}}"#)
        );
    }
}
