//! Family W on PostgreSQL: `whatsapp_conversations`.

use std::path::Path;

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Transaction};

use super::copy::{take_over, writer};
use super::{FamilyError, int8, raw_docs, total};
use crate::families::whatsapp::{Status, WhatsAppStore};
use crate::load::{LoadOptions, LoadReport};
use crate::storage::WhatsAppPage;

/// The list over every status: `$1` limit, `$2` offset. One row: the
/// number of conversations, then the page's list rows, newest message
/// first.
///
/// ```
/// assert!(store::pg::families::WHATSAPP_PAGE_SQL.contains("LIMIT $1 OFFSET $2"));
/// ```
pub const WHATSAPP_PAGE_SQL: &str = "\
SELECT (SELECT count(*) FROM whatsapp_conversations), \
(SELECT coalesce(array_agg(row_json ORDER BY last_message_at DESC, id DESC), '{}') FROM \
(SELECT row_json, last_message_at, id FROM whatsapp_conversations \
ORDER BY last_message_at DESC, id DESC LIMIT $1 OFFSET $2) page)";

/// The list of one status: `$1` limit, `$2` offset, `$3` the status's wire
/// name. One row: the number of conversations with that status, then the
/// page's list rows, newest message first.
///
/// ```
/// assert!(store::pg::families::WHATSAPP_PAGE_BY_STATUS_SQL.contains("WHERE status = $3"));
/// ```
pub const WHATSAPP_PAGE_BY_STATUS_SQL: &str = "\
SELECT (SELECT count(*) FROM whatsapp_conversations WHERE status = $3), \
(SELECT coalesce(array_agg(row_json ORDER BY last_message_at DESC, id DESC), '{}') FROM \
(SELECT row_json, last_message_at, id FROM whatsapp_conversations WHERE status = $3 \
ORDER BY last_message_at DESC, id DESC LIMIT $1 OFFSET $2) page)";

/// The WhatsApp list: conversations with `status` (all when `None`), by
/// `last_message_at` then `id`, both descending; `total` counts them all,
/// `offset` and `limit` pick the page (an offset past the end gives no row
/// and the same total). One round trip.
///
/// ```no_run
/// # async fn f(client: &tokio_postgres::Client) -> Result<(), store::pg::families::FamilyError> {
/// use store::families::whatsapp::Status;
/// let page = store::pg::families::whatsapp_page(client, Some(Status::Closed), 0, 100).await?;
/// assert!(page.rows.len() <= 100);
/// # Ok(()) }
/// ```
pub async fn whatsapp_page(
    client: &Client,
    status: Option<Status>,
    offset: usize,
    limit: usize,
) -> Result<WhatsAppPage, FamilyError> {
    let (limit, offset) = (int8(limit), int8(offset));
    let rows = match status {
        None => {
            let params: [(&(dyn ToSql + Sync), Type); 2] =
                [(&limit, Type::INT8), (&offset, Type::INT8)];
            client.query_typed(WHATSAPP_PAGE_SQL, &params).await?
        }
        Some(status) => {
            let name = status.as_str();
            let params: [(&(dyn ToSql + Sync), Type); 3] = [
                (&limit, Type::INT8),
                (&offset, Type::INT8),
                (&name, Type::TEXT),
            ];
            client
                .query_typed(WHATSAPP_PAGE_BY_STATUS_SQL, &params)
                .await?
        }
    };
    let row = rows.first().ok_or_else(|| FamilyError::StoredValue {
        table: "whatsapp_conversations",
        reason: "the list returned no row".to_owned(),
    })?;
    Ok(WhatsAppPage {
        total: total(row.try_get(0)?, "whatsapp_conversations")?,
        rows: raw_docs(row.try_get(1)?, "whatsapp_conversations")?,
    })
}

/// Replaces the WhatsApp family with the conversations of `path` (a JSON
/// array or JSON Lines), read and checked by [`WhatsAppStore::load_file`]:
/// the same report, the same bad records, the same errors. Runs in `tx`;
/// the caller commits.
///
/// ```no_run
/// # async fn f(tx: &tokio_postgres::Transaction<'_>) -> Result<(), store::pg::families::FamilyError> {
/// let report = store::pg::families::load_whatsapp_file(tx, "whatsapp.jsonl", &Default::default()).await?;
/// println!("{} conversations, {} skipped", report.loaded, report.skipped.len());
/// # Ok(()) }
/// ```
pub async fn load_whatsapp_file(
    tx: &Transaction<'_>,
    path: impl AsRef<Path>,
    opts: &LoadOptions,
) -> Result<LoadReport, FamilyError> {
    let mut whatsapp = WhatsAppStore::new();
    let report = whatsapp.load_file(path, opts)?;
    copy_whatsapp(tx, &whatsapp).await?;
    Ok(report)
}

/// Replaces the WhatsApp family with `whatsapp`'s conversations, each as
/// its list row (binary `COPY`, in `tx`); returns how many were written.
///
/// ```no_run
/// # async fn f(tx: &tokio_postgres::Transaction<'_>) -> Result<(), store::pg::families::FamilyError> {
/// let wa = store::families::whatsapp::WhatsAppStore::generate(7, 30);
/// assert_eq!(store::pg::families::copy_whatsapp(tx, &wa).await?, 30);
/// # Ok(()) }
/// ```
pub async fn copy_whatsapp(
    tx: &Transaction<'_>,
    whatsapp: &WhatsAppStore,
) -> Result<u64, FamilyError> {
    take_over(tx, &["whatsapp_conversations"]).await?;
    let rows = writer(
        tx,
        "COPY whatsapp_conversations (id, status, last_message_at, row_json) \
         FROM STDIN (FORMAT binary)",
        &[Type::INT8, Type::TEXT, Type::INT8, Type::TEXT],
    )
    .await?;
    let mut rows = std::pin::pin!(rows);
    for row in whatsapp.list(None, usize::MAX) {
        let json = serde_json::to_string(&row).map_err(|e| FamilyError::StoredValue {
            table: "whatsapp_conversations",
            reason: format!("rendering conversation {}: {e}", row.id),
        })?;
        let status = row.status.as_str();
        rows.as_mut()
            .write(&[&row.id, &status, &row.last_message_at, &json])
            .await?;
    }
    Ok(rows.as_mut().finish().await?)
}
