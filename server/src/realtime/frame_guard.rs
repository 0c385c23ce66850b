//! Refuses an oversized websocket frame from its header, before its payload
//! is buffered.
//!
//! actix-http's frame parser (3.19 and 3.20, `ws::frame::Parser::parse`)
//! waits until a whole frame is in memory and only then compares its length
//! with `max_frame_size`, so a hostile client announcing a 10 MB frame made
//! the node hold all 10 MB before the 1009 close (issue 16 measured 55–69 MB
//! for three). This adapter sits between the connection's body stream and
//! actix-ws: it passes every byte through unchanged, following only the
//! frame headers (RFC 6455 §5.2) to learn where each frame starts, and ends
//! the stream with [`PayloadError::Overflow`] the moment a header announces
//! more than the limit. Dropping the stream then puts actix-http's dispatcher
//! in discard mode, so the rest of the frame is read and thrown away in small
//! chunks. Nothing else is parsed here: actix-ws still decodes every frame.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;

/// Where the guard is in the client's byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Inside a frame header; `seen` of its bytes so far are in `header`.
    Header { seen: usize },
    /// Inside a payload, with this many bytes of it still to come.
    Payload { remaining: u64 },
    /// A frame was refused; the stream has ended.
    Refused,
}

/// Follows frame boundaries; see the module documentation.
#[derive(Debug)]
pub struct FrameHeaderScanner {
    limit: u64,
    header: [u8; 14],
    position: Position,
}

/// What the scanner concluded from one chunk.
#[derive(Debug, PartialEq, Eq)]
pub enum Scan {
    /// Every frame begun so far is within the limit.
    Fine,
    /// A frame header announces more than the limit.
    Oversized,
}

impl FrameHeaderScanner {
    /// A scanner refusing payloads longer than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            limit: u64::try_from(limit).unwrap_or(u64::MAX),
            header: [0; 14],
            position: Position::Header { seen: 0 },
        }
    }

    /// The full length of the header whose first `seen` bytes are known, when
    /// enough of it is known to tell.
    fn header_len(&self, seen: usize) -> Option<usize> {
        if seen < 2 {
            return None;
        }
        let masked = self.header[1] & 0x80 != 0;
        let extended = match self.header[1] & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        Some(2 + extended + if masked { 4 } else { 0 })
    }

    fn payload_len(&self) -> u64 {
        match self.header[1] & 0x7f {
            126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            127 => u64::from_be_bytes([
                self.header[2],
                self.header[3],
                self.header[4],
                self.header[5],
                self.header[6],
                self.header[7],
                self.header[8],
                self.header[9],
            ]),
            short => u64::from(short),
        }
    }

    /// Follows `chunk`, the next bytes the client sent.
    pub fn scan(&mut self, mut chunk: &[u8]) -> Scan {
        while !chunk.is_empty() {
            match self.position {
                Position::Refused => return Scan::Oversized,
                Position::Payload { remaining } => {
                    let available = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
                    let taken = remaining.min(available);
                    // `taken` ≤ chunk.len(), so it fits a usize.
                    chunk = &chunk[usize::try_from(taken).unwrap_or(chunk.len())..];
                    self.position = match remaining - taken {
                        0 => Position::Header { seen: 0 },
                        left => Position::Payload { remaining: left },
                    };
                }
                Position::Header { mut seen } => {
                    // Take header bytes one at a time until its length is known and reached.
                    while !chunk.is_empty() && self.header_len(seen).is_none_or(|len| seen < len) {
                        self.header[seen] = chunk[0];
                        seen += 1;
                        chunk = &chunk[1..];
                    }
                    match self.header_len(seen) {
                        Some(len) if seen == len => {
                            let length = self.payload_len();
                            if length > self.limit {
                                self.position = Position::Refused;
                                return Scan::Oversized;
                            }
                            self.position = match length {
                                0 => Position::Header { seen: 0 },
                                remaining => Position::Payload { remaining },
                            };
                        }
                        _ => self.position = Position::Header { seen },
                    }
                }
            }
        }
        if self.position == Position::Refused {
            Scan::Oversized
        } else {
            Scan::Fine
        }
    }
}

/// The connection's body stream, ended with [`PayloadError::Overflow`] at the
/// first oversized frame header.
pub struct GuardedPayload<S> {
    inner: S,
    scanner: FrameHeaderScanner,
    ended: bool,
}

