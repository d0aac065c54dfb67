//! [`ApiError`]: every error the API returns, rendered in the envelope of the
//! route family it belongs to (`api.md` §2.0), and [`handle_rejection`], which
//! turns every warp rejection (its own 404/405/413/... and ours) into one.
//!
//! | family | error body |
//! |---|---|
//! | S Symbl | `{"message": "…"}` (filter errors add `code`, `kind`, `param`, `offset`, `column`, `length`, `snippet`) |
//! | M Mongo | `{"error": "…"}` |
//! | W WhatsApp | `{"success": false, "error": "…"}` |
//! | C chatbot | `{"error": {"code": "…", "message": "…", "field"?: "…"}}` |

use std::convert::Infallible;
use std::fmt;

use serde::Serialize;
use serde_json::Value;
use warp::http::{HeaderValue, Method, StatusCode, header};
use warp::reject::Rejection;
use warp::reply::Response;

use crate::routes_table;

/// The route family a path belongs to; it decides the error envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Symbl-compatible routes (`/oauth2/…`, `/v1/conversations…`) and the
    /// service routes (`/healthz`, `/openapi.json`, unknown paths).
    Symbl,
    /// `/get-all-conversations`.
    Mongo,
    /// `/api/…` (WhatsApp bot).
    WhatsApp,
    /// `/v1/api/…` (chatbot).
    Chatbot,
}

impl Family {
    /// The family of a request path, by prefix.
    ///
    /// ```
    /// use server::error::Family;
    /// assert_eq!(Family::of_path("/v1/api/conversation-messages/1"), Family::Chatbot);
    /// assert_eq!(Family::of_path("/api/conversations"), Family::WhatsApp);
    /// assert_eq!(Family::of_path("/get-all-conversations"), Family::Mongo);
    /// assert_eq!(Family::of_path("/nope"), Family::Symbl);
    /// ```
    pub fn of_path(path: &str) -> Family {
        if path.starts_with("/v1/api/") || path == "/v1/api" {
            Family::Chatbot
        } else if path.starts_with("/api/") || path == "/api" {
            Family::WhatsApp
        } else if path.starts_with("/get-all-conversations") {
            Family::Mongo
        } else {
            Family::Symbl
        }
    }
}

/// Why a request was not authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` (nor `x-api-key` where accepted).
    Missing,
    /// The `Authorization` header is not `Bearer <token>`.
    Malformed,
    /// The token is not known.
    Invalid,
    /// The token was valid but has expired.
    Expired,
    /// `/oauth2/token:generate` with a wrong app id/secret pair.
    WrongAppPair,
}

/// What went wrong, with the data each message needs.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A query or path parameter is invalid (400): `limit=abc`.
    InvalidParam {
        /// The parameter name as the client wrote it.
        param: &'static str,
        /// The full message (names the parameter).
        message: String,
    },
    /// The `filter` did not parse, broke the policy or did not fit the
    /// schema (400). The body's structured fields come from the error's
    /// accessors ([`rsql::Error::code`], [`rsql::Error::category`],
    /// [`rsql::Error::snippet`], …), never from its rendered text.
    InvalidFilter(Box<rsql::Error>),
    /// The request body is not what the route accepts (400).
    InvalidBody {
        /// The full message.
        message: String,
    },
    /// No, bad or expired credentials (401).
    Unauthorized(AuthFailure),
    /// A resource named in the path does not exist (404).
    NotFound {
        /// The full message.
        message: String,
    },
    /// No route has this path (404).
    RouteNotFound {
        /// The request method, when known.
        method: Option<Method>,
        /// The request path, as sent (empty when unknown).
        path: String,
    },
    /// The path exists but not with this method (405).
    MethodNotAllowed {
        /// The request method.
        method: Method,
        /// The request path, as sent.
        path: String,
        /// The methods the path accepts.
        allow: &'static [&'static str],
    },
    /// The body is larger than the configured limit (413).
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body has a content type the route does not read (415).
    UnsupportedMediaType {
        /// The `Content-Type` sent.
        found: String,
    },
    /// The rate limiter refused the request (429).
    RateLimited {
        /// Seconds until the window resets.
        retry_after: u64,
        /// The configured limit.
        limit: u32,
    },
    /// A query ran past the statement timeout (503): the request asks for
    /// more work than the server gives one request. Nothing was changed.
    TimedOut {
        /// The statement timeout.
        limit: std::time::Duration,
    },
    /// The storage cannot answer now (503): the database is unreachable or
    /// the pool had no connection in time, or the journal could not be
    /// written. Nothing was changed; the client may retry.
    Unavailable {
        /// What is unavailable and why (logged; the client sees the backend
        /// and a retry hint, not connection details).
        backend: &'static str,
        /// The reason, for the log.
        reason: String,
    },
    /// Something failed on our side (500).
    Internal {
        /// What failed (logged; the client sees a generic text).
        message: String,
    },
}

