//! The PostgreSQL backend (feature `postgres`): [`PgStorage`] answers every
//! [`Storage`] call from a database that several server processes share
//! (`api.md` §2.6b), with the same results and the same bytes as
//! [`MemoryStorage`](crate::storage::MemoryStorage).
//!
//! # Tables
//!
//! Created and upgraded at start-up by the migrations in `store/migrations`
//! (refinery, embedded in the binary; `V1__symbl.sql` holds this module's
//! tables, `V2__families.sql` the other families'):
//!
//! | table | holds |
//! |---|---|
//! | `conversations` | `id`, `type`, `name` (`text COLLATE "C"`), `start_ms`, `end_ms` (`bigint`, epoch ms), `metadata` (`jsonb`, for filters), `doc` (the row's JSON exactly as the API sends it) |
//! | `members` | `(conversation_id, position)` → `id`, `name`, `email`: for filters on `members.*` |
//! | `messages` | `(conversation_id, position)` → the message's fields, in stored order |
//! | `tokens` | issued access tokens by SHA-256 digest → expiry |
//! | `loads` | what each data flag loaded: `(family, fingerprint, rows, loaded_at)` |
//! | `conversation_count` | how many conversations there are (a load sets it, a delete decrements it, a `TRUNCATE` of `conversations` by any client resets it: `V4__count_truncate.sql`) |
//! | `write_generation` | 64 counters statement triggers on `conversations`, `members` and `conversation_count` increment in every transaction that changes them (`V3__generation.sql`) |
//!
//! Reads send `doc` as stored, so a body is byte-identical to the in-memory
//! backend's; every write re-renders `doc` in Rust, inside its transaction.
//!
//! # Queries
//!
//! The list route's `WHERE` is the time window (`start_ms`, and `end_ms`
//! or `start_ms` for a running conversation) and the request's filter as
//! rsql's SQL emitter writes it ([`rsql::Filter::to_sql`], PostgreSQL
//! dialect, typed parameters; only metadata keys the filter parser
//! validated are inlined, quoted); `ORDER BY` is the sort's
//! ([`rsql::Sort::to_sql`]), `LIMIT` and `OFFSET` integer literals, as in
//! [`rsql::Query::to_sql`]. Without a filter, a window that covers every
//! row (or no window) is counted from `conversation_count`. The total and
//! the page run in one
//! `REPEATABLE READ` read-only transaction, so they see one snapshot.
//! Totals and small pages are kept per query and write generation
//! (`list_cache.rs`): a query asked again with no write since (by any
//! client) is answered after one statement.
//! Statements are prepared once per connection and kept
//! ([`PgOptions::statement_cache`] at most).
//!
//! # Writes
//!
//! A metadata merge, a member update and a delete are each one transaction
//! that locks the conversation's row (`SELECT … FOR UPDATE`), checks and
//! changes it, its members and its messages, and commits: writers in any
//! number of processes are serialised per conversation, and none is lost.
//!
//! # Failures
//!
//! A request waits at most [`PgOptions::pool_wait`] (2 s) for a
//! connection and takes at most [`PgOptions::answer_timeout`] in all (the
//! pool wait plus the statement timeout, however the database behaves);
//! the database refusing, not answering, cancelling a statement or
//! dropping the connection is
//! [`StorageErrorKind::Unavailable`](crate::storage::StorageErrorKind)
//! (503) and changes nothing. Broken connections are dropped by the pool,
//! so the backend recovers by itself when the database is back.
//!
//! # Loading
//!
//! [`load::load_symbl`]: `COPY` in one transaction, seeded once (see there);
//! [`seed`] holds the seed-once rule and the load transaction every
//! family's load shares.
//!
//! # The other families
//!
//! [`families`]: the Mongo, WhatsApp and chatbot families' tables
//! (`migrations/V2__families.sql`), their pages and their `COPY` loaders;
//! [`PgStorage`]'s `mongo_find`, `whatsapp_page` and `chatbot_page` call
//! them on a pooled connection.
//!
//! ```no_run
//! use store::pg::{PgOptions, PgStorage};
//! use store::storage::Storage;
//!
//! # async fn run() -> Result<(), store::storage::StorageError> {
//! let pg = PgStorage::connect("postgres://postgres@127.0.0.1:5432/app", PgOptions::default()).await?;
//! assert_eq!(pg.describe(), "PostgreSQL at 127.0.0.1:5432/app");
//! pg.ready().await?;
//! # Ok(()) }
//! ```

