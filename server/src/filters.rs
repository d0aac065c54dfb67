//! The warp filters: one function per route family, path first and method
//! second, then only extractors that cannot fail on their own (raw query,
//! optional headers, a size-limited body), so that once a route's path and
//! method match, the handler alone decides the answer. Handlers never reject:
//! they return a `Response` (an `ApiError` renders itself). The last branch,
//! [`unmatched`], always rejects with the request's path and method so that
//! `handle_rejection` can answer 404 or 405 in the right envelope.

use std::convert::Infallible;

use bytes::{Buf, Bytes, BytesMut};
use futures_util::StreamExt;
use warp::Filter;
use warp::http::Method;
use warp::reject::Rejection;
use warp::reply::Response;

use crate::auth::Credentials;
use crate::error::{ApiError, ErrorKind, Family, Unmatched};
use crate::handlers;
use crate::ratelimit::{ClientAddr, Decision};
use crate::state::AppState;

/// Every route, then the catch-all that turns a miss into 404/405.
pub(crate) fn api(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    service(state.clone())
        .or(symbl(state.clone()))
        .unify()
        .or(mongo(state.clone()))
        .unify()
        .or(whatsapp(state.clone()))
        .unify()
        .or(chatbot(state))
        .unify()
        .or(unmatched())
        .unify()
}

fn with_state(state: AppState) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// The raw query string, empty when there is none.
fn raw_query() -> impl Filter<Extract = (String,), Error = Infallible> + Clone {
    warp::query::raw().or_else(|_| async { Ok::<_, Infallible>((String::new(),)) })
}

/// `Authorization` and `x-api-key`, as sent.
fn credentials() -> impl Filter<Extract = (Credentials,), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and(warp::header::optional::<String>("x-api-key"))
        .map(|authorization, api_key| Credentials {
            authorization,
            api_key,
        })
}

/// Passes only a request with a valid token, else rejects with 401 in
/// `family`'s envelope (`handlers::authorize`). Routes with a body put it
/// before [`body`], so the body of a client without a token is never read,
/// nor held in memory.
fn authorized(
    state: AppState,
    family: Family,
    allow_api_key: bool,
) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    credentials()
        .and_then(move |creds: Credentials| {
            let state = state.clone();
            async move {
                handlers::authorize(&state, family, &creds, allow_api_key)
                    .await
                    .map_err(warp::reject::custom)
            }
        })
        .untuple_one()
}

/// The request body, at most `limit` bytes (413 in
/// `family`'s envelope above it, whether announced by `Content-Length` or not).
fn body(
    limit: usize,
    family: Family,
) -> impl Filter<Extract = (Bytes,), Error = Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |len: Option<u64>, stream| read_limited(len, stream, limit, family))
}

/// `GET`, or `HEAD` on the same route (`api.md` §2.0: the same status and
/// headers, no body; `crate::finish` drops the body).
fn get_or_head() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::get().or(warp::head()).unify()
}

fn content_type() -> impl Filter<Extract = (Option<String>,), Error = Rejection> + Clone {
    warp::header::optional::<String>("content-type")
}

/// `/healthz`, `/readyz` and `/openapi.json`.
fn service(state: AppState) -> warp::filters::BoxedFilter<(Response,)> {
    let health = warp::path!("healthz")
        .and(get_or_head())
        .map(handlers::service::health);
    let ready = warp::path!("readyz")
        .and(get_or_head())
        .and(with_state(state.clone()))
        .then(handlers::service::ready);
    let openapi = warp::path!("openapi.json")
        .and(get_or_head())
        .and(with_state(state))
        .map(handlers::service::openapi);
    health.or(ready).unify().or(openapi).unify().boxed()
}

