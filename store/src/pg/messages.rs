//! The `messages` table's columns to and from [`Message`]s.
//!
//! A message is one row: its strings and times as columns, the sentiment
//! as `double precision` (sent in binary, so the score comes back to the
//! bit), and its word timings as JSON text `[[word, startMs, endMs], …]`
//! (strings and integers only, so the text round-trips exactly).

use crate::{Message, MessageFrom, Word};

use super::error::bad_row;
use crate::storage::StorageError;

/// The columns a query selects, in [`from_row`]'s order.
pub(crate) const COLUMNS: &str = "m.id, m.text, m.from_id, m.from_name, m.from_user_id, m.start_ms, m.end_ms, m.sentiment, m.words";

/// `message.words` as the `words` column's JSON text.
pub(crate) fn words_json(words: &[Word]) -> String {
    let triples: Vec<(&str, i64, i64)> = words
        .iter()
        .map(|w| (w.word.as_str(), w.start_time, w.end_time))
        .collect();
    // Strings and integers always serialize.
    serde_json::to_string(&triples).unwrap_or_else(|_| "[]".to_owned())
}

/// A message from a row whose columns start at `at` in [`COLUMNS`]' order;
/// `conversation_id` is the conversation asked for.
pub(crate) fn from_row(
    row: &tokio_postgres::Row,
    at: usize,
    conversation_id: &str,
) -> Result<Message, StorageError> {
    let bad = |e: tokio_postgres::Error| bad_row("a messages row", e);
    let words: String = row.try_get(at + 8).map_err(bad)?;
    let words: Vec<(String, i64, i64)> = serde_json::from_str(&words)
        .map_err(|e| bad_row("a messages row's words", format!("{e} in {words:.80}")))?;
    Ok(Message {
        id: row.try_get(at).map_err(bad)?,
        text: row.try_get(at + 1).map_err(bad)?,
        from: MessageFrom {
            id: row.try_get(at + 2).map_err(bad)?,
            name: row.try_get(at + 3).map_err(bad)?,
            user_id: row.try_get(at + 4).map_err(bad)?,
        },
        start_time: row.try_get(at + 5).map_err(bad)?,
        end_time: row.try_get(at + 6).map_err(bad)?,
        conversation_id: conversation_id.to_owned(),
        sentiment: row.try_get(at + 7).map_err(bad)?,
        words: words
            .into_iter()
            .map(|(word, start_time, end_time)| Word {
                word,
                start_time,
                end_time,
            })
            .collect(),
    })
}
