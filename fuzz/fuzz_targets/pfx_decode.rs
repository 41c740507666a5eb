//! Fuzz target `pfx_decode`: see `crates/peerid/tests/it/fuzz_entry.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = peerid_fuzz::entry::pfx_decode(data);
});
