//! The reads: the list route (filter, window, sort, paging from one
//! snapshot), a conversation by id, its messages, a token's expiry.

use std::fmt::Write as _;

use deadpool_postgres::{GenericClient, Object};
use futures_util::StreamExt;
use rsql::SqlOptions;
use tokio_postgres::IsolationLevel;
use tokio_postgres::types::ToSql;

use super::PgStorage;
use super::error::{self, BACKEND, bad_row};
use super::list_cache::QueryKey;
use super::messages;
use crate::render::{LIST_CLOSE, LIST_OPEN};
use crate::storage::{CHUNK_ROWS, ListBody, ListPage, ONE_BUFFER_ROWS, Result, StorageError};
use crate::{Conversation, Message, QuerySpec};

/// The longest statement kept in a connection's statement cache. PostgreSQL
/// holds a prepared statement's text and plan for as long as the connection
/// lives, and the cache keeps [`PgOptions::statement_cache`] of them per
/// connection: a filter's statement is usually a few hundred bytes, but an
/// 8 KiB filter of numeric metadata comparisons emits about 250 KB, and 256
/// such statements on each of 16 connections would hold a gigabyte on the
/// database. A longer statement is prepared for its one use (and closed
/// when it is dropped).
///
/// [`PgOptions::statement_cache`]: super::PgOptions::statement_cache
pub(crate) const MAX_CACHED_STATEMENT: usize = 16 * 1024;

/// `sql` prepared on `client`: from or into the connection's statement
/// cache up to [`MAX_CACHED_STATEMENT`] bytes, for this use only past it.
async fn prepare(
    client: &impl GenericClient,
    sql: &str,
) -> std::result::Result<tokio_postgres::Statement, tokio_postgres::Error> {
    if sql.len() <= MAX_CACHED_STATEMENT {
        client.prepare_cached(sql).await
    } else {
        client.prepare(sql).await
    }
}

/// The list route's two statements and their parameters.
struct ListSql {
    count: String,
    /// The count's key in [`ListCache`](super::list_cache::ListCache)
    /// (`None`: the cache is off, or a parameter it cannot key).
    key: Option<QueryKey>,
    /// The page's key (for `limit = 0`, the empty statement: every such
    /// page is the same empty list).
    page_key: Option<QueryKey>,
    page: Option<String>,
    window: Option<[i64; 2]>,
    params: Vec<rsql::SqlParam>,
}

/// The statements of `spec`: `WHERE` = the window (parameters `$1`, `$2`)
/// and the filter as rsql emits it (its parameters numbered after the
/// window's); `ORDER BY` = the sort as rsql emits it; `LIMIT`/`OFFSET`
/// literals. No page statement for `limit = 0`. With `cached` (the list
/// cache on), each page row also holds the snapshot's write generation (an
/// init plan, run once), so the page and its generation come in one
/// statement, and the statements get their cache keys.
fn list_sql(spec: &QuerySpec, cached: bool) -> Result<ListSql> {
    let emit = |e: rsql::EmitError| {
        StorageError::internal(BACKEND, format!("emitting the query's SQL: {e}"))
    };
    let mut conditions = Vec::new();
    let window = spec.window.map(|w| [w.start, w.end]);
    if window.is_some() {
        // A running conversation is tested on its start; `end_ms ≥ start_ms`
        // always (the loader and the parser reject the rest), so the bound
        // on `start_ms` alone lets the start index serve the window.
        conditions.push(
            "c.start_ms >= $1 AND c.start_ms <= $2 AND coalesce(c.end_ms, c.start_ms) <= $2"
                .to_owned(),
        );
    }
    let first = if window.is_some() { 3 } else { 1 };
    let opts = SqlOptions::postgres().with_first_placeholder(first);
    let mut params = Vec::new();
    if let Some(filter) = &spec.filter {
        let w = filter.to_sql(&opts).map_err(emit)?;
        conditions.push(w.sql);
        params = w.params;
    }
    let mut where_ = String::new();
    for (i, c) in conditions.iter().enumerate() {
        where_.push_str(if i == 0 { " WHERE (" } else { " AND (" });
        where_.push_str(c);
        where_.push(')');
    }
    // Without a filter, a window that covers every row (the earliest start
    // at or after its start, the latest end at or before its end: two index
    // probes) is counted from `conversation_count`; so is no window at all.
    // Only the branch taken runs (uncorrelated subqueries are init plans,
    // run when first needed).
    let count = match (&spec.filter, window) {
        (None, None) => "SELECT n FROM conversation_count".to_owned(),
        (None, Some(_)) => format!(
            "SELECT CASE WHEN (SELECT min(start_ms) FROM conversations) >= $1 \
             AND (SELECT max(coalesce(end_ms, start_ms)) FROM conversations) <= $2 \
             THEN (SELECT n FROM conversation_count) \
             ELSE (SELECT count(*) FROM conversations c{where_}) END"
        ),
        (Some(_), _) => format!("SELECT count(*) FROM conversations c{where_}"),
    };
    let key = cached
        .then(|| QueryKey::new(&count, window, &params))
        .flatten();
    let page = if spec.limit == 0 {
        None
    } else {
        let order = spec.sort.as_rsql().to_sql(&opts).map_err(emit)?;
        let columns = if cached {
            format!("c.doc, ({GENERATION})")
        } else {
            "c.doc".to_owned()
        };
        let mut page = format!("SELECT {columns} FROM conversations c{where_} ORDER BY {order}");
        let _ = write!(page, " LIMIT {}", spec.limit);
        if spec.offset > 0 {
            let _ = write!(page, " OFFSET {}", spec.offset);
        }
        Some(page)
    };
    let page_key = cached
        .then(|| QueryKey::new(page.as_deref().unwrap_or(""), window, &params))
        .flatten();
    Ok(ListSql {
        count,
        key,
        page_key,
        page,
        window,
        params,
    })
}

