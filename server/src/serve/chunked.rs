//! Where a chunked request body ends (RFC 9112 §7.1), so the bytes after it
//! are read as the next request head. Only the boundaries are tracked; the
//! bytes go to hyper unchanged, which decodes them. Input that is not valid
//! chunked framing ends the tracking ([`Step::Invalid`]): hyper then fails
//! the body itself and closes the connection.

/// Where the tracker is inside a chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Chunked {
    /// Reading the hex chunk size (`digits` seen so far).
    Size { size: u64, digits: u8 },
    /// Skipping a chunk extension or whitespace up to the line end.
    SizeRest { size: u64 },
    /// Inside chunk data, `left` bytes to go.
    Data { left: u64 },
    /// After chunk data: expecting CRLF (or LF).
    DataEnd,
    /// In the trailer section, at the start of a line.
    TrailerStart,
    /// Inside a trailer field line.
    Trailer,
}

/// What [`Chunked::advance`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// All input belongs to the body; the body goes on.
    More,
    /// The body ends after this many input bytes.
    Done(usize),
    /// The framing is broken at this offset.
    Invalid,
}

impl Chunked {
    /// The state at the start of a body.
    pub(crate) fn new() -> Chunked {
        Chunked::Size { size: 0, digits: 0 }
    }

    /// Consumes `input`.
    pub(crate) fn advance(&mut self, input: &[u8]) -> Step {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            *self = match *self {
                Chunked::Size { size, digits } => match hex(b) {
                    Some(d) if digits < 16 => Chunked::Size {
                        size: size * 16 + u64::from(d),
                        digits: digits + 1,
                    },
                    Some(_) => return Step::Invalid,
                    None if digits == 0 => return Step::Invalid,
                    None => match b {
                        b'\n' => Self::after_size(size),
                        b';' | b' ' | b'\t' | b'\r' => Chunked::SizeRest { size },
                        _ => return Step::Invalid,
                    },
                },
                Chunked::SizeRest { size } => match b {
                    b'\n' => Self::after_size(size),
                    _ => Chunked::SizeRest { size },
                },
                Chunked::Data { left } => {
                    let take = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(input.len() - i);
                    i += take;
                    let left = left - take as u64;
                    *self = if left == 0 {
                        Chunked::DataEnd
                    } else {
                        Chunked::Data { left }
                    };
                    continue;
                }
                Chunked::DataEnd => match b {
                    b'\r' => Chunked::DataEnd,
                    b'\n' => Chunked::new(),
                    _ => return Step::Invalid,
                },
                Chunked::TrailerStart => match b {
                    b'\r' => Chunked::TrailerStart,
                    b'\n' => return Step::Done(i + 1),
                    _ => Chunked::Trailer,
                },
                Chunked::Trailer => match b {
                    b'\n' => Chunked::TrailerStart,
                    _ => Chunked::Trailer,
                },
            };
            i += 1;
        }
        Step::More
    }

    fn after_size(size: u64) -> Chunked {
        if size == 0 {
            Chunked::TrailerStart
        } else {
            Chunked::Data { left: size }
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_in_one_piece_and_byte_by_byte() {
        let body = b"5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nGET /";
        let end = body.len() - 5;
        assert_eq!(Chunked::new().advance(body), Step::Done(end));
        let mut c = Chunked::new();
        for (i, b) in body.iter().enumerate() {
            match c.advance(std::slice::from_ref(b)) {
                Step::More => assert!(i + 1 < end),
                Step::Done(1) => {
                    assert_eq!(i + 1, end);
                    break;
                }
                other => panic!("{other:?} at {i}"),
            }
        }
    }

    #[test]
    fn broken_framing_is_invalid() {
        assert_eq!(Chunked::new().advance(b"zz\r\n"), Step::Invalid);
        assert_eq!(Chunked::new().advance(b"2\r\nabX"), Step::Invalid);
        assert_eq!(
            Chunked::new().advance(b"11111111111111111\r\n"),
            Step::Invalid
        );
        assert_eq!(Chunked::new().advance(b"\r\n"), Step::Invalid);
    }

    proptest::proptest! {
        #[test]
        fn chunks_split_anywhere_end_where_they_end(
            chunks in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 1..300), 0..8),
            cuts in proptest::collection::vec(0usize..4000, 0..6),
        ) {
            let mut body = Vec::new();
            for c in &chunks {
                body.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                body.extend_from_slice(c);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"0\r\n\r\n");
            let end = body.len();
            body.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
            let mut points: Vec<usize> = cuts.iter().map(|c| c % body.len()).collect();
            points.push(0);
            points.push(body.len());
            points.sort_unstable();
            let mut c = Chunked::new();
            let mut found = None;
            for w in points.windows(2) {
                match c.advance(&body[w[0]..w[1]]) {
                    Step::More => {}
                    Step::Done(n) => {
                        found = Some(w[0] + n);
                        break;
                    }
                    Step::Invalid => proptest::prop_assert!(false, "invalid at {}", w[0]),
                }
            }
            proptest::prop_assert_eq!(found, Some(end));
        }
    }
}
