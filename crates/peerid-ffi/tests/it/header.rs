//! `include/p2p.h` is what the pinned cbindgen (a dev-dependency, used as
//! a library with the same `cbindgen.toml`) generates from the Rust code: the
//! header can never drift from the exported functions, types and constants.

use std::path::Path;

/// The version pinned in Cargo.toml's `[workspace.dependencies]`.
const CBINDGEN: &str = "0.29.2";

#[test]
#[cfg_attr(
    windows,
    ignore = "cbindgen runs `cargo metadata`, which a Windows process under Wine cannot start; the Linux build checks the header"
)]
fn p2p_h_matches_the_rust_code() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen reads the crate");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let committed = std::fs::read(crate_dir.join("include/p2p.h")).unwrap();
    if generated != committed {
        if std::env::var_os("PEERID_REGENERATE_HEADER").is_some() {
            std::fs::write(crate_dir.join("include/p2p.h"), &generated).unwrap();
            return;
        }
        let fresh = Path::new(env!("CARGO_TARGET_TMPDIR")).join("p2p.h");
        std::fs::write(&fresh, &generated).unwrap();
        panic!(
            "include/p2p.h is out of date (what cbindgen makes now is in {}); regenerate it with\n  \
             PEERID_REGENERATE_HEADER=1 cargo test -p peerid-ffi --test it header\n\
             or (cbindgen {CBINDGEN}: cargo install cbindgen --version ={CBINDGEN} --locked)\n  \
             (cd crates/peerid-ffi && cbindgen --config cbindgen.toml --output include/p2p.h)",
            fresh.display(),
        );
    }
}
