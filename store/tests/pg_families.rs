//! The Mongo, WhatsApp and chatbot families on a real PostgreSQL
//! (`store::pg::families`) against the in-memory families
//! ([`MemoryStorage`]) loaded with the same data: every page (all statuses,
//! offsets past the end, limits, users, missing collections and
//! conversations) must give the same total and the same JSON bytes, and
//! the file loaders the same reports.
//!
//! Each test creates its own database (`test_pg::TempDb`), applies the
//! migrations of `store/migrations` in version order, and drops the
//! database when it ends, failed or not. The server is `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`. When it does not answer,
//! each test prints a SKIP notice and passes, except with `CI=true`, where
//! it fails.

#![cfg(feature = "postgres")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use store::families::chatbot::ChatbotStore;
use store::families::mongo::MongoStore;
use store::families::whatsapp::{Status, WhatsAppStore};
use store::load::LoadOptions;
use store::pg::families::{
    self as pgf, DEMO_MONGO_DOCS_PER_ORG, DEMO_WHATSAPP_CONVERSATIONS, FamilyError,
};
use store::storage::{MemoryStorage, RawJson, Storage, StorageErrorKind};
use tokio_postgres::{Client, NoTls};

// ---- a database of the test's own -------------------------------------------

/// Connects to `url`, driving the connection on the test's runtime.
async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped or the server
        // closes it; the client's calls report any error.
        let _ = connection.await;
    });
    Ok(client)
}

/// A database created for one test (`test_pg`'s, with the migrations
/// applied) and dropped (`WITH (FORCE)`) with the guard, also when the test
/// fails.
struct TempDb(test_pg::TempDb);

impl TempDb {
    /// Creates the database and applies the migrations; `None` (after a
    /// SKIP notice) when PostgreSQL does not answer outside CI.
    async fn create(tag: &str) -> Option<TempDb> {
        let db = TempDb(test_pg::TempDb::try_create(
            &format!("pg_families::{tag}"),
            tag,
        )?);
        let c = db.client().await;
        for (file, sql) in migrations() {
            c.batch_execute(&sql)
                .await
                .unwrap_or_else(|e| panic!("applying {file}: {e:?}"));
        }
        Some(db)
    }

    /// A new connection to the test's database.
    async fn client(&self) -> Client {
        connect(self.0.url())
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.0.name()))
    }
}

/// `store/migrations/V<n>__*.sql`, by version.
fn migrations() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<(u64, String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?.to_owned();
            let version = name.strip_prefix('V')?.split("__").next()?.parse().ok()?;
            name.ends_with(".sql").then_some((version, name, path))
        })
        .collect();
    files.sort();
    assert!(
        files.iter().any(|(_, n, _)| n == "V2__families.sql"),
        "V2__families.sql missing from {}",
        dir.display()
    );
    files
        .into_iter()
        .map(|(_, name, path)| {
            let sql = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, sql)
        })
        .collect()
}

/// A directory of the test's own under the system's temporary directory,
/// removed with the guard.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pgf-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        TempDir(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---- comparing the backends ---------------------------------------------------

fn texts(docs: &[RawJson]) -> Vec<&str> {
    docs.iter().map(|d| d.get()).collect()
}

/// How many pages were compared, and how many had at least one row (so a
/// sweep that only ever compares empty pages fails).
#[derive(Debug, Default)]
struct Compared {
    pages: usize,
    with_rows: usize,
}

const WINDOWS: [(usize, Option<usize>); 12] = [
    (0, None),
    (0, Some(0)),
    (0, Some(1)),
    (0, Some(20)),
    (3, Some(7)),
    (19, Some(1)),
    (60, Some(10_000)),
    (199, None),
    (200, None),
    (201, Some(5)),
    (usize::MAX, Some(usize::MAX)),
    (i64::MAX as usize, Some(i64::MAX as usize + 1)),
];

async fn compare_mongo(
    mem: &MemoryStorage,
    client: &Client,
    databases: &[&str],
    collections: &[&str],
    users: &[Option<&str>],
) -> Compared {
    let mut seen = Compared::default();
    for database in databases {
        for collection in collections {
            for user in users {
                for (skip, limit) in WINDOWS {
                    let ctx = format!(
                        "{database}.{collection} user {user:?} skip {skip} limit {limit:?}"
                    );
                    let m = mem
                        .mongo_find(database, collection, *user, skip, limit)
                        .await
                        .unwrap_or_else(|e| panic!("memory {ctx}: {e}"));
                    let p = pgf::mongo_find(client, database, collection, *user, skip, limit)
                        .await
                        .unwrap_or_else(|e| panic!("PostgreSQL {ctx}: {e}"));
                    assert_eq!(m.total, p.total, "total, {ctx}");
                    assert_eq!(texts(&m.docs), texts(&p.docs), "documents, {ctx}");
                    seen.pages += 1;
                    seen.with_rows += usize::from(!m.docs.is_empty());
                }
            }
        }
    }
    seen
}

