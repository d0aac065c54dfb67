//! The journal (`--data-dir`, api.md §2.6b): torn tails, damage, append
//! failures, snapshots with replay, and the storage's write path over it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use store::journal::{Journal, JournalError, JournalOptions, Record};
use store::sort::{Direction, Sort};
use store::storage::{MemoryStorage, Storage, StorageErrorKind};
use store::{QuerySpec, Store};

const SEED: u64 = 16;

fn opts(segment_bytes: u64, snapshot_after_bytes: u64) -> JournalOptions {
    JournalOptions {
        segment_bytes,
        snapshot_after_bytes,
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap()
}

fn id(i: u64) -> String {
    store::generate::conversation(SEED, i).id
}

/// The i-th metadata record of the tests.
fn meta_record(i: u64) -> Record {
    Record::Metadata {
        id: id(i % 10),
        changes: vec![(format!("k{}", i % 7), Some(format!("v{i}")))],
    }
}

/// A fresh directory seeded with `n` generated conversations.
fn seeded(dir: &Path, n: u64, o: JournalOptions) -> (Journal, Store) {
    let (journal, rec) = Journal::open(dir, o).unwrap();
    assert!(rec.report.is_fresh());
    let store = store::generate::store(SEED, n);
    journal.seed(&store, Vec::new()).unwrap();
    (journal, store)
}

fn wal_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap() != "LOCK" {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// The answers of a set of queries, rendered (the bytes the API sends).
fn answers(s: &Store, ids: &[String]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let filters = [
        None,
        Some("metadata.k1==v1*"),
        Some("conversation.type==meeting"),
        Some("metadata.team=in=(blue,red)"),
    ];
    for f in filters {
        for (sort, dir) in [
            ("conversation.startTime", Direction::Asc),
            ("conversation.name", Direction::Desc),
        ] {
            let spec = QuerySpec {
                filter: f.map(|f| store::compile_filter(f).unwrap()),
                sort: Sort::parse(sort, dir).unwrap(),
                limit: 1000,
                ..QuerySpec::default()
            };
            let page = s.query_ref(&spec).unwrap();
            let mut body = store::render::list_bytes_ref(&page.items);
            body.extend_from_slice(page.total.to_string().as_bytes());
            out.push(body);
        }
    }
    for id in ids {
        out.push(format!("{:?}", s.get(id)).into_bytes());
        out.push(format!("{:?}", s.messages(id)).into_bytes());
    }
    out
}

#[test]
fn a_torn_last_record_is_cut_at_every_byte_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let records = 6;
    let mut before_last = 0;
    let mut expected = {
        let (journal, mut store) = seeded(&dir, 10, JournalOptions::default());
        for i in 0..records {
            if i == records - 1 {
                before_last = std::fs::metadata(&wal_files(&dir)[0]).unwrap().len();
            }
            let _ticket = journal.append(&meta_record(i)).unwrap();
        }
        for i in 0..records - 1 {
            meta_record(i).apply(&mut store).unwrap();
        }
        store
    };
    let wal = wal_files(&dir).pop().unwrap();
    let full = std::fs::read(&wal).unwrap();
    let name = wal.file_name().unwrap().to_owned();
    let ids: Vec<String> = (0..10).map(id).collect();
    let want = answers(&expected, &ids);
    for cut in before_last..full.len() as u64 {
        let case = tmp.path().join(format!("cut-{cut}"));
        copy_dir(&dir, &case);
        std::fs::write(case.join(&name), &full[..cut as usize]).unwrap();
        let (journal, rec) = Journal::open(&case, JournalOptions::default()).unwrap();
        assert_eq!(rec.report.records, records - 1, "cut at {cut}");
        let torn = rec.report.torn.as_ref();
        if cut == before_last {
            assert!(torn.is_none(), "cut at a record boundary {cut}");
        } else {
            let t = torn.unwrap_or_else(|| panic!("cut at {cut}: no torn tail reported"));
            assert_eq!((t.offset, t.bytes_cut), (before_last, cut - before_last));
            assert!(rec.report.lines().iter().any(|l| l.contains("torn")));
        }
        assert_eq!(answers(&rec.store, &ids), want, "cut at {cut}");
        // Cut for good: appending after it and reopening gives that record.
        let _t = journal.append(&meta_record(99)).unwrap();
        drop(journal);
        let (_j, again) = Journal::open(&case, JournalOptions::default()).unwrap();
        assert!(again.report.torn.is_none());
        assert_eq!(again.report.records, records);
        std::fs::remove_dir_all(&case).unwrap();
    }
    // The whole file: every record.
    meta_record(records - 1).apply(&mut expected).unwrap();
    let (_j, rec) = Journal::open(&dir, JournalOptions::default()).unwrap();
    assert_eq!(rec.report.records, records);
    assert_eq!(answers(&rec.store, &ids), answers(&expected, &ids));
}

#[test]
fn damage_before_the_tail_stops_start_up_naming_file_and_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    {
        let (journal, _) = seeded(&dir, 10, JournalOptions::default());
        for i in 0..5 {
            let _t = journal.append(&meta_record(i)).unwrap();
        }
    }
    let wal = wal_files(&dir).pop().unwrap();
    let good = std::fs::read(&wal).unwrap();
    // The header frame's length, then the first record's: flip a payload
    // byte of the second record.
    let header = 8 + u32::from_le_bytes(good[0..4].try_into().unwrap()) as usize;
    let first = 8 + u32::from_le_bytes(good[header..header + 4].try_into().unwrap()) as usize;
    let second = header + first;
    let mut bad = good.clone();
    bad[second + 10] ^= 0x01;
    std::fs::write(&wal, &bad).unwrap();
    let err = Journal::open(&dir, JournalOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, JournalError::Damaged { offset, .. } if offset == second as u64),
        "{msg}"
    );
    assert!(msg.contains(&wal.display().to_string()), "{msg}");
    assert!(msg.contains(&format!("byte offset {second}")), "{msg}");
    assert!(msg.contains("checksum mismatch"), "{msg}");
    // A bad length in the middle, too.
    let mut bad = good.clone();
    bad[second..second + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&wal, &bad).unwrap();
    let err = Journal::open(&dir, JournalOptions::default()).unwrap_err();
    assert!(err.to_string().contains("frame length"), "{err}");
    // A length in range that runs past the end of the file, with the
    // records after it intact: damage, not a torn tail to cut away.
    let mut bad = good.clone();
    let past_end = u32::try_from(good.len()).unwrap();
    bad[second..second + 4].copy_from_slice(&past_end.to_le_bytes());
    std::fs::write(&wal, &bad).unwrap();
    let err = Journal::open(&dir, JournalOptions::default()).unwrap_err();
    assert!(
        matches!(err, JournalError::Damaged { offset, .. } if offset == second as u64),
        "{err}"
    );
    assert!(err.to_string().contains("a damaged length"), "{err}");
    std::fs::write(&wal, &good).unwrap();
    assert_eq!(
        Journal::open(&dir, JournalOptions::default())
            .unwrap()
            .1
            .report
            .records,
        5
    );
}

