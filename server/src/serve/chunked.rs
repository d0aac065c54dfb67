//! Where a chunked request body ends (RFC 9112 §7.1), so the bytes after it
//! are read as the next request head. Only the boundaries are tracked; the
//! bytes go to hyper unchanged, which decodes them.
//!
//! The state machine is hyper 1.x's own (`proto/h1/decode.rs`,
//! `ChunkedState`), byte for byte: lines end only at CRLF (a bare LF in a
//! size line or after chunk data is an error; inside a trailer line it is
//! part of the line), the chunk size may have any number of leading zeros
//! (only its value may not overflow 64 bits), and the extension and trailer
//! limits are hyper's. Wherever hyper fails the body the tracker reports
//! [`Step::Invalid`]; the gate then shows hyper nothing after that byte
//! (fail closed), so the two never disagree on where the next request
//! starts.

/// Most chunk-extension bytes in one body (hyper's `CHUNKED_EXTENSIONS_LIMIT`).
const EXTENSIONS_LIMIT: u64 = 16 * 1024;
/// Most trailer-section bytes (hyper's `TRAILER_LIMIT`).
const TRAILER_LIMIT: usize = 16 * 1024;
/// Most trailer fields (hyper's `DEFAULT_MAX_HEADERS`).
const TRAILER_FIELDS: usize = 100;

/// Where the tracker is inside a chunked body (hyper's states).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting the first hex digit of a chunk size.
    Start,
    /// Inside the hex chunk size.
    Size,
    /// Whitespace after the size.
    SizeLws,
    /// Inside a chunk extension, up to CR.
    Extension,
    /// After the size line's CR: expecting LF.
    SizeLf,
    /// Inside chunk data (`size` bytes left).
    Body,
    /// After chunk data: expecting CR.
    BodyCr,
    /// Expecting the LF after chunk data.
    BodyLf,
    /// Inside a trailer line, up to CR.
    Trailer,
    /// After a trailer line's CR: expecting LF.
    TrailerLf,
    /// At the start of a trailer line or of the final CRLF.
    EndCr,
    /// After the final CR: expecting LF.
    EndLf,
}

/// The tracker of one chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chunked {
    state: State,
    /// The chunk size being read, then the data bytes left in the chunk.
    size: u64,
    extensions: u64,
    /// Trailer bytes as hyper counts them (`None` before the first).
    trailer_bytes: Option<usize>,
    trailer_fields: usize,
}

/// What [`Chunked::advance`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// All input belongs to the body; the body goes on.
    More,
    /// The body ends after this many input bytes.
    Done(usize),
    /// The framing is broken at this input offset (the byte hyper fails on).
    Invalid(usize),
}

/// What one byte does.
enum Next {
    To(State),
    End,
    Bad,
}

impl Chunked {
    /// The state at the start of a body.
    pub(crate) fn new() -> Chunked {
        Chunked {
            state: State::Start,
            size: 0,
            extensions: 0,
            trailer_bytes: None,
            trailer_fields: 0,
        }
    }

    /// Chunk-data bytes that follow at once: the gate may hand that many
    /// to hyper without looking at them (then [`Chunked::skip`] them).
    pub(crate) fn data_left(&self) -> u64 {
        if self.state == State::Body {
            self.size
        } else {
            0
        }
    }

    /// Passes `n` ≤ [`Chunked::data_left`] bytes of chunk data.
    pub(crate) fn skip(&mut self, n: u64) {
        self.size = self.size.saturating_sub(n);
        if self.state == State::Body && self.size == 0 {
            self.state = State::BodyCr;
        }
    }

    /// Consumes `input`.
    pub(crate) fn advance(&mut self, input: &[u8]) -> Step {
        let mut i = 0;
        while i < input.len() {
            if self.state == State::Body {
                let take = usize::try_from(self.size)
                    .unwrap_or(usize::MAX)
                    .min(input.len() - i);
                i += take;
                self.skip(take as u64);
                continue;
            }
            match self.byte(input[i]) {
                Next::To(s) => self.state = s,
                Next::End => return Step::Done(i + 1),
                Next::Bad => return Step::Invalid(i),
            }
            i += 1;
        }
        Step::More
    }

