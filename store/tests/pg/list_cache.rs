//! The list totals and pages kept between writes (`PgOptions::count_cache`,
//! `page_cache_bytes`): after every kind of write — through this storage,
//! through another pool on the same database (another server process), and
//! in plain SQL from another client (`conversation_count` included) — a
//! cached answer equals a fresh one
//! (both caches off) and the in-memory store's, byte for byte.

use store::pg::PgOptions;
use store::pg::load::{LoadMode, SymblSource, load_symbl};
use store::storage::{MemoryStorage, Storage};
use store::{Member, QuerySpec, Window};

use crate::support::{TempDb, runtime};

const SEED: u64 = 5;
const SIZE: u64 = 120;
const UNTIL: i64 = store::generate::END_2021_MS;

/// The queries whose totals are compared: one per kind of filtered field,
/// a window alone, a filter and a window.
fn queries() -> Vec<QuerySpec> {
    let filters = [
        Some("conversation.type==meeting"),
        Some("metadata.agentId==cache-test"),
        Some("members.name==\"Renamed Person\""),
        Some("conversation.name==*a*"),
        None,
    ];
    // The last query, no filter and no window, is counted from
    // `conversation_count`.
    let windows = [
        Some(Window {
            start: UNTIL - 200 * 86_400_000,
            end: UNTIL,
        }),
        None,
    ];
    let mut out = Vec::new();
    for f in filters {
        for w in windows {
            out.push(QuerySpec {
                filter: f.map(|f| store::compile_filter(f).unwrap()),
                window: w,
                limit: 3,
                ..QuerySpec::default()
            });
        }
    }
    out
}

/// Each query's total and body.
async fn totals(s: &dyn Storage) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for q in queries() {
        let page = s.list(q).await.unwrap();
        let body = page.body.collect().await.unwrap();
        out.push((page.total, String::from_utf8(body).unwrap()));
    }
    out
}

#[test]
fn cached_totals_follow_every_write_from_any_client() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("counts")) else {
        return;
    };
    rt.block_on(async {
        let cached = db.storage(PgOptions::default()).await;
        let other = db.storage(PgOptions::default()).await;
        let fresh = db
            .storage(
                PgOptions::default()
                    .with_count_cache(0)
                    .with_page_cache_bytes(0),
            )
            .await;
        let source = SymblSource::Demo {
            seed: SEED,
            size: SIZE,
            until_ms: UNTIL,
            pinned: true,
            with_messages: 0,
        };
        load_symbl(cached.pool(), &source, LoadMode::SeedOnce)
            .await
            .unwrap();
        let memory = MemoryStorage::new(
            store::generate::store_until(SEED, SIZE, UNTIL),
            Default::default(),
            Default::default(),
            Default::default(),
        );
        let sql = db.client().await;
        let ids: Vec<String> = (0..5)
            .map(|i| store::generate::conversation_until(SEED, i, UNTIL).id)
            .collect();

        let mut steps = 0;
        let mut check = async |what: &str, cached: &dyn Storage| {
            // Twice: the first may read the database, the second is
            // answered from the cache when nothing was written in between.
            let a = totals(cached).await;
            let b = totals(cached).await;
            let want = totals(&fresh).await;
            assert_eq!(a, want, "after {what}: cached vs fresh");
            assert_eq!(b, want, "after {what}: cached (again) vs fresh");
            steps += 1;
            want
        };
        let start = check("the load", &cached).await;
        assert_eq!(start, totals(&memory).await, "PostgreSQL vs memory");
        assert!(start.iter().any(|&(n, _)| n > 0), "{start:?}");

        // A metadata merge through the caching storage itself.
        let change = vec![("agentId".to_owned(), Some("cache-test".to_owned()))];
        cached
            .update_metadata(&ids[0], change.clone())
            .await
            .unwrap();
        memory.update_metadata(&ids[0], change).await.unwrap();
        let after = check("a metadata merge here", &cached).await;
        assert_eq!(after, totals(&memory).await);
        assert_ne!(after, start, "the merge changed no total");

        // The same through another pool (another server process).
        let change = vec![("agentId".to_owned(), Some("cache-test".to_owned()))];
        other
            .update_metadata(&ids[1], change.clone())
            .await
            .unwrap();
        memory.update_metadata(&ids[1], change).await.unwrap();
        assert_eq!(
            check("a merge elsewhere", &cached).await,
            totals(&memory).await
        );

        // A member renamed elsewhere (members.* filters).
        let c0 = store::generate::conversation_until(SEED, 0, UNTIL);
        let renamed = Member {
            name: "Renamed Person".into(),
            ..c0.members[0].clone()
        };
        other.update_member(&ids[0], renamed.clone()).await.unwrap();
        memory.update_member(&ids[0], renamed).await.unwrap();
        assert_eq!(
            check("a member update", &cached).await,
            totals(&memory).await
        );

        // Deletes here and elsewhere.
        cached.delete(&ids[2]).await.unwrap();
        other.delete(&ids[3]).await.unwrap();
        memory.delete(&ids[2]).await.unwrap();
        memory.delete(&ids[3]).await.unwrap();
        assert_eq!(check("two deletes", &cached).await, totals(&memory).await);

        // Plain SQL from another client: the trigger counts it too.
        let before = totals(&cached).await;
        sql.execute(
            "UPDATE conversations SET type = 'meeting-x', name = 'zzz' WHERE id = $1",
            &[&ids[4]],
        )
        .await
        .unwrap();
        let after = check("an UPDATE in plain SQL", &cached).await;
        assert_ne!(before, after, "the UPDATE changed no total");
        // The renamed member's row: only the members.* totals change.
        sql.execute("DELETE FROM members WHERE conversation_id = $1", &[&ids[0]])
            .await
            .unwrap();
        let members_gone = check("a DELETE of members in plain SQL", &cached).await;
        assert_ne!(members_gone, after, "the DELETE changed no total");
        // The maintained count (the query without a filter or a window).
        sql.batch_execute("UPDATE conversation_count SET n = n + 5")
            .await
            .unwrap();
        let recounted = check("an UPDATE of conversation_count in plain SQL", &cached).await;
        assert_ne!(recounted, members_gone, "the UPDATE changed no total");
        sql.batch_execute("TRUNCATE conversations, members, messages")
            .await
            .unwrap();
        let empty = check("a TRUNCATE", &cached).await;
        // Every page empty, every total 0: the query without a filter or a
        // window too, read from `conversation_count`, which the TRUNCATE
        // trigger reset (V4__count_truncate.sql).
        assert!(
            empty
                .iter()
                .all(|(n, body)| *n == 0 && body == "{\"conversations\":[]}"),
            "{empty:?}"
        );
        assert_eq!(steps, 9);
    });
}
