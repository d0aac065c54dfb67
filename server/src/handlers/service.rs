//! `GET /healthz` and `GET /openapi.json`.

use warp::http::StatusCode;
use warp::reply::Response;

use crate::state::AppState;

/// 200 `{"status":"ok"}`, no auth, no state: the load test's ceiling.
pub(crate) fn health() -> Response {
    crate::bytes_response(StatusCode::OK, br#"{"status":"ok"}"#.to_vec())
}

/// The OpenAPI 3.1 document, built once at start-up.
pub(crate) fn openapi(state: AppState) -> Response {
    crate::bytes_response(StatusCode::OK, state.openapi.to_vec())
}
