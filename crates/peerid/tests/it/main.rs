//! The library's one integration-test binary: a module per topic, the
//! helpers they share in `support`. One binary links the library once
//! instead of once per file.

mod debug_redaction;
mod fuzz_regressions;
mod hostile;
mod idc_openssl;
// ssh-keygen and Python's cryptography, Unix programs, and Unix modes.
#[cfg(unix)]
mod openssh_keys;
mod peer_book;
mod pfx_interop;
mod signatures_openssl;
// ssh-keygen, a Unix program, through openssh_keys.
#[cfg(unix)]
mod sshsig_openssh;
mod store_v1;
mod store_v2;
mod support;
mod tamper_every_bit;