#[test]
fn a_torn_record_in_an_older_segment_is_damage_and_so_is_a_damaged_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    {
        // Segments of about two records each.
        let (journal, _) = seeded(&dir, 10, opts(100, u64::MAX));
        for i in 0..8 {
            let _t = journal.append(&meta_record(i)).unwrap();
        }
    }
    let wals = wal_files(&dir);
    assert!(wals.len() >= 3, "{wals:?}");
    let older = &wals[0];
    let bytes = std::fs::read(older).unwrap();
    std::fs::write(older, &bytes[..bytes.len() - 3]).unwrap();
    let err = Journal::open(&dir, JournalOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("not in the newest segment"),
        "{err}"
    );
    assert!(
        err.to_string().contains(&older.display().to_string()),
        "{err}"
    );
    std::fs::write(older, &bytes).unwrap();
    // A missing segment between the snapshot and the newest one.
    std::fs::rename(&wals[1], tmp.path().join("aside")).unwrap();
    let err = Journal::open(&dir, JournalOptions::default()).unwrap_err();
    assert!(matches!(err, JournalError::Missing { .. }), "{err}");
    std::fs::rename(tmp.path().join("aside"), &wals[1]).unwrap();
    // A flipped byte in the snapshot.
    let snap = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "snap"))
        .unwrap();
    let mut s = std::fs::read(&snap).unwrap();
    let at = s.len() / 2;
    s[at] ^= 0x10;
    std::fs::write(&snap, &s).unwrap();
    let err = Journal::open(&dir, JournalOptions::default()).unwrap_err();
    assert!(matches!(err, JournalError::Damaged { .. }), "{err}");
    assert!(
        err.to_string().contains(".snap is damaged at byte offset"),
        "{err}"
    );
}

