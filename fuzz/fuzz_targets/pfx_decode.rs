//! Fuzz target `pfx_decode`: see `crates/peerid/tests/fuzz_entry/mod.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = peerid_fuzz::entry::pfx_decode(data);
});
