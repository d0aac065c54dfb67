//! Load fingerprints: what a directory's data was seeded from, so that a
//! restart with the same data flags skips the load and one with other data
//! is refused (unless `--replace-data`).

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One load the journal's data came from: the flag and a fingerprint of
/// its data (`sha256:<hex>` of a file, `demo seed=S size=N until=T`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadMark {
    /// The flag (`--symbl-data`, `--demo`).
    pub flag: String,
    /// What it loaded.
    pub fingerprint: String,
}

/// The fingerprint of a data file: `sha256:` and the hex SHA-256 of its bytes.
///
/// ```
/// let path = std::env::temp_dir().join(format!("fp-doc-{}", std::process::id()));
/// std::fs::write(&path, b"abc")?;
/// assert_eq!(
///     store::journal::file_fingerprint(&path)?,
///     "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn file_fingerprint(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            // A read the OS interrupted (EINTR) is retried, as `read_to_end` does.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hasher.finalize().iter() {
        out.push_str(&format!("{b:02x}"));
    }
    Ok(out)
}

/// The fingerprint of `--demo` data: `demo seed=S size=N until=T`, T the
/// end of the generated year when it was pinned (`--demo-until`), else
/// `start`: the year then ends when the data is seeded, and a restart keeps
/// that data whatever the time. Another pin, or none, is other data.
///
/// ```
/// use store::journal::demo_fingerprint;
/// assert_eq!(demo_fingerprint(42, 1000, None), "demo seed=42 size=1000 until=start");
/// assert_eq!(
///     demo_fingerprint(42, 1000, Some(1_640_995_200_000)),
///     "demo seed=42 size=1000 until=2022-01-01T00:00:00.000Z"
/// );
/// ```
pub fn demo_fingerprint(seed: u64, size: u64, until_ms: Option<i64>) -> String {
    let until = until_ms.map_or_else(|| "start".to_owned(), crate::time::format_ms);
    format!("demo seed={seed} size={size} until={until}")
}

/// Whether `recorded` is how a demo load was fingerprinted before its year
/// was part of the fingerprint (`demo seed=S size=N`), with the seed and
/// size of `wanted`: such data is taken as the data `wanted` names, as it
/// was then (which year it spans is not known), and the start says so.
///
/// ```
/// use store::journal::{demo_fingerprint, recorded_without_year};
/// let wanted = demo_fingerprint(42, 1000, Some(1_640_995_200_000));
/// assert!(recorded_without_year("demo seed=42 size=1000", &wanted));
/// assert!(!recorded_without_year("demo seed=42 size=999", &wanted));
/// assert!(!recorded_without_year(&demo_fingerprint(42, 1000, None), &wanted));
/// ```
pub fn recorded_without_year(recorded: &str, wanted: &str) -> bool {
    recorded.starts_with("demo seed=")
        && !recorded.contains(" until=")
        && wanted
            .strip_prefix(recorded)
            .is_some_and(|rest| rest.starts_with(" until="))
}