#[test]
fn a_directory_is_used_by_one_process_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let (journal, _) = Journal::open(tmp.path(), JournalOptions::default()).unwrap();
    let err = Journal::open(tmp.path(), JournalOptions::default()).unwrap_err();
    assert!(matches!(err, JournalError::Locked { .. }), "{err}");
    drop(journal);
    Journal::open(tmp.path(), JournalOptions::default()).unwrap();
}

/// A storage over a seeded directory.
fn storage(dir: &Path, n: u64, o: JournalOptions) -> MemoryStorage {
    let (journal, store) = seeded(dir, n, o);
    MemoryStorage::new(
        store,
        Default::default(),
        Default::default(),
        Default::default(),
    )
    .with_journal(journal)
}

fn reopen(dir: &Path) -> (MemoryStorage, store::journal::RecoveryReport) {
    let (journal, rec) = Journal::open(dir, JournalOptions::default()).unwrap();
    let s = MemoryStorage::new(
        rec.store,
        Default::default(),
        Default::default(),
        Default::default(),
    )
    .with_journal(journal);
    (s, rec.report)
}

#[test]
fn an_append_that_fails_answers_503_and_changes_nothing() {
    // Injection: a directory sits where the next segment must be created,
    // and the segments are small, so the next write must roll over to it.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let s = storage(&dir, 10, opts(260, u64::MAX));
    let rt = rt();
    let target = id(3);
    let change = || vec![("team".to_owned(), Some("x".repeat(200)))];
    // The first fills the segment.
    rt.block_on(s.update_metadata(&id(2), change())).unwrap();
    let before = rt.block_on(s.get(&target)).unwrap().unwrap();
    let current = wal_files(&dir).pop().unwrap();
    let n: u64 = current
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let blocker = dir.join(format!("{:08}.wal", n + 1));
    std::fs::create_dir(&blocker).unwrap();
    let mut refused = 0;
    for _ in 0..3 {
        match rt.block_on(s.update_metadata(&target, change())) {
            Ok(_) => panic!("the write went through with {} blocked", blocker.display()),
            Err(e) => {
                refused += 1;
                assert!(
                    matches!(
                        e.kind(),
                        StorageErrorKind::Unavailable {
                            backend: "journal",
                            ..
                        }
                    ),
                    "{e}"
                );
                assert!(
                    e.to_string().contains(&blocker.display().to_string()),
                    "{e}"
                );
            }
        }
        assert_eq!(rt.block_on(s.get(&target)).unwrap().unwrap(), before);
    }
    assert_eq!(refused, 3);
    let e = rt.block_on(s.delete(&target)).unwrap_err();
    assert!(
        matches!(e.kind(), StorageErrorKind::Unavailable { .. }),
        "{e}"
    );
    assert!(rt.block_on(s.contains(&target)).unwrap());
    // The blocker gone, writes go through and survive a restart.
    std::fs::remove_dir(&blocker).unwrap();
    let meta = rt.block_on(s.update_metadata(&target, change())).unwrap();
    assert_eq!(meta.get("team").map(str::len), Some(200));
    rt.block_on(s.delete(&id(4))).unwrap();
    let expected = rt.block_on(s.get(&target)).unwrap().unwrap();
    drop(s);
    let (s, report) = reopen(&dir);
    assert_eq!(report.records, 3);
    assert_eq!(rt.block_on(s.get(&target)).unwrap().unwrap(), expected);
    assert!(!rt.block_on(s.contains(&id(4))).unwrap());
}

