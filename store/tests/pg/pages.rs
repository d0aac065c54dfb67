//! Large list pages: streamed from a cursor in chunks of `CHUNK_ROWS`,
//! byte for byte the in-memory backend's page; the connection goes back to
//! the pool after the last chunk, and a page abandoned half-way (a client
//! that went away) leaves no connection in mid-transaction behind.

use futures_util::StreamExt;
use store::QuerySpec;
use store::pg::PgOptions;
use store::pg::load::{LoadMode, SymblSource, load_symbl};
use store::sort::{Direction, Sort, SortField};
use store::storage::{CHUNK_ROWS, ListBody, MemoryStorage, ONE_BUFFER_ROWS, Storage};

use crate::support::{TempDb, runtime};

const ROWS: u64 = 1_000;

fn spec(limit: usize, offset: usize) -> QuerySpec {
    QuerySpec {
        limit,
        offset,
        window: None,
        sort: Sort::by(SortField::Name, Direction::Desc),
        ..Default::default()
    }
}

/// The storage of `db` with `opts`, holding the `ROWS` demo conversations
/// of seed 9 in 2021.
async fn loaded(db: &TempDb, opts: PgOptions) -> store::pg::PgStorage {
    let pg = db.storage(opts).await;
    let source = SymblSource::Demo {
        seed: 9,
        size: ROWS,
        until_ms: store::generate::END_2021_MS,
        pinned: true,
        with_messages: 0,
    };
    load_symbl(pg.pool(), &source, LoadMode::SeedOnce)
        .await
        .unwrap();
    pg
}

#[test]
fn large_pages_stream_in_chunks_and_equal_memory() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("pages")) else {
        return;
    };
    // One connection: every request below must find it back in the pool,
    // out of any transaction.
    let pg = rt.block_on(loaded(&db, PgOptions::default().with_max_connections(1)));
    let mem = MemoryStorage::new(
        store::generate::store_until(9, ROWS, store::generate::END_2021_MS),
        Default::default(),
        Default::default(),
        Default::default(),
    );
    rt.block_on(async {
        // Above one buffer: several chunks; the exact chunk multiple; the
        // page cut by the data's end; one buffer.
        for (limit, offset) in [
            (ONE_BUFFER_ROWS + 1, 0),
            (CHUNK_ROWS * 4, 0),
            (900, 300),
            (ONE_BUFFER_ROWS, 10),
        ] {
            let (a, b) = (
                mem.list(spec(limit, offset)).await.unwrap(),
                pg.list(spec(limit, offset)).await.unwrap(),
            );
            assert_eq!(a.total, b.total, "limit {limit} offset {offset}");
            let streamed = matches!(b.body, ListBody::Stream(_));
            assert_eq!(
                streamed,
                limit > ONE_BUFFER_ROWS && ROWS as usize - offset > CHUNK_ROWS,
                "limit {limit} offset {offset}"
            );
            let (a, b) = (
                a.body.collect().await.unwrap(),
                b.body.collect().await.unwrap(),
            );
            assert!(a == b, "limit {limit} offset {offset}: the bodies differ");
        }

        // Abandoned after its first chunk: the one connection comes back
        // closed and is replaced, so the next requests work.
        let page = pg.list(spec(ROWS as usize, 0)).await.unwrap();
        let ListBody::Stream(mut chunks) = page.body else {
            panic!("a page of {ROWS} rows streams");
        };
        let first = chunks.next().await.unwrap().unwrap();
        assert!(first.starts_with(br#"{"conversations":["#));
        drop(chunks);
        for _ in 0..3 {
            let again = pg.list(spec(ROWS as usize, 0)).await.unwrap();
            assert_eq!(again.total, ROWS as usize);
            let body = again.body.collect().await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["conversations"].as_array().unwrap().len(), ROWS as usize);
            pg.update_metadata(
                &store::generate::conversation_until(9, 1, store::generate::END_2021_MS).id,
                vec![("after".into(), Some("abandoned page".into()))],
            )
            .await
            .unwrap();
        }
    });
}

#[test]
fn streamed_pages_hold_at_most_half_the_pool() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("streams")) else {
        return;
    };
    // Four connections: two may stream at once; a third streamed page waits
    // the pool's wait, then 503, while small pages still get a connection.
    let opts = PgOptions::default()
        .with_max_connections(4)
        .with_pool_wait(std::time::Duration::from_millis(300));
    let pg = rt.block_on(loaded(&db, opts));
    rt.block_on(async {
        let large = || spec(CHUNK_ROWS * 4, 0);
        // Two streams whose clients read nothing yet: each holds its slot.
        let first = pg.list(large()).await.unwrap();
        let second = pg.list(large()).await.unwrap();
        assert!(matches!(first.body, ListBody::Stream(_)));
        let third = pg.list(large()).await.map(|_| ()).unwrap_err();
        assert!(
            matches!(
                third.kind(),
                store::storage::StorageErrorKind::Unavailable { .. }
            ),
            "{third}"
        );
        assert!(third.to_string().contains("streamed"), "{third}");
        let small = pg.list(spec(20, 0)).await.unwrap();
        assert_eq!(small.total, ROWS as usize);
        // A stream read to its end gives its slot back.
        let ListBody::Stream(mut chunks) = first.body else {
            unreachable!()
        };
        while let Some(chunk) = chunks.next().await {
            chunk.unwrap();
        }
        let again = pg.list(large()).await.unwrap();
        drop((second, again));
    });
}
