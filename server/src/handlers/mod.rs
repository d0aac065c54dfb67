//! Async handlers, one module per route family. No warp `Filter` code here:
//! each takes the state and what the filters extracted, calls the store and
//! returns a `Response` (errors render themselves in the family envelope).

pub(crate) mod chatbot;
pub(crate) mod mongo;
pub(crate) mod oauth;
pub(crate) mod service;
pub(crate) mod symbl;
pub(crate) mod whatsapp;

use store::storage::{StorageError, StorageErrorKind};

use crate::auth::Credentials;
use crate::error::{ApiError, AuthFailure, ErrorKind, Family};
use crate::query::Params;
use crate::state::AppState;

/// Whether a `Content-Type` value is JSON (`application/json`, any
/// parameters, or a `+json` suffix type).
pub(crate) fn is_json_content_type(ct: &str) -> bool {
    let essence = ct.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5
            && essence
                .get(essence.len() - 5..)
                .is_some_and(|s| s.eq_ignore_ascii_case("+json"))
            && essence
                .get(..12)
                .is_some_and(|s| s.eq_ignore_ascii_case("application/")))
}

/// 415, naming `application/json`, unless the body is declared JSON. A
/// body sent without any `Content-Type` is read as JSON (the body decides:
/// not JSON is a 400). `curl -d` without `-H` sends
/// `application/x-www-form-urlencoded`, which is 415 like any other type.
pub(crate) fn require_json(family: Family, content_type: Option<&str>) -> Result<(), ApiError> {
    match content_type {
        None => Ok(()),
        Some(ct) if is_json_content_type(ct) => Ok(()),
        Some(ct) => Err(ApiError::new(
            family,
            ErrorKind::UnsupportedMediaType {
                found: ct.to_owned(),
            },
        )),
    }
}

/// The integer query parameter `name` in `min..=max` (plain digits only), or
/// `None` when it is absent; anything else is a 400 in `family`'s envelope
/// naming the parameter and the range.
pub(crate) fn optional_uint(
    family: Family,
    params: &Params<'_>,
    name: &'static str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, ApiError> {
    let Some(raw) = params.get(name) else {
        return Ok(None);
    };
    match raw.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
        _ => Err(ApiError::param(
            family,
            name,
            format!(
                "{name}: expected an integer between {min} and {max}, found `{}`",
                crate::error::truncate(raw)
            ),
        )),
    }
}

/// Checks the token of a protected route. `allow_api_key` is true on the
/// Symbl family only. A token this process does not know may have been
/// issued by another server process on the same storage: it is looked up
/// there by digest ([`store::storage::Storage::token_expiry`]).
pub(crate) async fn authorize(
    state: &AppState,
    family: Family,
    creds: &Credentials,
    allow_api_key: bool,
) -> Result<(), ApiError> {
    let token = creds
        .token(allow_api_key)
        .map_err(|why| ApiError::new(family, ErrorKind::Unauthorized(why)))?;
    let now = state.clock.now_ms();
    let why = match state.tokens.check(token, now) {
        Ok(()) => return Ok(()),
        Err(AuthFailure::Invalid) => {
            let digest = crate::auth::digest(token);
            match state
                .storage
                .token_expiry(&digest)
                .await
                .map_err(|e| storage_error(family, e))?
            {
                Some(expires) if expires > now => return Ok(()),
                Some(_) => AuthFailure::Expired,
                None => AuthFailure::Invalid,
            }
        }
        Err(why) => why,
    };
    Err(ApiError::new(family, ErrorKind::Unauthorized(why)))
}

/// A storage error as `family` answers it: the request's own fault (400 or
/// 404, the Symbl family's messages), a metadata limit (400), the backend
/// not answering (503, the family's envelope), or a 500.
pub(crate) fn storage_error(family: Family, e: StorageError) -> ApiError {
    let message = e.to_string();
    match e.into_kind() {
        StorageErrorKind::Store(e) if family == Family::Symbl => symbl::store_error(e),
        StorageErrorKind::Store(e) => ApiError::internal(family, e.to_string()),
        StorageErrorKind::TooManyKeys { .. } => ApiError::body_error(family, message),
        StorageErrorKind::Unavailable { backend, reason } => {
            ApiError::new(family, ErrorKind::Unavailable { backend, reason })
        }
        StorageErrorKind::TimedOut { limit, .. } => {
            ApiError::new(family, ErrorKind::TimedOut { limit })
        }
        _ => ApiError::internal(family, message),
    }
}

/// Folds a handler's result into a response.
pub(crate) fn respond(r: Result<warp::reply::Response, ApiError>) -> warp::reply::Response {
    r.unwrap_or_else(ApiError::into_response)
}

#[cfg(test)]
mod tests {
    use super::is_json_content_type;

    #[test]
    fn json_content_types() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("Application/JSON; charset=utf-8"));
        assert!(is_json_content_type("application/merge-patch+json"));
        assert!(!is_json_content_type("text/plain"));
        assert!(!is_json_content_type("application/x-www-form-urlencoded"));
        assert!(!is_json_content_type("+json"));
    }
}
