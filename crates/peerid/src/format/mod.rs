//! The documents peerid reads and writes. Parsers take bytes or text and
//! return values; they never open files or read clocks.

pub mod export_document;
pub mod identity_info;
pub mod pfx;
mod xml;
