//! The command line's help and error messages as trycmd case files in
//! `tests/cmd/` (as rage does): a change to any message shows in review as a
//! change to its case file. `TRYCMD=overwrite cargo test -p peerid-cli
//! --test it cli_cases` rewrites them after a deliberate change.
//!
//! Every case runs with `PEERID_STORE=store`, relative to the case's own
//! sandbox (a temporary directory) where it has one; the help cases open
//! no store.

#[test]
fn help_and_error_messages_are_as_in_the_case_files() {
    trycmd::TestCases::new()
        .register_bin("peerid", std::path::Path::new(env!("CARGO_BIN_EXE_peerid")))
        .env("PEERID_STORE", "store")
        .env("HOME", "/nonexistent")
        .env("COLUMNS", "100")
        .env("RUST_BACKTRACE", "0")
        .case("tests/cmd/*.toml")
        .case("tests/cmd/*.trycmd");
}