impl ListSql {
    /// The statements' parameters: the window's, then the filter's.
    fn bound(&self) -> Vec<&(dyn ToSql + Sync)> {
        let mut bound: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(self.params.len() + 2);
        if let Some(w) = &self.window {
            bound.push(&w[0]);
            bound.push(&w[1]);
        }
        bound.extend(self.params.iter().map(|p| p as &(dyn ToSql + Sync)));
        bound
    }
}

/// `GET /v1/conversations`: the total and the page from one snapshot. A
/// page of more than [`ONE_BUFFER_ROWS`] rows is streamed from a cursor
/// ([`list_streamed`]). A query asked again with no write since is
/// answered from [`PgStorage`]'s list cache after one statement (the
/// write generation); a query already being read by another request waits
/// for that read, then looks again (so a burst of the same new query reads
/// the database once); otherwise [`read_page`].
pub(crate) async fn list(s: &PgStorage, spec: &QuerySpec) -> Result<ListPage> {
    let cache = s.list_cache();
    // Pages are kept only with totals: `counts_enabled` is the cache on.
    let sql = list_sql(spec, cache.counts_enabled())?;
    if spec.limit > ONE_BUFFER_ROWS
        && let Some(page) = &sql.page
    {
        return list_streamed(s, &sql, page).await;
    }
    let Some(page_key) = sql
        .page_key
        .as_ref()
        .filter(|_| cache.pages_enabled() && sql.key.is_some())
    else {
        return read_page(s, &sql, None).await;
    };
    if cache.holds_page(page_key)
        && let Some(kept) = kept(s, &sql, page_key).await?
    {
        return Ok(kept);
    }
    let flight = cache.join_flight(page_key).await;
    if flight.is_none()
        && let Some(kept) = kept(s, &sql, page_key).await?
    {
        return Ok(kept);
    }
    let page = read_page(s, &sql, Some(page_key)).await;
    drop(flight);
    page
}

/// The page and total of `page_key` kept for the database's present write
/// generation (one statement), if any.
async fn kept(s: &PgStorage, sql: &ListSql, page_key: &QueryKey) -> Result<Option<ListPage>> {
    let Some(key) = &sql.key else {
        return Ok(None);
    };
    let client = s.client().await?;
    let generation = generation(&client).await?;
    let cache = s.list_cache();
    Ok(cache
        .page(page_key, generation)
        .zip(cache.count(key, generation))
        .map(|(body, total)| ListPage {
            total,
            body: ListBody::Bytes(body.to_vec()),
        }))
}

