//! [`Gate`]: the socket as hyper sees it. Reads pass through a head check
//! ([`super::head`]): a complete, valid head goes to hyper with the body
//! that follows it (tracked to its end, [`super::chunked`]); a bad head is
//! never shown to hyper, which therefore never writes its own empty-bodied
//! 400/414/431. The gate answers it instead, in JSON, once hyper has
//! finished the responses before it and shuts the connection down
//! (`poll_shutdown`). Where the gate loses track of the framing (a chunked
//! body hyper also fails) it fails closed: hyper reads the end of input
//! after the broken byte, answers the request in progress and closes.
//! Body bytes are read straight into hyper's buffer, at most as many as the
//! framing says are body. Every read wait and write refusal is reported to the
//! connection's [`Track`], which turns them into deadlines.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::answer;
use super::chunked::{Chunked, Step};
use super::head::{self, Framing, Inspect};
use super::track::Track;

/// Bytes read from the socket per read (at most).
const READ_CHUNK: usize = 8 * 1024;

#[derive(Debug)]
enum Phase {
    /// Between requests or inside a head.
    Head { scan: head::Scan },
    /// Inside a body with this many bytes to go.
    Length(u64),
    /// Inside a chunked body.
    Chunked(Chunked),
    /// Framing broken (a chunked body hyper fails too): hyper has been
    /// given the bytes up to the broken one and now reads end of input, so
    /// it answers the request in progress and closes (fail closed).
    Closed,
    /// A bad head was met: hyper gets nothing more.
    Rejected,
}

/// The connection's socket with the head check in front of hyper.
#[derive(Debug)]
pub(crate) struct Gate {
    io: TcpStream,
    track: Arc<Track>,
    phase: Phase,
    /// Received, not yet classified (a head being assembled).
    inbuf: BytesMut,
    /// Classified, waiting for hyper to read.
    out: BytesMut,
    eof: bool,
    /// The answer to a bad head and how much of it is written.
    answer: Option<(bytes::Bytes, usize)>,
}

impl Gate {
    pub(crate) fn new(io: TcpStream, track: Arc<Track>) -> Gate {
        Gate {
            io,
            track,
            phase: Phase::Head {
                scan: head::Scan::default(),
            },
            inbuf: BytesMut::new(),
            out: BytesMut::new(),
            eof: false,
            answer: None,
        }
    }

    /// Moves what `inbuf` holds into `out` as far as the framing allows.
    fn classify(&mut self) {
        while !self.inbuf.is_empty() {
            match &mut self.phase {
                Phase::Head { scan } => match head::inspect(&self.inbuf, scan) {
                    Inspect::Partial => return,
                    Inspect::Complete { len, framing } => {
                        self.out.unsplit(self.inbuf.split_to(len));
                        self.track.head_passed();
                        self.phase = match framing {
                            Framing::Empty => Phase::Head {
                                scan: head::Scan::default(),
                            },
                            Framing::Length(n) => Phase::Length(n),
                            Framing::Chunked => Phase::Chunked(Chunked::new()),
                        };
                    }
                    Inspect::Bad(rejected) => {
                        super::log::client_error("rejected request head", &rejected.message);
                        self.answer = Some((answer::render(&rejected), 0));
                        self.inbuf.clear();
                        self.phase = Phase::Rejected;
                        self.track.reject();
                        return;
                    }
                },
                Phase::Length(left) => {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(self.inbuf.len());
                    self.out.unsplit(self.inbuf.split_to(take));
                    *left -= take as u64;
                    if *left == 0 {
                        self.body_done();
                    }
                }
                Phase::Chunked(c) => match c.advance(&self.inbuf) {
                    Step::More => {
                        let all = self.inbuf.split();
                        self.out.unsplit(all);
                    }
                    Step::Done(n) => {
                        self.out.unsplit(self.inbuf.split_to(n));
                        self.body_done();
                    }
                    Step::Invalid(at) => {
                        // hyper gets the broken byte (and fails on it as the
                        // gate did), then the end of input.
                        self.out.unsplit(self.inbuf.split_to(at + 1));
                        self.fail_closed("broken chunked framing");
                    }
                },
                Phase::Closed | Phase::Rejected => {
                    self.inbuf.clear();
                    return;
                }
            }
        }
    }

    fn body_done(&mut self) {
        self.phase = Phase::Head {
            scan: head::Scan::default(),
        };
        self.track.body_done();
    }

