//! The command line as a user runs it, in one test binary (one link, one
//! process to start; `cargo test -p peerid-cli --test it MODULE` runs one
//! topic). Every test runs the real `peerid` binary in a store of its own;
//! none changes this process's environment, limits, signal handlers, umask or
//! working directory, so the tests can share the process. What the modules
//! share is in `support/`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

mod cli_cases;
mod commands;
mod completions_and_man;
mod crash;
mod crash_seal;
mod full_disk;
// git and ssh-keygen are Linux programs: a Windows process under Wine
// cannot start them ("program not found").
#[cfg(unix)]
mod git_signing;
mod import_work;
// The oracles (openssl, python3's cryptography) are Linux programs: a
// Windows process under Wine cannot start them.
#[cfg(unix)]
mod interop;
mod json_and_exit_codes;
mod keyring;
mod naming;
mod output_file;
mod peer_book;
mod people;
mod prompt;
mod race;
mod resources;
mod sealed;
mod sealed_use;
// Unix owners, modes and signals throughout.
#[cfg(unix)]
mod secrets;
mod show_and_list;
mod signatures;
// Unix modes and owners of the store (Windows': the library's own tests).
#[cfg(unix)]
mod store_errors;
// Unix modes, owners and symbolic links above the store (Windows': the
// library's path_windows tests).
#[cfg(unix)]
mod store_paths;
mod store_sharing;
mod support;
mod tls;
mod transfer;
mod transfer_errors;
