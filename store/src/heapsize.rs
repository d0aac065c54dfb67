//! Heap bytes of the containers the store is made of, as the allocator
//! hands them out: the helpers behind [`Store::footprint`](crate::Store::footprint).
//!
//! Each figure is what the container asked for (its capacity, not its
//! length), rounded up to the allocator's size class: mimalloc, the server's
//! allocator, serves small requests from bins of 8-byte steps up to 64 bytes,
//! then four bins per doubling (80, 96, 112, 128, 160, …). Hash tables are
//! `hashbrown` layouts (a power-of-two bucket count at most 7/8 full, one
//! control byte a bucket). B-tree nodes are not visible from outside `std`:
//! [`btree`] estimates them from the node layout, as full as a bulk build
//! leaves them.

use std::mem::size_of;

/// The block the allocator hands out for a request of `n` bytes (0 for 0).
///
/// ```ignore
/// assert_eq!(block(33), 40);
/// assert_eq!(block(65), 80);
/// assert_eq!(block(257), 320);
/// ```
pub(crate) fn block(n: usize) -> usize {
    match n {
        0 => 0,
        1..=64 => n.next_multiple_of(8),
        // Four bins per power of two: steps of a quarter of the lower one.
        _ => {
            let lower = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            n.next_multiple_of((lower / 4).max(8))
        }
    }
}

/// A `Vec<T>`'s (or boxed slice's) buffer of `capacity` elements.
pub(crate) fn vec<T>(capacity: usize) -> usize {
    block(capacity * size_of::<T>())
}

/// A `hashbrown` table (also `std`'s `HashMap`) of `capacity` entries of
/// `T` (for a map, `(K, V)`).
pub(crate) fn table<T>(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = match capacity {
        0..=3 => 4,
        4..=7 => 8,
        _ => (capacity * 8 / 7).next_power_of_two(),
    };
    // Control bytes: one a bucket, plus a group's width repeated at the end.
    block(buckets * size_of::<T>() + buckets + 16)
}

/// A `BTreeMap<K, V>` (or `BTreeSet`, `V = ()`) of `len` entries, estimated:
/// leaves of up to 11 entries with a 16-byte header, full as a bulk build
/// leaves them, and one internal node (12 more pointers) per 12 leaves.
pub(crate) fn btree<K, V>(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let leaf = 16 + 11 * (size_of::<K>() + size_of::<V>());
    let leaves = len.div_ceil(11);
    let internals = leaves.div_ceil(12);
    leaves * block(leaf) + internals * block(leaf + 12 * size_of::<usize>())
}

/// An `Arc<str>` of `len` bytes: two counters and the text.
pub(crate) fn arc_str(len: usize) -> usize {
    block(2 * size_of::<usize>() + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_follow_mimalloc_bins() {
        let got: Vec<usize> = [1, 8, 9, 33, 64, 65, 80, 81, 129, 257, 1000]
            .map(block)
            .to_vec();
        assert_eq!(got, [8, 8, 16, 40, 64, 80, 80, 96, 160, 320, 1024]);
        assert_eq!(block(0), 0);
    }

    #[test]
    fn tables_round_to_a_power_of_two_buckets() {
        // 1M entries need 2^21 buckets (2^20 × 7/8 is under 1M).
        assert_eq!(table::<(u64, u32)>(1_000_000), block((1 << 21) * 17 + 16));
        assert_eq!(table::<u32>(0), 0);
        assert_eq!(table::<u32>(3), block(4 * 4 + 4 + 16));
    }
}
