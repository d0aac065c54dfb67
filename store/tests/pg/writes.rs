//! Writes through PostgreSQL: concurrent writers on two pools lose
//! nothing; member updates reach the messages as in memory; tokens.

use std::collections::HashSet;
use std::sync::Arc;

use store::pg::PgOptions;
use store::pg::load::{LoadMode, SymblSource, load_symbl};
use store::storage::{MemoryStorage, Storage, StorageErrorKind};
use store::{Member, StoreError};

use crate::support::{TempDb, runtime};

const SEED: u64 = 11;
const UNTIL: i64 = store::generate::END_2021_MS;

fn demo(size: u64, with_messages: u64) -> SymblSource {
    SymblSource::Demo {
        seed: SEED,
        size,
        until_ms: UNTIL,
        pinned: true,
        with_messages,
    }
}

/// The in-memory twin of [`demo`]: what the server's `--demo` builds.
fn memory_demo(size: u64, with_messages: u64) -> MemoryStorage {
    let mut s = store::generate::store_until(SEED, size, UNTIL);
    for i in 0..with_messages.min(size) {
        let c = store::generate::conversation_until(SEED, i, UNTIL);
        s.set_messages(&c.id, store::generate::messages(SEED, &c))
            .unwrap();
    }
    MemoryStorage::new(
        s,
        Default::default(),
        Default::default(),
        Default::default(),
    )
}

