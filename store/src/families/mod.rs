//! The demo's three other route families: small, self-contained stores that
//! use neither `rsql` nor [`Store`](crate::Store).
//!
//! * [`mongo`] — family M (`GET /get-all-conversations`): JSON documents per
//!   organization and collection, in creation order.
//! * [`whatsapp`] — family W (`GET /api/conversations`): WhatsApp-bot
//!   conversations by `last_message_at`, then id, both descending.
//! * [`chatbot`] — family C (`GET /v1/api/conversation-messages/:id`):
//!   chatbot messages by `createdOn`, then id, paged.
//!
//! Each has its types, a file loader (a JSON array or JSON Lines, read by the
//! private `jsonfile` module with the same [`LoadOptions`](crate::load::LoadOptions)
//! as the conversation loader) and a deterministic generator.
//!
//! ```
//! let wa = store::families::whatsapp::WhatsAppStore::generate(1, 3);
//! let bot = store::families::chatbot::ChatbotStore::generate(1, 3);
//! let m = store::families::mongo::MongoStore::generate(1, 3);
//! assert_eq!((wa.len(), bot.len()), (3, 3));
//! assert_eq!(m.collection("acme", "conversations").map(|c| c.len()), Some(3));
//! ```

pub mod chatbot;
mod jsonfile;
pub mod mongo;
pub mod whatsapp;
