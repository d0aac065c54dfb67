//! The Symbl-compatible conversation routes (family S, `api.md` §2.2).
//!
//! Every write validates the whole request before it reaches the storage,
//! and the storage's writes are all-or-nothing (a transaction on
//! PostgreSQL, one write-locked step in memory), so a failed PUT or DELETE
//! changes nothing. The handlers call only [`store::storage::Storage`]; how
//! a backend holds its locks and streams a large page is its own business
//! (`store/src/storage/memory.rs`).

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use warp::Reply;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use super::{authorize, require_json, respond, storage_error};
use crate::auth::Credentials;
use crate::error::{ApiError, ErrorKind, Family, truncate};
use crate::query::{Params, decode_segment};
use crate::state::AppState;
use store::storage::ListBody;
use store::{Member, StoreError, json_type};

const F: Family = Family::Symbl;

/// Longest metadata value, in characters (`api.md` §2.2).
pub(crate) const MAX_METADATA_VALUE: usize = 128;
/// Longest metadata key, in bytes (`api.md` §2.2); keys are never empty.
pub(crate) const MAX_METADATA_KEY_BYTES: usize = 128;
/// Longest member name a member PUT may set, in characters. `api.md` sets
/// none; without one a single PUT could set a name as long as the body
/// limit, copied into every message of that member (`from.name`).
pub(crate) const MAX_MEMBER_NAME: usize = 256;
/// Most metadata keys a conversation holds after a PUT's merge (`api.md` §2.2).
pub(crate) const MAX_METADATA_KEYS: usize = store::storage::MAX_METADATA_KEYS;
/// Most keys one PUT body's `metadata` may carry, `null`s included: 100 to
/// set and 100 to remove is every change that can leave a conversation
/// within [`MAX_METADATA_KEYS`], so a longer body is refused without a look
/// at the store, and its parse stops at the first key past this.
pub(crate) const MAX_BODY_METADATA_KEYS: usize = 2 * MAX_METADATA_KEYS;

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
    respond(list_inner(&state, &creds, &query).await)
}

/// What a `+` offset sent unencoded gets, in the message and in the
/// snippet's `help:` line.
const PLUS_HINT: &str = "a `+` in an offset must be sent as `%2B`";

/// The answer to a filter that failed to compile. When its text has a
/// timestamp offset's `+` turned into a space by form-decoding
/// (`…T10:00:00 02:00`), the error body is the usual one (message, code,
/// offset, snippet…) with the `%2B` hint the `startTime` parameter gives
/// appended to the message and as the snippet's `help:` line. Detected by
/// putting the `+` back: only when that filter compiles is the hint given.
/// `Ok` holds that 400 answer; other errors are `Err` as usual.
fn filter_error(state: &AppState, text: &str, e: StoreError) -> Result<Response, ApiError> {
    let StoreError::Filter(f) = e else {
        return Err(store_error(e));
    };
    let bytes = text.as_bytes();
    let mut fixed = bytes.to_vec();
    let mut found = false;
    for (i, b) in bytes.iter().enumerate() {
        let digit = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_digit);
        if *b == b' '
            && i > 0
            && digit(i - 1)
            && digit(i + 1)
            && digit(i + 2)
            && bytes.get(i + 3) == Some(&b':')
            && let Some(slot) = fixed.get_mut(i)
        {
            *slot = b'+';
            found = true;
        }
    }
    let snippet = f.snippet();
    let error = ApiError::new(F, ErrorKind::InvalidFilter(Box::new(f)));
    let hinted = found
        && String::from_utf8(fixed)
            .is_ok_and(|t| store::filter::compile_with(&state.parser, &t).is_ok());
    if !hinted {
        return Err(error);
    }
    // The body's own bytes, with the message and the snippet replaced, so
    // every other field (and their order) is the error's own.
    let message = error.to_string();
    let new_snippet = match snippet.rfind("help: ") {
        Some(at) => format!("{}help: {PLUS_HINT}", snippet.get(..at).unwrap_or_default()),
        None => format!("{snippet}\nhelp: {PLUS_HINT}"),
    };
    let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let body = String::from_utf8_lossy(&error.body_bytes())
        .replacen(
            &format!("\"message\":{}", json(&message)),
            &format!("\"message\":{}", json(&format!("{message} ({PLUS_HINT})"))),
            1,
        )
        .replacen(
            &format!("\"snippet\":{}", json(&snippet)),
            &format!("\"snippet\":{}", json(&new_snippet)),
            1,
        );
    Ok(crate::bytes_response(
        StatusCode::BAD_REQUEST,
        body.into_bytes(),
    ))
}