async fn compare_whatsapp(mem: &MemoryStorage, client: &Client) -> Compared {
    let mut seen = Compared::default();
    let statuses = [
        None,
        Some(Status::Active),
        Some(Status::PendingHuman),
        Some(Status::Closed),
    ];
    let offsets = [
        0,
        1,
        7,
        99,
        100,
        101,
        299,
        300,
        301,
        i64::MAX as usize,
        usize::MAX,
    ];
    let limits = [0, 1, 7, 100, 1_000, i64::MAX as usize + 1, usize::MAX];
    for status in statuses {
        for offset in offsets {
            for limit in limits {
                let ctx = format!("status {status:?} offset {offset} limit {limit}");
                let m = mem
                    .whatsapp_page(status, offset, limit)
                    .await
                    .unwrap_or_else(|e| panic!("memory {ctx}: {e}"));
                let p = pgf::whatsapp_page(client, status, offset, limit)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL {ctx}: {e}"));
                assert_eq!(m.total, p.total, "total, {ctx}");
                assert_eq!(texts(&m.rows), texts(&p.rows), "rows, {ctx}");
                seen.pages += 1;
                seen.with_rows += usize::from(!m.rows.is_empty());
            }
        }
    }
    seen
}

async fn compare_chatbot(mem: &MemoryStorage, client: &Client, ids: &[u64]) -> Compared {
    let mut seen = Compared::default();
    let pages = [
        (1, 20),
        (2, 20),
        (1, 100),
        (3, 1),
        (0, 5),
        (1, 0),
        (40, 1),
        (41, 1),
        (usize::MAX, 100),
        (2, usize::MAX),
        (usize::MAX, usize::MAX),
    ];
    for &id in ids {
        for (page, per_page) in pages {
            let ctx = format!("conversation {id} page {page} per_page {per_page}");
            let m = mem
                .chatbot_page(id, page, per_page)
                .await
                .unwrap_or_else(|e| panic!("memory {ctx}: {e}"));
            let p = pgf::chatbot_page(client, id, page, per_page)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL {ctx}: {e}"));
            match (m, p) {
                (None, None) => {}
                (Some(m), Some(p)) => {
                    assert_eq!(m.total, p.total, "total, {ctx}");
                    assert_eq!(texts(&m.items), texts(&p.items), "messages, {ctx}");
                    seen.with_rows += usize::from(!m.items.is_empty());
                }
                (m, p) => panic!(
                    "{ctx}: memory found {}, PostgreSQL {}",
                    m.is_some(),
                    p.is_some()
                ),
            }
            seen.pages += 1;
        }
    }
    seen
}

fn demo_memory(seed: u64, chatbot: usize) -> MemoryStorage {
    MemoryStorage::new(
        store::Store::new(),
        MongoStore::generate(seed, DEMO_MONGO_DOCS_PER_ORG),
        WhatsAppStore::generate(seed, DEMO_WHATSAPP_CONVERSATIONS),
        ChatbotStore::generate(seed, chatbot),
    )
}

fn users() -> Vec<Option<String>> {
    let mut users: Vec<Option<String>> = vec![None, Some(String::new()), Some("nobody".into())];
    users.extend((1..=21).map(|i| Some(format!("user{i}"))));
    users
}

