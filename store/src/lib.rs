//! In-memory conversation store (manual below is being written).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod chatbot;
mod error;
mod jsonfile;
pub mod load;
pub mod mongo;
mod rng;
pub mod time;
pub mod whatsapp;

pub use error::{LoadError, LoadErrorKind, Position, RecordError, RecordErrorKind};
