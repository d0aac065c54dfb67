//! `GET /get-all-conversations` (family M, `api.md` §2.3).

use bytes::Bytes;
use serde_json::{Map, Value};
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use super::{optional_uint, respond, storage_error};
use crate::error::{ApiError, Family};
use crate::query::Params;
use crate::state::AppState;

const F: Family = Family::Mongo;

pub(crate) async fn get_all(state: AppState, query: String, body: Option<Bytes>) -> Response {
    respond(get_all_inner(&state, &query, body.as_deref()).await)
}

/// Where a parameter came from; the query string wins (api.md A-19).
struct Sources<'a> {
    query: &'a Params<'a>,
    body: Option<&'a Map<String, Value>>,
}

impl Sources<'_> {
    /// The first of `names` found in the query string, else in the body.
    fn get(&self, names: &[&'static str]) -> Result<Option<(&'static str, String)>, ApiError> {
        for n in names {
            if let Some(v) = self.query.get(n) {
                return Ok(Some((n, v.to_owned())));
            }
        }
        let Some(body) = self.body else {
            return Ok(None);
        };
        for n in names {
            match body.get(*n) {
                // An empty string is an absent parameter, as in the query
                // string (`user_id=`).
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if s.is_empty() => {}
                Some(Value::String(s)) => return Ok(Some((n, s.clone()))),
                Some(_) => {
                    return Err(ApiError::body_error(
                        F,
                        format!("{n}: expected a string in the JSON body"),
                    ));
                }
            }
        }
        Ok(None)
    }
}

/// The `envelope=lambda` body: an AWS Lambda proxy response (keys in the
/// order serde_json's map gives them: alphabetical).
#[derive(serde::Serialize)]
struct Lambda<'a> {
    body: &'a [store::storage::RawJson],
    headers: LambdaHeaders,
    #[serde(rename = "statusCode")]
    status_code: u16,
}

#[derive(serde::Serialize)]
struct LambdaHeaders {
    #[serde(rename = "Content-Type")]
    content_type: &'static str,
}

/// The collection when none is named (`api.md` A-19).
const DEFAULT_COLLECTION: &str = "conversations";

/// A validated request: what the storage is asked for, and the envelope.
struct Request {
    database: String,
    collection: String,
    user_id: Option<String>,
    skip: usize,
    limit: Option<usize>,
    lambda: bool,
}

async fn get_all_inner(
    state: &AppState,
    query: &str,
    body: Option<&[u8]>,
) -> Result<Response, ApiError> {
    let Request {
        database,
        collection,
        user_id,
        skip,
        limit,
        lambda,
    } = request(query, body)?;
    let found = state
        .storage
        .mongo_find(&database, &collection, user_id.as_deref(), skip, limit)
        .await
        .map_err(|e| storage_error(F, e))?;
    let total = found.total;
    let page = found.docs;
    let mut resp = if lambda {
        crate::json_response(
            StatusCode::OK,
            &Lambda {
                body: &page,
                headers: LambdaHeaders {
                    content_type: "application/json",
                },
                status_code: 200,
            },
        )
    } else {
        crate::json_response(StatusCode::OK, &page)
    };
    let h = resp.headers_mut();
    h.insert(crate::names::X_TOTAL_COUNT, HeaderValue::from(total));
    // Paged (`limit` given): `Link` as on the other list routes
    // (`api.md` §2.0), each URL the whole request in its query string (the
    // parameters may have come from the body).
    if let Some(limit) = limit {
        let mut params = vec![("organization_id", database.as_str())];
        if collection != DEFAULT_COLLECTION {
            params.push(("collection", collection.as_str()));
        }
        if let Some(u) = &user_id {
            params.push(("user_id", u.as_str()));
        }
        if lambda {
            params.push(("envelope", "lambda"));
        }
        let links = crate::link::offset_links_named(
            "/get-all-conversations",
            &params,
            limit as u64,
            ("skip", skip as u64),
            total as u64,
        );
        if let Ok(v) = HeaderValue::from_str(&links) {
            h.insert(warp::http::header::LINK, v);
        }
    }
    Ok(resp)
}

/// Reads and validates the parameters (query string first, then the body).
fn request(query: &str, body: Option<&[u8]>) -> Result<Request, ApiError> {
    let params = Params::parse(query);
    let body_value = match body {
        Some(b) if !b.iter().all(u8::is_ascii_whitespace) => Some(
            crate::jsonmap::parse_strict(b)
                .map_err(|e| ApiError::body_error(F, format!("body: invalid JSON: {e}")))?,
        ),
        _ => None,
    };
    let body_obj = match &body_value {
        None => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err(ApiError::body_error(F, "body: expected a JSON object")),
    };
    let src = Sources {
        query: &params,
        body: body_obj,
    };

    let (db_name, database) = src.get(&["organization_id", "database"])?.ok_or_else(|| {
        ApiError::param(
            F,
            "organization_id",
            "organization_id: missing (send `organization_id`, or its alias `database`, in the query string or a JSON body)",
        )
    })?;
    store::families::mongo::validate_database_name(&database).map_err(|e| {
        ApiError::param(
            F,
            "organization_id",
            format!(
                "{db_name}: invalid database name `{}`: {e}",
                crate::error::truncate(&database)
            ),
        )
    })?;
    let collection = src
        .get(&["collection"])?
        .map_or_else(|| DEFAULT_COLLECTION.to_owned(), |(_, c)| c);
    store::families::mongo::validate_collection_name(&collection).map_err(|e| {
        ApiError::param(
            F,
            "collection",
            format!(
                "collection: invalid collection name `{}`: {e}",
                crate::error::truncate(&collection)
            ),
        )
    })?;
    let user_id = src.get(&["user_id"])?.map(|(_, u)| u);
    let limit = optional_uint(F, &params, "limit", 1, 10_000)?;
    let skip = optional_uint(F, &params, "skip", 0, u64::from(u32::MAX))?;
    let lambda = match params.get("envelope") {
        None => false,
        Some("lambda") => true,
        Some(other) => {
            return Err(ApiError::param(
                F,
                "envelope",
                format!(
                    "envelope: expected `lambda`, found `{}`",
                    crate::error::truncate(other)
                ),
            ));
        }
    };

    Ok(Request {
        database,
        collection,
        user_id,
        skip: usize::try_from(skip.unwrap_or(0)).unwrap_or(usize::MAX),
        limit: limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
        lambda,
    })
}