mod connect;
mod error;
pub mod families;
mod list_cache;
pub mod load;
mod messages;
mod options;
mod read;
pub mod seed;
mod write;

pub use options::PgOptions;

use std::sync::Arc;

use deadpool_postgres::{Object, Pool};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use list_cache::ListCache;

use crate::families::whatsapp::Status;
use crate::storage::{
    ChatbotPage, ListPage, MetadataChange, MongoPage, Result, Storage, StorageError, WhatsAppPage,
};
use crate::{Member, Message, Metadata, QuerySpec};

/// The PostgreSQL backend: a connection pool over one database, with the
/// tables of the module docs.
#[derive(Clone)]
pub struct PgStorage {
    pool: Pool,
    describe: String,
    opts: PgOptions,
    list_cache: Arc<ListCache>,
    /// Streamed pages in flight at once: half the pool (at least one). A
    /// streamed page holds a connection for as long as its client reads,
    /// so without a bound a few slow readers of large pages would hold
    /// every connection, and every other request would get 503.
    streams: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStorage")
            .field("at", &self.describe)
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl PgStorage {
    /// Connects to the database at `url` (a `postgres://` URL or a
    /// `key=value` string), applies the migrations not yet applied (several
    /// processes starting at once apply them once), and returns the storage.
    /// No data is loaded: see [`load::load_symbl`].
    ///
    /// Errors: the database not answering within
    /// [`PgOptions::pool_wait`] is unavailable; a bad URL or a failed
    /// migration is internal. Messages never hold the password.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), store::storage::StorageError> {
    /// let pg = store::pg::PgStorage::connect(
    ///     "postgres://postgres@127.0.0.1:5432/app",
    ///     store::pg::PgOptions::default().with_max_connections(8),
    /// ).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str, opts: PgOptions) -> Result<PgStorage> {
        let connected = connect::pool(url, &opts)?;
        let storage = PgStorage {
            pool: connected.pool,
            describe: connected.describe,
            list_cache: Arc::new(ListCache::new(opts.count_cache, opts.page_cache_bytes)),
            streams: Arc::new(tokio::sync::Semaphore::new(stream_slots(&opts))),
            opts,
        };
        let mut client = storage.client().await?;
        connect::migrate(&mut client).await?;
        Ok(storage)
    }

    /// The connection pool (for [`load::load_symbl`] and the other
    /// families' loaders).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The options the pool was built with.
    pub fn options(&self) -> &PgOptions {
        &self.opts
    }

    /// A slot for one streamed page, within the pool's wait (else 503): at
    /// most half the pool's connections stream at once.
    pub(crate) async fn stream_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
        let wait = self.opts.pool_wait;
        match tokio::time::timeout(wait, Arc::clone(&self.streams).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(StorageError::unavailable(
                error::BACKEND,
                format!(
                    "{} large pages are being streamed, the most at once (half the pool's \
                     connections); none ended within the pool's wait ({} ms)",
                    stream_slots(&self.opts),
                    wait.as_millis()
                ),
            )),
        }
    }

    /// The list totals and pages kept per query and write generation.
    pub(crate) fn list_cache(&self) -> &ListCache {
        &self.list_cache
    }

    /// A pooled connection within the pool's wait; its statement cache is
    /// emptied first when it has reached [`PgOptions::statement_cache`].
    pub(crate) async fn client(&self) -> Result<Object> {
        let client = connect::checkout(&self.pool, self.opts.pool_wait).await?;
        if client.statement_cache.size() >= self.opts.statement_cache {
            client.statement_cache.clear();
        }
        Ok(client)
    }

    /// `fut`, answered 503 when the database has not answered within
    /// [`PgOptions::answer_timeout`] (the pool wait plus the statement
    /// timeout): the bound of every request, whatever the database does (a
    /// paused server or a network that drops packets closes nothing, so
    /// neither the pool's wait nor `statement_timeout` would end it). A
    /// write cut off this way was not acknowledged; whether it committed is
    /// unknown, as for any write whose connection fails during `COMMIT`.
    fn bounded<'a, T: Send + 'a>(
        &'a self,
        fut: impl Future<Output = Result<T>> + Send + 'a,
    ) -> BoxFuture<'a, Result<T>> {
        let limit = self.opts.answer_timeout();
        async move {
            match tokio::time::timeout(limit, fut).await {
                Ok(answer) => answer,
                Err(_) => Err(StorageError::unavailable(
                    error::BACKEND,
                    format!(
                        "no answer from the database within {} ms (the pool wait plus the \
                         statement timeout)",
                        limit.as_millis()
                    ),
                )),
            }
        }
        .boxed()
    }
}

