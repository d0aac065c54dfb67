//! The Symbl-compatible conversation routes (family S, `api.md` §2.2).
//!
//! Every write validates the whole request before it takes the write lock,
//! and the store's writes are all-or-nothing, so a failed PUT or DELETE
//! changes nothing.

use std::sync::{PoisonError, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use super::{authorize, require_json, respond};
use crate::auth::Credentials;
use crate::error::{ApiError, ErrorKind, Family, truncate};
use crate::query::{Params, decode_segment};
use crate::state::AppState;
use store::{Member, StoreError};

const F: Family = Family::Symbl;

/// Longest metadata value, in characters (`api.md` §2.2).
pub(crate) const MAX_METADATA_VALUE: usize = 128;

fn read(state: &AppState) -> RwLockReadGuard<'_, store::Store> {
    state
        .data
        .symbl
        .read()
        .unwrap_or_else(PoisonError::into_inner)
}

fn write(state: &AppState) -> RwLockWriteGuard<'_, store::Store> {
    state
        .data
        .symbl
        .write()
        .unwrap_or_else(PoisonError::into_inner)
}

/// A store error as the API answers it.
pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Param(p) => {
            let param = p.param();
            let mut message = p.to_string();
            if matches!(p.kind(), store::ParamErrorKind::Timestamp { value, .. } if value.contains(' '))
            {
                message.push_str(" (a `+` in an offset must be sent as `%2B`)");
            }
            ApiError::param(F, param, message)
        }
        StoreError::Sort(s) => ApiError::param(F, "sort", s.to_string()),
        StoreError::Filter(f) => ApiError::new(F, ErrorKind::InvalidFilter(Box::new(f))),
        e @ StoreError::NotFound { .. } => ApiError::not_found(F, e.to_string()),
        StoreError::Record(r) => ApiError::body_error(F, format!("body: {r}")),
        other => ApiError::internal(F, other.to_string()),
    }
}

/// `GET /v1/conversations`.
pub(crate) async fn list(state: AppState, creds: Credentials, query: String) -> Response {
    respond(list_inner(&state, &creds, &query))
}

fn list_inner(state: &AppState, creds: &Credentials, query: &str) -> Result<Response, ApiError> {
    authorize(state, F, creds, true)?;
    let q = Params::parse(query);
    let sort = q.joined("sort");
    let params = store::Params {
        limit: q.get("limit"),
        offset: q.get("offset"),
        order: q.get("order"),
        start_time: q.get("startTime"),
        end_time: q.get("endTime"),
        sort: sort.as_deref(),
        filter: q.get("filter"),
    };
    // The store checks the parameters in api.md's order and applies the
    // window rule; the filter, last, comes from the cache of compiled
    // filters (the API's parser with this server's length limit).
    let spec = store::QuerySpec::from_params_with(&params, state.clock.now_ms(), |text| {
        state
            .filters
            .get_or_compile(text, |t| store::filter::compile_with(&state.parser, t))
    })
    .map_err(store_error)?;
    // The page is rendered from the store's rows under the read lock (no
    // owned copies), and the lock is released before anything else is built.
    let (body, total) = {
        let store = read(state);
        let page = store.query_ref(&spec).map_err(store_error)?;
        (crate::render::list_bytes_ref(&page.items), page.total)
    };
    let mut resp = crate::bytes_response(StatusCode::OK, body);
    let mut link_params: Vec<(&str, &str)> = Vec::with_capacity(5);
    for (name, value) in [
        ("order", params.order),
        ("startTime", params.start_time),
        ("endTime", params.end_time),
        ("sort", params.sort),
        ("filter", params.filter),
    ] {
        if let Some(v) = value {
            link_params.push((name, v));
        }
    }
    let link = crate::link::offset_links(
        "/v1/conversations",
        &link_params,
        spec.limit as u64,
        spec.offset as u64,
        total as u64,
    );
    let h = resp.headers_mut();
    h.insert(crate::names::X_TOTAL_COUNT, HeaderValue::from(total));
    if let Ok(v) = HeaderValue::from_str(&link) {
        h.insert(warp::http::header::LINK, v);
    }
    Ok(resp)
}

/// `GET /v1/conversations/{id}`.
pub(crate) async fn get(id: String, state: AppState, creds: Credentials) -> Response {
    respond((|| {
        authorize(&state, F, &creds, true)?;
        let id = decode_segment(&id);
        let mut body = Vec::with_capacity(1024);
        {
            let store = read(&state);
            let conv = store
                .get_ref(&id)
                .ok_or_else(|| not_found_conversation(&id))?;
            crate::render::write_conversation_ref(&mut body, conv);
        }
        Ok(crate::bytes_response(StatusCode::OK, body))
    })())
}

