//! The journal's figures (issue 16), not a criterion bench: one run prints
//!
//! 1. metadata-PUT throughput and p99 through `MemoryStorage` with a journal
//!    (group commit) and memory-only, 32 concurrent writers, same run;
//! 2. restart time of a directory holding a snapshot of `N` conversations
//!    plus `W` journaled writes, and the replay rate;
//! 3. the directory's size on disk after compaction against the JSONL the
//!    data would come from.
//!
//! `cargo bench -p rsql-benches --bench journal` (N = 1 000 000, W = 100 000;
//! `JOURNAL_BENCH_N`, `JOURNAL_BENCH_W` and `JOURNAL_BENCH_DIR` change them;
//! the directory must be on the disk to measure, default the system temp dir).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use store::journal::{Journal, JournalOptions};
use store::storage::{MemoryStorage, Storage};

const SEED: u64 = 16;
const WRITERS: u64 = 32;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn dir_bytes(dir: &Path) -> (u64, u64) {
    let (mut wal, mut snap) = (0, 0);
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let len = std::fs::metadata(&p).unwrap().len();
        match p.extension().and_then(|e| e.to_str()) {
            Some("wal") => wal += len,
            Some("snap") => snap += len,
            _ => {}
        }
    }
    (wal, snap)
}

/// `writes` metadata PUTs by [`WRITERS`] tasks; returns (elapsed, sorted latencies).
fn put_load(
    rt: &tokio::runtime::Runtime,
    storage: &Arc<MemoryStorage>,
    ids: &Arc<Vec<String>>,
    writes: u64,
) -> (Duration, Vec<Duration>) {
    let started = Instant::now();
    let mut lat = rt.block_on(async {
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let s = Arc::clone(storage);
            let ids = Arc::clone(ids);
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut i = w;
                while i < writes {
                    let id = &ids[(i as usize * 7919) % ids.len()];
                    let changes = vec![("bench".to_owned(), Some(format!("w{w}-{i}")))];
                    let t = Instant::now();
                    s.update_metadata(id, changes).await.unwrap();
                    lat.push(t.elapsed());
                    i += WRITERS;
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    let elapsed = started.elapsed();
    lat.sort_unstable();
    (elapsed, lat)
}

fn report(label: &str, writes: u64, (elapsed, lat): &(Duration, Vec<Duration>)) {
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{label:<28} {:>9.0} PUT/s   p50 {:>8.3} ms   p99 {:>8.3} ms   ({writes} writes in {:.2} s)",
        writes as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        elapsed.as_secs_f64()
    );
}

fn main() {
    let n = env_u64("JOURNAL_BENCH_N", 1_000_000);
    let writes = env_u64("JOURNAL_BENCH_W", 100_000);
    let base = std::env::var_os("JOURNAL_BENCH_DIR")
        .map(Into::into)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("rsql-journal-bench-{}", std::process::id()));
    let dir = base.join("data");
    std::fs::create_dir_all(&base).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    println!(
        "journal bench: {n} conversations, {writes} writes, {WRITERS} writers, dir {}",
        base.display()
    );

    let t = Instant::now();
    let store = store::generate::store(SEED, n);
    println!(
        "generate                     {:>9.2} s",
        t.elapsed().as_secs_f64()
    );
    let jsonl = base.join("symbl.jsonl");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&jsonl).unwrap());
        for c in store.iter() {
            serde_json::to_writer(&mut w, &c).unwrap();
            w.write_all(b"\n").unwrap();
        }
        w.flush().unwrap();
    }
    let jsonl_bytes = std::fs::metadata(&jsonl).unwrap().len();
    let ids: Arc<Vec<String>> = Arc::new(store.iter().map(|c| c.id).collect());

    // 1. PUT: memory only, then journaled, same data, same run.
    let memory = Arc::new(MemoryStorage::new(
        store.clone(),
        Default::default(),
        Default::default(),
        Default::default(),
    ));
    let mem = put_load(&rt, &memory, &ids, writes);
    drop(memory);
    let (journal, _) = Journal::open(&dir, JournalOptions::default()).unwrap();
    let t = Instant::now();
    let seeded = journal.seed(&store, Vec::new()).unwrap();
    println!(
        "seed snapshot                {:>9.2} s   ({} bytes)",
        t.elapsed().as_secs_f64(),
        seeded.bytes
    );
    let journaled = Arc::new(
        MemoryStorage::new(
            store,
            Default::default(),
            Default::default(),
            Default::default(),
        )
        .with_journal(journal),
    );
    let jnl = put_load(&rt, &journaled, &ids, writes);
    let syncs = journaled.journal().map(Journal::syncs).unwrap_or(0);
    report("memory only", writes, &mem);
    report("--data-dir (group commit)", writes, &jnl);
    println!(
        "fdatasyncs for {writes} journaled writes: {syncs} ({:.1} writes per sync)",
        writes as f64 / syncs.max(1) as f64
    );
    let (wal, snap) = dir_bytes(&dir);
    println!("on disk before restart: snapshot {snap} bytes, journal {wal} bytes");
    let expected_len = rt.block_on(async { journaled.symbl().read().await.len() });
    drop(journaled);

    // 2. Restart: snapshot + W journaled writes.
    let t = Instant::now();
    let (journal, rec) = Journal::open(&dir, JournalOptions::default()).unwrap();
    let restart = t.elapsed();
    assert_eq!(rec.store.len(), expected_len);
    assert_eq!(rec.report.records, writes);
    println!(
        "restart                      {:>9.2} s   (snapshot read {:.2} s, replay of {} records {:.2} s = {:.0} records/s)",
        restart.as_secs_f64(),
        rec.report.snapshot_time.as_secs_f64(),
        rec.report.records,
        rec.report.replay_time.as_secs_f64(),
        rec.report.replay_rate()
    );

    // 3. Size after compaction (a snapshot of everything).
    let symbl = tokio::sync::RwLock::new(rec.store);
    let t = Instant::now();
    let s = journal.snapshot_from(&symbl).unwrap();
    println!(
        "snapshot (copy + write)      {:>9.2} s",
        t.elapsed().as_secs_f64()
    );
    let (wal, snap) = dir_bytes(&dir);
    println!(
        "on disk after compaction: snapshot {snap} bytes + journal {wal} bytes = {:.2}x the JSONL ({jsonl_bytes} bytes, {} conversations)",
        (snap + wal) as f64 / jsonl_bytes as f64,
        s.conversations
    );
    drop(journal);
    std::fs::remove_dir_all(&base).unwrap();
}
