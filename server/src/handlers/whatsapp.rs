//! `GET /api/conversations` and its aliases (family W, `api.md` §2.4).
//!
//! Parameters: `status` (`active` | `pending_human` | `closed`), `limit`
//! (1–1 000, default the configured `whatsapp.limit`), `offset` (0–2^31−1,
//! default 0). Every answer carries `X-Total-Count` (rows with the status,
//! all pages) and `Link` (`next`/`prev`/`first`/`last`, see [`crate::link`],
//! written with the canonical path `/api/conversations` whichever alias was
//! asked).

use serde::Serialize;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use super::{authorize, optional_uint, respond, storage_error};
use crate::auth::Credentials;
use crate::error::{ApiError, Family};
use crate::query::Params;
use crate::state::AppState;
use store::families::whatsapp::Status;
use store::storage::RawJson;

const F: Family = Family::WhatsApp;

/// The path written in `Link` (the canonical one of the three aliases).
const PATH: &str = "/api/conversations";

/// The largest `offset` accepted (2^31 − 1, as on `GET /v1/conversations`).
const MAX_OFFSET: u32 = i32::MAX as u32;

#[derive(Serialize)]
struct Body {
    success: bool,
    conversations: Vec<RawJson>,
}

pub(crate) async fn list(state: AppState, creds: Credentials, query: String) -> Response {
    respond(list_inner(&state, &creds, &query).await)
}

async fn list_inner(
    state: &AppState,
    creds: &Credentials,
    query: &str,
) -> Result<Response, ApiError> {
    if state.config.auth_everywhere {
        authorize(state, F, creds, false).await?;
    }
    let params = Params::parse(query);
    let status = match params.get("status") {
        None => None,
        Some(s) => Some(s.parse::<Status>().map_err(|_| {
            ApiError::param(
                F,
                "status",
                format!(
                    "status: expected one of `active`, `pending_human`, `closed`, found `{}`",
                    crate::error::truncate(s)
                ),
            )
        })?),
    };
    let limit = optional_uint(F, &params, "limit", 1, 1000)?
        .map_or(state.config.whatsapp_limit, |n| n as usize);
    let offset = optional_uint(F, &params, "offset", 0, u64::from(MAX_OFFSET))?.unwrap_or(0);
    let page = state
        .storage
        .whatsapp_page(status, offset as usize, limit)
        .await
        .map_err(|e| storage_error(F, e))?;
    let link_params: Vec<(&str, &str)> =
        status.map(|s| ("status", s.as_str())).into_iter().collect();
    let link =
        crate::link::offset_links(PATH, &link_params, limit as u64, offset, page.total as u64);
    let mut resp = crate::json_response(
        StatusCode::OK,
        &Body {
            success: true,
            conversations: page.rows,
        },
    );
    let h = resp.headers_mut();
    h.insert(crate::names::X_TOTAL_COUNT, HeaderValue::from(page.total));
    if let Ok(v) = HeaderValue::from_str(&link) {
        h.insert(warp::http::header::LINK, v);
    }
    Ok(resp)
}
