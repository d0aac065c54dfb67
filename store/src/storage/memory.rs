//! [`MemoryStorage`]: the embedded default. The Symbl conversations sit in a
//! [`Store`] behind a [`tokio::sync::RwLock`]; the other three families are
//! read-only and take no lock.
//!
//! Why tokio's lock: a request that waits for the store waits as a parked
//! task, never as a blocked worker thread, so a writer (or a queue of readers
//! behind it) cannot stall the other routes. Every critical section is short
//! and bounded: a metadata PUT merges at most the 200 keys a body may carry
//! into at most 100 (`api.md` §2.2), and a large list page is rendered in
//! chunks of [`CHUNK_ROWS`], each under its own read lock. The lock is fair
//! (write-preferring): a waiting writer is not starved by readers. A list
//! query is the one section whose work a client chooses (a wildcard tested
//! on every member of every row of a year): with a statement timeout
//! ([`MemoryStorage::with_statement_timeout`], the server's
//! `--statement-timeout`) it stops there, the wait for the lock included,
//! and answers [`StorageErrorKind::TimedOut`](super::StorageErrorKind::TimedOut).
//!
//! A list page of more than [`ONE_BUFFER_ROWS`] rows is streamed: its rows
//! are chosen under one read lock and kept as [`RowHandle`]s (24 bytes a
//! row), then rendered a chunk at a time, only when the connection has taken
//! the previous chunk, so a client that reads slowly holds one chunk, not the
//! page. A write that lands between two chunks shows in the later ones: a
//! deleted conversation is left out (the body then has fewer rows than the
//! total said), an updated one is rendered as it is now. Smaller pages are
//! rendered into one buffer under one read lock, as one consistent snapshot.
//!
//! With a [`Journal`] (`--data-dir`), each write is validated and appended
//! to the journal under the write lock, then applied, then the lock is
//! released and the write waits for the group `fdatasync` before it is
//! acknowledged. A failed append answers [`StorageError::unavailable`]
//! (`journal`, 503) with the store unchanged; a failed sync answers 503 too
//! and the journal refuses every later write (see `docs/journal.md`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::sync::RwLock;

use super::page::{
    CHUNK_ROWS, ChatbotPage, ListBody, ListPage, MongoPage, ONE_BUFFER_ROWS, RawJson, WhatsAppPage,
};
use super::{MetadataChange, Result, Storage, StorageError, check_key_count};
use crate::families::chatbot::ChatbotStore;
use crate::families::mongo::MongoStore;
use crate::families::whatsapp::{Status, WhatsAppStore};
use crate::journal::{Journal, JournalError, Record, Ticket};
use crate::{Conversation, Member, Message, Metadata, QuerySpec, RowHandle, Store, StoreError};

/// Issued tokens kept at most; past it, expired ones are purged first.
const TOKENS_BEFORE_PURGE: usize = 100_000;

/// Every family in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    symbl: Arc<RwLock<Store>>,
    mongo: MongoStore,
    whatsapp: WhatsAppStore,
    chatbot: ChatbotStore,
    tokens: Mutex<HashMap<String, i64>>,
    /// Where the Symbl writes go before they are acknowledged, if anywhere.
    journal: Option<Arc<Journal>>,
    /// How long one list query may run, its wait for the lock included.
    statement_timeout: Option<Duration>,
}

impl MemoryStorage {
    /// Storage over the given data.
    ///
    /// ```
    /// use store::storage::{MemoryStorage, Storage};
    /// let s = MemoryStorage::new(store::Store::new(), Default::default(), Default::default(), Default::default());
    /// assert!(s.describe().contains("memory"));
    /// ```
    pub fn new(
        symbl: Store,
        mongo: MongoStore,
        whatsapp: WhatsAppStore,
        chatbot: ChatbotStore,
    ) -> MemoryStorage {
        MemoryStorage {
            symbl: Arc::new(RwLock::new(symbl)),
            mongo,
            whatsapp,
            chatbot,
            tokens: Mutex::new(HashMap::new()),
            journal: None,
            statement_timeout: None,
        }
    }

