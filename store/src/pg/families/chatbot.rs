//! Family C on PostgreSQL: `chatbot_conversations` and `chatbot_messages`.

use std::path::Path;

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Transaction};

use super::copy::{take_over, writer};
use super::{FamilyError, int8, raw_docs, total};
use crate::families::chatbot::ChatbotStore;
use crate::load::{LoadOptions, LoadReport};
use crate::storage::ChatbotPage;

/// A page of one conversation: `$1` its id, `$2` limit, `$3` offset. No
/// row when there is no such conversation, else one: its message count,
/// then the page's messages in (`createdOn`, `id`) order.
///
/// ```
/// assert!(store::pg::families::CHATBOT_PAGE_SQL.contains("ORDER BY created_us, id LIMIT $2 OFFSET $3"));
/// ```
pub const CHATBOT_PAGE_SQL: &str = "\
SELECT (SELECT count(*) FROM chatbot_messages WHERE conversation_id = c.id), \
(SELECT coalesce(array_agg(json ORDER BY created_us, id), '{}') FROM \
(SELECT json, created_us, id FROM chatbot_messages WHERE conversation_id = c.id \
ORDER BY created_us, id LIMIT $2 OFFSET $3) page) \
FROM chatbot_conversations c WHERE c.id = $1";

/// The messages of conversation `id`, page `page` (1-based; page 0 is
/// taken as page 1) of `per_page`, oldest first; `total` counts them all; a
/// page past the end is empty. `None` when there is no such conversation. One round trip.
///
/// ```no_run
/// # async fn f(client: &tokio_postgres::Client) -> Result<(), store::pg::families::FamilyError> {
/// if let Some(page) = store::pg::families::chatbot_page(client, 1234, 2, 50).await? {
///     assert!(page.items.len() <= 50);
/// }
/// # Ok(()) }
/// ```
pub async fn chatbot_page(
    client: &Client,
    id: u64,
    page: usize,
    per_page: usize,
) -> Result<Option<ChatbotPage>, FamilyError> {
    // Stored ids are positive `bigint`s: a larger one names no conversation.
    let Ok(id) = i64::try_from(id) else {
        return Ok(None);
    };
    let offset = int8(page.saturating_sub(1).saturating_mul(per_page));
    let limit = int8(per_page);
    let params: [(&(dyn ToSql + Sync), Type); 3] = [
        (&id, Type::INT8),
        (&limit, Type::INT8),
        (&offset, Type::INT8),
    ];
    let rows = client.query_typed(CHATBOT_PAGE_SQL, &params).await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(ChatbotPage {
        total: total(row.try_get(0)?, "chatbot_messages")?,
        items: raw_docs(row.try_get(1)?, "chatbot_messages")?,
    }))
}

/// Replaces the chatbot family with the conversations of `path` (a JSON
/// array or JSON Lines of `{id, messages}`), read and checked by
/// [`ChatbotStore::load_file`]: the same report, the same bad records, the
/// same errors. Runs in `tx`; the caller commits.
///
/// ```no_run
/// # async fn f(tx: &tokio_postgres::Transaction<'_>) -> Result<(), store::pg::families::FamilyError> {
/// let report = store::pg::families::load_chatbot_file(tx, "chatbot.json", &Default::default()).await?;
/// println!("{} conversations", report.loaded);
/// # Ok(()) }
/// ```
pub async fn load_chatbot_file(
    tx: &Transaction<'_>,
    path: impl AsRef<Path>,
    opts: &LoadOptions,
) -> Result<LoadReport, FamilyError> {
    let mut chatbot = ChatbotStore::new();
    let report = chatbot.load_file(path, opts)?;
    copy_chatbot(tx, &chatbot).await?;
    Ok(report)
}

/// Replaces the chatbot family with `chatbot`'s conversations and messages
/// (binary `COPY`, in `tx`); returns how many conversations and messages
/// were written.
///
/// ```no_run
/// # async fn f(tx: &tokio_postgres::Transaction<'_>) -> Result<(), store::pg::families::FamilyError> {
/// let bot = store::families::chatbot::ChatbotStore::generate(7, 5);
/// let (conversations, _messages) = store::pg::families::copy_chatbot(tx, &bot).await?;
/// assert_eq!(conversations, 5);
/// # Ok(()) }
/// ```
pub async fn copy_chatbot(
    tx: &Transaction<'_>,
    chatbot: &ChatbotStore,
) -> Result<(u64, u64), FamilyError> {
    take_over(tx, &["chatbot_messages", "chatbot_conversations"]).await?;
    let convs = writer(
        tx,
        "COPY chatbot_conversations (id) FROM STDIN (FORMAT binary)",
        &[Type::INT8],
    )
    .await?;
    let mut convs = std::pin::pin!(convs);
    for (id, _) in chatbot.conversations() {
        let id = stored_id(id)?;
        convs.as_mut().write(&[&id]).await?;
    }
    let conversations = convs.as_mut().finish().await?;
    let msgs = writer(
        tx,
        "COPY chatbot_messages (conversation_id, created_us, id, json) FROM STDIN (FORMAT binary)",
        &[Type::INT8, Type::INT8, Type::INT8, Type::TEXT],
    )
    .await?;
    let mut msgs = std::pin::pin!(msgs);
    for (id, messages) in chatbot.conversations() {
        let id = stored_id(id)?;
        for m in messages {
            let json = serde_json::to_string(m).map_err(|e| FamilyError::StoredValue {
                table: "chatbot_messages",
                reason: format!("rendering message {}: {e}", m.id),
            })?;
            msgs.as_mut()
                .write(&[&id, &m.created_on, &m.id, &json])
                .await?;
        }
    }
    let messages = msgs.as_mut().finish().await?;
    Ok((conversations, messages))
}

/// A conversation id as its `bigint`: the in-memory loader accepts only
/// positive `i64`s, so only a store built by hand can hold a larger one.
fn stored_id(id: u64) -> Result<i64, FamilyError> {
    i64::try_from(id).map_err(|_| FamilyError::StoredValue {
        table: "chatbot_conversations",
        reason: format!("conversation id {id} is larger than a bigint"),
    })
}