impl Storage for PgStorage {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn ready(&self) -> BoxFuture<'_, Result<()>> {
        self.bounded(async move {
            let client = self.client().await?;
            client
                .simple_query("SELECT 1")
                .await
                .map_err(|e| error::db("SELECT 1", &e))?;
            Ok(())
        })
    }

    fn list(&self, spec: QuerySpec) -> BoxFuture<'_, Result<ListPage>> {
        self.bounded(async move { read::list(self, &spec).await })
    }

    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>>> {
        self.bounded(async move { Ok(read::doc(self, id).await?.map(String::into_bytes)) })
    }

    fn contains<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool>> {
        self.bounded(read::contains(self, id))
    }

    fn members<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<Member>>>> {
        self.bounded(async move {
            match read::doc(self, id).await? {
                Some(doc) => Ok(Some(read::parse_doc(id, &doc)?.members)),
                None => Ok(None),
            }
        })
    }

    fn messages<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<Message>>>> {
        self.bounded(read::messages(self, id))
    }

    fn update_metadata<'a>(
        &'a self,
        id: &'a str,
        changes: Vec<MetadataChange>,
    ) -> BoxFuture<'a, Result<Metadata>> {
        self.bounded(async move { write::update_metadata(self, id, &changes).await })
    }

    fn update_member<'a>(&'a self, id: &'a str, member: Member) -> BoxFuture<'a, Result<Member>> {
        self.bounded(write::update_member(self, id, member))
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        self.bounded(write::delete(self, id))
    }

    fn mongo_find<'a>(
        &'a self,
        database: &'a str,
        collection: &'a str,
        user_id: Option<&'a str>,
        skip: usize,
        limit: Option<usize>,
    ) -> BoxFuture<'a, Result<MongoPage>> {
        self.bounded(async move {
            let client = self.client().await?;
            families::mongo_find(&client, database, collection, user_id, skip, limit)
                .await
                .map_err(StorageError::from)
        })
    }

    fn whatsapp_page(
        &self,
        status: Option<Status>,
        offset: usize,
        limit: usize,
    ) -> BoxFuture<'_, Result<WhatsAppPage>> {
        self.bounded(async move {
            let client = self.client().await?;
            families::whatsapp_page(&client, status, offset, limit)
                .await
                .map_err(StorageError::from)
        })
    }

    fn chatbot_page(
        &self,
        id: u64,
        page: usize,
        per_page: usize,
    ) -> BoxFuture<'_, Result<Option<ChatbotPage>>> {
        self.bounded(async move {
            let client = self.client().await?;
            families::chatbot_page(&client, id, page, per_page)
                .await
                .map_err(StorageError::from)
        })
    }

    fn save_token<'a>(&'a self, digest: &'a str, expires_ms: i64) -> BoxFuture<'a, Result<()>> {
        self.bounded(write::save_token(self, digest, expires_ms))
    }

    fn token_expiry<'a>(&'a self, digest: &'a str) -> BoxFuture<'a, Result<Option<i64>>> {
        self.bounded(read::token_expiry(self, digest))
    }
}

/// Streamed pages in flight at once: half the pool's connections, at least
/// one.
fn stream_slots(opts: &PgOptions) -> usize {
    (opts.max_connections / 2).max(1)
}
