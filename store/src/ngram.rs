//! [`NgramIndex`]: byte trigrams of the distinct values of one string field
//! (today `conversation.name`), each with the sorted list of the values
//! (their interned symbols) that hold it. It answers wildcard patterns:
//! the candidates are the values that hold every trigram of the pattern's
//! literal text, and each candidate is then checked against the whole
//! pattern, so the answer is exact.
//!
//! # Grams
//!
//! A value is read as the bytes `\0 \0 value \0 \0` (NUL cannot occur in a
//! stored string: writes refuse it), and every 3-byte window of that is a
//! gram, packed into a `u32`. The two NULs on each side make the first and
//! last one or two bytes of a value grams of their own, so an anchored
//! segment of any length is served: `x*` and `*x` by one gram each, `ab*`
//! by `\0ab` and `\0\0a`. Bytes, not characters: any UTF-8 works, a
//! multi-byte character is simply spread over several grams, and a pattern
//! segment (whole characters) gives the same grams as the same text in a
//! value. Case-sensitive, as the pattern is.
//!
//! A pattern's grams are those of its segments: the first segment with the
//! leading NULs, the last with the trailing ones, the middle ones alone.
//! A middle segment under 3 bytes gives no gram (`*ab*`); when no segment
//! gives one (`*ab*`, `*a*b*`, `*`) the index cannot narrow anything and
//! [`NgramIndex::grams_of`] returns `None`: the planner then falls back to
//! testing every distinct value (the dictionary scan), as it would without
//! this index.
//!
//! # Size and cost
//!
//! The index is over distinct values, not rows: rows that share a name
//! share its entries. A value of `n` bytes has `n + 2` grams (fewer when a
//! gram repeats); each costs 4 bytes in one list, plus a hash entry per
//! distinct gram. A lookup intersects the lists of the pattern's distinct
//! grams, smallest first (O(smallest × grams) with binary searches), and the
//! caller checks each candidate value once.

use crate::index::Postings;
use crate::intern::{FastMap, Sym, shrink_if_sparse};

/// Trigram → the sorted symbols of the values that contain it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NgramIndex {
    grams: FastMap<u32, Postings>,
}

/// A gram: three bytes, big-endian in a `u32`.
fn gram(a: u8, b: u8, c: u8) -> u32 {
    u32::from_be_bytes([0, a, b, c])
}

/// Calls `f` with every gram of `text` padded with `lead` NULs before and
/// `trail` NULs after (each 0 or 2), in order, repeats included.
fn each_gram(text: &[u8], lead: usize, trail: usize, mut f: impl FnMut(u32)) {
    let len = lead + text.len() + trail;
    let at = |i: usize| -> u8 {
        if i < lead {
            0
        } else {
            text.get(i - lead).copied().unwrap_or(0)
        }
    };
    for i in 0..len.saturating_sub(2) {
        f(gram(at(i), at(i + 1), at(i + 2)));
    }
}

/// The distinct grams of a stored value, ascending.
fn value_grams(value: &str) -> Vec<u32> {
    let mut out = Vec::with_capacity(value.len() + 2);
    each_gram(value.as_bytes(), 2, 2, |g| out.push(g));
    out.sort_unstable();
    out.dedup();
    out
}

