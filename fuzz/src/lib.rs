//! The fuzz targets' entry points. They live with the library's tests, which
//! replay every file of `fuzz/regressions/` through them; this crate only
//! wraps them in libFuzzer's `fuzz_target!`.

#[path = "../../crates/peerid/tests/it/fuzz_entry.rs"]
pub mod entry;
