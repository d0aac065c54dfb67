//! Framing: every record and snapshot item travels in a frame
//! `[len: u32 LE][crc: u32 LE][payload: len bytes]`, `crc` being the CRC-32
//! (IEEE, `crc32fast`) of the payload. A frame is valid when `1 <= len <=`
//! [`MAX_FRAME`] and the checksum matches.

use std::io::Read;

use super::MAX_FRAME;
use super::error::JournalError;

/// Bytes before a frame's payload.
pub(crate) const HEADER: u64 = 8;

/// Appends `payload` framed to `out`.
pub(crate) fn encode(payload: &[u8], out: &mut Vec<u8>) -> Result<(), JournalError> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&n| n >= 1 && n as usize <= MAX_FRAME)
        .ok_or(JournalError::TooLarge {
            bytes: payload.len(),
        })?;
    out.reserve(HEADER as usize + payload.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// What the next frame of a file is.
#[derive(Debug)]
pub(crate) enum Next {
    /// A valid frame's payload.
    Frame(Vec<u8>),
    /// The file ends exactly here.
    End,
    /// Not a valid frame.
    Bad {
        /// What is wrong with it.
        reason: String,
        /// Whether it looks like an interrupted append: it runs past the end
        /// of the file, or it is the last thing in the file (a bad checksum
        /// on a frame that ends the file), or only zero bytes are left.
        torn: bool,
    },
}

/// Reads frames one at a time, knowing the file's length (so a frame that
/// runs past it is told from one that is damaged).
pub(crate) struct FrameReader<R> {
    r: R,
    offset: u64,
    len: u64,
}

impl<R: Read> FrameReader<R> {
    /// A reader at offset 0 of a file of `len` bytes.
    pub(crate) fn new(r: R, len: u64) -> FrameReader<R> {
        FrameReader { r, offset: 0, len }
    }

    /// Where the next frame starts.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The next frame; on `Frame` the offset moves past it, on `Bad` it
    /// stays at the bad frame's start.
    pub(crate) fn next_frame(&mut self) -> std::io::Result<Next> {
        let remaining = self.len.saturating_sub(self.offset);
        if remaining == 0 {
            return Ok(Next::End);
        }
        if remaining < HEADER {
            return Ok(Next::Bad {
                reason: format!("an incomplete frame header ({remaining} of {HEADER} bytes)"),
                torn: true,
            });
        }
        let mut head = [0u8; HEADER as usize];
        self.r.read_exact(&mut head)?;
        let [l0, l1, l2, l3, c0, c1, c2, c3] = head;
        let len = u32::from_le_bytes([l0, l1, l2, l3]);
        let crc = u32::from_le_bytes([c0, c1, c2, c3]);
        let body = remaining - HEADER;
        if len == 0 || len as usize > MAX_FRAME {
            let zeros = head.iter().all(|&b| b == 0) && self.rest_is_zero(body)?;
            return Ok(Next::Bad {
                reason: format!("a frame length of {len} (valid: 1 to {MAX_FRAME})"),
                torn: zeros,
            });
        }
        if u64::from(len) > body {
            // An interrupted append leaves a frame cut short, with nothing
            // after it; a damaged length field can also point past the end,
            // with the rest of the file still holding valid frames. Told
            // apart by looking for one (`body` < `len` ≤ MAX_FRAME bytes).
            let mut rest = vec![0u8; usize::try_from(body).unwrap_or(usize::MAX)];
            self.r.read_exact(&mut rest)?;
            return Ok(match first_valid_frame(&rest, SEARCH_BUDGET) {
                Search::None => Next::Bad {
                    reason: format!(
                        "a frame of {len} bytes with only {body} bytes left in the file"
                    ),
                    torn: true,
                },
                Search::Found(at) => Next::Bad {
                    reason: format!(
                        "a frame length of {len} that runs past the end of the file, while a \
                         valid frame follows {} bytes further on (a damaged length, not an \
                         interrupted append)",
                        HEADER + at as u64
                    ),
                    torn: false,
                },
                Search::Unsure => Next::Bad {
                    reason: format!(
                        "a frame length of {len} that runs past the end of the file, and the \
                         {body} bytes after it could not be searched for a valid frame within \
                         {SEARCH_BUDGET} bytes of checksums (treated as a damaged length, not \
                         an interrupted append)"
                    ),
                    torn: false,
                },
            });
        }
        let mut payload = vec![0u8; len as usize];
        self.r.read_exact(&mut payload)?;
        let actual = crc32fast::hash(&payload);
        if actual != crc {
            // The last frame, or one followed only by zeros (a file whose
            // size grew before its data reached the disk): torn.
            let after = body - u64::from(len);
            return Ok(Next::Bad {
                reason: format!(
                    "checksum mismatch (stored {crc:08x}, computed {actual:08x} over {len} bytes)"
                ),
                torn: after == 0 || self.rest_is_zero(after)?,
            });
        }
        self.offset += HEADER + u64::from(len);
        Ok(Next::Frame(payload))
    }

    /// Whether the next `n` bytes are all zero (consumes them).
    fn rest_is_zero(&mut self, mut n: u64) -> std::io::Result<bool> {
        let mut buf = [0u8; 8192];
        while n > 0 {
            let take = n.min(buf.len() as u64) as usize;
            let chunk = buf.get_mut(..take).unwrap_or_default();
            self.r.read_exact(chunk)?;
            if chunk.iter().any(|&b| b != 0) {
                return Ok(false);
            }
            n -= take as u64;
        }
        Ok(true)
    }
}

/// Most bytes [`first_valid_frame`] checksums before it gives up: a damaged
/// length leaves up to [`MAX_FRAME`] bytes to search, and at each offset the
/// next four bytes may read as a length that fits (text followed by a zero
/// byte reads as 6 to 8 MB), so an unbounded search could hash terabytes.
/// 256 MiB takes well under a second.
const SEARCH_BUDGET: usize = 256 << 20;

/// What [`first_valid_frame`] found.
#[derive(Debug, PartialEq, Eq)]
enum Search {
    /// A whole valid frame starts at this offset.
    Found(usize),
    /// There is none.
    None,
    /// The budget ran out first.
    Unsure,
}

/// The offset in `bytes` of the first whole valid frame (a length in
/// range that fits and a matching checksum), hashing at most `budget` bytes.
fn first_valid_frame(bytes: &[u8], budget: usize) -> Search {
    let header = HEADER as usize;
    let mut left = budget;
    for at in 0..bytes.len().saturating_sub(header) {
        let Some(&[l0, l1, l2, l3, c0, c1, c2, c3]) = bytes.get(at..at + header) else {
            return Search::None;
        };
        let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
        if !(1..=MAX_FRAME).contains(&len) {
            continue;
        }
        let Some(payload) = bytes.get(at + header..at + header + len) else {
            continue;
        };
        let Some(rest) = left.checked_sub(len) else {
            return Search::Unsure;
        };
        left = rest;
        if crc32fast::hash(payload) == u32::from_le_bytes([c0, c1, c2, c3]) {
            return Search::Found(at);
        }
    }
    Search::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            encode(p, &mut out).unwrap();
        }
        out
    }

    fn read_all(bytes: &[u8]) -> (Vec<Vec<u8>>, Option<(u64, bool)>) {
        let mut r = FrameReader::new(bytes, bytes.len() as u64);
        let mut got = Vec::new();
        loop {
            match r.next_frame().unwrap() {
                Next::Frame(p) => got.push(p),
                Next::End => return (got, None),
                Next::Bad { torn, .. } => return (got, Some((r.offset(), torn))),
            }
        }
    }

    #[test]
    fn round_trip_and_every_cut_of_the_last_frame_is_torn() {
        let bytes = frames(&[b"one", b"two!", b"three"]);
        assert_eq!(read_all(&bytes).0.len(), 3);
        let last = bytes.len() - (8 + 5);
        for cut in last + 1..bytes.len() {
            let (got, bad) = read_all(&bytes[..cut]);
            assert_eq!(got.len(), 2, "cut at {cut}");
            assert_eq!(bad, Some((last as u64, true)), "cut at {cut}");
        }
        assert_eq!(
            read_all(&bytes[..last]),
            (vec![b"one".to_vec(), b"two!".to_vec()], None)
        );
    }

    #[test]
    fn a_flipped_byte_before_the_last_frame_is_not_torn() {
        let mut bytes = frames(&[b"one", b"two!", b"three"]);
        bytes[9] ^= 0x40;
        assert_eq!(read_all(&bytes), (vec![], Some((0, false))));
        let mut zeros = frames(&[b"one"]);
        zeros.extend_from_slice(&[0; 40]);
        assert_eq!(read_all(&zeros).1, Some((11, true)));
    }

    #[test]
    fn a_damaged_length_that_runs_past_the_end_is_not_torn_when_frames_follow() {
        let mut bytes = frames(&[b"one", b"two!", b"three"]);
        // The second frame's length (at 11) now reaches past the file's end,
        // still within MAX_FRAME: the third frame after it is valid.
        bytes[13] = 0x10;
        assert_eq!(read_all(&bytes), (vec![b"one".to_vec()], Some((11, false))));
        // The same length on the last frame, with nothing valid after it:
        // an interrupted append.
        let mut last = frames(&[b"one", b"two!"]);
        last[13] = 0x10;
        assert_eq!(read_all(&last), (vec![b"one".to_vec()], Some((11, true))));
    }

    #[test]
    fn a_bad_checksum_followed_only_by_zeros_is_torn() {
        // The last frame's payload never reached the disk, and the file
        // grew with zeros after it: torn, like an all-zero tail.
        let mut bytes = frames(&[b"one", b"two!"]);
        let last = bytes.len() - 4;
        bytes[last..].fill(0);
        bytes.extend_from_slice(&[0; 100]);
        assert_eq!(read_all(&bytes), (vec![b"one".to_vec()], Some((11, true))));
        // A byte that is not zero after it: damage.
        bytes.push(1);
        assert_eq!(read_all(&bytes), (vec![b"one".to_vec()], Some((11, false))));
    }

    #[test]
    fn the_search_after_a_damaged_length_is_bounded_and_unsure_is_damage() {
        // 64 blocks of a 4 096-byte frame header with a wrong checksum and
        // 0xff bytes: each block's header is the only offset that reads as
        // a length that fits, and each costs 4 096 bytes of hashing.
        let mut rest = Vec::new();
        for _ in 0..64 {
            rest.extend_from_slice(&4096u32.to_le_bytes());
            rest.extend_from_slice(&[0xff; 4 + 4096]);
        }
        assert_eq!(first_valid_frame(&rest, usize::MAX), Search::None);
        assert_eq!(first_valid_frame(&rest, 64 * 4096), Search::None);
        assert_eq!(first_valid_frame(&rest, 64 * 4096 - 1), Search::Unsure);
        // A valid frame after them is found within the budget.
        let mut found = rest.clone();
        encode(b"four", &mut found).unwrap();
        assert_eq!(
            first_valid_frame(&found, 64 * 4096 + 4),
            Search::Found(rest.len())
        );
        // A frame whose length runs past the end with those bytes after it:
        // searched within the reader's budget, nothing valid: torn.
        let mut bytes = frames(&[b"one"]);
        bytes.extend_from_slice(&(1u32 << 23).to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
        bytes.extend_from_slice(&rest);
        assert_eq!(read_all(&bytes), (vec![b"one".to_vec()], Some((11, true))));
    }

    #[test]
    fn empty_and_oversized_payloads_are_refused() {
        assert!(encode(b"", &mut Vec::new()).is_err());
        let big = vec![1u8; MAX_FRAME + 1];
        assert!(matches!(
            encode(&big, &mut Vec::new()),
            Err(JournalError::TooLarge { .. })
        ));
    }
}
