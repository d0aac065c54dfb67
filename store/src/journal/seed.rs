//! What to do with the data flags when a journal directory is opened:
//! seed an empty directory, skip a load it was already seeded with, refuse
//! other data unless told to replace it.

use std::fmt;
use std::path::PathBuf;

use super::LoadMark;

/// What start-up does with the data flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedPlan {
    /// The directory is new: load the flags' data and seed it.
    Seed,
    /// Serve what the directory holds; the flags' data (if any) is what it
    /// was seeded with, so the load is skipped.
    Keep,
    /// Load the flags' data and make it the directory's whole content
    /// (`--replace-data`; the writes made since the last seed are dropped).
    Replace,
}

/// The data flags name other data than the directory was seeded with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedMismatch {
    /// The directory.
    pub dir: PathBuf,
    /// The flag whose data differs.
    pub flag: String,
    /// What the flag loads now.
    pub wanted: String,
    /// What the directory was seeded with (`nothing` when no data flag).
    pub seeded: String,
}

impl fmt::Display for SeedMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: other data than {} was seeded with ({} now, {} then); to replace the \
             directory's data (and the writes made since) give --replace-data, to keep it \
             start without {}",
            self.flag,
            self.dir.display(),
            self.wanted,
            self.seeded,
            self.flag
        )
    }
}

impl std::error::Error for SeedMismatch {}

/// Decides what start-up does, from what the directory was seeded with
/// (`seeded`, [`Journal::loads`](super::Journal::loads)), whether it holds
/// nothing yet (`fresh`), the loads the flags ask for (`wanted`) and
/// `--replace-data` (`replace`). The same loads again are skipped, also
/// with `replace`.
///
/// ```
/// use store::journal::{LoadMark, SeedPlan, plan_seed};
/// let demo = |size: usize| LoadMark {
///     flag: "--demo".into(),
///     fingerprint: store::journal::demo_fingerprint(42, size as u64, None),
/// };
/// let dir = std::path::Path::new("data");
/// assert_eq!(plan_seed(dir, &[], true, &[demo(10)], false), Ok(SeedPlan::Seed));
/// assert_eq!(plan_seed(dir, &[demo(10)], false, &[demo(10)], false), Ok(SeedPlan::Keep));
/// assert_eq!(plan_seed(dir, &[demo(10)], false, &[], false), Ok(SeedPlan::Keep));
/// assert_eq!(plan_seed(dir, &[demo(10)], false, &[demo(20)], true), Ok(SeedPlan::Replace));
/// // Recorded before the demo's year was part of its fingerprint: kept.
/// let legacy = LoadMark { flag: "--demo".into(), fingerprint: "demo seed=42 size=10".into() };
/// assert_eq!(plan_seed(dir, &[legacy], false, &[demo(10)], false), Ok(SeedPlan::Keep));
/// let e = plan_seed(dir, &[demo(10)], false, &[demo(20)], false).unwrap_err();
/// assert!(e.to_string().starts_with("--demo: other data than data was seeded with"));
/// assert!(e.to_string().contains("--replace-data"));
/// ```
pub fn plan_seed(
    dir: &std::path::Path,
    seeded: &[LoadMark],
    fresh: bool,
    wanted: &[LoadMark],
    replace: bool,
) -> Result<SeedPlan, SeedMismatch> {
    if fresh && seeded.is_empty() {
        return Ok(SeedPlan::Seed);
    }
    let same = |w: &LoadMark, s: &LoadMark| {
        w.flag == s.flag
            && (w.fingerprint == s.fingerprint
                || super::recorded_without_year(&s.fingerprint, &w.fingerprint))
    };
    if wanted.is_empty()
        || (wanted.len() == seeded.len() && wanted.iter().zip(seeded).all(|(w, s)| same(w, s)))
    {
        return Ok(SeedPlan::Keep);
    }
    if replace {
        return Ok(SeedPlan::Replace);
    }
    let differs = wanted
        .iter()
        .find(|w| !seeded.contains(w))
        .or(wanted.first());
    let describe = |m: &[LoadMark]| {
        if m.is_empty() {
            "nothing".to_owned()
        } else {
            m.iter()
                .map(|l| format!("{} {}", l.flag, l.fingerprint))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    Err(SeedMismatch {
        dir: dir.to_path_buf(),
        flag: differs.map(|l| l.flag.clone()).unwrap_or_default(),
        wanted: describe(wanted),
        seeded: describe(seeded),
    })
}
