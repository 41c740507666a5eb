//! The hash of a message as it is read (docs/design.md §9): never held
//! whole, and for anything past one piece, read on the caller's thread while
//! another thread hashes the piece before, so that reading (a copy from the
//! page cache, or the disk) overlaps the hashing instead of adding to it.

use std::io::Read;
use std::sync::mpsc;

use ring::digest::{Algorithm, Context};

use crate::error::{Error, Result};

/// The size of a piece: read, then hashed, at a time.
pub(super) const PIECE: usize = 256 * 1024;

/// Pieces in flight: one being read, the others queued or being hashed.
/// The memory held is this many pieces, whatever the message's size.
const PIECES: usize = 4;

/// The digest under `algorithm` of everything `data` yields.
///
/// # Errors
/// [`Error::Failed`] if reading fails.
pub(super) fn digest(algorithm: &'static Algorithm, mut data: impl Read) -> Result<Vec<u8>> {
    let mut first = vec![0u8; PIECE];
    let n = fill(&mut data, &mut first)?;
    if n < PIECE {
        // The whole message, in one piece: no thread for it.
        return Ok(ring::digest::digest(algorithm, &first[..n])
            .as_ref()
            .to_vec());
    }
    // `data` may not be Send (stdin's lock is not), so it is read here and
    // the hashing moves: full pieces go to the hasher, empty ones come back.
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(PIECES);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    for _ in 1..PIECES {
        let _ = empty_tx.send(vec![0u8; PIECE]);
    }
    std::thread::scope(|scope| {
        let hasher = scope.spawn(move || {
            let mut ctx = Context::new(algorithm);
            for (piece, len) in full_rx {
                ctx.update(&piece[..len]);
                // The reader may have stopped; then the piece is dropped.
                let _ = empty_tx.send(piece);
            }
            ctx.finish()
        });
        let (mut piece, mut len) = (first, n);
        let read = loop {
            if full_tx.send((piece, len)).is_err() || len < PIECE {
                break Ok(());
            }
            let Ok(next) = empty_rx.recv() else {
                break Ok(());
            };
            piece = next;
            len = match fill(&mut data, &mut piece) {
                Ok(len) => len,
                Err(e) => break Err(e),
            };
        };
        drop(full_tx);
        let digest = hasher.join().map_err(|_| {
            Error::failed(
                "hashing the message",
                std::io::Error::other("the hashing thread panicked"),
            )
        })?;
        read.map(|()| digest.as_ref().to_vec())
    })
}

/// Reads into `buf` until it is full or `data` ends; the bytes read.
fn fill(data: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match data.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::failed("reading the message", e)),
        }
    }
    Ok(filled)
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ring::digest::{SHA256, SHA512};

    /// A reader that yields `len` bytes of a pattern in reads of at most
    /// `step` bytes, as a pipe or a slow file does.
    struct Dribble {
        left: usize,
        step: usize,
        at: u8,
    }

    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.step).min(self.left);
            for b in &mut buf[..n] {
                *b = self.at;
                self.at = self.at.wrapping_mul(31).wrapping_add(7);
            }
            self.left -= n;
            Ok(n)
        }
    }

    #[test]
    fn every_length_around_the_piece_size_hashes_as_one_call_does() {
        for len in [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE, 5 * PIECE + 17] {
            for step in [1 << 20, 4096, 1000] {
                let mut whole = vec![0u8; len];
                Dribble {
                    left: len,
                    step,
                    at: 1,
                }
                .read_exact(&mut whole)
                .unwrap();
                for alg in [&SHA512, &SHA256] {
                    let got = digest(
                        alg,
                        Dribble {
                            left: len,
                            step,
                            at: 1,
                        },
                    )
                    .unwrap();
                    let want = ring::digest::digest(alg, &whole);
                    assert_eq!(got, want.as_ref(), "len {len}, reads of {step}");
                }
            }
        }
    }

    #[test]
    fn a_read_error_after_the_first_piece_is_the_error() {
        struct Fails(usize);
        impl Read for Fails {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0);
                self.0 -= n;
                Ok(n)
            }
        }
        let err = digest(&SHA512, Fails(2 * PIECE + 5)).unwrap_err();
        assert!(err.to_string().contains("reading the message"), "{err}");
    }
}
