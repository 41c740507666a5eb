//! Fuzz target `peer_name`: see `crates/peerid/tests/it/fuzz_entry.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    peerid_fuzz::entry::peer_name(data);
});
