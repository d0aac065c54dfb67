//! `GET /v1/api/conversation-messages/:id` (family C, `api.md` §2.5).

use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use super::{authorize, respond, storage_error};
use crate::auth::Credentials;
use crate::error::{ApiError, Family};
use crate::query::Params;
use crate::state::AppState;

const F: Family = Family::Chatbot;

pub(crate) async fn messages(
    id: String,
    state: AppState,
    creds: Credentials,
    query: String,
) -> Response {
    respond(messages_inner(&state, &id, &creds, &query).await)
}

/// A positive integer of any length: one past `u64::MAX` reads as
/// `u64::MAX` (an id or page that large names nothing: 404, or a page past
/// the end, never a 400, as `api.md` §2.5 has no upper bound).
fn positive_unbounded(name: &'static str, raw: &str, msg: &str) -> Result<u64, ApiError> {
    let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
    if digits && raw.bytes().any(|b| b != b'0') {
        return Ok(raw.parse::<u64>().unwrap_or(u64::MAX));
    }
    Err(ApiError::param(
        F,
        name,
        format!("{msg}, found `{}`", crate::error::truncate(raw)),
    ))
}

fn positive(name: &'static str, raw: &str, max: u64, msg: &str) -> Result<u64, ApiError> {
    match raw.parse::<u64>() {
        Ok(n) if n >= 1 && n <= max && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(ApiError::param(
            F,
            name,
            format!("{msg}, found `{}`", crate::error::truncate(raw)),
        )),
    }
}

async fn messages_inner(
    state: &AppState,
    raw_id: &str,
    creds: &Credentials,
    query: &str,
) -> Result<Response, ApiError> {
    authorize(state, F, creds, false).await?;
    let raw_id = crate::query::decode_segment(raw_id);
    let id = positive_unbounded(
        "id",
        &raw_id,
        "id (the conversation id in the path) must be a positive integer",
    )?;
    let params = Params::parse(query);
    let page = match params.get("page") {
        None => 1,
        Some(p) => positive_unbounded("page", p, "page must be a positive integer")?,
    };
    let per_page = match params.get("per_page") {
        None => 20,
        Some(p) => positive("per_page", p, 100, "per_page must be between 1 and 100")?,
    };
    let page_usize = usize::try_from(page).unwrap_or(usize::MAX);
    let per_page_usize = usize::try_from(per_page).unwrap_or(100);
    let found = state
        .storage
        .chatbot_page(id, page_usize, per_page_usize)
        .await
        .map_err(|e| storage_error(F, e))?
        .ok_or_else(|| {
            let id = crate::error::truncate(&raw_id);
            ApiError::not_found(F, format!("conversation `{id}` not found"))
        })?;
    let total = found.total;
    let mut resp = crate::json_response(StatusCode::OK, &found.items);
    let h = resp.headers_mut();
    h.insert(crate::names::X_TOTAL_COUNT, HeaderValue::from(total));
    h.insert(crate::names::X_PAGE, HeaderValue::from(page));
    h.insert(crate::names::X_PER_PAGE, HeaderValue::from(per_page));
    let link = crate::link::page_links(
        &format!("/v1/api/conversation-messages/{id}"),
        page,
        per_page,
        u64::try_from(total).unwrap_or(u64::MAX),
    );
    if let Ok(v) = HeaderValue::from_str(&link) {
        h.insert(warp::http::header::LINK, v);
    }
    Ok(resp)
}
