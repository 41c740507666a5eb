//! Password-based key derivation close to the hash's own speed: PBKDF2-HMAC
//! (RFC 8018 §5.2) and the PKCS#12 KDF's inner loop (RFC 7292 Appendix B.2),
//! for SHA-1, SHA-224, SHA-256, SHA-384 and SHA-512.
//!
//! At 600,000 iterations nearly all the time of a PFX import or export is
//! spent in these loops. Going through `hmac`/`digest` costs a buffer copy,
//! a length count and a padding step per iteration, about two thirds on top
//! of the compression itself. Here each iteration is exactly the
//! compressions it needs (two for PBKDF2-HMAC, one for the PKCS#12 KDF), fed
//! with blocks whose padding and length are written once, before the loop:
//! only the digest-sized message at their start changes.
//!
//! Every value derived from the password (keyed states, working states and
//! blocks) is wiped before a function returns.

pub(crate) mod engine;
pub(crate) mod jobs;
mod pbkdf2;
pub(crate) mod pkcs12_kdf;
pub(crate) mod scheme;

pub(crate) use pbkdf2::pbkdf2_hmac;
