//! A tiny deterministic PRNG (SplitMix64) for the generators.
//!
//! The generators promise that item *i* is a pure function of `(seed, i)`;
//! SplitMix64 makes that cheap: every item gets its own stream seeded from a
//! hash of the two numbers, so no state is shared between items.

/// SplitMix64 (Steele, Lea, Flood 2014): 64-bit state, one multiply-xorshift
/// finaliser per output. Not cryptographic.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A stream for item `index` of the data set `seed`, in `domain` (so the
    /// conversation and message streams of one item differ).
    pub(crate) fn for_item(seed: u64, domain: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ domain.wrapping_mul(0xA076_1D64_78BD_642F));
        let a = r.next_u64();
        Rng(a ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; returns 0 for `n == 0`). Lemire's multiply-shift, bias < 2^-32 for small `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.wrapping_sub(lo) as u64 + 1;
        lo.wrapping_add(self.below(span) as i64)
    }

    /// True with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn streams_are_pure_functions_of_seed_and_index() {
        let a: Vec<u64> = (0..4).map(|_| Rng::for_item(7, 1, 42).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::for_item(7, 1, 42).next_u64(),
            Rng::for_item(7, 1, 43).next_u64()
        );
        assert_ne!(
            Rng::for_item(7, 1, 42).next_u64(),
            Rng::for_item(8, 1, 42).next_u64()
        );
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::for_item(1, 0, 0);
        for n in 1..200 {
            assert!(r.below(n) < n);
        }
        assert!((0..1000).all(|_| (3..=9).contains(&r.range(3, 9))));
    }
}
