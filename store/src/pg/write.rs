//! The writes, each one transaction that locks the conversation's row
//! (`SELECT … FOR UPDATE`), so that writers in every process sharing the
//! database are serialised per conversation and none is lost; and the
//! token table.

use deadpool_postgres::Transaction;

use super::PgStorage;
use super::error::{self, bad_row};
use super::read::parse_doc;
use crate::storage::{MetadataChange, Result, check_key_count};
use crate::writes::{no_nul_in_member, no_nul_in_pair};
use crate::{Conversation, Member, Metadata, StoreError};

/// Expired tokens deleted at most per save (the table stays bounded by the
/// tokens still valid plus this many a save).
const TOKENS_PURGED_PER_SAVE: i64 = 1_000;

/// The conversation `id`, read and locked until `tx` ends.
async fn lock(tx: &Transaction<'_>, id: &str) -> Result<Conversation> {
    let stmt = tx
        .prepare_cached("SELECT doc FROM conversations WHERE id = $1 FOR UPDATE")
        .await
        .map_err(|e| error::db("preparing a row lock", &e))?;
    let row = tx
        .query_opt(&stmt, &[&id])
        .await
        .map_err(|e| error::db("locking a conversation", &e))?
        .ok_or_else(|| StoreError::not_found("conversation", id))?;
    let doc: &str = row
        .try_get(0)
        .map_err(|e| bad_row("conversations.doc", e))?;
    parse_doc(id, doc)
}

/// Writes `c`'s re-rendered JSON (and its metadata, for filters).
async fn store_doc(tx: &Transaction<'_>, c: &Conversation) -> Result<()> {
    let doc = serde_json::to_string(c)
        .map_err(|e| bad_row(&format!("rendering conversation {}", c.id), e))?;
    let metadata = metadata_json(&c.metadata);
    let stmt = tx
        .prepare_cached(
            "UPDATE conversations SET metadata = $2::text::jsonb, doc = $3 WHERE id = $1",
        )
        .await
        .map_err(|e| error::db("preparing a row update", &e))?;
    tx.execute(&stmt, &[&c.id, &metadata, &doc])
        .await
        .map_err(|e| error::db("updating a conversation", &e))?;
    Ok(())
}

