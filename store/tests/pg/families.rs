//! The other three families through `PgStorage` (the `families` module of
//! `h15-pg-families` behind the `Storage` trait): the same pages as
//! `MemoryStorage` over the same generated data.

use store::families::chatbot::ChatbotStore;
use store::families::mongo::MongoStore;
use store::families::whatsapp::{Status, WhatsAppStore};
use store::pg::PgOptions;
use store::pg::families::{
    DEMO_MONGO_DOCS_PER_ORG, DEMO_WHATSAPP_CONVERSATIONS, load_demo_families,
};
use store::storage::{MemoryStorage, Storage};

use crate::support::{TempDb, runtime};

/// Each raw JSON document's text.
fn texts(docs: &[store::storage::RawJson]) -> Vec<&str> {
    docs.iter().map(|d| d.get()).collect()
}

#[test]
fn mongo_whatsapp_and_chatbot_pages_match_memory() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("families")) else {
        return;
    };
    rt.block_on(async {
        let pg = db.storage(PgOptions::default()).await;
        {
            let mut client = pg.pool().get().await.unwrap();
            let tx = client.transaction().await.unwrap();
            load_demo_families(&tx, 7, 60).await.unwrap();
            tx.commit().await.unwrap();
        }
        let mem = MemoryStorage::new(
            store::Store::new(),
            MongoStore::generate(7, DEMO_MONGO_DOCS_PER_ORG),
            WhatsAppStore::generate(7, DEMO_WHATSAPP_CONVERSATIONS),
            ChatbotStore::generate(7, 60),
        );
        let mut compared = 0;
        for db_name in ["acme", "globex", "nobody"] {
            for user in [None, Some("user1"), Some("user7"), Some("nobody")] {
                for (skip, limit) in [(0, None), (3, Some(5)), (500, Some(1))] {
                    let a = mem
                        .mongo_find(db_name, "conversations", user, skip, limit)
                        .await
                        .unwrap();
                    let b = pg
                        .mongo_find(db_name, "conversations", user, skip, limit)
                        .await
                        .unwrap();
                    assert_eq!(
                        (a.total, texts(&a.docs)),
                        (b.total, texts(&b.docs)),
                        "{db_name} {user:?} {skip}"
                    );
                    compared += a.docs.len();
                }
            }
        }
        for status in [
            None,
            Some(Status::Active),
            Some(Status::PendingHuman),
            Some(Status::Closed),
        ] {
            for (offset, limit) in [(0, 20), (10, 7), (1000, 5)] {
                let a = mem.whatsapp_page(status, offset, limit).await.unwrap();
                let b = pg.whatsapp_page(status, offset, limit).await.unwrap();
                assert_eq!(
                    (a.total, texts(&a.rows)),
                    (b.total, texts(&b.rows)),
                    "{status:?} {offset}"
                );
                compared += a.rows.len();
            }
        }
        for id in [0u64, 1, 2, 30, 60, 61, u64::MAX] {
            for (page, per_page) in [(1, 10), (2, 3), (50, 10)] {
                let a = mem.chatbot_page(id, page, per_page).await.unwrap();
                let b = pg.chatbot_page(id, page, per_page).await.unwrap();
                let shown = |p: Option<store::storage::ChatbotPage>| {
                    p.map(|p| {
                        (
                            p.total,
                            p.items
                                .iter()
                                .map(|i| i.get().to_owned())
                                .collect::<Vec<_>>(),
                        )
                    })
                };
                let (a, b) = (shown(a), shown(b));
                compared += a.as_ref().map_or(0, |p| p.1.len());
                assert_eq!(a, b, "chatbot {id} page {page}");
            }
        }
        assert!(compared > 200, "only {compared} documents compared");
    });
}
