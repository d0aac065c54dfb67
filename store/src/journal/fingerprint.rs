//! Load fingerprints: what a directory's data was seeded from, so that a
//! restart with the same data flags skips the load and one with other data
//! is refused (unless `--replace-data`).

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One load the journal's data came from: the flag and a fingerprint of
/// its data (`sha256:<hex>` of a file, `demo seed=S size=N`).
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

/// The fingerprint of `--demo` data: `demo seed=S size=N`, and
/// ` until=T` when the generated year's end was pinned (`--demo-until`).
/// Without a pin the year ends when the data is seeded, and a restart
/// keeps that data whatever the time; with one, another pin is other data.
///
/// ```
/// use store::journal::demo_fingerprint;
/// assert_eq!(demo_fingerprint(42, 1000, None), "demo seed=42 size=1000");
/// assert_eq!(
///     demo_fingerprint(42, 1000, Some(1_640_995_200_000)),
///     "demo seed=42 size=1000 until=2022-01-01T00:00:00.000Z"
/// );
/// ```
pub fn demo_fingerprint(seed: u64, size: u64, until_ms: Option<i64>) -> String {
    match until_ms {
        None => format!("demo seed={seed} size={size}"),
        Some(ms) => format!(
            "demo seed={seed} size={size} until={}",
            crate::time::format_ms(ms)
        ),
    }
}