fn not_found_conversation(id: &str) -> ApiError {
    store_error(StoreError::NotFound {
        what: "conversation",
        id: id.to_owned(),
    })
}

/// Reads a JSON object body strictly (duplicate keys refused).
fn object_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<serde_json::Map<String, Value>, ApiError> {
    require_json(F, content_type)?;
    let v = crate::jsonmap::parse_strict(body)
        .map_err(|e| ApiError::body_error(F, format!("body: invalid JSON: {e}")))?;
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::body_error(F, "body: expected a JSON object")),
    }
}

/// The changes of a metadata PUT body, validated (`api.md` §2.2, A-17, A-18).
///
/// Only `metadata` is accepted at the top level; its values are strings of at
/// most 128 characters, or `null` to remove the key.
pub(crate) fn metadata_changes(
    body: &serde_json::Map<String, Value>,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    if let Some(other) = body.keys().find(|k| *k != "metadata") {
        return Err(ApiError::body_error(
            F,
            format!(
                "body: `{}` cannot be updated; only `metadata` is accepted",
                truncate(other)
            ),
        ));
    }
    let meta = match body.get("metadata") {
        None => return Err(ApiError::body_error(F, "body: missing `metadata`")),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(ApiError::body_error(
                F,
                "body: `metadata` must be an object of string values",
            ));
        }
    };
    let mut changes = Vec::with_capacity(meta.len());
    for (key, value) in meta {
        if key.is_empty() {
            return Err(ApiError::body_error(F, "metadata: keys must not be empty"));
        }
        match value {
            Value::Null => changes.push((key.clone(), None)),
            Value::String(s) if s.chars().count() <= MAX_METADATA_VALUE => {
                changes.push((key.clone(), Some(s.clone())));
            }
            Value::String(s) => {
                return Err(ApiError::body_error(
                    F,
                    format!(
                        "metadata.{}: value longer than {MAX_METADATA_VALUE} characters (found {})",
                        truncate(key),
                        s.chars().count()
                    ),
                ));
            }
            other => {
                return Err(ApiError::body_error(
                    F,
                    format!(
                        "metadata.{}: expected a string or null, found {}",
                        truncate(key),
                        json_type(other)
                    ),
                ));
            }
        }
    }
    Ok(changes)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Serialize)]
struct MetadataBody<'a> {
    id: &'a str,
    metadata: &'a store::Metadata,
}

/// `PUT /v1/conversations/{id}`: metadata merge.
pub(crate) async fn put_metadata(
    id: String,
    state: AppState,
    creds: Credentials,
    content_type: Option<String>,
    body: Bytes,
) -> Response {
    respond((|| {
        authorize(&state, F, &creds, true)?;
        let id = decode_segment(&id);
        let obj = object_body(content_type.as_deref(), &body)?;
        let changes = metadata_changes(&obj)?;
        let metadata = write(&state)
            .update_metadata(&id, &changes)
            .map_err(store_error)?;
        Ok(crate::json_response(
            StatusCode::OK,
            &MetadataBody {
                id: &id,
                metadata: &metadata,
            },
        ))
    })())
}

/// `DELETE /v1/conversations/{id}`.
pub(crate) async fn delete(id: String, state: AppState, creds: Credentials) -> Response {
    respond((|| {
        authorize(&state, F, &creds, true)?;
        let id = decode_segment(&id);
        write(&state).delete(&id).map_err(store_error)?;
        Ok(crate::json_response(
            StatusCode::OK,
            &serde_json::json!({
                "message": format!("conversation `{}` deleted successfully", truncate(&id))
            }),
        ))
    })())
}

/// `GET /v1/conversations/{id}/members`.
pub(crate) async fn members(id: String, state: AppState, creds: Credentials) -> Response {
    respond((|| {
        authorize(&state, F, &creds, true)?;
        let id = decode_segment(&id);
        let members = read(&state)
            .members(&id)
            .ok_or_else(|| not_found_conversation(&id))?;
        // Typed to the end: a `serde_json::Value` would sort the keys
        // (`email,id,name`); `Member` writes `id,name,email`.
        Ok(crate::json_response(
            StatusCode::OK,
            &std::collections::BTreeMap::from([("members", members)]),
        ))
    })())
}