/// Family S: `/oauth2/token:generate` and `/v1/conversations…`.
fn symbl(state: AppState) -> warp::filters::BoxedFilter<(Response,)> {
    let s = || with_state(state.clone());
    let token = warp::path!("oauth2" / "token:generate")
        .and(warp::post())
        .and(s())
        .and(content_type())
        .and(body(state.config.body_limit, Family::Symbl))
        .then(handlers::oauth::generate);
    let list = warp::path!("v1" / "conversations")
        .and(get_or_head())
        .and(s())
        .and(credentials())
        .and(raw_query())
        .then(handlers::symbl::list);
    let get = warp::path!("v1" / "conversations" / String)
        .and(get_or_head())
        .and(s())
        .and(credentials())
        .then(handlers::symbl::get);
    let put = warp::path!("v1" / "conversations" / String)
        .and(warp::put())
        .and(s())
        .and(authorized(state.clone(), Family::Symbl, true))
        .and(content_type())
        .and(body(state.config.body_limit, Family::Symbl))
        .then(handlers::symbl::put_metadata);
    let delete = warp::path!("v1" / "conversations" / String)
        .and(warp::delete())
        .and(s())
        .and(credentials())
        .then(handlers::symbl::delete);
    let members = warp::path!("v1" / "conversations" / String / "members")
        .and(get_or_head())
        .and(s())
        .and(credentials())
        .then(handlers::symbl::members);
    let member_put = warp::path!("v1" / "conversations" / String / "members" / String)
        .and(warp::put())
        .and(s())
        .and(authorized(state.clone(), Family::Symbl, true))
        .and(content_type())
        .and(body(state.config.body_limit, Family::Symbl))
        .then(handlers::symbl::put_member);
    let messages = warp::path!("v1" / "conversations" / String / "messages")
        .and(get_or_head())
        .and(s())
        .and(credentials())
        .and(raw_query())
        .then(handlers::symbl::messages);
    let insights = warp::path!("v1" / "conversations" / String / String)
        .and(get_or_head())
        .and_then(|id: String, what: String| async move {
            match handlers::symbl::Insight::from_segment(&what) {
                Some(kind) => Ok((id, kind)),
                None => Err(warp::reject::not_found()),
            }
        })
        .untuple_one()
        .and(s())
        .and(credentials())
        .then(handlers::symbl::insights);
    list.or(token)
        .unify()
        .or(get)
        .unify()
        .or(put)
        .unify()
        .or(delete)
        .unify()
        .or(members)
        .unify()
        .or(member_put)
        .unify()
        .or(messages)
        .unify()
        .or(insights)
        .unify()
        .boxed()
}

/// Family M: `/get-all-conversations`.
fn mongo(state: AppState) -> warp::filters::BoxedFilter<(Response,)> {
    warp::path!("get-all-conversations")
        .and(get_or_head())
        .and(with_state(state.clone()))
        .and(authorized(state.clone(), Family::Mongo, false))
        .and(raw_query())
        .and(json_body_if_declared(state.config.body_limit))
        .then(handlers::mongo::get_all)
        .boxed()
}

/// The Mongo route's body (`api.md` §2.3): read only when its
/// `Content-Type` says JSON (`application/json`, parameters and `+json`
/// types included), under the body limit (413 above it); a body of another
/// type, or of none, is not read and the request is answered from its
/// query string. An empty body is no body.
fn json_body_if_declared(
    limit: usize,
) -> impl Filter<Extract = (Option<Bytes>,), Error = Rejection> + Clone {
    content_type()
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .and_then(
            move |ctype: Option<String>, len: Option<u64>, stream| async move {
                if !ctype.as_deref().is_some_and(handlers::is_json_content_type) {
                    return Ok(None);
                }
                let body = read_limited(len, stream, limit, Family::Mongo).await?;
                Ok::<_, Rejection>((!body.is_empty()).then_some(body))
            },
        )
}

