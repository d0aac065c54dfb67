//! Writers and readers at once through `Arc<RwLock<Store>>` (the server's
//! arrangement, see the crate docs): no write is lost, and every read sees a
//! state between two writes, never inside one.

use std::sync::{Arc, RwLock};
use std::thread;

use store::sort::{Direction, Sort, SortField};
use store::{QuerySpec, Store, Window};

const WRITERS: usize = 3;
const PAIRS_PER_WRITER: usize = 150;
const READERS: usize = 3;

fn conv(writer: usize, i: usize, half: usize) -> store::Conversation {
    let mut c = store::generate::conversation(writer as u64, i as u64);
    c.id = format!("w{writer}-{i}-{half}");
    c.metadata.insert("writer", format!("w{writer}"));
    c.metadata.insert("pair", format!("{writer}-{i}"));
    c
}

#[test]
fn writers_and_readers_at_once() {
    let shared = Arc::new(RwLock::new(store::generate::store(9, 500)));
    let all = Some(Window {
        start: 0,
        end: i64::MAX / 2,
    });
    thread::scope(|scope| {
        for w in 0..WRITERS {
            let shared = Arc::clone(&shared);
            scope.spawn(move || {
                for i in 0..PAIRS_PER_WRITER {
                    // Both halves of a pair, and a metadata update, in one critical section.
                    let mut s = shared.write().unwrap();
                    s.insert(conv(w, i, 0)).unwrap();
                    s.insert(conv(w, i, 1)).unwrap();
                    s.update_metadata(
                        &format!("w{w}-{i}-0"),
                        &[("seen".into(), Some("yes".into()))],
                    )
                    .unwrap();
                    drop(s);
                    if i % 10 == 9 {
                        // Delete a whole earlier pair, again atomically.
                        let mut s = shared.write().unwrap();
                        s.delete(&format!("w{w}-{}-0", i - 5)).unwrap();
                        s.delete(&format!("w{w}-{}-1", i - 5)).unwrap();
                    }
                }
            });
        }
        for r in 0..READERS {
            let shared = Arc::clone(&shared);
            scope.spawn(move || {
                let mut last_len = 0;
                for k in 0..200 {
                    let s = shared.read().unwrap();
                    let mut per_writer = 0;
                    for w in 0..WRITERS {
                        let spec = QuerySpec {
                            filter: Some(
                                store::compile_filter(&format!("metadata.writer==w{w}")).unwrap(),
                            ),
                            window: None,
                            sort: Sort::by(SortField::Id, Direction::Asc),
                            limit: 10_000,
                            offset: 0,
                        };
                        let page = s.query(&spec).unwrap();
                        // Pairs appear and vanish together.
                        assert_eq!(page.total % 2, 0, "reader {r} saw half a pair");
                        assert!(
                            page.items
                                .iter()
                                .filter(|c| c.id.ends_with("-0"))
                                .all(|c| c.metadata.get("seen") == Some("yes"))
                        );
                        per_writer += page.total;
                    }
                    // The unfiltered count agrees with the filtered ones and with len().
                    let total = s
                        .query(&QuerySpec {
                            window: all,
                            limit: 0,
                            ..QuerySpec::default()
                        })
                        .unwrap()
                        .total;
                    assert_eq!(total, s.len());
                    assert_eq!(total, 500 + per_writer);
                    if k % 50 == 0 {
                        assert_eq!(s.check_consistency(), Ok(()));
                    }
                    assert!(
                        s.len() + 2 * WRITERS >= last_len,
                        "the store shrank by more than the deletes allow"
                    );
                    last_len = s.len();
                }
            });
        }
    });
    let s = shared.read().unwrap();
    let deleted_pairs = PAIRS_PER_WRITER / 10;
    assert_eq!(
        s.len(),
        500 + WRITERS * 2 * (PAIRS_PER_WRITER - deleted_pairs),
        "a write was lost"
    );
    assert_eq!(s.check_consistency(), Ok(()));
    for w in 0..WRITERS {
        for i in 0..PAIRS_PER_WRITER {
            let deleted = i % 10 == 4;
            assert_eq!(s.contains(&format!("w{w}-{i}-0")), !deleted, "w{w}-{i}");
        }
    }
}

#[test]
fn store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
    assert_send_sync::<store::QuerySpec>();
}
