//! The integration tests of the C ABI, in one binary (one link of the
//! library, one process to start): the C programs of `tests/c/` compiled
//! against `include/p2p.h` and run natively and under valgrind (`test_sealed.c`
//! on a store sealed beforehand, `sealed`), the header
//! checked against the Rust code, and the Rust-side tests that call the
//! exported functions directly.
//!
//! The exported functions find their store through `PEERID_STORE`, which is
//! process-wide, and `import_cpu` measures the process's CPU time: those
//! tests run alone in a child process of this binary
//! (`support::run_alone`).
#![allow(unsafe_code)] // calling the exported C functions is the point
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

mod c_abi;
mod header;
#[cfg(target_os = "linux")]
mod import_cpu;
mod sealed;
mod support;
mod threads;
