//! Where a loaded store's memory goes, and how long loading takes beside a
//! plain `serde_json::Value` pass over the same file.
//!
//! ```sh
//! cargo run --release -p store --example memory -- /tmp/conv-1m.jsonl --generate 1000000
//! cargo run --release -p store --example memory -- /tmp/conv-1m.jsonl --time 3
//! ```
//!
//! `--generate N` first writes the bench data set (`store::generate`, seed
//! 42, 2021, as `benches/lib.rs`'s `data_file`) to the path when the file is
//! missing. The report: the process's resident memory before and after
//! loading (and after a two-second settle, so the allocator has purged what
//! it freed), its peak, [`store::Store::footprint`] by component, and the
//! difference (allocator slack: free space in its pages, size classes).
//! `--time K` then runs K rounds of {the `Value` pass, a fresh load}, both
//! from the file (the pass first in odd rounds, the load first in even
//! ones), and prints each time, then the median load ÷ pass ratio,
//! its range and how many rounds were at most 1×. Uses mimalloc, as the
//! server does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `VmRSS` and `VmHWM` of this process, in bytes (Linux `/proc`).
fn rss() -> Result<(usize, usize), String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    let field = |name: &str| -> Result<usize, String> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| format!("no {name} in /proc/self/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// CPU seconds this process has used (user + system, all threads), from
/// `/proc/self/stat` in clock ticks of 1/100 s (Linux's `USER_HZ`). On a
/// shared machine wall time mostly measures the other processes; CPU time
/// is what the work took.
fn cpu() -> Result<f64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .map_err(|e| format!("cannot read /proc/self/stat: {e}"))?;
    // Fields after the command name (which ends with the last `)`):
    // state is field 3, utime 14 and stime 15.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("no `)` in /proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64, String> {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .ok_or_else(|| format!("no field {} in /proc/self/stat", i + 3))
    };
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Parses every line into a `serde_json::Value` and keeps nothing.
fn value_pass(path: &Path) -> Result<(usize, Duration, f64), String> {
    let (t, c) = (Instant::now(), cpu()?);
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut n = 0;
    for (i, line) in std::io::BufReader::with_capacity(1 << 20, file)
        .lines()
        .enumerate()
    {
        let line = line.map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1))?;
        n += usize::from(v.is_object());
    }
    Ok((n, t.elapsed(), cpu()? - c))
}

fn load(path: &Path) -> Result<(store::Store, Duration, f64), String> {
    let (t, c) = (Instant::now(), cpu()?);
    let mut s = store::Store::new();
    let report = store::load::load_jsonl_file(&mut s, path, &store::load::LoadOptions::fail_fast())
        .map_err(|e| e.to_string())?;
    let elapsed = t.elapsed();
    let c = cpu()? - c;
    if report.loaded != s.len() {
        return Err(format!("{} loaded, {} held", report.loaded, s.len()));
    }
    Ok((s, elapsed, c))
}

