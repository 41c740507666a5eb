//! Fuzz target `identity_info`: see `crates/peerid/tests/it/fuzz_entry.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = peerid_fuzz::entry::identity_info(data);
});