/// An error response: a kind in a family's envelope.
///
/// ```
/// use server::error::{ApiError, ErrorKind, Family};
/// let e = ApiError::new(Family::WhatsApp, ErrorKind::InvalidParam {
///     param: "status",
///     message: "status: expected one of `active`, `pending_human`, `closed`, found `x`".into(),
/// });
/// assert_eq!(e.status().as_u16(), 400);
/// assert_eq!(e.body()["success"], false);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The envelope to use.
    pub family: Family,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl ApiError {
    /// An error of `kind` in `family`'s envelope.
    pub fn new(family: Family, kind: ErrorKind) -> ApiError {
        ApiError { family, kind }
    }

    /// Shorthand for [`ErrorKind::InvalidParam`].
    pub fn param(family: Family, param: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(
            family,
            ErrorKind::InvalidParam {
                param,
                message: message.into(),
            },
        )
    }

    /// Shorthand for [`ErrorKind::InvalidBody`].
    pub fn body_error(family: Family, message: impl Into<String>) -> ApiError {
        ApiError::new(
            family,
            ErrorKind::InvalidBody {
                message: message.into(),
            },
        )
    }

    /// Shorthand for [`ErrorKind::NotFound`].
    pub fn not_found(family: Family, message: impl Into<String>) -> ApiError {
        ApiError::new(
            family,
            ErrorKind::NotFound {
                message: message.into(),
            },
        )
    }

    /// Shorthand for [`ErrorKind::Internal`].
    pub fn internal(family: Family, message: impl Into<String>) -> ApiError {
        ApiError::new(
            family,
            ErrorKind::Internal {
                message: message.into(),
            },
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            ErrorKind::InvalidParam { .. }
            | ErrorKind::InvalidFilter(_)
            | ErrorKind::InvalidBody { .. } => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ErrorKind::NotFound { .. } | ErrorKind::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable { .. } | ErrorKind::TimedOut { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ErrorKind::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine code (the chatbot envelope's `code`).
    pub fn code(&self) -> &'static str {
        match &self.kind {
            ErrorKind::InvalidParam { .. } => "invalid_parameter",
            ErrorKind::InvalidFilter(_) => "invalid_filter",
            ErrorKind::InvalidBody { .. } => "invalid_body",
            ErrorKind::Unauthorized(_) => "unauthorized",
            ErrorKind::NotFound { .. } => "not_found",
            ErrorKind::RouteNotFound { .. } => "route_not_found",
            ErrorKind::MethodNotAllowed { .. } => "method_not_allowed",
            ErrorKind::PayloadTooLarge { .. } => "payload_too_large",
            ErrorKind::UnsupportedMediaType { .. } => "unsupported_media_type",
            ErrorKind::RateLimited { .. } => "rate_limited",
            ErrorKind::Unavailable { .. } => "unavailable",
            ErrorKind::TimedOut { .. } => "timed_out",
            ErrorKind::Internal { .. } => "internal_error",
        }
    }

    /// The parameter the error is about, if any.
    pub fn field(&self) -> Option<&'static str> {
        match &self.kind {
            ErrorKind::InvalidParam { param, .. } => Some(param),
            ErrorKind::InvalidFilter(_) => Some("filter"),
            _ => None,
        }
    }

    /// The JSON body in the family's envelope, as a value (for tests).
    pub fn body(&self) -> Value {
        serde_json::from_slice(&self.body_bytes()).unwrap_or(Value::Null)
    }

    /// The JSON body in the family's envelope, keys in documented order.
    pub fn body_bytes(&self) -> Vec<u8> {
        let message = self.to_string();
        let out = match self.family {
            Family::Symbl => {
                let snippet;
                let filter = match &self.kind {
                    ErrorKind::InvalidFilter(e) => {
                        snippet = bound_snippet(&e.snippet());
                        Some(FilterOut {
                            code: "invalid_filter",
                            kind: e.category(),
                            reason: e.code(),
                            param: "filter",
                            offset: e.offset(),
                            column: e.column(),
                            length: e.len(),
                            snippet: &snippet,
                        })
                    }
                    _ => None,
                };
                serde_json::to_vec(&SymblBody {
                    message: &message,
                    filter,
                })
            }
            Family::Mongo => serde_json::to_vec(&MongoBody { error: &message }),
            Family::WhatsApp => serde_json::to_vec(&WhatsAppBody {
                success: false,
                error: &message,
            }),
            Family::Chatbot => serde_json::to_vec(&ChatbotBody {
                error: ChatbotInner {
                    code: self.code(),
                    message: &message,
                    field: self.field(),
                },
            }),
        };
        out.unwrap_or_else(|_| br#"{"message":"internal server error"}"#.to_vec())
    }

    /// The full response: status, JSON body and the headers the kind needs
    /// (`Allow` on 405, `WWW-Authenticate` on 401, `Retry-After` on 429).
    pub fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = crate::bytes_response(status, self.body_bytes());
        let headers = resp.headers_mut();
        match &self.kind {
            ErrorKind::MethodNotAllowed { allow, .. } => {
                if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                    headers.insert(header::ALLOW, v);
                }
            }
            ErrorKind::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ErrorKind::RateLimited { retry_after, .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            ErrorKind::Unavailable { backend, reason } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                tracing::warn!(backend, %reason, "storage unavailable");
            }
            ErrorKind::TimedOut { limit } => {
                tracing::warn!(?limit, "query stopped at the statement timeout");
            }
            ErrorKind::Internal { message } => {
                tracing::error!(%message, "internal error");
            }
            _ => {}
        }
        resp
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidParam { message, .. }
            | ErrorKind::InvalidBody { message }
            | ErrorKind::NotFound { message } => f.write_str(message),
            ErrorKind::InvalidFilter(e) => {
                if e.category() == "syntax" {
                    write!(
                        f,
                        "filter: invalid filter at byte offset {} (column {}): {}",
                        e.offset(),
                        e.column(),
                        e.message()
                    )
                } else {
                    write!(f, "filter: {}", e.message())
                }
            }
            ErrorKind::Unauthorized(why) => f.write_str(match why {
                AuthFailure::Missing => {
                    "missing access token: send `Authorization: Bearer <token>` (get one from POST /oauth2/token:generate)"
                }
                AuthFailure::Malformed => {
                    "malformed `Authorization` header: expected `Bearer <token>`"
                }
                AuthFailure::Invalid => {
                    "invalid access token: this server did not issue it (get one from POST /oauth2/token:generate)"
                }
                AuthFailure::Expired => {
                    "access token expired: generate a new one with POST /oauth2/token:generate"
                }
                AuthFailure::WrongAppPair => "invalid appId or appSecret",
            }),
            ErrorKind::RouteNotFound { method, path } => {
                f.write_str("no route for ")?;
                if let Some(m) = method {
                    write!(f, "{m} ")?;
                }
                write_path(f, path)
            }
            ErrorKind::MethodNotAllowed {
                method,
                path,
                allow,
            } => {
                write!(f, "method {method} is not allowed on ")?;
                write_path(f, path)?;
                write!(f, ", expected {}", allow.join(" or "))
            }
            ErrorKind::PayloadTooLarge { limit } => {
                write!(f, "request body too large: the limit is {limit} bytes")
            }
            ErrorKind::UnsupportedMediaType { found } => write!(
                f,
                "unsupported content type `{}`, expected `application/json`",
                truncate(found)
            ),
            ErrorKind::RateLimited { retry_after, limit } => write!(
                f,
                "rate limit of {limit} requests exceeded, retry in {retry_after} s"
            ),
            ErrorKind::Unavailable { backend, .. } => write!(
                f,
                "service unavailable: the {backend} storage is not answering; retry later"
            ),
            ErrorKind::TimedOut { limit } => write!(
                f,
                "the query ran past the server's statement timeout of {} s \
                 (--statement-timeout); narrow the filter or the time window",
                limit.as_secs_f64()
            ),
            ErrorKind::Internal { .. } => f.write_str("internal server error"),
        }
    }
}

