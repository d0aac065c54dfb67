//! `GET /api/conversations` and its aliases (family W, `api.md` §2.4).

use serde::Serialize;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use super::{authorize, respond};
use crate::auth::Credentials;
use crate::error::{ApiError, Family};
use crate::query::Params;
use crate::state::AppState;
use store::families::whatsapp::{ConversationRow, Status};

const F: Family = Family::WhatsApp;

#[derive(Serialize)]
struct Body<'a> {
    success: bool,
    conversations: Vec<ConversationRow<'a>>,
}

pub(crate) async fn list(state: AppState, creds: Credentials, query: String) -> Response {
    respond(list_inner(&state, &creds, &query))
}

fn list_inner(state: &AppState, creds: &Credentials, query: &str) -> Result<Response, ApiError> {
    if state.config.auth_everywhere {
        authorize(state, F, creds, false)?;
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
    let limit = match params.get("limit") {
        None => state.config.whatsapp_limit,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) && raw.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(ApiError::param(
                    F,
                    "limit",
                    format!(
                        "limit: expected an integer between 1 and 1000, found `{}`",
                        crate::error::truncate(raw)
                    ),
                ));
            }
        },
    };
    let wa = &state.data.whatsapp;
    let total = wa.list(status, usize::MAX).len();
    let rows = wa.list(status, limit);
    let mut resp = crate::json_response(
        StatusCode::OK,
        &Body {
            success: true,
            conversations: rows,
        },
    );
    resp.headers_mut()
        .insert(crate::names::X_TOTAL_COUNT, HeaderValue::from(total));
    Ok(resp)
}