impl<S> GuardedPayload<S> {
    /// Guards `inner` against frames longer than `limit` bytes.
    pub fn new(inner: S, limit: usize) -> Self {
        Self {
            inner,
            scanner: FrameHeaderScanner::new(limit),
            ended: false,
        }
    }
}

impl<S> Stream for GuardedPayload<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => match this.scanner.scan(&bytes) {
                Scan::Fine => Poll::Ready(Some(Ok(bytes))),
                Scan::Oversized => {
                    this.ended = true;
                    Poll::Ready(Some(Err(PayloadError::Overflow)))
                }
            },
            other => other,
        }
    }
}

/// Whether a websocket stream error is the guard's refusal of an oversized frame.
pub fn is_oversized(error: &actix_ws::ProtocolError) -> bool {
    match error {
        actix_ws::ProtocolError::Overflow => true,
        actix_ws::ProtocolError::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<PayloadError>())
            .is_some_and(|e| matches!(e, PayloadError::Overflow)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame (masked) with `len` bytes of payload.
    fn frame(opcode: u8, len: usize) -> Vec<u8> {
        let mut out = vec![0x80 | opcode];
        match len {
            0..=125 => out.push(0x80 | u8::try_from(len).unwrap_or(0)),
            126..=65535 => {
                out.push(0x80 | 126);
                out.extend_from_slice(&u16::try_from(len).unwrap_or(0).to_be_bytes());
            }
            _ => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&[1, 2, 3, 4]);
        out.extend(std::iter::repeat_n(b'x', len));
        out
    }

    #[test]
    fn frames_within_the_limit_pass_whatever_the_chunking() {
        let mut stream = Vec::new();
        for len in [0, 5, 125, 126, 300, 65535, 65536, 17] {
            stream.extend(frame(0x1, len));
        }
        for chunk_size in [1, 2, 3, 7, 13, 4096, stream.len()] {
            let mut scanner = FrameHeaderScanner::new(65536);
            for chunk in stream.chunks(chunk_size) {
                assert_eq!(scanner.scan(chunk), Scan::Fine, "chunks of {chunk_size}");
            }
            assert_eq!(scanner.position, Position::Header { seen: 0 }, "chunks of {chunk_size}");
        }
    }

    #[test]
    fn an_oversized_header_is_refused_before_its_payload_arrives() {
        let mut scanner = FrameHeaderScanner::new(65536);
        assert_eq!(scanner.scan(&frame(0x1, 10)), Scan::Fine);
        let big = frame(0x1, 10 * 1024 * 1024);
        // two bytes in: the 64-bit length is not known yet
        assert_eq!(scanner.scan(&big[..2]), Scan::Fine);
        // the rest of the 14-byte header: refused, with no payload seen
        assert_eq!(scanner.scan(&big[2..14]), Scan::Oversized);
        assert_eq!(scanner.scan(b"anything"), Scan::Oversized);
        // a 16-bit length over a small limit, as soon as its 8-byte header is in
        let mut small = FrameHeaderScanner::new(100);
        assert_eq!(small.scan(&frame(0x2, 300)[..7]), Scan::Fine);
        assert_eq!(small.scan(&frame(0x2, 300)[7..8]), Scan::Oversized);
        // and a 7-bit one
        let mut tiny = FrameHeaderScanner::new(100);
        assert_eq!(tiny.scan(&frame(0x1, 101)[..6]), Scan::Oversized);
        // and a length with the top bit set (invalid, and huge)
        let mut top = FrameHeaderScanner::new(100);
        assert_eq!(
            top.scan(&[0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
            Scan::Oversized
        );
    }

    #[test]
    fn only_the_guards_own_refusal_counts_as_oversized() {
        assert!(is_oversized(&actix_ws::ProtocolError::Overflow));
        assert!(is_oversized(&actix_ws::ProtocolError::Io(std::io::Error::other(
            PayloadError::Overflow
        ))));
        assert!(!is_oversized(&actix_ws::ProtocolError::Io(std::io::Error::other(
            PayloadError::Incomplete(None)
        ))));
        assert!(!is_oversized(&actix_ws::ProtocolError::UnmaskedFrame));
    }
}