/// Reads a body of at most `limit` bytes: 413 in `family`'s envelope when
/// its announced length (`Content-Length`) is over it, before reading, or
/// once the bytes read pass it.
async fn read_limited<S, B>(
    announced: Option<u64>,
    stream: S,
    limit: usize,
    family: Family,
) -> Result<Bytes, Rejection>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    if announced.is_some_and(|l| l > limit as u64) {
        return Err(warp::reject::custom(ApiError::new(
            family,
            ErrorKind::PayloadTooLarge { limit },
        )));
    }
    let mut stream = Box::pin(stream);
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let mut chunk = chunk.map_err(|e| {
            warp::reject::custom(ApiError::body_error(
                family,
                format!("could not read the request body: {e}"),
            ))
        })?;
        if buf.len() + chunk.remaining() > limit {
            return Err(warp::reject::custom(ApiError::new(
                family,
                ErrorKind::PayloadTooLarge { limit },
            )));
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            buf.extend_from_slice(part);
            chunk.advance(n);
        }
    }
    Ok(buf.freeze())
}

/// Family W: `/api/conversations` and its two aliases.
fn whatsapp(state: AppState) -> warp::filters::BoxedFilter<(Response,)> {
    let paths = warp::path!("api" / "conversations")
        .or(warp::path!("api" / "get-conversations"))
        .unify()
        .or(warp::path!("api" / "get-conversations.php"))
        .unify();
    paths
        .and(get_or_head())
        .and(with_state(state))
        .and(credentials())
        .and(raw_query())
        .then(handlers::whatsapp::list)
        .boxed()
}

/// Family C: `/v1/api/conversation-messages/:id`.
fn chatbot(state: AppState) -> warp::filters::BoxedFilter<(Response,)> {
    warp::path!("v1" / "api" / "conversation-messages" / String)
        .and(get_or_head())
        .and(with_state(state))
        .and(credentials())
        .and(raw_query())
        .then(handlers::chatbot::messages)
        .boxed()
}

/// Always rejects, carrying the path and method for `handle_rejection`.
fn unmatched() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::method().and(warp::path::full()).and_then(
        |method: Method, path: warp::path::FullPath| async move {
            Err::<Response, _>(warp::reject::custom(Unmatched {
                path: path.as_str().to_owned(),
                method,
            }))
        },
    )
}

/// A request the limiter refused, with its decision for the headers.
#[derive(Debug)]
pub(crate) struct Limited {
    family: Family,
    decision: Decision,
}

impl warp::reject::Reject for Limited {}

/// The limiter in front of the routes: rejects with [`Limited`] when the
/// client is over its budget; otherwise passes on its decision for the
/// headers (`None` when the limiter is off).
pub(crate) fn rate_limit(
    state: AppState,
) -> impl Filter<Extract = (Option<Decision>,), Error = Rejection> + Clone {
    warp::ext::optional::<ClientAddr>()
        .and(warp::path::full())
        .and_then(
            move |addr: Option<ClientAddr>, path: warp::path::FullPath| {
                let state = state.clone();
                async move {
                    let Some(limiter) = &state.limiter else {
                        return Ok(None);
                    };
                    let decision = limiter.check(addr.map(|ClientAddr(a)| a.ip()));
                    if decision.allowed {
                        Ok(Some(decision))
                    } else {
                        Err(warp::reject::custom(Limited {
                            family: Family::of_path(path.as_str()),
                            decision,
                        }))
                    }
                }
            },
        )
}

/// The 429 of a [`Limited`] rejection, with every `RateLimit-*` header and
/// `Retry-After`; any other rejection goes to `handle_rejection`.
pub(crate) async fn recover_limited(rejection: Rejection) -> Result<Response, Infallible> {
    if let Some(l) = rejection.find::<Limited>() {
        let resp = ApiError::new(
            l.family,
            ErrorKind::RateLimited {
                retry_after: l.decision.retry_after_secs,
                limit: l.decision.limit,
            },
        )
        .into_response();
        return Ok(add_rate_headers(Some(l.decision), resp));
    }
    crate::error::handle_rejection(rejection).await
}

/// Adds the `RateLimit-*` headers when the limiter is on.
pub(crate) fn add_rate_headers(decision: Option<Decision>, mut resp: Response) -> Response {
    if let Some(d) = decision {
        let h = resp.headers_mut();
        h.insert("ratelimit-limit", d.limit.into());
        h.insert("ratelimit-remaining", d.remaining.into());
        h.insert("ratelimit-reset", d.reset_secs.into());
    }
    resp
}
