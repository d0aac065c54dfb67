//! Family M on PostgreSQL: `mongo_documents` and `mongo_participants`.

use std::collections::BTreeSet;
use std::path::Path;

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Transaction};

use super::copy::{take_over, writer};
use super::{FamilyError, int8, raw_docs, total};
use crate::families::mongo::MongoStore;
use crate::load::{LoadOptions, LoadReport};
use crate::storage::MongoPage;

/// The find without `user_id`: `$1` database, `$2` collection, `$3` limit
/// (`NULL`: all), `$4` skip. One row: the collection's document count, then
/// the page's JSON texts in (`created_at`, `_id`) order.
///
/// ```
/// assert!(store::pg::families::MONGO_FIND_ALL_SQL.contains("LIMIT $3 OFFSET $4"));
/// ```
pub const MONGO_FIND_ALL_SQL: &str = "\
SELECT (SELECT count(*) FROM mongo_documents WHERE database = $1 AND collection = $2), \
(SELECT coalesce(array_agg(json ORDER BY created_ms, object_id), '{}') FROM \
(SELECT json, created_ms, object_id FROM mongo_documents WHERE database = $1 AND collection = $2 \
ORDER BY created_ms, object_id LIMIT $3 OFFSET $4) page)";

/// The find with `user_id`: `$1` database, `$2` collection, `$3` the user's
/// UTF-8 bytes, `$4` limit (`NULL`: all), `$5` skip. One row: how many
/// documents have the user among their participants, then the page's JSON
/// texts in (`created_at`, `_id`) order.
///
/// ```
/// assert!(store::pg::families::MONGO_FIND_USER_SQL.contains("user_id = $3"));
/// ```
pub const MONGO_FIND_USER_SQL: &str = "\
SELECT (SELECT count(*) FROM mongo_participants WHERE database = $1 AND collection = $2 AND user_id = $3), \
(SELECT coalesce(array_agg(d.json ORDER BY p.created_ms, p.object_id), '{}') FROM \
(SELECT created_ms, object_id FROM mongo_participants WHERE database = $1 AND collection = $2 \
AND user_id = $3 ORDER BY created_ms, object_id LIMIT $4 OFFSET $5) p \
JOIN mongo_documents d ON d.database = $1 AND d.collection = $2 AND d.object_id = p.object_id)";

/// The documents of `database`.`collection` in stored order (`created_at`,
/// then `_id`), only those whose `participants` contain `user_id` when
/// given: `total` before paging, then `skip` and `limit` (`None`: all)
/// applied. Unknown names give `total` 0 and no document. One round trip.
///
/// ```no_run
/// # async fn f(client: &tokio_postgres::Client) -> Result<(), store::pg::families::FamilyError> {
/// let page = store::pg::families::mongo_find(client, "acme", "conversations", Some("user1"), 0, Some(10)).await?;
/// assert!(page.docs.len() <= 10 && page.total >= page.docs.len());
/// # Ok(()) }
/// ```
pub async fn mongo_find(
    client: &Client,
    database: &str,
    collection: &str,
    user_id: Option<&str>,
    skip: usize,
    limit: Option<usize>,
) -> Result<MongoPage, FamilyError> {
    // Loaded names never hold NUL (the name rules forbid it), and `text`
    // cannot carry one: such a collection does not exist.
    if database.contains('\0') || collection.contains('\0') {
        return Ok(MongoPage {
            total: 0,
            docs: Vec::new(),
        });
    }
    let limit = limit.map(int8);
    let skip = int8(skip);
    let row = match user_id {
        None => {
            let params: [(&(dyn ToSql + Sync), Type); 4] = [
                (&database, Type::TEXT),
                (&collection, Type::TEXT),
                (&limit, Type::INT8),
                (&skip, Type::INT8),
            ];
            client.query_typed(MONGO_FIND_ALL_SQL, &params).await?
        }
        Some(user) => {
            let user = user.as_bytes();
            let params: [(&(dyn ToSql + Sync), Type); 5] = [
                (&database, Type::TEXT),
                (&collection, Type::TEXT),
                (&user, Type::BYTEA),
                (&limit, Type::INT8),
                (&skip, Type::INT8),
            ];
            client.query_typed(MONGO_FIND_USER_SQL, &params).await?
        }
    };
    let row = row.first().ok_or_else(|| FamilyError::StoredValue {
        table: "mongo_documents",
        reason: "the find returned no row".to_owned(),
    })?;
    Ok(MongoPage {
        total: total(row.try_get(0)?, "mongo_documents")?,
        docs: raw_docs(row.try_get(1)?, "mongo_documents")?,
    })
}

