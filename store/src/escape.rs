//! The bytes a JSON string must escape (`"`, `\` and the control characters
//! below U+0020), found eight bytes at a time: the fast reader
//! (`parse/fast_read.rs`) stops at them, the writer (`json.rs`) copies a
//! string without any as it is.

/// Whether a byte must be escaped in a JSON string.
pub(crate) const TO_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Where the first byte of `bytes` that [`TO_ESCAPE`] marks is, eight bytes
/// at a time (SWAR: each test below marks the lowest matching byte exactly;
/// a borrow can only mark bytes above a true match).
pub(crate) fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        let hits = zero_byte(w ^ (ONES * u64::from(b'"')))
            | zero_byte(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS);
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = words.remainder();
    tail.iter()
        .position(|&b| TO_ESCAPE[b as usize])
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{TO_ESCAPE, first_to_escape};

    proptest! {
        /// The same answer as a byte-by-byte scan, at every offset of a word
        /// and past it (bytes drawn mostly around the ones that matter).
        #[test]
        fn finds_the_first_byte_a_scan_finds(
            bytes in proptest::collection::vec(
                prop_oneof![
                    4 => 0x20u8..0x7f,
                    1 => Just(b'"'),
                    1 => Just(b'\\'),
                    1 => 0u8..0x20,
                    1 => 0x80u8..=0xff,
                ],
                0..40,
            )
        ) {
            let scan = bytes.iter().position(|&b| TO_ESCAPE[b as usize]);
            prop_assert_eq!(first_to_escape(&bytes), scan);
        }
    }

    #[test]
    fn the_bytes_it_stops_at() {
        let marked: Vec<u8> = (0..=255u8).filter(|&b| TO_ESCAPE[b as usize]).collect();
        let mut want: Vec<u8> = (0..0x20).collect();
        want.extend([b'"', b'\\']);
        want.sort_unstable();
        assert_eq!(marked, want);
        // Each in every position of a word, after plain bytes and before a
        // byte with the high bit set (no borrow hides it).
        for &b in &marked {
            for at in 0..16 {
                let mut v = vec![b'a'; 16];
                v[at] = b;
                if at + 1 < 16 {
                    v[at + 1] = 0xff;
                }
                assert_eq!(first_to_escape(&v), Some(at), "byte {b:#x} at {at}");
            }
        }
        assert_eq!(first_to_escape("é plain ascii and ü".as_bytes()), None);
    }
}
