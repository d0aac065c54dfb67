//! The Symbl-compatible routes (`api.md` §2.2): every parameter rule, every
//! row of the validation catalogue, the time-window table (§1.5), paging
//! through `Link` ([`list`]), and the writes, where a failed PUT or DELETE
//! changes nothing ([`writes`]).

mod concurrency;
mod list;
mod semantics;
mod writes;

use crate::common::*;
use serde_json::Value;
use server::{AppState, Data};

pub(super) const SEED: u64 = 11;
pub(super) const N: usize = 2_000;
/// Covers every generated conversation (they are all in 2021).
pub(super) const ALL: &str = "startTime=2020-01-01T00:00:00Z";

pub(super) fn state() -> AppState {
    state_with(&[], Data::demo(SEED, N)).0
}

pub(super) fn ids(v: &Value) -> Vec<String> {
    v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Conversation `id` as the in-memory store holds it now.
pub(super) fn stored(s: &AppState, id: &str) -> store::Conversation {
    s.memory()
        .unwrap()
        .symbl()
        .try_read()
        .unwrap()
        .get(id)
        .unwrap()
}

/// The store's own answer for the same parameters.
pub(super) fn store_answer(s: &AppState, params: store::Params<'_>) -> (Vec<String>, usize) {
    let spec = store::QuerySpec::from_params(&params, NOW_MS).unwrap();
    let page = s
        .memory()
        .unwrap()
        .symbl()
        .try_read()
        .unwrap()
        .query(&spec)
        .unwrap();
    (
        page.items.iter().map(|c| c.id.clone()).collect(),
        page.total,
    )
}

pub(super) async fn list(s: &AppState, query: &str) -> Resp {
    get(&format!("/v1/conversations?{query}"))
        .auth()
        .send(s)
        .await
}

pub(super) async fn bad(s: &AppState, query: &str) -> Value {
    let r = list(s, query).await;
    assert_eq!(r.status, 400, "{query}: {}", r.text());
    r.json()
}
