//! What the list-like calls of [`Storage`](super::Storage) return: totals
//! beside bodies or rows already rendered, so every backend gives the same
//! bytes.

use std::pin::Pin;

use futures_util::Stream;

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
/// own read lock, so a slow client holds no lock).
pub enum ListBody {
    /// The whole body.
    Bytes(Vec<u8>),
    /// The body in order, chunk by chunk.
    Stream(ChunkStream),
}

impl ListBody {
    /// The whole body, collecting a stream (tests and small callers).
    pub async fn collect(self) -> Vec<u8> {
        use futures_util::StreamExt;
        match self {
            ListBody::Bytes(b) => b,
            ListBody::Stream(s) => s.concat().await,
        }
    }
}

/// The chunks of a streamed body (`Sync` too: the HTTP layer shares it).
pub type ChunkStream = Pin<Box<dyn Stream<Item = Vec<u8>> + Send + Sync + 'static>>;

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
