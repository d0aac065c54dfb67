//! The Mongo, WhatsApp and chatbot families on PostgreSQL: the pages the
//! routes of `api.md` §2.3–§2.5 send, and `COPY` loaders that fill the
//! tables of `migrations/V2__families.sql`.
//!
//! Every row keeps the JSON its route sends, rendered once by the loader
//! with the in-memory family's own serializer, so a page is the same bytes
//! on both backends: [`mongo_find`], [`whatsapp_page`] and [`chatbot_page`]
//! give the same totals and the same JSON as
//! [`MemoryStorage`](crate::storage::MemoryStorage)'s methods of the same
//! names. Each page is one statement (one round trip): the total and the
//! page's JSON texts in one row.
//!
//! # Tables (`migrations/V2__families.sql`)
//!
//! | table | key | holds | a page reads |
//! |---|---|---|---|
//! | `mongo_documents` | `(database, collection, object_id)` | `created_ms`, the document's JSON | index `(database, collection, created_ms, object_id)`, in order |
//! | `mongo_participants` | `(database, collection, user_id, created_ms, object_id)` | one row per distinct participant (`user_id` as UTF-8 `bytea`) | its key, in order, then `mongo_documents` by key |
//! | `whatsapp_conversations` | `id` | `status`, `last_message_at` (epoch ms), the list row's JSON | index `(last_message_at DESC, id DESC)`, or `(status, last_message_at DESC, id DESC)` |
//! | `chatbot_conversations` | `id` | that the conversation exists (it may have no message) | its key |
//! | `chatbot_messages` | `(conversation_id, created_us, id)`, `id` unique | the message's JSON | its key, in order |
//!
//! Names and ids compare as bytes (`COLLATE "C"`, `bytea`, integers), as in
//! memory. Nothing beyond plain PostgreSQL is used (no extension). On a
//! distributed engine: Citus needs the tables distributed by `database`
//! (Mongo) and `conversation_id` (chatbot), and cannot keep the
//! family-wide uniqueness of `chatbot_messages.id` (the loader checks it in
//! memory anyway; drop that constraint there). Where an engine does not
//! support `LOCK TABLE … IN SHARE ROW EXCLUSIVE MODE` (check YugabyteDB's
//! version), the lock must go, and two loaders starting at once may then
//! collide on a primary key: one fails, and starting it again succeeds.
//!
//! Loading reuses the in-memory parsers and validators: a file is read into
//! the family's in-memory store by its own loader (so bad records are
//! skipped or refused, and reported, exactly as without a database), then
//! copied with binary `COPY … FROM STDIN`. A load **replaces** its family:
//! it locks the families' tables against other loaders (`SHARE ROW
//! EXCLUSIVE`, all five tables in one fixed order, so loaders of different
//! families in several processes queue rather than deadlock; readers go on
//! seeing the old rows until the caller commits), deletes every row of its
//! family and copies the new ones, all inside the caller's transaction.
//! Loading the same data again therefore neither duplicates nor fails, and
//! a failed load leaves the previous rows once the transaction is rolled
//! back. (These families are read-only, so replacing loses no write; a
//! caller that wants the Symbl family's "seed once" can skip the call.)
//!
//! The shapes, without a database:
//!
//! ```
//! use store::pg::families::{MONGO_FIND_ALL_SQL, WHATSAPP_PAGE_SQL, CHATBOT_PAGE_SQL};
//! // One row: the total, then the page's JSON texts in order.
//! assert!(MONGO_FIND_ALL_SQL.contains("ORDER BY created_ms, object_id"));
//! assert!(WHATSAPP_PAGE_SQL.contains("ORDER BY last_message_at DESC, id DESC"));
//! assert!(CHATBOT_PAGE_SQL.contains("FROM chatbot_conversations c WHERE c.id = $1"));
//! ```
//!
//! Reading a data file happens on the calling task (these loaders run at
//! start-up); the family's file is held in memory while it is copied, as
//! the in-memory loaders hold it.

mod chatbot;
mod copy;
mod error;
mod mongo;
mod whatsapp;

