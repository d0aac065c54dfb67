//! The index structures: [`TimeIndex`] (a chunked sorted list of
//! `(time, slot)` with O(log n) rank queries) and [`Postings`] (a sorted list
//! of slots, inline when it holds one).
//!
//! A flat sorted `Vec` would give the same binary searches, but inserting one
//! conversation into a million-entry vector moves 16 MB; chunks of at most
//! [`CHUNK`] entries keep a single insert at O(CHUNK + n / CHUNK), while a
//! prefix-count array keeps "how many entries lie before time t" at
//! O(log n), which the window count of an unfiltered query needs.

/// Maximum entries per chunk (a split halves a full chunk).
pub(crate) const CHUNK: usize = 1024;

/// A sorted multiset of `(time, slot)` pairs.
#[derive(Clone, Debug, Default)]
pub(crate) struct TimeIndex {
    chunks: Vec<Vec<(i64, u32)>>,
    /// `before[i]` = number of entries in `chunks[..i]`.
    before: Vec<usize>,
    len: usize,
}

impl TimeIndex {
    /// Heap bytes of the chunks and their counts (see `heapsize.rs`).
    pub(crate) fn heap_bytes(&self) -> usize {
        use crate::heapsize::vec;
        self.chunks
            .iter()
            .map(|c| vec::<(i64, u32)>(c.capacity()))
            .sum::<usize>()
            + vec::<Vec<(i64, u32)>>(self.chunks.capacity())
            + vec::<usize>(self.before.capacity())
    }

    /// Builds from unsorted entries.
    pub(crate) fn build(mut entries: Vec<(i64, u32)>) -> TimeIndex {
        entries.sort_unstable();
        let len = entries.len();
        let chunks: Vec<Vec<(i64, u32)>> =
            entries.chunks(CHUNK * 3 / 4).map(<[_]>::to_vec).collect();
        let mut idx = TimeIndex {
            chunks,
            before: Vec::new(),
            len,
        };
        idx.recount();
        idx
    }

    fn recount(&mut self) {
        self.before.clear();
        let mut n = 0;
        for c in &self.chunks {
            self.before.push(n);
            n += c.len();
        }
        self.len = n;
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The chunk that holds (or would hold) `e`.
    fn chunk_for(&self, e: (i64, u32)) -> usize {
        let i = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|&l| l < e));
        i.min(self.chunks.len().saturating_sub(1))
    }

    /// Adds an entry.
    pub(crate) fn insert(&mut self, e: (i64, u32)) {
        if self.chunks.is_empty() {
            self.chunks.push(vec![e]);
        } else {
            let ci = self.chunk_for(e);
            let chunk = &mut self.chunks[ci];
            let at = chunk.partition_point(|&x| x < e);
            chunk.insert(at, e);
            if chunk.len() > CHUNK {
                let tail = chunk.split_off(chunk.len() / 2);
                self.chunks.insert(ci + 1, tail);
            }
        }
        self.recount();
    }

    /// Removes an entry; false if absent.
    pub(crate) fn remove(&mut self, e: (i64, u32)) -> bool {
        if self.chunks.is_empty() {
            return false;
        }
        let ci = self.chunk_for(e);
        let chunk = &mut self.chunks[ci];
        let Ok(at) = chunk.binary_search(&e) else {
            return false;
        };
        chunk.remove(at);
        if chunk.is_empty() {
            self.chunks.remove(ci);
        }
        self.recount();
        true
    }

    /// Number of entries with time `< t`.
    pub(crate) fn rank(&self, t: i64) -> usize {
        let ci = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|l| l.0 < t));
        match self.chunks.get(ci) {
            None => self.len,
            Some(c) => self.before[ci] + c.partition_point(|x| x.0 < t),
        }
    }

    /// Number of entries with time `<= t`.
    pub(crate) fn rank_after(&self, t: i64) -> usize {
        match t.checked_add(1) {
            Some(t1) => self.rank(t1),
            None => self.len,
        }
    }

    /// `(chunk, offset)` of the entry at `rank` (`rank <= len`).
    fn locate(&self, rank: usize) -> (usize, usize) {
        let ci = self
            .before
            .partition_point(|&b| b <= rank)
            .saturating_sub(1);
        (ci, rank - self.before.get(ci).copied().unwrap_or(0))
    }

    /// Entries with ranks in `lo..hi`, in order (reversible).
    pub(crate) fn range(
        &self,
        lo: usize,
        hi: usize,
    ) -> impl DoubleEndedIterator<Item = (i64, u32)> + '_ {
        let hi = hi.min(self.len);
        let lo = lo.min(hi);
        let (c0, o0) = self.locate(lo);
        let (c1, o1) = self.locate(hi);
        let last = if lo == hi {
            c0
        } else {
            c1.min(self.chunks.len().saturating_sub(1))
        };
        let chunks = if lo == hi || self.chunks.is_empty() {
            &self.chunks[0..0]
        } else {
            &self.chunks[c0..=last]
        };
        chunks.iter().enumerate().flat_map(move |(k, chunk)| {
            let ci = c0 + k;
            let from = if ci == c0 { o0 } else { 0 };
            let to = if ci == c1 { o1 } else { chunk.len() };
            chunk[from.min(to)..to].iter().copied()
        })
    }

    /// Entries with time in `lo..=hi`.
    pub(crate) fn between(
        &self,
        lo: i64,
        hi: i64,
    ) -> impl DoubleEndedIterator<Item = (i64, u32)> + '_ {
        self.range(self.rank(lo), self.rank_after(hi))
    }

    /// Smallest time, if any.
    pub(crate) fn first(&self) -> Option<i64> {
        self.chunks.first().and_then(|c| c.first()).map(|e| e.0)
    }

    /// Largest time, if any.
    pub(crate) fn last(&self) -> Option<i64> {
        self.chunks.last().and_then(|c| c.last()).map(|e| e.0)
    }
}

