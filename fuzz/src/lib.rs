//! The fuzz targets' entry points live in the library, behind `cfg(fuzzing)`
//! (`crates/peerid/src/fuzz.rs`), where its unit tests replay every file of
//! `fuzz/regressions/` through them; this crate only wraps them in
//! libFuzzer's `fuzz_target!`.

pub use peerid::fuzz as entry;