fn run(args: &[String]) -> Result<(), String> {
    let usage = "usage: memory FILE [--generate N] [--time ROUNDS] [--render 1]";
    let path = Path::new(args.first().ok_or(usage)?);
    let mut generate = None;
    let mut rounds = 0usize;
    let mut render = false;
    let mut rest = args.iter().skip(1);
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(usage)?;
        let n: usize = value
            .parse()
            .map_err(|_| format!("{flag}: `{value}` is not a count"))?;
        match flag.as_str() {
            "--generate" => generate = Some(n),
            "--time" => rounds = n,
            "--render" => render = n > 0,
            _ => return Err(format!("unknown flag `{flag}`; {usage}")),
        }
    }
    if let Some(n) = generate
        && !path.exists()
    {
        let t = Instant::now();
        let tmp = path.with_extension("tmp");
        let file = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        store::generate::write_jsonl_until(
            42,
            n as u64,
            store::generate::END_2021_MS,
            std::io::BufWriter::new(file),
        )
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!(
            "wrote {n} conversations to {} in {:.1?}",
            path.display(),
            t.elapsed()
        );
    }
    let file_bytes = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    let (before, _) = rss()?;
    let (s, took, took_cpu) = load(path)?;
    let (after, peak) = rss()?;
    std::thread::sleep(Duration::from_secs(2));
    let (settled, _) = rss()?;
    let f = s.footprint();
    let stats = s.stats();
    println!(
        "{}: {} bytes, {} conversations, {} strings, {} people; loaded in {:.2} s ({:.2} s of CPU)",
        path.display(),
        file_bytes,
        stats.conversations,
        stats.strings,
        stats.people,
        took.as_secs_f64(),
        took_cpu
    );
    println!("component               MB   bytes/conversation");
    let per = |b: usize| b as f64 / stats.conversations.max(1) as f64;
    for (name, bytes) in f.components() {
        println!("{name:<18} {:>9.1} {:>9.1}", mb(bytes), per(bytes));
    }
    let store_rss = settled.saturating_sub(before);
    println!(
        "{:<18} {:>9.1} {:>9.1}",
        "footprint total",
        mb(f.total()),
        per(f.total())
    );
    println!(
        "{:<18} {:>9.1} {:>9.1}",
        "allocator slack",
        mb(store_rss.saturating_sub(f.total())),
        per(store_rss.saturating_sub(f.total()))
    );
    println!(
        "resident: {:.1} MB before loading, {:.1} MB after, {:.1} MB settled (store {:.1} MB), peak {:.1} MB ({:.2}x settled)",
        mb(before),
        mb(after),
        mb(settled),
        mb(store_rss),
        mb(peak),
        peak as f64 / settled.max(1) as f64
    );
    if render {
        // The first 65 536 rows by start time written in pages of 20, timed;
        // then the same bytes copied page by page (about what a page cost
        // when rows kept their JSON: copies of kept bytes).
        let spec = store::QuerySpec {
            limit: 65_536,
            window: None,
            ..Default::default()
        };
        let all = s.query_ref(&spec).map_err(|e| e.to_string())?.items;
        let (t, c) = (Instant::now(), cpu()?);
        let pages: Vec<Vec<u8>> = all
            .chunks(20)
            .map(|chunk| {
                let mut out = Vec::with_capacity(20 * 512);
                for c in chunk {
                    c.write_json(&mut out);
                }
                out
            })
            .collect();
        let (written, written_cpu) = (t.elapsed(), cpu()? - c);
        let bytes: usize = pages.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity(1 << 16);
        let (t, c) = (Instant::now(), cpu()?);
        for page in &pages {
            out.clear();
            out.extend_from_slice(page);
        }
        let (copied, copied_cpu) = (t.elapsed(), cpu()? - c);
        println!(
            "render: {} rows, {:.0} bytes a row; written {:.0} ns a row ({:.0} ns of CPU), copied {:.0} ns a row ({:.0} ns of CPU)",
            all.len(),
            bytes as f64 / all.len() as f64,
            written.as_nanos() as f64 / all.len() as f64,
            written_cpu * 1e9 / all.len() as f64,
            copied.as_nanos() as f64 / all.len() as f64,
            copied_cpu * 1e9 / all.len() as f64
        );
    }
    drop(s);
    let mut ratios = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        // The order alternates, so a machine that slows down or speeds up
        // during the run favours neither side.
        // The loaded store goes before the next timing starts.
        let load_and_drop = || load(path).map(|(s, took, cpu)| (s.len(), took, cpu));
        let ((n, pass, pass_cpu), (held, took, took_cpu)) = if round % 2 == 1 {
            let pass = value_pass(path)?;
            (pass, load_and_drop()?)
        } else {
            let load = load_and_drop()?;
            (value_pass(path)?, load)
        };
        if held != n {
            return Err(format!("the pass read {n} objects, the store holds {held}"));
        }
        println!(
            "round {round}: serde_json::Value pass {:.2} s ({:.2} s of CPU), store load {:.2} s ({:.2} s of CPU): {:.2}x wall, {:.2}x CPU",
            pass.as_secs_f64(),
            pass_cpu,
            took.as_secs_f64(),
            took_cpu,
            took.as_secs_f64() / pass.as_secs_f64(),
            took_cpu / pass_cpu.max(0.01)
        );
        ratios.push(took.as_secs_f64() / pass.as_secs_f64());
    }
    if !ratios.is_empty() {
        ratios.sort_by(f64::total_cmp);
        println!(
            "load / pass over {} rounds: median {:.2}x, {:.2}x to {:.2}x; at most 1x in {}",
            ratios.len(),
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
            ratios.iter().filter(|&&r| r <= 1.0).count()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