/// The page and its total from one `REPEATABLE READ` snapshot: the page
/// (with the snapshot's write generation), then the total (kept, or
/// counted and kept); the page is kept under `page_key`.
async fn read_page(s: &PgStorage, sql: &ListSql, page_key: Option<&QueryKey>) -> Result<ListPage> {
    let bound = sql.bound();
    let cache = s.list_cache();
    let mut client = s.client().await?;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(|e| error::db("BEGIN", &e))?;
    let rows = match &sql.page {
        Some(page) => {
            let stmt = prepare(&tx, page)
                .await
                .map_err(|e| error::db("preparing the page", &e))?;
            tx.query(&stmt, &bound)
                .await
                .map_err(|e| error::db("reading the page", &e))?
        }
        None => Vec::new(),
    };
    let generation = match rows.first() {
        _ if !cache.counts_enabled() => None,
        Some(row) => Some(
            row.try_get(1)
                .map_err(|e| bad_row("the page's write generation", e))?,
        ),
        None => Some(generation(&tx).await?),
    };
    let total = total(s, &tx, sql, &bound, generation).await?;
    let mut body = Vec::with_capacity(64 + rows.len() * 800);
    body.extend_from_slice(LIST_OPEN);
    write_docs(&rows, 0, &mut body)?;
    body.extend_from_slice(LIST_CLOSE);
    tx.commit().await.map_err(|e| error::db("COMMIT", &e))?;
    if let (Some(page_key), Some(generation)) = (page_key, generation) {
        cache.put_page(*page_key, generation, &body);
    }
    Ok(ListPage {
        total,
        body: ListBody::Bytes(body),
    })
}

/// The cursor of a streamed page (one per transaction).
const DECLARE: &str = "DECLARE rsql_page NO SCROLL CURSOR FOR ";

/// A pooled connection inside a transaction of its own. It goes back to
/// the pool only through [`InTransaction::release`], after the transaction
/// ended; dropped otherwise (a client that went away mid-page, an error),
/// the connection is closed instead, so PostgreSQL rolls the transaction
/// back and no other request ever gets a connection in mid-transaction.
struct InTransaction(Option<Object>);

impl InTransaction {
    fn client(&self) -> Result<&Object> {
        self.0
            .as_ref()
            .ok_or_else(|| StorageError::internal(BACKEND, "a released connection was used"))
    }

    /// Commits and hands the connection back to the pool.
    async fn release(mut self) -> Result<()> {
        self.client()?
            .batch_execute("COMMIT")
            .await
            .map_err(|e| error::db("COMMIT", &e))?;
        drop(self.0.take());
        Ok(())
    }
}

impl Drop for InTransaction {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            drop(Object::take(object));
        }
    }
}

/// The rows of the next `FETCH` from the page's cursor, rendered after the
/// `written` rows before them; the number of rows.
async fn fetch_chunk(
    client: &Object,
    fetch: &tokio_postgres::Statement,
    written: usize,
    out: &mut Vec<u8>,
) -> Result<usize> {
    let rows = client
        .query(fetch, &[])
        .await
        .map_err(|e| error::db("reading the page", &e))?;
    write_docs(&rows, written, out)?;
    Ok(rows.len())
}

/// The write generation of the snapshot (see `list_cache.rs`).
const GENERATION: &str = "SELECT sum(n)::bigint FROM write_generation";

/// The write generation of `client`'s snapshot (its transaction's, or the
/// statement's own outside one).
async fn generation(client: &impl GenericClient) -> Result<i64> {
    let stmt = client
        .prepare_cached(GENERATION)
        .await
        .map_err(|e| error::db("preparing the generation read", &e))?;
    client
        .query_one(&stmt, &[])
        .await
        .map_err(|e| error::db("reading the write generation", &e))?
        .try_get(0)
        .map_err(|e| bad_row("write_generation", e))
}