    /// The gate no longer knows where requests start: hyper sees the end of
    /// input after what it has, so it answers the request in progress (if
    /// any) and closes.
    fn fail_closed(&mut self, why: &str) {
        super::log::client_error("request body framing lost, closing", &why);
        self.inbuf.clear();
        self.phase = Phase::Closed;
        self.track.framing_lost();
    }

    fn in_body(&self) -> bool {
        matches!(self.phase, Phase::Length(_) | Phase::Chunked(_))
    }

    /// Body bytes that may go to hyper unlooked-at (read straight into its
    /// buffer): the rest of a sized body or of a chunk's data.
    fn body_bytes_left(&self) -> u64 {
        match &self.phase {
            Phase::Length(n) => *n,
            Phase::Chunked(c) => c.data_left(),
            _ => 0,
        }
    }

    /// Counts `n` body bytes read straight into hyper's buffer.
    fn passed_body(&mut self, n: usize) {
        match &mut self.phase {
            Phase::Length(left) => {
                *left -= n as u64;
                if *left == 0 {
                    self.body_done();
                }
            }
            Phase::Chunked(c) => c.skip(n as u64),
            _ => {}
        }
    }

    fn note_write(&self, r: &Poll<io::Result<usize>>) {
        match r {
            Poll::Pending => self.track.write_blocked(),
            Poll::Ready(Ok(n)) if *n > 0 => self.track.write_progressed(),
            _ => {}
        }
    }

    fn read_pending(&self) -> Poll<io::Result<()>> {
        if self.in_body() {
            self.track.body_waiting();
        }
        Poll::Pending
    }
}

impl AsyncRead for Gate {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.out.is_empty() {
                let n = this.out.len().min(buf.remaining());
                buf.put_slice(&this.out[..n]);
                this.out.advance(n);
                return Poll::Ready(Ok(()));
            }
            match this.phase {
                // hyper sees no more requests; the supervisor shuts it down
                // once the responses before the bad head are written.
                Phase::Rejected => return Poll::Pending,
                Phase::Closed => return Poll::Ready(Ok(())),
                _ => {}
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            let direct = this.body_bytes_left();
            if direct > 0 && this.inbuf.is_empty() && buf.remaining() > 0 {
                // Body bytes go straight into hyper's buffer, bounded by
                // what the framing says is body.
                let n = usize::try_from(direct)
                    .unwrap_or(usize::MAX)
                    .min(buf.remaining());
                let dst = buf.initialize_unfilled_to(n);
                let mut rb = ReadBuf::new(dst);
                match Pin::new(&mut this.io).poll_read(cx, &mut rb) {
                    Poll::Pending => return this.read_pending(),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Ready(Ok(())) => {
                        let got = rb.filled().len();
                        if got == 0 {
                            this.eof = true;
                            return Poll::Ready(Ok(()));
                        }
                        buf.advance(got);
                        this.passed_body(got);
                        return Poll::Ready(Ok(()));
                    }
                }
            }
            // At most READ_CHUNK bytes, read into the buffer's spare room
            // (not zeroed first: that cost a memset of 8 KiB a read).
            this.inbuf.reserve(READ_CHUNK);
            let mut room = (&mut this.inbuf).limit(READ_CHUNK);
            match tokio_util::io::poll_read_buf(Pin::new(&mut this.io), cx, &mut room) {
                Poll::Pending => return this.read_pending(),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(0)) => {
                    // A partial head is dropped: hyper sees a clean end.
                    this.eof = true;
                    this.inbuf.clear();
                }
                Poll::Ready(Ok(_)) => {
                    this.classify();
                    if matches!(this.phase, Phase::Head { .. }) && !this.inbuf.is_empty() {
                        this.track.head_started();
                    }
                }
            }
        }
    }
}

impl AsyncWrite for Gate {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, data);
        this.note_write(&r);
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.note_write(&r);
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    /// hyper flushes once its write buffer is empty: every response that
    /// ended before is then written, and the connection may go idle.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_flush(cx);
        if let Poll::Ready(Ok(())) = r {
            this.track.flushed();
        }
        r
    }

    /// Writes the answer to a bad head (if any) before closing.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while let Some((bytes, written)) = &mut this.answer {
            if *written >= bytes.len() {
                this.answer = None;
                break;
            }
            let r = Pin::new(&mut this.io).poll_write(cx, &bytes[*written..]);
            match r {
                Poll::Pending => {
                    this.track.write_blocked();
                    return Poll::Pending;
                }
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    *written += n;
                    this.track.write_progressed();
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            }
        }
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