async fn list_inner(
    state: &AppState,
    creds: &Credentials,
    query: &str,
) -> Result<Response, ApiError> {
    authorize(state, F, creds, true).await?;
    let q = Params::parse(query);
    let sort = q.joined("sort");
    // `Params::get` already reads an empty value as an absent one (`api.md`
    // §2.0), so `Link` does not echo it either.
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
    let compiled = store::QuerySpec::from_params_with(&params, state.clock.now_ms(), |text| {
        state
            .filters
            .get_or_compile(text, |t| store::filter::compile_with(&state.parser, t))
    });
    let spec = match (compiled, params.filter) {
        (Ok(spec), _) => spec,
        (Err(e), Some(text)) => return filter_error(state, text, e),
        (Err(e), None) => return Err(store_error(e)),
    };
    let page = state
        .storage
        .list(spec.clone())
        .await
        .map_err(|e| storage_error(F, e))?;
    let total = page.total;
    let mut resp = match page.body {
        ListBody::Bytes(body) => crate::bytes_response(StatusCode::OK, body),
        ListBody::Stream(chunks) => {
            use futures_util::StreamExt;
            // An error after the head is sent: the body ends in error and
            // the connection is cut.
            let chunks = chunks.map(|c| {
                c.map(Bytes::from).inspect_err(|e| {
                    tracing::error!("a streamed list page failed after its head was sent: {e}");
                })
            });
            let mut resp = warp::reply::stream(chunks).into_response();
            resp.headers_mut().insert(
                warp::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
    };
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
    respond(
        async {
            authorize(&state, F, &creds, true).await?;
            let id = decode_segment(&id);
            let body = state
                .storage
                .get(&id)
                .await
                .map_err(|e| storage_error(F, e))?
                .ok_or_else(|| not_found_conversation(&id))?;
            Ok(crate::bytes_response(StatusCode::OK, body))
        }
        .await,
    )
}

fn not_found_conversation(id: &str) -> ApiError {
    store_error(StoreError::NotFound {
        what: "conversation",
        id: id.to_owned(),
    })
}

/// Reads a JSON object body strictly: duplicate keys refused, and no object
/// with more than [`MAX_BODY_METADATA_KEYS`] keys (the parse stops at the
/// first key past it). `metadata` says whether the body is a metadata PUT's,
/// for the message.
fn object_body(
    content_type: Option<&str>,
    body: &[u8],
    metadata: bool,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    use crate::jsonmap::StrictError;
    require_json(F, content_type)?;
    let v = crate::jsonmap::parse_strict_capped(body, MAX_BODY_METADATA_KEYS).map_err(|e| {
        let message = match e {
            StrictError::TooManyKeys { limit, key, path } if metadata && path == "metadata" => {
                format!(
                    "metadata: a body may carry at most {limit} keys, keys set to null included \
                 (at most {MAX_METADATA_KEYS} with a value), found more at key `{key}`"
                )
            }
            e @ StrictError::TooManyKeys { .. } => format!("body: {e}"),
            StrictError::Json(e) => format!("body: invalid JSON: {e}"),
        };
        ApiError::body_error(F, message)
    })?;
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::body_error(F, "body: expected a JSON object")),
    }
}

/// The changes of a metadata PUT body, validated (`api.md` §2.2, A-17, A-18).
///
/// Only `metadata` is accepted at the top level; its keys are 1–128 bytes,
/// its values strings of at most 128 characters, or `null` to remove the
/// key; at most 100 keys have a value. Neither may hold U+0000 (NUL), which
/// no filter could compare alike on every database (issue 14). (The count after the merge is checked
/// inside the storage's write, by [`store::storage::check_key_count`].)
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
            return Err(ApiError::body_error(
                F,
                format!(
                    "metadata: keys must be 1 to {MAX_METADATA_KEY_BYTES} bytes, found an empty key"
                ),
            ));
        }
        if key.len() > MAX_METADATA_KEY_BYTES {
            return Err(ApiError::body_error(
                F,
                format!(
                    "metadata: key `{}` is {} bytes; keys must be 1 to {MAX_METADATA_KEY_BYTES} bytes",
                    truncate(key),
                    key.len()
                ),
            ));
        }
        if key.contains('\0') {
            return Err(ApiError::body_error(
                F,
                format!(
                    "metadata: key `{}` contains U+0000 (NUL), which cannot be stored",
                    truncate(&shown_nul(key))
                ),
            ));
        }
        match value {
            Value::Null => changes.push((key.clone(), None)),
            Value::String(s) if s.contains('\0') => {
                return Err(ApiError::body_error(
                    F,
                    format!(
                        "metadata.{}: U+0000 (NUL) cannot appear in a value, found `{}`",
                        truncate(key),
                        truncate(&shown_nul(s))
                    ),
                ));
            }
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
    let mut set = changes.iter().filter(|(_, v)| v.is_some());
    if let Some((key, _)) = set.nth(MAX_METADATA_KEYS) {
        return Err(ApiError::body_error(
            F,
            format!(
                "metadata: at most {MAX_METADATA_KEYS} keys per conversation, the body sets {} \
                 (the {}st, in key order, is `{}`)",
                MAX_METADATA_KEYS + 1 + set.count(),
                MAX_METADATA_KEYS + 1,
                truncate(key)
            ),
        ));
    }
    Ok(changes)
}

/// `s` with each U+0000 written `\0`, for messages.
fn shown_nul(s: &str) -> String {
    s.replace('\0', "\\0")
}