/// The matches' total in the transaction `client` is in, whose snapshot's
/// write generation is `generation` (`None`: not read, count): from the
/// list cache when it holds the query's count for that generation, counted
/// (and kept) otherwise.
async fn total(
    s: &PgStorage,
    client: &impl GenericClient,
    sql: &ListSql,
    bound: &[&(dyn ToSql + Sync)],
    generation: Option<i64>,
) -> Result<usize> {
    let cache = s.list_cache();
    let (Some(key), Some(generation)) = (sql.key.as_ref(), generation) else {
        return count(client, sql, bound).await;
    };
    if let Some(n) = cache.count(key, generation) {
        return Ok(n);
    }
    let n = count(client, sql, bound).await?;
    cache.put_count(*key, generation, n);
    Ok(n)
}

/// The matches' total, counted in the transaction `client` is in.
async fn count(
    client: &impl GenericClient,
    sql: &ListSql,
    bound: &[&(dyn ToSql + Sync)],
) -> Result<usize> {
    let stmt = prepare(client, &sql.count)
        .await
        .map_err(|e| error::db("preparing the count", &e))?;
    let total: i64 = client
        .query_one(&stmt, bound)
        .await
        .map_err(|e| error::db("counting the matches", &e))?
        .try_get(0)
        .map_err(|e| bad_row("count(*)", e))?;
    Ok(usize::try_from(total).unwrap_or(0))
}

/// Appends the `doc` of each row to `out`, comma-separated, after the
/// `written` rows already there.
fn write_docs(rows: &[tokio_postgres::Row], written: usize, out: &mut Vec<u8>) -> Result<()> {
    for (i, row) in rows.iter().enumerate() {
        if written + i > 0 {
            out.push(b',');
        }
        let doc: &str = row
            .try_get(0)
            .map_err(|e| bad_row("conversations.doc", e))?;
        out.extend_from_slice(doc.as_bytes());
    }
    Ok(())
}

/// A large page: in one `REPEATABLE READ` transaction the total, then a
/// cursor over the page whose rows are fetched [`CHUNK_ROWS`] at a time by
/// a task of its own and handed to the HTTP layer through a channel of one
/// chunk (so a slow client holds at most two chunks in memory, and a
/// connection for as long as it reads; at most half the pool's connections
/// stream at once, [`PgStorage::stream_slot`]). The first chunk is fetched before
/// the answer's head, so a failure up to there is a 503; a later one ends
/// the body in error. Each fetch is bounded by
/// [`PgOptions::answer_timeout`](super::PgOptions::answer_timeout).
async fn list_streamed(s: &PgStorage, sql: &ListSql, page: &str) -> Result<ListPage> {
    let bound = sql.bound();
    // Held until the page ends (moved into the task below).
    let slot = s.stream_slot().await?;
    let conn = InTransaction(Some(s.client().await?));
    let client = conn.client()?;
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(|e| error::db("BEGIN", &e))?;
    let generation = if s.list_cache().counts_enabled() {
        Some(generation(client).await?)
    } else {
        None
    };
    let total = total(s, client, sql, &bound, generation).await?;
    let declare = prepare(client, &format!("{DECLARE}{page}"))
        .await
        .map_err(|e| error::db("preparing the page's cursor", &e))?;
    client
        .execute(&declare, &bound)
        .await
        .map_err(|e| error::db("opening the page's cursor", &e))?;
    let fetch = client
        .prepare_cached(&format!("FETCH {CHUNK_ROWS} FROM rsql_page"))
        .await
        .map_err(|e| error::db("preparing the fetch", &e))?;
    let mut first = Vec::with_capacity(CHUNK_ROWS * 1024);
    first.extend_from_slice(LIST_OPEN);
    let mut written = fetch_chunk(client, &fetch, 0, &mut first).await?;
    if written < CHUNK_ROWS {
        first.extend_from_slice(LIST_CLOSE);
        conn.release().await?;
        return Ok(ListPage {
            total,
            body: ListBody::Bytes(first),
        });
    }
    let (send, recv) = tokio::sync::mpsc::channel::<Result<Vec<u8>>>(1);
    let limit = s.options().answer_timeout();
    tokio::spawn(async move {
        let _slot = slot;
        loop {
            let mut out = Vec::with_capacity(CHUNK_ROWS * 1024);
            let fetched = match conn.client() {
                Ok(client) => {
                    tokio::time::timeout(limit, fetch_chunk(client, &fetch, written, &mut out))
                        .await
                        .unwrap_or_else(|_| {
                            Err(StorageError::unavailable(
                                BACKEND,
                                format!(
                                    "no rows from the page's cursor within {} ms",
                                    limit.as_millis()
                                ),
                            ))
                        })
                }
                Err(e) => Err(e),
            };
            match fetched {
                Ok(n) if n < CHUNK_ROWS => {
                    out.extend_from_slice(LIST_CLOSE);
                    // A failed COMMIT of a read-only transaction changes no
                    // row: the page is whole; the connection is closed.
                    if let Err(e) = conn.release().await {
                        tracing::warn!("after a streamed page: {e}");
                    }
                    let _ = send.send(Ok(out)).await;
                    return;
                }
                Ok(n) => {
                    written += n;
                    if send.send(Ok(out)).await.is_err() {
                        // The client went away: `conn` drops, closing the
                        // connection and its transaction.
                        return;
                    }
                }
                Err(e) => {
                    let _ = send.send(Err(e)).await;
                    return;
                }
            }
        }
    });
    let rest = futures_util::stream::unfold(recv, |mut recv| async move {
        recv.recv().await.map(|chunk| (chunk, recv))
    });
    let body = futures_util::stream::once(std::future::ready(Ok(first))).chain(rest);
    Ok(ListPage {
        total,
        body: ListBody::Stream(Box::pin(body)),
    })
}