#[test]
fn concurrent_writers_on_two_pools_lose_nothing() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("conc")) else {
        return;
    };
    rt.block_on(async {
        let a = Arc::new(
            db.storage(PgOptions::default().with_max_connections(3))
                .await,
        );
        let b = Arc::new(
            db.storage(PgOptions::default().with_max_connections(3))
                .await,
        );
        load_symbl(a.pool(), &demo(20, 5), LoadMode::SeedOnce)
            .await
            .unwrap();
        let ids: Vec<String> = (0..4)
            .map(|i| store::generate::conversation_until(SEED, i, UNTIL).id)
            .collect();
        // 8 writers (4 per pool) each add 10 keys to each of 4 conversations
        // and rename a member, interleaved.
        let mut tasks = Vec::new();
        for t in 0..8usize {
            let s = if t % 2 == 0 {
                Arc::clone(&a)
            } else {
                Arc::clone(&b)
            };
            let ids = ids.clone();
            tasks.push(tokio::spawn(async move {
                for k in 0..10 {
                    for id in &ids {
                        let key = format!("w{t}k{k}");
                        s.update_metadata(id, vec![(key, Some(format!("{t}:{k}")))])
                            .await
                            .unwrap();
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        for id in &ids {
            for s in [&a, &b] {
                let doc: serde_json::Value =
                    serde_json::from_slice(&s.get(id).await.unwrap().unwrap()).unwrap();
                let meta = doc["metadata"].as_object().unwrap();
                for t in 0..8 {
                    for k in 0..10 {
                        assert_eq!(meta[&format!("w{t}k{k}")], format!("{t}:{k}"), "{id}");
                    }
                }
            }
            // The filter column agrees with the document.
            let f = store::compile_filter("metadata.w7k9==\"7:9\"").unwrap();
            let spec = store::QuerySpec {
                filter: Some(f),
                limit: 50,
                ..Default::default()
            };
            assert_eq!(b.list(spec).await.unwrap().total, ids.len());
        }
        // 100 keys at most, checked inside the transaction.
        let id = &ids[0];
        let have = a.get(id).await.unwrap().unwrap();
        let have: serde_json::Value = serde_json::from_slice(&have).unwrap();
        let n = have["metadata"].as_object().unwrap().len();
        let to_limit: Vec<_> = (n..100)
            .map(|i| (format!("f{i}"), Some("v".to_owned())))
            .collect();
        a.update_metadata(id, to_limit).await.unwrap();
        let err = b
            .update_metadata(id, vec![("one-more".into(), Some("v".into()))])
            .await
            .unwrap_err();
        assert!(
            matches!(err.kind(), StorageErrorKind::TooManyKeys { after: 101, .. }),
            "{err}"
        );
        // Removing one makes room again.
        b.update_metadata(
            id,
            vec![("f99".into(), None), ("one-more".into(), Some("v".into()))],
        )
        .await
        .unwrap();
    });
}

#[test]
fn member_updates_and_deletes_match_memory() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("member")) else {
        return;
    };
    rt.block_on(async {
        let pg = db.storage(PgOptions::default()).await;
        load_symbl(pg.pool(), &demo(30, 10), LoadMode::SeedOnce)
            .await
            .unwrap();
        let mem = memory_demo(30, 10);
        let c = store::generate::conversation_until(SEED, 3, UNTIL);
        let member = c.members[0].clone();
        for s in [&mem as &dyn Storage, &pg] {
            let renamed = s
                .update_member(
                    &c.id,
                    Member {
                        id: member.id.clone(),
                        name: "Renamed Person".into(),
                        email: None,
                    },
                )
                .await
                .unwrap();
            assert_eq!(
                renamed.email, member.email,
                "a missing email keeps the current one"
            );
        }
        assert_eq!(
            mem.messages(&c.id).await.unwrap(),
            pg.messages(&c.id).await.unwrap()
        );
        assert_eq!(
            mem.members(&c.id).await.unwrap(),
            pg.members(&c.id).await.unwrap()
        );
        assert_eq!(mem.get(&c.id).await.unwrap(), pg.get(&c.id).await.unwrap());
        let msgs = pg.messages(&c.id).await.unwrap().unwrap();
        assert!(msgs.iter().any(|m| m.from.name == "Renamed Person"));
        // Every conversation's messages and members read alike.
        for i in 0..30 {
            let id = store::generate::conversation_until(SEED, i, UNTIL).id;
            assert_eq!(
                mem.messages(&id).await.unwrap(),
                pg.messages(&id).await.unwrap(),
                "{id}"
            );
        }
        // The new member name is searchable.
        let f = store::compile_filter("members.name==\"Renamed Person\"").unwrap();
        let spec = store::QuerySpec {
            filter: Some(f),
            limit: 5,
            ..Default::default()
        };
        assert_eq!(pg.list(spec).await.unwrap().total, 1);
        // Unknown member, unknown conversation: NotFound, as in memory.
        for s in [&mem as &dyn Storage, &pg] {
            let e = s
                .update_member(
                    &c.id,
                    Member {
                        id: "nobody".into(),
                        name: "x".into(),
                        email: None,
                    },
                )
                .await
                .unwrap_err();
            assert!(matches!(
                e.kind(),
                StorageErrorKind::Store(StoreError::NotFound { what: "member", .. })
            ));
            let e = s.update_member("nope", member.clone()).await.unwrap_err();
            assert!(matches!(
                e.kind(),
                StorageErrorKind::Store(StoreError::NotFound {
                    what: "conversation",
                    ..
                })
            ));
        }
        // Delete takes members and messages along.
        pg.delete(&c.id).await.unwrap();
        assert_eq!(pg.get(&c.id).await.unwrap(), None);
        assert_eq!(pg.messages(&c.id).await.unwrap(), None);
        assert!(!pg.contains(&c.id).await.unwrap());
        let client = db.client().await;
        for table in ["members", "messages"] {
            let n: i64 = client
                .query_one(
                    &format!("SELECT count(*) FROM {table} WHERE conversation_id = $1"),
                    &[&c.id],
                )
                .await
                .unwrap()
                .get(0);
            assert_eq!(n, 0, "{table}");
        }
        mem.delete(&c.id).await.unwrap();
        // Counted without a scan (every row in the window), as memory counts.
        for window in [
            None,
            Some(store::Window {
                start: 0,
                end: i64::MAX,
            }),
        ] {
            let spec = || store::QuerySpec {
                window,
                limit: 3,
                ..Default::default()
            };
            let (a, b) = (
                mem.list(spec()).await.unwrap(),
                pg.list(spec()).await.unwrap(),
            );
            assert_eq!((a.total, b.total), (29, 29));
            assert_eq!(
                a.body.collect().await.unwrap(),
                b.body.collect().await.unwrap()
            );
        }
        let e = pg.delete(&c.id).await.unwrap_err();
        assert!(matches!(
            e.kind(),
            StorageErrorKind::Store(StoreError::NotFound { .. })
        ));
    });
}

#[test]
fn tokens_are_shared_between_pools() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("tokens")) else {
        return;
    };
    rt.block_on(async {
        let a = db.storage(PgOptions::default()).await;
        let b = db.storage(PgOptions::default()).await;
        let now = chrono::Utc::now().timestamp_millis();
        a.save_token("d1", now + 60_000).await.unwrap();
        assert_eq!(b.token_expiry("d1").await.unwrap(), Some(now + 60_000));
        assert_eq!(b.token_expiry("d2").await.unwrap(), None);
        // A later save replaces the expiry; expired tokens are purged.
        b.save_token("old", now - 1).await.unwrap();
        a.save_token("d1", now + 120_000).await.unwrap();
        assert_eq!(b.token_expiry("d1").await.unwrap(), Some(now + 120_000));
        assert_eq!(a.token_expiry("old").await.unwrap(), None);
        a.ready().await.unwrap();
        assert!(a.describe().starts_with("PostgreSQL at "));
        assert!(
            a.describe()
                .ends_with(&db.url().rsplit('/').next().unwrap().to_owned())
        );
        let mut seen = HashSet::new();
        seen.insert(a.describe());
        seen.insert(b.describe());
        assert_eq!(seen.len(), 1);
    });
}
