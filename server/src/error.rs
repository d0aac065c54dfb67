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
        /// The request path.
        path: String,
    },
    /// The path exists but not with this method (405).
    MethodNotAllowed {
        /// The request method.
        method: Method,
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
                        snippet = e.snippet();
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
                AuthFailure::Invalid => "invalid access token",
                AuthFailure::Expired => {
                    "access token expired: generate a new one with POST /oauth2/token:generate"
                }
                AuthFailure::WrongAppPair => "invalid appId or appSecret",
            }),
            ErrorKind::RouteNotFound { path } => {
                write!(f, "no route for `{}`", truncate(path))
            }
            ErrorKind::MethodNotAllowed { method, allow } => write!(
                f,
                "method {method} is not allowed on this route, expected {}",
                allow.join(" or ")
            ),
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
                allow,
            },
            _ => ErrorKind::RouteNotFound {
                path: u.path.clone(),
            },
        }
    } else if err.is_not_found() {
        ErrorKind::RouteNotFound {
            path: String::new(),
        }
    } else {
        ErrorKind::Internal {
            message: format!("unhandled rejection: {err:?}"),
        }
    };
    ApiError::new(family, kind).into_response()
}
