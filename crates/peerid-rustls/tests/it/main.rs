//! The integration tests of peerid-rustls: one binary, in-memory handshakes
//! (no sockets) between identities made on the spot.

// A failed unwrap in a test is the test failing, with its location.
#![allow(clippy::unwrap_used)]

mod certs;
mod echo;
mod pairings;
mod policies;
mod pump;
mod refusals;