/// Replaces the Mongo family with the files of `dir`
/// (`dir/<database>/<collection>.json` or `.jsonl`), read and checked by
/// [`MongoStore::load_dir`]: the same report, the same bad records, the same
/// errors. Runs in `tx`; the caller commits.
///
/// ```no_run
/// # async fn f(client: &mut tokio_postgres::Client) -> Result<(), store::pg::families::FamilyError> {
/// let tx = client.transaction().await?;
/// let report = store::pg::families::load_mongo_dir(&tx, "data/mongo", &Default::default()).await?;
/// tx.commit().await?;
/// println!("{} documents", report.loaded);
/// # Ok(()) }
/// ```
pub async fn load_mongo_dir(
    tx: &Transaction<'_>,
    dir: impl AsRef<Path>,
    opts: &LoadOptions,
) -> Result<LoadReport, FamilyError> {
    let mut mongo = MongoStore::new();
    let report = mongo.load_dir(dir, opts)?;
    copy_mongo(tx, &mongo).await?;
    Ok(report)
}

/// Replaces the Mongo family with `mongo`'s documents (binary `COPY`, in
/// `tx`); returns how many documents were written.
///
/// ```no_run
/// # async fn f(tx: &tokio_postgres::Transaction<'_>) -> Result<(), store::pg::families::FamilyError> {
/// let m = store::families::mongo::MongoStore::generate(7, 10);
/// assert_eq!(store::pg::families::copy_mongo(tx, &m).await?, 30);
/// # Ok(()) }
/// ```
pub async fn copy_mongo(tx: &Transaction<'_>, mongo: &MongoStore) -> Result<u64, FamilyError> {
    take_over(tx, &["mongo_participants", "mongo_documents"]).await?;
    let docs = writer(
        tx,
        "COPY mongo_documents (database, collection, created_ms, object_id, json) \
         FROM STDIN (FORMAT binary)",
        &[Type::TEXT, Type::TEXT, Type::INT8, Type::TEXT, Type::TEXT],
    )
    .await?;
    let mut docs = std::pin::pin!(docs);
    for database in mongo.databases() {
        for collection in mongo.collections(database) {
            let Some(coll) = mongo.collection(database, collection) else {
                continue;
            };
            for doc in coll.documents() {
                let json =
                    serde_json::to_string(doc.json()).map_err(|e| FamilyError::StoredValue {
                        table: "mongo_documents",
                        reason: format!("rendering document {}: {e}", doc.id()),
                    })?;
                let id = doc.id().to_string();
                let created = doc.created_ms();
                docs.as_mut()
                    .write(&[&database, &collection, &created, &id, &json])
                    .await?;
            }
        }
    }
    let written = docs.as_mut().finish().await?;
    let users = writer(
        tx,
        "COPY mongo_participants (database, collection, user_id, created_ms, object_id) \
         FROM STDIN (FORMAT binary)",
        &[Type::TEXT, Type::TEXT, Type::BYTEA, Type::INT8, Type::TEXT],
    )
    .await?;
    let mut users = std::pin::pin!(users);
    for database in mongo.databases() {
        for collection in mongo.collections(database) {
            let Some(coll) = mongo.collection(database, collection) else {
                continue;
            };
            for doc in coll.documents() {
                let id = doc.id().to_string();
                let created = doc.created_ms();
                // A participant named twice is one row: the find matches the
                // document once.
                let distinct: BTreeSet<&[u8]> =
                    doc.participants().iter().map(|p| p.as_bytes()).collect();
                for user in distinct {
                    users
                        .as_mut()
                        .write(&[&database, &collection, &user, &created, &id])
                        .await?;
                }
            }
        }
    }
    users.as_mut().finish().await?;
    Ok(written)
}