/// A sorted set of slots; one slot is held inline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Postings {
    One(u32),
    Many(Vec<u32>),
}

impl Postings {
    /// Heap bytes of the list (none for one slot; see `heapsize.rs`).
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Postings::One(_) => 0,
            Postings::Many(v) => crate::heapsize::vec::<u32>(v.capacity()),
        }
    }

    /// The slots, ascending.
    pub(crate) fn as_slice(&self) -> &[u32] {
        match self {
            Postings::One(s) => std::slice::from_ref(s),
            Postings::Many(v) => v,
        }
    }

    /// Adds a slot (no-op if present).
    pub(crate) fn insert(&mut self, slot: u32) {
        match self {
            Postings::One(s) if *s == slot => {}
            Postings::One(s) => {
                let s = *s;
                *self = Postings::Many(if s < slot {
                    vec![s, slot]
                } else {
                    vec![slot, s]
                });
            }
            Postings::Many(v) => {
                if let Err(at) = v.binary_search(&slot) {
                    v.insert(at, slot);
                }
            }
        }
    }

    /// Removes a slot; returns true when the set is now empty.
    pub(crate) fn remove(&mut self, slot: u32) -> bool {
        match self {
            Postings::One(s) => *s == slot,
            Postings::Many(v) => {
                if let Ok(at) = v.binary_search(&slot) {
                    v.remove(at);
                }
                match v.len() {
                    0 => true,
                    1 => {
                        let only = v[0];
                        *self = Postings::One(only);
                        false
                    }
                    _ => false,
                }
            }
        }
    }

    /// Appends a slot known to be larger than every slot held (or equal to the last).
    pub(crate) fn push_sorted(&mut self, slot: u32) {
        match self {
            Postings::One(s) if *s == slot => {}
            Postings::One(s) => *self = Postings::Many(vec![*s, slot]),
            Postings::Many(v) => {
                if v.last() != Some(&slot) {
                    v.push(slot);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_index_matches_a_sorted_vec() {
        let mut idx = TimeIndex::default();
        let mut model: Vec<(i64, u32)> = Vec::new();
        let mut x = 12345u64;
        for i in 0..5000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = (x >> 40) as i64 % 3000;
            idx.insert((t, i));
            model.push((t, i));
            if i % 7 == 0 {
                let victim = model[(x as usize >> 3) % model.len()];
                assert!(idx.remove(victim));
                model.retain(|&e| e != victim);
            }
        }
        model.sort_unstable();
        assert_eq!(idx.len(), model.len());
        assert_eq!(idx.range(0, idx.len()).collect::<Vec<_>>(), model);
        for t in [-1, 0, 5, 1499, 2999, 3000] {
            assert_eq!(idx.rank(t), model.partition_point(|e| e.0 < t));
            assert_eq!(idx.rank_after(t), model.partition_point(|e| e.0 <= t));
            let got: Vec<_> = idx.between(t, t + 40).collect();
            let want: Vec<_> = model
                .iter()
                .copied()
                .filter(|e| e.0 >= t && e.0 <= t + 40)
                .collect();
            assert_eq!(got, want);
            let back: Vec<_> = idx.between(t, t + 40).rev().collect();
            assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
        }
        assert!(!idx.remove((-5, 0)));
        assert_eq!(idx.first(), model.first().map(|e| e.0));
        assert_eq!(idx.last(), model.last().map(|e| e.0));
        let rebuilt = TimeIndex::build(model.clone());
        assert_eq!(
            rebuilt.range(10, 900).collect::<Vec<_>>(),
            model[10..900].to_vec()
        );
    }

    #[test]
    fn empty_index_answers_empty() {
        let idx = TimeIndex::default();
        assert_eq!(idx.rank(5), 0);
        assert_eq!(idx.range(0, 10).count(), 0);
        assert_eq!(idx.between(0, 10).count(), 0);
    }

    #[test]
    fn postings_stay_sorted() {
        let mut p = Postings::One(5);
        p.insert(3);
        p.insert(9);
        p.insert(5);
        assert_eq!(p.as_slice(), [3, 5, 9]);
        assert!(!p.remove(5));
        assert!(!p.remove(3));
        assert_eq!(p, Postings::One(9));
        assert!(p.remove(9));
    }
}