/// The metadata as a JSON object's text (the `metadata` column).
pub(crate) fn metadata_json(m: &Metadata) -> String {
    let map: serde_json::Map<String, serde_json::Value> = m
        .iter()
        .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The metadata merge of `api.md` §2.2 (see
/// [`Storage::update_metadata`](crate::storage::Storage::update_metadata)).
pub(crate) async fn update_metadata(
    s: &PgStorage,
    id: &str,
    changes: &[MetadataChange],
) -> Result<Metadata> {
    let mut client = s.client().await?;
    let tx = client
        .transaction()
        .await
        .map_err(|e| error::db("BEGIN", &e))?;
    let mut c = lock(&tx, id).await?;
    // The checks and their order are the in-memory store's.
    check_key_count(c.metadata.iter().map(|(k, _)| k), changes)?;
    for (key, value) in changes {
        no_nul_in_pair(key, value.as_deref()).map_err(StoreError::from)?;
    }
    for (key, value) in changes {
        match value {
            Some(v) => c.metadata.insert(key.clone(), v.clone()),
            None => {
                c.metadata.remove(key);
            }
        }
    }
    store_doc(&tx, &c).await?;
    tx.commit().await.map_err(|e| error::db("COMMIT", &e))?;
    Ok(c.metadata)
}

/// A member's name and e-mail, in the conversation, its members row and
/// its messages' `from` (see
/// [`Storage::update_member`](crate::storage::Storage::update_member)).
pub(crate) async fn update_member(s: &PgStorage, id: &str, member: Member) -> Result<Member> {
    let mut client = s.client().await?;
    let tx = client
        .transaction()
        .await
        .map_err(|e| error::db("BEGIN", &e))?;
    let mut c = lock(&tx, id).await?;
    let pos = c
        .members
        .iter()
        .position(|m| m.id == member.id)
        .ok_or_else(|| StoreError::not_found("member", &member.id))?;
    no_nul_in_member(None, &member.id, &member.name, member.email.as_deref())
        .map_err(StoreError::from)?;
    let current = c.members.get(pos).and_then(|m| m.email.clone());
    let member = Member {
        email: member.email.or(current),
        ..member
    };
    if let Some(slot) = c.members.get_mut(pos) {
        *slot = member.clone();
    }
    store_doc(&tx, &c).await?;
    let position = i32::try_from(pos).map_err(|e| bad_row("a member's position", e))?;
    let stmt = tx
        .prepare_cached(
            "UPDATE members SET name = $3, email = $4 WHERE conversation_id = $1 AND position = $2",
        )
        .await
        .map_err(|e| error::db("preparing a member update", &e))?;
    tx.execute(&stmt, &[&id, &position, &member.name, &member.email])
        .await
        .map_err(|e| error::db("updating a member", &e))?;
    let stmt = tx
        .prepare_cached(
            "UPDATE messages SET from_name = $3, from_user_id = $4 \
             WHERE conversation_id = $1 AND from_id = $2",
        )
        .await
        .map_err(|e| error::db("preparing a messages update", &e))?;
    tx.execute(&stmt, &[&id, &member.id, &member.name, &member.email])
        .await
        .map_err(|e| error::db("updating a member's messages", &e))?;
    tx.commit().await.map_err(|e| error::db("COMMIT", &e))?;
    Ok(member)
}

/// Deletes the conversation, its members and its messages.
pub(crate) async fn delete(s: &PgStorage, id: &str) -> Result<()> {
    let mut client = s.client().await?;
    let tx = client
        .transaction()
        .await
        .map_err(|e| error::db("BEGIN", &e))?;
    let stmt = tx
        .prepare_cached("DELETE FROM conversations WHERE id = $1")
        .await
        .map_err(|e| error::db("preparing a delete", &e))?;
    let n = tx
        .execute(&stmt, &[&id])
        .await
        .map_err(|e| error::db("deleting a conversation", &e))?;
    if n == 0 {
        return Err(StoreError::not_found("conversation", id).into());
    }
    let stmt = tx
        .prepare_cached("UPDATE conversation_count SET n = n - 1")
        .await
        .map_err(|e| error::db("preparing the count update", &e))?;
    tx.execute(&stmt, &[])
        .await
        .map_err(|e| error::db("updating the conversation count", &e))?;
    for (sql, what) in [
        (
            "DELETE FROM members WHERE conversation_id = $1",
            "deleting members",
        ),
        (
            "DELETE FROM messages WHERE conversation_id = $1",
            "deleting messages",
        ),
    ] {
        let stmt = tx
            .prepare_cached(sql)
            .await
            .map_err(|e| error::db("preparing a delete", &e))?;
        tx.execute(&stmt, &[&id])
            .await
            .map_err(|e| error::db(what, &e))?;
    }
    tx.commit().await.map_err(|e| error::db("COMMIT", &e))?;
    Ok(())
}

/// Keeps a token's digest and expiry (replacing an earlier expiry), and
/// purges up to [`TOKENS_PURGED_PER_SAVE`] tokens expired before
/// `expires_ms`'s issue.
pub(crate) async fn save_token(s: &PgStorage, digest: &str, expires_ms: i64) -> Result<()> {
    let client = s.client().await?;
    let stmt = client
        .prepare_cached(
            "INSERT INTO tokens (digest, expires_ms) VALUES ($1, $2) \
             ON CONFLICT (digest) DO UPDATE SET expires_ms = EXCLUDED.expires_ms",
        )
        .await
        .map_err(|e| error::db("preparing a token insert", &e))?;
    client
        .execute(&stmt, &[&digest, &expires_ms])
        .await
        .map_err(|e| error::db("saving a token", &e))?;
    let now = chrono::Utc::now().timestamp_millis();
    let stmt = client
        .prepare_cached(
            "DELETE FROM tokens WHERE digest IN \
             (SELECT digest FROM tokens WHERE expires_ms <= $1 LIMIT $2)",
        )
        .await
        .map_err(|e| error::db("preparing a token purge", &e))?;
    client
        .execute(&stmt, &[&now, &TOKENS_PURGED_PER_SAVE])
        .await
        .map_err(|e| error::db("purging expired tokens", &e))?;
    Ok(())
}
