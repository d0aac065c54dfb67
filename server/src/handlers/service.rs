//! `GET /healthz`, `GET /readyz` and `GET /openapi.json`.

use warp::http::StatusCode;
use warp::reply::Response;

use crate::error::{ApiError, ErrorKind, Family};
use crate::state::AppState;

/// 200 `{"status":"ok"}`, no auth, no state: the load test's ceiling.
pub(crate) fn health() -> Response {
    crate::bytes_response(StatusCode::OK, br#"{"status":"ok"}"#.to_vec())
}

/// How long `/readyz` waits for the storage before it says 503 (the
/// PostgreSQL backend's own pool wait is shorter by default).
pub(crate) const READY_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// 200 `{"status":"ready"}` while the storage answers, else 503 in the
/// service routes' envelope. No auth: a load balancer's probe.
pub(crate) async fn ready(state: AppState) -> Response {
    let answer = tokio::time::timeout(READY_WAIT, state.storage.ready()).await;
    let error = match answer {
        Ok(Ok(())) => {
            return crate::bytes_response(StatusCode::OK, br#"{"status":"ready"}"#.to_vec());
        }
        Ok(Err(e)) => super::storage_error(Family::Symbl, e),
        Err(_) => ApiError::new(
            Family::Symbl,
            ErrorKind::Unavailable {
                backend: "storage",
                reason: format!("no answer within {} s", READY_WAIT.as_secs()),
            },
        ),
    };
    error.into_response()
}

/// The OpenAPI 3.1 document, built once at start-up.
pub(crate) fn openapi(state: AppState) -> Response {
    crate::bytes_response(StatusCode::OK, state.openapi.to_vec())
}