impl std::error::Error for ApiError {}

impl warp::reject::Reject for ApiError {}

impl warp::Reply for ApiError {
    fn into_response(self) -> Response {
        ApiError::into_response(self)
    }
}

#[derive(Serialize)]
struct FilterOut<'a> {
    code: &'static str,
    kind: &'static str,
    reason: &'static str,
    param: &'static str,
    offset: usize,
    column: usize,
    length: usize,
    snippet: &'a str,
}

#[derive(Serialize)]
struct SymblBody<'a> {
    message: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    filter: Option<FilterOut<'a>>,
}

#[derive(Serialize)]
struct MongoBody<'a> {
    error: &'a str,
}

#[derive(Serialize)]
struct WhatsAppBody<'a> {
    success: bool,
    error: &'a str,
}

#[derive(Serialize)]
struct ChatbotInner<'a> {
    code: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
}

#[derive(Serialize)]
struct ChatbotBody<'a> {
    error: ChatbotInner<'a>,
}

/// The longest request path a 404/405 message shows whole, in characters;
/// a longer one keeps its first [`PATH_HEAD`] and last [`PATH_TAIL`]
/// characters around `…`, followed by its length.
pub const MAX_PATH_SHOWN: usize = 256;
/// Characters kept from the start of a path longer than [`MAX_PATH_SHOWN`].
pub const PATH_HEAD: usize = 192;
/// Characters kept from the end of a path longer than [`MAX_PATH_SHOWN`].
pub const PATH_TAIL: usize = 63;

