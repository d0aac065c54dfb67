//! [`Storage`]: the one interface the server's handlers call, over the
//! in-memory store ([`MemoryStorage`]) and PostgreSQL (`crate::pg`, feature
//! `postgres`). A handler validates the request, calls one method and
//! renders what comes back; it never knows which backend answered.
//!
//! Every method returns what the API needs to answer, already rendered where
//! the bytes must be identical on every backend (a conversation's JSON, a
//! list body): each backend renders with the same writer
//! ([`crate::ConversationRef::write_json`] in memory; the same bytes stored
//! beside each row in PostgreSQL).
//!
//! Errors are [`StorageError`]: the request's own fault ([`StoreError`](crate::StoreError):
//! 400/404), a limit of `api.md` §2.2 ([`StorageErrorKind::TooManyKeys`]:
//! 400), or the backend not answering ([`StorageErrorKind::Unavailable`]:
//! 503; the write was not acknowledged: nothing was changed, except when a
//! journal's fsync failed after the write was applied in memory, where it
//! may be served until the restart and is gone after it, `docs/journal.md`).
//!
//! ```
//! use store::storage::{MemoryStorage, Storage};
//!
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! rt.block_on(async {
//!     let storage = MemoryStorage::demo(7, 50);
//!     let id = store::generate::conversation(7, 3).id;
//!     let json = storage.get(&id).await?.expect("generated");
//!     assert!(json.starts_with(b"{\"id\":"));
//!     let meta = storage
//!         .update_metadata(&id, vec![("team".into(), Some("blue".into()))])
//!         .await?;
//!     assert_eq!(meta.get("team"), Some("blue"));
//!     Ok::<(), store::storage::StorageError>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod memory;
mod page;

pub use error::{StorageError, StorageErrorKind};
pub use memory::MemoryStorage;
pub use page::{
    CHUNK_ROWS, ChatbotPage, ChunkStream, ListBody, ListPage, MongoPage, ONE_BUFFER_ROWS, RawJson,
    WhatsAppPage,
};

use std::fmt::Debug;

use futures_util::future::BoxFuture;

use crate::families::whatsapp::Status;
use crate::{Member, Message, Metadata, QuerySpec};

/// A `Result` with a [`StorageError`].
pub type Result<T> = std::result::Result<T, StorageError>;

/// Most metadata keys a conversation holds after a PUT's merge (`api.md`
/// §2.2). Both backends check it inside the write, so the check and the
/// write see the same data.
pub const MAX_METADATA_KEYS: usize = 100;

/// One metadata change of a PUT: a key and its new value, `None` to remove it.
pub type MetadataChange = (String, Option<String>);

/// Where the data of every route family lives. Cheap calls on the in-memory
/// backend; one round trip (or one transaction) on PostgreSQL.
///
/// Object safe: the server holds an `Arc<dyn Storage>`.
pub trait Storage: Send + Sync + Debug {
    /// One line for the banner and logs: which backend, where, and whether
    /// writes are durable (`memory only (writes are lost on exit)`, `journal
    /// in DIR`, `PostgreSQL at host:port/db`).
    fn describe(&self) -> String;

    /// `Ok` when the backend can answer now (`GET /readyz`); the in-memory
    /// backend always can.
    fn ready(&self) -> BoxFuture<'_, Result<()>>;

    // ---- Symbl conversations (api.md §2.2) -------------------------------

    /// The list route: the matches of `spec` (filter, window, sort, limit,
    /// offset), rendered as `{"conversations":[…]}`, and how many match in
    /// all (`X-Total-Count`).
    fn list(&self, spec: QuerySpec) -> BoxFuture<'_, Result<ListPage>>;

    /// One conversation's JSON, `None` when there is no such id.
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>>>;

    /// Whether a conversation with this id exists.
    fn contains<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool>>;

    /// A conversation's members in stored order, `None` when there is no
    /// such conversation.
    fn members<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<Member>>>>;

    /// A conversation's messages in stored order, `None` when there is no
    /// such conversation.
    fn messages<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<Message>>>>;

    /// Merges `changes` into the conversation's metadata (a `None` value
    /// removes the key) and returns the metadata after the merge. All or
    /// nothing: a missing conversation is [`StoreError::NotFound`](crate::StoreError),
    /// more than [`MAX_METADATA_KEYS`] keys after the merge is
    /// [`StorageErrorKind::TooManyKeys`], and either leaves it unchanged.
    fn update_metadata<'a>(
        &'a self,
        id: &'a str,
        changes: Vec<MetadataChange>,
    ) -> BoxFuture<'a, Result<Metadata>>;

    /// Replaces the member with `member.id`'s name, and its e-mail when
    /// `member.email` is `Some` (`None` keeps the current one), in the
    /// conversation and in its messages' `from`; returns the member as
    /// stored. A missing conversation or member is `NotFound` and changes
    /// nothing.
    fn update_member<'a>(&'a self, id: &'a str, member: Member) -> BoxFuture<'a, Result<Member>>;

    /// Deletes the conversation and its messages; `NotFound` when absent.
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>>;

    // ---- the other families (read-only) ----------------------------------

    /// The Mongo family's documents of `database.collection` (of
    /// `user_id`'s conversations when given), in stored order: `total`
    /// before paging, then `skip` and `limit` applied.
    fn mongo_find<'a>(
        &'a self,
        database: &'a str,
        collection: &'a str,
        user_id: Option<&'a str>,
        skip: usize,
        limit: Option<usize>,
    ) -> BoxFuture<'a, Result<MongoPage>>;

    /// The WhatsApp list: conversations with `status` (all when `None`),
    /// newest message first, `offset` and `limit` applied.
    fn whatsapp_page(
        &self,
        status: Option<Status>,
        offset: usize,
        limit: usize,
    ) -> BoxFuture<'_, Result<WhatsAppPage>>;

    /// The chatbot messages of conversation `id`, page `page` (1-based) of
    /// `per_page`; `None` when there is no such conversation.
    fn chatbot_page(
        &self,
        id: u64,
        page: usize,
        per_page: usize,
    ) -> BoxFuture<'_, Result<Option<ChatbotPage>>>;

    // ---- tokens -----------------------------------------------------------

    /// Keeps an issued access token (by its SHA-256 hex digest, never the
    /// token itself) until `expires_ms`, so that every server process on
    /// this storage accepts it.
    fn save_token<'a>(&'a self, digest: &'a str, expires_ms: i64) -> BoxFuture<'a, Result<()>>;

    /// The expiry of an issued token, by digest; `None` when it was never
    /// issued (or has been purged after expiring).
    fn token_expiry<'a>(&'a self, digest: &'a str) -> BoxFuture<'a, Result<Option<i64>>>;
}