async fn load_demo(db: &TempDb, seed: u64, chatbot: usize) -> pgf::FamilyCounts {
    let mut c = db.client().await;
    let tx = c
        .transaction()
        .await
        .unwrap_or_else(|e| panic!("BEGIN: {e}"));
    let counts = pgf::load_demo_families(&tx, seed, chatbot)
        .await
        .unwrap_or_else(|e| panic!("loading the demo: {e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("COMMIT: {e}"));
    counts
}

// ---- the demo families ---------------------------------------------------------

#[tokio::test]
async fn demo_families_give_the_same_pages_on_both_backends() {
    let Some(db) = TempDb::create("demo").await else {
        return;
    };
    let counts = load_demo(&db, 7, 100).await;
    let mem = demo_memory(7, 100);
    assert_eq!(counts.mongo_documents, 3 * DEMO_MONGO_DOCS_PER_ORG as u64);
    assert_eq!(
        counts.whatsapp_conversations,
        DEMO_WHATSAPP_CONVERSATIONS as u64
    );
    assert_eq!(counts.chatbot_conversations, 100);
    let messages: usize = (1..=100)
        .map(|id| mem.chatbot().messages(id).map_or(0, <[_]>::len))
        .sum();
    assert_eq!(counts.chatbot_messages, messages as u64);

    let client = db.client().await;
    let users = users();
    let users: Vec<Option<&str>> = users.iter().map(Option::as_deref).collect();
    let m = compare_mongo(
        &mem,
        &client,
        &["acme", "globex", "initech", "nobody"],
        &["conversations", "missing"],
        &users,
    )
    .await;
    assert!(m.with_rows > 300, "{m:?}");
    let w = compare_whatsapp(&mem, &client).await;
    assert!(w.with_rows > 50, "{w:?}");
    let mut ids: Vec<u64> = (0..=102).collect();
    ids.extend([u64::MAX, i64::MAX as u64, i64::MAX as u64 + 1]);
    let c = compare_chatbot(&mem, &client, &ids).await;
    assert!(c.with_rows > 400, "{c:?}");

    // The seed's own examples.
    let acme = pgf::mongo_find(&client, "acme", "conversations", Some("user1"), 0, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(acme.total >= DEMO_MONGO_DOCS_PER_ORG / 3);
    let closed = pgf::whatsapp_page(&client, Some(Status::Closed), 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(closed.total, DEMO_WHATSAPP_CONVERSATIONS / 3);
}

#[tokio::test]
async fn loading_again_replaces_without_duplicates_or_failure() {
    let Some(db) = TempDb::create("reload").await else {
        return;
    };
    load_demo(&db, 3, 100).await;
    // Another seed replaces every family …
    let counts = load_demo(&db, 5, 120).await;
    assert_eq!(counts.chatbot_conversations, 120);
    // … and the same data again changes nothing.
    let again = load_demo(&db, 5, 120).await;
    assert_eq!(counts, again);
    let client = db.client().await;
    let mem = demo_memory(5, 120);
    let users = [None, Some("user1"), Some("user7")];
    compare_mongo(
        &mem,
        &client,
        &["acme", "globex"],
        &["conversations"],
        &users,
    )
    .await;
    compare_whatsapp(&mem, &client).await;
    compare_chatbot(&mem, &client, &[1, 100, 120, 121]).await;
}

#[tokio::test]
async fn concurrent_loads_serialise_and_readers_see_the_committed_rows() {
    let Some(db) = TempDb::create("concurrent").await else {
        return;
    };
    load_demo(&db, 1, 100).await;
    let reader = db.client().await;
    let before = pgf::whatsapp_page(&reader, None, 0, usize::MAX)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let other = WhatsAppStore::generate(2, 40);
    let mut first = db.client().await;
    let tx = first.transaction().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        pgf::copy_whatsapp(&tx, &other)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        40
    );
    // Uncommitted: another connection still reads the old rows.
    let during = pgf::whatsapp_page(&reader, None, 0, usize::MAX)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(texts(&during.rows), texts(&before.rows));

    // A second loader waits for the first (or runs after it): either way
    // it neither fails nor duplicates.
    let mut second = db.client().await;
    let other2 = other.clone();
    let waiting = tokio::spawn(async move {
        let tx = second.transaction().await?;
        let n = pgf::copy_whatsapp(&tx, &other2).await?;
        tx.commit().await?;
        Ok::<u64, FamilyError>(n)
    });
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let n = waiting
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("second loader: {e}"));
    assert_eq!(n, 40);
    let mem = MemoryStorage::new(
        store::Store::new(),
        MongoStore::new(),
        other,
        ChatbotStore::new(),
    );
    let w = compare_whatsapp(&mem, &reader).await;
    assert!(w.with_rows > 0);
}

#[tokio::test]
async fn loaders_of_different_families_in_opposite_orders_do_not_deadlock() {
    let Some(db) = TempDb::create("order").await else {
        return;
    };
    let wa = WhatsAppStore::generate(6, 50);
    let bot = ChatbotStore::generate(6, 20);
    let mut a = db.client().await;
    let mut b = db.client().await;
    let (wa_a, bot_a) = (wa.clone(), bot.clone());
    let first = tokio::spawn(async move {
        let tx = a.transaction().await?;
        pgf::copy_chatbot(&tx, &bot_a).await?;
        pgf::copy_whatsapp(&tx, &wa_a).await?;
        tx.commit().await?;
        Ok::<(), FamilyError>(())
    });
    let (wa_b, bot_b) = (wa.clone(), bot.clone());
    let second = tokio::spawn(async move {
        let tx = b.transaction().await?;
        pgf::copy_whatsapp(&tx, &wa_b).await?;
        pgf::copy_chatbot(&tx, &bot_b).await?;
        tx.commit().await?;
        Ok::<(), FamilyError>(())
    });
    for (name, task) in [("first", first), ("second", second)] {
        task.await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|e| panic!("{name} loader: {e}"));
    }
    let mem = MemoryStorage::new(store::Store::new(), MongoStore::new(), wa, bot);
    let client = db.client().await;
    compare_whatsapp(&mem, &client).await;
    compare_chatbot(&mem, &client, &[1, 20, 21]).await;
}

/// The plan of `sql` run with `args` (a prepared statement's first, custom
/// plan: what a page with these values gets).
async fn plan(client: &Client, name: &str, types: &str, sql: &str, args: &str) -> String {
    client
        .batch_execute(&format!("PREPARE {name} ({types}) AS {sql}"))
        .await
        .unwrap_or_else(|e| panic!("PREPARE {name}: {e}"));
    let rows = client
        .query(&format!("EXPLAIN EXECUTE {name}({args})"), &[])
        .await
        .unwrap_or_else(|e| panic!("EXPLAIN {name}: {e}"));
    rows.iter()
        .map(|r| r.try_get::<_, String>(0).unwrap_or_else(|e| panic!("{e}")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn pages_read_their_indexes_in_order() {
    let Some(db) = TempDb::create("plans").await else {
        return;
    };
    let mut client = db.client().await;
    let tx = client.transaction().await.unwrap_or_else(|e| panic!("{e}"));
    pgf::copy_mongo(&tx, &MongoStore::generate(1, 2_000))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    pgf::copy_whatsapp(&tx, &WhatsAppStore::generate(1, 5_000))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    pgf::copy_chatbot(&tx, &ChatbotStore::generate(1, 500))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    client
        .batch_execute("ANALYZE")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let cases = [
        (
            "mongo_all",
            "text, text, bigint, bigint",
            pgf::MONGO_FIND_ALL_SQL,
            "'acme', 'conversations', 20, 40",
            &[&["mongo_documents_order"][..]][..],
        ),
        (
            "mongo_user",
            "text, text, bytea, bigint, bigint",
            pgf::MONGO_FIND_USER_SQL,
            "'acme', 'conversations', 'user1'::bytea, 20, 40",
            &[&["mongo_participants_pkey"][..], &["mongo_documents_pkey"]][..],
        ),
        (
            "whatsapp_all",
            "bigint, bigint",
            pgf::WHATSAPP_PAGE_SQL,
            "100, 200",
            &[&["whatsapp_conversations_order"][..]][..],
        ),
        (
            "whatsapp_status",
            "bigint, bigint, text",
            pgf::WHATSAPP_PAGE_BY_STATUS_SQL,
            "100, 200, 'pending_human'",
            // A third of the rows match: walking the list order and
            // skipping the others is as good as the status index.
            &[&[
                "whatsapp_conversations_status_order",
                "whatsapp_conversations_order",
            ][..]][..],
        ),
        (
            "chatbot",
            "bigint, bigint, bigint",
            pgf::CHATBOT_PAGE_SQL,
            "1234, 20, 20",
            &[
                &["chatbot_conversations_pkey"][..],
                &["chatbot_messages_pkey"],
            ][..],
        ),
    ];
    for (name, types, sql, args, indexes) in cases {
        let plan = plan(&client, name, types, sql, args).await;
        for any_of in indexes {
            assert!(
                any_of.iter().any(|index| plan.contains(index)),
                "{name} uses none of {any_of:?}:\n{plan}"
            );
        }
        // The order comes from the index: no sort of the matches.
        assert!(!plan.contains("Sort"), "{name} sorts:\n{plan}");
    }
}

// ---- files ------------------------------------------------------------------------

/// A Mongo data directory: generated documents, Extended JSON, ties,
/// repeated and unusual participants, documents without `_id` or
/// `created_at`, and bad records of every kind the loader reports.
fn mongo_dir(dir: &TempDir) -> PathBuf {
    let generated = MongoStore::generate(11, 40);
    let mut acme = String::new();
    for doc in generated.find("acme", "conversations", None) {
        acme.push_str(&serde_json::to_string(doc.json()).unwrap_or_default());
        acme.push('\n');
    }
    acme.push_str(concat!(
        r#"{"_id":{"$oid":"65F1C2A9E4B0A1B2C3D4E5F6"},"participants":["user1","user1","Łukasz \"Ł\"","tab\there","nul\u0000byte"],"#,
        r#""ref":{"owner":{"$oid":"65f1c2a9e4b0a1b2c3d4e5f7"}},"at":{"$date":{"$numberLong":"1000"}},"created_at":"2024-03-01T00:00:00Z"}"#,
        "\n",
        r#"{"_id":"65f1c2a9e4b0a1b2c3d4e5f5","participants":["user1"],"created_at":"2024-03-01T00:00:00Z","n":1.5e3,"deep":{"a":[{"$date":"2024-03-01T00:00:00.123456Z"}]}}"#,
        "\n",
        r#"{"participants":["user2"],"created_at":"2024-02-01T00:00:00Z","note":"no _id: generated"}"#,
        "\n",
        r#"{"participants":["user2"],"note":"neither _id nor created_at"}"#,
        "\n",
        r#"{"participants":[],"created_at":"1960-01-01T00:00:00Z","note":"before 1970"}"#,
        "\n",
        "not json\n",
        r#"{"participants":"user1"}"#,
        "\n",
        r#"{"_id":"65f1c2a9e4b0a1b2c3d4e5f6","note":"duplicate _id"}"#,
        "\n",
        r#"{"created_at":"yesterday"}"#,
        "\n",
        "[1,2]\n",
        "\n",
        r#"{"participants":["user3",7]}"#,
        "\n",
    ));
    dir.write("mongo/acme/conversations.jsonl", &acme);
    dir.write(
        "mongo/acme/archive.json",
        r#"[{"participants":["user9"],"created_at":"2023-01-01T00:00:00Z"},{"_id":"zz"},
            {"participants":["user9","user1"],"created_at":"2023-01-01T00:00:00Z","_id":"000000000000000000000001"}]"#,
    );
    dir.write("mongo/globex/conversations.json", "[]");
    dir.write("mongo/globex/notes.txt", "not a collection");
    dir.write(
        "mongo/initech/conversations.json",
        r#"[{"participants":["user1"],"created_at":"2024-01-01T00:00:00Z","emoji":"😀","ctl":"\u0001"}]"#,
    );
    dir.0.join("mongo")
}

/// A WhatsApp file (JSON Lines): both timestamp forms, ties on
/// `last_message_at`, unordered messages, names with quotes and controls,
/// and bad records.
fn whatsapp_file(dir: &TempDir) -> PathBuf {
    let mut text = String::new();
    let statuses = ["active", "pending_human", "closed"];
    for i in 1..=60_i64 {
        let status = statuses[(i % 3) as usize];
        let day = 1 + i % 9;
        let name = match i % 4 {
            0 => serde_json::Value::Null,
            1 => serde_json::json!("Marta Gómez"),
            2 => serde_json::json!("O'Brien \"Bob\"\t\n"),
            _ => serde_json::json!("José"),
        };
        let messages: Vec<serde_json::Value> = (0..(i % 4))
            .map(|k| {
                let sender = ["customer", "ai", "human"][(k % 3) as usize];
                serde_json::json!({
                    "id": i * 10 + k,
                    "sender_type": sender,
                    "message": format!("message {k} of {i} — ✓"),
                    // Unordered on purpose, and in both accepted forms.
                    "created_at": if k % 2 == 0 {
                        format!("2024-02-{:02} 10:{:02}:00", day, 50 - k)
                    } else {
                        format!("2024-02-{:02}T10:{:02}:00Z", day, 10 + k)
                    },
                })
            })
            .collect();
        let mut conv = serde_json::json!({
            "id": i,
            "phone_number": format!("5215512{i:06}"),
            "status": status,
            "ai_enabled": if i % 2 == 0 { serde_json::json!(i % 4 == 0) } else { serde_json::json!(i % 3 % 2) },
            "created_at": format!("2024-01-{:02} 08:00:00", 1 + i % 5),
            "messages": messages,
        });
        if !name.is_null() || i % 8 == 0 {
            conv["contact_name"] = name;
        }
        text.push_str(&conv.to_string());
        text.push('\n');
    }
    for bad in [
        r#"{"id":61,"phone_number":"1","status":"open","ai_enabled":1,"created_at":"2024-01-01 00:00:00"}"#,
        r#"{"id":5,"phone_number":"1","status":"closed","ai_enabled":1,"created_at":"2024-01-01 00:00:00"}"#,
        r#"{"id":62,"phone_number":"1","status":"closed","ai_enabled":2,"created_at":"2024-01-01 00:00:00"}"#,
        r#"{"id":63,"phone_number":"1","status":"closed","ai_enabled":1,"created_at":"2024-13-01 00:00:00"}"#,
        r#"{"id":64,"phone_number":"1","status":"closed","ai_enabled":0,"created_at":"2024-01-01 00:00:00","messages":[{"id":1,"sender_type":"ai","message":"a","created_at":"2024-01-01 00:00:00"},{"id":1,"sender_type":"ai","message":"b","created_at":"2024-01-01 00:00:00"}]}"#,
        "{\"id\":65,",
    ] {
        text.push_str(bad);
        text.push('\n');
    }
    dir.write("whatsapp.jsonl", &text)
}

/// A chatbot file (a JSON array): ties on `createdOn`, a conversation
/// without messages, and bad records.
fn chatbot_file(dir: &TempDir) -> PathBuf {
    let mut convs: Vec<serde_json::Value> = Vec::new();
    let mut next = 1000_i64;
    for id in [1_i64, 2, 3, 1234, 9_007_199_254_740_993] {
        let messages: Vec<serde_json::Value> = (0..(id % 7 + 25))
            .map(|k| {
                next += 1;
                serde_json::json!({
                    "id": if k % 5 == 0 { 50_000 - next } else { next },
                    "message": format!("m{k} «{id}»"),
                    "userId": if k % 2 == 0 { "5d2e9c1a-0b7f-4a63-8e21-9f4c7b3a6d10" } else { "bot" },
                    "isUser": k % 2 == 0,
                    "type": "freeshot",
                    // Three messages share each time (the id breaks the
                    // tie); micro-, milli- and no fraction.
                    "createdOn": match k / 3 % 3 {
                        0 => format!("2024-07-01T09:{:02}:44.508213Z", k / 3),
                        1 => format!("2024-07-01T09:{:02}:44.508Z", k / 3),
                        _ => format!("2024-07-01T09:{:02}:44Z", k / 3),
                    },
                })
            })
            .collect();
        convs.push(serde_json::json!({"id": id, "messages": messages}));
    }
    convs.push(serde_json::json!({"id": 77}));
    convs.push(serde_json::json!({"id": 0, "messages": []}));
    convs.push(serde_json::json!({"id": 2, "messages": []}));
    convs.push(serde_json::json!({"id": 78, "messages": [{"id": 1002, "message": "dup", "userId": "u", "isUser": true, "type": "freeshot", "createdOn": "2024-07-01T09:12:44Z"}]}));
    convs.push(serde_json::json!({"id": 79, "messages": [{"id": 1, "message": "x", "userId": "u", "isUser": "yes", "type": "freeshot", "createdOn": "2024-07-01T09:12:44Z"}]}));
    convs.push(serde_json::json!("not an object"));
    dir.write(
        "chatbot.json",
        &serde_json::to_string(&convs).unwrap_or_default(),
    )
}

fn report_lines(r: &store::load::LoadReport) -> (usize, Vec<String>) {
    (
        r.loaded,
        r.skipped.iter().map(ToString::to_string).collect(),
    )
}

#[tokio::test]
async fn file_loads_report_and_serve_as_in_memory() {
    let Some(db) = TempDb::create("files").await else {
        return;
    };
    let dir = TempDir::new("files");
    let (mongo, whatsapp, chatbot) = (mongo_dir(&dir), whatsapp_file(&dir), chatbot_file(&dir));
    let opts = LoadOptions::default();

    let mut m = MongoStore::new();
    let m_report = m.load_dir(&mongo, &opts).unwrap_or_else(|e| panic!("{e}"));
    let mut w = WhatsAppStore::new();
    let w_report = w
        .load_file(&whatsapp, &opts)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut c = ChatbotStore::new();
    let c_report = c
        .load_file(&chatbot, &opts)
        .unwrap_or_else(|e| panic!("{e}"));
    // The fixtures do hold bad records of each family.
    assert!(m_report.skipped.len() >= 7, "{:?}", report_lines(&m_report));
    assert_eq!(w_report.skipped.len(), 6, "{:?}", report_lines(&w_report));
    assert_eq!(c_report.skipped.len(), 5, "{:?}", report_lines(&c_report));
    let mem = MemoryStorage::new(store::Store::new(), m, w, c);

    let mut client = db.client().await;
    let tx = client.transaction().await.unwrap_or_else(|e| panic!("{e}"));
    let pm = pgf::load_mongo_dir(&tx, &mongo, &opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pw = pgf::load_whatsapp_file(&tx, &whatsapp, &opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pc = pgf::load_chatbot_file(&tx, &chatbot, &opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pm, m_report);
    assert_eq!(pw, w_report);
    assert_eq!(pc, c_report);

    let users: Vec<Option<&str>> = vec![
        None,
        Some("user1"),
        Some("user2"),
        Some("user9"),
        Some("Łukasz \"Ł\""),
        Some("tab\there"),
        Some("nul\u{0}byte"),
        Some("nul"),
        Some(""),
    ];
    let seen = compare_mongo(
        &mem,
        &client,
        &["acme", "globex", "initech", "a\u{0}b"],
        &["conversations", "archive", "notes", "c\u{0}"],
        &users,
    )
    .await;
    assert!(seen.with_rows > 20, "{seen:?}");
    let nul = pgf::mongo_find(
        &client,
        "acme",
        "conversations",
        Some("nul\u{0}byte"),
        0,
        None,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(nul.total, 1);
    let seen = compare_whatsapp(&mem, &client).await;
    assert!(seen.with_rows > 20, "{seen:?}");
    let seen = compare_chatbot(
        &mem,
        &client,
        &[
            0,
            1,
            2,
            3,
            4,
            77,
            78,
            79,
            1234,
            9_007_199_254_740_993,
            u64::MAX,
        ],
    )
    .await;
    assert!(seen.with_rows > 20, "{seen:?}");
    let empty = pgf::chatbot_page(&client, 77, 1, 20)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|p| (p.total, p.items.len()));
    assert_eq!(empty, Some((0, 0)));
}

#[tokio::test]
async fn a_failed_load_is_the_in_memory_error_and_leaves_the_old_rows() {
    let Some(db) = TempDb::create("failfast").await else {
        return;
    };
    load_demo(&db, 9, 100).await;
    let dir = TempDir::new("failfast");
    let (mongo, whatsapp, chatbot) = (mongo_dir(&dir), whatsapp_file(&dir), chatbot_file(&dir));
    let missing = dir.0.join("no-such-file.json");
    let strict = LoadOptions::fail_fast();
    let mut client = db.client().await;

    let expected = MongoStore::new()
        .load_dir(&mongo, &strict)
        .expect_err("the fixture has bad records");
    let tx = client.transaction().await.unwrap_or_else(|e| panic!("{e}"));
    match pgf::load_mongo_dir(&tx, &mongo, &strict).await {
        Err(FamilyError::Load(e)) => assert_eq!(*e, expected),
        other => panic!("expected the in-memory error {expected}, got {other:?}"),
    }
    drop(tx);

    let expected = WhatsAppStore::new()
        .load_file(&whatsapp, &strict)
        .expect_err("the fixture has bad records");
    let tx = client.transaction().await.unwrap_or_else(|e| panic!("{e}"));
    match pgf::load_whatsapp_file(&tx, &whatsapp, &strict).await {
        Err(FamilyError::Load(e)) => assert_eq!(*e, expected),
        other => panic!("expected the in-memory error {expected}, got {other:?}"),
    }
    // A family replaced in a transaction that is then rolled back.
    pgf::copy_chatbot(&tx, &ChatbotStore::generate(4, 3))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.rollback().await.unwrap_or_else(|e| panic!("{e}"));

    let expected = ChatbotStore::new()
        .load_file(&chatbot, &strict)
        .expect_err("the fixture has bad records");
    let tx = client.transaction().await.unwrap_or_else(|e| panic!("{e}"));
    match pgf::load_chatbot_file(&tx, &chatbot, &strict).await {
        Err(FamilyError::Load(e)) => assert_eq!(*e, expected),
        other => panic!("expected the in-memory error {expected}, got {other:?}"),
    }
    let expected = ChatbotStore::new()
        .load_file(&missing, &strict)
        .expect_err("no such file");
    match pgf::load_chatbot_file(&tx, &missing, &strict).await {
        Err(e @ FamilyError::Load(_)) => assert_eq!(e.to_string(), expected.to_string()),
        other => panic!("expected {expected}, got {other:?}"),
    }
    drop(tx);

    // Every family still serves the demo.
    let mem = demo_memory(9, 100);
    compare_mongo(
        &mem,
        &client,
        &["acme"],
        &["conversations"],
        &[None, Some("user1")],
    )
    .await;
    compare_whatsapp(&mem, &client).await;
    compare_chatbot(&mem, &client, &[1, 50, 100, 101]).await;
}

// ---- failures -----------------------------------------------------------------------

#[tokio::test]
async fn a_damaged_row_is_an_internal_error_naming_the_table() {
    let Some(db) = TempDb::create("damaged").await else {
        return;
    };
    load_demo(&db, 7, 100).await;
    let client = db.client().await;
    client
        .batch_execute(
            "UPDATE chatbot_messages SET json = '{\"id\":' \
             WHERE id = (SELECT min(id) FROM chatbot_messages WHERE conversation_id = 1); \
             UPDATE whatsapp_conversations SET row_json = 'nope' WHERE id = 1; \
             UPDATE mongo_documents SET json = '' WHERE database = 'globex'",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let e = pgf::chatbot_page(&client, 1, 1, 100)
        .await
        .expect_err("damaged JSON");
    assert!(
        matches!(
            e,
            FamilyError::StoredValue {
                table: "chatbot_messages",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.is_unavailable());
    let s: store::storage::StorageError = e.into();
    assert!(matches!(s.kind(), StorageErrorKind::Internal { .. }), "{s}");
    let e = pgf::whatsapp_page(&client, None, 0, usize::MAX)
        .await
        .expect_err("damaged JSON");
    assert!(
        e.to_string()
            .starts_with("PostgreSQL table whatsapp_conversations: stored JSON does not parse"),
        "{e}"
    );
    let e = pgf::mongo_find(&client, "globex", "conversations", None, 0, Some(1))
        .await
        .expect_err("damaged JSON");
    assert!(
        matches!(
            e,
            FamilyError::StoredValue {
                table: "mongo_documents",
                ..
            }
        ),
        "{e:?}"
    );
    // Rows that were not touched still answer.
    assert!(
        pgf::chatbot_page(&client, 2, 1, 100)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_some()
    );
}

#[tokio::test]
async fn a_lost_connection_is_unavailable() {
    let Some(db) = TempDb::create("lost").await else {
        return;
    };
    load_demo(&db, 7, 100).await;
    let client = db.client().await;
    let admin = db.client().await;
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .and_then(|r| r.try_get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The terminated session's next calls fail as "unavailable" (503),
    // whichever of the server's notice or the closed socket it sees first.
    for _ in 0..2 {
        let e = pgf::whatsapp_page(&client, None, 0, 10)
            .await
            .expect_err("the connection was terminated");
        assert!(e.is_unavailable(), "{e:?}");
        let s: store::storage::StorageError = e.into();
        assert!(
            matches!(s.kind(), StorageErrorKind::Unavailable { .. }),
            "{s}"
        );
    }
    // A refused statement is not.
    let e = FamilyError::from(
        admin
            .batch_execute("SELECT * FROM no_such_table")
            .await
            .expect_err("no such table"),
    );
    assert!(!e.is_unavailable(), "{e:?}");
}

// ---- random families ------------------------------------------------------------------

mod random {
    //! Small random families full of ties (few timestamps, few
    //! participants, ids out of order), loaded into one database case after
    //! case (each load replacing the last) and compared page by page.

    use proptest::prelude::*;
    use store::families::chatbot::{ChatMessage, ChatbotStore};
    use store::families::mongo::MongoStore;
    use store::families::whatsapp::{SenderType, Status, WaConversation, WaMessage, WhatsAppStore};
    use store::pg::families as pgf;
    use store::storage::{MemoryStorage, Storage};
    use tokio_postgres::Client;

    use super::{TempDb, texts};

    type WaSpec = (i64, usize, i64, Vec<(i64, usize)>, bool, Option<String>);
    type BotSpec = (u64, Vec<i64>);
    type MongoSpec = (usize, usize, Option<u32>, Option<u64>, Vec<usize>);

    const STATUSES: [Status; 3] = [Status::Active, Status::PendingHuman, Status::Closed];
    const SENDERS: [SenderType; 3] = [SenderType::Customer, SenderType::Ai, SenderType::Human];
    const SECOND: i64 = 1_000;

    fn whatsapp(specs: &[WaSpec]) -> WhatsAppStore {
        let mut wa = WhatsAppStore::new();
        for (id, status, created, messages, ai, name) in specs {
            let conv = WaConversation {
                id: *id,
                phone_number: format!("52155{id:08}"),
                contact_name: name.clone(),
                status: STATUSES[*status],
                ai_enabled: *ai,
                created_at: 1_704_067_200_000 + created * SECOND,
                messages: messages
                    .iter()
                    .enumerate()
                    .map(|(k, (t, sender))| WaMessage {
                        id: k as i64 * 37 % 11,
                        sender_type: SENDERS[*sender],
                        message: format!("m{k}"),
                        created_at: 1_704_067_200_000 + t * SECOND,
                    })
                    .collect(),
            };
            // A repeated id is refused, as a file's would be.
            let _ = wa.insert(conv);
        }
        wa
    }

    fn chatbot(specs: &[BotSpec]) -> ChatbotStore {
        let mut bot = ChatbotStore::new();
        let mut n = 0_i64;
        for (id, times) in specs {
            let _ = bot.create_conversation(*id);
            for t in times {
                n += 1;
                let msg = ChatMessage {
                    // Distinct, and not in insertion order.
                    id: n * 7_919 % 10_007,
                    message: format!("message {n}"),
                    user_id: "u".into(),
                    is_user: n % 2 == 0,
                    kind: "freeshot".into(),
                    created_on: 1_719_792_000_000_000 + t * 1_000,
                };
                let _ = bot.add_message(*id, msg);
            }
        }
        bot
    }

    fn mongo(specs: &[MongoSpec]) -> MongoStore {
        let mut m = MongoStore::new();
        for (db, coll, created, id, users) in specs {
            let mut doc = serde_json::json!({
                "participants": users.iter().map(|u| format!("u{u}")).collect::<Vec<_>>(),
            });
            if let Some(c) = created {
                doc["created_at"] = format!("2024-01-01T00:00:0{c}Z").into();
            }
            if let Some(i) = id {
                doc["_id"] = format!("{:08x}{:016x}", 1_704_067_200 + i % 2, i).into();
            }
            let _ = m.insert(&format!("d{db}"), &format!("c{coll}"), doc);
        }
        m
    }

    async fn check(client: &Client, mem: &MemoryStorage) {
        let windows = [
            (0, None),
            (0, Some(1)),
            (1, Some(2)),
            (3, Some(100)),
            (40, None),
        ];
        for db in ["d0", "d1", "d2"] {
            for coll in ["c0", "c1"] {
                for user in [None, Some("u0"), Some("u1"), Some("u2"), Some("u3")] {
                    for (skip, limit) in windows {
                        let ctx = format!("{db}.{coll} {user:?} {skip} {limit:?}");
                        let m = mem.mongo_find(db, coll, user, skip, limit).await;
                        let p = pgf::mongo_find(client, db, coll, user, skip, limit).await;
                        let (m, p) = (
                            m.unwrap_or_else(|e| panic!("{e}")),
                            p.unwrap_or_else(|e| panic!("{e}")),
                        );
                        assert_eq!(
                            (m.total, texts(&m.docs)),
                            (p.total, texts(&p.docs)),
                            "{ctx}"
                        );
                    }
                }
            }
        }
        for status in [
            None,
            Some(Status::Active),
            Some(Status::PendingHuman),
            Some(Status::Closed),
        ] {
            for (offset, limit) in [(0, 100), (0, 1), (1, 3), (5, 5), (30, 10)] {
                let ctx = format!("{status:?} {offset} {limit}");
                let m = mem.whatsapp_page(status, offset, limit).await;
                let p = pgf::whatsapp_page(client, status, offset, limit).await;
                let (m, p) = (
                    m.unwrap_or_else(|e| panic!("{e}")),
                    p.unwrap_or_else(|e| panic!("{e}")),
                );
                assert_eq!(
                    (m.total, texts(&m.rows)),
                    (p.total, texts(&p.rows)),
                    "{ctx}"
                );
            }
        }
        for id in 0..=12 {
            for (page, per_page) in [(1, 100), (1, 2), (2, 2), (3, 3), (9, 1)] {
                let ctx = format!("{id} {page} {per_page}");
                let m = mem
                    .chatbot_page(id, page, per_page)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let p = pgf::chatbot_page(client, id, page, per_page)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(
                    m.map(|m| (
                        m.total,
                        m.items
                            .iter()
                            .map(|i| i.get().to_owned())
                            .collect::<Vec<_>>()
                    )),
                    p.map(|p| (
                        p.total,
                        p.items
                            .iter()
                            .map(|i| i.get().to_owned())
                            .collect::<Vec<_>>()
                    )),
                    "{ctx}"
                );
            }
        }
    }

    fn wa_spec() -> impl Strategy<Value = WaSpec> {
        (
            1_i64..40,
            0_usize..3,
            0_i64..4,
            prop::collection::vec((0_i64..4, 0_usize..3), 0..4),
            any::<bool>(),
            prop::option::of("[a-zé\"\\\\]{0,3}"),
        )
    }

    fn bot_spec() -> impl Strategy<Value = BotSpec> {
        (1_u64..12, prop::collection::vec(0_i64..3, 0..8))
    }

    fn mongo_spec() -> impl Strategy<Value = MongoSpec> {
        (
            0_usize..2,
            0_usize..2,
            prop::option::of(0_u32..3),
            prop::option::of(0_u64..6),
            prop::collection::vec(0_usize..4, 0..4),
        )
    }

    #[test]
    fn random_families_give_the_same_pages() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let Some(db) = rt.block_on(TempDb::create("random")) else {
            return;
        };
        // proptest's closure is `Fn`: the connection is borrowed per case.
        let client = std::cell::RefCell::new(rt.block_on(db.client()));
        let config = ProptestConfig {
            cases: 24,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(
            wa in prop::collection::vec(wa_spec(), 0..25),
            bot in prop::collection::vec(bot_spec(), 0..10),
            docs in prop::collection::vec(mongo_spec(), 0..30),
        )| {
            let mem = MemoryStorage::new(store::Store::new(), mongo(&docs), whatsapp(&wa), chatbot(&bot));
            let mut client = client.borrow_mut();
            rt.block_on(async {
                let tx = client.transaction().await.unwrap_or_else(|e| panic!("{e}"));
                pgf::copy_mongo(&tx, mem.mongo()).await.unwrap_or_else(|e| panic!("{e}"));
                pgf::copy_whatsapp(&tx, mem.whatsapp()).await.unwrap_or_else(|e| panic!("{e}"));
                pgf::copy_chatbot(&tx, mem.chatbot()).await.unwrap_or_else(|e| panic!("{e}"));
                tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
                check(&client, &mem).await;
            });
        });
    }
}
