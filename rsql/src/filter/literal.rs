//! String literals prepared for evaluation: [`Needle`] (one value) and
//! [`StrSet`] (an `=in=` list).

use std::collections::HashSet;

/// A string literal prepared for fast equality: its first and last 8 bytes
/// (4 for 4–7 byte strings) as integers, so that a candidate of the same
/// length is usually accepted or rejected with two integer compares instead
/// of a `memcmp` call. Strings of up to 16 bytes never need the call.
#[derive(Clone, Debug)]
pub(crate) struct Needle {
    text: Box<str>,
    head: u64,
    tail: u64,
}

impl Needle {
    pub(crate) fn new(text: Box<str>) -> Needle {
        let (head, tail) = Needle::words(text.as_bytes()).unwrap_or((0, 0));
        Needle { text, head, tail }
    }

    /// `(first, last)` 8-byte words for len ≥ 8, 4-byte words for len 4..8,
    /// `None` for shorter strings.
    #[inline(always)]
    fn words(b: &[u8]) -> Option<(u64, u64)> {
        let n = b.len();
        if n >= 8 {
            let mut h = [0u8; 8];
            let mut t = [0u8; 8];
            h.copy_from_slice(&b[..8]);
            t.copy_from_slice(&b[n - 8..]);
            Some((u64::from_le_bytes(h), u64::from_le_bytes(t)))
        } else if n >= 4 {
            let mut h = [0u8; 4];
            let mut t = [0u8; 4];
            h.copy_from_slice(&b[..4]);
            t.copy_from_slice(&b[n - 4..]);
            Some((
                u64::from(u32::from_le_bytes(h)),
                u64::from(u32::from_le_bytes(t)),
            ))
        } else {
            None
        }
    }

    /// Whether `s` equals the literal.
    #[inline(always)]
    pub(crate) fn matches(&self, s: &str) -> bool {
        let (b, n) = (s.as_bytes(), self.text.as_bytes());
        if b.len() != n.len() {
            return false;
        }
        match Needle::words(b) {
            Some((h, t)) => {
                ((h ^ self.head) | (t ^ self.tail)) == 0
                    && (b.len() <= 16 || b[8..b.len() - 8] == n[8..n.len() - 8])
            }
            None => b == n,
        }
    }
}

impl std::ops::Deref for Needle {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Needle {
    fn eq(&self, other: &Needle) -> bool {
        self.text == other.text
    }
}

/// A set of strings: a slice scanned linearly when small, plus a hash set
/// when large. `items` keeps the source order (deduplicated) for emitters.
#[derive(Clone, Debug)]
pub(crate) struct StrSet {
    pub(crate) items: Box<[Needle]>,
    lookup: Lookup,
}

/// How [`StrSet::contains`] searches.
#[derive(Clone, Debug)]
enum Lookup {
    /// Every item has the same length, 4 to 16 bytes (ids, codes, e-mail
    /// local parts): check the length once, then compare the candidate's
    /// two words with each item's, without a branch per item.
    Uniform {
        len: usize,
        words: Box<[(u64, u64)]>,
    },
    /// A linear scan of the items.
    Scan,
    /// A hash set, for large sets.
    Hash(HashSet<Box<str>>),
}

impl PartialEq for StrSet {
    fn eq(&self, other: &StrSet) -> bool {
        self.items == other.items
    }
}

/// Above this many values a set is hashed; below, a linear scan of short
/// strings (length checked first) is faster.
const HASH_THRESHOLD: usize = 12;

impl StrSet {
    pub(crate) fn new(values: Vec<Box<str>>) -> StrSet {
        if values.len() <= HASH_THRESHOLD {
            let mut items: Vec<Needle> = Vec::with_capacity(values.len());
            for v in values {
                if !items.iter().any(|i| **i == *v) {
                    items.push(Needle::new(v));
                }
            }
            let len = items.first().map_or(0, |i| i.len());
            let lookup = if (4..=16).contains(&len) && items.iter().all(|i| i.len() == len) {
                Lookup::Uniform {
                    len,
                    words: items.iter().map(|i| (i.head, i.tail)).collect(),
                }
            } else {
                Lookup::Scan
            };
            return StrSet {
                items: items.into_boxed_slice(),
                lookup,
            };
        }
        let mut seen = HashSet::with_capacity(values.len());
        let items: Box<[Needle]> = values
            .into_iter()
            .filter(|v| seen.insert(v.clone()))
            .map(Needle::new)
            .collect();
        StrSet {
            items,
            lookup: Lookup::Hash(seen),
        }
    }

    #[inline(always)]
    pub(crate) fn contains(&self, s: &str) -> bool {
        match &self.lookup {
            Lookup::Uniform { len, words } => {
                if s.len() != *len {
                    return false;
                }
                let Some((h, t)) = Needle::words(s.as_bytes()) else {
                    return false;
                };
                words.iter().any(|&(a, b)| ((a ^ h) | (b ^ t)) == 0)
            }
            Lookup::Scan => self.items.iter().any(|i| i.matches(s)),
            Lookup::Hash(h) => h.contains(s),
        }
    }
}