/// Writes `` `path` `` for a 404/405 message: whole up to [`MAX_PATH_SHOWN`]
/// characters, else shortened in the middle and followed by the path's length.
fn write_path(f: &mut fmt::Formatter<'_>, path: &str) -> fmt::Result {
    if path.is_empty() {
        return f.write_str("this path");
    }
    let chars = path.chars().count();
    if chars <= MAX_PATH_SHOWN {
        return write!(f, "`{path}`");
    }
    let head: String = path.chars().take(PATH_HEAD).collect();
    let tail: String = path.chars().skip(chars - PATH_TAIL).collect();
    write!(
        f,
        "`{head}…{tail}` (a path of {} bytes, shortened)",
        path.len()
    )
}

/// The longest line, in characters, of the caret `snippet` of a filter error
/// body; longer lines (a long value under its carets) end in `…` there.
pub const MAX_SNIPPET_LINE: usize = 200;

/// `snippet` with every line cut at [`MAX_SNIPPET_LINE`] characters. The
/// input line and its caret line are cut at the same column, so the carets
/// stay under what they mark.
///
/// The renderer already shows at most 60 characters of context on each side
/// of the marked span; the span itself (a whole over-long value) is what can
/// be long.
fn bound_snippet(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len().min(4 * (MAX_SNIPPET_LINE + 4)));
    for (i, line) in snippet.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match line.char_indices().nth(MAX_SNIPPET_LINE) {
            Some((cut, _)) => {
                out.push_str(&line[..cut]);
                out.push('…');
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Truncates user text echoed in a message to about 40 characters.
pub(crate) fn truncate(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// The rejection the last branch of the route tree always adds: it carries the
/// request's path and method, so [`handle_rejection`] knows the family and can
/// tell 404 (unknown path) from 405 (known path, other method).
#[derive(Debug)]
pub(crate) struct Unmatched {
    pub(crate) path: String,
    pub(crate) method: Method,
}

impl warp::reject::Reject for Unmatched {}

/// Turns any rejection into a JSON error in the right family's envelope.
///
/// Order: our own [`ApiError`] first, then warp's built-in rejections that
/// mean bad input (413, 415, bad header, bad query...), then 405 if the path
/// is known with other methods, else 404. Anything else is logged and
/// answered with 500.
pub async fn handle_rejection(err: Rejection) -> Result<Response, Infallible> {
    Ok(rejection_response(&err))
}

fn rejection_response(err: &Rejection) -> Response {
    if let Some(e) = err.find::<ApiError>() {
        return e.clone().into_response();
    }
    let unmatched = err.find::<Unmatched>();
    let family = unmatched.map_or(Family::Symbl, |u| Family::of_path(&u.path));
    let kind = if err.find::<warp::reject::PayloadTooLarge>().is_some() {
        ErrorKind::PayloadTooLarge {
            limit: crate::DEFAULT_BODY_LIMIT,
        }
    } else if err.find::<warp::reject::UnsupportedMediaType>().is_some() {
        ErrorKind::UnsupportedMediaType {
            found: String::from("(unsupported)"),
        }
    } else if let Some(h) = err.find::<warp::reject::InvalidHeader>() {
        if h.name().eq_ignore_ascii_case("authorization")
            || h.name().eq_ignore_ascii_case("x-api-key")
        {
            ErrorKind::Unauthorized(AuthFailure::Malformed)
        } else {
            ErrorKind::InvalidBody {
                message: format!("invalid `{}` header", h.name()),
            }
        }
    } else if let Some(h) = err.find::<warp::reject::MissingHeader>() {
        ErrorKind::InvalidBody {
            message: format!("missing `{}` header", h.name()),
        }
    } else if err.find::<warp::reject::InvalidQuery>().is_some() {
        ErrorKind::InvalidBody {
            message: "invalid query string".to_owned(),
        }
    } else if err.find::<warp::reject::LengthRequired>().is_some() {
        ErrorKind::InvalidBody {
            message: "missing `content-length` header".to_owned(),
        }
    } else if let Some(u) = unmatched {
        match routes_table::allowed_methods(&u.path) {
            Some(allow) if !allow.contains(&u.method.as_str()) => ErrorKind::MethodNotAllowed {
                method: u.method.clone(),
                path: u.path.clone(),
                allow,
            },
            _ => ErrorKind::RouteNotFound {
                method: Some(u.method.clone()),
                path: u.path.clone(),
            },
        }
    } else if err.is_not_found() {
        ErrorKind::RouteNotFound {
            method: None,
            path: String::new(),
        }
    } else {
        ErrorKind::Internal {
            message: format!("unhandled rejection: {err:?}"),
        }
    };
    ApiError::new(family, kind).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found(path: &str) -> String {
        ApiError::new(
            Family::Symbl,
            ErrorKind::RouteNotFound {
                method: Some(Method::GET),
                path: path.to_owned(),
            },
        )
        .to_string()
    }

    #[test]
    fn paths_up_to_the_limit_are_shown_whole() {
        let path = format!("/v1/{}", "a".repeat(MAX_PATH_SHOWN - 4));
        assert_eq!(path.chars().count(), MAX_PATH_SHOWN);
        assert_eq!(not_found(&path), format!("no route for GET `{path}`"));
        assert_eq!(
            not_found("/v1/conversations/42/nothing"),
            "no route for GET `/v1/conversations/42/nothing`"
        );
    }

    #[test]
    fn longer_paths_keep_head_and_tail() {
        let path = format!("/v1/{}/end-of-the-path", "a".repeat(MAX_PATH_SHOWN));
        let m = not_found(&path);
        let head: String = path.chars().take(PATH_HEAD).collect();
        let tail: String = path.chars().skip(path.len() - PATH_TAIL).collect();
        assert_eq!(
            m,
            format!(
                "no route for GET `{head}…{tail}` (a path of {} bytes, shortened)",
                path.len()
            )
        );
        assert!(m.ends_with("/end-of-the-path` (a path of 276 bytes, shortened)"));
        // Multi-byte characters are never split.
        let path = format!("/{}", "é".repeat(1000));
        assert!(not_found(&path).contains("(a path of 2001 bytes, shortened)"));
    }

    #[test]
    fn method_not_allowed_names_method_path_and_methods() {
        let e = ApiError::new(
            Family::WhatsApp,
            ErrorKind::MethodNotAllowed {
                method: Method::DELETE,
                path: "/api/conversations".into(),
                allow: &["GET", "HEAD"],
            },
        );
        assert_eq!(
            e.to_string(),
            "method DELETE is not allowed on `/api/conversations`, expected GET or HEAD"
        );
    }

    #[test]
    fn snippet_lines_are_cut_at_the_same_column() {
        let long = format!("a=={}", "x".repeat(1000));
        let snippet = format!("{long}\n   {}\nhelp: use a shorter value", "^".repeat(1000));
        let b = bound_snippet(&snippet);
        let lines: Vec<&str> = b.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].chars().count(), MAX_SNIPPET_LINE + 1);
        assert_eq!(lines[1].chars().count(), MAX_SNIPPET_LINE + 1);
        assert!(lines[0].ends_with('…') && lines[1].ends_with("^…"));
        assert_eq!(lines[1].find('^'), Some(3));
        assert_eq!(lines[2], "help: use a shorter value");
        // Short snippets are untouched.
        assert_eq!(bound_snippet("a==\n   ^"), "a==\n   ^");
    }
}
