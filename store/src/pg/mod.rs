//! The PostgreSQL backend (feature `postgres`).
//!
//! * [`families`]: the Mongo, WhatsApp and chatbot families' tables
//!   (`migrations/V2__families.sql`), their pages and their `COPY` loaders.

pub mod families;
