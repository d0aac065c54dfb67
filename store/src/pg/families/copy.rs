//! What every family's loader shares: taking its tables over and opening a
//! binary `COPY`.

use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use super::FamilyError;

/// Locks `tables` against other loaders and writers (`SHARE ROW
/// EXCLUSIVE`: plain reads go on, on the old rows, until the caller
/// commits), then deletes their rows, in the given order (children first).
/// `tables` are the loaders' own constants, never user input.
pub(super) async fn take_over(
    tx: &Transaction<'_>,
    tables: &[&'static str],
) -> Result<(), FamilyError> {
    let list = tables.join(", ");
    let mut sql = format!("LOCK TABLE {list} IN SHARE ROW EXCLUSIVE MODE;");
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