/// The member of a member PUT body (`api.md` §2.2, A-15). `email` absent or
/// `null` keeps the member's current e-mail.
fn member_update(
    path_member: &str,
    body: &serde_json::Map<String, Value>,
) -> Result<(String, Option<String>), ApiError> {
    let field = |name: &str| -> Result<Option<&str>, ApiError> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(ApiError::body_error(
                F,
                format!(
                    "body: `{name}` must be a string, found {}",
                    json_type(other)
                ),
            )),
        }
    };
    let id = field("id")?.ok_or_else(|| ApiError::body_error(F, "body: missing `id`"))?;
    if id != path_member {
        return Err(ApiError::body_error(
            F,
            format!(
                "body: `id` `{}` does not match the member id `{}` in the path",
                truncate(id),
                truncate(path_member)
            ),
        ));
    }
    let name = field("name")?.unwrap_or("");
    if name.trim().is_empty() {
        return Err(ApiError::body_error(
            F,
            "body: `name` must be a non-empty string",
        ));
    }
    let email = field("email")?;
    if let Some(e) = email
        && !store::is_valid_email(e)
    {
        return Err(ApiError::body_error(
            F,
            format!("body: `email` is not an e-mail address: `{}`", truncate(e)),
        ));
    }
    Ok((name.to_owned(), email.map(str::to_owned)))
}

/// `PUT /v1/conversations/{id}/members/{memberId}`.
pub(crate) async fn put_member(
    id: String,
    member_id: String,
    state: AppState,
    creds: Credentials,
    content_type: Option<String>,
    body: Bytes,
) -> Response {
    respond((|| {
        authorize(&state, F, &creds, true)?;
        let id = decode_segment(&id);
        let member_id = decode_segment(&member_id);
        let obj = object_body(content_type.as_deref(), &body)?;
        let (name, email) = member_update(&member_id, &obj)?;
        let mut store = write(&state);
        let current = store
            .members(&id)
            .ok_or_else(|| not_found_conversation(&id))?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or_else(|| {
                store_error(StoreError::NotFound {
                    what: "member",
                    id: member_id.clone(),
                })
            })?;
        let email = email.or(current.email);
        store
            .update_member(
                &id,
                Member {
                    id: member_id.clone(),
                    name,
                    email,
                },
            )
            .map_err(store_error)?;
        drop(store);
        Ok(crate::json_response(
            StatusCode::OK,
            &serde_json::json!({
                "message": format!("member `{}` of conversation `{}` updated successfully", truncate(&member_id), truncate(&id))
            }),
        ))
    })())
}

/// `GET /v1/conversations/{id}/messages`.
pub(crate) async fn messages(
    id: String,
    state: AppState,
    creds: Credentials,
    query: String,
) -> Response {
    respond((|| {
        authorize(&state, F, &creds, true)?;
        let id = decode_segment(&id);
        let q = Params::parse(&query);
        let verbose = parse_bool("verbose", q.get("verbose"))?;
        let sentiment = parse_bool("sentiment", q.get("sentiment"))?;
        let store = read(&state);
        let msgs = store
            .messages(&id)
            .ok_or_else(|| not_found_conversation(&id))?;
        // Typed views keep Symbl's key order (a `serde_json::Value` sorts them).
        let out: Vec<_> = msgs.iter().map(|m| m.view(verbose, sentiment)).collect();
        let resp = crate::json_response(
            StatusCode::OK,
            &std::collections::BTreeMap::from([("messages", out)]),
        );
        drop(store);
        Ok(resp)
    })())
}

/// `verbose` / `sentiment` on the messages route: `true` or `false`, any case.
fn parse_bool(name: &'static str, raw: Option<&str>) -> Result<bool, ApiError> {
    match raw {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(ApiError::param(
            F,
            name,
            format!(
                "{name}: expected `true` or `false`, found `{}`",
                truncate(v)
            ),
        )),
    }
}

/// The insight lists Symbl clients call (`api.md` A-27): always empty here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insight {
    Topics,
    Questions,
    ActionItems,
    FollowUps,
}

impl Insight {
    pub(crate) fn from_segment(s: &str) -> Option<Insight> {
        match s {
            "topics" => Some(Insight::Topics),
            "questions" => Some(Insight::Questions),
            "action-items" => Some(Insight::ActionItems),
            "follow-ups" => Some(Insight::FollowUps),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Insight::Topics => "topics",
            Insight::Questions => "questions",
            Insight::ActionItems => "actionItems",
            Insight::FollowUps => "followUps",
        }
    }
}

/// `GET /v1/conversations/{id}/{topics,questions,action-items,follow-ups}`.
pub(crate) async fn insights(
    id: String,
    kind: Insight,
    state: AppState,
    creds: Credentials,
) -> Response {
    respond((|| {
        authorize(&state, F, &creds, true)?;
        let id = decode_segment(&id);
        if !read(&state).contains(&id) {
            return Err(not_found_conversation(&id));
        }
        let mut body = serde_json::Map::new();
        body.insert(kind.key().to_owned(), Value::Array(Vec::new()));
        Ok(crate::json_response(StatusCode::OK, &body))
    })())
}
