//! What every family's loader shares: taking its tables over and opening a
//! binary `COPY`.

use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use super::FamilyError;

/// Every table of the three families, in the one order every loader locks
/// them.
pub(super) const FAMILY_TABLES: [&str; 5] = [
    "mongo_documents",
    "mongo_participants",
    "whatsapp_conversations",
    "chatbot_conversations",
    "chatbot_messages",
];

/// Locks every family's tables against other loaders and writers (`SHARE
/// ROW EXCLUSIVE`: plain reads go on, on the old rows, until the caller
/// commits), then deletes the rows of `tables` (children first).
///
/// All five tables are locked, always in [`FAMILY_TABLES`] order, whichever
/// family is loaded: two processes loading different families in
/// different orders then queue instead of deadlocking. `tables` are the
/// loaders' own constants, never user input.
pub(super) async fn take_over(
    tx: &Transaction<'_>,
    tables: &[&'static str],
) -> Result<(), FamilyError> {
    let mut sql = format!(
        "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE;",
        FAMILY_TABLES.join(", ")
    );
    for t in tables {
        sql.push_str(&format!(" DELETE FROM {t};"));
    }
    tx.batch_execute(&sql).await?;
    Ok(())
}

/// A binary `COPY` into `statement`'s table with columns of `types`.
pub(super) async fn writer(
    tx: &Transaction<'_>,
    statement: &'static str,
    types: &[Type],
) -> Result<BinaryCopyInWriter, FamilyError> {
    let sink = tx.copy_in(statement).await?;
    Ok(BinaryCopyInWriter::new(sink, types))
}