/// A failed `fdatasync` (injected: the failpoint `journal::fsync`, scoped
/// to this test's directory so the other tests' journals sync as usual).
#[cfg(feature = "failpoints")]
#[test]
fn a_failed_fsync_answers_503_and_refuses_writes_until_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let s = storage(&dir, 10, JournalOptions::default());
    let rt = rt();
    let set = |v: &str| vec![("state".to_owned(), Some(v.to_owned()))];
    let state = |json: &[u8]| {
        let v: serde_json::Value = serde_json::from_slice(json).unwrap();
        v["metadata"]["state"].as_str().unwrap_or("").to_owned()
    };
    let journal_503 = |e: &store::storage::StorageError| {
        assert!(
            matches!(
                e.kind(),
                StorageErrorKind::Unavailable {
                    backend: "journal",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("fsync"), "{e}");
        assert!(e.to_string().contains("journal::fsync"), "{e}");
    };
    rt.block_on(s.update_metadata(&id(1), set("acknowledged")))
        .unwrap();
    let untouched = rt.block_on(s.get(&id(3))).unwrap().unwrap();

    fail::cfg("journal::fsync", &format!("return({})", dir.display())).unwrap();
    // The write that waited for the failed sync: 503, never acknowledged
    // (applied in memory, so its outcome after a restart is unknown).
    let e = rt
        .block_on(s.update_metadata(&id(2), set("during the failure")))
        .unwrap_err();
    fail::remove("journal::fsync");
    journal_503(&e);

    // The disk answers again, but the journal does not retry a failed
    // fsync: every write is refused, before it is applied, until a restart.
    for _ in 0..3 {
        journal_503(
            &rt.block_on(s.update_metadata(&id(3), set("after the failure")))
                .unwrap_err(),
        );
        journal_503(&rt.block_on(s.delete(&id(4))).unwrap_err());
    }
    // Not ready (a load balancer should replace the process); reads go
    // on, and the refused writes changed nothing.
    journal_503(&rt.block_on(s.ready()).unwrap_err());
    assert_eq!(rt.block_on(s.get(&id(3))).unwrap().unwrap(), untouched);
    assert!(rt.block_on(s.contains(&id(4))).unwrap());
    drop(s);

    // After the restart: the acknowledged write is there, the refused ones
    // are not, and writes are taken again.
    let (s, _) = reopen(&dir);
    rt.block_on(s.ready()).unwrap();
    assert_eq!(
        state(&rt.block_on(s.get(&id(1))).unwrap().unwrap()),
        "acknowledged"
    );
    assert_eq!(rt.block_on(s.get(&id(3))).unwrap().unwrap(), untouched);
    assert!(rt.block_on(s.contains(&id(4))).unwrap());
    rt.block_on(s.update_metadata(&id(3), set("after the restart")))
        .unwrap();
    rt.block_on(s.delete(&id(4))).unwrap();
    drop(s);
    let (s, _) = reopen(&dir);
    assert_eq!(
        state(&rt.block_on(s.get(&id(3))).unwrap().unwrap()),
        "after the restart"
    );
    assert!(!rt.block_on(s.contains(&id(4))).unwrap());
}

#[test]
fn refused_writes_are_not_journaled() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let s = storage(&dir, 5, JournalOptions::default());
    let rt = rt();
    assert!(rt.block_on(s.delete("nope")).is_err());
    let nul = vec![("k".to_owned(), Some("a\0b".to_owned()))];
    assert!(rt.block_on(s.update_metadata(&id(0), nul)).is_err());
    let too_many: Vec<_> = (0..101)
        .map(|i| (format!("n{i}"), Some("v".to_owned())))
        .collect();
    assert!(rt.block_on(s.update_metadata(&id(0), too_many)).is_err());
    let mut m = store::generate::conversation(SEED, 0).members[0].clone();
    m.id = "nobody".into();
    assert!(rt.block_on(s.update_member(&id(0), m)).is_err());
    drop(s);
    let (_s, report) = reopen(&dir);
    assert_eq!((report.records, report.refused.len()), (0, 0));
}