/// The key-count rule of `api.md` §2.2 for a metadata merge: `Ok` when the
/// conversation holds at most [`MAX_METADATA_KEYS`] keys after `changes`
/// merge into `current` (its keys now), else the count and the first new
/// key. Every backend calls it inside its write.
///
/// ```
/// use store::storage::check_key_count;
/// let now: Vec<String> = (0..99).map(|i| format!("k{i}")).collect();
/// let set = |k: &str| (k.to_owned(), Some("v".to_owned()));
/// assert!(check_key_count(now.iter().map(String::as_str), &[set("new")]).is_ok());
/// let e = check_key_count(now.iter().map(String::as_str), &[set("a"), set("b")]).unwrap_err();
/// assert_eq!(e.to_string(), "metadata: at most 100 keys per conversation, this update would leave 101 (new keys from `a`)");
/// ```
pub fn check_key_count<'a>(
    current: impl Iterator<Item = &'a str>,
    changes: &[MetadataChange],
) -> Result<()> {
    let mut keys: std::collections::HashSet<&str> = current.collect();
    let mut first_new = None;
    for (key, value) in changes {
        if value.is_some() {
            if keys.insert(key) && first_new.is_none() {
                first_new = Some(key.as_str());
            }
        } else {
            keys.remove(key.as_str());
        }
    }
    if keys.len() <= MAX_METADATA_KEYS {
        return Ok(());
    }
    Err(StorageError::new(StorageErrorKind::TooManyKeys {
        after: keys.len(),
        first_new: first_new.unwrap_or_default().to_owned(),
    }))
}
