//! Shared helpers for the criterion benches: the filter corpus and its subsets.
//!
//! The corpus is `data/filters.txt` (the benchmark brief's filter corpus), one
//! filter per line, compiled into the bench binaries with `include_str!` so a
//! bench never depends on the working directory it is started from.
//!
//! ```
//! let all = rsql_benches::Corpus::all();
//! assert_eq!(all.len(), 41);
//! let short = rsql_benches::Corpus::short();
//! let long = rsql_benches::Corpus::long();
//! assert_eq!(short.len() + long.len(), all.len());
//! assert_eq!(short.bytes() + long.bytes(), all.bytes());
//! ```

#![forbid(unsafe_code)]

/// The raw corpus file: one RSQL filter per line.
pub const FILTERS_TXT: &str = include_str!("data/filters.txt");

/// Lines shorter than this many bytes are "short", the others "long"
/// (`benches/README.md`: 36 short lines, 5 long ones).
pub const SHORT_LIMIT: usize = 256;

/// A named list of filters, with the byte count used for `Throughput::Bytes`.
///
/// ```
/// let c = rsql_benches::Corpus::new("two", vec!["a==1", "b==22"]);
/// assert_eq!(c.bytes(), 9);
/// assert_eq!(c.name(), "two");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corpus {
    name: String,
    lines: Vec<&'static str>,
}

impl Corpus {
    /// A corpus from explicit lines.
    ///
    /// ```
    /// let c = rsql_benches::Corpus::new("one", vec!["a==1"]);
    /// assert_eq!(c.lines(), ["a==1"]);
    /// ```
    pub fn new(name: impl Into<String>, lines: Vec<&'static str>) -> Corpus {
        Corpus {
            name: name.into(),
            lines,
        }
    }

    /// Every non-empty line of `filters.txt` (the `all` group).
    ///
    /// ```
    /// assert!(rsql_benches::Corpus::all().lines().iter().all(|l| !l.is_empty()));
    /// ```
    pub fn all() -> Corpus {
        Corpus::new("all", corpus_lines(FILTERS_TXT))
    }

    /// Lines under [`SHORT_LIMIT`] bytes (the `short` group).
    ///
    /// ```
    /// let short = rsql_benches::Corpus::short();
    /// assert!(short.lines().iter().all(|l| l.len() < rsql_benches::SHORT_LIMIT));
    /// ```
    pub fn short() -> Corpus {
        Corpus::all().subset("short", |l| l.len() < SHORT_LIMIT)
    }

    /// Lines of [`SHORT_LIMIT`] bytes or more (the `long` group).
    ///
    /// ```
    /// assert_eq!(rsql_benches::Corpus::long().len(), 5);
    /// ```
    pub fn long() -> Corpus {
        Corpus::all().subset("long", |l| l.len() >= SHORT_LIMIT)
    }

    /// The lines of this corpus for which `keep` holds, under a new name.
    ///
    /// ```
    /// let c = rsql_benches::Corpus::all().subset("or", |l| l.contains(','));
    /// assert!(c.len() < rsql_benches::Corpus::all().len());
    /// ```
    pub fn subset(&self, name: impl Into<String>, mut keep: impl FnMut(&str) -> bool) -> Corpus {
        Corpus::new(
            name,
            self.lines.iter().copied().filter(|l| keep(l)).collect(),
        )
    }

    /// The corpus name (`all`, `short`, `long`, or a subset's name).
    ///
    /// ```
    /// assert_eq!(rsql_benches::Corpus::short().name(), "short");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The filters, in file order.
    ///
    /// ```
    /// assert!(rsql_benches::Corpus::all().lines()[0].starts_with("conversation."));
    /// ```
    pub fn lines(&self) -> &[&'static str] {
        &self.lines
    }

