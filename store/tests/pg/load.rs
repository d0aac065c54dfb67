//! Loading: bad lines reported as the in-memory loader reports them; seed
//! once (same data skipped, other data refused, `--replace-data` replaces).

use store::load::LoadOptions;
use store::pg::PgOptions;
use store::pg::load::{LoadMode, LoadOutcome, PgLoadError, SymblSource, load_symbl};
use store::storage::{MemoryStorage, Storage};

use crate::support::{TempDb, jsonl_file, runtime};

fn lines(seed: u64, n: u64) -> Vec<String> {
    let mut out = Vec::new();
    store::generate::write_jsonl(seed, n, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bad_lines_are_reported_as_in_memory_and_good_ones_load() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("badlines")) else {
        return;
    };
    let mut l = lines(3, 40);
    let dup = l[5].clone();
    l.insert(7, dup); // a duplicate id
    l.insert(9, "not json".into());
    l.insert(11, "   ".into()); // blank: ignored
    l.insert(13, r#"{"id":"x","type":"call","name":"n","startTime":"2021-01-01T10:00:00Z","endTime":"2021-01-01T09:00:00Z"}"#.into());
    l.insert(
        15,
        r#"{"id":"y","type":"call","name":"a\u0000b","startTime":"2021-01-01T10:00:00Z"}"#.into(),
    );
    l.insert(17, r#"{"id":"z","type":"call","name":"ok\r"#.into());
    // Past the line limit: by one byte, and by more than the reading blocks.
    let max = store::load::MAX_LINE_BYTES;
    l.insert(19, "x".repeat(max + 1));
    l.insert(21, "y".repeat(max + (3 << 20)));
    // At the limit with `\r\n` (kept), and with two `\r`s (one is content).
    l.insert(23, format!("{}\r", "z".repeat(max)));
    l.insert(25, format!("{}\r\r", "z".repeat(max)));
    // A byte order mark at the start is not part of line 1.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(l.join("\n").as_bytes());
    bytes.extend_from_slice(b"\n\xff\xfe{}\r\n");
    let path = jsonl_file("badlines", &[]);
    std::fs::write(&path, &bytes).unwrap();

    let mut mem = store::Store::new();
    let expected = store::load::load_jsonl_file(&mut mem, &path, &LoadOptions::default()).unwrap();
    assert_eq!(expected.skipped.len(), 10, "{:?}", expected.skipped);
    let said = |line: usize| {
        expected
            .skipped
            .iter()
            .map(ToString::to_string)
            .find(|e| e.contains(&format!("line {line}:")))
            .unwrap_or_default()
    };
    assert!(said(24).contains("malformed JSON"), "{}", said(24));
    assert!(
        said(26).contains("longer than the loader's limit"),
        "{}",
        said(26)
    );
    let pg = rt.block_on(db.storage(PgOptions::default()));
    let source = SymblSource::Jsonl {
        path: path.clone(),
        opts: LoadOptions::default(),
    };
    let outcome = rt
        .block_on(load_symbl(pg.pool(), &source, LoadMode::SeedOnce))
        .unwrap();
    let LoadOutcome::Loaded {
        rows,
        skipped,
        replaced,
    } = outcome
    else {
        panic!("not loaded: {outcome:?}");
    };
    assert_eq!(rows as usize, expected.loaded);
    assert!(!replaced);
    let shown = |v: &[store::LoadError]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(shown(&skipped), shown(&expected.skipped));
    assert_eq!(skipped, expected.skipped);
    // The rows read back as memory's.
    let mem = MemoryStorage::new(
        mem,
        Default::default(),
        Default::default(),
        Default::default(),
    );
    rt.block_on(async {
        let spec = || store::QuerySpec {
            limit: 100,
            ..Default::default()
        };
        let (a, b) = (
            mem.list(spec()).await.unwrap(),
            pg.list(spec()).await.unwrap(),
        );
        assert_eq!(a.total, b.total);
        assert_eq!(
            a.body.collect().await.unwrap(),
            b.body.collect().await.unwrap()
        );
    });

    // Fail-fast: the first bad line stops the load and nothing is stored.
    let Some(db2) = rt.block_on(TempDb::create("failfast")) else {
        return;
    };
    let pg2 = rt.block_on(db2.storage(PgOptions::default()));
    let source = SymblSource::Jsonl {
        path: path.clone(),
        opts: LoadOptions::fail_fast(),
    };
    let err = rt
        .block_on(load_symbl(pg2.pool(), &source, LoadMode::SeedOnce))
        .unwrap_err();
    let mut m = store::Store::new();
    let mem_err =
        store::load::load_jsonl_file(&mut m, &path, &LoadOptions::fail_fast()).unwrap_err();
    assert!(
        matches!(&err, PgLoadError::File(e) if *e == mem_err),
        "{err}"
    );
    assert!(
        !rt.block_on(pg2.contains(&store::generate::conversation(3, 0).id))
            .unwrap()
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_data_flag_seeds_once() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("seed")) else {
        return;
    };
    let first = jsonl_file("seed-a", &lines(5, 30));
    let other = jsonl_file("seed-b", &lines(6, 20));
    let src = |p: &std::path::Path| SymblSource::Jsonl {
        path: p.to_path_buf(),
        opts: LoadOptions::default(),
    };
    rt.block_on(async {
        let pg = db.storage(PgOptions::default()).await;
        let out = load_symbl(pg.pool(), &src(&first), LoadMode::SeedOnce)
            .await
            .unwrap();
        assert!(
            matches!(out, LoadOutcome::Loaded { rows: 30, .. }),
            "{out:?}"
        );
        // A write, then a restart with the same file: skipped, write kept.
        let id = store::generate::conversation(5, 2).id;
        pg.update_metadata(&id, vec![("kept".into(), Some("yes".into()))])
            .await
            .unwrap();
        let again = db.storage(PgOptions::default()).await;
        let out = load_symbl(again.pool(), &src(&first), LoadMode::SeedOnce)
            .await
            .unwrap();
        assert!(
            matches!(out, LoadOutcome::AlreadyLoaded { rows: 30, .. }),
            "{out:?}"
        );
        assert!(
            out.to_string().starts_with("already loaded, 30 rows"),
            "{out}"
        );
        assert!(out.to_string().ends_with("writes since kept"), "{out}");
        let doc = again.get(&id).await.unwrap().unwrap();
        assert!(String::from_utf8(doc).unwrap().contains(r#""kept":"yes""#));
        // Another file: refused, naming the flag and --replace-data.
        let err = load_symbl(again.pool(), &src(&other), LoadMode::SeedOnce)
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(
            err,
            PgLoadError::Refused {
                flag: "--symbl-data",
                ..
            }
        ));
        assert!(
            msg.starts_with("--symbl-data: ") && msg.contains("--replace-data"),
            "{msg}"
        );
        // The demo flag too.
        let demo = SymblSource::Demo {
            seed: 1,
            size: 10,
            until_ms: 0,
            pinned: true,
            with_messages: 2,
        };
        let err = load_symbl(again.pool(), &demo, LoadMode::SeedOnce)
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("--demo: "), "{err}");
        // Replace: the other file's rows only, the write gone.
        let out = load_symbl(again.pool(), &src(&other), LoadMode::Replace)
            .await
            .unwrap();
        assert!(
            matches!(
                out,
                LoadOutcome::Loaded {
                    rows: 20,
                    replaced: true,
                    ..
                }
            ),
            "{out:?}"
        );
        let now = again.get(&id).await.unwrap().unwrap_or_default();
        assert!(!String::from_utf8(now).unwrap().contains(r#""kept":"yes""#));
        let replaced_by = store::generate::conversation(6, 0);
        assert_eq!(
            again.get(&replaced_by.id).await.unwrap(),
            Some(serde_json::to_vec(&replaced_by).unwrap())
        );
        let all = store::QuerySpec {
            limit: 0,
            ..Default::default()
        };
        assert_eq!(again.list(all).await.unwrap().total, 20);
        // The same data with Replace again: skipped, as with `--data-dir`
        // (`--replace-data` replaces other data only), a write since kept.
        let kept = store::generate::conversation(6, 1).id;
        again
            .update_metadata(&kept, vec![("kept".into(), Some("yes".into()))])
            .await
            .unwrap();
        let out = load_symbl(again.pool(), &src(&other), LoadMode::Replace)
            .await
            .unwrap();
        assert!(
            matches!(out, LoadOutcome::AlreadyLoaded { rows: 20, .. }),
            "{out:?}"
        );
        let now = again.get(&kept).await.unwrap().unwrap_or_default();
        assert!(String::from_utf8(now).unwrap().contains(r#""kept":"yes""#));
        // Rows without a load record: refused too.
        let client = db.client().await;
        client.batch_execute("DELETE FROM loads").await.unwrap();
        let err = load_symbl(again.pool(), &src(&other), LoadMode::SeedOnce)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("that no data flag loaded"),
            "{err}"
        );
        let n: i64 = client
            .query_one("SELECT count(*) FROM members", &[])
            .await
            .unwrap()
            .get(0);
        let expected: usize = store::generate::conversations(6, 20)
            .map(|c| c.members.len())
            .sum();
        assert_eq!(n as usize, expected);
    });
    let _ = std::fs::remove_file(first);
    let _ = std::fs::remove_file(other);
}

#[test]
fn two_processes_starting_at_once_load_once() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("race")) else {
        return;
    };
    rt.block_on(async {
        let (a, b) = tokio::join!(
            db.storage(PgOptions::default()),
            db.storage(PgOptions::default())
        );
        let demo = SymblSource::Demo {
            seed: 2,
            size: 50,
            until_ms: store::generate::END_2021_MS,
            pinned: true,
            with_messages: 5,
        };
        let (x, y) = tokio::join!(
            load_symbl(a.pool(), &demo, LoadMode::SeedOnce),
            load_symbl(b.pool(), &demo, LoadMode::SeedOnce)
        );
        let outcomes = [x.unwrap(), y.unwrap()];
        let loaded = outcomes
            .iter()
            .filter(|o| matches!(o, LoadOutcome::Loaded { .. }))
            .count();
        let skipped = outcomes
            .iter()
            .filter(|o| matches!(o, LoadOutcome::AlreadyLoaded { rows: 50, .. }))
            .count();
        assert_eq!((loaded, skipped), (1, 1), "{outcomes:?}");
        let all = store::QuerySpec {
            limit: 0,
            ..Default::default()
        };
        assert_eq!(a.list(all).await.unwrap().total, 50);
    });
}

/// A demo load recorded before the year was part of its fingerprint
/// (`demo seed=S size=N`) is taken as the same seed and size over any year,
/// and the outcome says so; another size is still other data.
#[test]
fn a_demo_recorded_without_its_year_is_kept_and_named() {
    let rt = runtime();
    let Some(db) = rt.block_on(TempDb::create("legacy")) else {
        return;
    };
    rt.block_on(async {
        let pg = db.storage(PgOptions::default()).await;
        let demo = |size: u64| SymblSource::Demo {
            seed: 3,
            size,
            until_ms: store::generate::END_2021_MS,
            pinned: true,
            with_messages: 0,
        };
        load_symbl(pg.pool(), &demo(20), LoadMode::SeedOnce)
            .await
            .unwrap();
        let client = db.client().await;
        client
            .batch_execute("UPDATE loads SET fingerprint = 'demo seed=3 size=20'")
            .await
            .unwrap();
        let out = load_symbl(pg.pool(), &demo(20), LoadMode::SeedOnce)
            .await
            .unwrap();
        match &out {
            LoadOutcome::AlreadyLoaded {
                rows: 20,
                recorded: Some(fp),
                ..
            } => assert_eq!(fp, "demo seed=3 size=20"),
            other => panic!("{other:?}"),
        }
        assert!(
            out.to_string()
                .contains("recorded before the demo's year was"),
            "{out}"
        );
        let err = load_symbl(pg.pool(), &demo(21), LoadMode::SeedOnce)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("--replace-data"), "{err}");
    });
}