    /// This storage with its Symbl writes journaled: each is durable in
    /// `journal` before it is acknowledged. The store must hold what the
    /// journal recovered (or what it was just seeded with).
    ///
    /// ```
    /// use store::journal::{Journal, JournalOptions};
    /// use store::storage::{MemoryStorage, Storage};
    /// let dir = std::env::temp_dir().join(format!("with-journal-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// let (journal, recovered) = Journal::open(&dir, JournalOptions::default())?;
    /// let s = MemoryStorage::new(recovered.store, Default::default(), Default::default(), Default::default())
    ///     .with_journal(journal);
    /// assert!(s.describe().contains("journal in"));
    /// # drop(s); std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_journal(mut self, journal: Journal) -> MemoryStorage {
        self.journal = Some(Arc::new(journal));
        self
    }

    /// This storage with a limit on how long one Symbl list query may run,
    /// from the request for the store's lock to the page's rows chosen:
    /// past it the wait for the lock ends, or the query stops (within 1 024
    /// rows or values visited, see [`Store::query_ref_until`]), and the call
    /// answers [`StorageErrorKind::TimedOut`](super::StorageErrorKind::TimedOut).
    /// Without it a query runs to its end. The wait uses tokio's timer: in a
    /// runtime, it must have it enabled (`enable_time`, as `#[tokio::main]`
    /// does); polled outside any runtime, the wait is not timed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use store::storage::{MemoryStorage, Storage, StorageErrorKind};
    /// let spec = || store::QuerySpec {
    ///     filter: Some(store::compile_filter("members.email==*a*e*").unwrap()),
    ///     ..Default::default()
    /// };
    /// let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    /// let roomy = MemoryStorage::new(store::generate::store(1, 3_000), Default::default(), Default::default(), Default::default())
    ///     .with_statement_timeout(Duration::from_secs(60));
    /// assert!(rt.block_on(roomy.list(spec())).is_ok());
    /// let none = MemoryStorage::new(store::generate::store(1, 3_000), Default::default(), Default::default(), Default::default())
    ///     .with_statement_timeout(Duration::ZERO);
    /// let err = rt.block_on(none.list(spec())).err().unwrap();
    /// assert!(matches!(err.kind(), StorageErrorKind::TimedOut { .. }));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_statement_timeout(mut self, limit: Duration) -> MemoryStorage {
        self.statement_timeout = Some(limit);
        self
    }

    /// The deadline of a query starting now.
    fn deadline(&self) -> Option<Instant> {
        self.statement_timeout
            .and_then(|limit| Instant::now().checked_add(limit))
    }

    /// A store error of a list query: a timeout names the limit.
    fn query_error(&self, e: StoreError) -> StorageError {
        match (e, self.statement_timeout) {
            (StoreError::TimedOut, Some(limit)) => StorageError::timed_out("memory", limit),
            (e, _) => e.into(),
        }
    }

    /// The journal, when writes are journaled.
    pub fn journal(&self) -> Option<&Journal> {
        self.journal.as_deref()
    }

    /// Inserts `conversation`, or replaces the one with its id, with
    /// `messages` (replacing any it had); journaled like every write.
    /// Returns whether it replaced one.
    ///
    /// ```
    /// use store::storage::{MemoryStorage, Storage};
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let s = MemoryStorage::demo(1, 0);
    /// let c = store::generate::conversation(1, 0);
    /// let replaced = rt.block_on(s.upsert(c.clone(), store::generate::messages(1, &c)))?;
    /// assert!(!replaced);
    /// assert!(rt.block_on(s.contains(&c.id))?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn upsert(&self, conversation: Conversation, messages: Vec<Message>) -> Result<bool> {
        let mut store = self.symbl.write().await;
        // Validated on a scratch store first, so the journal only ever
        // holds an upsert the store accepts.
        let mut scratch = Store::with_limits(store.limits());
        scratch.insert(conversation.clone())?;
        scratch.set_messages(&conversation.id, messages.clone())?;
        let ticket = self.append(|| Record::Upsert {
            conversation: conversation.clone().into(),
            messages: messages.iter().map(Into::into).collect(),
        })?;
        let id = conversation.id.clone();
        let applied = store
            .upsert(conversation)
            .and_then(|old| store.set_messages(&id, messages).map(|()| old.is_some()));
        drop(store);
        self.settle(ticket).await?;
        Ok(applied?)
    }

    /// Appends the record of a validated write (nothing without a journal).
    fn append(&self, record: impl FnOnce() -> Record) -> Result<Option<Ticket>> {
        let Some(journal) = &self.journal else {
            return Ok(None);
        };
        journal.append(&record()).map(Some).map_err(unavailable)
    }

    /// Waits until the write of `ticket` is durable; starts a snapshot when
    /// the ticket says one is due. Call it after releasing the write lock.
    async fn settle(&self, ticket: Option<Ticket>) -> Result<()> {
        let (Some(journal), Some(ticket)) = (&self.journal, ticket) else {
            return Ok(());
        };
        if ticket.snapshot_due {
            let for_thread = Arc::clone(journal);
            let symbl = Arc::clone(&self.symbl);
            let spawned = std::thread::Builder::new()
                .name("journal-snapshot".to_owned())
                .spawn(move || {
                    let run = std::panic::AssertUnwindSafe(|| for_thread.snapshot_from(&symbl));
                    match std::panic::catch_unwind(run) {
                        Ok(Ok(s)) => tracing::info!(
                            dir = %for_thread.dir().display(),
                            conversations = s.conversations,
                            messages = s.messages,
                            bytes = s.bytes,
                            "journal: snapshot written, older segments removed"
                        ),
                        Ok(Err(e)) => {
                            tracing::error!("journal: snapshot failed (segments kept): {e}");
                        }
                        // A panic ends only this snapshot: the next one
                        // comes due after as much journal again.
                        Err(_) => {
                            tracing::error!("journal: the snapshot thread panicked (segments kept)")
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("journal: cannot start the snapshot thread: {e}");
                journal.snapshot_not_started();
            }
        }
        journal.wait_durable(&ticket).await.map_err(unavailable)
    }

    /// `n` generated Symbl conversations of `seed` (no other family).
    ///
    /// ```
    /// let s = store::storage::MemoryStorage::demo(1, 10);
    /// assert_eq!(s.symbl().try_read().map(|s| s.len()).ok(), Some(10));
    /// ```
    pub fn demo(seed: u64, n: u64) -> MemoryStorage {
        MemoryStorage::new(
            crate::generate::store(seed, n),
            MongoStore::new(),
            WhatsAppStore::new(),
            ChatbotStore::new(),
        )
    }

    /// The Symbl store itself (tests, the demo banner, the OpenAPI examples).
    pub fn symbl(&self) -> &RwLock<Store> {
        &self.symbl
    }

    /// The Mongo family's data.
    pub fn mongo(&self) -> &MongoStore {
        &self.mongo
    }

    /// The WhatsApp family's data.
    pub fn whatsapp(&self) -> &WhatsAppStore {
        &self.whatsapp
    }

    /// The chatbot family's data.
    pub fn chatbot(&self) -> &ChatbotStore {
        &self.chatbot
    }

    /// The store's read lock, waited for at most until `deadline`.
    async fn read_until(
        &self,
        deadline: Option<Instant>,
    ) -> Result<tokio::sync::RwLockReadGuard<'_, Store>> {
        // Outside a runtime (a future polled by hand) there is no timer:
        // the wait is not timed, the query's visits still are.
        let (Some(deadline), Ok(_)) = (deadline, tokio::runtime::Handle::try_current()) else {
            return Ok(self.symbl.read().await);
        };
        tokio::time::timeout_at(deadline.into(), self.symbl.read())
            .await
            .map_err(|_| self.query_error(StoreError::TimedOut))
    }

    /// The list route's answer (see the module docs for when it streams).
    async fn list_page(&self, spec: QuerySpec) -> Result<ListPage> {
        let deadline = self.deadline();
        if spec.limit <= ONE_BUFFER_ROWS {
            let store = self.read_until(deadline).await?;
            let page = store
                .query_ref_until(&spec, deadline)
                .map_err(|e| self.query_error(e))?;
            let body = crate::render::list_bytes_ref(&page.items);
            return Ok(ListPage {
                total: page.total,
                body: ListBody::Bytes(body),
            });
        }
        let page = self
            .read_until(deadline)
            .await?
            .query_handles_until(&spec, deadline)
            .map_err(|e| self.query_error(e))?;
        Ok(ListPage {
            total: page.total,
            body: ListBody::Stream(Box::pin(stream_page(Arc::clone(&self.symbl), page.rows))),
        })
    }
}

/// The body of a streamed list page: `{"conversations":[` and the first
/// chunk, then one chunk of [`CHUNK_ROWS`] rows per poll, each rendered under
/// its own read lock, `]}` after the last. Rows deleted since the page was
/// chosen are left out (see the module docs).
pub(crate) fn stream_page(
    store: Arc<RwLock<Store>>,
    rows: Vec<RowHandle>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>>> + Send + Sync + 'static {
    struct Chunks {
        store: Arc<RwLock<Store>>,
        rows: Vec<RowHandle>,
        next: usize,
        written: usize,
    }
    let start = Chunks {
        store,
        rows,
        next: 0,
        written: 0,
    };
    futures_util::stream::unfold(Some(start), |chunks| async move {
        let mut c = chunks?;
        let end = c.next.saturating_add(CHUNK_ROWS).min(c.rows.len());
        let mut out = Vec::with_capacity(CHUNK_ROWS * 1024);
        if c.next == 0 {
            out.extend_from_slice(crate::render::LIST_OPEN);
        }
        {
            let store = c.store.read().await;
            let rows = c.rows.get(c.next..end).unwrap_or(&[]);
            c.written = crate::render::write_list_rows(
                &mut out,
                rows.iter().filter_map(|h| store.resolve(h)),
                c.written,
            );
        }
        c.next = end;
        let rest = if end >= c.rows.len() {
            out.extend_from_slice(crate::render::LIST_CLOSE);
            None
        } else {
            Some(c)
        };
        Some((Ok(out), rest))
    })
}

/// A journal failure as the 503 it answers.
fn unavailable(e: JournalError) -> StorageError {
    StorageError::unavailable("journal", e.to_string())
}

/// `value` as raw JSON (serde's bytes for it).
fn raw<T: serde::Serialize + ?Sized>(value: &T) -> Result<RawJson> {
    serde_json::value::to_raw_value(value)
        .map_err(|e| StorageError::internal("memory", format!("rendering JSON: {e}")))
}

impl Storage for MemoryStorage {
    fn describe(&self) -> String {
        match &self.journal {
            Some(j) => format!(
                "in memory, journal in {} (every write is on disk before it is acknowledged)",
                j.dir().display()
            ),
            None => "in memory (no --data-dir: writes are lost when the process exits)".to_owned(),
        }
    }

    /// Ready unless the journal refuses writes until a restart (a failed
    /// fsync): reads still work then, but the process should be replaced.
    fn ready(&self) -> BoxFuture<'_, Result<()>> {
        let failure = self.journal.as_ref().and_then(|j| j.failure());
        async move {
            match failure {
                Some(e) => Err(unavailable(e)),
                None => Ok(()),
            }
        }
        .boxed()
    }

    fn list(&self, spec: QuerySpec) -> BoxFuture<'_, Result<ListPage>> {
        self.list_page(spec).boxed()
    }

    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>>> {
        async move {
            let store = self.symbl.read().await;
            Ok(store.get_ref(id).map(|c| {
                let mut body = Vec::with_capacity(1024);
                crate::render::write_conversation_ref(&mut body, c);
                body
            }))
        }
        .boxed()
    }

    fn contains<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool>> {
        async move { Ok(self.symbl.read().await.contains(id)) }.boxed()
    }

    fn members<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<Member>>>> {
        async move { Ok(self.symbl.read().await.members(id)) }.boxed()
    }

    fn messages<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Vec<Message>>>> {
        async move {
            Ok(self
                .symbl
                .read()
                .await
                .messages(id)
                .map(<[Message]>::to_vec))
        }
        .boxed()
    }

    fn update_metadata<'a>(
        &'a self,
        id: &'a str,
        changes: Vec<MetadataChange>,
    ) -> BoxFuture<'a, Result<Metadata>> {
        async move {
            let mut store = self.symbl.write().await;
            let current = store.get_ref(id).ok_or_else(|| StoreError::NotFound {
                what: "conversation",
                id: id.to_owned(),
            })?;
            check_key_count(current.metadata().map(|(k, _)| k), &changes)?;
            for (key, value) in &changes {
                crate::writes::no_nul_in_pair(key, value.as_deref()).map_err(StoreError::from)?;
            }
            let ticket = self.append(|| Record::Metadata {
                id: id.to_owned(),
                changes: changes.clone(),
            })?;
            let applied = store.update_metadata(id, &changes);
            drop(store);
            self.settle(ticket).await?;
            Ok(applied?)
        }
        .boxed()
    }

    fn update_member<'a>(&'a self, id: &'a str, member: Member) -> BoxFuture<'a, Result<Member>> {
        async move {
            let mut store = self.symbl.write().await;
            let current = store
                .members(id)
                .ok_or_else(|| StoreError::NotFound {
                    what: "conversation",
                    id: id.to_owned(),
                })?
                .into_iter()
                .find(|m| m.id == member.id)
                .ok_or_else(|| StoreError::NotFound {
                    what: "member",
                    id: member.id.clone(),
                })?;
            let member = Member {
                email: member.email.or(current.email),
                ..member
            };
            crate::writes::no_nul_in_member(
                None,
                &member.id,
                &member.name,
                member.email.as_deref(),
            )
            .map_err(StoreError::from)?;
            let ticket = self.append(|| Record::Member {
                id: id.to_owned(),
                member: member.clone().into(),
            })?;
            let applied = store.update_member(id, member.clone());
            drop(store);
            self.settle(ticket).await?;
            applied?;
            Ok(member)
        }
        .boxed()
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        async move {
            let mut store = self.symbl.write().await;
            if !store.contains(id) {
                return Err(StoreError::NotFound {
                    what: "conversation",
                    id: id.to_owned(),
                }
                .into());
            }
            let ticket = self.append(|| Record::Delete { id: id.to_owned() })?;
            let applied = store.delete(id);
            drop(store);
            self.settle(ticket).await?;
            applied?;
            Ok(())
        }
        .boxed()
    }

    fn mongo_find<'a>(
        &'a self,
        database: &'a str,
        collection: &'a str,
        user_id: Option<&'a str>,
        skip: usize,
        limit: Option<usize>,
    ) -> BoxFuture<'a, Result<MongoPage>> {
        async move {
            let docs = self.mongo.find(database, collection, user_id);
            let page = docs
                .iter()
                .skip(skip)
                .take(limit.unwrap_or(usize::MAX))
                .map(|d| raw(d.json()))
                .collect::<Result<Vec<_>>>()?;
            Ok(MongoPage {
                total: docs.len(),
                docs: page,
            })
        }
        .boxed()
    }

    fn whatsapp_page(
        &self,
        status: Option<Status>,
        offset: usize,
        limit: usize,
    ) -> BoxFuture<'_, Result<WhatsAppPage>> {
        async move {
            let page = self.whatsapp.page(status, offset, limit);
            Ok(WhatsAppPage {
                total: page.total,
                rows: page.rows.iter().map(raw).collect::<Result<_>>()?,
            })
        }
        .boxed()
    }

    fn chatbot_page(
        &self,
        id: u64,
        page: usize,
        per_page: usize,
    ) -> BoxFuture<'_, Result<Option<ChatbotPage>>> {
        async move {
            let Some(found) = self.chatbot.page(id, page, per_page) else {
                return Ok(None);
            };
            Ok(Some(ChatbotPage {
                total: found.total,
                items: found.items.iter().map(raw).collect::<Result<_>>()?,
            }))
        }
        .boxed()
    }

    fn save_token<'a>(&'a self, digest: &'a str, expires_ms: i64) -> BoxFuture<'a, Result<()>> {
        async move {
            let mut tokens = self
                .tokens
                .lock()
                .map_err(|_| StorageError::internal("memory", "token table poisoned"))?;
            if tokens.len() >= TOKENS_BEFORE_PURGE {
                let now = chrono::Utc::now().timestamp_millis();
                tokens.retain(|_, exp| *exp > now);
            }
            tokens.insert(digest.to_owned(), expires_ms);
            Ok(())
        }
        .boxed()
    }

    fn token_expiry<'a>(&'a self, digest: &'a str) -> BoxFuture<'a, Result<Option<i64>>> {
        async move {
            let tokens = self
                .tokens
                .lock()
                .map_err(|_| StorageError::internal("memory", "token table poisoned"))?;
            Ok(tokens.get(digest).copied())
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn everything() -> QuerySpec {
        QuerySpec {
            limit: usize::MAX,
            window: None,
            ..Default::default()
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// A streamed page is, joined, the one-buffer page; each chunk holds
    /// at most [`CHUNK_ROWS`] rows.
    #[test]
    fn chunks_join_to_the_one_buffer_page() {
        let s = MemoryStorage::demo(3, (CHUNK_ROWS * 3 + 5) as u64);
        block_on(async {
            let page = s.list(everything()).await.unwrap();
            let ListBody::Stream(chunks) = page.body else {
                panic!("a page of more than ONE_BUFFER_ROWS rows streams");
            };
            let chunks: Vec<Vec<u8>> = chunks.map(Result::unwrap).collect().await;
            assert_eq!(chunks.len(), 4);
            let store = s.symbl().read().await;
            let whole =
                crate::render::list_bytes_ref(&store.query_ref(&everything()).unwrap().items);
            assert_eq!(chunks.concat(), whole);
            assert_eq!(page.total, CHUNK_ROWS * 3 + 5);
        });
    }

    /// A conversation deleted between two chunks is left out; one updated is
    /// rendered as it is now; the body stays valid JSON.
    #[test]
    fn writes_between_chunks_show_in_later_chunks() {
        let s = MemoryStorage::demo(3, (CHUNK_ROWS * 2 + 1) as u64);
        block_on(async {
            let rows = s
                .symbl()
                .read()
                .await
                .query_handles(&everything())
                .unwrap()
                .rows;
            let n = rows.len();
            let first_of_second = rows[CHUNK_ROWS].id().to_owned();
            let last = rows[n - 1].id().to_owned();
            let first = rows[0].id().to_owned();
            let mut stream = Box::pin(stream_page(Arc::clone(&s.symbl), rows));
            let mut body = stream.next().await.unwrap().unwrap();
            s.delete(&first_of_second).await.unwrap();
            s.delete(&first).await.unwrap(); // already sent: stays in the body
            s.update_metadata(&last, vec![("late".into(), Some("yes".into()))])
                .await
                .unwrap();
            while let Some(chunk) = stream.next().await {
                body.extend_from_slice(&chunk.unwrap());
            }
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let ids: Vec<&str> = v["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap())
                .collect();
            assert_eq!(ids.len(), n - 1);
            assert_eq!(ids[0], first);
            assert!(!ids.contains(&first_of_second.as_str()));
            assert_eq!(v["conversations"][n - 2]["metadata"]["late"], "yes");
        });
    }

    /// The key-count limit is checked inside the write: at 100 keys after the
    /// merge it passes, at 101 it fails and nothing changes.
    #[test]
    fn metadata_key_limit_at_and_past_it() {
        let s = MemoryStorage::demo(5, 1);
        let id = crate::generate::conversation(5, 0).id;
        block_on(async {
            let have = s.symbl().read().await.get(&id).unwrap().metadata.len();
            let fill: Vec<MetadataChange> = (0..super::super::MAX_METADATA_KEYS - have)
                .map(|i| (format!("fill{i}"), Some("v".to_owned())))
                .collect();
            let meta = s.update_metadata(&id, fill).await.unwrap();
            assert_eq!(meta.len(), super::super::MAX_METADATA_KEYS);
            let e = s
                .update_metadata(&id, vec![("one-more".into(), Some("v".into()))])
                .await
                .unwrap_err();
            assert!(
                matches!(
                    e.kind(),
                    super::super::StorageErrorKind::TooManyKeys { after: 101, .. }
                ),
                "{e}"
            );
            let after = s.symbl().read().await.get(&id).unwrap().metadata;
            assert_eq!(after, meta);
            // Replacing a value or removing one and adding one stays at 100.
            let swap = vec![
                ("fill0".to_owned(), None),
                ("one-more".to_owned(), Some("v".to_owned())),
            ];
            assert_eq!(s.update_metadata(&id, swap).await.unwrap().len(), 100);
        });
    }

    /// Tokens are kept by digest until their expiry; unknown digests are `None`.
    #[test]
    fn tokens_by_digest() {
        let s = MemoryStorage::default();
        block_on(async {
            s.save_token("d1", 1_000).await.unwrap();
            assert_eq!(s.token_expiry("d1").await.unwrap(), Some(1_000));
            assert_eq!(s.token_expiry("d2").await.unwrap(), None);
        });
    }

    /// The wait for the store's lock counts: a list query queued behind a
    /// writer is answered `TimedOut` at its deadline, not when the writer
    /// is done; once the lock is free the same query is answered.
    #[test]
    fn a_list_query_stops_waiting_for_the_lock_at_its_deadline() {
        let s = MemoryStorage::new(
            crate::generate::store(1, 50),
            Default::default(),
            Default::default(),
            Default::default(),
        )
        .with_statement_timeout(Duration::from_millis(20));
        block_on(async {
            let writer = s.symbl.write().await;
            let err = s.list(QuerySpec::default()).await.err().unwrap();
            assert!(
                matches!(err.kind(), super::super::StorageErrorKind::TimedOut { .. }),
                "{err}"
            );
            assert_eq!(
                err.to_string(),
                "memory: the query ran past the statement timeout of 0.02 s"
            );
            drop(writer);
            assert!(s.list(QuerySpec::default()).await.is_ok());
        });
    }
}
