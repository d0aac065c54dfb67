//! What the list-like calls of [`Storage`](super::Storage) return: totals
//! beside bodies or rows already rendered, so every backend gives the same
//! bytes.

use std::pin::Pin;

use futures_util::Stream;

use super::StorageError;

/// List pages of at most this many rows are rendered into one buffer; larger
/// ones are streamed ([`ListBody::Stream`]) by every backend.
pub const ONE_BUFFER_ROWS: usize = 256;
/// Rows per chunk of a streamed list page (about 90 KB of demo rows).
pub const CHUNK_ROWS: usize = 128;

/// A JSON value rendered once (by the loader, or when written) and sent as
/// is. Serializes as the JSON it holds.
pub type RawJson = Box<serde_json::value::RawValue>;

/// A page of the Symbl list route.
pub struct ListPage {
    /// Conversations matching the filter and window (`X-Total-Count`).
    pub total: usize,
    /// `{"conversations":[…]}`.
    pub body: ListBody,
}

impl std::fmt::Debug for ListPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListPage")
            .field("total", &self.total)
            .field(
                "body",
                &match &self.body {
                    ListBody::Bytes(b) => format!("{} bytes", b.len()),
                    ListBody::Stream(_) => "stream".to_owned(),
                },
            )
            .finish()
    }
}

/// The body of a [`ListPage`]: one buffer, or chunks for a large page (the
/// in-memory backend renders a large page a chunk at a time, each under its
/// own read lock, so a slow client holds no lock; PostgreSQL fetches it from
/// a cursor a chunk at a time, so a page never sits whole in memory).
pub enum ListBody {
    /// The whole body.
    Bytes(Vec<u8>),
    /// The body in order, chunk by chunk.
    Stream(ChunkStream),
}

impl ListBody {
    /// The whole body, collecting a stream (tests and small callers); the
    /// first error of a stream ends it.
    pub async fn collect(self) -> Result<Vec<u8>, StorageError> {
        use futures_util::TryStreamExt;
        match self {
            ListBody::Bytes(b) => Ok(b),
            ListBody::Stream(s) => s.try_concat().await,
        }
    }
}

/// The chunks of a streamed body (`Sync` too: the HTTP layer shares it). An
/// error ends the body: the answer's head is sent by then, so the server
/// cuts the connection (the client sees an incomplete answer, never a
/// complete one with rows missing).
pub type ChunkStream =
    Pin<Box<dyn Stream<Item = Result<Vec<u8>, StorageError>> + Send + Sync + 'static>>;

/// A page of the Mongo family's route.
#[derive(Debug)]
pub struct MongoPage {
    /// Documents before `skip`/`limit` (`X-Total-Count`).
    pub total: usize,
    /// The page's documents, each as stored.
    pub docs: Vec<RawJson>,
}

/// A page of the WhatsApp list route.
#[derive(Debug)]
pub struct WhatsAppPage {
    /// Conversations with the status asked for (`X-Total-Count`).
    pub total: usize,
    /// The page's list rows, newest message first.
    pub rows: Vec<RawJson>,
}

/// A page of the chatbot messages route.
#[derive(Debug)]
pub struct ChatbotPage {
    /// Messages in the conversation (`X-Total-Count`).
    pub total: usize,
    /// The page's messages, oldest first.
    pub items: Vec<RawJson>,
}
