//! In-memory conversation store (manual below is being written).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod chatbot;
mod error;
mod exec;
pub mod r#gen;
mod ids;
mod index;
mod intern;
mod jsonfile;
pub mod load;
mod model;
pub mod mongo;
mod parse;
mod plan;
mod query;
mod rng;
pub mod schema;
pub mod sort;
mod store;
mod store_error;
pub mod time;
mod view;
pub mod whatsapp;

pub use error::{LoadError, LoadErrorKind, Position, RecordError, RecordErrorKind};
pub use model::{Conversation, Member, Message, MessageFrom, Metadata, Word, is_valid_email};
pub use query::{
    CLOCK_SKEW_MS, DEFAULT_LIMIT, DEFAULT_WINDOW_MS, MAX_LIMIT, MAX_OFFSET, Page, ParamError,
    ParamErrorKind, Params, QuerySpec, Window,
};
pub use schema::{compile_filter, schema};
pub use store::Store;
pub use store_error::StoreError;
pub use view::{ConversationRef, MemberRef, PageRef};