    /// hyper's `ChunkedState::step` for one byte outside chunk data.
    fn byte(&mut self, b: u8) -> Next {
        use State::*;
        match self.state {
            Start => match hex(b) {
                Some(d) => self.digit(d),
                None => Next::Bad,
            },
            Size => match (hex(b), b) {
                (Some(d), _) => self.digit(d),
                (None, b'\t' | b' ') => Next::To(SizeLws),
                (None, b';') => Next::To(Extension),
                (None, b'\r') => Next::To(SizeLf),
                _ => Next::Bad,
            },
            SizeLws => match b {
                b'\t' | b' ' => Next::To(SizeLws),
                b';' => Next::To(Extension),
                b'\r' => Next::To(SizeLf),
                _ => Next::Bad,
            },
            Extension => match b {
                b'\r' => Next::To(SizeLf),
                b'\n' => Next::Bad,
                _ => {
                    self.extensions += 1;
                    if self.extensions >= EXTENSIONS_LIMIT {
                        Next::Bad
                    } else {
                        Next::To(Extension)
                    }
                }
            },
            SizeLf => match b {
                b'\n' if self.size == 0 => Next::To(EndCr),
                b'\n' => Next::To(Body),
                _ => Next::Bad,
            },
            // Handled in `advance` (never reached with a byte).
            Body => Next::To(Body),
            BodyCr => match b {
                b'\r' => Next::To(BodyLf),
                _ => Next::Bad,
            },
            BodyLf => match b {
                b'\n' => {
                    self.size = 0;
                    Next::To(Start)
                }
                _ => Next::Bad,
            },
            Trailer => match self.trailer_byte() {
                false => Next::Bad,
                true if b == b'\r' => Next::To(TrailerLf),
                true => Next::To(Trailer),
            },
            TrailerLf => match b {
                b'\n' if self.trailer_fields >= TRAILER_FIELDS => Next::Bad,
                b'\n' => {
                    self.trailer_fields += 1;
                    if self.trailer_byte() {
                        Next::To(EndCr)
                    } else {
                        Next::Bad
                    }
                }
                _ => Next::Bad,
            },
            EndCr => match b {
                b'\r' if self.trailer_bytes.is_none() => Next::To(EndLf),
                b'\r' => self.trailer_byte_to(EndLf),
                _ if self.trailer_bytes.is_none() => {
                    // hyper starts its trailer buffer with this byte
                    // without checking the limit.
                    self.trailer_bytes = Some(1);
                    Next::To(Trailer)
                }
                _ => self.trailer_byte_to(Trailer),
            },
            EndLf => match b {
                b'\n' if self.trailer_bytes.is_none() || self.trailer_byte() => Next::End,
                _ => Next::Bad,
            },
        }
    }

    fn digit(&mut self, d: u8) -> Next {
        match self
            .size
            .checked_mul(16)
            .and_then(|s| s.checked_add(u64::from(d)))
        {
            Some(s) => {
                self.size = s;
                Next::To(State::Size)
            }
            None => Next::Bad,
        }
    }

    /// Counts one trailer byte as hyper's `put_u8!` does: `false` once the
    /// section reaches the limit.
    fn trailer_byte(&mut self) -> bool {
        let n = self.trailer_bytes.unwrap_or(0) + 1;
        self.trailer_bytes = Some(n);
        n < TRAILER_LIMIT
    }

    fn trailer_byte_to(&mut self, s: State) -> Next {
        if self.trailer_byte() {
            Next::To(s)
        } else {
            Next::Bad
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
    fn broken_framing_is_invalid_at_the_byte_hyper_fails_on() {
        let at = |s: &[u8]| Chunked::new().advance(s);
        assert_eq!(at(b"zz\r\n"), Step::Invalid(0));
        assert_eq!(at(b"2\r\nabX"), Step::Invalid(5));
        // A bare LF ends no line outside a trailer (hyper: CRLF only).
        assert_eq!(at(b"2\nab\r\n"), Step::Invalid(1));
        assert_eq!(at(b"2\r\nab\n0\r\n\r\n"), Step::Invalid(5));
        // …but a trailer line may start with one (hyper: part of the line).
        assert_eq!(at(b"0\r\n\n"), Step::More);
        assert_eq!(at(b"1;a\nx"), Step::Invalid(3));
        assert_eq!(at(b"\r\n"), Step::Invalid(0));
        // 2^64 overflows.
        assert_eq!(at(b"10000000000000000\r\n"), Step::Invalid(16));
    }

    #[test]
    fn leading_zeros_count_for_nothing() {
        let body = b"00000000000000002\r\nab\r\n0000000000000000000000\r\n\r\nGET /";
        assert_eq!(Chunked::new().advance(body), Step::Done(body.len() - 5));
        assert_eq!(
            Chunked::new().advance(b"ffffffffffffffff\r\n"),
            Step::More,
            "u64::MAX itself fits"
        );
    }

    #[test]
    fn a_bare_lf_in_a_trailer_does_not_end_it() {
        // hyper reads `X: a\n\nGET /healthz HTTP/1.1` as one trailer line:
        // the body ends only at the CRLF CRLF after it.
        let body = b"0\r\nX: a\n\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /";
        assert_eq!(Chunked::new().advance(body), Step::Done(body.len() - 5));
        // A CR in a trailer line must be followed by LF.
        assert_eq!(Chunked::new().advance(b"0\r\nX: a\rb"), Step::Invalid(8));
    }

    #[test]
    fn trailer_limits_are_hypers() {
        let mut c = Chunked::new();
        assert_eq!(c.advance(b"0\r\n"), Step::More);
        let line = b"x: y\r\n";
        for _ in 0..TRAILER_FIELDS {
            assert_eq!(c.advance(line), Step::More);
        }
        assert!(matches!(c.advance(line), Step::Invalid(5)));
        let mut c = Chunked::new();
        let long = format!("0\r\nx: {}\r\n\r\n", "v".repeat(TRAILER_LIMIT));
        assert!(matches!(c.advance(long.as_bytes()), Step::Invalid(_)));
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
                    Step::Invalid(at) => proptest::prop_assert!(false, "invalid at {}", w[0] + at),
                }
            }
            proptest::prop_assert_eq!(found, Some(end));
        }
    }
}
