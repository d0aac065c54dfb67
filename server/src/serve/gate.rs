//! [`Gate`]: the socket as hyper sees it. Reads pass through a head check
//! ([`super::head`]): a complete, valid head goes to hyper with the body
//! that follows it (tracked to its end, [`super::chunked`]); a bad head is
//! never shown to hyper, which therefore never writes its own empty-bodied
//! 400/414/431. The gate answers it instead, in JSON, once hyper has
//! finished the responses before it and shuts the connection down
//! (`poll_shutdown`). Every read wait and write refusal is reported to the
//! connection's [`Track`], which turns them into deadlines.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
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
    Head { scan: usize },
    /// Inside a body with this many bytes to go.
    Length(u64),
    /// Inside a chunked body.
    Chunked(Chunked),
    /// Framing lost (broken chunked body): pass everything; hyper fails it.
    Opaque,
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
            phase: Phase::Head { scan: 0 },
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
                        self.out.extend_from_slice(&self.inbuf.split_to(len));
                        self.track.request_started();
                        self.phase = match framing {
                            Framing::Empty => Phase::Head { scan: 0 },
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
                    self.out.extend_from_slice(&self.inbuf.split_to(take));
                    *left -= take as u64;
                    if *left == 0 {
                        self.body_done();
                    }
                }
                Phase::Chunked(c) => match c.advance(&self.inbuf) {
                    Step::More => {
                        let all = self.inbuf.split();
                        self.out.extend_from_slice(&all);
                    }
                    Step::Done(n) => {
                        self.out.extend_from_slice(&self.inbuf.split_to(n));
                        self.body_done();
                    }
                    Step::Invalid => self.phase = Phase::Opaque,
                },
                Phase::Opaque => {
                    let all = self.inbuf.split();
                    self.out.extend_from_slice(&all);
                }
                Phase::Rejected => {
                    self.inbuf.clear();
                    return;
                }
            }
        }
    }

    fn body_done(&mut self) {
        self.phase = Phase::Head { scan: 0 };
        self.track.body_done();
    }

    fn in_body(&self) -> bool {
        matches!(
            self.phase,
            Phase::Length(_) | Phase::Chunked(_) | Phase::Opaque
        )
    }

    fn note_write(&self, r: &Poll<io::Result<usize>>) {
        match r {
            Poll::Pending => self.track.write_blocked(),
            Poll::Ready(Ok(n)) if *n > 0 => self.track.write_progressed(),
            _ => {}
        }
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
            if matches!(this.phase, Phase::Rejected) {
                // hyper sees no more requests; the supervisor shuts it down
                // once the responses before the bad head are written.
                return Poll::Pending;
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            let mut scratch = [0u8; READ_CHUNK];
            let mut rb = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.io).poll_read(cx, &mut rb) {
                Poll::Pending => {
                    if this.in_body() {
                        this.track.body_waiting();
                    }
                    return Poll::Pending;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) if rb.filled().is_empty() => {
                    // A partial head is dropped: hyper sees a clean end.
                    this.eof = true;
                    this.inbuf.clear();
                }
                Poll::Ready(Ok(())) => {
                    this.inbuf.extend_from_slice(rb.filled());
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

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
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
