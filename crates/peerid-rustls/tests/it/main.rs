//! The integration tests of peerid-rustls: one binary.