impl NgramIndex {
    /// Builds the index of `values`, given in ascending symbol order.
    pub(crate) fn build<'a>(values: impl IntoIterator<Item = (Sym, &'a str)>) -> NgramIndex {
        let mut grams: FastMap<u32, Postings> = FastMap::default();
        for (sym, value) in values {
            each_gram(value.as_bytes(), 2, 2, |g| {
                // Ascending symbols: each list is built in order, and a gram
                // repeated within one value is pushed once.
                grams
                    .entry(g)
                    .and_modify(|p| p.push_sorted(sym))
                    .or_insert(Postings::One(sym));
            });
        }
        for p in grams.values_mut() {
            if let Postings::Many(v) = p {
                v.shrink_to_fit();
            }
        }
        NgramIndex { grams }
    }

    /// Adds a value that is new to the field.
    pub(crate) fn insert(&mut self, sym: Sym, value: &str) {
        for g in value_grams(value) {
            match self.grams.get_mut(&g) {
                Some(p) => p.insert(sym),
                None => {
                    self.grams.insert(g, Postings::One(sym));
                }
            }
        }
    }

    /// Removes a value that the field no longer holds.
    pub(crate) fn remove(&mut self, sym: Sym, value: &str) {
        for g in value_grams(value) {
            if let Some(p) = self.grams.get_mut(&g)
                && p.remove(sym)
            {
                self.grams.remove(&g);
            }
        }
        shrink_if_sparse(&mut self.grams);
    }

    /// The distinct grams of a wildcard pattern given by its literal
    /// `segments` (as [`rsql::Conjunct::as_pattern`] returns them, at least
    /// two), or `None` when it has none (see the module docs).
    pub(crate) fn grams_of(segments: &[&str]) -> Option<Vec<u32>> {
        let last = segments.len().checked_sub(1)?;
        let mut out = Vec::new();
        for (i, s) in segments.iter().enumerate() {
            let lead = if i == 0 { 2 } else { 0 };
            let trail = if i == last { 2 } else { 0 };
            // An empty first or last segment is an open end: no anchor.
            if s.is_empty() {
                continue;
            }
            each_gram(s.as_bytes(), lead, trail, |g| out.push(g));
        }
        out.sort_unstable();
        out.dedup();
        (!out.is_empty()).then_some(out)
    }

    /// The lists of `grams`, shortest first; `None` when a gram is held by
    /// no value (nothing can match).
    pub(crate) fn lists(&self, grams: &[u32]) -> Option<Vec<&[u32]>> {
        let mut lists = Vec::with_capacity(grams.len());
        for g in grams {
            lists.push(self.grams.get(g)?.as_slice());
        }
        lists.sort_unstable_by_key(|l| l.len());
        Some(lists)
    }

    /// The symbols held by every one of `lists` (each ascending; shortest
    /// first, as [`NgramIndex::lists`] orders them), ascending.
    pub(crate) fn intersect(lists: &[&[u32]]) -> Vec<Sym> {
        let Some((first, rest)) = lists.split_first() else {
            return Vec::new();
        };
        let mut acc: Vec<Sym> = first.to_vec();
        for list in rest {
            if acc.is_empty() {
                break;
            }
            // Each survivor is searched for from where the last one was
            // found, galloping (1, 2, 4 … ahead, then a binary search):
            // O(log gap) each, so a long list costs like a merge when the
            // survivors are dense in it and like binary searches when sparse.
            let mut from = 0;
            acc.retain(|&s| {
                let mut step = 1;
                while list.get(from + step).is_some_and(|&x| x < s) {
                    from += step;
                    step *= 2;
                }
                let end = (from + step + 1).min(list.len());
                let window = list.get(from..end).unwrap_or_default();
                from += window.partition_point(|&x| x < s);
                list.get(from) == Some(&s)
            });
        }
        acc
    }

    /// Number of distinct grams.
    pub(crate) fn len(&self) -> usize {
        self.grams.len()
    }

    /// Heap bytes held: the hash table and the lists' buffers, rounded to
    /// the allocator's size classes as every footprint component is
    /// (`heapsize.rs`).
    pub(crate) fn heap_bytes(&self) -> usize {
        crate::heapsize::table::<(u32, Postings)>(self.grams.capacity())
            + self.grams.values().map(Postings::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(g: u32) -> String {
        let [_, a, b, c] = g.to_be_bytes();
        [a, b, c]
            .iter()
            .map(|&b| if b == 0 { '^' } else { b as char })
            .collect()
    }

    #[test]
    fn values_are_padded_with_two_nuls_each_side() {
        let g: Vec<String> = value_grams("abc").into_iter().map(text).collect();
        let mut want = vec!["^^a", "^ab", "abc", "bc^", "c^^"];
        want.sort_unstable_by_key(|s| s.replace('^', "\0"));
        assert_eq!(g, want);
        // The empty value has one gram of NULs only.
        assert_eq!(value_grams(""), vec![0]);
    }

    #[test]
    fn pattern_grams_anchor_only_the_closed_ends() {
        let g = |segs: &[&str]| {
            NgramIndex::grams_of(segs).map(|v| v.into_iter().map(text).collect::<Vec<_>>())
        };
        assert_eq!(g(&["", "abcd", ""]), Some(vec!["abc".into(), "bcd".into()]));
        assert_eq!(g(&["a", ""]), Some(vec!["^^a".into()]));
        assert_eq!(g(&["", "z"]), Some(vec!["z^^".into()]));
        assert_eq!(g(&["", "ab", ""]), None);
        assert_eq!(g(&["", "a", "b", ""]), None);
        assert_eq!(g(&["", ""]), None);
        let both = g(&["ab", "cd"]).unwrap_or_default();
        assert_eq!(both.len(), 4, "{both:?}");
    }

    #[test]
    fn intersection_equals_a_set_intersection() {
        let mut x = 7u64;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        for round in 0..200 {
            let lists: Vec<Vec<u32>> = (0..1 + round % 4)
                .map(|k| {
                    let (n, m) = (next(2000) as usize >> k, 1 + next(5000));
                    let mut v: Vec<u32> = (0..n).map(|_| next(m) as u32).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect();
            let mut refs: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            refs.sort_unstable_by_key(|l| l.len());
            let want: Vec<u32> = refs
                .first()
                .map(|f| {
                    f.iter()
                        .copied()
                        .filter(|s| refs.iter().all(|l| l.binary_search(s).is_ok()))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(NgramIndex::intersect(&refs), want, "round {round}");
        }
    }

    #[test]
    fn lookups_intersect_and_follow_writes() {
        let mut idx = NgramIndex::build([(1, "Sales Brainstorm"), (4, "Brainstorm"), (7, "Legal")]);
        idx.insert(3, "storm");
        let find = |idx: &NgramIndex, segs: &[&str]| -> Vec<Sym> {
            let grams = NgramIndex::grams_of(segs).unwrap_or_default();
            idx.lists(&grams)
                .map(|l| NgramIndex::intersect(&l))
                .unwrap_or_default()
        };
        assert_eq!(find(&idx, &["", "storm", ""]), [1, 3, 4]);
        assert_eq!(find(&idx, &["Brain", ""]), [4]);
        assert_eq!(find(&idx, &["", "gal"]), [7]);
        assert_eq!(find(&idx, &["", "xyz", ""]), Vec::<Sym>::new());
        idx.remove(4, "Brainstorm");
        assert_eq!(find(&idx, &["", "storm", ""]), [1, 3]);
        let rebuilt = NgramIndex::build([(1, "Sales Brainstorm"), (3, "storm"), (7, "Legal")]);
        assert_eq!(idx, rebuilt);
        assert!(idx.len() > 10);
    }

    /// The footprint counts the table and every list of two or more values
    /// (one value is held inline), in the allocator's size classes.
    #[test]
    fn heap_bytes_are_the_table_and_the_lists() {
        let names: Vec<String> = (0..300).map(|i| format!("Brainstorm {}", i % 7)).collect();
        let idx = NgramIndex::build(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (i as Sym, n.as_str())),
        );
        let table = crate::heapsize::table::<(u32, Postings)>(idx.grams.capacity());
        let lists: usize = idx.grams.values().map(Postings::heap_bytes).sum();
        // `Brainstorm` shares its grams by all 300 values: lists of 300.
        assert!(lists >= 300 * 4 * 10, "{lists}");
        assert!(table >= idx.len() * size_of::<(u32, Postings)>(), "{table}");
        assert_eq!(idx.heap_bytes(), table + lists);
        let empty = NgramIndex::build([]);
        assert_eq!(
            empty.heap_bytes(),
            crate::heapsize::table::<(u32, Postings)>(0)
        );
    }
}