    /// Number of filters.
    ///
    /// ```
    /// assert_eq!(rsql_benches::Corpus::short().len(), 36);
    /// ```
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the corpus has no filter.
    ///
    /// ```
    /// assert!(!rsql_benches::Corpus::all().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Total bytes of all filters, newlines excluded (9 922 for `all`).
    ///
    /// ```
    /// assert_eq!(rsql_benches::Corpus::all().bytes(), 9_922);
    /// ```
    pub fn bytes(&self) -> u64 {
        self.lines.iter().map(|l| l.len() as u64).sum()
    }
}

/// Splits a corpus file into its non-empty lines (a trailing `\r` is dropped).
///
/// ```
/// assert_eq!(rsql_benches::corpus_lines("a==1\r\n\nb==2\n"), ["a==1", "b==2"]);
/// ```
pub fn corpus_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The store bench's data set as a JSONL file of `n` generated conversations
/// of 2021, pinned explicitly (`store::generate::write_jsonl_until(seed, n,
/// END_2021_MS, …)`, the data set of `store::generate`), beside criterion's results,
/// written on first use (through a temporary file, so an interrupted run
/// leaves no partial file). Returns the path and, when it had to be written,
/// how long that took. The store and tricks benches load the same file.
///
/// ```no_run
/// let (path, _) = rsql_benches::data_file(1_000, 42)?;
/// assert!(path.exists());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn data_file(
    n: u64,
    seed: u64,
) -> std::io::Result<(std::path::PathBuf, Option<std::time::Duration>)> {
    let dir = estimates::criterion_home()
        .and_then(|h| h.parent().map(|p| p.join("store-bench")))
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("conversations-{n}-seed{seed}.jsonl"));
    if path.exists() {
        return Ok((path, None));
    }
    let t = std::time::Instant::now();
    let tmp = path.with_extension("tmp");
    let out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    store::generate::write_jsonl_until(seed, n, store::generate::END_2021_MS, out)?;
    std::fs::rename(&tmp, &path)?;
    Ok((path, Some(t.elapsed())))
}

/// Reading criterion's own result files, for the summary tables the benches
/// print after a run (ratios to the peers measured in the same run).
pub mod estimates {
    use std::path::{Path, PathBuf};
    use std::time::SystemTime;

    /// Where criterion writes its results (same rule as criterion itself:
    /// `CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
    /// `<target>/criterion` found from the running bench binary).
    ///
    /// ```
    /// assert!(rsql_benches::estimates::criterion_home().is_some());
    /// ```
    pub fn criterion_home() -> Option<PathBuf> {
        if let Some(home) = std::env::var_os("CRITERION_HOME") {
            return Some(PathBuf::from(home));
        }
        if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
            return Some(PathBuf::from(target).join("criterion"));
        }
        // <target>/release/deps/<bench>-<hash>
        let exe = std::env::current_exe().ok()?;
        Some(exe.parent()?.parent()?.parent()?.join("criterion"))
    }

    /// Nanoseconds per iteration of `group/function` from its
    /// `new/estimates.json`, if that file was written after `since`: the
    /// first of `stats` (e.g. `["slope", "mean"]` or `["median"]`) present.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// let home = std::env::temp_dir().join("rsql-benches-doc");
    /// let dir = home.join("g").join("f").join("new");
    /// std::fs::create_dir_all(&dir)?;
    /// let since = SystemTime::UNIX_EPOCH;
    /// std::fs::write(dir.join("estimates.json"), r#"{"mean":{"point_estimate":12.5}}"#)?;
    /// let ns = rsql_benches::estimates::read(&home, "g", "f", since, &["slope", "mean"]);
    /// assert_eq!(ns, Some(12.5));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn read(
        home: &Path,
        group: &str,
        function: &str,
        since: SystemTime,
        stats: &[&str],
    ) -> Option<f64> {
        let path = home
            .join(group)
            .join(function)
            .join("new")
            .join("estimates.json");
        if std::fs::metadata(&path).ok()?.modified().ok()? < since {
            return None;
        }
        let text = std::fs::read_to_string(&path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        stats
            .iter()
            .find_map(|k| json.get(k)?.get("point_estimate")?.as_f64())
    }
}