#[test]
fn snapshot_and_replay_give_the_state_before_the_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    // Small segments and frequent snapshots: the writes below cross both.
    let s = storage(&dir, 300, opts(4 << 10, 16 << 10));
    let rt = rt();
    let n = 300;
    let ids: Vec<String> = (0..n).map(id).collect();
    rt.block_on(async {
        let mut tasks = Vec::new();
        let s = std::sync::Arc::new(s);
        for w in 0..8u64 {
            let s = std::sync::Arc::clone(&s);
            tasks.push(tokio::spawn(async move {
                for i in 0..60u64 {
                    let target = id((w * 37 + i * 11) % n);
                    match i % 6 {
                        0..=2 => {
                            let team = ["blue", "red", "green"][(i % 3) as usize];
                            let changes = vec![
                                ("team".to_owned(), Some(team.to_owned())),
                                (format!("k{}", i % 4), Some(format!("v{w}-{i}"))),
                                ("k0".to_owned(), (i % 5 == 0).then(|| "x".to_owned())),
                            ];
                            let _ = s.update_metadata(&target, changes).await;
                        }
                        3 => {
                            if let Ok(Some(members)) = s.members(&target).await
                                && let Some(m) = members.first()
                            {
                                let mut m = m.clone();
                                m.name = format!("renamed {w}-{i}");
                                m.email = (i % 2 == 0).then(|| format!("r{w}{i}@example.com"));
                                s.update_member(&target, m).await.unwrap();
                            }
                        }
                        4 => {
                            let _ = s.delete(&target).await;
                        }
                        _ => {
                            let c = store::generate::conversation(SEED, n + w * 100 + i);
                            let msgs = store::generate::messages(SEED, &c);
                            s.upsert(c, msgs).await.unwrap();
                        }
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        // Wait for a snapshot started by the last writes to finish: take
        // one more ourselves (the same path), which waits for no one.
        let s2 = std::sync::Arc::clone(&s);
        tokio::task::spawn_blocking(move || {
            s2.journal().unwrap().snapshot_from(s2.symbl()).unwrap();
        })
        .await
        .unwrap();
        // More writes after the snapshot: replayed from the journal.
        for i in 0..20 {
            let _ = s
                .update_metadata(&id(i), vec![("after".to_owned(), Some(format!("{i}")))])
                .await;
        }
        let before = s.symbl().read().await.clone();
        let mut all_ids = ids.clone();
        all_ids.extend((0..8 * 60).map(|k| store::generate::conversation(SEED, n + k).id));
        let want = answers(&before, &all_ids);
        drop(s);
        let snaps: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "snap"))
            .collect();
        assert_eq!(snaps.len(), 1, "compaction keeps one snapshot: {snaps:?}");
        let (j, rec) = Journal::open(&dir, JournalOptions::default()).unwrap();
        assert!(rec.report.snapshot.is_some());
        assert!(rec.report.records >= 1, "{:?}", rec.report);
        assert!(rec.report.torn.is_none());
        rec.store.check_consistency().unwrap();
        assert_eq!(rec.store.len(), before.len());
        assert_eq!(answers(&rec.store, &all_ids), want);
        drop(j);
    });
}

#[test]
fn the_loads_are_kept_with_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let mark = store::journal::LoadMark {
        flag: "--demo".into(),
        fingerprint: store::journal::demo_fingerprint(1, 10, None),
    };
    {
        let (j, _) = Journal::open(tmp.path(), JournalOptions::default()).unwrap();
        j.seed(&store::generate::store(1, 10), vec![mark.clone()])
            .unwrap();
        assert_eq!(j.loads(), vec![mark.clone()]);
        j.snapshot_from(&tokio::sync::RwLock::new(Store::new()))
            .unwrap();
    }
    let (j, rec) = Journal::open(tmp.path(), JournalOptions::default()).unwrap();
    assert_eq!(j.loads(), vec![mark]);
    assert!(rec.store.is_empty());
}

#[test]
fn a_snapshot_comes_due_after_its_bytes_even_across_segment_rollovers() {
    // Segments of 1 KiB, a snapshot every 8 KiB: the rollovers must not
    // restart the count (they did, so with the defaults, 64 MiB segments and
    // 256 MiB between snapshots, no snapshot ever came due).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (journal, _store) = seeded(&dir, 10, opts(1 << 10, 8 << 10));
    let wal_bytes = |dir: &Path| -> u64 {
        wal_files(dir)
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum()
    };
    let mut due = None;
    for i in 0..1000 {
        let before = wal_bytes(&dir);
        if journal.append(&meta_record(i)).unwrap().snapshot_due {
            due = Some((before, wal_bytes(&dir)));
            break;
        }
    }
    let (before, after) = due.expect("no snapshot came due in 1 000 records");
    let segments = wal_files(&dir).len() as u64;
    assert!(segments > 4, "the records crossed several segments");
    // Due with the record that brought the records' bytes to 8 KiB: the
    // files hold those plus one header per segment (well under 200 bytes).
    assert!(after >= 8 << 10, "due after {after} bytes");
    assert!(
        before < (8 << 10) + segments * 200,
        "due only after {before} bytes"
    );
    // Due once: the next write does not ask again while it runs, and a
    // snapshot that could not start is asked for again by the next write.
    assert!(!journal.append(&meta_record(0)).unwrap().snapshot_due);
    journal.snapshot_not_started();
    assert!(journal.append(&meta_record(1)).unwrap().snapshot_due);
}

#[test]
fn a_missing_data_directory_is_created_with_its_parents() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a").join("b").join("data");
    let (journal, rec) = Journal::open(&dir, JournalOptions::default()).unwrap();
    assert!(rec.report.is_fresh());
    assert!(dir.join("LOCK").is_file());
    drop(journal);
    // A file where a parent should be: an error naming the path.
    let blocked = tmp.path().join("file");
    std::fs::write(&blocked, b"x").unwrap();
    let err = Journal::open(blocked.join("data"), JournalOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("file"), "{err}");
}