pub use chatbot::{CHATBOT_PAGE_SQL, chatbot_page, copy_chatbot, load_chatbot_file};
pub use error::FamilyError;
pub use mongo::{MONGO_FIND_ALL_SQL, MONGO_FIND_USER_SQL, copy_mongo, load_mongo_dir, mongo_find};
pub use whatsapp::{
    WHATSAPP_PAGE_BY_STATUS_SQL, WHATSAPP_PAGE_SQL, copy_whatsapp, load_whatsapp_file,
    whatsapp_page,
};

use crate::families::chatbot::ChatbotStore;
use crate::families::mongo::MongoStore;
use crate::families::whatsapp::WhatsAppStore;

/// Documents per organization that `--demo` generates for the Mongo family
/// (`MongoStore::generate(seed, DEMO_MONGO_DOCS_PER_ORG)`, as the server's
/// in-memory demo does).
///
/// ```
/// assert_eq!(store::pg::families::DEMO_MONGO_DOCS_PER_ORG, 200);
/// ```
pub const DEMO_MONGO_DOCS_PER_ORG: usize = 200;

/// WhatsApp conversations that `--demo` generates.
///
/// ```
/// assert_eq!(store::pg::families::DEMO_WHATSAPP_CONVERSATIONS, 300);
/// ```
pub const DEMO_WHATSAPP_CONVERSATIONS: usize = 300;

/// How many rows [`load_demo_families`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FamilyCounts {
    /// Mongo documents, all organizations and collections.
    pub mongo_documents: u64,
    /// WhatsApp conversations.
    pub whatsapp_conversations: u64,
    /// Chatbot conversations.
    pub chatbot_conversations: u64,
    /// Chatbot messages.
    pub chatbot_messages: u64,
}

/// Replaces the three families with `--demo`'s generated data for `seed`:
/// [`DEMO_MONGO_DOCS_PER_ORG`] documents per organization,
/// [`DEMO_WHATSAPP_CONVERSATIONS`] WhatsApp conversations and
/// `chatbot_conversations` chatbot conversations (ids `1..=n`; the server
/// derives `n` from `--demo-size`), each generated by its in-memory family,
/// so both backends serve the same bytes. Runs in `tx`; the caller commits.
///
/// ```no_run
/// # async fn demo(client: &mut tokio_postgres::Client) -> Result<(), store::pg::families::FamilyError> {
/// let tx = client.transaction().await?;
/// let counts = store::pg::families::load_demo_families(&tx, 7, 100).await?;
/// assert_eq!(counts.whatsapp_conversations, 300);
/// tx.commit().await?;
/// # Ok(()) }
/// ```
pub async fn load_demo_families(
    tx: &tokio_postgres::Transaction<'_>,
    seed: u64,
    chatbot_conversations: usize,
) -> Result<FamilyCounts, FamilyError> {
    let mongo = copy_mongo(tx, &MongoStore::generate(seed, DEMO_MONGO_DOCS_PER_ORG)).await?;
    let whatsapp = copy_whatsapp(
        tx,
        &WhatsAppStore::generate(seed, DEMO_WHATSAPP_CONVERSATIONS),
    )
    .await?;
    let (conversations, messages) =
        copy_chatbot(tx, &ChatbotStore::generate(seed, chatbot_conversations)).await?;
    Ok(FamilyCounts {
        mongo_documents: mongo,
        whatsapp_conversations: whatsapp,
        chatbot_conversations: conversations,
        chatbot_messages: messages,
    })
}

/// `n` as an `int8` parameter: values past `i64::MAX` (an offset or limit
/// of `usize::MAX`) mean "past any row" and saturate.
fn int8(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A `count(*)` as a total.
fn total(count: i64, table: &'static str) -> Result<usize, FamilyError> {
    usize::try_from(count).map_err(|_| FamilyError::StoredValue {
        table,
        reason: format!("count(*) gave {count}"),
    })
}

/// The page's JSON texts as raw JSON, each checked (a row edited by hand
/// into something that is not JSON is an error naming the table, not a
/// broken body).
fn raw_docs(
    texts: Vec<String>,
    table: &'static str,
) -> Result<Vec<crate::storage::RawJson>, FamilyError> {
    texts
        .into_iter()
        .map(|t| {
            serde_json::value::RawValue::from_string(t).map_err(|e| FamilyError::StoredValue {
                table,
                reason: format!("stored JSON does not parse: {e}"),
            })
        })
        .collect()
}