/// 400 naming `name` when a member field holds U+0000 (NUL).
fn no_nul_member_field(name: &str, value: &str) -> Result<(), ApiError> {
    if !value.contains('\0') {
        return Ok(());
    }
    Err(ApiError::body_error(
        F,
        format!(
            "body: `{name}` cannot contain U+0000 (NUL), found `{}`",
            truncate(&shown_nul(value))
        ),
    ))
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
    content_type: Option<String>,
    body: Bytes,
) -> Response {
    respond(
        async {
            let id = decode_segment(&id);
            let obj = object_body(content_type.as_deref(), &body, true)?;
            let changes = metadata_changes(&obj)?;
            let metadata = state
                .storage
                .update_metadata(&id, changes)
                .await
                .map_err(|e| storage_error(F, e))?;
            Ok(crate::json_response(
                StatusCode::OK,
                &MetadataBody {
                    id: &id,
                    metadata: &metadata,
                },
            ))
        }
        .await,
    )
}

/// `DELETE /v1/conversations/{id}`.
pub(crate) async fn delete(id: String, state: AppState, creds: Credentials) -> Response {
    respond(
        async {
            authorize(&state, F, &creds, true).await?;
            let id = decode_segment(&id);
            state
                .storage
                .delete(&id)
                .await
                .map_err(|e| storage_error(F, e))?;
            Ok(crate::json_response(
                StatusCode::OK,
                &serde_json::json!({
                    "message": format!("conversation `{}` deleted successfully", truncate(&id))
                }),
            ))
        }
        .await,
    )
}

/// `GET /v1/conversations/{id}/members`.
pub(crate) async fn members(id: String, state: AppState, creds: Credentials) -> Response {
    respond(
        async {
            authorize(&state, F, &creds, true).await?;
            let id = decode_segment(&id);
            let members = state
                .storage
                .members(&id)
                .await
                .map_err(|e| storage_error(F, e))?
                .ok_or_else(|| not_found_conversation(&id))?;
            // Typed to the end: a `serde_json::Value` would sort the keys
            // (`email,id,name`); `Member` writes `id,name,email`.
            Ok(crate::json_response(
                StatusCode::OK,
                &std::collections::BTreeMap::from([("members", members)]),
            ))
        }
        .await,
    )
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
    no_nul_member_field("id", id)?;
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
    no_nul_member_field("name", name)?;
    if name.trim().is_empty() {
        return Err(ApiError::body_error(
            F,
            "body: `name` must be a non-empty string",
        ));
    }
    let chars = name.chars().count();
    if chars > MAX_MEMBER_NAME {
        return Err(ApiError::body_error(
            F,
            format!("body: `name` is longer than {MAX_MEMBER_NAME} characters (found {chars})"),
        ));
    }
    let email = field("email")?;
    if let Some(e) = email {
        no_nul_member_field("email", e)?;
    }
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
    content_type: Option<String>,
    body: Bytes,
) -> Response {
    respond(async {
        let id = decode_segment(&id);
        let member_id = decode_segment(&member_id);
        let obj = object_body(content_type.as_deref(), &body, false)?;
        let (name, email) = member_update(&member_id, &obj)?;
        state
            .storage
            .update_member(
                &id,
                Member {
                    id: member_id.clone(),
                    name,
                    email,
                },
            )
            .await
            .map_err(|e| storage_error(F, e))?;
        Ok(crate::json_response(
            StatusCode::OK,
            &serde_json::json!({
                "message": format!("member `{}` of conversation `{}` updated successfully", truncate(&member_id), truncate(&id))
            }),
        ))
    }.await)
}

/// `GET /v1/conversations/{id}/messages`.
pub(crate) async fn messages(
    id: String,
    state: AppState,
    creds: Credentials,
    query: String,
) -> Response {
    respond(
        async {
            authorize(&state, F, &creds, true).await?;
            let id = decode_segment(&id);
            let q = Params::parse(&query);
            let verbose = parse_bool("verbose", q.get("verbose"))?;
            let sentiment = parse_bool("sentiment", q.get("sentiment"))?;
            let msgs = state
                .storage
                .messages(&id)
                .await
                .map_err(|e| storage_error(F, e))?
                .ok_or_else(|| not_found_conversation(&id))?;
            // Typed views keep Symbl's key order (a `serde_json::Value` sorts them).
            let out: Vec<_> = msgs.iter().map(|m| m.view(verbose, sentiment)).collect();
            Ok(crate::json_response(
                StatusCode::OK,
                &std::collections::BTreeMap::from([("messages", out)]),
            ))
        }
        .await,
    )
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
    respond(
        async {
            authorize(&state, F, &creds, true).await?;
            let id = decode_segment(&id);
            let exists = state
                .storage
                .contains(&id)
                .await
                .map_err(|e| storage_error(F, e))?;
            if !exists {
                return Err(not_found_conversation(&id));
            }
            let mut body = serde_json::Map::new();
            body.insert(kind.key().to_owned(), Value::Array(Vec::new()));
            Ok(crate::json_response(StatusCode::OK, &body))
        }
        .await,
    )
}
