//! `POST /oauth2/token:generate` (family S, `api.md` §2.1).

use bytes::Bytes;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::reply::Response;

use super::{require_json, respond};
use crate::auth::GenerateError;
use crate::error::{ApiError, AuthFailure, ErrorKind, Family};
use crate::state::AppState;

pub(crate) async fn generate(
    state: AppState,
    content_type: Option<String>,
    body: Bytes,
) -> Response {
    respond(generate_inner(&state, content_type.as_deref(), &body).await)
}

async fn generate_inner(
    state: &AppState,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Response, ApiError> {
    const F: Family = Family::Symbl;
    require_json(F, content_type)?;
    let v: Value = crate::jsonmap::parse_strict(body)
        .map_err(|e| ApiError::body_error(F, format!("body: invalid JSON: {e}")))?;
    let obj = v.as_object().ok_or_else(|| {
        ApiError::body_error(
            F,
            "body: expected a JSON object with `type`, `appId` and `appSecret`",
        )
    })?;
    let field = |name: &str| -> Result<&str, ApiError> {
        match obj.get(name) {
            None | Some(Value::Null) => {
                Err(ApiError::body_error(F, format!("body: missing `{name}`")))
            }
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(ApiError::body_error(
                F,
                format!("body: `{name}` must be a string"),
            )),
        }
    };
    let kind = field("type")?;
    if kind != "application" {
        return Err(ApiError::body_error(
            F,
            format!(
                "body: `type` must be `application`, found `{}`",
                crate::error::truncate(kind)
            ),
        ));
    }
    let app_id = field("appId")?;
    let app_secret = field("appSecret")?;
    let now = state.clock.now_ms();
    let issued = state
        .tokens
        .generate(app_id, app_secret, now)
        .map_err(|e| match e {
            GenerateError::WrongAppPair => {
                ApiError::new(F, ErrorKind::Unauthorized(AuthFailure::WrongAppPair))
            }
            GenerateError::NoRandomness(_) => ApiError::new(
                F,
                ErrorKind::Internal {
                    message: e.to_string(),
                },
            ),
        })?;
    // Every server process on this storage accepts it (api.md §2.6b).
    let expires_ms = now.saturating_add(
        i64::try_from(issued.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX / 4),
    );
    state
        .storage
        .save_token(&crate::auth::digest(&issued.token), expires_ms)
        .await
        .map_err(|e| super::storage_error(F, e))?;
    Ok(crate::json_response(
        StatusCode::OK,
        &json!({ "accessToken": issued.token, "expiresIn": issued.expires_in }),
    ))
}