/// A conversation's stored JSON.
pub(crate) async fn doc(s: &PgStorage, id: &str) -> Result<Option<String>> {
    let client = s.client().await?;
    let stmt = client
        .prepare_cached("SELECT doc FROM conversations WHERE id = $1")
        .await
        .map_err(|e| error::db("preparing a read by id", &e))?;
    let row = client
        .query_opt(&stmt, &[&id])
        .await
        .map_err(|e| error::db("reading a conversation", &e))?;
    row.map(|r| r.try_get(0).map_err(|e| bad_row("conversations.doc", e)))
        .transpose()
}

/// A stored `doc` parsed back (the writes and the members route).
pub(crate) fn parse_doc(id: &str, doc: &str) -> Result<Conversation> {
    Conversation::from_json(doc)
        .map_err(|e| bad_row(&format!("conversation {id}'s stored JSON"), e))
}

/// Whether the conversation exists.
pub(crate) async fn contains(s: &PgStorage, id: &str) -> Result<bool> {
    let client = s.client().await?;
    let stmt = client
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1)")
        .await
        .map_err(|e| error::db("preparing an existence test", &e))?;
    client
        .query_one(&stmt, &[&id])
        .await
        .map_err(|e| error::db("testing a conversation's existence", &e))?
        .try_get(0)
        .map_err(|e| bad_row("EXISTS", e))
}

/// The conversation's messages in stored order; `None` without the
/// conversation. One statement: the conversation joined to its messages.
pub(crate) async fn messages(s: &PgStorage, id: &str) -> Result<Option<Vec<Message>>> {
    let client = s.client().await?;
    let sql = format!(
        "SELECT c.id, {} FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id \
         WHERE c.id = $1 ORDER BY m.position",
        messages::COLUMNS
    );
    let stmt = client
        .prepare_cached(&sql)
        .await
        .map_err(|e| error::db("preparing a messages read", &e))?;
    let rows = client
        .query(&stmt, &[&id])
        .await
        .map_err(|e| error::db("reading messages", &e))?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let message_id: Option<&str> = row.try_get(1).map_err(|e| bad_row("messages.id", e))?;
        if message_id.is_some() {
            out.push(messages::from_row(row, 1, id)?);
        }
    }
    Ok(Some(out))
}

/// A token's expiry by digest.
pub(crate) async fn token_expiry(s: &PgStorage, digest: &str) -> Result<Option<i64>> {
    let client = s.client().await?;
    let stmt = client
        .prepare_cached("SELECT expires_ms FROM tokens WHERE digest = $1")
        .await
        .map_err(|e| error::db("preparing a token read", &e))?;
    let row = client
        .query_opt(&stmt, &[&digest])
        .await
        .map_err(|e| error::db("reading a token", &e))?;
    row.map(|r| r.try_get(0).map_err(|e| bad_row("tokens.expires_ms", e)))
        .transpose()
}
